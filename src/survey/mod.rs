//! Instruments as data: definition structs, the TOML loader with its checks, the index tree,
//! and validation of a submission against a definition. No web or database code here.
//!
//! An instrument loads by stage: `source` places errors at `file:line`, `raw` holds the TOML as
//! written, then `questions`, `ranks` and `tree` check and build their parts, run in order by
//! `load`; each reports its problems to the `check` stage's checker. `decimal` reads the
//! exact numbers all definitions use.

pub mod baselines;
mod check;
mod decimal;
#[cfg(test)]
mod fixture;
mod load;
pub mod paper;
pub mod par;
pub mod plan;
pub mod published;
mod questions;
mod ranks;
mod raw;
mod read_maps;
mod source;
mod submission;
mod succession;
mod tree;
pub mod unit_maps;
mod units;
mod versions;

pub use baselines::MergedBaselines;
pub use load::{load_dir, load_file, parse as parse_definition, Catalog, UNITS_FILE};
pub use read_maps::RollUp;
pub use source::DefinitionError;
pub use submission::{validate, FieldError, RawSubmission, ValidSubmission};
pub use unit_maps::{load_unit_maps, UNITS_DIR};
pub use units::{load_units, parse_units, CrosswalkRow, Unit, UnitSet, UnitTree};
pub use versions::EndedGroup;

use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// One questionnaire, as loaded from `surveys/*.toml`.
#[derive(Debug, Clone)]
pub struct Survey {
    pub id: String,
    /// Short hash of the definition file: answers record which wording they were given.
    pub version: String,
    pub title: String,
    pub title_en: Option<String>,
    pub instrument: String,
    pub intro: Option<String>,
    /// The introduction on a slip's code page (`/o/CODE`), answered away from the counter.
    pub intro_online: Option<String>,
    pub thanks: Option<String>,
    pub scales: BTreeMap<String, Scale>,
    pub background: Vec<Background>,
    pub sections: Vec<Section>,
    pub groups: Vec<Choice>,
    /// How respondent groups combine into an item's share.
    pub pooling: Pooling,
    pub open: Vec<OpenQuestion>,
    pub index: Vec<IndexNode>,
    /// Published values of other provinces, to place an estimate among them.
    pub rank_table: Option<RankTable>,
    /// Paper forms enter the scores when keyed once, not only once verified by a second
    /// keying (`count_single_keyed = true`); pages then say so.
    pub count_single_keyed: bool,
    /// Collected by interviewers at people's homes (`mode = "interview"`): the interviewer
    /// app downloads it to tablets.
    pub interview: bool,
    /// How the chance of reaching the top 20 is simulated for the root index.
    pub top20: Option<Top20Setting>,
    /// The earlier version of the instrument this one replaces, if any.
    pub supersedes: Option<String>,
    /// Respondent groups of the earlier version that no longer exist, and since when.
    pub ended_groups: Vec<EndedGroup>,
    pub file: String,
}

/// The other provinces a root index is measured against, and where that assumption comes
/// from: an estimated threshold range (no published field), or the rank table's provinces
/// moving by a normal year-to-year change of sd `movement`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Top20Setting {
    pub threshold: Option<(f64, f64)>,
    pub movement: Option<f64>,
    pub rank: usize,
    pub note: String,
    /// The note in English, for the English pages.
    pub note_en: Option<String>,
    /// The newest published rank-20 line of the survey's index, bound when definitions load;
    /// it takes the place of `threshold`.
    pub against: Option<published::Against>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pooling {
    /// Every respondent's answer weighs the same.
    Pooled,
    /// Each respondent group weighs the same: the mean of the group means.
    MeanOfGroups,
}

/// A free-text question (a comment); never scored.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct OpenQuestion {
    pub code: String,
    pub text: String,
    pub max_length: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RankTable {
    pub source: String,
    /// (province, value), one row per province that has a value.
    pub rows: Vec<(String, f64)>,
}

