//! `replay --plot` and `--plot-window` end to end: what the SVG charts show (dates on the
//! time axis, the threshold, the states as bands, the legend below the data), one file per
//! alarm whatever the names, long spans, and the window's errors.

mod common;

use std::path::Path;

use common::{scratch, text, trailwatch};

const FILTER: &str = r#""F":{"Type":"AWS::Logs::MetricFilter","Properties":{"FilterPattern":"{ $.eventName = ConsoleLogin }","LogGroupName":"g","MetricTransformations":[{"MetricName":"M","MetricNamespace":"N","MetricValue":"1"}]}}"#;

/// A template with the filter above and one alarm per name, each `properties`.
fn template(names: &[&str], properties: &str) -> String {
    let alarms: Vec<String> = names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let name = serde_json::Value::String(name.to_string());
            format!(
                r#""A{i}":{{"Type":"AWS::CloudWatch::Alarm","Properties":{{"AlarmName":{name},"MetricName":"M","Namespace":"N","Statistic":"Sum","ComparisonOperator":"GreaterThanThreshold",{properties}}}}}"#
            )
        })
        .collect();
    format!(r#"{{"Resources":{{{FILTER},{}}}}}"#, alarms.join(","))
}

fn replay(dir: &Path, template_text: &str, events: &str, extra: &[&str]) -> std::process::Output {
    let template = dir.join("template.json");
    std::fs::write(&template, template_text).expect("write");
    let trail = dir.join("events.ndjson");
    std::fs::write(&trail, events).expect("write");
    let charts = dir.join("charts");
    let mut args = vec!["replay", "--template", template.to_str().unwrap(), "--plot", charts.to_str().unwrap()];
    args.extend_from_slice(extra);
    args.push(trail.to_str().unwrap());
    trailwatch(&args, b"")
}

fn login(time: &str) -> String {
    format!("{{\"eventTime\":\"{time}\",\"eventName\":\"ConsoleLogin\"}}\n")
}

/// The `x` and `width` of every `<rect>` with this class.
fn rects(svg: &str, class: &str) -> Vec<(f64, f64)> {
    tags(svg, "rect", class).iter().map(|tag| (attribute(tag, "x"), attribute(tag, "width"))).collect()
}

/// The attributes of every `<NAME class="CLASS" ...>`.
fn tags<'a>(svg: &'a str, name: &str, class: &str) -> Vec<&'a str> {
    let opening = format!("<{name} class=\"{class}\"");
    svg.split(&opening).skip(1).map(|rest| rest.split('>').next().unwrap()).collect()
}

fn attribute(tag: &str, name: &str) -> f64 {
    let start = tag.find(&format!(" {name}=\"")).map(|i| i + name.len() + 3).expect("attribute");
    tag[start..].split('"').next().unwrap().parse().expect("number")
}

fn texts(svg: &str, class: &str) -> Vec<String> {
    svg.split(&format!("<text class=\"{class}\""))
        .skip(1)
        .filter_map(|rest| rest.split_once('>').and_then(|(_, rest)| rest.split_once("</text>")))
        .map(|(label, _)| label.to_string())
        .collect()
}

/// The seed stack's alarm charted over the sample trail (with `extra` flags): the run's
/// output and the chart.
fn chart_of_the_sample(dir: &Path, extra: &[&str]) -> (std::process::Output, String) {
    let charts = dir.join("charts");
    let (template, trail) = (common::testdata("templates/seed-stack.template.json"), common::testdata("sample/trail"));
    let mut args = vec!["replay", "--template", template.to_str().unwrap(), "--plot", charts.to_str().unwrap()];
    args.extend_from_slice(extra);
    args.push(trail.to_str().unwrap());
    let output = trailwatch(&args, b"");
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let svg = std::fs::read_to_string(charts.join("ConsoleSignInFailures.svg")).expect("the chart");
    (output, svg)
}

