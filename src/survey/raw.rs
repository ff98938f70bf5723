//! Definitions as written in TOML, before any check: the serde shapes the loader starts from.

use super::decimal::RawNumber;
use serde::Deserialize;
use toml::Spanned;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSurvey {
    pub id: Spanned<String>,
    pub title: String,
    pub title_en: Option<String>,
    pub instrument: String,
    pub intro: Option<String>,
    /// The introduction for someone answering at home (a slip's code), where the counter's
    /// "here" would not fit; the counter's when absent.
    pub intro_online: Option<String>,
    pub thanks: Option<String>,
    pub pooling: Option<Spanned<String>>,
    /// CSV of published values (relative to this file) to rank an estimate among provinces.
    pub rank_table: Option<Spanned<String>>,
    pub rank_column: Option<String>,
    /// The province the estimate stands for, left out of the table.
    pub rank_exclude: Option<String>,
    /// Paper forms count once keyed, before a second keying verifies them.
    #[serde(default)]
    pub count_single_keyed: bool,
    /// `"interview"`: collected by interviewers on tablets (the interviewer app offers it).
    pub mode: Option<Spanned<String>>,
    #[serde(default)]
    pub scales: Vec<RawScale>,
    #[serde(default)]
    pub groups: Vec<RawChoice>,
    #[serde(default)]
    pub open: Vec<RawOpen>,
    #[serde(default)]
    pub background: Vec<RawBackground>,
    #[serde(default)]
    pub sections: Vec<RawSection>,
    #[serde(default)]
    pub index: Vec<RawNode>,
    /// How the chance of reaching the top 20 is simulated for the root index.
    pub top20: Option<Spanned<RawTop20>>,
    /// The earlier version of this instrument this one replaces.
    pub supersedes: Option<Spanned<String>>,
    /// Respondent groups of the earlier version that no longer exist.
    #[serde(default)]
    pub ended_groups: Vec<Spanned<super::versions::EndedGroup>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTop20 {
    pub threshold_low: Option<f64>,
    pub threshold_high: Option<f64>,
    pub movement: Option<f64>,
    pub rank: Option<usize>,
    pub note: String,
    pub note_en: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawScale {
    pub code: Spanned<String>,
    pub no_opinion: Option<String>,
    pub values: Vec<RawScaleValue>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawScaleValue {
    pub value: Spanned<i64>,
    pub label: String,
    pub label_en: Option<String>,
    pub score: Option<Spanned<RawNumber>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawChoice {
    pub code: Spanned<String>,
    pub label: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawOpen {
    pub code: Spanned<String>,
    pub text: String,
    pub max_length: Option<usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawBackground {
    pub code: Spanned<String>,
    pub text: String,
    #[serde(default)]
    pub required: bool,
    pub options: Vec<RawChoice>,
    pub show_if: Option<RawCondition>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSection {
    pub code: Spanned<String>,
    pub title: String,
    #[serde(default)]
    pub items: Vec<RawItem>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawItem {
    pub code: Spanned<String>,
    pub text: String,
    pub text_en: Option<String>,
    pub scale: Spanned<String>,
    #[serde(default)]
    pub required: bool,
    /// `false` for questions that are recorded but feed no index (experience, screening).
    #[serde(default = "yes")]
    pub scored: bool,
    pub show_if: Option<RawCondition>,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCondition {
    pub code: Spanned<String>,
    #[serde(rename = "in")]
    pub values: Vec<toml::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawNode {
    pub code: Spanned<String>,
    pub name: String,
    pub name_en: Option<String>,
    pub parent: Option<Spanned<String>>,
    #[serde(default)]
    pub aggregate: Option<Spanned<String>>,
    #[serde(default)]
    pub items: Vec<Spanned<String>>,
    pub baseline: Option<Spanned<RawNumber>>,
    pub baseline_note: Option<String>,
    pub target: Option<Spanned<RawNumber>>,
    pub target_note: Option<String>,
    pub owner: Option<String>,
    pub points: Option<Spanned<String>>,
    pub points_code: Option<String>,
    pub points_max: Option<Spanned<RawNumber>>,
    pub points_baseline: Option<Spanned<RawNumber>>,
    pub papi_k: Option<Spanned<u32>>,
    pub count_if: Option<RawCondition>,
}
