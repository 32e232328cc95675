//! `s3://` inputs against a real S3 API: moto's server, started here on a free loopback
//! port, filled through boto3 (`tests/s3/store.py`), and read by the trailwatch binary
//! through the AWS SDK for Rust. Under CI (`CI=true`) a missing moto fails these tests.

mod common;
mod serve_support;

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serve_support::{manifest_path, require_tool};

/// moto's S3 server, stopped when dropped.
struct Moto {
    child: Child,
    endpoint: String,
}

impl Moto {
    fn start() -> Option<Moto> {
        if !require_tool(
            "python3",
            &["-c", "import moto.server, flask, boto3"],
            "python3 -m pip install 'moto[server]'",
        ) {
            return None;
        }
        let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
        let child = Command::new("python3")
            .args(["-m", "moto.server", "-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto starts");
        let moto = Moto { child, endpoint: format!("http://127.0.0.1:{port}") };
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed() < Duration::from_secs(60), "moto did not listen on port {port}");
            std::thread::sleep(Duration::from_millis(100));
        }
        Some(moto)
    }

    /// Runs `tests/s3/store.py` against `bucket`.
    fn store(&self, bucket: &str, args: &[&str]) {
        let output = Command::new("python3")
            .arg(manifest_path("tests/s3/store.py"))
            .args([self.endpoint.as_str(), bucket])
            .args(args)
            .output()
            .expect("python3 runs");
        assert!(output.status.success(), "store.py {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    }

    /// The trailwatch binary with only this server's endpoint and test credentials.
    fn trailwatch(&self, args: &[&str]) -> Output {
        trailwatch_with(args, &[("AWS_ENDPOINT_URL", self.endpoint.as_str())])
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn trailwatch_with(args: &[&str], env: &[(&str, &str)]) -> Output {
    command(args, env).output().expect("trailwatch runs")
}

/// The trailwatch binary with test credentials (and no profile or endpoint of the machine's).
fn command(args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_trailwatch"));
    command.args(args);
    for variable in
        ["AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_SESSION_TOKEN"]
    {
        command.env_remove(variable);
    }
    command
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", "/nonexistent/trailwatch-test-config")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/trailwatch-test-credentials")
        .env("AWS_EC2_METADATA_DISABLED", "true");
    for (name, value) in env {
        command.env(name, value);
    }
    command
}

fn sample_trail() -> PathBuf {
    manifest_path("testdata/sample/trail")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The lines of a `replay --format json` run, and its accounting parsed.
fn replay_json(output: &Output) -> (Vec<String>, serde_json::Value) {
    let text = stdout(output);
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let last = lines.pop().expect("an accounting line");
    let accounting: serde_json::Value = serde_json::from_str(&last).expect("JSON");
    (lines, accounting["Accounting"].clone())
}

fn same_counts(disk: &serde_json::Value, s3: &serde_json::Value) {
    for key in [
        "filesRead",
        "recordsRead",
        "events",
        "rejected",
        "recordsOutsideWindow",
        "repeatedEventIds",
        "filters",
        "rules",
    ] {
        assert_eq!(disk[key], s3[key], "{key}: disk {disk} s3 {s3}");
    }
}

const TEMPLATE: &str = "testdata/templates/seed-stack.template.json";

#[test]
fn replay_from_s3_equals_replay_from_disk() {
    let Some(moto) = Moto::start() else { return };
    moto.store("trail", &["tree", sample_trail().to_str().expect("UTF-8 path"), ""]);
    let template = manifest_path(TEMPLATE);
    let template = template.to_str().expect("UTF-8 path");
    let disk = trailwatch_with(
        &["replay", "--format", "json", "--template", template, sample_trail().to_str().expect("path")],
        &[],
    );
    let s3 = moto.trailwatch(&["replay", "--format", "json", "--template", template, "s3://trail/"]);
    assert_eq!(disk.status.code(), Some(0), "{}", stderr(&disk));
    assert_eq!(s3.status.code(), Some(0), "{}", stderr(&s3));
    let (disk_lines, disk_accounting) = replay_json(&disk);
    let (s3_lines, s3_accounting) = replay_json(&s3);
    assert_eq!(disk_lines, s3_lines, "the alarm notifications differ");
    same_counts(&disk_accounting, &s3_accounting);
    assert_eq!(s3_accounting["recordsRead"], 441);
    // The digest is skipped by its key, never fetched.
    let skipped = s3_accounting["filesSkipped"].to_string();
    assert!(skipped.contains("CloudTrail-Digest") && skipped.contains("digest"), "{skipped}");

    // The text report and --endpoint-url (instead of the variable) give the same.
    let text = trailwatch_with(
        &["replay", "--template", template, "--endpoint-url", &moto.endpoint, "s3://trail/AWSLogs"],
        &[],
    );
    assert_eq!(text.status.code(), Some(0), "{}", stderr(&text));
    assert!(stdout(&text).starts_with("Read 441 record(s) from 78 file(s) (1 skipped)"), "{}", stdout(&text));
    assert!(stdout(&text).contains("entered ALARM 2 time(s)"), "{}", stdout(&text));
}

#[test]
fn time_windows_prune_keys_and_match_the_disk() {
    let Some(moto) = Moto::start() else { return };
    moto.store("trail", &["tree", sample_trail().to_str().expect("UTF-8 path"), "logs/"]);
    let template = manifest_path(TEMPLATE);
    let template = template.to_str().expect("UTF-8 path");
    let window = ["--start-time", "2026-03-01T09:30:00Z", "--end-time", "2026-03-01T10:30:00Z"];
    let mut disk_args = vec!["replay", "--format", "json", "--template", template];
    disk_args.extend(window);
    let mut s3_args = disk_args.clone();
    let trail = sample_trail();
    disk_args.push(trail.to_str().expect("path"));
    s3_args.push("s3://trail/logs/");
    let disk = trailwatch_with(&disk_args, &[]);
    let s3 = moto.trailwatch(&s3_args);
    assert!(s3.status.code().is_some_and(|c| c < 2), "{}", stderr(&s3));
    let (disk_lines, disk_accounting) = replay_json(&disk);
    let (s3_lines, s3_accounting) = replay_json(&s3);
    assert_eq!(disk_lines, s3_lines);
    same_counts(&disk_accounting, &s3_accounting);
    let read = s3_accounting["recordsRead"].as_u64().expect("a count");
    assert!(read > 0 && read < 441, "{s3_accounting}");

    // A window on another year reads nothing: every date folder is passed over unlisted.
    let elsewhere = moto.trailwatch(&[
        "filter",
        "--count",
        "--start-time",
        "2024-01-01",
        "--end-time",
        "2024-12-31",
        "{ $.eventName = * }",
        "s3://trail/logs/",
    ]);
    assert_eq!(stdout(&elsewhere).trim(), "0", "{}", stderr(&elsewhere));
    assert_eq!(elsewhere.status.code(), Some(1));
}

#[test]
fn an_object_that_fails_is_reported_by_key_and_the_run_goes_on() {
    let Some(moto) = Moto::start() else { return };
    moto.store("trail", &["tree", sample_trail().to_str().expect("UTF-8 path"), ""]);
    let archived = "AWSLogs/123456789012/CloudTrail/us-east-1/2026/03/01/123456789012_CloudTrail_us-east-1_20260301T0905Z_archivedarchived.json.gz";
    let one_file = std::fs::read_dir(sample_trail().join("AWSLogs"))
        .expect("the sample trail")
        .flatten()
        .next()
        .expect("an account folder")
        .path();
    let file = walk_first_file(&one_file);
    moto.store("trail", &["glacier", archived, file.to_str().expect("path")]);
    let output = moto.trailwatch(&["filter", "--count", "{ $.eventName = * }", "s3://trail/"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert_eq!(stdout(&output).trim(), "441", "the other objects are read");
    let errors = stderr(&output);
    assert!(errors.contains(&format!("s3://trail/{archived}")), "{errors}");
    assert!(errors.contains("InvalidObjectState"), "{errors}");
}

fn walk_first_file(dir: &std::path::Path) -> PathBuf {
    let mut path = dir.to_path_buf();
    while path.is_dir() {
        let mut entries: Vec<PathBuf> =
            std::fs::read_dir(&path).expect("a folder").flatten().map(|e| e.path()).collect();
        entries.sort();
        path = entries.into_iter().next().expect("not empty");
    }
    path
}

#[test]
fn listings_of_more_than_a_thousand_keys_are_paged() {
    let Some(moto) = Moto::start() else { return };
    moto.store("many", &["many", "AWSLogs/111111111111/CloudTrail/us-east-1/2026/03/01/", "1100"]);
    // A flat listing (no selection) and a folder-by-folder one (a window) both page.
    let flat = moto.trailwatch(&["filter", "--count", "{ $.eventName = ConsoleLogin }", "s3://many"]);
    assert_eq!(stdout(&flat).trim(), "1100", "{}", stderr(&flat));
    let windowed = moto.trailwatch(&[
        "filter",
        "--count",
        "--start-time",
        "2026-03-01T10:00:00Z",
        "--end-time",
        "2026-03-01T10:59:59Z",
        "{ $.eventName = ConsoleLogin }",
        "s3://many/AWSLogs/",
    ]);
    assert_eq!(stdout(&windowed).trim(), "1100", "{}", stderr(&windowed));
}

#[test]
fn organization_trails_are_selected_by_account_and_region() {
    let Some(moto) = Moto::start() else { return };
    moto.store("org", &["many", "AWSLogs/o-abc123def4/111111111111/CloudTrail/us-east-1/2026/03/01/", "30"]);
    moto.store("org", &["many", "AWSLogs/o-abc123def4/222222222222/CloudTrail/us-east-1/2026/03/01/", "20"]);
    let count = |extra: &[&str]| {
        let mut args = vec!["filter", "--count", "--stats", "{ $.eventName = * }"];
        args.extend(extra);
        args.push("s3://org/AWSLogs/");
        let output = moto.trailwatch(&args);
        (stdout(&output).trim().to_string(), stderr(&output))
    };
    // The two accounts' files hold the same eventIDs: every second copy is a repeat.
    let (all, notes) = count(&[]);
    assert_eq!(all, "50", "{notes}");
    assert!(notes.contains("20 repeated eventID(s), 0 dropped"), "{notes}");
    assert_eq!(count(&["--dedupe"]).0, "30");
    assert_eq!(count(&["--account", "222222222222"]).0, "20");
    let (one, notes) = count(&["--account", "111111111111"]);
    assert_eq!(one, "30");
    assert!(notes.contains("1 file(s) or folder(s) passed over by their key"), "{notes}");
    assert_eq!(count(&["--trail-region", "eu-west-1"]).0, "0");

    // lookup-events over the organization's bucket: newest first, paged.
    let page = moto.trailwatch(&[
        "lookup-events",
        "--lookup-attributes",
        "AttributeKey=Username,AttributeValue=user7",
        "--max-items",
        "1",
        "s3://org/AWSLogs/",
    ]);
    assert_eq!(page.status.code(), Some(0), "{}", stderr(&page));
    let json: serde_json::Value = serde_json::from_slice(&page.stdout).expect("JSON");
    assert_eq!(json["Events"].as_array().map(Vec::len), Some(1), "{json}");
    assert_eq!(json["Events"][0]["Username"], "user7");
    assert!(json.get("NextToken").is_none(), "a repeated event is one event: {json}");
}

#[test]
fn no_sign_request_reads_public_buckets_without_credentials() {
    let Some(moto) = Moto::start() else { return };
    let trail = sample_trail();
    let trail = trail.to_str().expect("UTF-8 path");
    moto.store("open", &["tree", trail, ""]);
    moto.store("open", &["public"]);
    moto.store("closed", &["tree", trail, ""]);
    let template = manifest_path(TEMPLATE);
    let template = template.to_str().expect("UTF-8 path");
    // No credentials anywhere: the environment's are removed, the files do not exist.
    let anonymous = |args: &[&str]| {
        let mut command = command(args, &[("AWS_ENDPOINT_URL", moto.endpoint.as_str())]);
        command.env_remove("AWS_ACCESS_KEY_ID").env_remove("AWS_SECRET_ACCESS_KEY");
        command.output().expect("trailwatch runs")
    };

    let disk = trailwatch_with(&["replay", "--format", "json", "--template", template, trail], &[]);
    let public = anonymous(&["replay", "--format", "json", "--template", template, "--no-sign-request", "s3://open/"]);
    assert_eq!(public.status.code(), Some(0), "{}", stderr(&public));
    let (disk_lines, disk_accounting) = replay_json(&disk);
    let (public_lines, public_accounting) = replay_json(&public);
    assert_eq!(disk_lines, public_lines, "the alarm notifications differ");
    same_counts(&disk_accounting, &public_accounting);

    // moto answers an unsigned GET only for objects the bucket makes public: the requests
    // really went out unsigned, and every refused object is reported by its key.
    let closed = anonymous(&["filter", "--count", "--no-sign-request", "{ $.eventName = * }", "s3://closed/"]);
    assert_eq!(closed.status.code(), Some(2), "{}", stderr(&closed));
    assert_eq!(stdout(&closed).trim(), "0");
    let refused = stderr(&closed);
    assert!(refused.contains("rejected s3://closed/AWSLogs/") && refused.contains("HTTP 403"), "{refused}");
    assert!(refused.contains("78 rejected"), "every object but the digest is refused: {refused}");

    // Without the flag and without credentials nothing can be signed: the error says what to do.
    let unsigned = anonymous(&["filter", "--count", "{ $.eventName = * }", "s3://open/"]);
    assert_eq!(unsigned.status.code(), Some(2), "{}", stderr(&unsigned));
    assert!(stderr(&unsigned).contains("--no-sign-request"), "{}", stderr(&unsigned));
}

/// A server that accepts connections and never answers: the run ends after the read timeout
/// and the SDK's retries, naming the input, instead of waiting forever. No S3 server needed.
#[test]
fn a_server_that_never_answers_times_out() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    let endpoint = format!("http://{}", listener.local_addr().expect("an address"));
    // Holds every connection open, unanswered, until the test process ends.
    std::thread::spawn(move || {
        let held: Vec<TcpStream> = listener.incoming().flatten().collect();
        drop(held);
    });
    let started = Instant::now();
    let args = ["filter", "--count", "{ $.eventName = * }", "s3://trail/", "--cli-read-timeout", "1"];
    let output = trailwatch_with(&args, &[("AWS_ENDPOINT_URL", endpoint.as_str())]);
    assert!(started.elapsed() < Duration::from_secs(30), "took {:?}", started.elapsed());
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let errors = stderr(&output);
    assert!(errors.contains("s3://trail/") && errors.contains("no answer in time"), "{errors}");
    assert!(errors.contains("0 matched, 0 not matched, 1 rejected"), "{errors}");
}

#[test]
fn timeouts_are_range_checked() {
    for (flag, value) in
        [("--cli-read-timeout", "86401"), ("--cli-connect-timeout", "100000"), ("--cli-read-timeout", "-1")]
    {
        let argument = format!("{flag}={value}");
        let output = trailwatch_with(&["filter", "--count", "{ $.eventName = * }", "s3://trail/", &argument], &[]);
        assert_eq!(output.status.code(), Some(2), "{flag} {value}: {}", stderr(&output));
        assert!(stderr(&output).contains(flag), "{flag} {value}: {}", stderr(&output));
    }
}

/// A name that is an object and a folder at once, keys with spaces, `%`, `+` and non-ASCII
/// letters, a folder marker and an empty object: everything under the name is read or
/// accounted for, nothing passed over in silence.
#[test]
fn a_name_that_is_an_object_and_a_folder_reads_both() {
    let Some(moto) = Moto::start() else { return };
    let file = walk_first_file(&sample_trail().join("AWSLogs"));
    let file = file.to_str().expect("UTF-8 path");
    let in_file = trailwatch_with(&["filter", "--count", "{ $.eventName = * }", file], &[]);
    let in_file: u64 = stdout(&in_file).trim().parse().expect("a count");
    moto.store("odd", &["many", "logs/both/", "3"]);
    moto.store("odd", &["object", "logs/both", file]);
    moto.store("odd", &["object", "logs/both/with space %20+ü €.json.gz", file]);
    moto.store("odd", &["object", "logs/both/marker/", "-"]);
    moto.store("odd", &["object", "logs/both/empty.json.gz", "-"]);
    let output = moto.trailwatch(&["filter", "--count", "--stats", "{ $.eventName = * }", "s3://odd/logs/both"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output).trim(), (3 + 2 * in_file).to_string(), "{}", stderr(&output));
    assert!(stderr(&output).contains("5 file(s) read, 2 skipped"), "{}", stderr(&output));

    // Anonymous callers who may list but not read: the object's refusal is reported, never
    // taken for "no such object".
    moto.store("odd", &["listable"]);
    let mut command = command(
        &["filter", "--count", "--no-sign-request", "{ $.eventName = * }", "s3://odd/logs/both"],
        &[("AWS_ENDPOINT_URL", moto.endpoint.as_str())],
    );
    let refused = command.env_remove("AWS_ACCESS_KEY_ID").env_remove("AWS_SECRET_ACCESS_KEY").output().expect("runs");
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert!(stderr(&refused).contains("rejected s3://odd/logs/both: cannot read: HTTP 403"), "{}", stderr(&refused));
}

/// An endpoint that cannot name a server is refused before anything is read; one that
/// refuses connections is named in a line a user can act on, not the SDK's debug dump.
#[test]
fn endpoints_that_cannot_work_say_so_plainly() {
    let bad = trailwatch_with(&["filter", "--count", "--endpoint-url", "localhost:9000", "x", "s3://b/"], &[]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("--endpoint-url \"localhost:9000\""), "{}", stderr(&bad));
    assert!(stdout(&bad).is_empty(), "nothing is read: {}", stdout(&bad));

    for region in ["us-east-1 ", "../x", "", "a.b"] {
        let output = trailwatch_with(&["filter", "--count", "--s3-region", region, "x", "s3://b/"], &[]);
        assert_eq!(output.status.code(), Some(2), "{region:?}");
        assert!(stderr(&output).contains("--s3-region") && stdout(&output).is_empty(), "{}", stderr(&output));
    }

    let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
    let refused = format!("http://127.0.0.1:{port}");
    for url in ["s3://b/", "s3://b/AWSLogs"] {
        let output = trailwatch_with(&["filter", "--count", "x", url], &[("AWS_ENDPOINT_URL", refused.as_str())]);
        assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
        let errors = stderr(&output);
        assert!(errors.contains("cannot reach S3") && errors.contains("Connection refused"), "{errors}");
        assert!(!errors.contains("DispatchFailure") && !errors.contains("ConnectorError"), "{errors}");
        assert!(errors.contains("1 rejected"), "one failure, not one per request: {errors}");
    }
}

/// A low open-file limit lowers the requests in flight rather than failing listings or
/// fetches with "Too many open files".
#[test]
fn a_low_open_file_limit_still_reads_everything() {
    let Some(moto) = Moto::start() else { return };
    moto.store("fds", &["many", "AWSLogs/111111111111/CloudTrail/us-east-1/2026/03/01/", "1100"]);
    let settings = command(&[], &[("AWS_ENDPOINT_URL", moto.endpoint.as_str())]);
    for _ in 0..2 {
        let mut limited = Command::new("sh");
        limited.args(["-c", "ulimit -n 14 && exec \"$0\" \"$@\"", env!("CARGO_BIN_EXE_trailwatch")]).args([
            "filter",
            "--count",
            "{ $.eventName = * }",
            "s3://fds/",
        ]);
        for (name, value) in settings.get_envs() {
            match value {
                Some(value) => limited.env(name, value),
                None => limited.env_remove(name),
            };
        }
        let output = limited.output().expect("sh runs");
        assert_eq!(stdout(&output).trim(), "1100", "{}", stderr(&output));
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    }
}

/// A stand-in for S3 that lists `first.json` and `stalled.json`, answers the first with
/// `lines` matching lines and never answers the second, or with `stall_body` sends the
/// start of its body and then nothing (no S3 server needed).
fn stalling_server(lines: usize, stall_body: bool) -> String {
    use std::io::{BufRead, BufReader, Write};
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    let endpoint = format!("http://{}", listener.local_addr().expect("an address"));
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream.try_clone().expect("a stream"));
            let mut request = String::new();
            let _ = reader.read_line(&mut request);
            let mut header = String::new();
            while reader.read_line(&mut header).is_ok_and(|n| n > 2) {
                header.clear();
            }
            let body = if request.contains("list-type=2") {
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListBucketResult \
                 xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>b</Name><Prefix></Prefix>\
                 <KeyCount>2</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>\
                 <Contents><Key>first.json</Key><Size>10</Size></Contents>\
                 <Contents><Key>stalled.json</Key><Size>10</Size></Contents></ListBucketResult>"
                    .to_string()
            } else if request.contains("first.json") {
                "{\"eventName\":\"ConsoleLogin\",\"eventTime\":\"2026-03-01T10:00:00Z\"}\n".repeat(lines)
            } else {
                let mut stream = stream;
                if stall_body {
                    let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"eventNa");
                }
                held.push(stream);
                continue;
            };
            let mut stream = stream;
            let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
            let _ = stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(body.as_bytes()));
        }
    });
    endpoint
}

