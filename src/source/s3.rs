//! `s3://bucket/prefix` inputs: the objects under a prefix, listed and fetched through the
//! official AWS SDK for Rust and then read by the same readers as local files, each object
//! one unit of `source::parallel` (read on every core, merged in key order).
//!
//! - Credentials, region and endpoint resolve as the aws CLI resolves them (`aws-config`:
//!   environment, shared config and credentials files, `--profile`/`AWS_PROFILE` with SSO
//!   and assume-role, container and instance roles; `AWS_ENDPOINT_URL(_S3)`); a custom
//!   endpoint uses path-style addressing; `--no-sign-request` sends anonymous requests.
//! - The listing is paginated and streamed (never held whole); with a selection it walks
//!   the key layout folder by folder (`/` as delimiter), passing over the prefixes the
//!   selection excludes (years, days, accounts, regions) without listing them.
//! - Objects are fetched in listing order with at most [`IN_FLIGHT`] requests at once and
//!   at most [`BYTES_IN_FLIGHT`] bytes (counted as received, whatever the listing said, plus
//!   one overdraft object for the oldest fetch) held between fetching and reading; requests are
//!   retried by the SDK (throttling, 5xx, time-outs: the CLI's standard retry mode and
//!   `AWS_MAX_ATTEMPTS`), and a body cut short is fetched again, with backoff.
//! - An object that still fails is one unreadable input (its key and why), and the run
//!   goes on. Digests are skipped by key, never downloaded. SSE-S3 and SSE-KMS objects
//!   are decrypted by S3 for a caller allowed to use the key.

use super::walk::Found;
#[cfg(feature = "s3")]
use super::Skipped;
use super::{ReadOptions, Unit};

/// How many GET requests are in flight at once (fewer when the open-file limit is low). A
/// CloudTrail object is small and each GET waits tens of milliseconds for its answer (on S3,
/// and 40 ms or more on a local server without TCP_NODELAY), so the request count, not the
/// bandwidth, bounds the objects read per second: 16 gave about 400 objects/s and 64 about
/// 1,300, both below what the readers parse (s5cmd also uses 256 workers for small objects).
pub const IN_FLIGHT: usize = 256;

/// The most bytes of fetched objects held at once, in flight or waiting to be read: the
/// bound on memory when objects are large (256 in flight of a 600 KB object each would be
/// 150 MB). A single larger object takes the whole budget and is fetched alone.
pub const BYTES_IN_FLIGHT: u64 = 32 << 20;

/// The largest object read (CloudTrail's files are a few MB at most); a larger one is
/// reported as unreadable rather than held in memory.
pub const MAX_OBJECT: u64 = 256 << 20;

/// How S3 is reached: the aws CLI's global options.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct S3Options {
    /// `--profile` (else `AWS_PROFILE`, else `default`).
    pub profile: Option<String>,
    /// The client's region (else the chain: `AWS_REGION`, the profile, IMDS; else us-east-1).
    pub region: Option<String>,
    /// `--endpoint-url` (else `AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL`, the profile's).
    pub endpoint_url: Option<String>,
    /// `--no-sign-request`: anonymous requests, for public buckets.
    pub no_sign_request: bool,
    /// `--cli-connect-timeout`: the longest wait for a connection (`None`: no limit).
    pub connect_timeout: Option<std::time::Duration>,
    /// `--cli-read-timeout`: the longest wait for an answer's first byte (`None`: no limit).
    /// Without a limit, a request the server never answers holds the run forever.
    pub read_timeout: Option<std::time::Duration>,
}

/// The aws CLI's default for both of its timeouts.
pub const DEFAULT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

impl Default for S3Options {
    fn default() -> S3Options {
        S3Options {
            profile: None,
            region: None,
            endpoint_url: None,
            no_sign_request: false,
            connect_timeout: Some(DEFAULT_TIMEOUT),
            read_timeout: Some(DEFAULT_TIMEOUT),
        }
    }
}

/// An `s3://bucket/prefix` URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct S3Url {
    pub bucket: String,
    pub prefix: String,
}

impl S3Url {
    /// `None` when `text` is not an `s3://` URL; an empty bucket is kept (and refused
    /// when listed, with the reason).
    pub fn parse(text: &str) -> Option<S3Url> {
        let rest = text.strip_prefix("s3://")?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        Some(S3Url { bucket: bucket.to_string(), prefix: prefix.to_string() })
    }

    pub fn display(&self, key: &str) -> String {
        format!("s3://{}/{key}", self.bucket)
    }
}

