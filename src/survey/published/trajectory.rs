//! The city's path on one index: the plan's 2022 baseline, each year published since, and this
//! year's estimate with its interval.

use super::{Line, Published, CITY};
use rust_decimal::prelude::ToPrimitive;
use serde::Serialize;

/// One year on the path.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Step {
    pub year: i32,
    pub value: Option<f64>,
    /// This year's 95 % interval; none for published years.
    pub low: Option<f64>,
    pub high: Option<f64>,
    pub rank: Option<u32>,
    pub ranked: Option<u32>,
    /// Worked out from other published figures rather than stated.
    pub derived: bool,
    /// This year's estimate from the city's own forms, not a published result.
    pub estimate: bool,
    /// Forms behind this year's estimate.
    pub n: Option<i64>,
}

/// The path of one index, with the newest rank-20 line to read it against.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Trajectory {
    pub index: String,
    pub steps: Vec<Step>,
    pub line: Option<Line>,
}

impl Trajectory {
    /// The newest published year (not this year's estimate).
    pub fn latest_published(&self) -> Option<&Step> {
        self.steps.iter().rev().find(|s| !s.estimate)
    }
}

/// This year's estimate of an index from the city's own forms.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ThisYear {
    pub year: i32,
    pub value: f64,
    pub low: Option<f64>,
    pub high: Option<f64>,
    pub n: Option<i64>,
}

impl Published {
    /// The city's path on `index` from the plan's baseline year `from`, ending with `now` where
    /// there is an estimate (and where its year is past the published ones).
    pub fn trajectory(&self, index: &str, from: i32, now: Option<ThisYear>) -> Trajectory {
        let mut steps: Vec<Step> = self
            .series(index, CITY)
            .into_iter()
            .filter(|r| r.year >= from)
            .map(|r| Step {
                year: r.year,
                value: r.value.and_then(|v| v.to_f64()),
                low: None,
                high: None,
                rank: r.rank,
                ranked: r.ranked,
                derived: r.derived.is_some(),
                estimate: false,
                n: None,
            })
            .collect();
        if let Some(t) = now.filter(|t| steps.iter().all(|s| s.year < t.year)) {
            steps.push(Step {
                year: t.year,
                value: Some(t.value),
                low: t.low,
                high: t.high,
                rank: None,
                ranked: None,
                derived: false,
                estimate: true,
                n: t.n,
            });
        }
        Trajectory {
            index: index.to_string(),
            steps,
            line: self.latest_line(index).cloned(),
        }
    }
}
