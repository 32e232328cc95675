//! The text report's rules: each rule with its counts, its deliveries' first and last time,
//! and a few of them as examples.

use std::fmt::Write;

use super::utc;
use crate::replay::ReplayResult;
use crate::rule::body_value;

/// Longest example body shown; longer ones are cut (the full ones are in `--deliveries-out`).
const EXAMPLE_CHARS: usize = 160;

pub(super) fn write_rules(result: &ReplayResult, out: &mut String) {
    if result.rules.is_empty() {
        return;
    }
    let region = result.rules.first().and_then(|(r, _)| r.arn.split(':').nth(3)).unwrap_or_default();
    let _ = writeln!(out, "\nRules (each receives only its own region's events: {region}; see --region)");
    for (rule, tally) in &result.rules {
        let targets: Vec<&str> = rule.targets.iter().map(|t| t.arn.as_str()).collect();
        let targets = if targets.is_empty() { "no targets".to_string() } else { targets.join(", ") };
        let _ = writeln!(out, "  {} ({}, bus {})  ->  {targets}", rule.name, rule.state, rule.event_bus_name);
        let reasons: Vec<String> = [(tally.other_region, "from other regions"), (tally.read_only, "read-only calls")]
            .iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, why)| format!("{n} {why}"))
            .collect();
        let reasons = if reasons.is_empty() { String::new() } else { format!(" ({})", reasons.join(", ")) };
        let _ = write!(
            out,
            "    matched {}, not matched {}, not received {}{reasons}; {} deliver{}",
            tally.matched,
            tally.not_matched,
            tally.not_received,
            tally.delivered,
            if tally.delivered == 1 { "y" } else { "ies" }
        );
        if tally.undelivered > 0 {
            let _ = write!(out, " ({} match(es) a target received nothing for)", tally.undelivered);
        }
        if let (Some(first), Some(last)) = (tally.first, tally.last) {
            let _ = write!(out, ", first {} UTC, last {} UTC", utc(first), utc(last));
        }
        let _ = writeln!(out);
        for example in &tally.examples {
            let target = rule.targets.get(example.target).map_or("", |t| t.id.as_str());
            let mut body = body_value(&example.body).to_string();
            if body.chars().count() > EXAMPLE_CHARS {
                body = body.chars().take(EXAMPLE_CHARS).collect::<String>() + "...";
            }
            let _ = writeln!(out, "      {}  {target}  {body}", utc(example.time));
        }
    }
}
