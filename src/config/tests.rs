use std::path::Path;

use super::*;
use crate::alarm::{Comparison, Statistic, TreatMissingData};
use crate::metric::MetricValue;

fn testdata(path: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata").join(path)
}

#[test]
fn the_seed_stack_resolves_into_one_filter_and_one_alarm() {
    let deployment = Deployment { account_id: "111122223333".into(), ..Deployment::default() };
    let c = load(&testdata("templates/seed-stack.template.json"), &deployment).unwrap();
    assert_eq!(c.filters.len(), 1);
    let f = &c.filters[0];
    assert_eq!(f.log_group, "TrailLog");
    assert_eq!(f.transformation.metric_name, "ConsoleSigninFailureCount");
    assert_eq!(f.transformation.value, MetricValue::Literal(1.0));
    let a = &c.alarms[0];
    assert_eq!(a.name, "ConsoleSignInFailures");
    assert_eq!(a.alarm_actions, ["arn:aws:sns:us-east-1:111122223333:TrailTopic5D1AB6D4"]);
    assert_eq!((a.period, a.evaluation_periods, a.threshold), (300, 1, 3.0));
    assert_eq!(a.statistic, Statistic::Sum);
    assert_eq!(a.comparison, Comparison::GreaterThanOrEqualToThreshold);
    assert_eq!(a.treat_missing_data, None);
}

const YAML: &str = r#"
Parameters:
  Threshold:
    Type: Number
    Default: 5
  TopicName:
    Type: String
    Default: alerts
Resources:
  Group:
    Type: AWS::Logs::LogGroup
    Properties: { LogGroupName: !Sub "${AWS::StackName}-trail" }
  Errors:
    Type: AWS::Logs::MetricFilter
    Properties:
      LogGroupName: !Ref Group
      FilterPattern: '[ip, user, ..., status=5*, bytes]'
      MetricTransformations:
        - { MetricName: Bytes, MetricNamespace: Web, MetricValue: $bytes, Dimensions: [{ Key: Status, Value: $status }] }
  Topic:
    Type: AWS::SNS::Topic
    Properties: { TopicName: !Ref TopicName }
  Alarm:
    Type: AWS::CloudWatch::Alarm
    Properties:
      AlarmName: !Join ["-", [!Ref "AWS::StackName", errors]]
      Namespace: Web
      MetricName: Bytes
      ExtendedStatistic: p90
      Period: 60
      EvaluationPeriods: 3
      DatapointsToAlarm: 2
      Threshold: !Ref Threshold
      ComparisonOperator: GreaterThanThreshold
      TreatMissingData: notBreaching
      AlarmActions: [!Ref Topic]
      OKActions: [!GetAtt Topic.TopicArn]
"#;

#[test]
fn yaml_short_forms_and_parameters_resolve() {
    let c = parse(YAML, &Deployment::default()).unwrap();
    assert_eq!(c.filters[0].log_group, "Stack-trail");
    assert_eq!(c.filters[0].transformation.dimensions.len(), 1);
    let a = &c.alarms[0];
    assert_eq!(a.name, "Stack-errors");
    assert_eq!(a.statistic, Statistic::Percentile(90.0));
    assert_eq!((a.threshold, a.datapoints_to_alarm), (5.0, Some(2)));
    assert_eq!(a.treat_missing_data, Some(TreatMissingData::NotBreaching));
    assert_eq!(a.alarm_actions, ["arn:aws:sns:us-east-1:123456789012:alerts"]);
    assert_eq!(a.ok_actions, a.alarm_actions);
}

