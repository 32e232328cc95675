//! `trailwatch serve`: one local process serving the test page and an AWS-compatible
//! endpoint, both thin layers over the library.
//!
//! * `POST /` with an `X-Amz-Target` header: the AWS JSON 1.1 protocol ([`wire`]), so the aws
//!   CLI, boto3 and the AWS SDKs call `TestMetricFilter` / `TestEventPattern` unchanged;
//! * `GET /`: the page (every asset embedded in the binary);
//! * `/api/...`: the page's own calls ([`page`]: a pattern tested on events; replays of
//!   files under `--root`, which is all the server ever reads ([`files`])).

pub mod files;
pub mod page;
pub mod wire;

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::alarm::Deployment;
use crate::config::{self, Configuration};
use crate::replay::{replay_with_deliveries, ReplayOptions};
use crate::rule::{Delivery, RuleBank};
use files::Root;

/// The largest request body accepted (the page may send a trail file of events).
pub const BODY_LIMIT: usize = 16 * 1024 * 1024;

const INDEX_HTML: &str = include_str!("assets/index.html");
const APP_JS: &str = include_str!("assets/app.js");
const STYLE_CSS: &str = include_str!("assets/style.css");

#[derive(Clone, Debug)]
pub struct ServeOptions {
    pub host: String,
    pub port: u16,
    /// The folder whose files the replay view may read.
    pub root: PathBuf,
}

/// What every handler shares.
struct AppState {
    root: Root,
    /// The names the page may be reached by (the Host header), against DNS rebinding.
    hosts: Vec<String>,
    replaying: AtomicBool,
    requests: AtomicU64,
}

/// True for addresses only this machine reaches.
pub fn is_loopback(host: &str) -> bool {
    host == "localhost" || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Serves until the process is stopped. `listening` is told the bound address (the port is
/// chosen by the system when 0).
pub fn serve(options: &ServeOptions, listening: impl FnOnce(SocketAddr)) -> Result<(), String> {
    let root = Root::new(&options.root)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_io()
        .build()
        .map_err(|e| format!("cannot start the server: {e}"))?;
    runtime.block_on(async {
        let address = (options.host.as_str(), options.port);
        let listener = tokio::net::TcpListener::bind(address)
            .await
            .map_err(|e| format!("cannot listen on {}:{}: {e}", options.host, options.port))?;
        let local = listener.local_addr().map_err(|e| e.to_string())?;
        let mut hosts = vec!["localhost".to_string(), "127.0.0.1".to_string(), "[::1]".to_string()];
        hosts.push(options.host.clone());
        hosts.push(local.ip().to_string());
        let state = Arc::new(AppState { root, hosts, replaying: AtomicBool::new(false), requests: AtomicU64::new(0) });
        listening(local);
        axum::serve(listener, router(state)).await.map_err(|e| format!("the server stopped: {e}"))
    })
}

fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/", get(index).post(aws))
        .route("/app.js", get(|| async { asset("text/javascript; charset=utf-8", APP_JS) }))
        .route("/style.css", get(|| async { asset("text/css; charset=utf-8", STYLE_CSS) }))
        .route("/api/test-pattern", post(api_test_pattern))
        .route("/api/test-event-pattern", post(api_test_event_pattern))
        .route("/api/files", get(api_files))
        .route("/api/replay", post(api_replay))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state)
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "no-cache")], body).into_response()
}

async fn index() -> Response {
    asset("text/html; charset=utf-8", INDEX_HTML)
}

/// The AWS JSON 1.1 endpoint.
async fn aws(State(state): State<Arc<AppState>>, headers: HeaderMap, body: Bytes) -> Response {
    let target = headers.get("x-amz-target").and_then(|v| v.to_str().ok());
    let answer = wire::dispatch(target, &body);
    let number = state.requests.fetch_add(1, Ordering::Relaxed);
    let request_id = format!("00000000-0000-4000-8000-{number:012x}");
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::BAD_REQUEST);
    let mut response = (status, answer.body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(wire::CONTENT_TYPE));
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        headers.insert("x-amzn-requestid", value);
    }
    if let Some(code) = answer.error_code.as_deref() {
        if let Ok(value) = HeaderValue::from_str(code) {
            headers.insert("x-amzn-errortype", value);
        }
    }
    response
}

fn json_response(status: StatusCode, body: &Value) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
}

fn problem(status: StatusCode, message: impl Into<String>) -> Response {
    json_response(status, &json!({ "problem": message.into() }))
}

/// The page's API answers only requests addressed to this machine by name (a page elsewhere
/// that rebinds its own name to 127.0.0.1 cannot read the root through it).
fn refuse_foreign_host(state: &AppState, headers: &HeaderMap) -> Option<Response> {
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    let name = match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    };
    if state.hosts.iter().any(|h| h.eq_ignore_ascii_case(name)) {
        None
    } else {
        Some(problem(
            StatusCode::FORBIDDEN,
            format!("this server answers its page API only as localhost, not {host:?}"),
        ))
    }
}

