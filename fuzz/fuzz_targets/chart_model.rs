//! `--plot-window` text and the chart model's arithmetic: no panic; a window that parses
//! has its ends in the event-time range, in order; its date marks are few, ordered and inside
//! it; any data range and threshold give a finite value range with the threshold inside.
#![no_main]

use libfuzzer_sys::fuzz_target;
use trailwatch::report::{time_ticks, value_range, PlotWindow};
use trailwatch::source::{EARLIEST_EVENT_TIME, LATEST_EVENT_TIME};

fuzz_target!(|data: &[u8]| {
    // The first 24 bytes are three doubles (data low, data high, threshold); the rest is
    // the window's text.
    let number = |at: usize| data.get(at..at + 8).and_then(|b| b.try_into().ok()).map(f64::from_le_bytes);
    if let (Some(a), Some(b), Some(threshold)) = (number(0), number(8), number(16)) {
        if a.is_finite() && b.is_finite() && threshold.is_finite() {
            let (low, high) = value_range(Some((a.min(b), a.max(b))), threshold);
            let t = threshold.clamp(-1e300, 1e300);
            assert!(low < t && t < high && (high - low).is_finite(), "{a} {b} {threshold}: {low}..{high}");
        }
    }
    let text = String::from_utf8_lossy(data.get(24..).unwrap_or_default());
    let Ok(window) = text.parse::<PlotWindow>() else { return };
    let span = (EARLIEST_EVENT_TIME, LATEST_EVENT_TIME);
    for end in [window.start, window.end].into_iter().flatten() {
        assert!((span.0..=span.1).contains(&end), "{text:?}: {end}");
    }
    let Ok((from, to)) = window.over(span) else { return };
    assert!(from < to);
    let ticks = time_ticks(from, to, 8);
    assert!(ticks.len() <= 17 && ticks.windows(2).all(|w| w[0].at < w[1].at), "{text:?}");
    assert!(ticks.iter().all(|tick| (from..=to).contains(&tick.at)), "{text:?}");
});
