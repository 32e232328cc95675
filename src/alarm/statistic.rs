//! Statistics: what one alarm window's samples amount to.
//!
//! CloudWatch does not publish its percentile algorithm. trailwatch uses nearest rank: the
//! p-th percentile of n samples is the ceil(p/100 * n)-th smallest. Percentage ranges
//! (`TM(10%:90%)`) keep the samples whose rank r satisfies a/100 * n < r <= b/100 * n;
//! value ranges (`TM(100:200)`, `PR(x:y)`) keep values x < v <= y, as documented.

use std::fmt;
use std::str::FromStr;

use crate::metric::Samples;

#[derive(Clone, Debug, PartialEq)]
pub enum Statistic {
    SampleCount,
    Sum,
    Average,
    Minimum,
    Maximum,
    /// `pNN`.
    Percentile(f64),
    /// `tm`/`TM`: mean of the samples in range.
    TrimmedMean(Range),
    /// `wm`/`WM`: mean with samples outside the range clamped to its edges.
    WinsorizedMean(Range),
    /// `tc`/`TC`: number of samples in range.
    TrimmedCount(Range),
    /// `ts`/`TS`: sum of samples in range.
    TrimmedSum(Range),
    /// `PR(x:y)`: percentage of samples with x < v <= y.
    PercentileRank(Range),
}

/// A range, each end a percentage, an absolute value, or open.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Range {
    pub lower: Bound,
    pub upper: Bound,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Bound {
    Open,
    Percent(f64),
    Value(f64),
}

impl Statistic {
    /// Whether this is an `ExtendedStatistic` (percentile family).
    pub fn is_extended(&self) -> bool {
        !matches!(
            self,
            Statistic::SampleCount | Statistic::Sum | Statistic::Average | Statistic::Minimum | Statistic::Maximum
        )
    }

    /// The percentile a low-sample-count check applies to (`pNN` only).
    pub fn percentile(&self) -> Option<f64> {
        match self {
            Statistic::Percentile(p) => Some(*p),
            _ => None,
        }
    }

    /// The value of the window, or `None` when it has no value (no samples, nothing in
    /// range, or negative samples for an extended statistic).
    pub fn compute(&self, samples: &Samples) -> Option<f64> {
        self.compute_with_sum(samples, || samples.sum())
    }

    /// [`Statistic::compute`], with the samples' sum supplied by the caller (a sliding
    /// window keeps it up to date instead of re-adding every value).
    pub fn compute_with_sum(&self, samples: &Samples, sum: impl FnOnce() -> f64) -> Option<f64> {
        if samples.is_empty() {
            return None;
        }
        if self.is_extended() && samples.min().is_some_and(|m| m < 0.0) {
            return None;
        }
        let n = samples.count() as f64;
        match self {
            Statistic::SampleCount => Some(n),
            Statistic::Sum => Some(sum()),
            Statistic::Average => Some(sum() / n),
            Statistic::Minimum => samples.min(),
            Statistic::Maximum => samples.max(),
            Statistic::Percentile(p) => samples.nth(nearest_rank(*p, samples.count())),
            Statistic::TrimmedMean(range) => {
                let kept = kept(samples, range);
                (!kept.is_empty()).then(|| kept.iter().sum::<f64>() / kept.len() as f64)
            }
            Statistic::TrimmedCount(range) => Some(kept(samples, range).len() as f64),
            Statistic::TrimmedSum(range) => Some(kept(samples, range).iter().sum()),
            Statistic::WinsorizedMean(range) => {
                let kept = kept(samples, range);
                let (low, high) = (kept.first()?, kept.last()?);
                Some(samples.ranked().map(|(_, v)| v.clamp(*low, *high)).sum::<f64>() / n)
            }
            Statistic::PercentileRank(range) => Some(kept(samples, range).len() as f64 * 100.0 / n),
        }
    }
}

fn nearest_rank(percent: f64, n: u64) -> u64 {
    ((percent / 100.0 * n as f64).ceil() as u64).clamp(1, n)
}

