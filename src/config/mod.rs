//! Configuration files -> metric filter, alarm and EventBridge rule definitions, each with
//! where it was read.
//!
//! One entry point, [`load_all`], recognises every kind by content: CloudFormation templates
//! (JSON or YAML, short `!Ref`/`!GetAtt` forms included), CDK cloud assemblies (`cdk.out`
//! through its `manifest.json`: stacks, Stage assemblies, nested stacks, exports between
//! stacks), Terraform (`.tf` files and folders, `terraform show -json` plans and states), the
//! JSON of `aws logs describe-metric-filters`, `aws cloudwatch describe-alarms`,
//! `aws events list-rules` and `aws events list-targets-by-rule`; and the built-in packs
//! (`cis`, `securityhub`).

mod cdk;
mod cloudformation;
mod describe;
mod origin;
mod packs;
mod rules;
mod terraform;

use std::path::{Path, PathBuf};

use crate::alarm::AlarmDefinition;
use crate::metric::MetricFilter;
use crate::rule::{Rule, Target};

pub use origin::{Origin, Origins};
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

/// How configurations are read: the deployment references resolve against, which CDK
/// stacks to take, and Terraform's input variables.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    pub deployment: Deployment,
    /// CDK stacks to read (artifact id, stack name or display path such as `Prod/Alerts`;
    /// `*` matches any text); empty reads every stack. Other stacks still provide exports.
    pub stacks: Vec<String>,
    /// Terraform input variables as `-var NAME=VALUE` gives them; they win over var files.
    pub variables: Vec<(String, String)>,
    /// Terraform `.tfvars` files as `-var-file` gives them, read after a folder's
    /// `terraform.tfvars` and `*.auto.tfvars`.
    pub variable_files: Vec<PathBuf>,
    /// Keep the template resources that cannot be read in [`Configuration::refused`] instead
    /// of failing on the first (`lint` reports them all).
    pub keep_going: bool,
}

impl LoadOptions {
    pub fn new(deployment: Deployment) -> Self {
        LoadOptions { deployment, ..LoadOptions::default() }
    }
}

/// Metric filters, alarms and rules, where each was read, and notes on what was passed over.
#[derive(Clone, Debug, Default)]
pub struct Configuration {
    pub filters: Vec<MetricFilter>,
    pub alarms: Vec<AlarmDefinition>,
    pub rules: Vec<Rule>,
    /// Where each filter, alarm and rule was read, index for index (see [`Configuration::origin`]).
    pub origins: Origins,
    /// Targets read from `list-targets-by-rule` output, by rule name, not yet joined to their
    /// rules (see [`Configuration::attach_targets`]).
    pub rule_targets: Vec<(String, Vec<Target>)>,
    /// Resources read but not modelled (metric-math alarms, for example), and values left
    /// unresolved because the replay does not need them.
    pub notes: Vec<String>,
    /// Template resources that could not be read, each error naming its origin (only with
    /// [`LoadOptions::keep_going`]; otherwise the first is the load's error).
    pub refused: Vec<String>,
}

/// Which list of a [`Configuration`] a definition is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Definition {
    Filter(usize),
    Alarm(usize),
    Rule(usize),
}

impl Configuration {
    pub fn push_filter(&mut self, filter: MetricFilter, origin: Origin) {
        self.align_origins();
        self.filters.push(filter);
        self.origins.filters.push(origin);
    }

    pub fn push_alarm(&mut self, alarm: AlarmDefinition, origin: Origin) {
        self.align_origins();
        self.alarms.push(alarm);
        self.origins.alarms.push(origin);
    }

    pub fn push_rule(&mut self, rule: Rule, origin: Origin) {
        self.align_origins();
        self.rules.push(rule);
        self.origins.rules.push(origin);
    }

    /// Where a definition was read (an unknown origin for one pushed without it).
    pub fn origin(&self, definition: Definition) -> Origin {
        let found = match definition {
            Definition::Filter(i) => self.origins.filters.get(i),
            Definition::Alarm(i) => self.origins.alarms.get(i),
            Definition::Rule(i) => self.origins.rules.get(i),
        };
        found.cloned().unwrap_or_default()
    }

    /// Gives definitions pushed straight into the lists an unknown origin, so that the
    /// origin lists stay index for index with them.
    fn align_origins(&mut self) {
        self.origins.filters.resize(self.filters.len(), Origin::default());
        self.origins.alarms.resize(self.alarms.len(), Origin::default());
        self.origins.rules.resize(self.rules.len(), Origin::default());
    }