/// Output that goes away (`| head -1`) while a request waits for an answer that never comes:
/// the run ends at once, not after the read timeout and its retries.
#[test]
fn an_early_end_does_not_wait_for_requests_in_flight() {
    for threads in ["0", "1", "3"] {
        early_end_is_prompt(threads);
    }
}

fn early_end_is_prompt(threads: &str) {
    use std::io::Read;
    let endpoint = stalling_server(50_000, false);
    let mut child = command(
        &["filter", "--threads", threads, "--cli-read-timeout", "60", "{ $.eventName = ConsoleLogin }", "s3://b/"],
        &[("AWS_ENDPOINT_URL", endpoint.as_str())],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .expect("trailwatch runs");
    let mut stdout = child.stdout.take().expect("a pipe");
    let mut first = [0u8; 100];
    stdout.read_exact(&mut first).expect("the first object's lines");
    drop(stdout);
    let what = format!("--threads {threads}, its output gone");
    let status = common::wait_within(&mut child, Duration::from_secs(20), &what);
    assert_eq!(status.code(), Some(0), "--threads {threads}: matches were printed before the output went away");
}

/// A body that stops coming is fetched again, then reported with the SDK's reason (not
/// just "streaming error"), and the run ends with the rest read.
#[test]
fn a_body_that_stalls_is_reported_with_why() {
    let endpoint = stalling_server(10, true);
    let started = Instant::now();
    let args = ["filter", "--count", "{ $.eventName = ConsoleLogin }", "s3://b/"];
    let output = trailwatch_with(&args, &[("AWS_ENDPOINT_URL", endpoint.as_str())]);
    assert!(started.elapsed() < Duration::from_secs(90), "took {:?}", started.elapsed());
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert_eq!(stdout(&output).trim(), "10");
    let errors = stderr(&output);
    assert!(errors.contains("s3://b/stalled.json: the download was cut short"), "{errors}");
    assert!(errors.contains("throughput"), "{errors}");
    assert!(errors.contains("10 matched, 0 not matched, 1 rejected"), "{errors}");
}