#[test]
fn the_sample_chart_has_dates_bands_the_threshold_and_a_legend_below() {
    let dir = scratch("plot-sample");
    let (output, svg) = chart_of_the_sample(&dir, &[]);
    assert!(text(&output.stderr).contains("ConsoleSignInFailures.svg (alarm \"ConsoleSignInFailures\")"));
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    // Times of day with the date, not minutes after an origin.
    let times = texts(&svg, "time");
    assert!(times.len() >= 4 && times.iter().all(|t| t.len() == 5 && t.as_bytes()[2] == b':'), "{times:?}");
    assert_eq!(texts(&svg, "date"), ["2026-03-01"]);
    assert!(!svg.contains("minutes after"));
    // Every state as bands covering the chart, ALARM twice.
    let bands: Vec<(f64, f64)> =
        ["ALARM", "OK", "INSUFFICIENT_DATA"].iter().flat_map(|s| rects(&svg, &format!("band {s}"))).collect();
    assert_eq!(rects(&svg, "band ALARM").len(), 2, "{svg}");
    assert!(!rects(&svg, "band INSUFFICIENT_DATA").is_empty());
    let covered: f64 = bands.iter().map(|(_, w)| w).sum();
    assert!((covered - 892.0).abs() < 1.0, "bands cover {covered} of 892 px");
    assert_eq!(svg.matches("class=\"threshold\"").count(), 1);
    assert!(svg.contains("threshold: greater than or equal to 3"));
    // The legend lies below the plot area (which ends at y=370).
    let legend = tags(&svg, "rect", "legend");
    assert_eq!(legend.len(), 3);
    assert!(legend.iter().all(|tag| attribute(tag, "y") > 400.0), "{legend:?}");
    assert!(svg.contains("ALARM (entered 2 time(s), 30m 00s in ALARM)"));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_plot_window_zooms_every_chart() {
    let dir = scratch("plot-window");
    let (_, svg) = chart_of_the_sample(&dir, &["--plot-window", "2026-03-01T09:00..2026-03-01 09:30"]);
    assert!(svg.contains("UTC, 2026-03-01 09:00:00 to 2026-03-01 09:30:00"), "{svg}");
    assert_eq!(texts(&svg, "time"), ["09:00", "09:05", "09:10", "09:15", "09:20", "09:25", "09:30"]);
    // The first ALARM (09:08 to 09:23) in this half hour: 15 of 30 minutes of the width.
    let alarm = rects(&svg, "band ALARM");
    assert_eq!(alarm.len(), 1, "{svg}");
    assert!((alarm[0].1 - 892.0 / 2.0).abs() < 1.0, "{alarm:?}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn bad_plot_windows_are_errors_that_say_what_to_write() {
    let dir = scratch("plot-window-errors");
    let events = login("2026-03-01T09:00:00Z");
    let properties = r#""Period":60,"EvaluationPeriods":1,"Threshold":0"#;
    for (window, says) in [
        ("2026-03-01", "START..END"),
        ("2026-03-01T10:00..2026-03-01T09:00", "after its start"),
        ("noon..", "is not a time"),
        ("1900-01-01..", "outside the times events can have"),
        ("2025-01-01..2025-01-02", "does not overlap the replay"),
    ] {
        let output = replay(&dir, &template(&["A"], properties), &events, &["--plot-window", window]);
        assert_eq!(output.status.code(), Some(2), "{window}: {}", text(&output.stderr));
        assert!(text(&output.stderr).contains(says), "{window}: {}", text(&output.stderr));
    }
    // No events: nothing to chart, and the run says so.
    let output = replay(&dir, &template(&["A"], properties), "", &[]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    assert!(text(&output.stderr).contains("no chart written: no event was read"), "{}", text(&output.stderr));
    let output = trailwatch(&["replay", "--pack", "cis", "--plot-window", "2026-03-01..", "-"], b"");
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("--plot"), "{}", text(&output.stderr));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn alarms_whose_names_differ_only_in_punctuation_get_a_file_each() {
    let dir = scratch("plot-names");
    let names = ["a/b", "a:b", "a b", "A?B", "<script>&"];
    let properties = r#""Period":60,"EvaluationPeriods":1,"Threshold":0"#;
    let output = replay(&dir, &template(&names, properties), &login("2026-03-01T09:00:00Z"), &[]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let files: Vec<_> = std::fs::read_dir(dir.join("charts")).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(files.len(), names.len(), "{files:?}");
    for name in names {
        let escaped = name.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
        let title = format!("<title>{escaped}</title>");
        let holding = files.iter().filter(|f| std::fs::read_to_string(f).unwrap().contains(&title)).count();
        assert_eq!(holding, 1, "{name}");
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_span_of_millions_of_minutes_reads_in_years_and_keeps_short_alarms_visible() {
    let dir = scratch("plot-long");
    // Two logins eleven years apart, each firing a one-minute alarm at a threshold of 0.
    let events = login("2015-01-01T00:00:00Z") + &login("2026-05-29T00:00:00Z");
    let properties = r#""Period":60,"EvaluationPeriods":1,"Threshold":0"#;
    let output = replay(&dir, &template(&["long"], properties), &events, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let svg = std::fs::read_to_string(dir.join("charts/long.svg")).unwrap();
    assert!(svg.len() < 100_000, "{} bytes", svg.len());
    let times = texts(&svg, "time");
    assert!(times.iter().all(|t| t.len() == 4 && t.parse::<u32>().is_ok()), "{times:?}");
    assert!(times.len() >= 4, "{times:?}");
    let alarm = rects(&svg, "band ALARM");
    assert_eq!(alarm.len(), 2);
    assert!(alarm.iter().all(|(_, width)| *width >= 3.0), "{alarm:?}");
    // The threshold of 0 is above the bottom of the plot area, not on the axis.
    let threshold = tags(&svg, "line", "threshold");
    assert!(attribute(threshold[0], "y1") < 360.0, "{threshold:?}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn an_alarm_flickering_for_years_gives_a_chart_of_bounded_size() {
    let dir = scratch("plot-flicker");
    // A login every 3 hours for two years: 5,840 minutes in ALARM, each followed by
    // INSUFFICIENT_DATA, 11,680 state changes.
    let start = 1_420_070_400_000_i64; // 2015-01-01T00:00:00Z
    let events: String = (0..5_840)
        .map(|i| {
            let t = chrono::DateTime::from_timestamp_millis(start + i * 3 * 3_600_000).unwrap();
            login(&t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        })
        .collect();
    let properties = r#""Period":60,"EvaluationPeriods":1,"Threshold":0"#;
    let output = replay(&dir, &template(&["flicker"], properties), &events, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let svg = std::fs::read_to_string(dir.join("charts/flicker.svg")).unwrap();
    assert!(svg.len() < 400_000, "{} bytes", svg.len());
    assert!(svg.contains("ALARM (entered 5840 time(s)"), "{}", &svg[..2000]);
    let bands =
        ["ALARM", "OK", "INSUFFICIENT_DATA"].iter().map(|s| rects(&svg, &format!("band {s}")).len()).sum::<usize>();
    assert!((1..=1_802).contains(&bands), "{bands} bands");
    assert!(!rects(&svg, "band ALARM").is_empty());
    let _ = std::fs::remove_dir_all(dir);
}
