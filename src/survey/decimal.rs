//! Exact decimals in definition files: points and baselines must add up to the published
//! figures to the last digit, so they never pass through a float.

use rust_decimal::Decimal;
use serde::Deserialize;
use std::str::FromStr;

/// The largest magnitude a definition's figure may have. Points, scores, baselines and
/// published totals are all far smaller; sums and products of larger ones could overflow.
pub(super) const LARGEST: i64 = 1_000_000_000;

/// A decimal written as text, within ±[`LARGEST`]. Blanks are not allowed; callers trim where
/// they accept them.
pub(super) fn parse_decimal(text: &str) -> Option<Decimal> {
    Decimal::from_str(text)
        .ok()
        .filter(|d| d.abs() <= Decimal::from(LARGEST))
}

/// Numbers may be written as TOML numbers or as strings; either way they become exact decimals.
#[derive(Deserialize, Clone)]
#[serde(untagged)]
pub(super) enum RawNumber {
    Int(i64),
    Float(f64),
    Text(String),
}

impl RawNumber {
    pub fn decimal(&self) -> Option<Decimal> {
        match self {
            RawNumber::Int(i) => {
                Some(Decimal::from(*i)).filter(|_| i.unsigned_abs() <= LARGEST as u64)
            }
            // Display of f64 is the shortest text that reads back the same: 80.24 stays "80.24".
            RawNumber::Float(f) => parse_decimal(&f.to_string()),
            RawNumber::Text(s) => parse_decimal(s.trim()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_beyond_a_billion_are_refused() {
        assert_eq!(parse_decimal("1000000000"), Some(Decimal::from(LARGEST)));
        assert_eq!(parse_decimal("-1000000000.5"), None);
        assert_eq!(parse_decimal("79228162514264337593543950335"), None);
        assert_eq!(RawNumber::Int(i64::MIN).decimal(), None);
        assert_eq!(RawNumber::Float(1e300).decimal(), None);
    }

    fn read(toml: &str) -> Option<Decimal> {
        #[derive(Deserialize)]
        struct T {
            x: RawNumber,
        }
        toml::from_str::<T>(toml).ok()?.x.decimal()
    }

    #[test]
    fn integers_floats_and_text_read_exactly() {
        assert_eq!(read("x = 3"), Some(Decimal::from(3)));
        assert_eq!(read("x = 80.24"), Some(Decimal::new(8024, 2)));
        assert_eq!(read("x = \" 2.0 \""), Some(Decimal::new(20, 1)));
        assert_eq!(read("x = \"two\""), None);
    }

    #[test]
    fn text_with_blanks_is_not_a_decimal_unless_trimmed() {
        assert_eq!(parse_decimal(" 1.5"), None);
        assert_eq!(parse_decimal("1.5"), Some(Decimal::new(15, 1)));
    }
}