#[test]
fn describe_outputs_are_read() {
    let filters = r#"{"metricFilters":[{"filterName":"SignInFail","filterPattern":"{ ($.eventName = \"ConsoleLogin\") && ($.errorMessage = \"Failed authentication\") }",
      "metricTransformations":[{"metricName":"ConsoleSigninFailureCount","metricNamespace":"CloudTrailMetrics","metricValue":"1","defaultValue":0}],
      "creationTime":1763802000000,"logGroupName":"CloudTrail/logs"}]}"#;
    let c = parse(filters, &Deployment::default()).unwrap();
    assert_eq!(c.filters[0].transformation.default_value, Some(0.0));
    let alarms = r#"{"MetricAlarms":[{"AlarmName":"A","MetricName":"M","Namespace":"N","Statistic":"Sum","Period":300,
      "EvaluationPeriods":1,"Threshold":3.0,"ComparisonOperator":"GreaterThanOrEqualToThreshold","Dimensions":[]}],"CompositeAlarms":[]}"#;
    assert_eq!(parse(alarms, &Deployment::default()).unwrap().alarms[0].name, "A");
    assert_eq!(parse(alarms, &Deployment::default()).unwrap().alarms[0].home, None);
    // Each alarm keeps the account and region of its ARN.
    let with_arn = alarms.replace(
        r#""AlarmName":"A","#,
        r#""AlarmName":"A","AlarmArn":"arn:aws:cloudwatch:eu-west-1:111122223333:alarm:A","#,
    );
    let home = parse(&with_arn, &Deployment::default()).unwrap().alarms[0].home.clone();
    assert_eq!(home, Some(("111122223333".to_string(), "eu-west-1".to_string())));
}

#[test]
fn bad_definitions_get_clear_errors() {
    let unresolvable = r#"{"Resources":{"F":{"Type":"AWS::Logs::MetricFilter","Properties":{"LogGroupName":{"Ref":"Nowhere"},
      "FilterPattern":"x","MetricTransformations":[{"MetricName":"m","MetricNamespace":"n","MetricValue":"1"}]}}}}"#;
    // The log group is not needed (every input is one log group): noted, not refused.
    let c = parse(unresolvable, &Deployment::default()).unwrap();
    assert_eq!(c.filters.len(), 1);
    assert!(c.notes[0].starts_with("Ref to Nowhere, which is neither"), "{:?}", c.notes);
    assert!(c.notes[0].contains("left unresolved in F.LogGroupName"), "{:?}", c.notes);
    // The pattern is: an error naming the resource and the property.
    let e = parse(
        &unresolvable.replace("\"FilterPattern\":\"x\"", "\"FilterPattern\":{\"Ref\":\"Nowhere\"}"),
        &Deployment::default(),
    )
    .unwrap_err();
    assert!(e.contains("F: FilterPattern: Ref to Nowhere"), "{e}");
    let anomaly = r#"{"Resources":{"A":{"Type":"AWS::CloudWatch::Alarm","Properties":{"MetricName":"m","Namespace":"n","Statistic":"Sum",
      "Period":60,"EvaluationPeriods":1,"Threshold":1,"ComparisonOperator":"LessThanLowerOrGreaterThanUpperThreshold"}}}}"#;
    assert!(parse(anomaly, &Deployment::default()).unwrap_err().contains("anomaly-detection band"));
    let statistic = anomaly
        .replace("LessThanLowerOrGreaterThanUpperThreshold", "GreaterThanThreshold")
        .replace("\"Sum\"", "\"Median\"");
    assert!(parse(&statistic, &Deployment::default()).unwrap_err().contains("unknown statistic \"Median\""));
}

#[test]
fn packs_hold_every_control() {
    let cis = pack("cis").unwrap();
    assert_eq!((cis.filters.len(), cis.alarms.len()), (15, 15));
    assert_eq!(cis.alarms[5].metric_name, "ConsoleAuthenticationFailures");
    for f in &cis.filters {
        crate::pattern::parse(&f.pattern).unwrap();
    }
    assert_eq!(pack("securityhub").unwrap().filters.len(), 14);
    assert!(pack("pci").is_err());
}

/// A template with one alarm (its properties merged with `alarm`) and the given extra resources.
fn template(alarm: serde_json::Value, extra: serde_json::Value) -> String {
    let mut properties = serde_json::json!({"MetricName":"m","Namespace":"n","Statistic":"Sum","Period":60,
        "EvaluationPeriods":1,"Threshold":1,"ComparisonOperator":"GreaterThanThreshold"});
    properties.as_object_mut().unwrap().extend(alarm.as_object().unwrap().clone());
    let mut resources = serde_json::json!({"A": {"Type": "AWS::CloudWatch::Alarm", "Properties": properties}});
    resources.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    serde_json::json!({ "Resources": resources }).to_string()
}