    pub fn extend(&mut self, mut other: Configuration) {
        self.align_origins();
        other.align_origins();
        self.filters.extend(other.filters);
        self.alarms.extend(other.alarms);
        self.rules.extend(other.rules);
        self.origins.filters.extend(other.origins.filters);
        self.origins.alarms.extend(other.origins.alarms);
        self.origins.rules.extend(other.origins.rules);
        self.rule_targets.extend(other.rule_targets);
        self.refused.extend(other.refused);
        for note in other.notes {
            if !self.notes.contains(&note) {
                self.notes.push(note);
            }
        }
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

/// The most configuration text one [`load_all`] reads in all (every stack of a cloud
/// assembly, every `.tf` file of a folder), so that a folder of many large files is refused
/// instead of filling memory.
pub const MAX_CONFIGURATION_TEXT: u64 = 256 << 20;

/// Loads one file or folder with default options for everything but the deployment.
pub fn load(path: &Path, deployment: &Deployment) -> Result<Configuration, String> {
    load_all(&[path.to_path_buf()], &LoadOptions::new(deployment.clone()))
}

/// Loads configuration files and folders, recognising each by content, into one
/// configuration. CloudFormation stacks read together (the stacks of a `cdk.out`, or several
/// templates) resolve `Fn::ImportValue` from each other's exports.
pub fn load_all(paths: &[PathBuf], options: &LoadOptions) -> Result<Configuration, String> {
    let mut reader = Reader::new(options);
    let mut configuration = Configuration::default();
    let mut stacks = Vec::new();
    for path in paths {
        match reader.read(path)? {
            Loaded::Done(c) => configuration.extend(c),
            Loaded::Stacks(found) => stacks.extend(found),
        }
    }
    reader.check_stack_selection(&stacks)?;
    for stack in &mut stacks {
        stack.selected = options.stacks.is_empty() || options.stacks.iter().any(|wanted| stack.matches(wanted));
    }
    if !stacks.is_empty() {
        let budget = cloudformation::Budget::default();
        configuration.extend(cloudformation::load_stacks(stacks, &budget, &mut |path| reader.text(path))?);
    }
    if !options.keep_going {
        if let Some(first) = configuration.refused.first() {
            return Err(first.clone());
        }
    }
    Ok(configuration)
}

/// What one path holds: definitions read already, or CloudFormation stacks that are
/// resolved together once every path is read.
enum Loaded {
    Done(Configuration),
    Stacks(Vec<cloudformation::Stack>),
}

/// Reads files within [`MAX_CONFIGURATION_TEXT`] and dispatches them by content.
struct Reader<'a> {
    options: &'a LoadOptions,
    /// Bytes of configuration text read so far.
    read: u64,
}

impl<'a> Reader<'a> {
    fn new(options: &'a LoadOptions) -> Self {
        Reader { options, read: 0 }
    }

    /// One file's text, counted against [`MAX_CONFIGURATION_TEXT`].
    fn text(&mut self, path: &Path) -> Result<String, String> {
        let left = MAX_CONFIGURATION_TEXT.saturating_sub(self.read);
        if left == 0 {
            return Err(format!(
                "{}: the configuration files read together exceed {} MB",
                path.display(),
                MAX_CONFIGURATION_TEXT >> 20
            ));
        }
        let text = crate::source::read_text_file(path, MAX_TEMPLATE.min(left))?;
        self.read += text.len() as u64;
        Ok(text)
    }

    fn read(&mut self, path: &Path) -> Result<Loaded, String> {
        let shown = path.display();
        if path.is_dir() {
            if path.join("manifest.json").is_file() {
                return cdk::assembly(self, path).map(Loaded::Stacks);
            }
            let entries = sorted_entries(path)?;
            if entries.iter().any(|p| has_suffix(p, ".tf")) {
                return terraform::folder(self, path).map(Loaded::Done);
            }
            let templates: Vec<PathBuf> = entries.into_iter().filter(|p| has_suffix(p, ".template.json")).collect();
            if templates.is_empty() {
                return Err(format!(
                    "{shown}: neither a cdk.out folder (manifest.json or *.template.json) nor a Terraform folder (*.tf)"
                ));
            }
            let mut stacks = Vec::new();
            for template in templates {
                let text = self.text(&template)?;
                let document = cloudformation::to_json(&text).map_err(|e| format!("{}: {e}", template.display()))?;
                stacks.push(cloudformation::Stack::new(template, text, document, &self.options.deployment));
            }
            return Ok(Loaded::Stacks(stacks));
        }
        let text = self.text(path)?;
        if has_suffix(path, ".tf") {
            return terraform::files(self, &[(path.to_path_buf(), text)]).map(Loaded::Done);
        }
        let document = match cloudformation::to_json(&text) {
            // HCL may also read as one YAML string.
            Ok(document) if document.is_object() || !terraform::looks_like_hcl(&text) => document,
            Ok(_) => return terraform::files(self, &[(path.to_path_buf(), text)]).map(Loaded::Done),
            Err(e) if terraform::looks_like_hcl(&text) => {
                return terraform::files(self, &[(path.to_path_buf(), text)])
                    .map_err(|hcl| format!("{hcl} (read as Terraform: neither JSON nor YAML: {e})"))
                    .map(Loaded::Done)
            }
            Err(e) => return Err(format!("{shown}: {e}")),
        };
        if cdk::is_manifest(&document) {
            let folder = path.parent().unwrap_or(Path::new("."));
            return cdk::assembly(self, folder).map(Loaded::Stacks);
        }
        if terraform::is_show_json(&document) {
            return terraform::show_json(&document, path, &self.options.deployment)
                .map_err(|e| format!("{shown}: {e}"))
                .map(Loaded::Done);
        }
        if document.get("Resources").is_some() {
            let stack = cloudformation::Stack::new(path.to_path_buf(), text, document, &self.options.deployment);
            return Ok(Loaded::Stacks(vec![stack]));
        }
        let stem = path.file_name().and_then(|n| n.to_str()).map(|n| n.strip_suffix(".json").unwrap_or(n));
        api_output(&document, &self.options.deployment, stem, path)
            .map(Loaded::Done)
            .map_err(|e| format!("{shown}: {e}"))
    }

