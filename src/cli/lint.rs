//! `trailwatch lint`: configurations checked before deploy, for CI.

use std::path::PathBuf;

use trailwatch::config;
use trailwatch::lint;
use trailwatch::report::{lint_github, lint_json, lint_sarif, lint_text};

use super::config_args::ConfigArgs;
use super::output::{Terminal, EXIT_ERROR};

/// Check configurations before they are deployed: what AWS would refuse, and what would
/// deploy and never work.
///
/// Reads what `replay --template` reads (CloudFormation JSON or YAML, cdk.out, Terraform,
/// describe-* / list-rules / list-targets-by-rule JSON), all taken together as one account
/// and region. Reports:
///   - every invalid filter pattern and event pattern, with a caret under the fault;
///   - what PutMetricFilter, PutMetricAlarm and PutRule refuse: names, units, more than 3
///     dimensions, a default value with dimensions, 100 filters or 5 regex filters per log
///     group, 5 targets per rule, event patterns over 2048 (quota) or 4096 characters, ...;
///   - alarms that can never fire: on a metric no filter publishes (with the nearest published
///     one: "namespace `workshop`: did you mean `Workshop`?"), with dimensions no filter emits,
///     in a unit no filter publishes;
///   - the same filter, alarm or rule name defined twice;
///   - with --pack, each control of the pack: implemented, missing or narrower (with a record
///     the configuration misses), decided by running both over bundled real CloudTrail
///     records and records generated from the control's pattern.
///
/// Output: text, --format json, github (workflow annotations `::error file=...,line=...::`)
/// or sarif (SARIF 2.1.0, for code scanning).
///
/// Exit status: 0 when nothing is found, 1 when something is (an error or a warning), 2 when
/// a file cannot be read or a pack is unknown.
///
/// Examples:
///   trailwatch lint stack.template.yaml
///   trailwatch lint --pack cis cdk.out
///   trailwatch lint --format github templates/*.json        # in a GitHub Actions step
///   trailwatch lint --format sarif stack.json > lint.sarif
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Configuration files or folders (cdk.out, Terraform), as `replay --template` takes them.
    #[arg(required = true, value_name = "CONFIG")]
    configs: Vec<PathBuf>,

    #[command(flatten)]
    config: ConfigArgs,

    /// Report the coverage of a built-in pack: `cis` (CIS v3.0.0 4.1-4.15) or `securityhub`
    /// (Security Hub CloudWatch.1-14). Repeatable.
    #[arg(long = "pack", value_name = "NAME", value_parser = ["cis", "securityhub"])]
    packs: Vec<String>,

    /// `text`, `json`, `github` (GitHub Actions annotations) or `sarif` (SARIF 2.1.0).
    #[arg(long, default_value = "text", value_parser = ["text", "json", "github", "sarif"])]
    format: String,

    /// The account the configuration is deployed in (for ARNs it builds).
    #[arg(long, value_name = "ID", default_value = "123456789012")]
    account_id: String,

    /// The region the configuration is deployed in.
    #[arg(long, default_value = "us-east-1")]
    region: String,
}

const EXIT_CLEAN: i32 = 0;
const EXIT_FOUND: i32 = 1;

pub fn run(args: Args, term: &mut Terminal) -> i32 {
    match execute(&args, term) {
        Ok(code) => code,
        Err(message) => {
            term.note(format_args!("trailwatch lint: {message}"));
            EXIT_ERROR
        }
    }
}

fn execute(args: &Args, term: &mut Terminal) -> Result<i32, String> {
    let deployment =
        config::Deployment { account_id: args.account_id.clone(), region: args.region.clone(), ..Default::default() };
    let options = config::LoadOptions { keep_going: true, ..args.config.options(deployment) };
    // A path that cannot be read at all is an error; one that is read but refused is a finding.
    for path in &args.configs {
        std::fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    let mut refused = Vec::new();
    let mut configuration = match config::load_all(&args.configs, &options) {
        Ok(configuration) => configuration,
        Err(_) => {
            // Read each path alone, so that one refused file does not hide the others'
            // findings (imports between stacks given apart fail, and are reported too).
            let mut all = config::Configuration::default();
            for path in &args.configs {
                match config::load_all(std::slice::from_ref(path), &options) {
                    Ok(one) => all.extend(one),
                    Err(message) => refused.push(lint::unreadable(path, &message)),
                }
            }
            all
        }
    };
    // Each refused resource's error names its file, resource and line.
    for message in std::mem::take(&mut configuration.refused) {
        refused.push(lint::unreadable(std::path::Path::new(""), &message));
    }
    let mut packs: Vec<String> = Vec::new();
    for pack in &args.packs {
        if !packs.contains(pack) {
            packs.push(pack.clone());
        }
    }
    let report = lint::lint(&configuration, refused, args.configs.len(), &packs)?;
    match args.format.as_str() {
        "json" => term.println(lint_json(&report)),
        "github" => term.print(format_args!("{}", lint_github(&report))),
        "sarif" => term.println(serde_json::to_string_pretty(&lint_sarif(&report)).unwrap_or_default()),
        _ => term.print(format_args!("{}", lint_text(&report))),
    }
    Ok(if report.findings.is_empty() { EXIT_CLEAN } else { EXIT_FOUND })
}
