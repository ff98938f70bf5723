//! [`Slice`]: the score query of a page or an API call — survey, period, map, unit and range
//! of days — read from the address and checked by one rule, within the reader's scope.
//!
//! The rule, the same for every page and the API:
//! 1. a survey, period, map or unit that is asked must exist (a period is a year from 2000 to
//!    2100, a day is written YYYY-MM-DD, the range does not end before it starts);
//! 2. what is not asked is filled as the route says ([`Fill`]): pages fill this year, today's
//!    map and its top unit; the API requires the survey and the period;
//! 3. a reader limited to a unit reads that unit and what lies below it: a unit asked outside
//!    it is replaced by the reader's unit and named in [`Checked::outside`].
//!
//! Pages and the API differ only in how they answer a refusal: a page in the reader's
//! language with a way back ([`SliceError::page`]), the API in JSON naming the field, and a
//! unit outside the scope refused (403) where a page shows the reader's own unit instead.

use crate::report::ScoreQuery;
use crate::state::AppState;
use crate::text::FieldProblem;
use crate::web::error::{ApiError, PageError};
use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpRequest};
use serde::Deserialize;
use std::future::Future;
use std::pin::Pin;

/// The query string of score requests, as sent; [`Slice::check`] checks it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScoreParams {
    /// The survey id.
    #[param(required)]
    pub survey: Option<String>,
    /// The year, from 2000 to 2100 (else 422, `field`: `period`).
    #[param(required, value_type = i32, minimum = 2000, maximum = 2100)]
    pub period: Option<String>,
    /// A unit code: that unit and the units below it; the whole city when absent.
    pub unit: Option<String>,
    /// First day counted (YYYY-MM-DD).
    #[param(format = Date)]
    pub from: Option<String>,
    /// Last day counted (YYYY-MM-DD).
    #[param(format = Date)]
    pub to: Option<String>,
    /// The unit set (map) to read the unit on.
    pub map: Option<String>,
}

/// What a route fills in where the address says nothing.
#[derive(Debug, Clone)]
pub struct Fill {
    pub survey: SurveyFill,
    /// Pages: this year, today's map, and a unit on that map (its top, or the reader's unit).
    /// The API: the period is required, the map and the unit stay as asked.
    pub page: bool,
}

#[derive(Debug, Clone)]
pub enum SurveyFill {
    /// The route reads no survey (the PAR INDEX, the standing): whatever is asked is ignored.
    Ignored,
    /// The caller must name it.
    Required,
    /// This survey when none is asked (None: none is loaded).
    Default(Option<String>),
}

impl Fill {
    pub fn page(survey: Option<String>) -> Self {
        Fill {
            survey: SurveyFill::Default(survey),
            page: true,
        }
    }

    /// A page of the PAR INDEX or the standing: no survey.
    pub fn standing() -> Self {
        Fill {
            survey: SurveyFill::Ignored,
            page: true,
        }
    }

    pub fn api(survey: SurveyFill) -> Self {
        Fill {
            survey,
            page: false,
        }
    }
}

/// A checked query.
#[derive(Debug, Clone)]
pub struct Checked {
    pub query: ScoreQuery,
    /// A unit asked outside the reader's scope (the query reads the reader's unit instead).
    pub outside: Option<String>,
}

/// What is wrong with an asked query; each names its field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SliceError {
    /// The API asks for it; on a page: no survey is loaded.
    Missing(&'static str),
    UnknownSurvey(String),
    NotAYear {
        asked: String,
        this_year: i32,
    },
    UnknownMap(String),
    UnknownUnit(String),
    NotADate {
        field: &'static str,
        asked: String,
    },
    /// The range ends before it starts.
    Reversed {
        from: String,
        to: String,
    },
}

/// The extractor: the query string as sent, with the state to check it against.
pub struct Slice {
    pub asked: ScoreParams,
    state: web::Data<AppState>,
}

impl FromRequest for Slice {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        // The query is read as every query is, so that an unreadable one is answered alike.
        let asked = web::Query::<ScoreParams>::from_request(req, payload);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let asked = asked.await?.into_inner();
            let state = state.ok_or_else(|| actix_web::error::ErrorInternalServerError("state"))?;
            Ok(Slice { asked, state })
        })
    }
}

