//! Numbers as EventBridge compares them: fixed-point integers of six decimals between
//! -5.0e9 and +5.0e9 (AWS's "numeric matching" limits), built on the exact decimals of
//! the filter-pattern engine ([`crate::matcher::number::Decimal`]).

use crate::matcher::number::Decimal;

/// Decimals kept: comparisons are exact to six places.
pub const DECIMALS: u32 = 6;
/// Largest magnitude, in units of 10^-6.
const LIMIT: i128 = 5_000_000_000 * 1_000_000;

/// A number in EventBridge's comparable form: its value times 10^6.
pub type Comparable = i64;

/// The comparable form of a JSON number's text, or AWS's reason why it has none.
pub fn comparable(text: &str) -> Result<Comparable, String> {
    let Some(decimal) = Decimal::parse(text) else {
        return Err(format!("Invalid number: {text}"));
    };
    if decimal.fraction_digits() > u64::from(DECIMALS) {
        // AWS follows this with its own rendering of the number (trailwatch does not).
        return Err("Only values upto 6 decimals are supported".to_string());
    }
    match decimal.to_fixed_point(DECIMALS) {
        Some(value) if (-LIMIT..=LIMIT).contains(&value) => Ok(value as Comparable),
        _ => Err("Value must be between -5.0E9 and 5.0E9, inclusive".to_string()),
    }
}

/// The comparable form of an event's number, when it has one (others compare only as text).
pub fn event_comparable(text: &str) -> Option<Comparable> {
    // The common case, a plain integer of at most 10 digits, without the decimal machinery.
    let digits = text.strip_prefix('-').unwrap_or(text);
    if !digits.is_empty() && digits.len() <= 10 && digits.bytes().all(|b| b.is_ascii_digit()) {
        let magnitude: i128 = digits.parse().ok()?;
        let value = if text.starts_with('-') { -magnitude } else { magnitude } * 1_000_000;
        return (-LIMIT..=LIMIT).contains(&value).then_some(value as Comparable);
    }
    comparable(text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn six_decimals_within_five_billion() {
        assert_eq!(comparable("301.8"), Ok(301_800_000));
        assert_eq!(comparable("3.018e2"), Ok(301_800_000));
        assert_eq!(comparable("-5e9"), Ok(-5_000_000_000_000_000));
        assert!(comparable("5000000000.000001").unwrap_err().contains("-5.0E9 and 5.0E9"));
        assert!(comparable("0.0000001").unwrap_err().starts_with("Only values upto 6 decimals"));
        assert_eq!(comparable("1.0000000"), Ok(1_000_000));
        assert_eq!(event_comparable("123456789012"), None);
        assert_eq!(event_comparable("-12"), Some(-12_000_000));
        assert_eq!(event_comparable("300.0"), Some(300_000_000));
    }
}
