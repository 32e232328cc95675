//! CloudTrail's S3 key layout, read so that a selection (a time window, accounts,
//! regions) can pass over folders and files before anything in them is read:
//!
//! `AWSLogs/[o-ORGID/]ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/ACCOUNT_CloudTrail_REGION_YYYYMMDDTHHmmZ_UNIQUE.json.gz`
//!
//! The date folders and the time in the name are when the file was *delivered*; AWS
//! documents that "a log file delivered at a specific time can contain records written at
//! any point before that time" and that CloudTrail delivers "within an average of about 5
//! minutes of an API call", without a guarantee. So a file may hold records up to
//! [`DELIVERED_AFTER_EVENT`] older than its delivery time (a margin, see
//! docs/semantics.md), and the records themselves are then filtered by eventTime.

use super::window::TimeWindow;
use super::Millis;

const MINUTE: Millis = 60_000;

/// How much older than its file's delivery time a record may be and still be found: one
/// day. Delivery takes about 5 minutes on average but is not guaranteed; a day covers
/// delayed deliveries at the cost of reading one more day of files at the window's end.
pub const DELIVERED_AFTER_EVENT: Millis = 24 * 60 * MINUTE;

/// How much newer than the (minute of the) delivery time a record may be: the name is cut
/// to the minute, and five minutes more absorb clock differences between services.
pub const DELIVERED_BEFORE_EVENT: Millis = 6 * MINUTE;

/// What a key (or a folder's prefix) says about the files under it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KeyFacts<'a> {
    pub organization: Option<&'a str>,
    pub account: Option<&'a str>,
    pub region: Option<&'a str>,
    /// The delivery times the files under it can have, `[from, until)`.
    pub delivered: Option<(Millis, Millis)>,
}

/// Reads the layout from a key's or path's components (`/`-separated parts). `is_file`
/// when the last component is a file's name rather than a folder's.
pub fn key_facts<'a>(components: &[&'a str], is_file: bool) -> KeyFacts<'a> {
    let mut facts = KeyFacts::default();
    let folders = if is_file && !components.is_empty() { &components[..components.len() - 1] } else { components };
    if let Some(root) = folders.iter().rposition(|c| *c == "AWSLogs") {
        let mut rest = &folders[root + 1..];
        if let Some(org) = rest.first().filter(|c| is_organization(c)) {
            facts.organization = Some(org);
            rest = &rest[1..];
        }
        if let Some(account) = rest.first().filter(|c| is_account(c)) {
            facts.account = Some(account);
            if rest.get(1) == Some(&"CloudTrail") {
                facts.region = rest.get(2).copied().filter(|r| is_region(r));
                facts.delivered = date_folders(&rest[(3).min(rest.len())..]);
            }
        }
    }
    if is_file {
        if let Some(name) = components.last().and_then(|n| file_facts(n)) {
            facts.account = Some(name.0);
            facts.region = Some(name.1);
            facts.delivered = Some((name.2, name.2 + MINUTE));
        }
    }
    facts
}

/// `ACCOUNT_CloudTrail_REGION_YYYYMMDDTHHmmZ_UNIQUE...`: account, region, delivery minute.
fn file_facts(name: &str) -> Option<(&str, &str, Millis)> {
    let mut parts = name.splitn(5, '_');
    let account = parts.next().filter(|a| is_account(a))?;
    parts.next().filter(|p| *p == "CloudTrail")?;
    let region = parts.next().filter(|r| is_region(r))?;
    let stamp = parts.next()?;
    parts.next()?;
    let time = chrono::NaiveDateTime::parse_from_str(stamp, "%Y%m%dT%H%MZ").ok()?;
    Some((account, region, time.and_utc().timestamp_millis()))
}

/// `YYYY[/MM[/DD]]` folders as the span of delivery times they hold.
fn date_folders(parts: &[&str]) -> Option<(Millis, Millis)> {
    let number = |i: usize, digits: usize| -> Option<u32> {
        parts.get(i).filter(|p| p.len() == digits && p.bytes().all(|b| b.is_ascii_digit()))?.parse().ok()
    };
    let year = i32::try_from(number(0, 4)?).ok()?;
    let day_start = |y: i32, m: u32, d: u32| {
        chrono::NaiveDate::from_ymd_opt(y, m, d)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| t.and_utc().timestamp_millis())
    };
    let Some(month) = number(1, 2) else {
        return Some((day_start(year, 1, 1)?, day_start(year + 1, 1, 1)?));
    };
    let Some(day) = number(2, 2) else {
        let (next_year, next_month) = if month == 12 { (year + 1, 1) } else { (year, month + 1) };
        return Some((day_start(year, month, 1)?, day_start(next_year, next_month, 1)?));
    };
    let start = day_start(year, month, day)?;
    Some((start, start + 24 * 60 * MINUTE))
}

fn is_account(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

fn is_organization(text: &str) -> bool {
    text.strip_prefix("o-").is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric()))
}

