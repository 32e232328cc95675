//! Any text as configuration: a CloudFormation template (JSON or YAML), describe-* JSON,
//! `terraform show -json` output or Terraform HCL through `config::parse`, and, split at the
//! first `\n---8<---\n`, a cloud assembly's `manifest.json` and a stack template read through
//! `config::load_all`: loading never panics, and what loads compiles or is refused with a
//! message.
#![no_main]

use libfuzzer_sys::fuzz_target;
use trailwatch::config::{self, Deployment, LoadOptions};
use trailwatch::metric::FilterBank;

fn check(configuration: &config::Configuration) {
    let _ = FilterBank::new(&configuration.filters);
    for alarm in &configuration.alarms {
        let _ = alarm.validate();
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(configuration) = config::parse(text, &Deployment::default()) {
        check(&configuration);
    }
    if let Some((manifest, template)) = text.split_once("\n---8<---\n") {
        let folder = std::env::temp_dir().join(format!("trailwatch-fuzz-assembly-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&folder);
        if std::fs::write(folder.join("manifest.json"), manifest).is_ok()
            && std::fs::write(folder.join("A.template.json"), template).is_ok()
        {
            if let Ok(configuration) = config::load_all(&[folder], &LoadOptions::default()) {
                check(&configuration);
            }
        }
    }
});
