//! One SVG chart per alarm: the statistic per evaluation minute, the threshold, and the
//! time spent in ALARM shaded.

use std::path::{Path, PathBuf};

use plotters::prelude::*;

use crate::alarm::StateValue;
use crate::metric::MINUTE;
use crate::replay::{AlarmRun, ReplayResult};
use crate::source::Millis;

/// The highest value a chart's axis reaches.
const MAX_AXIS: f64 = 1e300;

/// Writes `<dir>/<alarm name>.svg` for every alarm and returns the paths.
pub fn plot_alarms(result: &ReplayResult, dir: &Path) -> Result<Vec<PathBuf>, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut written = Vec::new();
    let Some((first, _)) = result.span else { return Ok(written) };
    for run in &result.alarms {
        let path = dir.join(format!("{}.svg", file_name(&run.definition.name)));
        plot(run, result, first, &path).map_err(|e| format!("{}: {e}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}

fn file_name(alarm: &str) -> String {
    alarm.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '_' }).collect()
}

/// The alarm's statistic over the period ending at each minute, as the alarm sees it (one
/// sliding window, so a week-long period costs no more than a minute-long one).
fn series(run: &AlarmRun, result: &ReplayResult, from: Millis, to: Millis) -> Vec<(f64, f64)> {
    crate::alarm::period_values(&run.definition, &result.store, to)
        .into_iter()
        .map(|(t, value)| (minutes(t, from), value))
        .collect()
}

fn minutes(t: Millis, from: Millis) -> f64 {
    (t - from) as f64 / MINUTE as f64
}

/// Draws the chart in memory and writes it whole (see `atomic.rs`).
fn plot(run: &AlarmRun, result: &ReplayResult, first: Millis, path: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let mut svg = String::new();
    draw(run, result, first, &mut svg)?;
    super::write_atomically(path, |out| out.write_all(svg.as_bytes()))?;
    Ok(())
}

fn draw(
    run: &AlarmRun,
    result: &ReplayResult,
    first: Millis,
    svg: &mut String,
) -> Result<(), Box<dyn std::error::Error>> {
    let a = &run.definition;
    let from = first.div_euclid(MINUTE) * MINUTE;
    let to = result.evaluated_until.max(from + MINUTE);
    let points = series(run, result, from, to);
    // The chart's top, with room above the highest point; capped, because a range near
    // f64::MAX (a threshold of 1.7976931348623157e308) overflows to infinity and the axis's
    // tick search never ends. Points above the cap are clipped.
    let top = (points.iter().map(|p| p.1).fold(a.threshold, f64::max).max(1.0) * 1.2).min(MAX_AXIS);
    let width = minutes(to, from);
    let root = SVGBackend::with_string(svg, (960, 420)).into_drawing_area();
    root.fill(&WHITE)?;
    let title = format!("{}: {} of {}/{} ({} s periods)", a.name, a.statistic, a.namespace, a.metric_name, a.period);
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(56)
        .build_cartesian_2d(0f64..width, 0f64..top)?;
    chart
        .configure_mesh()
        .x_desc(format!("minutes after {} UTC", super::utc(from)))
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_desc(a.statistic.to_string())
        .light_line_style(WHITE.mix(0.0))
        .draw()?;
    // Time in ALARM, shaded.
    let mut since: Option<Millis> = None;
    let mut spans = Vec::new();
    for change in &run.changes {
        match (change.new == StateValue::Alarm, since) {
            (true, None) => since = Some(change.time),
            (false, Some(start)) => {
                spans.push((start, change.time));
                since = None;
            }
            _ => {}
        }
    }
    if let Some(start) = since {
        spans.push((start, to));
    }
    chart
        .draw_series(spans.iter().map(|(s, e)| {
            Rectangle::new([(minutes(*s, from), 0.0), (minutes(*e, from), top)], RED.mix(0.15).filled())
        }))?
        .label("in ALARM")
        .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], RED.mix(0.3).filled()));
    // Minutes without data are gaps, not lines: each run of consecutive minutes is drawn
    // on its own, with a mark on every point so that a lone datapoint shows.
    let mut runs: Vec<Vec<(f64, f64)>> = Vec::new();
    for point in &points {
        match runs.last_mut() {
            Some(run) if run.last().is_some_and(|last| point.0 - last.0 <= 1.0) => run.push(*point),
            _ => runs.push(vec![*point]),
        }
    }
    for (i, run) in runs.iter().enumerate() {
        let line = chart.draw_series(LineSeries::new(run.iter().copied(), BLUE.stroke_width(2)))?;
        if i == 0 {
            line.label(format!("{} of the {} s window ending at each minute", a.statistic, a.period))
                .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 14, y)], BLUE.stroke_width(2)));
        }
        chart.draw_series(run.iter().map(|p| Circle::new(*p, 2, BLUE.filled())))?;
    }
    chart
        .draw_series(LineSeries::new([(0.0, a.threshold), (width, a.threshold)], BLACK.stroke_width(1)))?
        .label(format!("threshold: {} {}", a.comparison.phrase(), a.threshold))
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 14, y)], BLACK));
    chart.configure_series_labels().background_style(WHITE.mix(0.8)).border_style(BLACK).draw()?;
    root.present()?;
    Ok(())
}
