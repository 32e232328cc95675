//! `trailwatch replay`: archived trails through metric filters, alarms and EventBridge rules.

use std::cell::RefCell;
use std::io::IsTerminal;
use std::path::PathBuf;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressFinish, ProgressStyle};
use trailwatch::alarm::Deployment;
use trailwatch::config;
use trailwatch::replay::{replay_streaming, Progress, ReplayOptions};
use trailwatch::report::{
    accounting, notification_lines, plot_alarms, text_report, write_atomically, write_metrics, MetricsFormat,
    PlotWindow,
};
use trailwatch::source::{InputFormat, Position, ReadOptions};

use super::archive::ArchiveArgs;
use super::config_args::ConfigArgs;
use super::output::{LineFile, Terminal, EXIT_ERROR};

const EXIT_FIRED: i32 = 0;
const EXIT_QUIET: i32 = 1;

/// Replay archived trail files through the metric filters, alarms and EventBridge rules of
/// templates or packs, and report which alarms would have fired, when and why, and what
/// each rule would have delivered to each of its targets.
///
/// Inputs: files or folders (walked recursively) of CloudTrail's S3 delivery files
/// (.json or .json.gz; digests skipped), CloudWatch Logs exports, NDJSON, or the JSON of
/// `aws logs filter-log-events` and `aws cloudtrail lookup-events`; `-` or nothing reads
/// standard input; `s3://BUCKET/PREFIX` reads the objects there through the AWS SDK.
/// Each record is one log event at its eventTime. --start-time/--end-time read a window
/// (alarms then start in INSUFFICIENT_DATA at its start); --account/--trail-region read
/// parts of an organization's bucket by its layout.
///
/// Rules (AWS::Events::Rule, or `aws events list-rules` and `list-targets-by-rule` JSON) see
/// each record as the event EventBridge receives for it ("AWS API Call via CloudTrail", ...):
/// only their own region's events, read-only calls (Get*, List*, Describe*) only in state
/// ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS, nothing when DISABLED.
///
/// Exit status: 0 when something fired (an alarm entered ALARM or a rule matched an event),
/// 1 when nothing did, 2 on an error: an input that cannot be read, a failed write (or,
/// with --strict, any rejected record).
///
/// Examples:
///   trailwatch replay --template stack.template.json AWSLogs/
///   trailwatch replay --pack cis --format json trail.ndjson > notifications.ndjson
///   trailwatch replay --template access-alerts.template.json --deliveries-out d.ndjson AWSLogs/
///   trailwatch replay --template cdk.out --metrics-out metrics.csv --plot charts/ AWSLogs/
///   trailwatch replay --template cdk.out --stack 'Prod/*' AWSLogs/
///   trailwatch replay --template infra/ --var threshold=5 AWSLogs/      (a Terraform folder)
///   trailwatch replay --pack cis --start-time 2026-03-01 --end-time 2026-04-01 s3://trail-bucket/AWSLogs/
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Input files or folders (default: standard input).
    inputs: Vec<PathBuf>,

    /// A CloudFormation template (JSON or YAML), a cdk.out folder (or its manifest.json), a
    /// Terraform .tf file or folder, `terraform show -json` output (plan or state), or
    /// describe-metric-filters / describe-alarms / list-rules / list-targets-by-rule JSON (the
    /// targets' rule named by a "Rule" key or the file name: NAME.targets.json); recognised by
    /// content. Repeatable; templates given together import each other's exports.
    #[arg(long = "template", visible_alias = "config", value_name = "FILE")]
    templates: Vec<PathBuf>,

    #[command(flatten)]
    config: ConfigArgs,

    /// A built-in pack of filters and alarms: `cis` (CIS v3.0.0 4.1-4.15) or `securityhub`
    /// (Security Hub CloudWatch.1-14). Repeatable.
    #[arg(long = "pack", value_name = "NAME")]
    packs: Vec<String>,

    /// `text` (a timeline per alarm, deliveries per rule) or `json` (one line per rule
    /// delivery `{"Delivery": {"rule", "target": {"id", "arn"}, "time", "input"}}` in input
    /// order, one SNS message per alarm state change, then a last line `{"Accounting": {...}}`
    /// with files, records, rejections and matches per filter and rule).
    #[arg(long, default_value = "text", value_parser = ["text", "json"])]
    format: String,

    /// Write every metric datapoint per minute and dimension set (`.csv` or `.json`).
    #[arg(long, value_name = "FILE")]
    metrics_out: Option<PathBuf>,

    /// Write every rule delivery, one `{"Delivery": ...}` line each, to this file (written
    /// to a temporary file beside it and renamed into place when complete).
    #[arg(long, value_name = "FILE")]
    deliveries_out: Option<PathBuf>,

    /// Write every rejected record, one `FILE:LINE: reason` line each, to this file (the report
    /// lists only the first 20; all are counted). Written whole or not at all.
    #[arg(long, value_name = "FILE")]
    rejections: Option<PathBuf>,

    /// Write one SVG chart per alarm into this folder: the statistic, the threshold and the
    /// states over time (file names from the alarm names, made distinct).
    #[arg(long, value_name = "DIR")]
    plot: Option<PathBuf>,

    /// Chart only this time range (UTC), e.g. 2026-03-01T09:00..2026-03-01T12:00; either end
    /// may be left out (2026-03-01..). Dates, times to the minute or second, or RFC 3339.
    #[arg(long, value_name = "START..END", requires = "plot")]
    plot_window: Option<PlotWindow>,

    /// The input format (default: recognised from each file's content).
    #[arg(long, value_name = "FORMAT", default_value = "auto", value_parser = super::input_format_parser())]
    input_format: InputFormat,

    /// The JSON field that times NDJSON events.
    #[arg(long, value_name = "FIELD", default_value = "eventTime")]
    timestamp_field: String,

    /// Shift every event by this much (CloudTrail reaches CloudWatch Logs minutes after the
    /// event): `300s`, `5m`, `1h`.
    #[arg(long, value_name = "DURATION", default_value = "0s", value_parser = parse_duration)]
    delivery_lag: i64,

    /// How many periods each alarm evaluation looks back over (default: EvaluationPeriods + 2;
    /// use EvaluationPeriods to stop re-evaluating old points after the metric stops).
    /// 1 to 1442.
    #[arg(long, value_name = "PERIODS", value_parser = clap::value_parser!(u32).range(1..=i64::from(trailwatch::alarm::MAX_EVALUATION_RANGE)))]
    evaluation_range: Option<u32>,

    /// The account the alarms and rules live in (for ARNs and notifications).
    #[arg(long, value_name = "ID", default_value = "123456789012")]
    account_id: String,

    /// The region the alarms and rules live in (rules receive only this region's events).
    #[arg(long, default_value = "us-east-1")]
    region: String,

    /// Fail (exit 2) when any record is rejected.
    #[arg(long)]
    strict: bool,

    #[command(flatten)]
    archive: ArchiveArgs,

    #[command(flatten)]
    reading: super::Reading,
}

