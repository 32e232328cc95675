//! One SVG chart per alarm (`replay --plot`), drawn from the chart model (`chart.rs`): the
//! states as bands and as a strip above the data, the statistic (each column's range when
//! the span is long), the threshold, time marks in dates, and the legend below the axes.
//!
//! Written directly as SVG text: the layout (a legend outside the data, a minimum width for
//! a short ALARM on a ten-year axis, calendar marks) is what matters, and a plotting crate's
//! own layout got in the way of each.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::chart::{Chart, PlotWindow};
use crate::alarm::StateValue;
use crate::replay::{AlarmRun, ReplayResult};
use crate::source::Millis;

const WIDTH: f64 = 1000.0;
const HEIGHT: f64 = 500.0;
const LEFT: f64 = 84.0;
const RIGHT: f64 = WIDTH - 24.0;
const STRIP_TOP: f64 = 60.0;
const STRIP_HEIGHT: f64 = 12.0;
const TOP: f64 = 80.0;
const BOTTOM: f64 = HEIGHT - 130.0;
/// Two columns per pixel of the plot area at most: the file stays small for any span.
const COLUMNS: usize = 1800;
/// All datapoints get a dot when there are this few (a lone one always does).
const DOTS_UP_TO: usize = 300;
/// The narrowest a state band is drawn, in pixels: a ten-minute ALARM on a ten-year axis
/// is still seen.
const MIN_BAND: f64 = 3.0;

const SERIES_COLOUR: &str = "#2962c9";
const INK: &str = "#1d2330";
const MUTED: &str = "#4a5263";
const GRID: &str = "#e3e6ec";

fn state_colour(state: StateValue) -> &'static str {
    match state {
        StateValue::Alarm => "#d13c3c",
        StateValue::Ok => "#2e9d57",
        StateValue::InsufficientData => "#9aa1ad",
    }
}

/// Writes one chart per alarm into `dir` (file names from [`chart_file_names`]) over the
/// replay's span or `window`, and returns each alarm's name and file. A replay without
/// events has nothing to chart.
pub fn plot_alarms(result: &ReplayResult, dir: &Path, window: &PlotWindow) -> Result<Vec<(String, PathBuf)>, String> {
    let Some(span) = super::chart_span(result) else { return Ok(Vec::new()) };
    let span = window.over(span)?;
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let names = chart_file_names(result.alarms.iter().map(|run| run.definition.name.as_str()));
    let mut written = Vec::new();
    for (run, name) in result.alarms.iter().zip(names) {
        let path = dir.join(name);
        let svg = draw(run, &Chart::new(run, result, span, COLUMNS));
        super::write_atomically(&path, |out| out.write_all(svg.as_bytes()))
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        written.push((run.definition.name.clone(), path));
    }
    Ok(written)
}

/// One distinct file name per alarm, whatever the names: letters, digits, `-`, `_` and `.`
/// are kept (so `ConsoleSignInFailures` is `ConsoleSignInFailures.svg`); a name that needed
/// changing gets a hash of the whole name (so `a/b` and `a:b` differ, in any order); names
/// still equal ignoring case (case-insensitive disks) are numbered.
pub fn chart_file_names<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut taken = HashSet::new();
    names
        .into_iter()
        .map(|name| {
            let mut base: String = name
                .chars()
                .take(80)
                .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '_' })
                .collect();
            if base.is_empty() || base.starts_with('.') {
                base.insert(0, '_');
            }
            if base != name {
                base = format!("{base}-{:08x}", fnv1a(name) as u32);
            }
            let mut candidate = base.clone();
            let mut number = 1;
            while !taken.insert(candidate.to_ascii_lowercase()) {
                number += 1;
                candidate = format!("{base}-{number}");
            }
            format!("{candidate}.svg")
        })
        .collect()
}

/// FNV-1a: stable from run to run and machine to machine (std's hasher is neither).
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3))
}

