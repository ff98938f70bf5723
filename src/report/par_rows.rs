//! What the PAR INDEX report shows: each criterion's row, the fields they stand in, and the
//! projected total.

use rust_decimal::Decimal;
use serde::Serialize;

/// One PAR INDEX criterion: the 2022 figures, this year's value (measured by a survey,
/// entered by its owner, or still 2022's) and the points it loses.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ParRow {
    pub code: String,
    pub name: String,
    /// The name in English, where the tree gives one.
    pub name_en: Option<String>,
    pub field: String,
    pub max: Option<String>,
    pub points_2022: String,
    /// Points short of the maximum in 2022: the gap the owner must close.
    pub shortfall_2022: Option<String>,
    pub method: String,
    pub owner: String,
    pub note: Option<String>,
    /// Points estimated from this period's answers (survey-based criteria only).
    pub estimate: Option<String>,
    pub estimate_n: i64,
    pub delta: Option<String>,
    /// This year's points: the estimate, the latest entry, or 2022's.
    pub value: String,
    /// "measured", "entered", "2022", or "parts" (a group: the sum of its parts).
    pub source: &'static str,
    /// 95 % interval of a measured value, in points.
    pub ci_low: Option<String>,
    pub ci_high: Option<String>,
    /// The latest entry (appraisal and socio-economic criteria).
    pub entry: Option<crate::db::par_entries::Entry>,
    /// Whether owners enter this criterion's value.
    pub enterable: bool,
    /// Points lost against the maximum this year.
    pub gap_max: Option<String>,
    /// Points short of the criterion's share of the top-20 target (max × target ÷ 100).
    pub gap_target: Option<String>,
    /// Agencies of the plan the owner text names (codes), for links.
    pub owner_codes: Vec<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ParField {
    pub code: String,
    pub name: String,
    /// The name in English, where the tree gives one.
    pub name_en: Option<String>,
    pub rows: Vec<ParRow>,
}

/// The whole PAR INDEX this year: the published total moved by what changed.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ParProjection {
    /// 86.11 + Σ (this year's value − 2022 points) over the listed criteria.
    pub total: String,
    pub ci_low: String,
    pub ci_high: String,
    /// Shares of the 100 points: measured this year, entered this year, still 2022.
    pub measured_share: f64,
    pub entered_share: f64,
    pub still_2022_share: f64,
    #[serde(flatten)]
    pub top20: crate::scoring::top20::Top20,
}

/// A SIPAS form feeding 8.1.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SipasSource {
    pub survey: String,
    pub title: String,
    /// The English title, where the definition gives one.
    pub title_en: Option<String>,
    pub responses: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ParReport {
    pub id: String,
    pub title: String,
    pub period: i32,
    pub unit: Option<String>,
    /// As published; never re-derived from the rows.
    pub published_total: String,
    pub published_rank: u32,
    pub provinces: u32,
    pub target_total: Option<String>,
    pub target_note: Option<String>,
    pub owner: String,
    pub components: Vec<crate::survey::par::Component>,
    pub projection: ParProjection,
    pub sipas_sources: Vec<SipasSource>,
    pub sipas_weighting: String,
    pub sipas_note: Option<String>,
    pub fields: Vec<ParField>,
}

impl ParReport {
    pub fn rows(&self) -> impl Iterator<Item = &ParRow> {
        self.fields.iter().flat_map(|f| f.rows.iter())
    }

    /// Criteria (not groups) that lose points against the maximum, costliest first.
    pub fn gaps(&self) -> Vec<&ParRow> {
        let mut g: Vec<&ParRow> = self
            .rows()
            .filter(|r| r.method != "group")
            .filter(|r| dec(r.gap_max.as_deref()) > Decimal::ZERO)
            .collect();
        g.sort_by(|a, b| {
            dec(b.gap_max.as_deref())
                .cmp(&dec(a.gap_max.as_deref()))
                .then_with(|| a.code.cmp(&b.code))
        });
        g
    }
}

fn dec(s: Option<&str>) -> Decimal {
    s.and_then(|s| s.parse().ok()).unwrap_or_default()
}