    /// `--stack` names that match no stack read are an error listing the stacks there are.
    fn check_stack_selection(&self, stacks: &[cloudformation::Stack]) -> Result<(), String> {
        for wanted in &self.options.stacks {
            if !stacks.iter().any(|s| s.matches(wanted)) {
                let known: Vec<&str> = stacks.iter().map(|s| s.display_name.as_str()).collect();
                return Err(if known.is_empty() {
                    format!("--stack {wanted}: no CloudFormation stack or cdk.out was read")
                } else {
                    format!("--stack {wanted} matches no stack; the stacks read are: {}", known.join(", "))
                });
            }
        }
        Ok(())
    }
}

fn has_suffix(path: &Path, suffix: &str) -> bool {
    path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.ends_with(suffix))
}

/// A folder's entries, sorted, so that definitions come out in a stable order.
fn sorted_entries(folder: &Path) -> Result<Vec<PathBuf>, String> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(folder)
        .map_err(|e| format!("{}: {e}", folder.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    Ok(entries)
}

/// Parses configuration text that has no file: a template, API output, `terraform show
/// -json` output or Terraform HCL. A resource that cannot be read is the error.
pub fn parse(text: &str, deployment: &Deployment) -> Result<Configuration, String> {
    let configuration = parse_kept(text, deployment)?;
    match configuration.refused.first() {
        Some(first) => Err(first.clone()),
        None => Ok(configuration),
    }
}

fn parse_kept(text: &str, deployment: &Deployment) -> Result<Configuration, String> {
    let hcl = || {
        let options = LoadOptions::new(deployment.clone());
        let mut reader = Reader::new(&options);
        terraform::files(&mut reader, &[(PathBuf::from("main.tf"), text.to_string())])
    };
    let document = match cloudformation::to_json(text) {
        // HCL may also read as one YAML string.
        Ok(document) if document.is_object() || !terraform::looks_like_hcl(text) => document,
        Ok(_) => return hcl(),
        Err(e) if terraform::looks_like_hcl(text) => {
            return hcl().map_err(|hcl| format!("{hcl} (read as Terraform: neither JSON nor YAML: {e})"))
        }
        Err(e) => return Err(e),
    };
    if terraform::is_show_json(&document) {
        return terraform::show_json(&document, Path::new(""), deployment);
    }
    if document.get("Resources").is_some() {
        let stack = cloudformation::Stack::new(PathBuf::new(), text.to_string(), document, deployment);
        let budget = cloudformation::Budget::default();
        return cloudformation::load_stacks(vec![stack], &budget, &mut |path| {
            Err(format!("{}: nested stack templates are read from a cdk.out folder", path.display()))
        });
    }
    api_output(&document, deployment, None, Path::new(""))
}

/// The JSON of describe-* and list-* calls. `file_stem` names the rule of
/// `list-targets-by-rule` output that does not name it.
fn api_output(
    document: &serde_json::Value,
    deployment: &Deployment,
    file_stem: Option<&str>,
    file: &Path,
) -> Result<Configuration, String> {
    if document.get("metricFilters").is_some() || document.get("MetricAlarms").is_some() {
        describe::configuration(document, file)
    } else if document.get("Rules").is_some() {
        rules::list_rules(document, deployment, file)
    } else if document.get("Targets").is_some() {
        let mut configuration = Configuration::default();
        configuration.rule_targets.push(rules::list_targets(document, file_stem)?);
        Ok(configuration)
    } else {
        Err("neither a CloudFormation template (Resources), a cdk.out manifest, Terraform (.tf, or \
             terraform show -json output), nor describe-metric-filters / describe-alarms / list-rules / \
             list-targets-by-rule output"
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
