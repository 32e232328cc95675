use std::path::PathBuf;

use super::super::{load_all, Definition, LoadOptions};
use crate::alarm::{Comparison, Statistic};
use crate::rule::TargetInput;

fn testdata(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata").join(path)
}

/// A folder of the given files, removed when dropped.
struct Folder(PathBuf);

impl Folder {
    fn new(name: &str, files: &[(&str, &str)]) -> Folder {
        let path = std::env::temp_dir().join(format!("trailwatch-tf-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        for (file, text) in files {
            std::fs::write(path.join(file), text).unwrap();
        }
        Folder(path)
    }

    fn load(&self, options: &LoadOptions) -> Result<super::Configuration, String> {
        load_all(std::slice::from_ref(&self.0), options)
    }
}

impl Drop for Folder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn the_seed_stack_folder_reads_as_its_cloudformation_twin() {
    let c = load_all(&[testdata("terraform/seed-stack")], &LoadOptions::default()).unwrap();
    let twin = load_all(&[testdata("templates/seed-stack.template.json")], &LoadOptions::default()).unwrap();
    assert_eq!((c.filters.len(), c.alarms.len(), c.rules.len()), (1, 1, 1), "{:?}", c.notes);
    let (f, g) = (&c.filters[0], &twin.filters[0]);
    assert_eq!(
        (&f.name, &f.log_group, &f.pattern, &f.transformation),
        (&g.name, &g.log_group, &g.pattern, &g.transformation)
    );
    let (a, b) = (&c.alarms[0], &twin.alarms[0]);
    assert_eq!(a.alarm_actions, b.alarm_actions);
    assert_eq!((a.period, a.evaluation_periods, a.threshold), (300, 1, 3.0));
    assert_eq!((&a.statistic, a.comparison), (&Statistic::Sum, Comparison::GreaterThanOrEqualToThreshold));
    assert_eq!(a.description.as_deref(), Some("Failed console sign-ins in us-east-1 for 123456789012"));
    // The rule: jsonencode's pattern, the target joined by rule name, the transformer.
    let rule = &c.rules[0];
    assert_eq!(rule.name, "failed-console-sign-in");
    assert!(
        rule.event_pattern.contains(r#""detail-type":["AWS Console Sign In via CloudTrail"]"#),
        "{}",
        rule.event_pattern
    );
    assert_eq!(rule.targets[0].arn, "arn:aws:sns:us-east-1:123456789012:TrailTopic5D1AB6D4");
    assert!(matches!(rule.targets[0].input, TargetInput::Transformer(_)));
    // Origins: file, address and the line of the block.
    let origin = c.origin(Definition::Alarm(0));
    assert!(origin.file.ends_with("seed-stack/main.tf"));
    assert_eq!(origin.resource, "aws_cloudwatch_metric_alarm.console_sign_in_failures");
    let text = std::fs::read_to_string(&origin.file).unwrap();
    let line = text.lines().nth(origin.line.unwrap() as usize - 1).unwrap();
    assert!(line.starts_with("resource \"aws_cloudwatch_metric_alarm\""), "{line}");
    assert!(c.notes.is_empty(), "{:?}", c.notes);
}

#[test]
fn variables_come_from_var_flags_over_var_files_over_defaults() {
    let folder = Folder::new(
        "vars",
        &[
            ("main.tf", "variable \"t\" {}\nvariable \"n\" { default = \"N\" }\nvariable \"dims\" { default = {} }\nresource \"aws_cloudwatch_metric_alarm\" \"a\" {\n  alarm_name = \"a\"\n  namespace = var.n\n  metric_name = \"m\"\n  statistic = \"Sum\"\n  period = 60\n  evaluation_periods = 1\n  threshold = var.t\n  comparison_operator = \"GreaterThanThreshold\"\n  dimensions = var.dims\n}\n"),
            ("terraform.tfvars", "t = 4\n"),
            ("extra.auto.tfvars", "n = \"Auto\"\n"),
        ],
    );
    let c = folder.load(&LoadOptions::default()).unwrap();
    assert_eq!((c.alarms[0].threshold, c.alarms[0].namespace.as_str()), (4.0, "Auto"));
    let options = LoadOptions {
        variables: vec![("t".into(), "7".into()), ("dims".into(), "{ Service = \"api\" }".into())],
        ..LoadOptions::default()
    };
    let c = folder.load(&options).unwrap();
    assert_eq!(c.alarms[0].threshold, 7.0);
    assert_eq!(c.alarms[0].dimensions, [("Service".to_string(), "api".to_string())]);
    // A variable without a value: the error says how to give one.
    std::fs::remove_file(folder.0.join("terraform.tfvars")).unwrap();
    let e = folder.load(&LoadOptions::default()).unwrap_err();
    assert!(e.contains("main.tf:4: aws_cloudwatch_metric_alarm.a: threshold: variable t has no default and no value: give --var t=VALUE"), "{e}");
}

#[test]
fn count_and_for_each_make_instances() {
    let folder = Folder::new(
        "instances",
        &[(
            "main.tf",
            r#"
variable "names" { default = ["a", "b"] }
variable "enabled" { default = false }
resource "aws_sns_topic" "t" { for_each = toset_free }
resource "aws_cloudwatch_metric_alarm" "per_name" {
  for_each = { for_a = "A", for_b = "B" }
  alarm_name = "alarm-${each.key}"
  namespace = each.value
  metric_name = "m"
  statistic = "Sum"
  period = 60
  evaluation_periods = 1
  threshold = 1
  comparison_operator = "GreaterThanThreshold"
}
resource "aws_cloudwatch_metric_alarm" "off" {
  count = var.enabled ? 1 : 0
  alarm_name = "never"
  namespace = "n"
  metric_name = "m"
  statistic = "Sum"
  period = 60
  evaluation_periods = 1
  threshold = 1
  comparison_operator = "GreaterThanThreshold"
}
resource "aws_cloudwatch_metric_alarm" "indexed" {
  count = length_free
  alarm_name = "x"
}
"#,
        )],
    );
    let e = folder.load(&LoadOptions::default()).unwrap_err();
    assert!(e.contains("aws_cloudwatch_metric_alarm.indexed: count:"), "{e}");
    let text = std::fs::read_to_string(folder.0.join("main.tf")).unwrap();
    let cut = text.find("resource \"aws_cloudwatch_metric_alarm\" \"indexed\"").unwrap();
    std::fs::write(folder.0.join("main.tf"), &text[..cut]).unwrap();
    let c = folder.load(&LoadOptions::default()).unwrap();
    let names: Vec<&str> = c.alarms.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["alarm-for_a", "alarm-for_b"]);
    assert_eq!(c.alarms[1].namespace, "B");
    assert_eq!(c.origin(Definition::Alarm(1)).resource, "aws_cloudwatch_metric_alarm.per_name[\"for_b\"]");
}

#[test]
fn bad_configurations_get_errors_naming_file_and_resource() {
    let alarm = |extra: &str| {
        format!("resource \"aws_cloudwatch_metric_alarm\" \"a\" {{\n  alarm_name = \"a\"\n  namespace = \"n\"\n  metric_name = \"m\"\n  statistic = \"Sum\"\n  period = 60\n  evaluation_periods = 1\n  comparison_operator = \"GreaterThanThreshold\"\n  {extra}\n}}\n")
    };
    let cases = [
        // Reference cycles, through locals and through resources.
        (
            format!("locals {{\n a = local.b\n b = local.a\n}}\n{}", alarm("threshold = local.a")),
            "circular reference: local.a -> local.b -> local.a",
        ),
        (
            alarm("threshold = aws_cloudwatch_metric_alarm.a.threshold"),
            "circular reference: aws_cloudwatch_metric_alarm.a -> aws_cloudwatch_metric_alarm.a",
        ),
        // Unsupported expressions and unknown references.
        (alarm("threshold = [for x in [1] : x][0]"), "`for` expressions are not supported"),
        (alarm("threshold = max(1, 2)"), "max"),
        (alarm("threshold = aws_instance.web.cpu"), "aws_instance.web is not a resource of this configuration"),
        (alarm("threshold = path.module"), "path.module is not supported"),
        // Arithmetic the evaluator would overflow or divide by zero in.
        (alarm("threshold = 9007199254740993 * 3"), "arithmetic beyond"),
        (alarm("threshold = 5 % 0"), "division by zero"),
        (
            alarm("threshold = var.x * 2\n}\nvariable \"x\" {\n  default = 1"),
            "arithmetic is evaluated only on literal numbers",
        ),
        // A file that is not HCL, and one nested too deep.
        ("resource \"x\" {".to_string(), "not valid HCL"),
        (format!("{}{}", "[".repeat(100), "]".repeat(100)), "brackets nest more than 64 deep"),
    ];
    for (i, (text, message)) in cases.iter().enumerate() {
        let folder = Folder::new(&format!("bad{i}"), &[("main.tf", text)]);
        let e = folder.load(&LoadOptions::default()).unwrap_err();
        assert!(e.contains("main.tf"), "{e}");
        assert!(e.contains(message), "case {i}: {e}");
    }
    // A long chain of locals is cut at its limit, without deep recursion.
    let mut chain = String::from("locals {\n  l0 = 1\n");
    for i in 1..200 {
        chain.push_str(&format!("  l{i} = local.l{}\n", i - 1));
    }
    chain.push_str("}\n");
    chain.push_str(&alarm("threshold = local.l199"));
    let e = Folder::new("chain", &[("main.tf", &chain)]).load(&LoadOptions::default()).unwrap_err();
    assert!(e.contains("references chained more than 64 deep"), "{e}");
    // Doubling through locals is refused by size, quickly, even in a property not needed.
    let mut doubling = String::from("locals {\n  d0 = \"xxxxxxxxxxxxxxxx\"\n");
    for i in 1..40 {
        doubling.push_str(&format!("  d{i} = [local.d{0}, local.d{0}]\n", i - 1));
    }
    doubling.push_str("}\n");
    doubling.push_str(&alarm("threshold = 1\n  alarm_description = jsonencode(local.d39)"));
    let started = std::time::Instant::now();
    let e = Folder::new("doubling", &[("main.tf", &doubling)]).load(&LoadOptions::default()).unwrap_err();
    assert!(started.elapsed().as_secs() < 10);
    assert!(
        e.contains("alarm_description: local.d16: the expression would build a value of more than 1048576 units"),
        "{e}"
    );
}

#[test]
fn unneeded_attributes_that_do_not_resolve_are_noted() {
    let folder = Folder::new(
        "lenient",
        &[("main.tf", "resource \"aws_cloudwatch_log_metric_filter\" \"f\" {\n  name = \"f\"\n  log_group_name = module.logging.group_name\n  pattern = \"ERROR\"\n  metric_transformation {\n    name = \"m\"\n    namespace = \"n\"\n    value = \"1\"\n  }\n}\nmodule \"logging\" {\n  source = \"./logging\"\n}\n")],
    );
    let c = folder.load(&LoadOptions::default()).unwrap();
    assert_eq!(c.filters[0].log_group, "");
    assert!(c.notes.iter().any(|n| n.contains("module logging is not followed")), "{:?}", c.notes);
    assert!(
        c.notes.iter().any(|n| n.contains("module.logging is not supported")
            && n.contains("aws_cloudwatch_log_metric_filter.f.log_group_name")),
        "{:?}",
        c.notes
    );
}

#[test]
fn show_json_states_and_plans_read_like_the_folder() {
    let folder = load_all(&[testdata("terraform/seed-stack")], &LoadOptions::default()).unwrap();
    for file in ["terraform/seed-stack.state.json", "terraform/seed-stack.plan.json"] {
        let c = load_all(&[testdata(file)], &LoadOptions::default()).unwrap();
        assert_eq!((c.filters.len(), c.alarms.len()), (1, 1), "{file}");
        assert_eq!(c.filters[0].transformation, folder.filters[0].transformation, "{file}");
        assert_eq!(c.filters[0].pattern, folder.filters[0].pattern);
        let (a, b) = (&c.alarms[0], &folder.alarms[0]);
        assert_eq!(
            (a.datapoints_to_alarm, a.unit.as_deref(), &a.alarm_actions),
            (None, None, &b.alarm_actions),
            "{file}"
        );
        assert_eq!(a.treat_missing_data, Some(crate::alarm::TreatMissingData::Missing));
    }
    let plan = load_all(&[testdata("terraform/seed-stack.plan.json")], &LoadOptions::default()).unwrap();
    assert_eq!(
        plan.origin(Definition::Filter(0)).resource,
        "module.alerts.aws_cloudwatch_log_metric_filter.sign_in_fail"
    );
}

#[test]
fn hostile_expressions_are_errors_not_panics() {
    let expressions = [
        "1e999",
        "-9223372036854775808 - 1",
        "18446744073709551615 + 1",
        "[1][5]",
        "[1][-1]",
        "null.x",
        "\"a\" * 2",
        "-\"a\"",
        "!1",
        "true ? 1 : \"x\"",
        "null[*].x",
        "{a = 1}[\"b\"]",
        "jsondecode(\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\")",
        "jsondecode(\"1e999\")",
        "tonumber(\"1e999\")",
        "format(\"%q\", 1)",
        "format(\"%s\")",
        "lookup({}, \"x\")",
        "coalesce()",
        "join(\",\", [[1]])",
        "\"${\"",
        "<<EOT\n${var.missing}\nEOT",
        "each.key",
        "count.index",
        "local.x",
        "data.aws_ami.x.id",
        "aws_sns_topic[0]",
    ];
    for expression in expressions {
        let text = format!(
            "resource \"aws_cloudwatch_metric_alarm\" \"a\" {{\n  alarm_name = \"a\"\n  namespace = \"n\"\n  metric_name = \"m\"\n  statistic = \"Sum\"\n  period = 60\n  evaluation_periods = 1\n  comparison_operator = \"GreaterThanThreshold\"\n  threshold = {expression}\n}}\n"
        );
        // Loaded or refused with a message; never a panic.
        let _ = super::super::parse(&text, &crate::config::Deployment::default());
    }
}

#[test]
fn keep_going_refuses_each_bad_resource_and_reads_the_others() {
    let alarm = |name: &str, threshold: &str| {
        format!("resource \"aws_cloudwatch_metric_alarm\" \"{name}\" {{\n  alarm_name = \"{name}\"\n  namespace = \"n\"\n  metric_name = \"m\"\n  statistic = \"Sum\"\n  period = 60\n  evaluation_periods = 1\n  comparison_operator = \"GreaterThanThreshold\"\n  threshold = {threshold}\n}}\n")
    };
    let text = [
        alarm("good", "1"),
        alarm("unknown", "var.nowhere"),
        alarm("bad_period", "1").replace("period = 60", "period = 7"),
    ]
    .concat();
    let folder = Folder::new("keep-going", &[("main.tf", &text)]);
    let c = folder.load(&LoadOptions { keep_going: true, ..LoadOptions::default() }).unwrap();
    assert_eq!(c.alarms.len(), 1);
    assert_eq!(c.refused.len(), 2, "{:?}", c.refused);
    assert!(
        c.refused[0]
            .contains("main.tf:11: aws_cloudwatch_metric_alarm.unknown: threshold: var.nowhere is not declared"),
        "{:?}",
        c.refused
    );
    assert!(c.refused[1].contains("main.tf:21: aws_cloudwatch_metric_alarm.bad_period"), "{:?}", c.refused);
    // Without keep_going the first is the error.
    assert!(folder.load(&LoadOptions::default()).unwrap_err().contains("aws_cloudwatch_metric_alarm.unknown"));
}

#[test]
fn rule_state_from_state_or_is_enabled() {
    let rule = |extra: &str| {
        format!("resource \"aws_cloudwatch_event_rule\" \"r\" {{\n  name = \"r\"\n  event_pattern = jsonencode({{ source = [\"aws.ec2\"] }})\n  {extra}\n}}\n")
    };
    for (extra, state) in [
        ("", crate::rule::RuleState::Enabled),
        ("is_enabled = false", crate::rule::RuleState::Disabled),
        ("is_enabled = true", crate::rule::RuleState::Enabled),
        (
            "state = \"ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS\"\n  is_enabled = false",
            crate::rule::RuleState::EnabledWithAllCloudTrailManagementEvents,
        ),
    ] {
        let c = super::super::parse(&rule(extra), &crate::config::Deployment::default()).unwrap();
        assert_eq!(c.rules[0].state, state, "{extra}");
    }
}
