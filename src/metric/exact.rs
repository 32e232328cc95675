//! Exact sums of doubles, rounded once.
//!
//! A sliding alarm window adds the minutes that enter it and removes the ones that leave.
//! With ordinary floating-point sums, removal is not the inverse of addition, and the result
//! would depend on the order in which minutes (or the per-file partials of a parallel read)
//! were added. An exact accumulator makes a window's sum a function of its samples alone:
//! every sum is the exact total of the values, rounded once to the nearest double (ties to
//! even). For integer-valued metrics below 2^53 (counts, the usual case) this is the same
//! number ordinary addition gives.
//!
//! The accumulator is a fixed-point integer: every finite double is an integer multiple of
//! 2^-1074, and the largest is below 2^1024, so 72 digits of 32 bits (2,304 bits) hold any
//! sum of up to 2^64 samples of any doubles, with room for the sign.

const DIGITS: usize = 72;
const DIGIT_BITS: u32 = 32;
const DIGIT_MASK: i64 = (1 << DIGIT_BITS) - 1;
const FRACTION_BITS: u32 = 52;

/// The exact sum of a multiset of doubles; values can be added and removed in any order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExactSum {
    /// The finite part times 2^1074, in two's complement: digits `0..DIGITS-1` are in
    /// `0..2^32`, the last digit carries the sign.
    digits: [i64; DIGITS],
    /// Non-finite samples, counted: positive and negative infinities, NaNs.
    infinities: (u64, u64),
    nans: u64,
}

impl Default for ExactSum {
    fn default() -> Self {
        ExactSum { digits: [0; DIGITS], infinities: (0, 0), nans: 0 }
    }
}

impl ExactSum {
    /// Adds `count` samples of `value`.
    pub fn add(&mut self, value: f64, count: u64) {
        self.apply(value, count, false);
    }

    /// Removes `count` samples of `value`, added before.
    pub fn remove(&mut self, value: f64, count: u64) {
        self.apply(value, count, true);
    }

    fn apply(&mut self, value: f64, count: u64, remove: bool) {
        if count == 0 {
            return;
        }
        if !value.is_finite() {
            let counter = if value.is_nan() {
                &mut self.nans
            } else if value > 0.0 {
                &mut self.infinities.0
            } else {
                &mut self.infinities.1
            };
            *counter = if remove { counter.wrapping_sub(count) } else { counter.wrapping_add(count) };
            return;
        }
        let bits = value.to_bits();
        let exponent = ((bits >> FRACTION_BITS) & 0x7ff) as u32;
        let fraction = bits & ((1 << FRACTION_BITS) - 1);
        // value = mantissa * 2^(shift - 1074)
        let (mantissa, shift) =
            if exponent == 0 { (fraction, 0) } else { (fraction | 1 << FRACTION_BITS, exponent - 1) };
        if mantissa == 0 {
            return;
        }
        let negative = (bits >> 63 == 1) != remove;
        // mantissa * count < 2^117; shifted by up to 31 bits it spans five digits.
        let product = u128::from(mantissa) * u128::from(count);
        let offset = shift % DIGIT_BITS;
        let low = product << offset;
        let high = if offset == 0 { 0 } else { product >> (128 - offset) };
        let first = (shift / DIGIT_BITS) as usize;
        let mut carry: i64 = 0;
        for (i, digit) in self.digits.iter_mut().enumerate().skip(first) {
            let j = i - first;
            let part = match j {
                0..=3 => ((low >> (DIGIT_BITS * j as u32)) as i64) & DIGIT_MASK,
                4 => high as i64,
                _ => 0,
            };
            if j > 4 && carry == 0 {
                break;
            }
            let sum = *digit + carry + if negative { -part } else { part };
            if i == DIGITS - 1 {
                *digit = sum;
                break;
            }
            *digit = sum & DIGIT_MASK;
            carry = sum >> DIGIT_BITS;
        }
    }

