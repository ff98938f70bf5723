//! Official point conversions, in exact decimals.

use rust_decimal::{Decimal, RoundingStrategy};

const HALF_UP: RoundingStrategy = RoundingStrategy::MidpointAwayFromZero;

/// PAR INDEX 8.1.k: the index in % rounded half-up to 2 dp, times max points ÷ 100, rounded
/// half-up to 4 dp. Reproduces Cần Thơ 2022 (80.24 % of 1.5 → 1.2036); binary floating point
/// would round 84.37 × 2.5 = 210.925 the wrong way.
pub fn percent_of_max(percent: Decimal, max: Decimal) -> Decimal {
    let shown = percent.round_dp_with_strategy(2, HALF_UP);
    (shown * max / Decimal::ONE_HUNDRED).round_dp_with_strategy(4, HALF_UP)
}

/// A share given in % times max points, rounded half-up to 4 dp (no intermediate rounding:
/// the officials' survey conversion is not published, so nothing is rounded that need not be).
pub fn share_of_max(percent: Decimal, max: Decimal) -> Decimal {
    (percent * max / Decimal::ONE_HUNDRED).round_dp_with_strategy(4, HALF_UP)
}

/// The published form of an index: rounded half-up to 2 dp.
pub fn round2(value: Decimal) -> Decimal {
    value.round_dp_with_strategy(2, HALF_UP)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    /// Cần Thơ 2022, plan 121/KH-UBND Phụ lục I, criterion 8.1.
    #[test]
    fn reproduces_can_tho_2022_points_to_the_last_digit() {
        let cases = [
            ("80.24", "1.5", "1.2036"),
            ("80.18", "1.5", "1.2027"),
            ("84.37", "2.5", "2.1093"),
            ("81.03", "2.5", "2.0258"),
            ("76.43", "2.0", "1.5286"),
        ];
        let mut total = Decimal::ZERO;
        for (pct, max, want) in cases {
            let got = percent_of_max(d(pct), d(max));
            assert_eq!(got, d(want), "{pct} % of {max}");
            total += got;
        }
        assert_eq!(total, d("8.0700"));
    }

    #[test]
    fn rounds_the_index_before_converting() {
        // 80.235 shows as 80.24, so it earns what 80.24 earns.
        assert_eq!(percent_of_max(d("80.235"), d("1.5")), d("1.2036"));
        assert_eq!(percent_of_max(d("80.2349"), d("1.5")), d("1.2035"));
    }
}
