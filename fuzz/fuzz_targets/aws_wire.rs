//! Any request to `trailwatch serve`'s AWS JSON 1.1 endpoint: no panic; every answer is a
//! 200 or a 400 whose body is JSON, and an error names its exception in `__type` (what the
//! SDKs read to raise the service's exception).
#![no_main]

use libfuzzer_sys::fuzz_target;
use trailwatch::serve::wire::{dispatch, TEST_EVENT_PATTERN, TEST_METRIC_FILTER};

fuzz_target!(|data: &[u8]| {
    // The first byte picks the X-Amz-Target header; the rest is the body.
    let Some((&selector, body)) = data.split_first() else { return };
    let target = match selector % 4 {
        0 => Some(TEST_METRIC_FILTER),
        1 => Some(TEST_EVENT_PATTERN),
        2 => Some("Logs_20140328.DescribeLogGroups"),
        _ => None,
    };
    let response = dispatch(target, body);
    let json: serde_json::Value = serde_json::from_str(&response.body).expect("the answer is JSON");
    match response.status {
        200 => assert!(response.error_code().is_none()),
        400 => assert_eq!(json["__type"].as_str(), response.error_code(), "{}", response.body),
        other => panic!("status {other}"),
    }
});
