//! Time windows (`--start-time`, `--end-time`): the time expressions the aws CLI accepts,
//! plus relative ones (`-7d`), and the test of an event time against the window.

use super::{check_event_time, Millis, EARLIEST_EVENT_TIME, LATEST_EVENT_TIME};

/// Events from `start` to `end`, both inclusive (CloudTrail's LookupEvents: "after or at"
/// the start, "before or at" the end); an open side is unbounded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TimeWindow {
    pub start: Option<Millis>,
    pub end: Option<Millis>,
}

impl TimeWindow {
    /// Builds a window, refusing one that ends before it starts.
    pub fn new(start: Option<Millis>, end: Option<Millis>) -> Result<TimeWindow, String> {
        if let (Some(s), Some(e)) = (start, end) {
            if e < s {
                return Err(format!(
                    "--end-time {} is before --start-time {}: the window would be empty",
                    iso(e),
                    iso(s)
                ));
            }
        }
        Ok(TimeWindow { start, end })
    }

    pub fn is_open(&self) -> bool {
        self.start.is_none() && self.end.is_none()
    }

    pub fn contains(&self, t: Millis) -> bool {
        self.start.is_none_or(|s| t >= s) && self.end.is_none_or(|e| t <= e)
    }

    /// Whether some time in `[from, until)` lies in the window.
    pub fn overlaps(&self, from: Millis, until: Millis) -> bool {
        self.start.is_none_or(|s| until > s) && self.end.is_none_or(|e| from <= e)
    }
}

/// The largest relative offset (`-N<unit>`): 10,000 years, in seconds, so that the
/// multiplication below cannot overflow and the result is then range-checked as a time.
const MAX_RELATIVE_SECONDS: i64 = 10_000 * 366 * 86_400;

/// Parses a time expression, as `--start-time` and `--end-time` take it:
///
/// - ISO 8601 with a zone (`2026-03-01T09:00:00Z`, `2026-03-01T10:00:00+01:00`, with or
///   without a fraction), or without one (`2026-03-01T09:00`, `2026-03-01 09:00:00`), read
///   as UTC;
/// - a date (`2026-03-01`): its midnight, UTC;
/// - epoch seconds (`1772355600`, as the aws CLI accepts them);
/// - relative to `now`: `now`, `-7d`, `-12h`, `-30m`, `-90s`, `-2w` (and `+` forms).
///
/// The result must be an event time (1970 to 9999).
pub fn parse_time_expression(text: &str, now: Millis) -> Result<Millis, String> {
    let text = text.trim();
    let help = "a time like 2026-03-01T09:00:00Z, a date like 2026-03-01, epoch seconds, or a relative time like -7d, -12h, -30m (or now)";
    if text.is_empty() {
        return Err(format!("an empty time: give {help}"));
    }
    let parsed = if text.eq_ignore_ascii_case("now") {
        Some(now)
    } else if let Some(offset) = relative(text) {
        let seconds = offset.map_err(|e| format!("{text:?}: {e}"))?;
        now.checked_add(seconds * 1000)
    } else if text.bytes().all(|b| b.is_ascii_digit()) {
        let seconds: i64 = text.parse().map_err(|_| format!("{text:?} is too large for epoch seconds"))?;
        seconds.checked_mul(1000)
    } else {
        absolute(text)
    };
    let millis = parsed.ok_or_else(|| format!("{text:?} is not {help}"))?;
    check_event_time(millis).map_err(|e| format!("{text:?}: {e}"))
}

/// `-7d` and the like: `None` when `text` is not of that shape.
fn relative(text: &str) -> Option<Result<i64, String>> {
    let sign = match text.as_bytes().first()? {
        b'-' => -1,
        b'+' => 1,
        _ => return None,
    };
    let body = &text[1..];
    let split = body.find(|c: char| !c.is_ascii_digit())?;
    let (digits, unit) = body.split_at(split);
    let scale = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        "w" => 604_800,
        _ => return None,
    };
    if digits.is_empty() {
        return None;
    }
    let amount = match digits.parse::<i64>() {
        Ok(n) => n,
        Err(_) => return Some(Err("the number is too large".to_string())),
    };
    Some(
        amount
            .checked_mul(scale)
            .filter(|s| *s <= MAX_RELATIVE_SECONDS)
            .map(|s| sign * s)
            .ok_or_else(|| "the offset is too large (at most 10,000 years)".to_string()),
    )
}

