//! What an index's chance of the top 20 is drawn against: the newest published rank-20 line,
//! and for PAPI, whose whole table is published, every other province's total that year.

use super::{Line, Published, CITY};
use serde::Serialize;

/// The newest line of an index, the field behind it where known, and its sources in words.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Against {
    pub line: Line,
    /// Every other ranked province's value in the line's year (PAPI only; empty elsewhere).
    pub field: Vec<(String, f64)>,
    /// Provinces ranked that year, where the table says.
    pub ranked: Option<u32>,
    /// How far a province's value moves in a year, measured over the table: (sd, changes).
    pub measured_movement: Option<(f64, usize)>,
    /// The line's sources, in Vietnamese and in English.
    pub cited: (String, String),
}

impl Published {
    /// The newest line of `index`, or none where no line of it is published.
    pub fn against(&self, index: &str) -> Option<Against> {
        let line = self.latest_line(index)?.clone();
        let (field, ranked, measured_movement) = if index == "papi" {
            let t = &self.papi_table;
            (
                t.others(line.year, CITY),
                Some(t.ranked(line.year)).filter(|&n| n > 0),
                t.yearly_movement(),
            )
        } else {
            (Vec::new(), None, None)
        };
        Some(Against {
            cited: self.cite(&line.sources),
            line,
            field,
            ranked,
            measured_movement,
        })
    }
}