async fn api_test_pattern(State(state): State<Arc<AppState>>, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(response) = refuse_foreign_host(&state, &headers) {
        return response;
    }
    let request: page::TestRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(e) => return problem(StatusCode::BAD_REQUEST, format!("not a test request: {e}")),
    };
    // Matching up to MAX_EVENTS events is CPU work: off the async workers.
    match tokio::task::spawn_blocking(move || page::test_pattern(&request)).await {
        Ok(answer) => json_response(StatusCode::OK, &answer),
        Err(e) => problem(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

async fn api_test_event_pattern(State(state): State<Arc<AppState>>, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(response) = refuse_foreign_host(&state, &headers) {
        return response;
    }
    let request: page::TestRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(e) => return problem(StatusCode::BAD_REQUEST, format!("not a test request: {e}")),
    };
    match tokio::task::spawn_blocking(move || page::test_event_pattern(&request)).await {
        Ok(answer) => json_response(StatusCode::OK, &answer),
        Err(e) => problem(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

async fn api_files(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    if let Some(response) = refuse_foreign_host(&state, &headers) {
        return response;
    }
    let listed = tokio::task::spawn_blocking(move || state.root.list()).await;
    match listed {
        Ok(listed) => json_response(StatusCode::OK, &listed),
        Err(e) => problem(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

#[derive(Deserialize)]
struct ReplayRequest {
    /// Templates (paths under the root).
    #[serde(default)]
    templates: Vec<String>,
    /// Built-in packs (`cis`, `securityhub`).
    #[serde(default)]
    packs: Vec<String>,
    /// Archives: files or folders under the root.
    #[serde(default)]
    inputs: Vec<String>,
    /// The region the alarms and rules live in (rules see only its events).
    #[serde(default)]
    region: Option<String>,
}

async fn api_replay(State(state): State<Arc<AppState>>, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(response) = refuse_foreign_host(&state, &headers) {
        return response;
    }
    let request: ReplayRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(e) => return problem(StatusCode::BAD_REQUEST, format!("not a replay request: {e}")),
    };
    // One replay at a time: a replay uses every core.
    if state.replaying.swap(true, Ordering::AcqRel) {
        return problem(StatusCode::TOO_MANY_REQUESTS, "a replay is already running; try again when it ends");
    }
    let worker = Arc::clone(&state);
    let outcome = tokio::task::spawn_blocking(move || run_replay(&worker.root, &request)).await;
    state.replaying.store(false, Ordering::Release);
    match outcome {
        Ok(Ok(answer)) => json_response(StatusCode::OK, &answer),
        Ok(Err(message)) => problem(StatusCode::BAD_REQUEST, message),
        Err(e) => problem(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

/// The most rule deliveries one replay lists on the page, and the most bytes they take
/// (a target may receive a whole 256 KB event); all are counted.
pub const PAGE_DELIVERIES: usize = 1000;
pub const PAGE_DELIVERY_BYTES: usize = 4 * 1024 * 1024;

/// A region name as AWS spells one (`us-east-1`, `us-gov-west-1`), or a clear refusal.
fn region_name(region: Option<&str>) -> Result<String, String> {
    let region = region.map(str::trim).filter(|r| !r.is_empty()).unwrap_or("us-east-1");
    let valid = region.len() <= 32
        && region.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && region.bytes().any(|b| b.is_ascii_lowercase());
    if valid {
        Ok(region.to_string())
    } else {
        Err(format!("{region:?} is not a region name: write one like us-east-1 or eu-west-2"))
    }
}

fn run_replay(root: &Root, request: &ReplayRequest) -> Result<Value, String> {
    let deployment = config::Deployment { region: region_name(request.region.as_deref())?, ..Default::default() };
    let mut configuration = Configuration::default();
    for template in &request.templates {
        configuration.extend(config::load(&root.resolve_input(template)?, &deployment)?);
    }
    for pack in &request.packs {
        configuration.extend(config::pack(pack)?);
    }
    configuration.attach_targets()?;
    if configuration.is_empty() {
        return Err("choose a template or a pack with metric filters and alarms or EventBridge rules".into());
    }
    if request.inputs.is_empty() {
        return Err("choose an archive (a trail file or folder) to replay".into());
    }
    let inputs = request.inputs.iter().map(|input| root.resolve_input(input)).collect::<Result<Vec<_>, _>>()?;
    // The first deliveries as the `--format json` lines give them; the rest only counted.
    let mut deliveries = Vec::new();
    let (mut delivered, mut bytes): (u64, usize) = (0, 0);
    let mut keep = |bank: &RuleBank, made: &[Delivery]| {
        delivered += made.len() as u64;
        for delivery in made {
            if deliveries.len() >= PAGE_DELIVERIES || bytes >= PAGE_DELIVERY_BYTES {
                break;
            }
            let line = bank.delivery_line(delivery);
            bytes += line.len();
            let line: Value = serde_json::from_str(&line).unwrap_or_default();
            deliveries.push(line["Delivery"].clone());
        }
    };
    let result = replay_with_deliveries(&configuration, &inputs, &ReplayOptions::default(), &mut |_| {}, &mut keep)?;
    let first = result.span.map_or(0, |(first, _)| first);
    let alarm_deployment = Deployment {
        account_id: deployment.account_id.clone(),
        region: deployment.region.clone(),
        configured_at: first,
    };
    let mut answer = crate::report::replay_json(&result, &alarm_deployment);
    answer["notes"] = json!(configuration.notes);
    answer["deliveries"] = json!(deliveries);
    answer["deliveriesTotal"] = json!(delivered);
    Ok(answer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replay_regions_are_aws_region_names() {
        assert_eq!(region_name(None).unwrap(), "us-east-1");
        assert_eq!(region_name(Some("  ")).unwrap(), "us-east-1");
        assert_eq!(region_name(Some("sa-east-1")).unwrap(), "sa-east-1");
        for bad in ["US-EAST-1", "us east 1", "../x", "123", &"a".repeat(33)] {
            assert!(region_name(Some(bad)).unwrap_err().contains("not a region name"), "{bad}");
        }
    }
}
