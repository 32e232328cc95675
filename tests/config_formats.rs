//! Configuration formats end to end: CDK cloud assemblies and Terraform (folders, plans,
//! states) replay the bundled sample trail with the same alarm timeline as the seed stack
//! they are built from.

mod common;

use common::trailwatch;
use trailwatch::config::{self, LoadOptions};
use trailwatch::replay::{replay, ReplayOptions};

/// The alarm section of the text report: from `Alarm NAME:` to its `entered ALARM` line.
fn alarm_timeline(report: &str) -> String {
    let start = report.find("Alarm ConsoleSignInFailures:").expect("an alarm section");
    let end = report[start..].find("entered ALARM").map_or(report.len(), |at| start + at);
    let line_end = report[end..].find('\n').map_or(report.len(), |at| end + at);
    report[start..line_end].to_string()
}

fn replay_text(config: &[&str]) -> String {
    let mut args = vec!["replay"];
    for c in config {
        args.extend(["--template", c]);
    }
    let trail = common::testdata("sample/trail");
    args.push(trail.to_str().unwrap());
    let output = trailwatch(&args, b"");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn seed_changes(options: &LoadOptions, config: &str) -> Vec<(i64, String)> {
    let configuration = config::load_all(&[common::testdata(config)], options).unwrap();
    let result =
        replay(&configuration, &[common::testdata("sample/trail")], &ReplayOptions::default(), &mut |_| {}).unwrap();
    result.alarms[0].changes.iter().map(|c| (c.time, c.reason.clone())).collect()
}

#[test]
fn a_cdk_app_replays_as_its_single_stack_twin() {
    let options = LoadOptions::default();
    let twin = seed_changes(&options, "templates/seed-stack.template.json");
    assert_eq!(twin.len(), 6, "{twin:?}");
    assert_eq!(seed_changes(&options, "cdk/two-stacks"), twin);
    assert_eq!(seed_changes(&options, "cdk/stage"), twin);

    let seed = common::testdata("templates/seed-stack.template.json");
    let expected = alarm_timeline(&replay_text(&[seed.to_str().unwrap()]));
    let app = common::testdata("cdk/two-stacks");
    let text = replay_text(&[app.to_str().unwrap()]);
    assert_eq!(alarm_timeline(&text), expected);
    // The nested stack's rule delivers the failed sign-ins to the imported topic.
    assert!(text.contains("failed-console-sign-in"), "{text}");
}

#[test]
fn stack_selection_on_the_command_line() {
    let app = common::testdata("cdk/stage");
    let trail = common::testdata("sample/trail");
    let app = app.to_str().unwrap();
    let output = trailwatch(&["replay", "--template", app, "--stack", "Prod/Alerts", trail.to_str().unwrap()], b"");
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(text.contains("notifies arn:aws:sns:eu-west-1:111122223333:TrailTopic5D1AB6D4"), "{text}");
    let output = trailwatch(&["replay", "--template", app, "--stack", "Dev/*", "x"], b"");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--stack Dev/* matches no stack; the stacks read are: Prod/Alerts, Prod/Logging"),
        "{stderr}"
    );
}

#[test]
fn terraform_replays_as_its_cloudformation_twin() {
    let options = LoadOptions::default();
    let twin = seed_changes(&options, "templates/seed-stack.template.json");
    for config in [
        "terraform/seed-stack",
        "terraform/seed-stack/main.tf",
        "terraform/seed-stack.state.json",
        "terraform/seed-stack.plan.json",
    ] {
        assert_eq!(seed_changes(&options, config), twin, "{config}");
    }
    let seed = common::testdata("templates/seed-stack.template.json");
    let expected = alarm_timeline(&replay_text(&[seed.to_str().unwrap()]));
    let folder = common::testdata("terraform/seed-stack");
    let text = replay_text(&[folder.to_str().unwrap()]);
    assert_eq!(alarm_timeline(&text), expected);
    // The rule sees its own region's events: the failed sign-ins are in sa-east-1.
    assert!(text.contains("failed-console-sign-in (ENABLED, bus default)"), "{text}");
    let trail = common::testdata("sample/trail");
    let output = trailwatch(
        &["replay", "--region", "sa-east-1", "--template", folder.to_str().unwrap(), trail.to_str().unwrap()],
        b"",
    );
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("Target0  \"Failed console sign-in by alucloud00 at 2026-03-01T09:07:10Z\""), "{text}");
    assert!(text.contains("matched 9, not matched 0"), "{text}");
}

#[test]
fn terraform_variables_on_the_command_line() {
    let folder = common::testdata("terraform/seed-stack");
    let trail = common::testdata("sample/trail");
    let (folder, trail) = (folder.to_str().unwrap(), trail.to_str().unwrap());
    // At 5 failed sign-ins the alarm never fires; the rule still delivers (exit 0).
    let output = trailwatch(&["replay", "--template", folder, "--var", "threshold=5", trail], b"");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("greater than or equal to 5.0"), "{text}");
    assert!(text.contains("entered ALARM 0 time(s)"), "{text}");
    let output = trailwatch(&["replay", "--template", folder, "--var", "threshold", trail], b"");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("is not NAME=VALUE"));
    let output = trailwatch(&["replay", "--template", folder, "--var-file", "/nonexistent.tfvars", trail], b"");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("/nonexistent.tfvars: cannot read"));
}