#[test]
fn sub_escapes_are_literals() {
    let t = template(
        serde_json::json!({"AlarmName": {"Fn::Sub": "${!Literal}-${AWS::Region}-${!AWS::Region}"}}),
        serde_json::json!({}),
    );
    assert_eq!(parse(&t, &Deployment::default()).unwrap().alarms[0].name, "${Literal}-us-east-1-${AWS::Region}");
}

#[test]
fn circular_and_self_references_name_the_cycle() {
    let group = |name: &str, other: &str| serde_json::json!({"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": {"Fn::Sub": format!("x-${{{other}}}")}}, "_": name});
    let t = template(
        serde_json::json!({"AlarmName": {"Ref": "G1"}}),
        serde_json::json!({"G1": group("G1", "G2"), "G2": group("G2", "G1")}),
    );
    let e = parse(&t, &Deployment::default()).unwrap_err();
    assert!(e.contains("circular reference: G1 -> G2 -> G1"), "{e}");
    let t = template(serde_json::json!({"AlarmName": {"Ref": "G"}}), serde_json::json!({"G": group("G", "G")}));
    let e = parse(&t, &Deployment::default()).unwrap_err();
    assert!(e.contains("circular reference: G -> G"), "{e}");
    // An alarm naming itself through its own Ref.
    let t = template(serde_json::json!({"AlarmName": {"Ref": "A"}}), serde_json::json!({}));
    let e = parse(&t, &Deployment::default()).unwrap_err();
    assert!(e.contains("circular reference: A -> A"), "{e}");
}

#[test]
fn actions_enabled_may_be_a_string() {
    for (given, expected) in
        [(serde_json::json!("false"), false), (serde_json::json!("True"), true), (serde_json::json!(false), false)]
    {
        let t = template(serde_json::json!({"ActionsEnabled": given}), serde_json::json!({}));
        assert_eq!(parse(&t, &Deployment::default()).unwrap().alarms[0].actions_enabled, expected, "{given}");
    }
    let t = template(serde_json::json!({"ActionsEnabled": "no"}), serde_json::json!({}));
    assert!(parse(&t, &Deployment::default()).unwrap_err().contains("ActionsEnabled must be true or false"));
}

#[test]
fn plain_properties_nest_deeper_than_intrinsics_may() {
    let mut deep = serde_json::json!("leaf");
    for _ in 0..60 {
        deep = serde_json::json!({ "a": deep, "b": 1 });
    }
    let t = template(serde_json::json!({"AlarmDescription": "d", "Tags": deep}), serde_json::json!({}));
    assert_eq!(parse(&t, &Deployment::default()).unwrap().alarms.len(), 1);
    // Intrinsic functions nested 40 deep are still refused, by their own limit.
    let mut nested = serde_json::json!("x");
    for _ in 0..40 {
        nested = serde_json::json!({ "Fn::Join": ["", [nested]] });
    }
    let t = template(serde_json::json!({"AlarmName": nested}), serde_json::json!({}));
    assert!(parse(&t, &Deployment::default()).unwrap_err().contains("intrinsic functions nested more than 32 deep"));
}

#[test]
fn doubling_substitutions_are_refused_quickly() {
    // G0 = "xx..."; Gi = ${Gi-1}${Gi-1}: 24 groups would make a 16 MiB name from 2.7 KB.
    let mut extra = serde_json::Map::new();
    extra.insert(
        "G0".into(),
        serde_json::json!({"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": "x".repeat(64)}}),
    );
    for i in 1..24 {
        let sub = format!("${{G{}}}${{G{}}}", i - 1, i - 1);
        extra.insert(
            format!("G{i}"),
            serde_json::json!({"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": {"Fn::Sub": sub}}}),
        );
    }
    let t = template(serde_json::json!({"AlarmDescription": {"Ref": "G23"}}), serde_json::Value::Object(extra.clone()));
    let e = parse(&t, &Deployment::default()).unwrap_err();
    assert!(e.contains("Fn::Sub produces a string of more than 1048576 bytes"), "{e}");
    // Many references to one doubled name, each within the string cap, exhaust the work budget.
    let refs: Vec<serde_json::Value> = (0..40).map(|_| serde_json::json!({"Ref": "G13"})).collect();
    let t = template(serde_json::json!({"AlarmActions": refs}), serde_json::Value::Object(extra));
    let e = parse(&t, &Deployment::default()).unwrap_err();
    assert!(e.contains("units of work"), "{e}");
}

