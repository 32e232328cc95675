//! Numbers as AWS compares them.
//!
//! The recordings show a Jackson-like model on the event side: a JSON integer is exact
//! (`9007199254740993` differs from `9007199254740992`); any other JSON number is a double
//! (`1e-999` is `0.0`, `1e309` is infinite and then no number at all) whose text, when it
//! is compared as a string, is Java's `Double.toString` (`1.0`, `1000.0`, `Infinity`).
//! Pattern literals are exact decimals (`1e-999` does not equal `0.0`). [`Decimal`] gives
//! exact comparison for both.

use std::cmp::Ordering;

/// An exact decimal `digits × 10^exponent` (sign separate), normalised so that equal
/// values have equal representations: no leading or trailing zero digits, zero is
/// `digits == []` and never negative.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decimal {
    negative: bool,
    digits: Vec<u8>,
    exponent: i64,
}

/// Exponents beyond this are treated as not-a-number rather than risking huge work.
const MAX_EXPONENT: i64 = 1 << 40;

impl Decimal {
    /// Parses a numeric literal (`-5`, `+1000`, `55.5`, `.5`, `1e-3`); `None` if `text` is
    /// not one.
    pub fn parse(text: &str) -> Option<Decimal> {
        if !crate::pattern::is_number(text) {
            return None;
        }
        let (negative, unsigned) = match text.as_bytes().first() {
            Some(b'-') => (true, &text[1..]),
            Some(b'+') => (false, &text[1..]),
            _ => (false, text),
        };
        let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
            Some(i) => (&unsigned[..i], unsigned[i + 1..].parse::<i64>().ok()?),
            None => (unsigned, 0),
        };
        if exponent.abs() > MAX_EXPONENT {
            return None;
        }
        let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let digits: Vec<u8> = int_part.bytes().chain(frac_part.bytes()).map(|b| b - b'0').collect();
        Some(Decimal::new(negative, digits, exponent - frac_part.len() as i64))
    }

    fn new(negative: bool, mut digits: Vec<u8>, mut exponent: i64) -> Decimal {
        let leading = digits.iter().take_while(|&&d| d == 0).count();
        digits.drain(..leading);
        while digits.last() == Some(&0) {
            digits.pop();
            exponent += 1;
        }
        if digits.is_empty() {
            return Decimal { negative: false, digits, exponent: 0 };
        }
        Decimal { negative, digits, exponent }
    }

    /// The exact value of a finite double, through its shortest round-trip digits (so the
    /// double nearest `0.1` is `0.1`, as Java's `BigDecimal.valueOf` would have it).
    pub fn from_f64(value: f64) -> Option<Decimal> {
        if !value.is_finite() {
            return None;
        }
        let (negative, digits, exponent) = shortest_digits(value);
        let scale = exponent - (digits.len() as i64 - 1);
        Some(Decimal::new(negative, digits, scale))
    }

    /// Digits after the decimal point once trailing zeros are dropped (`1.50` -> 1,
    /// `100` -> 0), as Java's `BigDecimal.stripTrailingZeros().scale()` would say (never
    /// negative here).
    pub fn fraction_digits(&self) -> u64 {
        if self.exponent < 0 {
            self.exponent.unsigned_abs()
        } else {
            0
        }
    }

    /// The value times `10^decimals` as an integer, when it is one and fits an `i128`
    /// (EventBridge compares numbers as fixed-point integers of six decimals).
    pub fn to_fixed_point(&self, decimals: u32) -> Option<i128> {
        if self.fraction_digits() > u64::from(decimals) {
            return None;
        }
        let shift = self.exponent.checked_add(i64::from(decimals))?;
        if shift > 38 {
            return if self.is_zero() { Some(0) } else { None };
        }
        let mut value: i128 = 0;
        for &d in &self.digits {
            value = value.checked_mul(10)?.checked_add(i128::from(d))?;
        }
        for _ in 0..shift {
            value = value.checked_mul(10)?;
        }
        Some(if self.negative { -value } else { value })
    }

    fn is_zero(&self) -> bool {
        self.digits.is_empty()
    }

    /// The power of ten of the leading digit (`123` -> 2, `0.05` -> -2).
    fn magnitude(&self) -> i64 {
        self.exponent + self.digits.len() as i64 - 1
    }
}

impl Ord for Decimal {
    fn cmp(&self, other: &Decimal) -> Ordering {
        let sign = |d: &Decimal| {
            if d.is_zero() {
                0
            } else if d.negative {
                -1
            } else {
                1
            }
        };
        match sign(self).cmp(&sign(other)) {
            Ordering::Equal if sign(self) == 0 => Ordering::Equal,
            Ordering::Equal => {
                let magnitude = self.magnitude().cmp(&other.magnitude()).then_with(|| {
                    // Same leading power: compare digit by digit, missing digits are zeros.
                    let len = self.digits.len().max(other.digits.len());
                    (0..len)
                        .map(|i| self.digits.get(i).unwrap_or(&0).cmp(other.digits.get(i).unwrap_or(&0)))
                        .find(|o| o.is_ne())
                        .unwrap_or(Ordering::Equal)
                });
                if self.negative {
                    magnitude.reverse()
                } else {
                    magnitude
                }
            }
            unequal => unequal,
        }
    }
}

