//! The flags shared by the commands that read archives (`replay`, `filter`,
//! `lookup-events`): the time window, the parts of an organization's bucket, repeats, and
//! how `s3://` inputs are reached (the aws CLI's global options).

use std::time::Duration;

use trailwatch::source::{parse_time_expression, ReadOptions, S3Options, Selection, TimeWindow, S3_DEFAULT_TIMEOUT};

#[derive(clap::Args, Clone, Debug, Default)]
pub struct ArchiveArgs {
    /// Only events at or after this time: ISO 8601 (2026-03-01T09:00:00Z; no zone means
    /// UTC), a date (2026-03-01, its midnight UTC), epoch seconds, or relative to now
    /// (-7d, -12h, -30m, now). Trail files delivered long before it are not read.
    #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
    pub start_time: Option<String>,

    /// Only events at or before this time (same forms as --start-time; a date means its
    /// midnight, as the aws CLI reads it).
    #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
    pub end_time: Option<String>,

    /// Only this account's part of the archive (AWSLogs/[o-ORG/]ACCOUNT/...), by layout.
    /// Repeatable; commas separate several.
    #[arg(long = "account", value_name = "ID", value_delimiter = ',')]
    pub accounts: Vec<String>,

    /// Only this region's part of the archive (.../CloudTrail/REGION/...), by layout.
    /// Repeatable; commas separate several.
    #[arg(long = "trail-region", value_name = "REGION", value_delimiter = ',')]
    pub trail_regions: Vec<String>,

    /// Drop a record whose eventID was already read (repeats are always counted).
    #[arg(long)]
    pub dedupe: bool,

    /// For s3:// inputs: the named profile of the shared config and credentials files
    /// (SSO and assume-role profiles included; default: AWS_PROFILE, then `default`).
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,

    /// For s3:// inputs: an S3-compatible endpoint (addressed path-style); default:
    /// AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, the profile's endpoint_url, then AWS.
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,

    /// For s3:// inputs: send anonymous requests (public buckets).
    #[arg(long)]
    pub no_sign_request: bool,

    /// For s3:// inputs: the bucket's region (default: AWS_REGION, AWS_DEFAULT_REGION,
    /// the profile's region, then us-east-1).
    #[arg(long, value_name = "REGION")]
    pub s3_region: Option<String>,

    /// For s3:// inputs: the longest wait for a connection, in seconds (0: no limit; as the
    /// aws CLI, default 60). A request that times out is retried.
    #[arg(long, value_name = "SECONDS")]
    pub cli_connect_timeout: Option<u64>,

    /// For s3:// inputs: the longest wait for an answer to begin, in seconds (0: no limit;
    /// as the aws CLI, default 60). A request that times out is retried.
    #[arg(long, value_name = "SECONDS")]
    pub cli_read_timeout: Option<u64>,
}

/// The longest `--cli-connect-timeout` / `--cli-read-timeout`: a day.
const MAX_TIMEOUT_SECONDS: u64 = 86_400;

/// A timeout flag's value: `None` for 0 (no limit), the default when not given.
fn timeout(flag: &str, seconds: Option<u64>) -> Result<Option<Duration>, String> {
    match seconds {
        None => Ok(Some(S3_DEFAULT_TIMEOUT)),
        Some(0) => Ok(None),
        Some(n) if n <= MAX_TIMEOUT_SECONDS => Ok(Some(Duration::from_secs(n))),
        Some(n) => Err(format!("{flag} {n}: at most {MAX_TIMEOUT_SECONDS} seconds (0 means no limit)")),
    }
}

/// The largest number of `--account` / `--trail-region` values.
const MAX_SELECTED: usize = 10_000;

impl ArchiveArgs {
    /// The window, checked (both ends in range, the end not before the start).
    pub fn window(&self) -> Result<TimeWindow, String> {
        let now = trailwatch::source::window::now();
        let parse = |flag: &str, text: &Option<String>| {
            text.as_deref().map(|t| parse_time_expression(t, now).map_err(|e| format!("{flag}: {e}"))).transpose()
        };
        TimeWindow::new(parse("--start-time", &self.start_time)?, parse("--end-time", &self.end_time)?)
    }

    /// Sets what to read and how to reach S3 into `options`.
    pub fn apply(&self, options: &mut ReadOptions) -> Result<(), String> {
        for account in &self.accounts {
            if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!("--account {account:?}: an account ID is 12 digits"));
            }
        }
        for region in &self.trail_regions {
            check_region("--trail-region", region)?;
        }
        if let Some(region) = &self.s3_region {
            check_region("--s3-region", region)?;
        }
        if self.accounts.len() + self.trail_regions.len() > MAX_SELECTED {
            return Err(format!("at most {MAX_SELECTED} --account and --trail-region values"));
        }
        options.selection = Selection {
            window: self.window()?,
            accounts: self.accounts.clone(),
            regions: self.trail_regions.clone(),
            dedupe: self.dedupe,
        };
        // A window needs every event's time, even where the command would not read it.
        if !options.selection.window.is_open() {
            options.read_timestamps = true;
        }
        if let Some(endpoint) = &self.endpoint_url {
            check_endpoint_url(endpoint)?;
        }
        options.s3 = S3Options {
            profile: self.profile.clone(),
            region: self.s3_region.clone(),
            endpoint_url: self.endpoint_url.clone(),
            no_sign_request: self.no_sign_request,
            connect_timeout: timeout("--cli-connect-timeout", self.cli_connect_timeout)?,
            read_timeout: timeout("--cli-read-timeout", self.cli_read_timeout)?,
        };
        Ok(())
    }
}

/// A region name: lowercase letters, digits and `-` (`us-east-1`, `us-gov-west-1`). Checked
/// before reading, as the aws CLI checks `--region`: the SDK would build a host name from it.
fn check_region(flag: &str, region: &str) -> Result<(), String> {
    if region.is_empty() || !region.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
        return Err(format!("{flag} {region:?}: a region is lowercase letters, digits and - (such as us-east-1)"));
    }
    Ok(())
}

/// Refuses an `--endpoint-url` that cannot name a server, before anything is read (as the
/// aws CLI does), instead of one failed request per `s3://` input.
fn check_endpoint_url(endpoint: &str) -> Result<(), String> {
    let shape = "it must be of the form http://HOST[:PORT] or https://HOST[:PORT]";
    let Some(rest) = endpoint.strip_prefix("http://").or_else(|| endpoint.strip_prefix("https://")) else {
        return Err(format!("--endpoint-url {endpoint:?}: the scheme is missing or not http(s); {shape}"));
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if host.is_empty() || host.starts_with(':') || !host.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(format!("--endpoint-url {endpoint:?}: no host name; {shape}"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check_endpoint_url;

    #[test]
    fn endpoint_urls_need_an_http_scheme_and_a_host() {
        for good in ["http://127.0.0.1:9000", "https://s3.example.com/", "http://[::1]:9000", "http://minio"] {
            assert_eq!(check_endpoint_url(good), Ok(()), "{good}");
        }
        for bad in [
            "",
            " ",
            "garbage",
            "127.0.0.1:9000",
            "ftp://x",
            "http://",
            "https:///bucket",
            "http://:9000",
            "http://a b",
        ] {
            let message = check_endpoint_url(bad).expect_err(bad);
            assert!(message.starts_with("--endpoint-url") && message.contains("http://HOST"), "{message}");
        }
    }
}
