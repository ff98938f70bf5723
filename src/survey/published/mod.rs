//! Results the ministry and the PAPI team have published, kept as data with the source of every
//! figure (`surveys/published/`): the city's own series, the merged provinces', national means
//! and each year's rank-20 line. Leaders compare this year's estimate with these, and the
//! chance of the top 20 is drawn against the latest line.

mod against;
mod merged;
mod papi_table;
mod read;
mod trajectory;

pub use against::Against;
pub use merged::{parse_mergers, MergedYear, Merger, Weight};
pub use papi_table::{PapiRow, PapiTable, PapiYear};
pub use read::{load_published, parse_published, PUBLISHED_DIR};
pub use trajectory::{Step, ThisYear, Trajectory};

use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::BTreeMap;

/// The three national indices the city is measured on.
pub const INDICES: [&str; 3] = ["parindex", "sipas", "papi"];

/// The city whose series the pages show (before the 2025 merger, the old city).
pub const CITY: &str = "Cần Thơ";

/// Where a figure comes from, in both languages.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SourceText {
    pub vi: String,
    pub en: String,
}

/// One province's published value and rank for one year.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Result {
    /// `parindex`, `sipas` or `papi`.
    pub index: String,
    pub province: String,
    pub year: i32,
    /// Exact as published (percent, or PAPI's 8–80 points); absent where only the rank is known.
    #[schema(value_type = Option<String>)]
    pub value: Option<Decimal>,
    pub rank: Option<u32>,
    /// How many provinces were ranked that year.
    pub ranked: Option<u32>,
    /// Set where the figure is worked out from others, not stated by the source: how.
    pub derived: Option<String>,
    pub derived_en: Option<String>,
    pub sources: Vec<String>,
}

/// The mean of all provinces for one index and year.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct National {
    pub index: String,
    pub year: i32,
    #[schema(value_type = String)]
    pub mean: Decimal,
    pub note: Option<String>,
    pub note_en: Option<String>,
    pub sources: Vec<String>,
}

/// The value the province ranked 20th had: exact (PAPI, from its table) or only bounded.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Line {
    pub index: String,
    pub year: i32,
    #[schema(value_type = String)]
    pub low: Decimal,
    #[schema(value_type = String)]
    pub high: Decimal,
    /// True where only bounds are known: the line lies somewhere between them.
    pub estimate: bool,
    /// How the bounds were found, in words.
    pub note: String,
    pub note_en: String,
    pub sources: Vec<String>,
}

/// Everything published that the pages and the chance rest on.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Published {
    /// The data's version, raised when a year is added.
    pub version: String,
    pub sources: BTreeMap<String, SourceText>,
    pub results: Vec<Result>,
    pub national: Vec<National>,
    pub lines: Vec<Line>,
    pub papi_table: PapiTable,
    /// The 63 old provinces, the 34 they became on 1 July 2025, and their populations.
    pub mergers: Vec<Merger>,
    /// The population basis of the mergers' weights, in words (Vietnamese, English), and its
    /// sources.
    pub mergers_basis: Option<(String, String)>,
    pub mergers_sources: Vec<String>,
    /// The merged city's PAPI each year as the population-weighted mean of its old provinces,
    /// and where it would have stood among the merged provinces: an estimate.
    pub merged_city_papi: Vec<MergedYear>,
}

impl Published {
    /// The newest rank-20 line of an index.
    pub fn latest_line(&self, index: &str) -> Option<&Line> {
        self.lines
            .iter()
            .filter(|l| l.index == index)
            .max_by_key(|l| l.year)
    }

    /// A province's published results for an index, oldest first.
    pub fn series(&self, index: &str, province: &str) -> Vec<&Result> {
        let mut rows: Vec<&Result> = self
            .results
            .iter()
            .filter(|r| r.index == index && r.province == province)
            .collect();
        rows.sort_by_key(|r| r.year);
        rows
    }

    /// The city's newest result that has a value.
    pub fn latest_valued(&self, index: &str) -> Option<&Result> {
        self.series(index, CITY)
            .into_iter()
            .rev()
            .find(|r| r.value.is_some())
    }

    /// The sources named, in words, joined for a sentence.
    pub fn cite(&self, keys: &[String]) -> (String, String) {
        let pick = |en: bool| {
            keys.iter()
                .filter_map(|k| self.sources.get(k))
                .map(|s| if en { s.en.as_str() } else { s.vi.as_str() })
                .collect::<Vec<_>>()
                .join("; ")
        };
        (pick(false), pick(true))
    }

    /// No data: a server started without `surveys/published/` says so on its pages.
    pub fn empty() -> Published {
        Published {
            version: String::new(),
            sources: BTreeMap::new(),
            results: Vec::new(),
            national: Vec::new(),
            lines: Vec::new(),
            papi_table: PapiTable::default(),
            mergers: Vec::new(),
            mergers_basis: None,
            mergers_sources: Vec::new(),
            merged_city_papi: Vec::new(),
        }
    }
}
