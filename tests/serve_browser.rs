//! The page in a real headless browser (Debian's chromium, driven by chromedriver over
//! WebDriver): a pattern typed is tested as it is typed, an invalid one gets its caret, and
//! a replay is charted. Screenshots are kept under the target directory (the paths are
//! printed).

mod serve_support;

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use serve_support::{http, require_tool, Server};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// chromedriver on a free loopback port, with one browser session; both end when dropped.
struct Browser {
    driver: Child,
    address: String,
    session: String,
    _profile: TempDir,
}

struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Browser {
    fn start() -> Browser {
        let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let address = format!("127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(&address).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start listening");
            std::thread::sleep(Duration::from_millis(100));
        }
        let profile = std::env::temp_dir().join(format!("trailwatch-chromium-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&profile).expect("profile folder");
        let capabilities = json!({"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "binary": CHROMIUM,
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1400,1000",
                format!("--user-data-dir={}", profile.display())],
        }}}});
        let mut browser = Browser { driver, address, session: String::new(), _profile: TempDir(profile) };
        let answer = browser.call("POST", "/session", &capabilities);
        browser.session = answer["sessionId"].as_str().unwrap_or_else(|| panic!("no session: {answer}")).to_string();
        browser
    }

    fn call(&self, method: &str, path: &str, body: &Value) -> Value {
        let body = if method == "GET" || method == "DELETE" { String::new() } else { body.to_string() };
        let (status, _, text) =
            http(&self.address, method, path, &[("Content-Type", "application/json")], body.as_bytes());
        let value: Value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("{method} {path}: {status} {text}"));
        assert_eq!(status, 200, "{method} {path}: {value}");
        value.get("sessionId").map(|_| value.clone()).unwrap_or_else(|| value["value"].clone())
    }

    fn session(&self, method: &str, path: &str, body: Value) -> Value {
        self.call(method, &format!("/session/{}{path}", self.session), &body)
    }

    fn open(&self, url: &str) {
        self.session("POST", "/url", json!({ "url": url }));
    }

    fn find(&self, css: &str) -> String {
        let found = self.session("POST", "/element", json!({"using": "css selector", "value": css}));
        found[ELEMENT].as_str().unwrap_or_else(|| panic!("no element {css}: {found}")).to_string()
    }

    /// Types into a field as a person would (each key an input event).
    fn type_into(&self, css: &str, text: &str) {
        let element = self.find(css);
        self.session("POST", &format!("/element/{element}/clear"), json!({}));
        self.session("POST", &format!("/element/{element}/value"), json!({ "text": text }));
    }

    fn click(&self, css: &str) {
        let element = self.find(css);
        self.session("POST", &format!("/element/{element}/click"), json!({}));
    }

    fn script(&self, script: &str) -> Value {
        self.session("POST", "/execute/sync", json!({ "script": script, "args": [] }))
    }

    /// Polls `script` until it returns something truthy, or fails after a while.
    fn wait_for(&self, what: &str, script: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let value = self.script(script);
            if !(value.is_null() || value == json!(false) || value == json!("") || value == json!(0)) {
                return value;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what} (last: {value})");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn screenshot(&self, name: &str) -> PathBuf {
        let encoded = self.session("GET", "/screenshot", json!({}));
        let png = decode_base64(encoded.as_str().expect("base64 PNG"));
        assert!(png.starts_with(b"\x89PNG"), "not a PNG");
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("serve-screenshots");
        std::fs::create_dir_all(&dir).expect("screenshot folder");
        let path = dir.join(name);
        std::fs::write(&path, png).expect("screenshot written");
        println!("screenshot: {}", path.display());
        path
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = http(&self.address, "DELETE", &format!("/session/{}", self.session), &[], b"");
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn decode_base64(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let (mut out, mut buffer, mut bits) = (Vec::new(), 0u32, 0);
    for sextet in text.bytes().filter_map(value) {
        buffer = (buffer << 6) | u32::from(sextet);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    out
}

fn browser_available() -> bool {
    require_tool(CHROMIUM, &["--version"], "apt-get install chromium")
        && require_tool(CHROMEDRIVER, &["--version"], "apt-get install chromium-driver")
}

#[test]
fn the_page_tests_patterns_as_they_are_typed_and_charts_a_replay() {
    if !browser_available() {
        return;
    }
    let root = serve_support::manifest_path("testdata");
    let server = Server::start(&["--root", root.to_str().expect("UTF-8 path")]);
    let browser = Browser::start();
    browser.open(&server.url);

    // A JSON pattern on CloudTrail records: the right events are marked.
    browser.type_into(
        "#events",
        "{\"eventName\":\"ConsoleLogin\",\"errorMessage\":\"Failed authentication\"}\n{\"eventName\":\"ConsoleLogin\"}\n{\"eventName\":\"ConsoleLogin\",\"errorMessage\":\"Failed authentication\",\"n\":3}",
    );
    browser.type_into("#pattern", "{ $.eventName = ConsoleLogin && $.errorMessage = \"Failed authentication\" }");
    browser.wait_for(
        "two matches",
        r##"return document.querySelector("#summary").textContent === "2 of 3 event(s) match""##,
    );
    let matched = browser
        .script(r##"return [...document.querySelectorAll("#results li.match .number")].map(e => e.textContent)"##);
    assert_eq!(matched, json!(["#1", "#3"]));
    let explained = browser.script(r##"return document.querySelector("#explain").textContent"##);
    assert!(explained.as_str().unwrap().contains("ALL of:"), "{explained}");

    // An invalid pattern: AWS's message, and the caret under the fault.
    browser.type_into("#pattern", "ERROR ERR*");
    let fault = browser
        .wait_for("the caret", r##"const f = document.querySelector("#diagnosis .fault"); return f && f.textContent"##);
    assert_eq!(fault, json!("*"));
    let diagnosis = browser.script(r##"return document.querySelector("#diagnosis").textContent"##);
    let diagnosis = diagnosis.as_str().unwrap();
    assert!(diagnosis.contains("InvalidParameterException: Invalid character(s) in term '*'"), "{diagnosis}");
    assert!(diagnosis.contains("         ^ expected"), "{diagnosis}");
    browser.screenshot("invalid-pattern.png");

    // A space-delimited pattern: extracted values beside the match.
    browser.type_into("#events", "10.0.0.1 bob 404\n10.0.0.2 amy 200");
    browser.type_into("#pattern", "[ip, user, status=4*]");
    browser.wait_for(
        "one match",
        r##"return document.querySelector("#summary").textContent === "1 of 2 event(s) match""##,
    );
    let extracted = browser
        .script(r##"return [...document.querySelectorAll("#results li.match tr")].map(r => r.textContent).join(",")"##);
    assert!(extracted.as_str().unwrap().contains("$status404"), "{extracted}");
    browser.screenshot("test-pane.png");

    // The EventBridge tab.
    browser.click("#tab-events");
    let envelope = r##""id":"1","account":"1","time":"2024-01-01T00:00:00Z","region":"us-east-1","detail-type":"x""##;
    browser.type_into(
        "#ev-events",
        &format!("{{{envelope},\"source\":\"aws.signin\"}}\n{{{envelope},\"source\":\"aws.ec2\"}}"),
    );
    browser.type_into("#ev-pattern", r##"{"source": ["aws.signin"]}"##);
    browser.wait_for(
        "an EventBridge match",
        r##"return document.querySelector("#ev-summary").textContent === "1 of 2 event(s) match""##,
    );
    browser.type_into("#ev-pattern", r##"{"source": "aws.signin"}"##);
    let message = browser.wait_for(
        "the EventBridge diagnosis",
        r##"const m = document.querySelector("#ev-diagnosis .aws-message"); return m && m.textContent"##,
    );
    assert!(
        message.as_str().unwrap().starts_with("InvalidEventPatternException: Event pattern is not valid."),
        "{message}"
    );

    // The replay view: a template and an archive under --root, charted.
    browser.click("#tab-replay");
    browser.wait_for("the file lists", r##"return document.querySelectorAll("#replay-archive option").length > 0"##);
    browser.script(
        r##"document.querySelector("#replay-template").value = "file:templates/seed-stack.template.json";
           document.querySelector("#replay-archive").value = "sample/trail"; return true"##,
    );
    browser.click("#replay-run");
    browser.wait_for("a chart", r##"return document.querySelectorAll(".alarm-card svg path.series").length > 0"##);
    let chart = browser.script(
        r##"const card = [...document.querySelectorAll(".alarm-card")].find(c => c.querySelector("rect.band-ALARM"));
           if (!card) return null;
           const svg = card.querySelector("svg");
           const labels = () => [...svg.querySelectorAll(".axis text")].map(t => t.textContent).join("|");
           const before = labels();
           card.querySelector(".chart-tools button").click();
           const after = labels();
           const box = svg.getBoundingClientRect();
           svg.dispatchEvent(new MouseEvent("mousemove", {clientX: box.left + box.width / 2, clientY: box.top + box.height / 2, bubbles: true}));
           return {
             alarm: card.dataset.alarm,
             threshold: svg.querySelectorAll("line.threshold").length,
             bands: svg.querySelectorAll("rect.band").length,
             points: svg.querySelector("path.series").getAttribute("d").length,
             zoomed: before !== after,
             dates: /\d\d-\d\d \d\d:\d\d|\d{4}-\d\d-\d\d/.test(after),
             tooltip: !document.querySelector("#tooltip").hidden && document.querySelector("#tooltip").textContent,
             sns: card.querySelectorAll(".changes pre.sns").length,
           };"##,
    );
    assert!(!chart.is_null(), "no alarm chart shows an ALARM band");
    assert_eq!(chart["threshold"], 1, "{chart}");
    assert!(chart["bands"].as_u64().unwrap() >= 2, "{chart}");
    assert!(chart["points"].as_u64().unwrap() > 10, "{chart}");
    assert_eq!(chart["zoomed"], true, "{chart}");
    assert_eq!(chart["dates"], true, "{chart}");
    assert!(chart["tooltip"].as_str().is_some_and(|t| t.contains("state:")), "{chart}");
    assert!(chart["sns"].as_u64().unwrap() >= 1, "{chart}");
    browser.script(r##"document.querySelector(".alarm-card .chart-tools button:nth-child(3)").click(); return true"##);
    browser.screenshot("replay.png");

    // Alarms and EventBridge rules together: the deliveries listed beside the charts (two
    // security-group changes in the sample trail's us-east-1 events) and marked on them.
    browser.script(
        r##"const select = document.querySelector("#replay-template");
           for (const option of select.options) option.selected = ["file:templates/seed-stack.template.json",
             "file:templates/access-alerts.template.json"].includes(option.value);
           document.querySelector("#replay-status").textContent = ""; return true"##,
    );
    browser.click("#replay-run");
    browser.wait_for(
        "the deliveries",
        r##"return document.querySelectorAll("#replay-deliveries details.delivery").length"##,
    );
    let listed = browser.script(
        r##"const box = document.querySelector("#replay-deliveries");
           const alarms = document.querySelector("#replay-alarms").getBoundingClientRect();
           const side = box.getBoundingClientRect();
           return {
             rules: [...box.querySelectorAll(".rule-counts td:first-child")].map(td => td.textContent),
             deliveries: [...box.querySelectorAll("details.delivery summary")].map(s => s.textContent),
             input: box.querySelector("details.delivery pre.input").textContent,
             beside: side.left >= alarms.right - 1 && side.top < alarms.bottom,
             marks: document.querySelectorAll(".alarm-card svg line.delivery").length,
             cards: document.querySelectorAll(".alarm-card").length,
           };"##,
    );
    assert_eq!(listed["cards"], 1, "{listed}");
    assert_eq!(listed["rules"].as_array().map(Vec::len), Some(3), "{listed}");
    let deliveries: Vec<&str> = listed["deliveries"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    assert_eq!(deliveries.len(), 2, "{listed}");
    assert!(
        deliveries.iter().all(|d| d.starts_with("2026-03-01 11:") && d.contains("security-group-changes")),
        "{listed}"
    );
    assert!(listed["input"].as_str().unwrap().contains("SecurityGroup"), "{listed}");
    assert_eq!(listed["beside"], true, "{listed}");
    assert_eq!(listed["marks"], 2, "{listed}");
    browser.screenshot("replay-deliveries.png");
}

#[test]
fn a_replay_of_years_is_charted_in_summarised_columns_with_dates() {
    if !browser_available() {
        return;
    }
    // A login every 3 hours for two years, an alarm at more than 0 in one minute.
    let root = std::env::temp_dir().join(format!("trailwatch-browser-long-{}", std::process::id()));
    std::fs::create_dir_all(&root).expect("root");
    let _cleanup = TempDir(root.clone());
    let start = 1_420_070_400_000_i64; // 2015-01-01T00:00:00Z
    let events: String = (0..5_840)
        .map(|i| {
            let t = chrono::DateTime::from_timestamp_millis(start + i * 3 * 3_600_000).expect("a time");
            format!("{{\"eventTime\":\"{}\",\"eventName\":\"ConsoleLogin\"}}\n", t.format("%Y-%m-%dT%H:%M:%SZ"))
        })
        .collect();
    std::fs::write(root.join("years.ndjson"), events).expect("events");
    std::fs::write(
        root.join("years.template.json"),
        r#"{"Resources":{"F":{"Type":"AWS::Logs::MetricFilter","Properties":{"FilterPattern":"{ $.eventName = ConsoleLogin }","LogGroupName":"g","MetricTransformations":[{"MetricName":"M","MetricNamespace":"N","MetricValue":"1"}]}},"A":{"Type":"AWS::CloudWatch::Alarm","Properties":{"AlarmName":"years","MetricName":"M","Namespace":"N","Statistic":"Sum","ComparisonOperator":"GreaterThanThreshold","Period":60,"EvaluationPeriods":1,"Threshold":0}}}}"#,
    )
    .expect("template");
    let server = Server::start(&["--root", root.to_str().expect("UTF-8 path")]);
    let browser = Browser::start();
    browser.open(&server.url);
    browser.click("#tab-replay");
    browser.wait_for("the file lists", r##"return document.querySelectorAll("#replay-archive option").length > 0"##);
    browser.script(
        r##"document.querySelector("#replay-template").value = "file:years.template.json";
           document.querySelector("#replay-archive").value = "years.ndjson"; return true"##,
    );
    browser.click("#replay-run");
    browser.wait_for("a chart", r##"return document.querySelectorAll(".alarm-card svg path.series").length > 0"##);
    let chart = browser.script(
        r##"const card = document.querySelector(".alarm-card");
           const svg = card.querySelector("svg");
           return {
             note: card.querySelector(".muted").textContent,
             labels: [...svg.querySelectorAll(".axis text")].map(t => t.textContent),
             alarmBands: svg.querySelectorAll("rect.band-ALARM").length,
             changes: card.querySelector(".changes").textContent,
             path: svg.querySelector("path.series").getAttribute("d").length,
           };"##,
    );
    assert!(chart["note"].as_str().unwrap().contains("min summarised (lowest to highest)"), "{chart}");
    let labels: Vec<&str> = chart["labels"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    assert!(labels.iter().any(|l| l.starts_with("2016-")), "{labels:?}");
    assert!(chart["alarmBands"].as_u64().unwrap() >= 1, "{chart}");
    assert!(chart["changes"].as_str().unwrap().contains("the first 500 of 11680 state changes"), "{chart}");
    assert!(chart["path"].as_u64().unwrap() > 1000, "{chart}");
    browser.screenshot("replay-years.png");
}
