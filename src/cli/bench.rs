//! `trailwatch bench`: pattern throughput next to cat, grep/ripgrep, jq and zcat.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use flate2::write::GzEncoder;
use trailwatch::bench::{
    cloudtrail_event_rules, count_event_pattern_matches, count_matches, count_set_matches, measure, Corpus, Measurement,
};
use trailwatch::event_pattern::{self, EventMatcherSet, EventPattern};
use trailwatch::matcher::{self, FastMatcher, MatcherSet, ReferenceMatcher};
use trailwatch::pattern::{self, Pattern};

use super::output::{outln, Terminal};

/// Measure pattern throughput (events/s and MB/s) on a corpus held in memory.
///
/// Each pattern is matched against every event of the corpus, several times; the best
/// pass counts. The patterns of a pack are also run all together in one pass, as replay
/// runs them. The same run times cat, grep, ripgrep, jq and zcat when they are installed,
/// and every figure is shown as a ratio to them: absolute speeds vary from machine to
/// machine and run to run, ratios much less (see docs/performance.md).
///
/// Without --corpus, about --size bytes of real CloudTrail records are generated from the
/// records bundled with trailwatch (with a failed console sign-in every 1,000 events).
///
/// Examples:
///   trailwatch bench
///   trailwatch bench --corpus corpus.ndjson --pattern '{ $.errorCode = "AccessDenied" }'
///   trailwatch bench --size 16M --passes 5 --reference
///   trailwatch bench --event-patterns
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// One event per line (NDJSON or text; gzip is undone). Default: generated.
    #[arg(long, value_name = "FILE")]
    corpus: Option<PathBuf>,

    /// Size of the generated corpus (K, M and G suffixes).
    #[arg(long, default_value = "64M", value_parser = parse_size)]
    size: usize,

    /// A pattern to measure (repeatable). Default: one of each family.
    #[arg(long = "pattern", value_name = "PATTERN", allow_hyphen_values = true)]
    patterns: Vec<String>,

    /// Also measure a pack of metric filters (cis, securityhub), together and one by one.
    #[arg(long, default_value = "cis")]
    pack: String,

    /// Timed passes per measurement; the fastest counts.
    #[arg(long, default_value_t = 3)]
    passes: usize,

    /// Also time the reference evaluator on each pattern.
    #[arg(long)]
    reference: bool,

    /// Skip the external tools (cat, grep, rg, jq, zcat) and the gzip measurements.
    #[arg(long)]
    no_baselines: bool,

    /// Measure EventBridge rules instead: the corpus's records become EventBridge events
    /// (the record as `detail`), matched by trailwatch's 100 built-in CloudTrail rules in
    /// one pass, and by one of them alone.
    #[arg(long)]
    event_patterns: bool,
}

/// The default workload: a selective and a non-selective JSON pattern, terms, a regex.
const DEFAULT_PATTERNS: [&str; 5] = [
    r#"{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }"#,
    r#"{ $.sourceIPAddress != "203.0.113.9" }"#,
    r#"{ $.requestParameters.bucketName = "*-logs" || $.userIdentity.type = "Root" }"#,
    "ConsoleLogin",
    "%Failed authentication%",
];

fn parse_size(text: &str) -> Result<usize, String> {
    let (digits, unit) = match text.char_indices().find(|(_, c)| c.is_ascii_alphabetic()) {
        Some((i, _)) => text.split_at(i),
        None => (text, ""),
    };
    let number: f64 = digits.trim().parse().map_err(|_| format!("{text:?} is not a size such as 64M"))?;
    let scale = match unit.to_ascii_uppercase().as_str() {
        "" | "B" => 1.0,
        "K" | "KB" => 1e3,
        "M" | "MB" => 1e6,
        "G" | "GB" => 1e9,
        other => return Err(format!("unknown size unit {other:?} (K, M or G)")),
    };
    Ok((number * scale) as usize)
}

/// One row of the report.
struct Row {
    name: String,
    measurement: Measurement,
}

pub fn run(args: Args, term: &mut Terminal) -> i32 {
    match bench(&args, term) {
        Ok(()) => 0,
        Err(message) => {
            term.note(message);
            2
        }
    }
}