    /// The sum, rounded to the nearest double (ties to even); `0.0` when empty. Infinities
    /// and NaNs among the samples give what IEEE addition would.
    pub fn value(&self) -> f64 {
        match (self.infinities, self.nans) {
            (_, n) if n > 0 => return f64::NAN,
            ((p, n), _) if p > 0 && n > 0 => return f64::NAN,
            ((p, _), _) if p > 0 => return f64::INFINITY,
            ((_, n), _) if n > 0 => return f64::NEG_INFINITY,
            _ => {}
        }
        let negative = self.digits[DIGITS - 1] < 0;
        // The magnitude, digit by digit.
        let mut magnitude = [0u32; DIGITS];
        let mut carry = 0i64;
        for (out, digit) in magnitude.iter_mut().zip(self.digits) {
            let v = if negative { -digit } else { digit } + carry;
            *out = (v & DIGIT_MASK) as u32;
            carry = v >> DIGIT_BITS;
        }
        let Some(top) = magnitude.iter().rposition(|d| *d != 0) else { return 0.0 };
        let length = top as u32 * DIGIT_BITS + (DIGIT_BITS - magnitude[top].leading_zeros());
        let bit = |i: u32| (magnitude[(i / DIGIT_BITS) as usize] >> (i % DIGIT_BITS)) & 1 == 1;
        let bits = if length <= FRACTION_BITS + 1 {
            // Below 2^53 * 2^-1074 every value is a double whose bit pattern is the integer.
            u64::from(magnitude[0]) | u64::from(magnitude[1]) << DIGIT_BITS
        } else {
            let mut shift = length - (FRACTION_BITS + 1);
            let mut mantissa = (shift..length).rev().fold(0u64, |m, i| m << 1 | u64::from(bit(i)));
            let round = bit(shift - 1);
            // Any bit below the rounding bit: whole digits first, then the partial one.
            let below = shift - 1;
            let digit = (below / DIGIT_BITS) as usize;
            let sticky = magnitude[..digit].iter().any(|d| *d != 0)
                || magnitude[digit] & ((1u32 << (below % DIGIT_BITS)) - 1) != 0;
            if round && (sticky || mantissa & 1 == 1) {
                mantissa += 1;
                if mantissa == 1 << (FRACTION_BITS + 1) {
                    mantissa >>= 1;
                    shift += 1;
                }
            }
            let biased = u64::from(shift) + 1;
            if biased >= 0x7ff {
                return if negative { f64::NEG_INFINITY } else { f64::INFINITY };
            }
            biased << FRACTION_BITS | (mantissa & ((1 << FRACTION_BITS) - 1))
        };
        let magnitude = f64::from_bits(bits);
        if negative {
            -magnitude
        } else {
            magnitude
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sum(values: &[f64]) -> f64 {
        let mut s = ExactSum::default();
        values.iter().for_each(|v| s.add(*v, 1));
        s.value()
    }

    #[test]
    fn exact_where_floats_are_exact_and_rounded_once_where_not() {
        assert_eq!(sum(&[]), 0.0);
        assert_eq!(sum(&[1.0, 2.0, 3.0]), 6.0);
        assert_eq!(sum(&[-5.0, 2.0]), -3.0);
        assert_eq!(sum(&[1e308, 1e308, -1e308]), 1e308, "no intermediate overflow");
        assert_eq!(sum(&[1e308, 1e308]), f64::INFINITY);
        assert_eq!(sum(&[1.0, 1e-300, -1.0]), 1e-300, "no cancellation loss");
        assert_eq!(sum(&[f64::MIN_POSITIVE / 4.0, f64::MIN_POSITIVE / 4.0]), f64::MIN_POSITIVE / 2.0);
        assert_eq!(sum(&[5e-324, 5e-324, 5e-324]), 1.5e-323);
        assert_eq!(sum(&[0.1, 0.2]), 0.30000000000000004);
        assert_eq!(sum(&[f64::MAX, -f64::MAX, f64::MAX]), f64::MAX);
        assert_eq!(sum(&[2f64.powi(53), 1.0]), 2f64.powi(53), "a tie rounds to even");
        assert_eq!(sum(&[2f64.powi(53), 1.0, 1e-10]), 2f64.powi(53) + 2.0, "above the tie rounds up");
        assert!(sum(&[f64::INFINITY, f64::NEG_INFINITY]).is_nan());
        assert_eq!(sum(&[f64::INFINITY, 1.0]), f64::INFINITY);
        let mut s = ExactSum::default();
        s.add(0.1, u64::MAX);
        s.add(-0.1, u64::MAX);
        assert_eq!(s, ExactSum::default());
    }

    proptest! {
        /// Against i128 arithmetic on values that are multiples of 2^-40 below 2^60.
        #[test]
        fn matches_wide_integer_arithmetic(terms in prop::collection::vec((-(1i64 << 52)..(1i64 << 52), -40i32..8, 1u64..1000), 0..20)) {
            let mut exact: i128 = 0;
            let mut s = ExactSum::default();
            for (m, e, n) in &terms {
                let v = *m as f64 * 2f64.powi(*e);
                s.add(v, *n);
                exact += (i128::from(*m) * i128::from(*n)) << (e + 40);
            }
            // i128 -> f64 rounds to nearest, ties to even; the power of two is exact.
            prop_assert_eq!(s.value(), exact as f64 * 2f64.powi(-40));
        }

        /// Removal undoes addition, in any order, for any doubles.
        #[test]
        fn removal_undoes_addition(values in prop::collection::vec(any::<f64>(), 0..20), kept in prop::collection::vec(any::<f64>(), 0..5)) {
            let mut s = ExactSum::default();
            let mut only_kept = ExactSum::default();
            for v in &kept {
                s.add(*v, 2);
                only_kept.add(*v, 2);
            }
            for v in &values {
                s.add(*v, 3);
            }
            for v in values.iter().rev() {
                s.remove(*v, 3);
            }
            prop_assert_eq!(s.value().to_bits(), only_kept.value().to_bits());
        }
    }
}