fn given(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

impl Slice {
    /// The query checked by the one rule, for a reader limited to `scope` (if any).
    pub fn check(&self, scope: Option<&str>, fill: Fill) -> Result<Checked, SliceError> {
        check(&self.state, &self.asked, scope, fill)
    }

    /// [`Slice::check`] for a page: the query (a unit outside the scope gives way to the
    /// reader's unit), or the refusal in the reader's language with a way back to `back`.
    pub fn for_page(
        &self,
        scope: Option<&str>,
        fill: Fill,
        back: &str,
    ) -> Result<ScoreQuery, PageError> {
        self.check(scope, fill)
            .map(|c| c.query)
            .map_err(|e| e.page(back))
    }

    /// [`Slice::check`] for the API: the query, or the refusal in JSON naming the field; a
    /// unit outside the caller's scope is refused.
    pub fn for_api(&self, scope: Option<&str>, survey: SurveyFill) -> Result<ScoreQuery, ApiError> {
        self.check(scope, Fill::api(survey))?.within_scope(scope)
    }
}

/// [`Slice::check`] for a query not read from an address.
pub fn check(
    state: &AppState,
    asked: &ScoreParams,
    scope: Option<&str>,
    fill: Fill,
) -> Result<Checked, SliceError> {
    let units = &state.units;
    let survey = match fill.survey {
        SurveyFill::Ignored => String::new(),
        SurveyFill::Required => given(&asked.survey).ok_or(SliceError::Missing("survey"))?,
        SurveyFill::Default(d) => given(&asked.survey)
            .or(d)
            .ok_or(SliceError::Missing("survey"))?,
    };
    if !survey.is_empty() && state.catalog.get(&survey).is_none() {
        return Err(SliceError::UnknownSurvey(survey));
    }
    let this_year = state.clock.year();
    let period = match given(&asked.period) {
        None if fill.page => this_year,
        None => return Err(SliceError::Missing("period")),
        Some(p) => p
            .parse::<i32>()
            .ok()
            .filter(|y| (2000..=2100).contains(y))
            .ok_or(SliceError::NotAYear {
                asked: p,
                this_year,
            })?,
    };
    let map = match given(&asked.map) {
        Some(m) if units.set(&m).is_none() => return Err(SliceError::UnknownMap(m)),
        Some(m) => Some(m),
        None if fill.page => units.set_on(state.clock.today()).map(|s| s.id.clone()),
        None => None,
    };
    let mut unit = given(&asked.unit);
    if let Some(u) = &unit {
        if units.get(u).is_none() {
            return Err(SliceError::UnknownUnit(u.clone()));
        }
    }
    let mut outside = None;
    if let Some(scope) = scope {
        match unit.take() {
            Some(u) if units.subtree(scope).contains(&u) => unit = Some(u),
            asked => {
                outside = asked;
                unit = Some(scope.to_string());
            }
        }
    }
    // A page shows a unit of its map: one that is not on it gives way to the reader's unit
    // or the map's top.
    if fill.page {
        let on_map = units.units_of(map.as_deref());
        if !unit
            .as_ref()
            .is_some_and(|u| on_map.iter().any(|x| &x.code == u))
        {
            unit = scope.map(str::to_string).or_else(|| {
                on_map
                    .iter()
                    .find(|u| u.parent.is_none())
                    .map(|u| u.code.clone())
            });
        }
    }
    // Typed on a page as day/month/year, or YYYY-MM-DD; kept as YYYY-MM-DD.
    let day = |field: &'static str, v: &Option<String>| match given(v) {
        Some(d) => crate::text::format::typed_day(&d)
            .map(|day| Some(day.format("%Y-%m-%d").to_string()))
            .ok_or(SliceError::NotADate { field, asked: d }),
        None => Ok(None),
    };
    let (from, to) = (day("from", &asked.from)?, day("to", &asked.to)?);
    if let (Some(f), Some(t)) = (&from, &to) {
        if f > t {
            return Err(SliceError::Reversed {
                from: f.clone(),
                to: t.clone(),
            });
        }
    }
    Ok(Checked {
        query: ScoreQuery {
            survey,
            period,
            unit,
            from,
            to,
            map,
        },
        outside,
    })
}

