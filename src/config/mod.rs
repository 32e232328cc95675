//! Templates and API JSON -> metric filter and alarm definitions.
//!
//! Reads CloudFormation templates (JSON or YAML, short `!Ref`/`!GetAtt` forms included,
//! CDK's `cdk.out` folders), the JSON of `aws logs describe-metric-filters` and
//! `aws cloudwatch describe-alarms`, and the built-in packs (`cis`, `securityhub`).

mod cloudformation;
mod describe;
mod packs;

use std::path::Path;

use crate::alarm::AlarmDefinition;
use crate::metric::MetricFilter;

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

/// Metric filters and alarms, with notes on what was passed over.
#[derive(Clone, Debug, Default)]
pub struct Configuration {
    pub filters: Vec<MetricFilter>,
    pub alarms: Vec<AlarmDefinition>,
    /// Resources read but not modelled (metric-math alarms, for example).
    pub notes: Vec<String>,
}

impl Configuration {
    pub fn extend(&mut self, other: Configuration) {
        self.filters.extend(other.filters);
        self.alarms.extend(other.alarms);
        self.notes.extend(other.notes);
    }
}

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
    let text = std::fs::read_to_string(path).map_err(|e| format!("{shown}: cannot read: {e}"))?;
    parse(&text, deployment).map_err(|e| format!("{shown}: {e}"))
}

/// Parses template or API JSON text (or YAML).
pub fn parse(text: &str, deployment: &Deployment) -> Result<Configuration, String> {
    let document = cloudformation::to_json(text)?;
    if document.get("Resources").is_some() {
        cloudformation::configuration(&document, deployment)
    } else if document.get("metricFilters").is_some() || document.get("MetricAlarms").is_some() {
        describe::configuration(&document)
    } else {
        Err("neither a CloudFormation template (Resources) nor describe-metric-filters / describe-alarms output".into())
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
