//! CDK cloud assemblies as `cdk synth` writes them (`cdk.out`), read through `manifest.json`:
//! each `aws:cloudformation:stack` artifact is a stack (its template, stack name, display
//! path and environment), each `cdk:cloud-assembly` artifact a Stage's nested assembly
//! (`assembly-*`) read the same way. Nested stacks are found in their parents' templates.

use std::path::{Component, Path, PathBuf};

use serde_json::Value;

use super::cloudformation::{to_json, Stack};
use super::{Deployment, Reader};

/// How deeply Stages may nest inside Stages.
const MAX_ASSEMBLY_NESTING: usize = 16;

/// Whether a JSON document is a cloud assembly manifest (`{"version": ..., "artifacts": {...}}`).
pub(super) fn is_manifest(document: &Value) -> bool {
    document.get("artifacts").is_some_and(Value::is_object) && document.get("version").is_some_and(Value::is_string)
}

/// Every stack of the assembly in `folder` and of the assemblies nested in it.
pub(super) fn assembly(reader: &mut Reader, folder: &Path) -> Result<Vec<Stack>, String> {
    let mut stacks = Vec::new();
    let mut assemblies = std::collections::VecDeque::from([(folder.to_path_buf(), 0)]);
    while let Some((folder, nesting)) = assemblies.pop_front() {
        let manifest_file = folder.join("manifest.json");
        let shown = manifest_file.display().to_string();
        let manifest = to_json(&reader.text(&manifest_file)?).map_err(|e| format!("{shown}: {e}"))?;
        let Some(artifacts) = manifest.get("artifacts").and_then(Value::as_object).filter(|_| is_manifest(&manifest))
        else {
            return Err(format!("{shown}: not a cloud assembly manifest (no \"version\" and \"artifacts\")"));
        };
        for (id, artifact) in artifacts {
            let properties = artifact.get("properties");
            let property = |key: &str| properties.and_then(|p| p.get(key)).and_then(Value::as_str);
            match artifact.get("type").and_then(Value::as_str) {
                Some("aws:cloudformation:stack") => {
                    let template = property("templateFile")
                        .ok_or_else(|| format!("{shown}: artifact {id} has no properties.templateFile"))?;
                    let file = inside(&folder, template).map_err(|e| format!("{shown}: artifact {id}: {e}"))?;
                    let stack_name = property("stackName").unwrap_or(id);
                    let deployment = environment(artifact.get("environment"), &reader.options.deployment, stack_name);
                    let text = reader.text(&file)?;
                    let template = to_json(&text).map_err(|e| format!("{}: {e}", file.display()))?;
                    let mut stack = Stack::new(file, text, template, &deployment);
                    stack.display_name = artifact.get("displayName").and_then(Value::as_str).unwrap_or(id).to_string();
                    stack.aliases = vec![id.clone(), stack_name.to_string()];
                    stacks.push(stack);
                }
                Some("cdk:cloud-assembly") => {
                    let directory = property("directoryName")
                        .ok_or_else(|| format!("{shown}: artifact {id} has no properties.directoryName"))?;
                    let nested = inside(&folder, directory).map_err(|e| format!("{shown}: artifact {id}: {e}"))?;
                    if nesting + 1 > MAX_ASSEMBLY_NESTING {
                        return Err(format!("{shown}: Stages nest more than {MAX_ASSEMBLY_NESTING} deep"));
                    }
                    assemblies.push_back((nested, nesting + 1));
                }
                // Asset manifests, the construct tree, nested stacks' assets: nothing to replay.
                _ => {}
            }
        }
    }
    if stacks.is_empty() {
        return Err(format!("{}: the cloud assembly holds no CloudFormation stack", folder.display()));
    }
    Ok(stacks)
}

/// A manifest's relative path, refused when it would leave the assembly's folder.
fn inside(folder: &Path, relative: &str) -> Result<PathBuf, String> {
    let path = Path::new(relative);
    if relative.is_empty() || !path.components().all(|c| matches!(c, Component::Normal(_) | Component::CurDir)) {
        return Err(format!("{relative:?} is not a path inside the assembly"));
    }
    Ok(folder.join(path))
}

/// The stack's deployment: its environment (`aws://ACCOUNT/REGION`) where CDK pinned one,
/// else the account and region given to trailwatch.
fn environment(environment: Option<&Value>, given: &Deployment, stack_name: &str) -> Deployment {
    let mut deployment = Deployment { stack_name: stack_name.to_string(), ..given.clone() };
    let pinned = environment.and_then(Value::as_str).and_then(|e| e.strip_prefix("aws://"));
    if let Some((account, region)) = pinned.and_then(|e| e.split_once('/')) {
        if !account.is_empty() && !account.starts_with("unknown-") {
            deployment.account_id = account.to_string();
        }
        if !region.is_empty() && !region.starts_with("unknown-") {
            deployment.region = region.to_string();
        }
    }
    deployment
}
