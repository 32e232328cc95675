//! The flags that say how configuration files are read, shared by the commands that read
//! them (`replay`, `lint`).

use std::path::PathBuf;

use trailwatch::config::{Deployment, LoadOptions};

#[derive(clap::Args, Clone, Debug, Default)]
pub struct ConfigArgs {
    /// A stack of a cdk.out to read: its artifact id, stack name or display path
    /// (`Prod/Alerts`; `*` matches any text). Repeatable; default: every stack. The other
    /// stacks still provide the exports the chosen ones import.
    #[arg(long = "stack", value_name = "NAME")]
    pub stacks: Vec<String>,

    /// A Terraform input variable, as `terraform plan -var`: NAME=VALUE. Repeatable; wins
    /// over variable files and defaults.
    #[arg(long = "var", value_name = "NAME=VALUE", value_parser = parse_variable)]
    pub variables: Vec<(String, String)>,

    /// A Terraform variable file, as `terraform plan -var-file` (read after the folder's
    /// terraform.tfvars and *.auto.tfvars). Repeatable.
    #[arg(long = "var-file", value_name = "FILE")]
    pub variable_files: Vec<PathBuf>,

    /// What `AWS::StackName` resolves to in templates read on their own (default `Stack`; a
    /// cdk.out stack keeps the name its manifest gives). `--account-id` sets `AWS::AccountId`.
    #[arg(long, value_name = "NAME")]
    pub stack_name: Option<String>,
}

impl ConfigArgs {
    pub fn options(&self, mut deployment: Deployment) -> LoadOptions {
        if let Some(name) = &self.stack_name {
            deployment.stack_name = name.clone();
        }
        LoadOptions {
            deployment,
            stacks: self.stacks.clone(),
            variables: self.variables.clone(),
            variable_files: self.variable_files.clone(),
            keep_going: false,
        }
    }
}

fn parse_variable(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() => Ok((name.trim().to_string(), value.to_string())),
        _ => Err(format!("{text:?} is not NAME=VALUE (for example --var threshold=5)")),
    }
}
