//! Where each definition was read: the file, the resource inside it and, where the format
//! has lines, the line, so that errors, notes and `lint` can point at it.

use std::fmt;
use std::path::PathBuf;

/// Where one filter, alarm or rule was defined.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Origin {
    /// The file read (empty for text given without one, or a built-in pack).
    pub file: PathBuf,
    /// The resource inside it: CDK's construct path (`Prod/Alerts/Alarm/Resource`), a
    /// logical id, a Terraform address (`aws_cloudwatch_metric_alarm.signin`), an index
    /// into API output (`MetricAlarms[3]`) or a pack's control.
    pub resource: String,
    /// The 1-based line where the resource is defined, when the format has lines and the
    /// definition was found in the text.
    pub line: Option<u32>,
}

impl Origin {
    pub fn new(file: impl Into<PathBuf>, resource: impl Into<String>, line: Option<u32>) -> Self {
        Origin { file: file.into(), resource: resource.into(), line }
    }
}

/// `file:line: resource`, leaving out what is unknown.
impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = self.file.display().to_string();
        match (file.is_empty(), self.line) {
            (true, _) => {}
            (false, Some(line)) => write!(f, "{file}:{line}: ")?,
            (false, None) => write!(f, "{file}: ")?,
        }
        f.write_str(&self.resource)
    }
}

/// The origins of a [`super::Configuration`]'s filters, alarms and rules, index for index.
#[derive(Clone, Debug, Default)]
pub struct Origins {
    pub filters: Vec<Origin>,
    pub alarms: Vec<Origin>,
    pub rules: Vec<Origin>,
}

/// The 1-based line where `key` is first written as a mapping key: `"key":` in JSON,
/// `key:` (or quoted) at the start of a line in YAML.
pub(super) fn key_line(text: &str, key: &str) -> Option<u32> {
    let quoted = format!("\"{key}\"");
    let mut offset = None;
    for (at, _) in text.match_indices(&quoted) {
        if text[at + quoted.len()..].trim_start().starts_with(':') {
            offset = Some(at);
            break;
        }
    }
    if offset.is_none() {
        let mut start = 0;
        for line in text.split_inclusive('\n') {
            let trimmed = line.trim_start();
            if trimmed.strip_prefix(key).is_some_and(|rest| rest.trim_start().starts_with(':'))
                || trimmed.strip_prefix(&format!("'{key}'")).is_some_and(|rest| rest.trim_start().starts_with(':'))
            {
                offset = Some(start);
                break;
            }
            start += line.len();
        }
    }
    offset.map(|at| line_of(text, at))
}

/// The 1-based line of a byte offset.
pub(super) fn line_of(text: &str, offset: usize) -> u32 {
    let before = text.get(..offset).unwrap_or(text);
    u32::try_from(memchr::memchr_iter(b'\n', before.as_bytes()).count() + 1).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_found_in_json_and_yaml_but_not_as_values() {
        let json = "{\n  \"A\": {\"Ref\": \"B\"},\n  \"B\" : {}\n}";
        assert_eq!(key_line(json, "B"), Some(3));
        assert_eq!(key_line(json, "A"), Some(2));
        let yaml = "Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n  Alarm:\n    Properties: { X: !Ref Topic }\n";
        assert_eq!(key_line(yaml, "Alarm"), Some(4));
        assert_eq!(key_line(yaml, "Missing"), None);
    }

    #[test]
    fn origins_print_what_is_known() {
        assert_eq!(Origin::new("a.json", "Alarm", Some(3)).to_string(), "a.json:3: Alarm");
        assert_eq!(Origin::new("a.json", "Alarm", None).to_string(), "a.json: Alarm");
        assert_eq!(Origin::new("", "pack cis: CIS-v3.0.0-4.1", None).to_string(), "pack cis: CIS-v3.0.0-4.1");
    }
}
