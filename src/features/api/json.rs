//! The API's JSON shapes: definitions as integrators need them, scores, and the query of an
//! export.

use crate::features::export::service::{ExportRequest, Format};
use crate::report::ScoreQuery;
use crate::scoring::Scores;
use crate::state::AppState;
use crate::survey::{FieldError, Survey};
use serde::{Deserialize, Serialize};

/// The stored response.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Created {
    pub id: String,
}

/// A definition as integrators need it to build submissions.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Survey)]
pub struct SurveyJson<'a> {
    id: &'a str,
    version: &'a str,
    title: &'a str,
    instrument: &'a str,
    groups: &'a [crate::survey::Choice],
    open: &'a [crate::survey::OpenQuestion],
    items: Vec<ItemJson<'a>>,
    background: Vec<BackgroundJson<'a>>,
}

/// A scored question.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Item)]
pub struct ItemJson<'a> {
    code: &'a str,
    text: &'a str,
    text_en: &'a Option<String>,
    values: Vec<ValueJson<'a>>,
    no_opinion: Option<&'a str>,
    required: bool,
    show_if: &'a Option<crate::survey::Condition>,
}

/// An answer an item allows.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = AnswerValue)]
pub struct ValueJson<'a> {
    value: i16,
    label: &'a str,
    /// Exact decimal, as text; absent for a value that counts as missing.
    score: Option<String>,
    missing: bool,
}

/// A background question (field of procedure, age band, …).
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Background)]
pub struct BackgroundJson<'a> {
    code: &'a str,
    text: &'a str,
    options: &'a [crate::survey::Choice],
    required: bool,
    show_if: &'a Option<crate::survey::Condition>,
}

impl<'a> SurveyJson<'a> {
    pub fn of(s: &'a Survey) -> Self {
        let items = s
            .items()
            .map(|i| {
                let scale = s.scale_of(i);
                ItemJson {
                    code: &i.code,
                    text: &i.text,
                    text_en: &i.text_en,
                    values: scale
                        .map(|sc| {
                            sc.values
                                .iter()
                                .map(|v| ValueJson {
                                    value: v.value,
                                    label: &v.label,
                                    score: v.score.map(|d| d.to_string()),
                                    missing: v.score.is_none(),
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                    no_opinion: scale.and_then(|sc| sc.no_opinion.as_deref()),
                    required: i.required,
                    show_if: &i.show_if,
                }
            })
            .collect();
        let background = s
            .background
            .iter()
            .map(|b| BackgroundJson {
                code: &b.code,
                text: &b.text,
                options: &b.options,
                required: b.required,
                show_if: &b.show_if,
            })
            .collect();
        SurveyJson {
            id: &s.id,
            version: &s.version,
            title: &s.title,
            instrument: &s.instrument,
            groups: &s.groups,
            open: &s.open,
            items,
            background,
        }
    }
}

/// The scored index tree of one survey, period and unit.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Scores)]
pub struct ScoresJson<'a> {
    pub survey: &'a str,
    pub label: &'a Option<String>,
    pub period: i32,
    pub unit: &'a Option<String>,
    pub from: &'a Option<String>,
    pub to: &'a Option<String>,
    pub responses: i64,
    pub map: &'a Option<String>,
    pub map_notes: &'a [String],
    /// The range of days could single out a few forms against another range: every node is
    /// withheld; `range_note` says to choose whole months.
    pub range_withheld: bool,
    pub range_note: Option<String>,
    /// On the merged city's map: the 2022 baselines of the three former provinces and their
    /// population-weighted combination (an estimate).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merged_baselines: Option<&'a crate::survey::MergedBaselines>,
    pub nodes: &'a [crate::scoring::NodeScore],
}

/// The query string of an export, as sent; [`ExportParams::request`] checks it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportParams {
    /// The survey id.
    #[param(required)]
    pub survey: Option<String>,
    /// The year, from 2000 to 2100 (else 422, `field`: `period`).
    #[param(required, value_type = i32, minimum = 2000, maximum = 2100)]
    pub period: Option<String>,
    /// A unit code: that unit and the units below it; the whole city when absent.
    pub unit: Option<String>,
    /// `csv` (the default) or `xlsx`.
    #[param(pattern = "^(csv|xlsx)$")]
    pub format: Option<String>,
}

impl ExportParams {
    /// The request, naming the field that is missing or wrong.
    pub fn request(&self) -> Result<ExportRequest, FieldError> {
        let opt = |v: &Option<String>| v.as_ref().filter(|v| !v.is_empty()).cloned();
        let survey = opt(&self.survey).ok_or_else(|| FieldError::new("survey", "is required"))?;
        let period = crate::features::export::service::parse_period(
            &opt(&self.period).ok_or_else(|| FieldError::new("period", "is required"))?,
        )?;
        let format = match opt(&self.format) {
            None => Format::Csv,
            Some(f) => Format::parse(&f).ok_or_else(|| {
                FieldError::new("format", format!("'{f}' is not a format; use csv or xlsx"))
            })?,
        };
        Ok(ExportRequest {
            survey,
            period,
            unit: opt(&self.unit),
            format,
        })
    }
}

impl<'a> ScoresJson<'a> {
    pub fn of(state: &'a AppState, q: &'a ScoreQuery, s: &'a Scores) -> Self {
        ScoresJson {
            survey: &s.survey,
            label: &s.label,
            period: q.period,
            unit: &q.unit,
            from: &q.from,
            to: &q.to,
            responses: s.responses,
            map: &s.map,
            map_notes: &s.map_notes,
            range_withheld: s.range_withheld,
            range_note: s.range_withheld.then(|| {
                format!(
                    "{} / {}",
                    crate::scoring::ranges::WITHHELD_VI,
                    crate::scoring::ranges::WITHHELD_EN
                )
            }),
            merged_baselines: state.units.merged_baselines_on(s.map.as_deref()),
            nodes: &s.nodes,
        }
    }
}