#[test]
fn access_alerts_reads_three_rules_to_the_topic() {
    let deployment =
        Deployment { account_id: "111122223333".into(), region: "eu-west-1".into(), ..Deployment::default() };
    let c = load(&testdata("templates/access-alerts.template.json"), &deployment).unwrap();
    let names: Vec<&str> = c.rules.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["failed-console-sign-in", "root-account-activity", "security-group-changes"]);
    let topic = "arn:aws:sns:eu-west-1:111122223333:access-alerts";
    for rule in &c.rules {
        assert_eq!(rule.state, crate::rule::RuleState::Enabled, "{}", rule.name);
        assert_eq!(rule.event_bus_name, "default");
        assert_eq!(rule.arn, format!("arn:aws:events:eu-west-1:111122223333:rule/{}", rule.name));
        let [target] = rule.targets.as_slice() else { panic!("{}: one target", rule.name) };
        assert_eq!((target.id.as_str(), target.arn.as_str()), ("Target0", topic));
    }
    let pattern: serde_json::Value = serde_json::from_str(&c.rules[0].event_pattern).unwrap();
    assert_eq!(pattern["detail"]["responseElements"]["ConsoleLogin"], serde_json::json!(["Failure"]));
    assert!(matches!(&c.rules[0].targets[0].input, crate::rule::TargetInput::Transformer(t)
        if t.template() == "\"Failed console sign-in by <user> from <ip> at <time>\""));
    assert!(matches!(&c.rules[1].targets[0].input, crate::rule::TargetInput::Event));
    assert!(matches!(&c.rules[2].targets[0].input, crate::rule::TargetInput::Path(p) if p.as_str() == "$.detail"));
}

const RULES_YAML: &str = r#"
Resources:
  Bus:
    Type: AWS::Events::EventBus
    Properties: { Name: audit }
  Queue:
    Type: AWS::SQS::Queue
    Properties: { QueueName: q }
  Reads:
    Type: AWS::Events::Rule
    Properties:
      EventBusName: !Ref Bus
      State: ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS
      EventPattern: '{"source": ["aws.s3"]}'
      Targets:
        - Id: q
          Arn: !GetAtt Queue.Arn
          Input: '{"fixed": true}'
  Nightly:
    Type: AWS::Events::Rule
    Properties: { ScheduleExpression: "rate(1 day)" }
"#;

