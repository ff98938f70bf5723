//! What an export is asked for, checked against the definitions, the units and the caller's
//! scope; and how an export fails.

use crate::db::export::ExportFilter;
use crate::db::DbError;
use crate::state::AppState;
use crate::survey::{FieldError, Survey};
use rust_xlsxwriter::XlsxError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        match s.to_ascii_lowercase().as_str() {
            "csv" => Some(Format::Csv),
            "xlsx" => Some(Format::Xlsx),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
}

/// What an export was asked for, with its types checked.
#[derive(Debug, Clone)]
pub struct ExportRequest {
    pub survey: String,
    pub period: i32,
    pub unit: Option<String>,
    pub format: Format,
}

/// A checked export: the survey, which responses, the format and the file's name.
#[derive(Debug, Clone)]
pub struct ExportPlan {
    pub survey: Survey,
    pub filter: ExportFilter,
    pub unit: Option<String>,
    pub format: Format,
}

impl ExportPlan {
    /// `SURVEY-PERIOD.csv`, or `SURVEY-PERIOD-UNIT.csv` for one unit.
    pub fn file_name(&self) -> String {
        let mut name = format!("{}-{}", self.survey.id, self.filter.period);
        if let Some(u) = &self.unit {
            name.push('-');
            name.push_str(u);
        }
        let name: String = name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        format!("{name}.{}", self.format.extension())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// A parameter is wrong; names the field.
    #[error("{0}")]
    Invalid(FieldError),
    /// The caller may not export this unit.
    #[error("unit: {0}")]
    OutOfScope(String),
    #[error(transparent)]
    Db(#[from] DbError),
    /// Writing the file failed (a disk full, or a reader that went away).
    #[error("cannot write the export: {0}")]
    Write(#[from] std::io::Error),
    #[error("cannot build the XLSX file: {0}")]
    Xlsx(String),
}

impl From<FieldError> for ExportError {
    fn from(e: FieldError) -> Self {
        ExportError::Invalid(e)
    }
}

impl From<XlsxError> for ExportError {
    fn from(e: XlsxError) -> Self {
        match e {
            XlsxError::IoError(e) => ExportError::Write(e),
            other => ExportError::Xlsx(other.to_string()),
        }
    }
}

impl From<csv::Error> for ExportError {
    fn from(e: csv::Error) -> Self {
        match e.into_kind() {
            csv::ErrorKind::Io(e) => ExportError::Write(e),
            other => ExportError::Write(std::io::Error::other(format!("{other:?}"))),
        }
    }
}

/// A period as text: a year.
pub fn parse_period(text: &str) -> Result<i32, FieldError> {
    text.trim()
        .parse::<i32>()
        .ok()
        .filter(|y| PERIODS.contains(y))
        .ok_or_else(|| {
            FieldError::new(
                "period",
                format!(
                    "'{text}' is not a year from {} to {}, such as 2025",
                    PERIODS.start(),
                    PERIODS.end()
                ),
            )
        })
}

/// The years the API and exports take as a `period` (as the pages' year fields do).
pub const PERIODS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// Checks an export against the definitions and units; `scope` is the caller's unit, when the
/// caller is limited to one (then only it and what lies below it can be exported, and it is
/// the default).
pub fn plan(
    state: &AppState,
    req: ExportRequest,
    scope: Option<&str>,
) -> Result<ExportPlan, ExportError> {
    let survey = state
        .catalog
        .get(&req.survey)
        .ok_or_else(|| {
            FieldError::new(
                "survey",
                format!(
                    "unknown survey '{}'; known: {}",
                    req.survey,
                    state
                        .catalog
                        .surveys
                        .keys()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })?
        .clone();
    let unit = req.unit.filter(|u| !u.is_empty());
    if let Some(u) = &unit {
        if state.units.get(u).is_none() {
            return Err(FieldError::new("unit", format!("unknown unit '{u}'")).into());
        }
    }
    let unit = match (unit, scope) {
        (None, scope) => scope.map(str::to_string),
        (Some(u), None) => Some(u),
        (Some(u), Some(s)) => {
            if !state.units.subtree(s).contains(&u) {
                return Err(ExportError::OutOfScope(format!(
                    "this account may export only unit '{s}' and the units below it, not '{u}'"
                )));
            }
            Some(u)
        }
    };
    let filter = ExportFilter {
        survey_id: survey.id.clone(),
        period: req.period,
        units: unit.as_deref().map(|u| state.units.subtree(u)),
    };
    Ok(ExportPlan {
        survey,
        filter,
        unit,
        format: req.format,
    })
}