impl SliceError {
    pub fn field(&self) -> &'static str {
        match self {
            SliceError::Missing(f) => f,
            SliceError::UnknownSurvey(_) => "survey",
            SliceError::NotAYear { .. } => "period",
            SliceError::UnknownMap(_) => "map",
            SliceError::UnknownUnit(_) => "unit",
            SliceError::NotADate { field, .. } => field,
            SliceError::Reversed { .. } => "to",
        }
    }

    /// The refusal as a page: what to put right, in the reader's language, and the way back.
    pub fn page(&self, back: &str) -> PageError {
        let (vi, en) = match self {
            SliceError::Missing(_) => (
                "Chưa có phiếu khảo sát nào.".to_string(),
                "No survey is loaded.".to_string(),
            ),
            SliceError::UnknownSurvey(s) => (
                format!("Không có phiếu khảo sát “{s}”. Xin chọn phiếu trong danh sách."),
                format!("There is no survey “{s}”. Choose one from the list."),
            ),
            SliceError::NotAYear { asked, this_year } => (
                format!("Năm “{asked}” không hợp lệ. Năm phải là một năm, ví dụ {this_year}."),
                format!("“{asked}” is not a year. The year must be a year, e.g. {this_year}."),
            ),
            SliceError::UnknownMap(m) => (
                format!("Không có bản đồ đơn vị “{m}”."),
                format!("There is no unit map “{m}”."),
            ),
            SliceError::UnknownUnit(u) => (
                format!("Không có đơn vị mã “{u}”. Xin chọn đơn vị trong danh sách."),
                format!("There is no unit with the code “{u}”. Choose one from the list."),
            ),
            SliceError::NotADate { asked, .. } => (
                format!("Ngày “{asked}” không có trên lịch hoặc không đúng dạng: xin gõ ngày/tháng/năm, vd. 15/06/2025."),
                format!("“{asked}” is not a day: type YYYY-MM-DD or day/month/year, e.g. 2025-06-15."),
            ),
            SliceError::Reversed { .. } => (
                "“Từ ngày” đang sau “Đến ngày”: xin đổi lại để ngày bắt đầu không sau ngày kết thúc.".into(),
                "“From” is after “To”: change them so that the start is not after the end.".into(),
            ),
        };
        PageError::invalid(&FieldProblem::new(self.field(), vi, en), back)
    }
}

/// The refusal in the API's words: 422 naming the field.
impl From<SliceError> for ApiError {
    fn from(e: SliceError) -> Self {
        let message = match &e {
            SliceError::Missing(_) => "is required".to_string(),
            SliceError::UnknownSurvey(s) => format!("unknown survey '{s}'"),
            SliceError::NotAYear { asked, .. } => {
                format!("'{asked}' is not a year from 2000 to 2100, such as 2025")
            }
            SliceError::UnknownMap(m) => format!("unknown unit set '{m}'"),
            SliceError::UnknownUnit(u) => format!("unknown unit '{u}'"),
            SliceError::NotADate { .. } => "must be a date written YYYY-MM-DD".to_string(),
            SliceError::Reversed { from, to } => format!("{to} is before from {from}"),
        };
        ApiError::field(e.field(), message)
    }
}

/// A unit outside a caller's scope, refused in the API's words (403 naming the field).
pub fn outside_scope(scope: &str, asked: &str) -> ApiError {
    ApiError {
        status: StatusCode::FORBIDDEN,
        message: format!(
            "this token may use only unit '{scope}' and the units below it, not '{asked}'"
        ),
        field: Some("unit".into()),
    }
}

impl Checked {
    /// The query, or — for the API — a unit asked outside the caller's scope refused.
    pub fn within_scope(self, scope: Option<&str>) -> Result<ScoreQuery, ApiError> {
        match (scope, self.outside) {
            (Some(s), Some(u)) => Err(outside_scope(s, &u)),
            _ => Ok(self.query),
        }
    }
}
