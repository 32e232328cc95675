//! Metric datapoints per minute and dimension set, as CSV or JSON.

use std::io::{self, Write};

use serde::Serialize;

use crate::alarm::aws_time;
use crate::metric::MetricStore;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetricsFormat {
    Csv,
    Json,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Row<'a> {
    namespace: &'a str,
    metric_name: &'a str,
    dimensions: String,
    unit: &'a str,
    timestamp: String,
    sample_count: u64,
    sum: f64,
    minimum: f64,
    maximum: f64,
}

/// Writes every published minute of every series, sorted by series then time.
pub fn write_metrics(store: &MetricStore, format: MetricsFormat, out: &mut dyn Write) -> io::Result<()> {
    if format == MetricsFormat::Csv {
        writeln!(out, "namespace,metric_name,dimensions,unit,timestamp,sample_count,sum,minimum,maximum")?;
    }
    let mut rows = Vec::new();
    for (key, minutes) in store.series() {
        let dimensions: Vec<String> = key.dimensions.iter().map(|(k, v)| format!("{k}={v}")).collect();
        for (minute, samples) in minutes {
            rows.push(Row {
                namespace: &key.namespace,
                metric_name: &key.metric_name,
                dimensions: dimensions.join(";"),
                unit: key.unit.as_deref().unwrap_or("None"),
                timestamp: aws_time(*minute),
                sample_count: samples.count(),
                sum: samples.sum(),
                minimum: samples.min().unwrap_or(0.0),
                maximum: samples.max().unwrap_or(0.0),
            });
        }
    }
    match format {
        MetricsFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &rows)?;
            writeln!(out)
        }
        MetricsFormat::Csv => {
            for r in rows {
                writeln!(
                    out,
                    "{},{},{},{},{},{},{},{},{}",
                    csv(r.namespace),
                    csv(r.metric_name),
                    csv(&r.dimensions),
                    csv(r.unit),
                    r.timestamp,
                    r.sample_count,
                    r.sum,
                    r.minimum,
                    r.maximum
                )?;
            }
            Ok(())
        }
    }
}

/// A CSV field, quoted when it needs to be.
fn csv(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}