/// The chart as SVG text.
pub fn draw(run: &AlarmRun, chart: &Chart) -> String {
    let a = &run.definition;
    let at = |t: Millis| LEFT + (t - chart.from) as f64 / (chart.to - chart.from).max(1) as f64 * (RIGHT - LEFT);
    let (low, high) = (chart.low, chart.high);
    let level = |v: f64| {
        let v = v.clamp(low, high);
        // Halves, so that a range of 2e300 is never computed whole.
        TOP + (high / 2.0 - v / 2.0) / (high / 2.0 - low / 2.0) * (BOTTOM - TOP)
    };
    let mut svg = String::with_capacity(64 * 1024);
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">"#
    );
    let _ = write!(svg, "<title>{}</title>", xml(&shorten(&a.name, 1024)));
    let _ = write!(svg, r#"<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>"#);
    let title = shorten(&a.name, 90);
    let _ =
        write!(svg, r#"<text x="{LEFT}" y="24" font-size="17" font-weight="bold" fill="{INK}">{}</text>"#, xml(&title));
    let dimensions: Vec<String> = a.dimensions.iter().map(|(name, value)| format!("{name}={value}")).collect();
    let dimensions = if dimensions.is_empty() { String::new() } else { format!(" [{}]", dimensions.join(", ")) };
    let rule = format!(
        "{} of {}/{}{dimensions} over {} s · ALARM when {} {} for {} of {} period(s) · missing data: {}",
        a.statistic,
        a.namespace,
        a.metric_name,
        a.period,
        a.comparison.phrase(),
        number(a.threshold),
        a.m(),
        a.evaluation_periods,
        a.missing_data().name()
    );
    let _ = write!(svg, r#"<text x="{LEFT}" y="44" fill="{MUTED}">{}</text>"#, xml(&shorten(&rule, 150)));

    // States: a faint band behind the data and a solid strip above it; ALARM last, never
    // thinner than MIN_BAND.
    let _ = write!(
        svg,
        r#"<text x="{}" y="{}" text-anchor="end" fill="{INK}">state</text>"#,
        LEFT - 8.0,
        STRIP_TOP + STRIP_HEIGHT - 2.0
    );
    let mut bands: Vec<_> = chart.states.iter().collect();
    bands.sort_by_key(|(_, _, state)| *state == StateValue::Alarm);
    for (from, to, state) in bands {
        let (x0, x1) = (at(*from), at(*to));
        let width = if *state == StateValue::Alarm { (x1 - x0).max(MIN_BAND) } else { x1 - x0 };
        // A widened band at the right edge grows leftwards, staying inside the plot.
        let x0 = x0.min(RIGHT - width).max(LEFT);
        let colour = state_colour(*state);
        let opacity = if *state == StateValue::Alarm { 0.2 } else { 0.08 };
        let _ = write!(
            svg,
            r#"<rect class="band {name}" x="{x0:.2}" y="{TOP}" width="{width:.2}" height="{}" fill="{colour}" fill-opacity="{opacity}"/><rect class="strip {name}" x="{x0:.2}" y="{STRIP_TOP}" width="{width:.2}" height="{STRIP_HEIGHT}" fill="{colour}"/>"#,
            BOTTOM - TOP,
            name = state.name(),
        );
    }

    // Axes and marks.
    let _ = write!(
        svg,
        r#"<g stroke="{INK}" stroke-width="1"><line x1="{LEFT}" x2="{RIGHT}" y1="{BOTTOM}" y2="{BOTTOM}"/><line x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{BOTTOM}"/></g>"#
    );
    for v in &chart.value_ticks {
        let y = level(*v);
        let _ = write!(
            svg,
            r#"<line x1="{LEFT}" x2="{RIGHT}" y1="{y:.2}" y2="{y:.2}" stroke="{GRID}"/><text x="{}" y="{:.2}" text-anchor="end" fill="{INK}">{}</text>"#,
            LEFT - 6.0,
            y + 4.0,
            number(*v)
        );
    }
    for tick in &chart.time_ticks {
        let x = at(tick.at);
        let _ = write!(
            svg,
            r#"<line x1="{x:.2}" x2="{x:.2}" y1="{BOTTOM}" y2="{}" stroke="{INK}"/><text class="time" x="{x:.2}" y="{}" text-anchor="middle" fill="{INK}">{}</text>"#,
            BOTTOM + 5.0,
            BOTTOM + 18.0,
            tick.label
        );
        if let Some(date) = &tick.date {
            let _ = write!(
                svg,
                r#"<text class="date" x="{x:.2}" y="{}" text-anchor="middle" fill="{MUTED}">{date}</text>"#,
                BOTTOM + 32.0
            );
        }
    }
    let _ = write!(
        svg,
        r#"<text x="{RIGHT}" y="{}" text-anchor="end" fill="{MUTED}">UTC, {} to {}</text>"#,
        BOTTOM + 50.0,
        super::utc(chart.from),
        super::utc(chart.to)
    );
    let _ = write!(
        svg,
        r#"<text transform="translate(16 {:.1}) rotate(-90)" text-anchor="middle" fill="{INK}">{}</text>"#,
        (TOP + BOTTOM) / 2.0,
        xml(&a.statistic.to_string())
    );

    // The statistic: one path through the columns (a gap where minutes have no data), each
    // summarised column's range as a vertical stroke, dots where a point stands alone.
    let _ = write!(
        svg,
        r#"<clipPath id="plot-area"><rect x="{LEFT}" y="{}" width="{}" height="{}"/></clipPath><g clip-path="url(#plot-area)">"#,
        TOP - 6.0,
        RIGHT - LEFT,
        BOTTOM - TOP + 12.0
    );
    let (mut line, mut ranges, mut dots) = (String::new(), String::new(), String::new());
    let columns = &chart.columns;
    let joined =
        |i: usize| i > 0 && i < columns.len() && columns[i].first_at - columns[i - 1].last_at <= crate::metric::MINUTE;
    for (i, column) in columns.iter().enumerate() {
        let (x, y) = (at(column.first_at), level(column.first));
        let _ = write!(line, "{}{x:.2} {y:.2}", if joined(i) { 'L' } else { 'M' });
        if column.last_at != column.first_at {
            let _ = write!(line, "L{:.2} {:.2}", at(column.last_at), level(column.last));
        }
        if column.min != column.max {
            let x = at((column.first_at + column.last_at) / 2);
            let _ = write!(ranges, "M{x:.2} {:.2}L{x:.2} {:.2}", level(column.min), level(column.max));
        }
        let alone = !(joined(i) || joined(i + 1));
        if columns.len() <= DOTS_UP_TO || alone {
            let _ = write!(dots, r#"<circle cx="{x:.2}" cy="{y:.2}" r="2.5"/>"#);
        }
    }
    let _ = write!(
        svg,
        r#"<path class="series" d="{line}" fill="none" stroke="{SERIES_COLOUR}" stroke-width="1.8" stroke-linejoin="round"/>"#
    );
    if !ranges.is_empty() {
        let _ = write!(svg, r#"<path class="ranges" d="{ranges}" stroke="{SERIES_COLOUR}" stroke-width="1.2"/>"#);
    }
    let _ = write!(svg, r#"<g fill="{SERIES_COLOUR}">{dots}</g>"#);
    let threshold = level(Chart::threshold(run));
    let _ = write!(
        svg,
        r#"<line class="threshold" x1="{LEFT}" x2="{RIGHT}" y1="{threshold:.2}" y2="{threshold:.2}" stroke="{INK}" stroke-width="1.5" stroke-dasharray="7 4"/></g>"#
    );

    // The legend, below the axes.
    let y = BOTTOM + 78.0;
    let mut x = LEFT;
    let fired = run.times_fired();
    for state in [StateValue::Alarm, StateValue::Ok, StateValue::InsufficientData] {
        let label = if state == StateValue::Alarm {
            format!("ALARM (entered {fired} time(s), {} in ALARM)", super::duration(run.time_in_alarm(chart.to)))
        } else {
            state.name().to_string()
        };
        let _ = write!(
            svg,
            r#"<rect class="legend" x="{x}" y="{}" width="16" height="10" fill="{}"/><text x="{}" y="{y}" fill="{INK}">{label}</text>"#,
            y - 9.0,
            state_colour(state),
            x + 22.0
        );
        x += 22.0 + 7.0 * label.len() as f64 + 24.0;
    }
    let y = y + 22.0;
    let series = if chart.column_width > crate::metric::MINUTE {
        format!(
            "{} of the {} s window ending at each minute (lowest to highest per {})",
            a.statistic,
            a.period,
            super::duration(chart.column_width)
        )
    } else {
        format!("{} of the {} s window ending at each minute", a.statistic, a.period)
    };
    let _ = write!(
        svg,
        r#"<line x1="{LEFT}" x2="{}" y1="{}" y2="{}" stroke="{SERIES_COLOUR}" stroke-width="2"/><text x="{}" y="{y}" fill="{INK}">{}</text>"#,
        LEFT + 16.0,
        y - 4.0,
        y - 4.0,
        LEFT + 22.0,
        xml(&series)
    );
    let x = LEFT + 22.0 + 6.6 * series.len() as f64 + 24.0;
    let _ = write!(
        svg,
        r#"<line x1="{x}" x2="{}" y1="{}" y2="{}" stroke="{INK}" stroke-width="1.5" stroke-dasharray="7 4"/><text x="{}" y="{y}" fill="{INK}">threshold: {} {}</text>"#,
        x + 16.0,
        y - 4.0,
        y - 4.0,
        x + 22.0,
        a.comparison.phrase(),
        number(a.threshold)
    );
    svg.push_str("</svg>\n");
    svg
}

/// A number as an axis shows it: up to six significant digits, exponents when very large
/// or small.
fn number(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    if v.abs() >= 1e7 || v.abs() < 1e-4 {
        // 1.500e7 -> 1.5e7
        let text = format!("{v:.3e}");
        let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
        return format!("{}e{exponent}", mantissa.trim_end_matches('0').trim_end_matches('.'));
    }
    let digits = v.abs().log10().floor() as i64 + 1;
    let decimals = usize::try_from(6 - digits).unwrap_or(0).min(10);
    let text = format!("{v:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

/// At most `limit` characters, with an ellipsis when cut.
fn shorten(text: &str, limit: usize) -> String {
    match text.char_indices().nth(limit) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

/// Text as SVG content: markup escaped, characters XML cannot hold replaced.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' | '\n' | '\r' => out.push(' '),
            c if (c as u32) < 0x20 || matches!(c, '\u{fffe}' | '\u{ffff}') => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_alarm_gets_its_own_file() {
        let long = "x".repeat(300);
        let names =
            ["ConsoleSignInFailures", "a/b", "a:b", "a_b", "A_B", "a/b", "", "..", ".hidden", long.as_str(), "日本"];
        let files = chart_file_names(names.iter().copied());
        assert_eq!(files[0], "ConsoleSignInFailures.svg");
        assert_eq!(files[3], "a_b.svg");
        let distinct: HashSet<String> = files.iter().map(|f| f.to_ascii_lowercase()).collect();
        assert_eq!(distinct.len(), names.len(), "{files:?}");
        for file in &files {
            assert!(file.len() < 120 && !file.starts_with('.'), "{file}");
            assert!(file.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)), "{file}");
        }
        // The same names give the same files, in any order.
        let reversed = chart_file_names(names.iter().rev().copied().filter(|n| *n != "a/b"));
        assert!(reversed.contains(&files[2]), "{reversed:?}");
    }

    #[test]
    fn a_chart_names_its_metric_and_draws_every_part() {
        use crate::alarm::{AlarmDefinition, Statistic};
        use crate::report::chart::{Column, TimeTick};
        let mut definition = AlarmDefinition::new("cpu <high>", "AWS/EC2", "CPU", Statistic::Maximum, 300, 90.0);
        definition.dimensions = vec![("InstanceId".into(), "i-1".into())];
        let run = AlarmRun { definition, changes: Vec::new() };
        let (from, minute) = (1_772_355_600_000, crate::metric::MINUTE);
        let column = |at: Millis, v: f64| Column { first_at: at, last_at: at, first: v, last: v, min: v, max: v };
        let chart = Chart {
            from,
            to: from + 60 * minute,
            low: 0.0,
            high: 100.0,
            column_width: minute,
            columns: vec![column(from, 10.0), column(from + minute, 95.0), column(from + 30 * minute, 50.0)],
            states: vec![
                (from, from + minute, StateValue::InsufficientData),
                (from + minute, from + 2 * minute, StateValue::Alarm),
                (from + 2 * minute, from + 60 * minute, StateValue::Ok),
            ],
            time_ticks: vec![TimeTick { at: from, label: "09:00".into(), date: Some("2026-03-01".into()) }],
            value_ticks: vec![0.0, 50.0, 100.0],
        };
        let svg = draw(&run, &chart);
        assert!(svg.contains("<title>cpu &lt;high&gt;</title>"));
        assert!(svg.contains("Maximum of AWS/EC2/CPU [InstanceId=i-1] over 300 s"));
        assert!(svg.contains("threshold: greater than or equal to 90"));
        // The first two minutes are one line; the lone point at 09:30 gets a dot of its own.
        let line = svg.split("class=\"series\" d=\"").nth(1).and_then(|d| d.split('"').next()).unwrap();
        assert_eq!((line.matches('M').count(), line.matches('L').count()), (2, 1), "{line}");
        assert_eq!(svg.matches("<circle").count(), 3, "few points: a dot on each");
        // A one-minute ALARM in an hour is 15 px, wider than the minimum; every state is drawn.
        for state in ["ALARM", "OK", "INSUFFICIENT_DATA"] {
            assert!(svg.contains(&format!("class=\"band {state}\"")), "{state}");
        }
        assert!(svg.contains(">09:00</text>") && svg.contains(">2026-03-01</text>"));
    }

    #[test]
    fn numbers_and_text_are_written_for_people_and_xml() {
        assert_eq!(number(3.0), "3");
        assert_eq!(number(2.5), "2.5");
        assert_eq!(number(-0.1), "-0.1");
        assert_eq!(number(123456.0), "123456");
        assert_eq!(number(0.30000000000000004), "0.3");
        assert_eq!(number(1.5e7), "1.5e7");
        assert_eq!(number(f64::MAX), "1.798e308");
        assert_eq!(number(1e-5), "1e-5");
        assert_eq!(xml("a<b & \"c\"\u{1}"), "a&lt;b &amp; &quot;c&quot;\u{fffd}");
        assert_eq!(shorten("abcdef", 3), "abc…");
    }
}
