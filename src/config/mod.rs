//! Templates and API JSON -> metric filter, alarm and EventBridge rule definitions.
//!
//! Reads CloudFormation templates (JSON or YAML, short `!Ref`/`!GetAtt` forms included,
//! CDK's `cdk.out` folders), the JSON of `aws logs describe-metric-filters`,
//! `aws cloudwatch describe-alarms`, `aws events list-rules` and
//! `aws events list-targets-by-rule`, and the built-in packs (`cis`, `securityhub`).

mod cloudformation;
mod describe;
mod packs;
mod rules;

use std::path::Path;

use crate::alarm::AlarmDefinition;
use crate::metric::MetricFilter;
use crate::rule::{Rule, Target};

pub use packs::{pack, PACKS};

/// What a deployment resolves references against.
#[derive(Clone, Debug)]
pub struct Deployment {
    pub account_id: String,
    pub region: String,
    pub stack_name: String,
}

impl Default for Deployment {
    fn default() -> Self {
        Deployment { account_id: "123456789012".into(), region: "us-east-1".into(), stack_name: "Stack".into() }
    }
}

/// Metric filters, alarms and rules, with notes on what was passed over.
#[derive(Clone, Debug, Default)]
pub struct Configuration {
    pub filters: Vec<MetricFilter>,
    pub alarms: Vec<AlarmDefinition>,
    pub rules: Vec<Rule>,
    /// Targets read from `list-targets-by-rule` output, by rule name, not yet joined to their
    /// rules (see [`Configuration::attach_targets`]).
    pub rule_targets: Vec<(String, Vec<Target>)>,
    /// Resources read but not modelled (metric-math alarms, for example).
    pub notes: Vec<String>,
}

impl Configuration {
    pub fn extend(&mut self, other: Configuration) {
        self.filters.extend(other.filters);
        self.alarms.extend(other.alarms);
        self.rules.extend(other.rules);
        self.rule_targets.extend(other.rule_targets);
        self.notes.extend(other.notes);
    }

    /// Joins targets read from `list-targets-by-rule` output to the rules of that name, once
    /// every file is read; targets for a rule that was not read are an error.
    pub fn attach_targets(&mut self) -> Result<(), String> {
        for (name, targets) in std::mem::take(&mut self.rule_targets) {
            let rule = self.rules.iter_mut().find(|r| r.name == name).ok_or_else(|| {
                format!(
                    "targets for rule {name}, but no rule {name} was read: give its list-rules JSON or template too"
                )
            })?;
            rule.targets.extend(targets);
        }
        Ok(())
    }

    pub fn is_empty(&self) -> bool {
        self.filters.is_empty() && self.alarms.is_empty() && self.rules.is_empty()
    }
}

/// The largest template or describe-* JSON file read: CloudFormation takes templates of at
/// most 1 MB; describe output for thousands of alarms stays well below this.
pub const MAX_TEMPLATE: u64 = 64 << 20;

/// Loads one file (or a `cdk.out` folder of `*.template.json`), recognising its kind by content.
pub fn load(path: &Path, deployment: &Deployment) -> Result<Configuration, String> {
    let shown = path.display();
    if path.is_dir() {
        let mut entries: Vec<_> = std::fs::read_dir(path)
            .map_err(|e| format!("{shown}: {e}"))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.to_string_lossy().ends_with(".template.json"))
            .collect();
        entries.sort();
        if entries.is_empty() {
            return Err(format!("{shown}: no *.template.json files (is it a cdk.out folder?)"));
        }
        let mut all = Configuration::default();
        for entry in entries {
            all.extend(load(&entry, deployment)?);
        }
        return Ok(all);
    }
    let text = crate::source::read_text_file(path, MAX_TEMPLATE)?;
    let stem = path.file_name().and_then(|n| n.to_str()).map(|n| n.strip_suffix(".json").unwrap_or(n));
    parse_named(&text, deployment, stem).map_err(|e| format!("{shown}: {e}"))
}

/// Parses template or API JSON text (or YAML).
pub fn parse(text: &str, deployment: &Deployment) -> Result<Configuration, String> {
    parse_named(text, deployment, None)
}

/// `file_stem` names the rule of `list-targets-by-rule` output that does not name it.
fn parse_named(text: &str, deployment: &Deployment, file_stem: Option<&str>) -> Result<Configuration, String> {
    let document = cloudformation::to_json(text)?;
    if document.get("Resources").is_some() {
        cloudformation::configuration(&document, deployment)
    } else if document.get("metricFilters").is_some() || document.get("MetricAlarms").is_some() {
        describe::configuration(&document)
    } else if document.get("Rules").is_some() {
        let mut configuration = Configuration::default();
        configuration.rules = rules::list_rules(&document, deployment, &mut configuration.notes)?;
        Ok(configuration)
    } else if document.get("Targets").is_some() {
        let mut configuration = Configuration::default();
        configuration.rule_targets.push(rules::list_targets(&document, file_stem)?);
        Ok(configuration)
    } else {
        Err("neither a CloudFormation template (Resources) nor describe-metric-filters / describe-alarms / \
             list-rules / list-targets-by-rule output"
            .into())
    }
}

/// A number given as a JSON number or a numeric string (CloudFormation allows both).
pub(crate) fn number(value: &serde_json::Value) -> Option<f64> {
    match value {
        serde_json::Value::Number(n) => n.to_string().parse().ok(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