/// An object's bytes, fetched and waiting to be read.
pub(crate) struct Fetched {
    pub name: String,
    pub bytes: Vec<u8>,
    /// Named as an input itself (read whatever its format), not found under a prefix.
    pub explicit: bool,
    /// Held (never read) until the bytes are read: the budget of [`BYTES_IN_FLIGHT`].
    pub _budget: Option<Box<dyn Send>>,
}

/// The objects under `url`, in key order, fetched ahead on a background thread.
pub(super) fn objects(url: S3Url, options: &ReadOptions) -> Box<dyn Iterator<Item = Unit> + Send> {
    #[cfg(feature = "s3")]
    {
        Box::new(client::Objects::start(url, options))
    }
    #[cfg(not(feature = "s3"))]
    {
        let _ = options;
        let reason = "this trailwatch was built without S3 support (the `s3` Cargo feature)".to_string();
        Box::new(std::iter::once(Unit::Found(Found::Unreadable { path: url.display(&url.prefix), reason })))
    }
}

#[cfg(feature = "s3")]
mod client {
    use std::sync::mpsc;
    use std::sync::Arc;
    use std::time::Duration;

    use aws_config::meta::region::RegionProviderChain;
    use aws_config::BehaviorVersion;
    use aws_sdk_s3::config::http::HttpResponse;
    use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata};
    use aws_sdk_s3::Client;
    use futures_util::Stream;
    use futures_util::StreamExt;
    use tokio::sync::{OwnedSemaphorePermit, Semaphore};

    use super::super::layout::Selection;
    use super::*;

    /// Reads of a body cut short before giving up on the object.
    const BODY_ATTEMPTS: u32 = 3;

    pub(in crate::source) struct Objects {
        receiver: Option<mpsc::Receiver<Unit>>,
        /// Free places among the units handed over but not yet taken.
        slots: Arc<Semaphore>,
        /// Told when the readers are gone, so that the run ends even while it waits for a
        /// request (which may take the read timeout and its retries: minutes).
        gone: Arc<tokio::sync::Notify>,
        /// The run's stop, watched while waiting for the next unit.
        stop: crate::source::Stop,
        worker: Option<std::thread::JoinHandle<()>>,
    }

    impl Objects {
        pub fn start(url: S3Url, options: &ReadOptions) -> Objects {
            let (sender, receiver) = mpsc::channel();
            let slots = Arc::new(Semaphore::new(IN_FLIGHT));
            let handover = Handover { sender, slots: Arc::clone(&slots) };
            let s3 = options.s3.clone();
            let selection = options.selection.clone();
            let stop = options.stop.clone();
            let stopped = stop.clone();
            let gone = Arc::new(tokio::sync::Notify::new());
            let readers_gone = Arc::clone(&gone);
            let worker = std::thread::Builder::new().name("s3-fetch".into()).spawn(move || {
                let runtime =
                    tokio::runtime::Builder::new_multi_thread().worker_threads(http_workers()).enable_all().build();
                match runtime {
                    // The run is a task of the runtime rather than this thread's own future, so
                    // that a fetch that ends wakes it on a worker, often the same one, instead
                    // of waking this thread (two thread switches per object fewer).
                    Ok(runtime) => {
                        runtime.block_on(async move {
                            let run = tokio::spawn(run(url, s3, selection, stop, handover));
                            let gone = std::pin::pin!(readers_gone.notified());
                            let _ = futures_util::future::select(run, gone).await;
                        });
                        // Requests still in flight are dropped, not awaited.
                        runtime.shutdown_background();
                    }
                    Err(e) => {
                        let reason = format!("cannot start the S3 client: {e}");
                        let unit = Unit::Found(Found::Unreadable { path: url.display(&url.prefix), reason });
                        let _ = handover.sender.send(unit);
                    }
                }
            });
            match worker {
                Ok(worker) => Objects { receiver: Some(receiver), slots, gone, stop: stopped, worker: Some(worker) },
                Err(_) => Objects { receiver: None, slots, gone, stop: stopped, worker: None },
            }
        }
    }

    impl Iterator for Objects {
        type Item = Unit;
        /// The next unit; `None` at the end, or once the run is asked to stop (a reader
        /// waiting here for an object that takes minutes must still see the stop).
        fn next(&mut self) -> Option<Unit> {
            let receiver = self.receiver.as_ref()?;
            loop {
                match receiver.recv_timeout(crate::source::Stop::POLL) {
                    Ok(unit) => {
                        self.slots.add_permits(1);
                        return Some(unit);
                    }
                    Err(mpsc::RecvTimeoutError::Timeout) if !self.stop.requested() => {}
                    Err(_) => return None,
                }
            }
        }
    }

    impl Drop for Objects {
        fn drop(&mut self) {
            // Closing the channel and the slots ends the fetching; the thread then winds down.
            self.receiver = None;
            self.slots.close();
            // A permit is kept if the run is not waiting yet, so the news is never lost.
            self.gone.notify_one();
            if let Some(worker) = self.worker.take() {
                let _ = worker.join();
            }
        }
    }

    /// Where the run hands units to the readers: a channel bounded by `slots`, whose waiting is
    /// asynchronous, so that a full channel holds back only the run, never the runtime's
    /// workers (and the fetches they drive).
    struct Handover {
        sender: mpsc::Sender<Unit>,
        slots: Arc<Semaphore>,
    }

    impl Handover {
        /// Hands `unit` over once there is room; false when the readers are gone.
        async fn send(&self, unit: Unit) -> bool {
            match self.slots.acquire().await {
                Ok(slot) => {
                    slot.forget();
                    self.sender.send(unit).is_ok()
                }
                Err(_) => false,
            }
        }
    }

    /// What the listing found, in key order.
    enum Listed {
        Object { key: String, size: u64 },
        Passed(Found),
    }

    async fn run(url: S3Url, options: S3Options, selection: Selection, stop: crate::source::Stop, handover: Handover) {
        let shown = url.display(&url.prefix);
        if url.bucket.is_empty() {
            let reason = "no bucket: write s3://BUCKET/PREFIX".to_string();
            handover.send(Unit::Found(Found::Unreadable { path: shown, reason })).await;
            return;
        }
        let client = client(&options).await;
        let (listed_sender, mut listed) = tokio::sync::mpsc::channel::<Listed>(1000);
        let lister = tokio::spawn(list(client.clone(), url.clone(), selection, listed_sender));
        let listing = futures_util::stream::poll_fn(move |cx| listed.poll_recv(cx));
        let (oldest, budget) = Budget::new(kib(BYTES_IN_FLIGHT));
        let explicit_key = url.prefix.clone();
        let mut started = 0u64;
        let start = |listed: Listed, permit: Option<OwnedSemaphorePermit>| {
            let (client, url, budget) = (client.clone(), url.clone(), budget.clone());
            let explicit = matches!(&listed, Listed::Object { key, .. } if *key == explicit_key);
            let held = Held { share: permit, overdraft: None, index: started };
            started += 1;
            tokio::spawn(async move {
                match listed {
                    Listed::Passed(found) => Unit::Found(found),
                    Listed::Object { key, size } => fetch(&client, &url, key, size, explicit, (budget, held)).await,
                }
            })
        };
        let fetched = in_listing_order(listing, in_flight(), Arc::clone(&budget.bytes), budget_share, start);
        let mut fetched = std::pin::pin!(fetched);
        let mut received = 0u64;
        while let Some(unit) = fetched.next().await {
            received += 1;
            oldest.send_replace(received);
            let unit = unit.unwrap_or_else(|e| {
                Unit::Found(Found::Unreadable { path: shown.clone(), reason: format!("the S3 fetch failed: {e}") })
            });
            if stop.requested() || !handover.send(unit).await {
                break;
            }
        }
        lister.abort();
    }

    /// Starts each of `items` in order, at most `in_flight` at once, and yields what each
    /// gives in the same order. An item's share of `budget` (`share`, `None` for none) is
    /// taken before it starts, in order. Were each task to take its own, later tasks that
    /// finished first (holding their shares while waiting for their turn) could leave too
    /// little for the oldest, and the run would wait forever: it did, on a trail with 121
    /// objects of 600 KB in a row.
    fn in_listing_order<T, O, F>(
        items: impl Stream<Item = T>,
        in_flight: usize,
        budget: Arc<Semaphore>,
        share: fn(&T) -> Option<u32>,
        mut start: F,
    ) -> impl Stream<Item = Result<O, tokio::task::JoinError>>
    where
        F: FnMut(T, Option<OwnedSemaphorePermit>) -> tokio::task::JoinHandle<O>,
    {
        items
            .then(move |item| {
                let (wanted, budget) = (share(&item), Arc::clone(&budget));
                async move {
                    let permit = match wanted {
                        // Only a closed semaphore refuses, and this one is never closed.
                        Some(permits) => budget.acquire_many_owned(permits).await.ok(),
                        None => None,
                    };
                    (item, permit)
                }
            })
            .map(move |(item, permit)| start(item, permit))
            .buffered(in_flight.max(1))
    }

    /// The byte budget (in KiB) shared by the fetches, and what lets the oldest exceed it.
    ///
    /// A fetch reserves its listed size before it starts, but the body may be larger: the
    /// object was overwritten since the listing, or the store lists no sizes (0). Each fetch
    /// grows its share before holding more bytes ([`Held::grow`]). A fetch that finds no room
    /// waits, and once it is the oldest (the one the run waits for) it may take the single
    /// overdraft instead: later fetches holding the budget cannot be handed over before it,
    /// so waiting for them would never end. At most [`BYTES_IN_FLIGHT`] plus one object of
    /// at most [`MAX_OBJECT`] are held, whatever the listing said.
    #[derive(Clone)]
    struct Budget {
        bytes: Arc<Semaphore>,
        /// The whole budget, in KiB: no share grows past it (a larger object is alone).
        whole: usize,
        overdraft: Arc<Semaphore>,
        /// The index of the oldest item not yet received by the run.
        oldest: tokio::sync::watch::Receiver<u64>,
    }

    impl Budget {
        fn new(whole: usize) -> (tokio::sync::watch::Sender<u64>, Budget) {
            let (sender, oldest) = tokio::sync::watch::channel(0);
            let overdraft = Arc::new(Semaphore::new(1));
            (sender, Budget { bytes: Arc::new(Semaphore::new(whole)), whole, overdraft, oldest })
        }
    }

    /// What one fetch holds of the [`Budget`] until its bytes are read.
    struct Held {
        share: Option<OwnedSemaphorePermit>,
        overdraft: Option<OwnedSemaphorePermit>,
        /// The fetch's place in listing order.
        index: u64,
    }

    impl Held {
        /// Makes this fetch's share cover `bytes` (at most the whole budget), waiting for room
        /// or, once the oldest, for the overdraft.
        async fn grow(&mut self, budget: &Budget, bytes: u64) {
            use futures_util::future::{select, Either};
            let wanted = kib(bytes).min(budget.whole);
            let held = self.share.as_ref().map_or(0, OwnedSemaphorePermit::num_permits);
            if self.overdraft.is_some() || wanted <= held {
                return;
            }
            let Ok(extra) = u32::try_from(wanted - held) else { return };
            let index = self.index;
            let mut oldest = budget.oldest.clone();
            let turn = std::pin::pin!(async move {
                // The run has ended when the sender is gone: nothing waits for this fetch.
                let _ = oldest.wait_for(|oldest| *oldest >= index).await;
            });
            let room = std::pin::pin!(Arc::clone(&budget.bytes).acquire_many_owned(extra));
            let room = match select(room, turn).await {
                Either::Left((room, _)) => room.ok(),
                Either::Right(((), room)) => {
                    let overdraft = std::pin::pin!(Arc::clone(&budget.overdraft).acquire_owned());
                    match select(room, overdraft).await {
                        Either::Left((room, _)) => room.ok(),
                        Either::Right((overdraft, _)) => {
                            self.overdraft = overdraft.ok();
                            None
                        }
                    }
                }
            };
            match (&mut self.share, room) {
                (Some(share), Some(room)) => share.merge(room),
                (share, room @ Some(_)) => *share = room,
                (_, None) => {}
            }
        }
    }

    /// An object's share of the byte budget, in KiB: its size, at most the whole budget (a
    /// larger object is fetched alone); none for an object too large to fetch at all.
    fn budget_share(listed: &Listed) -> Option<u32> {
        match listed {
            Listed::Object { size, .. } if *size <= MAX_OBJECT => {
                Some(u32::try_from(kib((*size).clamp(1, BYTES_IN_FLIGHT))).unwrap_or(u32::MAX))
            }
            _ => None,
        }
    }

    /// [`IN_FLIGHT`], or fewer when the process may not open that many more sockets.
    fn in_flight() -> usize {
        in_flight_within(open_file_limit(), open_files())
    }

    /// Files the process keeps besides the requests' sockets: the listing's connection, the
    /// runtime's and the readers' descriptors, a local input being read, standard streams.
    const RESERVED_FILES: u64 = 8;

    /// Each request in flight holds a socket (a closed one may linger until its task sees
    /// the end): half of what the `limit` leaves after the files already `open` and
    /// [`RESERVED_FILES`]. Half the limit alone failed at 14 to 20, where the process's own
    /// ten descriptors and the listing's socket left too few (a page of the listing, or one
    /// GET in thirteen, failed with "Too many open files").
    fn in_flight_within(limit: Option<u64>, open: u64) -> usize {
        match limit {
            Some(limit) => {
                let free = limit.saturating_sub(open).saturating_sub(RESERVED_FILES) / 2;
                IN_FLIGHT.min(usize::try_from(free).unwrap_or(usize::MAX)).max(1)
            }
            None => IN_FLIGHT,
        }
    }

    /// The soft limit on open files, where the system tells it (Linux's `/proc/self/limits`);
    /// `None` when unknown or unlimited.
    fn open_file_limit() -> Option<u64> {
        let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
        let line = limits.lines().find_map(|line| line.strip_prefix("Max open files"))?;
        line.split_whitespace().next()?.parse().ok()
    }

    /// The files open now (Linux's `/proc/self/fd`; 0 where unknown).
    fn open_files() -> u64 {
        std::fs::read_dir("/proc/self/fd").map_or(0, |entries| entries.count() as u64)
    }

    /// The runtime's worker threads, which send the requests and receive the answers: one per
    /// two cores (at most 4), since a GET costs far less than reading what it brings and the
    /// readers need the cores.
    fn http_workers() -> usize {
        std::thread::available_parallelism().map_or(1, |n| n.get() / 2).clamp(1, 4)
    }

    fn kib(bytes: u64) -> usize {
        usize::try_from(bytes.div_ceil(1024)).unwrap_or(usize::MAX).min(Semaphore::MAX_PERMITS)
    }

    async fn client(options: &S3Options) -> Client {
        let mut loader = aws_config::defaults(BehaviorVersion::latest());
        if let Some(profile) = &options.profile {
            loader = loader.profile_name(profile);
        }
        // As the aws CLI's s3 commands: us-east-1 when nothing names a region.
        let region = RegionProviderChain::first_try(options.region.clone().map(aws_config::Region::new))
            .or_default_provider()
            .or_else("us-east-1");
        loader = loader.region(region);
        if let Some(endpoint) = &options.endpoint_url {
            loader = loader.endpoint_url(endpoint);
        }
        if options.no_sign_request {
            loader = loader.no_credentials();
        }
        let shared = loader.load().await;
        let custom_endpoint = options.endpoint_url.is_some()
            || ["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"]
                .iter()
                .any(|v| std::env::var_os(v).is_some_and(|u| !u.is_empty()));
        // A timed-out request is retried like a throttled one; a body that stalls once it has
        // begun is cut by the SDK's stalled-stream protection instead, and fetched again.
        let mut timeouts = shared.timeout_config().map_or_else(Default::default, |t| t.to_builder());
        timeouts.set_connect_timeout(options.connect_timeout).set_read_timeout(options.read_timeout);
        let timeouts = timeouts.build();
        // S3-compatible stores (and local servers) are addressed by path, not by host name.
        let config = aws_sdk_s3::config::Builder::from(&shared)
            .force_path_style(custom_endpoint)
            .timeout_config(timeouts)
            .build();
        Client::from_conf(config)
    }

    /// One level of the listing being walked: its prefix, the rest of its current page,
    /// and where the next page starts.
    struct Level {
        prefix: String,
        entries: std::collections::VecDeque<Entry>,
        token: Option<String>,
        done: bool,
    }

    enum Entry {
        Object(String, u64),
        Folder(String),
    }

    /// Lists `url` in key order. Without a selection, one flat paginated listing; with one,
    /// folder by folder, each folder's pages read only when reached (memory: a page per
    /// level), and folders outside the selection passed over unlisted.
    async fn list(client: Client, url: S3Url, selection: Selection, out: tokio::sync::mpsc::Sender<Listed>) {
        let shown = url.display(&url.prefix);
        // `s3://b/AWSLogs/1` means the object of that name and the folder `AWSLogs/1/` (both,
        // when both exist: nothing under the name is passed over), never `AWSLogs/123...`.
        let mut found_any = false;
        let root = if url.prefix.is_empty() || url.prefix.ends_with('/') {
            url.prefix.clone()
        } else {
            match client.head_object().bucket(&url.bucket).key(&url.prefix).send().await {
                Ok(head) => {
                    found_any = true;
                    let size = head.content_length().and_then(|n| u64::try_from(n).ok()).unwrap_or(0);
                    if out.send(Listed::Object { key: url.prefix.clone(), size }).await.is_err() {
                        return;
                    }
                }
                Err(e) if e.raw_response().is_some_and(|raw| raw.status().as_u16() == 404) => {}
                // No answer at all (a refused endpoint, a time-out after retries): listing
                // would only wait for the same again.
                Err(e) if e.raw_response().is_none() => {
                    let reason = format!("cannot read: {}", describe(&e));
                    let _ = out.send(Listed::Passed(Found::Unreadable { path: shown, reason })).await;
                    return;
                }
                // S3 answers 404 for a missing object to a caller who may list the bucket, and
                // 403 otherwise: either the object exists and may not be read, or the listing
                // below fails the same way. Reported either way, never taken for "no object".
                Err(e) => {
                    found_any = true;
                    let reason = format!("cannot read: {}", describe(&e));
                    if out.send(Listed::Passed(Found::Unreadable { path: shown.clone(), reason })).await.is_err() {
                        return;
                    }
                }
            }
            format!("{}/", url.prefix)
        };
        let delimiter = !selection.takes_every_key();
        let mut levels =
            vec![Level { prefix: root, entries: std::collections::VecDeque::new(), token: None, done: false }];
        while let Some(level) = levels.last_mut() {
            if let Some(entry) = level.entries.pop_front() {
                let listed = match entry {
                    Entry::Object(key, size) => {
                        found_any = true;
                        match super::super::walk::why_not_a_log(std::path::Path::new(&key)) {
                            Some(reason) => Listed::Passed(Found::Skipped(Skipped {
                                path: url.display(&key),
                                reason: reason.into(),
                            })),
                            None if !selection.admits_key(&key, true) => Listed::Passed(Found::Pruned(1)),
                            None => Listed::Object { key, size },
                        }
                    }
                    Entry::Folder(prefix) => {
                        found_any = true;
                        let skipped =
                            super::super::walk::why_not_a_log(std::path::Path::new(prefix.trim_end_matches('/')));
                        match skipped {
                            // A digest folder: one line for all of it, nothing listed.
                            Some(reason) => Listed::Passed(Found::Skipped(Skipped {
                                path: url.display(&prefix),
                                reason: format!("{reason}s (not listed)"),
                            })),
                            None if !selection.admits_key(&prefix, false) => Listed::Passed(Found::Pruned(1)),
                            None => {
                                let entries = std::collections::VecDeque::new();
                                levels.push(Level { prefix, entries, token: None, done: false });
                                continue;
                            }
                        }
                    }
                };
                if out.send(listed).await.is_err() {
                    return;
                }
                continue;
            }
            if level.done {
                levels.pop();
                continue;
            }
            let mut request = client
                .list_objects_v2()
                .bucket(&url.bucket)
                .prefix(&level.prefix)
                .set_continuation_token(level.token.take());
            if delimiter {
                request = request.delimiter("/");
            }
            let page = match request.send().await {
                Ok(page) => page,
                Err(e) => {
                    let reason = format!("cannot list: {}", describe(&e));
                    let _ =
                        out.send(Listed::Passed(Found::Unreadable { path: url.display(&level.prefix), reason })).await;
                    return;
                }
            };
            let mut entries: Vec<Entry> = page
                .contents()
                .iter()
                .filter_map(|o| {
                    Some(Entry::Object(o.key()?.to_string(), o.size().and_then(|n| u64::try_from(n).ok()).unwrap_or(0)))
                })
                .chain(page.common_prefixes().iter().filter_map(|p| Some(Entry::Folder(p.prefix()?.to_string()))))
                .collect();
            entries.sort_by(|a, b| entry_key(a).cmp(entry_key(b)));
            level.entries = entries.into();
            level.token = page.next_continuation_token().map(str::to_string);
            level.done = !page.is_truncated().unwrap_or(false) || level.token.is_none();
        }
        if !found_any {
            let reason = "no objects under this prefix".to_string();
            let _ = out.send(Listed::Passed(Found::Skipped(Skipped { path: shown, reason }))).await;
        }
    }

    fn entry_key(entry: &Entry) -> &str {
        match entry {
            Entry::Object(key, _) | Entry::Folder(key) => key,
        }
    }

    async fn fetch(
        client: &Client,
        url: &S3Url,
        key: String,
        size: u64,
        explicit: bool,
        (budget, mut held): (Budget, Held),
    ) -> Unit {
        let name = url.display(&key);
        let failed = |reason: String| Unit::Found(Found::Unreadable { path: name.clone(), reason });
        if size > MAX_OBJECT {
            return failed(too_large(size));
        }
        let mut last_error = String::new();
        for attempt in 0..BODY_ATTEMPTS {
            if attempt > 0 {
                tokio::time::sleep(Duration::from_millis(200 << attempt)).await;
            }
            let response = match client.get_object().bucket(&url.bucket).key(&key).send().await {
                Ok(response) => response,
                // The SDK has already retried what is worth retrying (throttling, 5xx).
                Err(e) => return failed(format!("cannot fetch: {}", describe(&e))),
            };
            // The answer's length, when it differs from the listing's (an object overwritten
            // since), sets the share before the body is read.
            let announced = response.content_length().and_then(|n| u64::try_from(n).ok()).unwrap_or(size);
            if announced > MAX_OBJECT {
                return failed(too_large(announced));
            }
            held.grow(&budget, announced).await;
            let mut body = response.body;
            let mut bytes = Vec::with_capacity(usize::try_from(announced.min(BYTES_IN_FLIGHT)).unwrap_or(0));
            let complete = loop {
                match body.try_next().await {
                    Ok(Some(chunk)) if (bytes.len() + chunk.len()) as u64 > MAX_OBJECT => {
                        return failed(format!(
                            "the object is larger than the {} MB trailwatch fetches at once",
                            MAX_OBJECT >> 20
                        ));
                    }
                    Ok(Some(chunk)) => {
                        held.grow(&budget, (bytes.len() + chunk.len()) as u64).await;
                        bytes.extend_from_slice(&chunk)
                    }
                    Ok(None) => break true,
                    Err(e) => {
                        last_error = format!("the download was cut short: {}", causes(&e));
                        break false;
                    }
                }
            };
            if complete {
                let _budget = Some(Box::new(held) as Box<dyn Send>);
                return Unit::Fetched(Fetched { name, bytes, explicit, _budget });
            }
        }
        failed(format!("{last_error} (after {BODY_ATTEMPTS} attempts)"))
    }

    fn too_large(size: u64) -> String {
        format!(
            "the object is {size} bytes, larger than the {} MB trailwatch fetches at once: copy it locally",
            MAX_OBJECT >> 20
        )
    }

    /// An SDK error as the aws CLI shows one: the service's code and message when it
    /// answered (its HTTP status when the answer had no body, as for a HEAD or a refused
    /// anonymous request), the whole chain of causes otherwise.
    fn describe<E>(error: &aws_sdk_s3::error::SdkError<E, HttpResponse>) -> String
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        if let Some(service) = error.as_service_error() {
            let status = error.raw_response().map(|raw| raw.status().as_u16());
            let code = match (service.code(), status) {
                (Some(code), _) => code.to_string(),
                (None, Some(status)) => format!("HTTP {status}"),
                (None, None) => "Unknown".to_string(),
            };
            let hint = match (code.as_str(), status) {
                ("InvalidObjectState", _) => " (an archived object: restore it from Glacier first)",
                ("AccessDenied", _) | (_, Some(403)) => {
                    " (check the credentials, the bucket policy and, for SSE-KMS, kms:Decrypt on the key)"
                }
                ("NoSuchBucket", _) => " (check the bucket name, --region and --endpoint-url)",
                _ => "",
            };
            return format!("{code}: {}{hint}", service.message().unwrap_or("no message"));
        }
        if matches!(error, aws_sdk_s3::error::SdkError::DispatchFailure(failure) if failure.is_timeout()) {
            return "no answer in time, after retries (--cli-connect-timeout and --cli-read-timeout set the \
                    waits, 0 for none)"
                .to_string();
        }
        if DisplayErrorContext(error).to_string().contains("CredentialsNotLoaded") {
            return "no AWS credentials were found: name a profile (--profile or AWS_PROFILE), set \
                    AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or read a public bucket with --no-sign-request"
                .to_string();
        }
        let chain = causes(error);
        if matches!(error, aws_sdk_s3::error::SdkError::DispatchFailure(failure) if failure.is_io()) {
            return format!("cannot reach S3: {chain} (check --endpoint-url, AWS_ENDPOINT_URL and the network)");
        }
        chain
    }

    /// The messages of an error and of its causes, joined as a sentence, without the SDK's
    /// wrapper words or the debug dump `DisplayErrorContext` adds (a user reads this line).
    fn causes(error: &(dyn std::error::Error + 'static)) -> String {
        const WRAPPERS: [&str; 4] = ["dispatch failure", "io error", "other", "unhandled error"];
        let mut parts: Vec<String> = Vec::new();
        let mut next = Some(error);
        while let Some(error) = next {
            let text = error.to_string();
            // Some layers repeat their cause's message inside their own.
            if !WRAPPERS.contains(&text.as_str()) && !parts.iter().any(|part| part.contains(&text)) {
                parts.push(text);
            }
            next = error.source();
        }
        if parts.is_empty() {
            "an unknown error".to_string()
        } else {
            parts.join(": ")
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        /// Later fetches finish first and hold their shares while the oldest is awaited; with
        /// a budget of five and sixteen in flight, the oldest must still hold its own share.
        #[test]
        fn fetches_finishing_out_of_order_never_starve_the_oldest() {
            let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build();
            let runtime = runtime.expect("a test runtime");
            runtime.block_on(async {
                let budget = Arc::new(Semaphore::new(50));
                let start = |i: u64, permit: Option<OwnedSemaphorePermit>| {
                    tokio::spawn(async move {
                        tokio::time::sleep(Duration::from_millis(2 * (40 - i))).await;
                        (i, permit)
                    })
                };
                let items = futures_util::stream::iter(0..40u64);
                let fetched = in_listing_order(items, 16, Arc::clone(&budget), |_| Some(10), start);
                let mut seen = Vec::new();
                let all = fetched.for_each(|result| {
                    let (i, permit) = result.expect("the task ran");
                    assert!(permit.is_some(), "item {i} started without its share");
                    // At most five shares of ten are out at once, this one included.
                    assert!(budget.available_permits() <= 40);
                    seen.push(i);
                    futures_util::future::ready(())
                });
                tokio::time::timeout(Duration::from_secs(20), all).await.expect("the fetching stalled");
                assert_eq!(seen, (0..40).collect::<Vec<_>>());
                assert_eq!(budget.available_permits(), 50);
            });
        }

        /// Objects listed at 1 KiB whose bodies hold 30 KiB (overwritten since the listing, or a
        /// store that lists no sizes), finishing out of order: the bytes held stay within the
        /// budget and one object, and every fetch ends.
        #[test]
        fn bodies_larger_than_listed_stay_within_the_budget() {
            use std::sync::atomic::{AtomicU64, Ordering};
            const KIB: u64 = 1024;
            let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build();
            let runtime = runtime.expect("a test runtime");
            runtime.block_on(async {
                let (oldest, budget) = Budget::new(100);
                let (holding, most) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
                let start = |i: u64, share: Option<OwnedSemaphorePermit>| {
                    let (budget, holding, most) = (budget.clone(), Arc::clone(&holding), Arc::clone(&most));
                    tokio::spawn(async move {
                        let mut held = Held { share, overdraft: None, index: i };
                        for chunk in 1..=3 {
                            tokio::time::sleep(Duration::from_millis(40 - i % 40)).await;
                            held.grow(&budget, chunk * 10 * KIB).await;
                            let now = holding.fetch_add(10 * KIB, Ordering::SeqCst) + 10 * KIB;
                            most.fetch_max(now, Ordering::SeqCst);
                        }
                        held
                    })
                };
                let items = futures_util::stream::iter(0..60u64);
                let fetched = in_listing_order(items, 16, Arc::clone(&budget.bytes), |_| Some(1), start);
                let mut received = 0;
                let all = fetched.for_each(|held| {
                    let held = held.expect("the task ran");
                    assert_eq!(held.index, received);
                    received += 1;
                    oldest.send_replace(received);
                    holding.fetch_sub(30 * KIB, Ordering::SeqCst);
                    drop(held);
                    futures_util::future::ready(())
                });
                tokio::time::timeout(Duration::from_secs(30), all).await.expect("the fetching stalled");
                assert_eq!(received, 60);
                let most = most.load(Ordering::SeqCst);
                assert!(most <= 100 * KIB + 30 * KIB, "{} KiB held at once", most / KIB);
                assert_eq!(budget.bytes.available_permits(), 100);
                assert_eq!(budget.overdraft.available_permits(), 1);
            });
        }

        #[test]
        fn shares_are_bounded_by_the_budget() {
            let object = |size| Listed::Object { key: "k".into(), size };
            assert_eq!(budget_share(&object(0)), Some(1));
            assert_eq!(budget_share(&object(1025)), Some(2));
            assert_eq!(budget_share(&object(BYTES_IN_FLIGHT * 3)), Some(u32::try_from(kib(BYTES_IN_FLIGHT)).unwrap()));
            assert_eq!(budget_share(&object(MAX_OBJECT + 1)), None);
            assert_eq!(budget_share(&Listed::Passed(Found::Pruned(1))), None);
        }

        #[test]
        fn requests_in_flight_stay_within_the_open_file_limit() {
            assert_eq!(in_flight_within(None, 500), IN_FLIGHT);
            assert_eq!(in_flight_within(Some(1024), 10), IN_FLIGHT);
            assert_eq!(in_flight_within(Some(64), 10), 23);
            // The limit at which a listing page once failed: ten open, twenty allowed.
            // Where half the limit failed a listing page and one GET in thirteen.
            assert_eq!(in_flight_within(Some(14), 10), 1);
            assert_eq!(in_flight_within(Some(20), 10), 1);
            assert_eq!(in_flight_within(Some(8), 10), 1);
            let n = in_flight();
            assert!((1..=IN_FLIGHT).contains(&n));
            if let Some(limit) = open_file_limit() {
                assert!(n == 1 || (n as u64) * 2 + open_files() + RESERVED_FILES <= limit, "{n} of {limit}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_split_into_bucket_and_prefix() {
        assert_eq!(S3Url::parse("s3://b/AWSLogs/1/"), Some(S3Url { bucket: "b".into(), prefix: "AWSLogs/1/".into() }));
        assert_eq!(S3Url::parse("s3://b"), Some(S3Url { bucket: "b".into(), prefix: String::new() }));
        assert_eq!(S3Url::parse("s3://"), Some(S3Url { bucket: String::new(), prefix: String::new() }));
        assert_eq!(S3Url::parse("./s3://b"), None);
        assert_eq!(S3Url::parse("S3://b"), None);
    }
}