fn absolute(text: &str) -> Option<Millis> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(text) {
        return Some(t.timestamp_millis());
    }
    // RFC 3339 also allows a space for the `T`; the zone may be written `+0100`.
    for format in ["%Y-%m-%d %H:%M:%S%.f%:z", "%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%.f%z"] {
        if let Ok(t) = chrono::DateTime::parse_from_str(text, format) {
            return Some(t.timestamp_millis());
        }
    }
    let trimmed = text.strip_suffix('Z').unwrap_or(text);
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"] {
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(trimmed, format) {
            return Some(t.and_utc().timestamp_millis());
        }
    }
    let date = chrono::NaiveDate::parse_from_str(trimmed, "%Y-%m-%d").ok()?;
    Some(date.and_hms_opt(0, 0, 0)?.and_utc().timestamp_millis())
}

/// `t` as ISO 8601 UTC, to the second (milliseconds when there are any).
pub fn iso(t: Millis) -> String {
    match chrono::DateTime::from_timestamp_millis(t) {
        Some(time) if t % 1000 == 0 => time.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        Some(time) => time.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        None => format!("{t} ms"),
    }
}

/// The current time, clamped into the event-time range.
pub fn now() -> Millis {
    chrono::Utc::now().timestamp_millis().clamp(EARLIEST_EVENT_TIME, LATEST_EVENT_TIME)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Millis = 1_772_355_600_000; // 2026-03-01T09:00:00Z

    fn parse(text: &str) -> Result<Millis, String> {
        parse_time_expression(text, NOW)
    }

    #[test]
    fn absolute_forms() {
        assert_eq!(parse("2026-03-01T09:00:00Z"), Ok(NOW));
        assert_eq!(parse("2026-03-01T09:00:00.250Z"), Ok(NOW + 250));
        assert_eq!(parse("2026-03-01T10:00:00+01:00"), Ok(NOW));
        assert_eq!(parse("2026-03-01T10:00:00+0100"), Ok(NOW));
        assert_eq!(parse("2026-03-01T09:00:00"), Ok(NOW));
        assert_eq!(parse("2026-03-01 09:00"), Ok(NOW));
        assert_eq!(parse("2026-03-01T09:00"), Ok(NOW));
        assert_eq!(parse("2026-03-01"), Ok(NOW - 9 * 3_600_000));
        assert_eq!(parse("1772355600"), Ok(NOW));
        assert_eq!(parse(" now "), Ok(NOW));
    }

    #[test]
    fn relative_forms() {
        assert_eq!(parse("-7d"), Ok(NOW - 7 * 86_400_000));
        assert_eq!(parse("-12h"), Ok(NOW - 12 * 3_600_000));
        assert_eq!(parse("-30m"), Ok(NOW - 1_800_000));
        assert_eq!(parse("-90s"), Ok(NOW - 90_000));
        assert_eq!(parse("-2w"), Ok(NOW - 14 * 86_400_000));
        assert_eq!(parse("+1h"), Ok(NOW + 3_600_000));
    }

    #[test]
    fn out_of_range_and_malformed_are_refused_with_a_reason() {
        for bad in [
            "",
            "-",
            "-d",
            "-7x",
            "--7d",
            "yesterday",
            "2026-13-01",
            "2026-02-30",
            "-99999999999999999999d",
            "-9999999999999d",
            "-60000y",
            "99999999999999999999",
            "-100000w",
            "1969-12-31T23:59:59Z",
            "10000-01-01",
            "253402300800",
        ] {
            let error = parse(bad).expect_err(bad);
            assert!(!error.is_empty(), "{bad}");
        }
        assert!(parse("-100000w").unwrap_err().contains("outside"));
    }

    #[test]
    fn windows_are_inclusive_and_ordered() {
        let window = TimeWindow::new(Some(10), Some(20)).expect("ordered");
        assert!(window.contains(10) && window.contains(20) && !window.contains(9) && !window.contains(21));
        assert!(
            window.overlaps(20, 30) && !window.overlaps(21, 30) && window.overlaps(0, 11) && !window.overlaps(0, 10)
        );
        assert!(TimeWindow::new(Some(20), Some(10)).is_err());
        assert!(TimeWindow::default().contains(i64::MIN));
    }
}
