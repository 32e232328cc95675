//! What a rule is, as `PutRule` and `PutTargets` accept it: a name, a bus, a state, an event
//! pattern and targets, each target with at most one of `Input`, `InputPath` and
//! `InputTransformer`. Validation gives AWS's `PutTargets` messages where they are recorded.

use std::fmt;
use std::str::FromStr;

use super::input::{InputPath, InputTransformer};

/// How much of the trail a rule sees (`PutRule`'s `State`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleState {
    Enabled,
    Disabled,
    /// Also receives read-only management events (`List*`, `Get*`, `Describe*`).
    EnabledWithAllCloudTrailManagementEvents,
}

impl RuleState {
    pub fn name(self) -> &'static str {
        match self {
            RuleState::Enabled => "ENABLED",
            RuleState::Disabled => "DISABLED",
            RuleState::EnabledWithAllCloudTrailManagementEvents => "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS",
        }
    }
}

impl FromStr for RuleState {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "ENABLED" => Ok(RuleState::Enabled),
            "DISABLED" => Ok(RuleState::Disabled),
            "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS" => Ok(RuleState::EnabledWithAllCloudTrailManagementEvents),
            other => Err(format!(
                "State {other:?} is not one of ENABLED, DISABLED, ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"
            )),
        }
    }
}

impl fmt::Display for RuleState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One EventBridge rule with an event pattern (scheduled rules are not read).
#[derive(Clone, Debug)]
pub struct Rule {
    pub name: String,
    /// `arn:aws:events:REGION:ACCOUNT:rule/NAME`, or `rule/BUS/NAME` on a custom bus.
    pub arn: String,
    pub event_bus_name: String,
    pub state: RuleState,
    /// The pattern's JSON text, validated when the rule is read.
    pub event_pattern: String,
    pub targets: Vec<Target>,
}

impl Rule {
    /// The ARN AWS gives a rule: the bus appears in it unless it is the default bus.
    pub fn arn_for(region: &str, account: &str, bus: &str, name: &str) -> String {
        if bus == "default" {
            format!("arn:aws:events:{region}:{account}:rule/{name}")
        } else {
            format!("arn:aws:events:{region}:{account}:rule/{bus}/{name}")
        }
    }
}

/// Where a matched event goes, and in what form.
#[derive(Clone, Debug)]
pub struct Target {
    pub id: String,
    pub arn: String,
    pub input: TargetInput,
}

/// What a target receives.
#[derive(Clone, Debug)]
pub enum TargetInput {
    /// The whole event (no `Input`, `InputPath` or `InputTransformer`).
    Event,
    /// `Input`: this JSON text, whatever the event.
    Constant(String),
    /// `InputPath`: the part of the event it selects.
    Path(InputPath),
    /// `InputTransformer`: the template filled from the event.
    Transformer(InputTransformer),
}

/// A target's input settings as configuration spells them, before validation.
#[derive(Clone, Debug, Default)]
pub struct TargetSpec {
    pub id: String,
    pub arn: String,
    pub input: Option<String>,
    pub input_path: Option<String>,
    /// `InputPathsMap` (in its order) and `InputTemplate`.
    pub input_transformer: Option<(Vec<(String, String)>, String)>,
}

impl Target {
    /// Validates as `PutTargets` does.
    pub fn new(spec: TargetSpec) -> Result<Target, String> {
        let TargetSpec { id, arn, input, input_path, input_transformer } = spec;
        if id.is_empty() {
            return Err("a target has no Id".into());
        }
        let given =
            usize::from(input.is_some()) + usize::from(input_path.is_some()) + usize::from(input_transformer.is_some());
        if given > 1 {
            return Err(format!("Only one of Input, InputPath, or InputTransformer must be provided for target {id}."));
        }
        let input = match (input, input_path, input_transformer) {
            (Some(text), _, _) => {
                serde_json::from_str::<serde_json::Value>(&text)
                    .map_err(|e| format!("Input for target {id} is not valid JSON text: {e}"))?;
                TargetInput::Constant(text)
            }
            (_, Some(path), _) => {
                TargetInput::Path(InputPath::parse(&path).map_err(|e| format!("InputPath for target {id}: {e}"))?)
            }
            (_, _, Some((paths, template))) => TargetInput::Transformer(InputTransformer::new(&id, &paths, &template)?),
            (None, None, None) => TargetInput::Event,
        };
        Ok(Target { id, arn, input })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_read_and_print_as_aws_spells_them() {
        for state in ["ENABLED", "DISABLED", "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"] {
            assert_eq!(state.parse::<RuleState>().unwrap().name(), state);
        }
        assert!("enabled".parse::<RuleState>().is_err());
    }

    #[test]
    fn a_target_takes_at_most_one_input_setting() {
        let spec = TargetSpec {
            id: "t1".into(),
            arn: "arn:aws:sns:us-east-1:1:x".into(),
            input: Some("{}".into()),
            input_path: Some("$.detail".into()),
            ..TargetSpec::default()
        };
        assert_eq!(
            Target::new(spec).unwrap_err(),
            "Only one of Input, InputPath, or InputTransformer must be provided for target t1."
        );
    }

    #[test]
    fn constant_input_must_be_json() {
        let spec = |input: &str| TargetSpec { id: "t".into(), input: Some(input.into()), ..TargetSpec::default() };
        assert!(matches!(Target::new(spec(r#"{"a": 1}"#)).unwrap().input, TargetInput::Constant(_)));
        assert!(Target::new(spec("not json")).unwrap_err().contains("not valid JSON"));
    }

    #[test]
    fn rule_arns_name_a_custom_bus() {
        assert_eq!(Rule::arn_for("eu-west-1", "1", "default", "r"), "arn:aws:events:eu-west-1:1:rule/r");
        assert_eq!(Rule::arn_for("eu-west-1", "1", "b", "r"), "arn:aws:events:eu-west-1:1:rule/b/r");
    }
}