impl PartialOrd for Decimal {
    fn partial_cmp(&self, other: &Decimal) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A JSON number as the service sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct JsonNumber {
    /// `None` for numbers that overflow a double: they compare with no number.
    pub value: Option<Decimal>,
    /// The text used when the number is compared with a string, glob or regex.
    pub text: String,
}

impl JsonNumber {
    /// Interprets the JSON number literal `raw` (valid JSON number syntax).
    pub fn from_json(raw: &str) -> JsonNumber {
        let is_integer = !raw.contains(['.', 'e', 'E']);
        if is_integer {
            if let Some(value) = Decimal::parse(raw) {
                let digits = raw.trim_start_matches('-');
                let text = if value.is_zero() {
                    "0".to_string()
                } else if raw.starts_with('-') {
                    format!("-{digits}")
                } else {
                    digits.to_string()
                };
                return JsonNumber { value: Some(value), text };
            }
        }
        match raw.parse::<f64>() {
            Ok(double) if double.is_finite() => {
                JsonNumber { value: Decimal::from_f64(double), text: java_double_text(double) }
            }
            Ok(double) => JsonNumber { value: None, text: java_double_text(double) },
            Err(_) => JsonNumber { value: None, text: raw.to_string() },
        }
    }
}

/// The shortest decimal digits that round-trip `value`, with the power of ten of the first
/// digit: `1234.5` -> (false, [1,2,3,4,5], 3).
fn shortest_digits(value: f64) -> (bool, Vec<u8>, i64) {
    // `{:e}` prints the shortest round-trip representation, e.g. `1.2345e3`, `-5e-324`.
    let formatted = format!("{value:e}");
    let (mantissa, exponent) = formatted.split_once('e').unwrap_or((&formatted, "0"));
    let negative = mantissa.starts_with('-');
    let digits: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).map(|b| b - b'0').collect();
    (negative, digits, exponent.parse().unwrap_or(0))
}

/// Java's `Double.toString`: plain notation with at least one fraction digit for
/// 10^-3 <= |d| < 10^7, otherwise `d.dddE±n`.
pub fn java_double_text(value: f64) -> String {
    if value.is_nan() {
        return "NaN".into();
    }
    if value.is_infinite() {
        return if value > 0.0 { "Infinity".into() } else { "-Infinity".into() };
    }
    if value == 0.0 {
        return if value.is_sign_negative() { "-0.0".into() } else { "0.0".into() };
    }
    let (negative, digits, exponent) = shortest_digits(value);
    let digit_text: String = digits.iter().map(|d| char::from(b'0' + d)).collect();
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    let magnitude = value.abs();
    if (1e-3..1e7).contains(&magnitude) {
        if exponent >= 0 {
            let int_len = exponent as usize + 1;
            if digit_text.len() <= int_len {
                out.push_str(&digit_text);
                out.push_str(&"0".repeat(int_len - digit_text.len()));
                out.push_str(".0");
            } else {
                out.push_str(&digit_text[..int_len]);
                out.push('.');
                out.push_str(&digit_text[int_len..]);
            }
        } else {
            out.push_str("0.");
            out.push_str(&"0".repeat((-exponent - 1) as usize));
            out.push_str(&digit_text);
        }
    } else {
        out.push_str(&digit_text[..1]);
        out.push('.');
        out.push_str(if digit_text.len() > 1 { &digit_text[1..] } else { "0" });
        out.push_str(&format!("E{exponent}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_point_is_exact_or_nothing() {
        let fixed = |t: &str| Decimal::parse(t).unwrap().to_fixed_point(6);
        assert_eq!(fixed("1.5"), Some(1_500_000));
        assert_eq!(fixed("-0.000001"), Some(-1));
        assert_eq!(fixed("1e2"), Some(100_000_000));
        assert_eq!(fixed("1.0000001"), None);
        assert_eq!(fixed("1e99"), None);
        assert_eq!(fixed("0e99"), Some(0));
        assert_eq!(Decimal::parse("2.50").unwrap().fraction_digits(), 1);
    }

    fn d(text: &str) -> Decimal {
        Decimal::parse(text).unwrap()
    }

    #[test]
    fn decimals_compare_exactly() {
        assert_eq!(d("1"), d("1.0"));
        assert_eq!(d("1e3"), d("1000"));
        assert_eq!(d("+1"), d("1"));
        assert_eq!(d("-0"), d("0.0"));
        assert!(d("9007199254740993") > d("9007199254740992"));
        assert!(d("1e-999") > d("0"));
        assert!(d("-10") < d("-5"));
        assert!(d("0.5") > d("10e-3"));
        assert!(d("55.5") <= d("55.5"));
        assert!(d("-1e400") < d("1e-400"));
    }

    #[test]
    fn json_numbers_follow_jackson() {
        let n = JsonNumber::from_json;
        assert_eq!(n("1").text, "1");
        assert_eq!(n("1.0").text, "1.0");
        assert_eq!(n("1e3").text, "1000.0");
        assert_eq!(n("1e309").text, "Infinity");
        assert_eq!(n("1e309").value, None);
        assert_eq!(n("1e-999").text, "0.0");
        assert_eq!(n("1e-999").value, Some(d("0")));
        assert_eq!(n("-0.0").text, "-0.0");
        assert_eq!(n("-0").text, "0");
        assert_eq!(n("9007199254740993").value, Some(d("9007199254740993")));
        assert_eq!(n("0.1").value, Some(d("0.1")));
    }

    #[test]
    fn java_double_text_switches_notation_like_java() {
        assert_eq!(java_double_text(1e7), "1.0E7");
        assert_eq!(java_double_text(1234567.0), "1234567.0");
        assert_eq!(java_double_text(0.001), "0.001");
        assert_eq!(java_double_text(0.0001), "1.0E-4");
        assert_eq!(java_double_text(-1.5e-10), "-1.5E-10");
        assert_eq!(java_double_text(55.5), "55.5");
        assert_eq!(java_double_text(100.0), "100.0");
    }
}