#[derive(Debug, Clone)]
pub struct Scale {
    pub code: String,
    pub values: Vec<ScaleValue>,
    /// Label of the "no opinion" answer, stored as NULL and never scored.
    pub no_opinion: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ScaleValue {
    pub value: i16,
    pub label: String,
    pub label_en: Option<String>,
    /// Contribution y ∈ [0, 1] to the item index; `None` = missing data (not scored).
    pub score: Option<Decimal>,
}

#[derive(Debug, Clone)]
pub struct Section {
    pub code: String,
    pub title: String,
    pub items: Vec<Item>,
}

#[derive(Debug, Clone)]
pub struct Item {
    pub code: String,
    pub text: String,
    pub text_en: Option<String>,
    pub scale: String,
    pub required: bool,
    pub show_if: Option<Condition>,
}

#[derive(Debug, Clone)]
pub struct Background {
    pub code: String,
    pub text: String,
    pub options: Vec<Choice>,
    pub required: bool,
    pub show_if: Option<Condition>,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Choice {
    pub code: String,
    pub label: String,
}

/// "Ask this only when question `code` was answered with one of `values`."
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Condition {
    pub code: String,
    #[serde(rename = "in")]
    pub values: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aggregate {
    Mean,
    Sum,
}

/// How a node turns its value into official points.
#[derive(Debug, Clone)]
pub enum PointsRule {
    /// Value in % rounded half-up to 2 dp × max ÷ 100, rounded half-up to 4 dp (PAR INDEX 8.1).
    PercentOfMax,
    /// Share (0..1) × max, rounded half-up to 4 dp (officials' survey sub-criteria).
    ShareOfMax,
    /// Sum of the children's points.
    SumOfChildren,
}

#[derive(Debug, Clone)]
pub struct Points {
    pub code: Option<String>,
    pub rule: PointsRule,
    pub max: Decimal,
    pub baseline: Option<Decimal>,
}

#[derive(Debug, Clone)]
pub struct IndexNode {
    pub code: String,
    pub name: String,
    /// The name in English, for the English pages.
    pub name_en: Option<String>,
    pub parent: Option<String>,
    pub aggregate: Aggregate,
    /// Leaf items under this node (empty when the node aggregates child nodes).
    pub items: Vec<String>,
    pub children: Vec<String>,
    pub baseline: Option<Decimal>,
    pub baseline_note: Option<String>,
    pub target: Option<Decimal>,
    pub target_note: Option<String>,
    pub owner: Option<String>,
    pub points: Option<Points>,
    /// PAPI sub-dimension: value S = (1 + 9·P)/k.
    pub papi_k: Option<u32>,
    /// Answers to this node's items count only for respondents meeting this condition.
    pub count_if: Option<Condition>,
}

impl Survey {
    /// The title in `lang`: its English title where the definition gives one.
    pub fn title_in(&self, lang: crate::text::Lang) -> &str {
        lang.titled(&self.title, self.title_en.as_deref())
    }

    pub fn items(&self) -> impl Iterator<Item = &Item> {
        self.sections.iter().flat_map(|s| s.items.iter())
    }

    pub fn item(&self, code: &str) -> Option<&Item> {
        self.items().find(|i| i.code == code)
    }

    pub fn scale_of(&self, item: &Item) -> Option<&Scale> {
        self.scales.get(&item.scale)
    }

    pub fn node(&self, code: &str) -> Option<&IndexNode> {
        self.index.iter().find(|n| n.code == code)
    }

    /// Roots of the index tree, in definition order.
    pub fn roots(&self) -> impl Iterator<Item = &IndexNode> {
        self.index.iter().filter(|n| n.parent.is_none())
    }

    /// Items that feed some index node: these get running counts and pair moments.
    pub fn scored_items(&self) -> Vec<&str> {
        let mut codes: Vec<&str> = self
            .index
            .iter()
            .flat_map(|n| n.items.iter().map(String::as_str))
            .collect();
        codes.sort_unstable();
        codes.dedup();
        codes
    }

    /// The condition under which `item`'s answers count, from the node that lists it.
    pub fn count_if(&self, item: &str) -> Option<&Condition> {
        self.index
            .iter()
            .find(|n| n.items.iter().any(|i| i == item))
            .and_then(|n| n.count_if.as_ref())
    }

    /// The score y of `value` for `item`, or None when the answer is missing data.
    pub fn score_of(&self, item: &str, value: Option<i16>) -> Option<Decimal> {
        let item = self.item(item)?;
        let scale = self.scale_of(item)?;
        scale.value(value?).and_then(|v| v.score)
    }
}

impl Scale {
    pub fn value(&self, value: i16) -> Option<&ScaleValue> {
        self.values.iter().find(|v| v.value == value)
    }

    pub fn allows(&self, value: i16) -> bool {
        self.value(value).is_some()
    }

    /// The values as text, as conditions compare them and messages list them.
    pub fn value_texts(&self) -> Vec<String> {
        self.values.iter().map(|v| v.value.to_string()).collect()
    }
}