fn bench(args: &Args, term: &mut Terminal) -> Result<(), String> {
    let corpus = match &args.corpus {
        Some(path) => Corpus::from_file(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?,
        None => Corpus::generate(args.size),
    };
    let origin = match &args.corpus {
        Some(path) => path.display().to_string(),
        None => "generated from the bundled CloudTrail records".to_string(),
    };
    outln!(
        term,
        "corpus: {:.1} MB, {} events ({origin}){}; best of {} passes; {} thread(s) available",
        corpus.bytes() as f64 / 1e6,
        corpus.events(),
        if corpus.skipped > 0 { format!(", {} non-UTF-8 lines skipped", corpus.skipped) } else { String::new() },
        args.passes,
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    term.flush();
    if args.event_patterns {
        return bench_event_patterns(&corpus, args, term);
    }
    let texts: Vec<&str> = if args.patterns.is_empty() {
        DEFAULT_PATTERNS.to_vec()
    } else {
        args.patterns.iter().map(String::as_str).collect()
    };
    let mut rows = Vec::new();
    for text in &texts {
        let parsed = pattern::parse(text).map_err(|e| format!("invalid pattern\n{}", e.render(text)))?;
        let fast = FastMatcher::new(&parsed).map_err(|e| e.to_string())?;
        rows.push(Row { name: text.to_string(), measurement: measure(args.passes, || count_matches(&corpus, &fast)) });
        if args.reference {
            let slow = ReferenceMatcher::new(&parsed).map_err(|e| e.to_string())?;
            let measurement = measure(args.passes, || count_matches(&corpus, &slow));
            rows.push(Row { name: format!("  (reference evaluator) {text}"), measurement });
        }
    }
    let pack = pack_patterns(&args.pack)?;
    if !pack.is_empty() {
        let set = MatcherSet::new(&pack).map_err(|e| e.to_string())?;
        let together = measure(args.passes, || count_set_matches(&corpus, &set));
        rows.push(Row {
            name: format!("{} pack: {} filters in one pass", args.pack, pack.len()),
            measurement: together,
        });
        let singles: Vec<FastMatcher> =
            pack.iter().map(FastMatcher::new).collect::<Result<_, _>>().map_err(|e| e.to_string())?;
        let separately = measure(args.passes, || singles.iter().map(|m| count_matches(&corpus, m)).sum());
        rows.push(Row { name: format!("{} pack: {} separate passes", args.pack, pack.len()), measurement: separately });
    }
    let baselines = if args.no_baselines { Vec::new() } else { external_baselines(&corpus, args)? };
    print_table(&corpus, &rows, &baselines, term);
    if !args.no_baselines {
        gzip_report(&corpus, &pack, args, term)?;
    }
    Ok(())
}

/// `--event-patterns`: the built-in EventBridge rules over the corpus as EventBridge events.
fn bench_event_patterns(corpus: &Corpus, args: &Args, term: &mut Terminal) -> Result<(), String> {
    let events = corpus.eventbridge_events();
    outln!(term, "as EventBridge events: {:.1} MB, {} events", events.bytes() as f64 / 1e6, events.events());
    let rules: Vec<EventPattern> = cloudtrail_event_rules()
        .iter()
        .map(|r| event_pattern::parse(r).map_err(|e| format!("built-in rule {r}: {e}")))
        .collect::<Result<_, _>>()?;
    let set = EventMatcherSet::new(&rules);
    let mut rows = vec![Row {
        name: format!("{} EventBridge rules in one pass", rules.len()),
        measurement: measure(args.passes, || count_event_pattern_matches(&events, &set)),
    }];
    // Root activity on IAM: the single rule most accounts have.
    let one = EventMatcherSet::new(&rules[3..4]);
    rows.push(Row {
        name: "1 EventBridge rule (IAM calls by root or without MFA)".into(),
        measurement: measure(args.passes, || count_event_pattern_matches(&events, &one)),
    });
    if args.reference {
        let reference = measure(args.passes, || {
            events
                .lines()
                .map(|e| rules.iter().filter(|r| event_pattern::reference::matches_text(r, e)).count() as u64)
                .sum()
        });
        rows.push(Row { name: format!("  (reference evaluator) {} rules", rules.len()), measurement: reference });
    }
    let baselines = if args.no_baselines {
        Vec::new()
    } else {
        let file = TempFile::write("ndjson", events.text().as_bytes())?;
        let path = file.path.to_string_lossy().to_string();
        let jq_program = r#"select(.detail.userIdentity.type == "Root")"#;
        let candidates: [(&str, Vec<&str>); 2] = [("cat", vec![&path]), ("jq", vec!["-c", jq_program, &path])];
        candidates
            .into_iter()
            .filter_map(|(tool, tool_args)| {
                let name = if tool == "cat" { "cat (read the file)" } else { "jq (select root activity)" };
                time_tool(tool, &tool_args, args.passes).map(|measurement| Row { name: name.into(), measurement })
            })
            .collect()
    };
    print_table(&events, &rows, &baselines, term);
    Ok(())
}

fn pack_patterns(name: &str) -> Result<Vec<Pattern>, String> {
    if name.is_empty() || name == "none" {
        return Ok(Vec::new());
    }
    let configuration = trailwatch::config::pack(name)?;
    configuration.filters.iter().map(|f| pattern::parse(&f.pattern).map_err(|e| e.to_string())).collect()
}

/// cat, grep, rg and jq over the corpus as a file, each where installed.
fn external_baselines(corpus: &Corpus, args: &Args) -> Result<Vec<Row>, String> {
    let file = TempFile::write("ndjson", corpus.text().as_bytes())?;
    let path = file.path.to_string_lossy().to_string();
    let jq_program = r#"select(.eventName == "ConsoleLogin" and .errorMessage == "Failed authentication")"#;
    let candidates: [(&str, Vec<&str>); 4] = [
        ("cat", vec![&path]),
        ("grep", vec!["-c", "-F", "ConsoleLogin", &path]),
        ("rg", vec!["-c", "-F", "ConsoleLogin", &path]),
        ("jq", vec!["-c", jq_program, &path]),
    ];
    let mut rows = Vec::new();
    for (tool, tool_args) in candidates {
        if let Some(measurement) = time_tool(tool, &tool_args, args.passes) {
            rows.push(Row { name: format!("{tool} {}", describe_args(tool, &tool_args)), measurement });
        }
    }
    Ok(rows)
}

fn describe_args(tool: &str, args: &[&str]) -> String {
    match tool {
        "cat" => "(read the file)".into(),
        "jq" => "(select failed console sign-ins)".into(),
        _ => format!("{} (literal scan)", args[..args.len() - 1].join(" ")),
    }
}

/// Runs `tool`, best of `passes`; `None` when it is not installed. Output is read through
/// a pipe (GNU grep stops at the first match when its output is `/dev/null`), except cat's,
/// which would then measure the pipe rather than reading.
fn time_tool(tool: &str, args: &[&str], passes: usize) -> Option<Measurement> {
    let mut best = None;
    for _ in 0..passes.max(1) {
        let start = Instant::now();
        let stdout = if tool == "cat" { Stdio::null() } else { Stdio::piped() };
        let mut child = Command::new(tool).args(args).stdout(stdout).stderr(Stdio::null()).spawn().ok()?;
        if let Some(mut out) = child.stdout.take() {
            let _ = std::io::copy(&mut out, &mut std::io::sink());
        }
        let status = child.wait().ok()?;
        // grep and rg exit 1 when nothing matched: still a complete scan.
        if !status.success() && status.code() != Some(1) {
            return None;
        }
        let elapsed = start.elapsed();
        best = Some(best.map_or(elapsed, |b: std::time::Duration| b.min(elapsed)));
    }
    best.map(|best| Measurement { best, count: 0 })
}

fn print_table(corpus: &Corpus, rows: &[Row], baselines: &[Row], term: &mut Terminal) {
    let mb = |m: &Measurement| m.mb_per_second(corpus.bytes());
    let mut header = format!("{:<58} {:>10} {:>12} {:>9}", "workload", "MB/s", "events/s", "matches");
    for baseline in baselines {
        header.push_str(&format!(" {:>8}", format!("x {}", baseline.name.split(' ').next().unwrap_or(""))));
    }
    outln!(term, "\n{header}");
    for row in rows {
        let mut line = format!(
            "{:<58} {:>10.0} {:>12.0} {:>9}",
            shorten(&row.name, 58),
            mb(&row.measurement),
            row.measurement.per_second(corpus.events()),
            row.measurement.count
        );
        for baseline in baselines {
            line.push_str(&format!(" {:>8.2}", mb(&row.measurement) / mb(&baseline.measurement)));
        }
        outln!(term, "{line}");
    }
    if !baselines.is_empty() {
        outln!(term, "\nbaselines (same corpus, same run; external processes, so start-up included):");
        for baseline in baselines {
            outln!(term, "  {:<56} {:>10.0} MB/s", shorten(&baseline.name, 56), mb(&baseline.measurement));
        }
    }
}

fn shorten(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let kept: String = text.chars().take(width - 1).collect();
    format!("{kept}…")
}

/// Decompression alone against decompression plus matching the pack, in process, and
/// zcat as the external reference.
fn gzip_report(corpus: &Corpus, pack: &[Pattern], args: &Args, term: &mut Terminal) -> Result<(), String> {
    let mut encoder = GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(corpus.text().as_bytes()).map_err(|e| e.to_string())?;
    let compressed = encoder.finish().map_err(|e| e.to_string())?;
    let gunzip = measure(args.passes, || {
        let mut decoder = flate2::read::MultiGzDecoder::new(&compressed[..]);
        let mut buffer = vec![0u8; 1 << 16];
        let mut total = 0u64;
        while let Ok(n @ 1..) = decoder.read(&mut buffer) {
            total += n as u64;
        }
        total
    });
    let set = MatcherSet::new(pack).map_err(|e| e.to_string())?;
    let matched = measure(args.passes, || {
        let mut reader = BufReader::with_capacity(1 << 16, flate2::read::MultiGzDecoder::new(&compressed[..]));
        let mut line = Vec::new();
        let mut count = 0u64;
        while reader.read_until(b'\n', &mut line).is_ok_and(|n| n > 0) {
            if let Ok(text) = std::str::from_utf8(line.strip_suffix(b"\n").unwrap_or(&line)) {
                set.for_each_match(text, |_, _| count += 1);
            }
            line.clear();
        }
        count
    });
    let file = TempFile::write("ndjson.gz", &compressed)?;
    let zcat = time_tool("zcat", &[&file.path.to_string_lossy()], args.passes);
    outln!(term, "\ngzip ({:.1} MB compressed):", compressed.len() as f64 / 1e6);
    let rate = |m: &Measurement| m.mb_per_second(corpus.bytes());
    outln!(term, "  {:<56} {:>10.0} MB/s", "decompress only (flate2, zlib-rs)", rate(&gunzip));
    outln!(term, "  {:<56} {:>10.0} MB/s", format!("decompress + {} pack in one pass", args.pack), rate(&matched));
    if let Some(zcat) = zcat {
        outln!(term, "  {:<56} {:>10.0} MB/s", "zcat", rate(&zcat));
    }
    outln!(
        term,
        "  matching adds {:.2}x to decompression alone",
        matched.best.as_secs_f64() / gunzip.best.as_secs_f64().max(1e-9)
    );
    // The compile step is not part of the figures above; show it once for completeness.
    let start = Instant::now();
    let _ = matcher::MatcherSet::new(pack);
    outln!(term, "  compiling the pack: {:.2} ms", start.elapsed().as_secs_f64() * 1e3);
    Ok(())
}

/// A scratch file removed when dropped.
struct TempFile {
    path: PathBuf,
}

impl TempFile {
    fn write(extension: &str, bytes: &[u8]) -> Result<TempFile, String> {
        let path = std::env::temp_dir().join(format!("trailwatch-bench-{}.{extension}", std::process::id()));
        std::fs::write(&path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        Ok(TempFile { path })
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(Path::new(&self.path));
    }
}