/// The samples a range keeps, ascending.
fn kept(samples: &Samples, range: &Range) -> Vec<f64> {
    let n = samples.count() as f64;
    samples
        .ranked()
        .filter(|&(rank, value)| {
            let above_lower = match range.lower {
                Bound::Open => true,
                Bound::Percent(p) => rank as f64 > p / 100.0 * n,
                Bound::Value(x) => value > x,
            };
            let within_upper = match range.upper {
                Bound::Open => true,
                Bound::Percent(p) => rank as f64 <= p / 100.0 * n,
                Bound::Value(y) => value <= y,
            };
            above_lower && within_upper
        })
        .map(|(_, v)| v)
        .collect()
}

/// A statistic that is defined by a range (`TM`, `WM`, `TC`, `TS`, `PR`).
type RangeStatistic = fn(Range) -> Statistic;

impl FromStr for Statistic {
    type Err = String;

    /// `SampleCount`, `Sum`, `Average`, `Minimum`, `Maximum`, `p99`, `p99.9`, `tm90`, `wm90`,
    /// `tc90`, `ts90`, `IQM`, `TM(10%:90%)`, `TM(100:200)`, `WM(:95%)`, `TC(5%:)`, `TS(..)`,
    /// `PR(100:2000)`.
    fn from_str(text: &str) -> Result<Self, String> {
        let unknown = || {
            format!("unknown statistic {text:?}: use SampleCount, Sum, Average, Minimum, Maximum, pNN, tmNN, wmNN, tcNN, tsNN, IQM, TM(a:b), WM(a:b), TC(a:b), TS(a:b) or PR(a:b)")
        };
        match text {
            "SampleCount" => return Ok(Statistic::SampleCount),
            "Sum" => return Ok(Statistic::Sum),
            "Average" => return Ok(Statistic::Average),
            "Minimum" => return Ok(Statistic::Minimum),
            "Maximum" => return Ok(Statistic::Maximum),
            "IQM" => {
                return Ok(Statistic::TrimmedMean(Range { lower: Bound::Percent(25.0), upper: Bound::Percent(75.0) }))
            }
            _ => {}
        }
        let percent = |digits: &str| -> Result<f64, String> {
            let p: f64 = digits.parse().map_err(|_| unknown())?;
            if !(0.0..=100.0).contains(&p) || !digits.chars().all(|c| c.is_ascii_digit() || c == '.') {
                return Err(unknown());
            }
            Ok(p)
        };
        let short_forms: [(&str, RangeStatistic); 4] = [
            ("tm", Statistic::TrimmedMean),
            ("wm", Statistic::WinsorizedMean),
            ("tc", Statistic::TrimmedCount),
            ("ts", Statistic::TrimmedSum),
        ];
        for (prefix, make) in short_forms {
            if let Some(rest) = text.strip_prefix(prefix) {
                return Ok(make(Range { lower: Bound::Open, upper: Bound::Percent(percent(rest)?) }));
            }
        }
        if let Some(rest) = text.strip_prefix('p') {
            return Ok(Statistic::Percentile(percent(rest)?));
        }
        let long_forms: [(&str, RangeStatistic); 5] = [
            ("TM(", Statistic::TrimmedMean),
            ("WM(", Statistic::WinsorizedMean),
            ("TC(", Statistic::TrimmedCount),
            ("TS(", Statistic::TrimmedSum),
            ("PR(", Statistic::PercentileRank),
        ];
        for (prefix, make) in long_forms {
            if let Some(inner) = text.strip_prefix(prefix).and_then(|r| r.strip_suffix(')')) {
                let (low, high) = inner.split_once(':').ok_or_else(unknown)?;
                let bound = |b: &str| -> Result<Bound, String> {
                    if b.is_empty() {
                        Ok(Bound::Open)
                    } else if let Some(p) = b.strip_suffix('%') {
                        percent(p).map(Bound::Percent)
                    } else {
                        b.parse::<f64>().map(Bound::Value).map_err(|_| unknown())
                    }
                };
                let range = Range { lower: bound(low)?, upper: bound(high)? };
                if prefix == "PR(" && [range.lower, range.upper].iter().any(|b| matches!(b, Bound::Percent(_))) {
                    return Err(format!("{text}: PR takes values, not percentages"));
                }
                if range.lower == Bound::Open && range.upper == Bound::Open {
                    return Err(unknown());
                }
                return Ok(make(range));
            }
        }
        Err(unknown())
    }
}

