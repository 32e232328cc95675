//! `trailwatch lookup-events`: `aws cloudtrail lookup-events` over archives.

use std::path::PathBuf;

use trailwatch::lookup::{self, LookupError, Paging, Query};
use trailwatch::source::ReadOptions;

use super::archive::ArchiveArgs;
use super::output::{Terminal, EXIT_ERROR};
use super::{EXIT_SERVICE_ERROR, EXIT_USAGE};

const EXIT_FOUND: i32 = 0;
const EXIT_NONE: i32 = 1;

/// Look up management events in archived trails, as `aws cloudtrail lookup-events` (the
/// console's Event history) does, over any span of time: the same flags, the same JSON,
/// newest first, paged with --max-items and the NextToken it prints.
///
/// Inputs: trail folders or files (as replay reads them), or s3://BUCKET/PREFIX; data
/// events are not in Event history and are left out. Every repeat of an eventID is shown
/// once. Username and Resources are derived from each record as docs/semantics.md says.
///
/// Exit status: 0 when an event was printed, 1 when none matched, 2 when an input could not
/// be read (or a bound was hit), 252 for a command line the aws CLI would refuse, 254 for
/// a request the service would refuse (with its error).
///
/// Examples (the console's Event history filters):
///   trailwatch lookup-events --lookup-attributes AttributeKey=Username,AttributeValue=alice AWSLogs/
///   trailwatch lookup-events --lookup-attributes AttributeKey=ResourceType,AttributeValue=AWS::S3::Bucket AWSLogs/
///   trailwatch lookup-events --lookup-attributes AttributeKey=ResourceName,AttributeValue=i-0abc AWSLogs/
///   trailwatch lookup-events --start-time 2026-03-01 --end-time 2026-03-02 --max-items 50 s3://trail-bucket/AWSLogs/
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Trail folders or files, or s3://BUCKET/PREFIX (default: standard input).
    inputs: Vec<PathBuf>,

    /// One attribute to match exactly: AttributeKey=KEY,AttributeValue=VALUE (or the JSON
    /// form). KEY: EventId, EventName, ReadOnly, Username, ResourceType, ResourceName,
    /// EventSource, AccessKeyId.
    #[arg(long, value_name = "ATTRIBUTE")]
    lookup_attributes: Vec<String>,

    /// Print at most this many events, then a NextToken to continue from.
    #[arg(long, value_name = "N")]
    max_items: Option<usize>,

    /// Continue after the events a previous page printed (its NextToken).
    #[arg(long, value_name = "TOKEN")]
    starting_token: Option<String>,

    /// Accepted as the aws CLI accepts it (the page size of the API calls); no effect here.
    #[arg(long, value_name = "N")]
    page_size: Option<u32>,

    /// `insight` looks up CloudTrail Insights events instead of management events.
    #[arg(long, value_name = "CATEGORY", value_parser = ["insight"])]
    event_category: Option<String>,

    /// The region whose Event history to look up (LookupEvents is regional): only that
    /// region's part of the archive is read; it is also the bucket's region unless
    /// --s3-region says otherwise.
    #[arg(long, value_name = "REGION")]
    region: Option<String>,

    /// Only `json` (the aws CLI's default output).
    #[arg(long, default_value = "json", value_parser = ["json"])]
    output: String,

    #[command(flatten)]
    archive: ArchiveArgs,
}

pub fn run(args: Args, term: &mut Terminal) -> i32 {
    let mut attributes = Vec::new();
    for text in &args.lookup_attributes {
        match lookup::parse_lookup_attributes(text) {
            Ok(parsed) => attributes.extend(parsed),
            Err(message) => {
                term.note(message);
                return EXIT_USAGE;
            }
        }
    }
    let query = match Query::new(attributes, args.event_category.is_some()) {
        Ok(query) => query,
        Err(error) => {
            term.eprint(format_args!("\n{}\n", error.render()));
            return EXIT_SERVICE_ERROR;
        }
    };
    let mut archive = args.archive.clone();
    if let Some(region) = &args.region {
        archive.trail_regions.push(region.clone());
        archive.s3_region = archive.s3_region.or(Some(region.clone()));
    }
    let mut options = ReadOptions { require_timestamp: true, stop: term.stop(), ..ReadOptions::default() };
    if let Err(message) = archive.apply(&mut options) {
        term.note(message);
        return EXIT_USAGE;
    }
    // Event history holds each event once.
    options.selection.dedupe = true;
    let paging = Paging { max_items: args.max_items, starting_token: args.starting_token.clone() };
    let found = match lookup::lookup(&args.inputs, &options, &query, &paging) {
        Ok(found) => found,
        Err(LookupError::Service(error)) => {
            term.eprint(format_args!("\n{}\n", error.render()));
            return EXIT_SERVICE_ERROR;
        }
        Err(LookupError::TooMany(message)) => {
            term.note(message);
            return EXIT_ERROR;
        }
    };
    term.println(lookup::render(&found));
    term.flush();
    for rejection in &found.rejections {
        term.note(format_args!("rejected {rejection}"));
    }
    if found.rejected > found.rejections.len() as u64 {
        term.note(format_args!("... and {} more rejected", found.rejected - found.rejections.len() as u64));
    }
    if found.files.unreadable > 0 {
        term.note(format_args!("{} input(s) could not be read", found.files.unreadable));
        return EXIT_ERROR;
    }
    if found.events.is_empty() {
        EXIT_NONE
    } else {
        EXIT_FOUND
    }
}
