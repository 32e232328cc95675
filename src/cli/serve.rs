//! `trailwatch serve`: the test page and an AWS-compatible endpoint on this machine.

use std::path::PathBuf;

use trailwatch::serve::{is_loopback, serve, ServeOptions};

use super::output::{Terminal, EXIT_ERROR};

/// Serve the test page and an AWS-compatible endpoint (TestMetricFilter, TestEventPattern).
///
/// The page (http://HOST:PORT/) tests patterns as you type, on events pasted or loaded from
/// a file, with matches, extracted values and the explanation; its replay view runs a
/// template over an archive under --root and charts every alarm.
///
/// The same address speaks the AWS JSON 1.1 protocol, so the aws CLI and the SDKs call it
/// unchanged (signatures are accepted without checking; any credentials do):
///   aws logs test-metric-filter --endpoint-url http://127.0.0.1:8080 \
///       --filter-pattern '{ $.eventName = ConsoleLogin }' --log-event-messages '{"eventName":"ConsoleLogin"}'
///   boto3.client("logs", endpoint_url="http://127.0.0.1:8080").test_metric_filter(...)
///
/// Binds to loopback by default; any other --host is reachable from the network, and the
/// server warns. Request bodies are limited to 16 MiB. The server runs until stopped (Ctrl-C).
///
/// Examples:
///   trailwatch serve
///   trailwatch serve --port 9000 --root ~/trails
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The TCP port (0: any free port, printed at start).
    #[arg(long, default_value_t = 8080)]
    port: u16,

    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,

    /// The folder whose templates and archives the replay view may read (nothing outside
    /// it is ever read).
    #[arg(long, value_name = "DIR", default_value = ".")]
    root: PathBuf,
}

pub fn run(args: Args, term: &mut Terminal) -> i32 {
    if !is_loopback(&args.host) {
        term.note(format_args!(
            "warning: listening on {}, which other machines may reach; the page and the endpoint have no authentication",
            args.host
        ));
    }
    let options = ServeOptions { host: args.host, port: args.port, root: args.root };
    let served = serve(&options, |address| {
        term.println(format_args!(
            "trailwatch: serving http://{address}/ (the page, and the AWS endpoint at the same URL)"
        ));
        term.flush();
    });
    match served {
        Ok(()) => 0,
        Err(message) => {
            term.note(message);
            EXIT_ERROR
        }
    }
}