fn is_region(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Which part of an archive to read: a time window, and accounts and regions by layout.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selection {
    pub window: TimeWindow,
    /// Accounts to read (none: all).
    pub accounts: Vec<String>,
    /// Regions to read (none: all).
    pub regions: Vec<String>,
    /// Drop a record whose eventID was already read (they are always counted).
    pub dedupe: bool,
}

impl Selection {
    /// Whether the layout lets nothing be passed over.
    pub fn takes_every_key(&self) -> bool {
        self.window.is_open() && self.accounts.is_empty() && self.regions.is_empty()
    }

    /// Whether files with these facts can hold selected records.
    pub fn admits(&self, facts: &KeyFacts) -> bool {
        let listed = |wanted: &[String], found: Option<&str>| {
            wanted.is_empty() || found.is_none_or(|f| wanted.iter().any(|w| w == f))
        };
        listed(&self.accounts, facts.account)
            && listed(&self.regions, facts.region)
            && facts.delivered.is_none_or(|(from, until)| {
                self.window
                    .overlaps(from.saturating_sub(DELIVERED_AFTER_EVENT), until.saturating_add(DELIVERED_BEFORE_EVENT))
            })
    }

    /// [`Selection::admits`] for a `/`-separated key or path.
    pub fn admits_key(&self, key: &str, is_file: bool) -> bool {
        if self.takes_every_key() {
            return true;
        }
        let components: Vec<&str> = key.split(['/', std::path::MAIN_SEPARATOR]).filter(|c| !c.is_empty()).collect();
        self.admits(&key_facts(&components, is_file))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::window::parse_time_expression;

    fn at(text: &str) -> Millis {
        parse_time_expression(text, 0).expect("a time")
    }

    fn window(start: &str, end: &str) -> Selection {
        Selection { window: TimeWindow::new(Some(at(start)), Some(at(end))).expect("ordered"), ..Selection::default() }
    }

    const KEY: &str = "AWSLogs/o-a1b2c3d4e5/111122223333/CloudTrail/us-east-2/2015/08/01/111122223333_CloudTrail_us-east-2_20150801T0210Z_Mu0KsOhtH1ar15ZZ.json.gz";

    #[test]
    fn an_organization_key_gives_every_fact() {
        let parts: Vec<&str> = KEY.split('/').collect();
        let facts = key_facts(&parts, true);
        assert_eq!(facts.organization, Some("o-a1b2c3d4e5"));
        assert_eq!(facts.account, Some("111122223333"));
        assert_eq!(facts.region, Some("us-east-2"));
        assert_eq!(facts.delivered, Some((at("2015-08-01T02:10:00Z"), at("2015-08-01T02:11:00Z"))));
        let folder = key_facts(&parts[..6], false);
        assert_eq!(folder.delivered, Some((at("2015-01-01"), at("2016-01-01"))));
        let month = key_facts(&parts[..7], false);
        assert_eq!(month.delivered, Some((at("2015-08-01"), at("2015-09-01"))));
        let december = key_facts(&["AWSLogs", "111122223333", "CloudTrail", "eu-west-1", "2015", "12"], false);
        assert_eq!(december.delivered, Some((at("2015-12-01"), at("2016-01-01"))));
    }

    #[test]
    fn windows_prune_by_delivery_time_with_the_margin() {
        // Delivered 02:10: records up to a day older can be inside it.
        assert!(window("2015-08-01T02:00:00Z", "2015-08-01T03:00:00Z").admits_key(KEY, true));
        assert!(window("2015-07-31T03:00:00Z", "2015-07-31T04:00:00Z").admits_key(KEY, true));
        assert!(!window("2015-07-31T01:00:00Z", "2015-07-31T02:00:00Z").admits_key(KEY, true));
        // Nothing newer than its delivery (plus the margin for the minute and clocks).
        assert!(window("2015-08-01T02:15:00Z", "2015-08-01T03:00:00Z").admits_key(KEY, true));
        assert!(!window("2015-08-01T02:20:00Z", "2015-08-01T03:00:00Z").admits_key(KEY, true));
        // Folders: a whole other year or day is passed over.
        let march = window("2026-03-01", "2026-03-31T23:59:59Z");
        assert!(!march.admits_key("AWSLogs/111122223333/CloudTrail/us-east-1/2025", false));
        assert!(march.admits_key("AWSLogs/111122223333/CloudTrail/us-east-1/2026", false));
        assert!(!march.admits_key("AWSLogs/111122223333/CloudTrail/us-east-1/2026/02/27", false));
        assert!(march.admits_key("AWSLogs/111122223333/CloudTrail/us-east-1/2026/02/28", false));
        assert!(march.admits_key("AWSLogs/111122223333/CloudTrail/us-east-1/2026/04/01", false));
        assert!(!march.admits_key("AWSLogs/111122223333/CloudTrail/us-east-1/2026/04/02", false));
    }

    #[test]
    fn accounts_and_regions_select_by_layout_and_unknown_layouts_are_kept() {
        let only = Selection {
            accounts: vec!["111122223333".into()],
            regions: vec!["us-east-2".into()],
            ..Selection::default()
        };
        assert!(only.admits_key(KEY, true));
        assert!(!only.admits_key("AWSLogs/o-a1b2c3d4e5/999988887777", false));
        assert!(!only.admits_key("AWSLogs/111122223333/CloudTrail/eu-west-1", false));
        assert!(only.admits_key("AWSLogs/111122223333/CloudTrail", false));
        assert!(only.admits_key("exports/trail.ndjson", true));
        assert!(only.admits_key("some/folder/2020/01/01/x.json", true));
        // A name in CloudTrail's form outside AWSLogs still says what it holds.
        assert!(!only.admits_key("copy/999988887777_CloudTrail_us-east-2_20150801T0210Z_x.json.gz", true));
        // Odd dates are no facts: nothing is passed over for them.
        assert!(window("2015-01-01", "2015-01-02").admits_key("AWSLogs/111122223333/CloudTrail/r/2015/13/40", false));
    }
}
