//! 95 % intervals.

use statrs::distribution::{ContinuousCDF, Normal};

/// Two-sided 95 % normal quantile.
pub fn z95() -> f64 {
    Normal::standard().inverse_cdf(0.975)
}

/// Wilson score interval for a share `successes / n`, in [0, 1].
pub fn wilson(successes: f64, n: f64) -> Option<(f64, f64)> {
    if n <= 0.0 {
        return None;
    }
    let z = z95();
    let p = successes / n;
    let z2 = z * z;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / (1.0 + z2 / n);
    Some(((centre - half).max(0.0), (centre + half).min(1.0)))
}

/// Normal interval `value ± z·sd`, clipped to `[lo, hi]`.
pub fn normal(value: f64, variance: f64, lo: f64, hi: f64) -> (f64, f64) {
    let half = z95() * variance.max(0.0).sqrt();
    ((value - half).max(lo), (value + half).min(hi))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_matches_textbook_value() {
        // 81 of 263: 0.2553 .. 0.3662 (Newcombe 1998, example).
        let (lo, hi) = wilson(81.0, 263.0).unwrap();
        assert!(
            (lo - 0.2553).abs() < 5e-4 && (hi - 0.3662).abs() < 5e-4,
            "{lo} {hi}"
        );
    }

    #[test]
    fn wilson_stays_inside_unit_interval() {
        let (lo, hi) = wilson(0.0, 5.0).unwrap();
        assert!(lo.abs() < 1e-12);
        assert!(hi > 0.0 && hi < 1.0);
        assert!(wilson(0.0, 0.0).is_none());
    }
}