fn parse_duration(text: &str) -> Result<i64, String> {
    let (digits, unit) = text.split_at(text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len()));
    let n: i64 = digits.parse().map_err(|_| format!("{text:?} is not a duration like 300s, 5m or 1h"))?;
    let scale = match unit {
        "" | "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        _ => return Err(format!("{text:?} is not a duration like 300s, 5m or 1h")),
    };
    n.checked_mul(scale)
        .filter(|lag| *lag <= trailwatch::replay::MAX_DELIVERY_LAG)
        .ok_or_else(|| format!("{text:?} is too long: the delivery lag is at most 7 days (168h)"))
}

pub fn run(args: Args, term: &mut Terminal) -> i32 {
    match execute(args, term) {
        Ok(code) => code,
        Err(message) => {
            term.note(message);
            EXIT_ERROR
        }
    }
}

fn execute(args: Args, term: &mut Terminal) -> Result<i32, String> {
    super::note_if_reading_a_terminal(&args.inputs, term);
    let deployment =
        config::Deployment { account_id: args.account_id.clone(), region: args.region.clone(), ..Default::default() };
    let configuration = load_configuration(&args, deployment, term)?;
    let mut options = ReplayOptions {
        read: args.reading.apply(ReadOptions {
            format: args.input_format,
            timestamp_field: args.timestamp_field.clone(),
            delivery_lag: args.delivery_lag,
            require_timestamp: true,
            read_timestamps: true,
            ..ReadOptions::default()
        }),
        evaluation_range: args.evaluation_range,
        evaluation_lag: 0,
    };
    args.archive.apply(&mut options.read)?;
    let mut meter = ProgressMeter::new();
    let mut deliveries_out = args.deliveries_out.as_deref().map(|p| LineFile::create(p, "deliveries")).transpose()?;
    let json = args.format == "json";
    // Progress and deliveries both write to the terminal, one after the other.
    let shared = RefCell::new(&mut *term);
    let mut rejections_out = args.rejections.as_deref().map(|p| LineFile::create(p, "rejections")).transpose()?;
    let mut list_rejection = |rejections: &[trailwatch::source::Rejection]| {
        if let Some(file) = rejections_out.as_mut() {
            for rejection in rejections {
                file.write_line(&rejection.to_string());
            }
        }
    };
    let result = replay_streaming(
        &configuration,
        &args.inputs,
        &options,
        &mut |p| meter.show(p),
        &mut |bank, deliveries| {
            if !json && deliveries_out.is_none() {
                return;
            }
            let mut term = shared.borrow_mut();
            for delivery in deliveries {
                let line = bank.delivery_line(delivery);
                if let Some(file) = deliveries_out.as_mut() {
                    file.write_line(&line);
                }
                if json {
                    term.println(line);
                }
            }
        },
        args.rejections.is_some().then_some(&mut list_rejection as &mut dyn FnMut(&[trailwatch::source::Rejection])),
    );
    let result = match result {
        Ok(result) => result,
        Err(e) => {
            // Dropped uncommitted: the targets keep their old contents.
            drop(deliveries_out);
            drop(rejections_out);
            return Err(e);
        }
    };
    meter.finish();
    if let (Some(file), Some(path)) = (deliveries_out, args.deliveries_out.as_deref()) {
        file.finish(path)?;
    }
    if let (Some(file), Some(path)) = (rejections_out, args.rejections.as_deref()) {
        file.finish(path)?;
    }

    let first = result.window.start.or(result.span.map(|(first, _)| first)).unwrap_or(0);
    let alarm_deployment = Deployment { account_id: args.account_id, region: args.region, configured_at: first };
    // A closed stdout (`| head`) ends the report, not the run: the metrics and charts
    // asked for are still written. A failed stdout makes the exit status 2 (the terminal).
    if args.format == "json" {
        for line in notification_lines(&result, &alarm_deployment) {
            term.println(line);
        }
        term.println(serde_json::json!({ "Accounting": accounting(&result) }));
    } else {
        term.print(format_args!("{}", text_report(&result)));
    }
    term.flush();
    if let Some(path) = &args.metrics_out {
        let format =
            if path.extension().is_some_and(|e| e == "json") { MetricsFormat::Json } else { MetricsFormat::Csv };
        write_atomically(path, |out| write_metrics(&result.store, format, out))
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    if let Some(dir) = &args.plot {
        let written = plot_alarms(&result, dir, &args.plot_window.unwrap_or_default())?;
        if written.is_empty() && !result.alarms.is_empty() {
            term.note("no chart written: no event was read, so there is no time span to chart");
        }
        for (alarm, path) in written {
            term.note(format_args!("wrote {} (alarm {alarm:?})", path.display()));
        }
    }
    if args.format == "json" && (result.rejected > 0 || !result.files.skipped.is_empty()) {
        term.note(format_args!(
            "{} record(s) read: {} event(s), {} rejected; {} file(s) skipped",
            result.records,
            result.events,
            result.rejected,
            result.files.skipped.len()
        ));
        for rejection in &result.rejections {
            term.note(format_args!("rejected {rejection}"));
        }
    }
    if let Some(flag) = result.rejections.iter().find_map(|r| r.reason.split_once("try ").map(|(_, flag)| flag)) {
        let flag = flag.trim_end_matches(')');
        term.note(format_args!(
            "hint: {} record(s) rejected; the records carry another time field: {flag} would read them",
            result.rejected
        ));
    }
    if result.files.unreadable > 0 {
        for rejection in result.rejections.iter().filter(|r| r.origin.position == Position::File) {
            term.note(rejection);
        }
        term.note(format_args!("{} input(s) could not be read", result.files.unreadable));
        return Ok(EXIT_ERROR);
    }
    if args.strict && result.rejected > 0 {
        return Ok(EXIT_ERROR);
    }
    let alarm_fired = result.alarms.iter().any(|a| a.times_fired() > 0);
    let rule_fired = result.rules.iter().any(|(_, tally)| tally.matched > 0);
    Ok(if alarm_fired || rule_fired { EXIT_FIRED } else { EXIT_QUIET })
}

/// Every `--template` and `--pack`, read once each, with a word on anything that would make
/// the replay quietly empty: a file without alarms or rules, a repeated file or pack, an
/// alarm on a metric no filter publishes.
fn load_configuration(
    args: &Args,
    deployment: config::Deployment,
    term: &mut Terminal,
) -> Result<config::Configuration, String> {
    let mut templates: Vec<PathBuf> = Vec::new();
    let mut seen = Vec::new();
    for template in &args.templates {
        let identity = std::fs::canonicalize(template).unwrap_or_else(|_| template.clone());
        if seen.contains(&identity) {
            term.note(format_args!("warning: --template {} is given twice: read once", template.display()));
            continue;
        }
        seen.push(identity);
        templates.push(template.clone());
    }
    let mut configuration = config::load_all(&templates, &args.config.options(deployment))?;
    for template in &templates {
        let from = |origin: &config::Origin| origin.file.starts_with(template);
        let filters = configuration.origins.filters.iter().filter(|o| from(o)).count();
        let alarms = configuration.origins.alarms.iter().filter(|o| from(o)).count();
        let rules = configuration.origins.rules.iter().filter(|o| from(o)).count();
        if filters + alarms + rules == 0 {
            term.note(format_args!(
                "warning: {}: no metric filters, alarms or EventBridge rules (AWS::Logs::MetricFilter, \
                 AWS::CloudWatch::Alarm, AWS::Events::Rule) in it",
                template.display()
            ));
        } else if alarms + rules == 0 {
            term.note(format_args!(
                "note: {}: no alarms or EventBridge rules, so nothing can fire: the replay counts what its {filters} \
                 metric filter(s) match",
                template.display()
            ));
        }
    }
    let mut packs: Vec<&str> = Vec::new();
    for name in &args.packs {
        if packs.contains(&name.as_str()) {
            term.note(format_args!("warning: --pack {name} is given twice: read once"));
            continue;
        }
        packs.push(name);
        configuration.extend(config::pack(name)?);
    }
    configuration.attach_targets()?;
    if configuration.is_empty() {
        return Err(if args.templates.is_empty() {
            "nothing to replay through: give --template FILE or --pack NAME (see --help)".into()
        } else {
            "nothing to replay through: the templates given hold no metric filters, alarms or EventBridge rules".into()
        });
    }
    for note in &configuration.notes {
        term.note(format_args!("note: {note}"));
    }
    for finding in trailwatch::lint::alarms::never_firing(&configuration.filters, &configuration.alarms) {
        term.note(format_args!("warning: {}", finding.message));
    }
    Ok(configuration)
}

/// A progress line on stderr (records read, rejected, rate, elapsed time), drawn by
/// indicatif at most a few times a second, only when stderr is a terminal: never in pipes or
/// logs. It is cleared when the replay ends, whether it succeeds or not.
struct ProgressMeter {
    bar: Option<ProgressBar>,
}

impl ProgressMeter {
    fn new() -> Self {
        if !std::io::stderr().is_terminal() {
            return ProgressMeter { bar: None };
        }
        let style =
            ProgressStyle::with_template("{spinner} replaying for {elapsed}: {human_pos} records ({msg}), {per_sec}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner());
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr_with_hz(4))
            .with_style(style)
            .with_finish(ProgressFinish::AndClear);
        ProgressMeter { bar: Some(bar) }
    }

    fn show(&mut self, p: Progress) {
        if let Some(bar) = &self.bar {
            bar.set_position(p.records);
            bar.set_message(format!("{} rejected", p.rejected));
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