impl fmt::Display for Statistic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let range = |f: &mut fmt::Formatter<'_>, name: &str, r: &Range| {
            let bound = |b: Bound| match b {
                Bound::Open => String::new(),
                Bound::Percent(p) => format!("{}%", trim(p)),
                Bound::Value(v) => trim(v),
            };
            write!(f, "{name}({}:{})", bound(r.lower), bound(r.upper))
        };
        match self {
            Statistic::SampleCount => f.write_str("SampleCount"),
            Statistic::Sum => f.write_str("Sum"),
            Statistic::Average => f.write_str("Average"),
            Statistic::Minimum => f.write_str("Minimum"),
            Statistic::Maximum => f.write_str("Maximum"),
            Statistic::Percentile(p) => write!(f, "p{}", trim(*p)),
            Statistic::TrimmedMean(r) => range(f, "TM", r),
            Statistic::WinsorizedMean(r) => range(f, "WM", r),
            Statistic::TrimmedCount(r) => range(f, "TC", r),
            Statistic::TrimmedSum(r) => range(f, "TS", r),
            Statistic::PercentileRank(r) => range(f, "PR", r),
        }
    }
}

fn trim(value: f64) -> String {
    let text = value.to_string();
    text.strip_suffix(".0").map(str::to_string).unwrap_or(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples(values: &[f64]) -> Samples {
        let mut s = Samples::default();
        values.iter().for_each(|v| s.add(*v));
        s
    }

    fn stat(text: &str, values: &[f64]) -> Option<f64> {
        text.parse::<Statistic>().unwrap().compute(&samples(values))
    }

    #[test]
    fn simple_statistics() {
        let v = [4.0, 1.0, 3.0, 2.0];
        assert_eq!(stat("SampleCount", &v), Some(4.0));
        assert_eq!(stat("Sum", &v), Some(10.0));
        assert_eq!(stat("Average", &v), Some(2.5));
        assert_eq!(stat("Minimum", &v), Some(1.0));
        assert_eq!(stat("Maximum", &v), Some(4.0));
        assert_eq!(stat("Sum", &[]), None);
    }

    #[test]
    fn percentiles_use_nearest_rank() {
        let v: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(stat("p50", &v), Some(5.0));
        assert_eq!(stat("p90", &v), Some(9.0));
        assert_eq!(stat("p99", &v), Some(10.0));
        assert_eq!(stat("p0", &v), Some(1.0));
        assert_eq!(stat("p99.9", &[7.0]), Some(7.0));
        assert_eq!(stat("p50", &[-1.0, 2.0]), None, "extended statistics need non-negative samples");
    }

    #[test]
    fn trimmed_and_winsorized_statistics() {
        let v: Vec<f64> = (1..=10).map(f64::from).collect();
        // tm90: ranks 1..=9.
        assert_eq!(stat("tm90", &v), Some(5.0));
        assert_eq!(stat("tc90", &v), Some(9.0));
        assert_eq!(stat("ts90", &v), Some(45.0));
        // IQM: ranks 3..=7 of 10 (25% of 10 = 2.5 < r <= 7.5).
        assert_eq!(stat("IQM", &v), Some(5.0));
        assert_eq!(stat("TM(10%:90%)", &v), Some(5.5));
        // Absolute bounds: lower excluded, upper included.
        assert_eq!(stat("TM(2:5)", &v), Some(4.0));
        assert_eq!(stat("TC(2:5)", &v), Some(3.0));
        // wm80 clamps 9 and 10 to 8: (1+..+8+8+8)/10.
        assert_eq!(stat("wm80", &v), Some(5.2));
        assert_eq!(stat("PR(:5)", &v), Some(50.0));
        assert_eq!(stat("PR(8:)", &v), Some(20.0));
        assert_eq!(stat("TM(20:30)", &v), None, "nothing in range");
    }

    #[test]
    fn parsing_and_printing() {
        for text in ["Sum", "p99", "p99.9", "TM(10%:90%)", "TM(100:200)", "TC(:95%)", "TS(80%:)", "PR(10:)"] {
            assert_eq!(text.parse::<Statistic>().unwrap().to_string(), text);
        }
        assert_eq!("tm99".parse::<Statistic>().unwrap().to_string(), "TM(:99%)");
        for bad in ["sum", "p101", "q50", "TM(:)", "PR(10%:90%)", "Median"] {
            assert!(bad.parse::<Statistic>().is_err(), "{bad}");
        }
    }
}
