//! Any text as a CloudFormation template (JSON or YAML) or describe-* JSON: loading never
//! panics, and what loads compiles or is refused with a message.
#![no_main]

use libfuzzer_sys::fuzz_target;
use trailwatch::config::{self, Deployment};
use trailwatch::metric::FilterBank;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(configuration) = config::parse(text, &Deployment::default()) {
        let _ = FilterBank::new(&configuration.filters);
        for alarm in &configuration.alarms {
            let _ = alarm.validate();
        }
    }
});