#[test]
fn rules_take_patterns_as_strings_states_buses_and_constant_input() {
    let c = parse(RULES_YAML, &Deployment::default()).unwrap();
    let [rule] = c.rules.as_slice() else { panic!("one rule: {:?}", c.rules) };
    assert_eq!(rule.name, "Reads", "a rule without Name is named by its logical id");
    assert_eq!(rule.event_bus_name, "audit");
    assert_eq!(rule.arn, "arn:aws:events:us-east-1:123456789012:rule/audit/Reads");
    assert_eq!(rule.state, crate::rule::RuleState::EnabledWithAllCloudTrailManagementEvents);
    assert_eq!(rule.event_pattern, r#"{"source":["aws.s3"]}"#);
    assert_eq!(rule.targets[0].arn, "arn:aws:sqs:us-east-1:123456789012:q");
    assert!(matches!(&rule.targets[0].input, crate::rule::TargetInput::Constant(t) if t == r#"{"fixed": true}"#));
    assert!(c.notes.iter().any(|n| n.contains("Nightly") && n.contains("scheduled")), "{:?}", c.notes);
}

#[test]
fn rule_errors_name_the_rule() {
    let bad_state = RULES_YAML.replace("ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS", "ON");
    assert!(parse(&bad_state, &Deployment::default()).unwrap_err().contains("rule Reads: State \"ON\""));
    let bad_pattern = RULES_YAML.replace(r#"'{"source": ["aws.s3"]}'"#, "'[1]'");
    let err = parse(&bad_pattern, &Deployment::default()).unwrap_err();
    assert!(err.starts_with("Reads: rule Reads: Event pattern is not valid. Reason:"), "{err}");
    let two_inputs = RULES_YAML.replace("Input: '{\"fixed\": true}'", "Input: '{}'\n          InputPath: $.detail");
    assert_eq!(
        parse(&two_inputs, &Deployment::default()).unwrap_err(),
        "Reads: rule Reads: Only one of Input, InputPath, or InputTransformer must be provided for target q."
    );
}

#[test]
fn list_rules_and_list_targets_by_rule_join_by_rule_name() {
    let rules = r#"{"Rules": [
        {"Name": "root", "Arn": "arn:aws:events:eu-west-1:1:rule/root", "EventBusName": "default", "State": "DISABLED",
         "EventPattern": "{\"detail\":{\"userIdentity\":{\"type\":[\"Root\"]}}}"},
        {"Name": "tick", "ScheduleExpression": "rate(5 minutes)", "State": "ENABLED"}]}"#;
    let targets = r#"{"Targets": [{"Id": "t", "Arn": "arn:aws:sns:eu-west-1:1:x",
        "InputTransformer": {"InputPathsMap": {"who": "$.detail.userIdentity.arn"}, "InputTemplate": "\"<who>\""}}]}"#;
    let mut c = parse(rules, &Deployment::default()).unwrap();
    assert_eq!(c.rules.len(), 1);
    assert_eq!(c.rules[0].arn, "arn:aws:events:eu-west-1:1:rule/root");
    assert_eq!(c.rules[0].state, crate::rule::RuleState::Disabled);
    assert!(c.notes[0].contains("tick"));
    let dir = std::env::temp_dir().join(format!("trailwatch-targets-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("root.targets.json");
    std::fs::write(&file, targets).unwrap();
    c.extend(load(&file, &Deployment::default()).unwrap());
    c.attach_targets().unwrap();
    assert_eq!(c.rules[0].targets.len(), 1);
    let orphan = dir.join("other.json");
    std::fs::write(&orphan, targets).unwrap();
    c.extend(load(&orphan, &Deployment::default()).unwrap());
    assert!(c.attach_targets().unwrap_err().contains("no rule other was read"));
    let named = targets.replacen('{', r#"{"Rule": "root","#, 1);
    assert_eq!(parse(&named, &Deployment::default()).unwrap().rule_targets[0].0, "root");
    std::fs::remove_dir_all(&dir).unwrap();
}

fn cdk_options(stacks: &[&str]) -> LoadOptions {
    LoadOptions { stacks: stacks.iter().map(|s| s.to_string()).collect(), ..LoadOptions::default() }
}

#[test]
fn a_cdk_app_of_two_stacks_resolves_imports_and_nested_stacks() {
    let c = load_all(&[testdata("cdk/two-stacks")], &cdk_options(&[])).unwrap();
    assert_eq!((c.filters.len(), c.alarms.len(), c.rules.len()), (1, 1, 1), "{:?}", c.notes);
    // The log group and the topic come from the Logging stack's exports.
    assert_eq!(c.filters[0].log_group, "TrailLog");
    let topic = "arn:aws:sns:us-east-1:123456789012:TrailTopic5D1AB6D4";
    assert_eq!(c.alarms[0].alarm_actions, [topic]);
    // The nested stack's rule gets the topic through its parameter.
    assert_eq!(c.rules[0].name, "failed-console-sign-in");
    assert_eq!(c.rules[0].targets[0].arn, topic);
    assert!(c.notes.is_empty(), "{:?}", c.notes);
    // Origins: the template, CDK's construct path and the line.
    let origin = c.origin(Definition::Alarm(0));
    assert!(origin.file.ends_with("cdk/two-stacks/Alerts.template.json"), "{origin}");
    assert_eq!(origin.resource, "Alerts/TrailAlarm/Resource");
    let text = std::fs::read_to_string(&origin.file).unwrap();
    let line = text.lines().nth(origin.line.unwrap() as usize - 1).unwrap();
    assert!(line.contains("\"TrailAlarm0B1AC7E4\""), "{line}");
    assert!(c.origin(Definition::Rule(0)).file.ends_with("AlertsRules1A2B3C4D.nested.template.json"));
    // The manifest itself is as good as its folder.
    let same = load_all(&[testdata("cdk/two-stacks/manifest.json")], &LoadOptions::default()).unwrap();
    assert_eq!(same.alarms, c.alarms);
}

#[test]
fn stacks_are_picked_by_id_name_or_path_and_still_lend_exports() {
    // Logging alone: nothing to replay but valid.
    let c = load_all(&[testdata("cdk/two-stacks")], &cdk_options(&["Logging"])).unwrap();
    assert!(c.is_empty());
    // Alerts alone still imports from Logging.
    let c = load_all(&[testdata("cdk/two-stacks")], &cdk_options(&["Alerts"])).unwrap();
    assert_eq!(c.filters[0].log_group, "TrailLog");
    let e = load_all(&[testdata("cdk/two-stacks")], &cdk_options(&["Alert"])).unwrap_err();
    assert!(e.contains("--stack Alert matches no stack; the stacks read are: Alerts, Logging"), "{e}");
    for wanted in ["Prod/Alerts", "Prod-Alerts", "ProdAlerts", "Prod/*"] {
        let c = load_all(&[testdata("cdk/stage")], &cdk_options(&[wanted])).unwrap();
        assert_eq!(c.alarms.len(), 1, "{wanted}");
    }
}

#[test]
fn a_stage_assembly_is_read_with_its_environment() {
    let c = load_all(&[testdata("cdk/stage")], &LoadOptions::default()).unwrap();
    assert_eq!((c.filters.len(), c.alarms.len(), c.rules.len()), (1, 1, 1), "{:?}", c.notes);
    let topic = "arn:aws:sns:eu-west-1:111122223333:TrailTopic5D1AB6D4";
    assert_eq!(c.alarms[0].alarm_actions, [topic]);
    assert_eq!(c.rules[0].arn, "arn:aws:events:eu-west-1:111122223333:rule/failed-console-sign-in");
    assert_eq!(c.origin(Definition::Filter(0)).resource, "Prod/Alerts/SignInFailMetricFilter/Resource");
}

/// A cloud assembly written into a scratch folder from (file, JSON) pairs.
fn scratch_assembly(name: &str, files: &[(&str, serde_json::Value)]) -> std::path::PathBuf {
    let folder = std::env::temp_dir().join(format!("trailwatch-config-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&folder);
    for (file, json) in files {
        let path = folder.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, json.to_string()).unwrap();
    }
    folder
}

fn stack_artifact(template: &str) -> serde_json::Value {
    serde_json::json!({"type": "aws:cloudformation:stack", "properties": {"templateFile": template}})
}

#[test]
fn bad_assemblies_get_errors_naming_the_file() {
    let filter = serde_json::json!({"Type": "AWS::Logs::MetricFilter", "Properties": {"FilterPattern": "x",
        "LogGroupName": {"Fn::ImportValue": "Other:Group"},
        "MetricTransformations": [{"MetricName": "m", "MetricNamespace": "n", "MetricValue": {"Fn::ImportValue": "Other:Value"}}]}});
    let folder = scratch_assembly(
        "import",
        &[
            (
                "manifest.json",
                serde_json::json!({"version": "36.0.0", "artifacts": {"A": stack_artifact("A.template.json")}}),
            ),
            ("A.template.json", serde_json::json!({"Resources": {"F": filter}})),
        ],
    );
    let e = load_all(std::slice::from_ref(&folder), &LoadOptions::default()).unwrap_err();
    assert!(
        e.contains(
            "A.template.json:1: A/F: MetricTransformations: Fn::ImportValue Other:Value: no stack read exports it"
        ),
        "{e}"
    );

    // A template path leaving the assembly, a Stage inside itself, a missing template.
    let outside = scratch_assembly(
        "outside",
        &[(
            "manifest.json",
            serde_json::json!({"version": "1", "artifacts": {"A": stack_artifact("../A.template.json")}}),
        )],
    );
    let e = load_all(&[outside], &LoadOptions::default()).unwrap_err();
    assert!(e.contains("\"../A.template.json\" is not a path inside the assembly"), "{e}");
    let looped = scratch_assembly(
        "looped",
        &[(
            "manifest.json",
            serde_json::json!({"version": "1", "artifacts": {"S": {"type": "cdk:cloud-assembly", "properties": {"directoryName": "."}}}}),
        )],
    );
    let e = load_all(&[looped], &LoadOptions::default()).unwrap_err();
    assert!(e.contains("Stages nest more than 16 deep"), "{e}");
    let missing = scratch_assembly(
        "missing",
        &[(
            "manifest.json",
            serde_json::json!({"version": "1", "artifacts": {"A": stack_artifact("A.template.json")}}),
        )],
    );
    let e = load_all(&[missing], &LoadOptions::default()).unwrap_err();
    assert!(e.contains("A.template.json: cannot read"), "{e}");
    for folder in ["import", "outside", "looped", "missing"] {
        let _ = std::fs::remove_dir_all(
            std::env::temp_dir().join(format!("trailwatch-config-{folder}-{}", std::process::id())),
        );
    }
}

#[test]
fn unneeded_values_that_do_not_resolve_are_noted_once() {
    let alarm = |name: &str| {
        serde_json::json!({"Type": "AWS::CloudWatch::Alarm", "Properties": {"MetricName": "m", "Namespace": "n",
            "Statistic": "Sum", "Period": 60, "EvaluationPeriods": 1, "Threshold": 1, "ComparisonOperator": "GreaterThanThreshold",
            "AlarmName": name, "AlarmActions": [{"Fn::ImportValue": "Shared:Topic"}, "arn:aws:sns:us-east-1:1:kept"]}})
    };
    let t = serde_json::json!({"Resources": {"A": alarm("a"), "B": alarm("b")}}).to_string();
    let c = parse(&t, &Deployment::default()).unwrap();
    assert_eq!(c.alarms.len(), 2);
    assert_eq!(c.alarms[0].alarm_actions, ["arn:aws:sns:us-east-1:1:kept"]);
    assert_eq!(c.notes.len(), 1, "{:?}", c.notes);
    assert!(
        c.notes[0].contains("Fn::ImportValue Shared:Topic")
            && c.notes[0].contains("A.AlarmActions[0], B.AlarmActions[0]"),
        "{:?}",
        c.notes
    );
}

#[test]
fn conditions_select_split_and_mappings_resolve() {
    let t = serde_json::json!({
        "Conditions": {"Prod": {"Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]}, "NotProd": {"Fn::Not": [{"Condition": "Prod"}]}},
        "Mappings": {"Limits": {"us-east-1": {"Threshold": 7}}},
        "Resources": {
            "A": {"Type": "AWS::CloudWatch::Alarm", "Properties": {"MetricName": {"Fn::Select": [1, {"Fn::Split": [",", "x,m,y"]}]},
                "Namespace": {"Fn::If": ["Prod", "prod", "test"]}, "Statistic": "Sum", "Period": 60, "EvaluationPeriods": 1,
                "Threshold": {"Fn::FindInMap": ["Limits", {"Ref": "AWS::Region"}, "Threshold"]}, "ComparisonOperator": "GreaterThanThreshold",
                "AlarmDescription": {"Fn::If": ["NotProd", "d", {"Ref": "AWS::NoValue"}]}}},
            "Skipped": {"Type": "AWS::CloudWatch::Alarm", "Condition": "NotProd", "Properties": {}}
        }
    });
    let c = parse(&t.to_string(), &Deployment::default()).unwrap();
    assert_eq!(c.alarms.len(), 1);
    let a = &c.alarms[0];
    assert_eq!((a.metric_name.as_str(), a.namespace.as_str(), a.threshold), ("m", "prod", 7.0));
    assert_eq!(a.description, None);
}
