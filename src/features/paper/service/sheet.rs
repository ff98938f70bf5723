//! One paper form as keyed: its serial and date, its keys checked against the paper and the
//! definition, the response they make, and where two keyings differ.

use super::batches::form_in_scope;
use super::{invalid, refused, PaperError, DATE};
use crate::db::auth::User;
use crate::db::paper::{self as rows, Keying};
use crate::db::responses::{self, Pending, Stored};
use crate::db::{AnyConnection, DbError};
use crate::ingest::{self, Provenance};
use crate::state::AppState;
use crate::survey::paper::{self, KeyError, Keyed, PaperField};
use crate::survey::{RawSubmission, Survey, ValidSubmission};
use crate::text::{FieldProblem, Text};
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// The survey a batch or form is of, and its fields as the paper prints them.
pub(super) fn survey_of<'s>(
    state: &'s AppState,
    id: &str,
) -> Result<(&'s Survey, Vec<PaperField>), PaperError> {
    let survey = state.catalog.get(id).ok_or(PaperError::NotFound)?;
    Ok((survey, paper::layout(survey)))
}

/// The serial as written on the paper: letters, digits and - _ / . only.
pub(super) fn check_serial(serial: &str) -> Result<String, PaperError> {
    let s = serial.trim();
    if s.is_empty() {
        return Err(invalid(
            "serial",
            "hãy gõ mã phiếu in trên phiếu",
            "type the serial printed on the form",
        ));
    }
    if s.chars().count() > 40
        || !s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '/' | '.'))
    {
        return Err(invalid(
            "serial",
            format!("mã phiếu “{s}” chỉ được gồm chữ, số và - _ / . (tối đa 40 ký tự)"),
            format!("the serial “{s}” may hold only letters, digits and - _ / . (at most 40 characters)"),
        ));
    }
    Ok(s.to_uppercase())
}

/// The date on the paper: dd/mm/yyyy (or d/m/yyyy, dd-mm-yyyy, ddmmyyyy) or yyyy-mm-dd.
pub fn parse_paper_date(text: &str) -> Option<NaiveDate> {
    crate::text::format::typed_day(text)
}

/// The submission id of a paper form: one per survey, period and serial, so that a form is
/// stored once whichever way it arrives.
pub fn submission_id(survey: &str, period: i32, serial: &str) -> String {
    uuid::Uuid::new_v5(
        &uuid::Uuid::NAMESPACE_OID,
        format!("chiso:paper:{survey}:{period}:{serial}").as_bytes(),
    )
    .to_string()
}

/// A stored form with its batch and the paper it was keyed from, opened by a user who may
/// touch it.
pub(super) struct OnFile<'s> {
    pub form: rows::Form,
    pub batch: rows::Batch,
    pub survey: &'s Survey,
    pub fields: Vec<PaperField>,
}

impl<'s> OnFile<'s> {
    pub fn open(state: &'s AppState, user: &User, form_id: &str) -> Result<Self, PaperError> {
        let (form, batch) = form_in_scope(state, user, form_id)?;
        let (survey, fields) = survey_of(state, &form.survey_id)?;
        Ok(OnFile {
            form,
            batch,
            survey,
            fields,
        })
    }

    /// The form as a sheet to check keys against.
    pub fn sheet<'a>(&'a self, state: &'a AppState) -> Sheet<'a> {
        Sheet {
            state,
            survey: self.survey,
            fields: &self.fields,
            batch: &self.batch,
            serial: &self.form.serial,
        }
    }
}

/// One paper form being checked: where it belongs and the paper it was keyed from.
pub(super) struct Sheet<'a> {
    pub state: &'a AppState,
    pub survey: &'a Survey,
    pub fields: &'a [PaperField],
    pub batch: &'a rows::Batch,
    pub serial: &'a str,
}

impl Sheet<'_> {
    /// Checks a keyed form against the paper and the definition: the keys as typed (cleaned
    /// of skipped fields, with the date), and the response they make.
    pub fn prepare(
        &self,
        date: &str,
        keys: &Keyed,
        status: &str,
        keyed_by: &str,
    ) -> Result<(Keyed, Pending), PaperError> {
        let Sheet {
            state,
            survey,
            fields,
            batch,
            serial,
        } = *self;
        // Every problem at once: the date and each code, so the screen marks them all.
        let day = parse_paper_date(date);
        let checked = paper::check(fields, keys);
        let (Some(day), Ok(mut clean)) = (day, checked.clone()) else {
            let mut errors = Vec::new();
            if day.is_none() {
                errors.push(KeyError {
                    name: DATE.into(),
                    message: Text::new(
                        format!(
                            "ngày “{}” không đúng dạng ngày/tháng/năm (vd. 15/06/2025)",
                            date.trim()
                        ),
                        format!(
                            "“{}” is not a date written day/month/year (e.g. 15/06/2025)",
                            date.trim()
                        ),
                    ),
                });
            }
            errors.extend(checked.err().unwrap_or_default());
            return Err(PaperError::Keys(errors));
        };
        let filled = paper::fill(fields, &clean);
        let raw = RawSubmission {
            survey: survey.id.clone(),
            unit: batch.unit_code.clone(),
            channel: "paper".into(),
            submission_id: submission_id(&survey.id, batch.period, serial),
            period: batch.period,
            group: filled.group,
            background: filled.background,
            answers: filled.answers,
            comments: filled.comments,
            date: Some(day.format("%Y-%m-%d").to_string()),
        };
        let provenance = Provenance {
            keyed_by: Some(keyed_by.to_string()),
            ..Provenance::default()
        };
        let mut pending = ingest::prepare(&state.intake(), &raw, &provenance).map_err(|e| {
            // The definition's own checks name answers by item code; the screen names fields.
            let name = e
                .field
                .strip_prefix("answers.")
                .map(|c| format!("q.{c}"))
                .or_else(|| {
                    e.field
                        .strip_prefix("background.")
                        .map(|c| format!("bg.{c}"))
                });
            match name.and_then(|n| fields.iter().find(|f| f.name == n)) {
                Some(f) => PaperError::Keys(vec![KeyError {
                    name: f.name.clone(),
                    message: Text::new(
                        // The definition's checks are worded in English (for the API).
                        format!(
                            "{}: không hợp lệ theo định nghĩa phiếu ({})",
                            f.label, e.message
                        ),
                        format!("{}: {}", f.label, e.message),
                    ),
                }]),
                None if e.field == "date" || e.field == "unit" => PaperError::Invalid(
                    FieldProblem::new(
                        DATE,
                        format!(
                            "ngày “{}” không nhận được: ngày phải thuộc năm của lô, không sau hôm nay, và đơn vị phải có vào ngày đó",
                            date.trim()
                        ),
                        e.message,
                    ),
                ),
                None => PaperError::Invalid(FieldProblem::new(
                    e.field.clone(),
                    format!("“{}” không hợp lệ theo định nghĩa phiếu ({})", e.field, e.message),
                    e.to_string(),
                )),
            }
        })?;
        pending.status = status.to_string();
        clean.insert(DATE.into(), raw.date.unwrap_or_default());
        Ok((clean, pending))
    }
}

pub(super) fn keyed_json(keys: &Keyed, pick: impl Fn(&str) -> bool) -> String {
    let part: BTreeMap<&String, &String> = keys.iter().filter(|(k, _)| pick(k)).collect();
    serde_json::to_string(&part).unwrap_or_default()
}

/// The keys a stored keying holds, as typed.
pub fn keys_of(k: &Keying) -> Keyed {
    let mut out = Keyed::new();
    for part in [&k.background, &k.answers] {
        if let Ok(m) = serde_json::from_str::<BTreeMap<String, String>>(part) {
            out.extend(m);
        }
    }
    out
}

/// The keys of a stored keying with the date it was keyed with.
pub(super) fn dated_keys(k: &Keying) -> Keyed {
    let mut keys = keys_of(k);
    keys.insert(DATE.into(), k.day.clone());
    keys
}

/// The keys a stored or imported response reads as on the paper, with its date: what the
/// paper's codes were for those values.
pub(super) fn read_back(fields: &[PaperField], v: &ValidSubmission, day: &str) -> Keyed {
    let text = |m: &BTreeMap<String, String>| {
        m.iter()
            .map(|(k, x)| (k.clone(), serde_json::Value::String(x.clone())))
            .collect()
    };
    let filled = paper::Filled {
        group: v.group.clone(),
        background: text(&v.background),
        answers: v
            .answers
            .iter()
            .map(|(k, x)| {
                (
                    k.clone(),
                    x.map_or(serde_json::Value::Null, serde_json::Value::from),
                )
            })
            .collect(),
        comments: text(&v.comments),
    };
    let mut keys = paper::keys_for(fields, &filled);
    keys.insert(DATE.into(), day.to_string());
    keys
}

/// Stores a countable form as a response, in the caller's transaction: its id.
pub(super) fn store(
    c: &mut AnyConnection,
    state: &AppState,
    p: Pending,
) -> Result<String, PaperError> {
    let stored = responses::store_batch(c, &state.layouts, std::slice::from_ref(&p))?;
    match stored.into_iter().next() {
        Some(Stored::Created(id)) => Ok(id),
        Some(Stored::Existing(_)) => Err(refused(
            "phiếu này đã có trong dữ liệu (đã nhập từ tệp); không nhập lại",
            "this form is already in the data (imported from a file); do not key it again",
        )),
        None => Err(PaperError::Db(DbError::Query(
            diesel::result::Error::NotFound,
        ))),
    }
}

/// One field where two keyings differ: the field (or the date) and both values as typed.
#[derive(Debug, Clone, PartialEq)]
pub struct Difference {
    pub name: String,
    /// The question's label on paper (None for the date).
    pub label: Option<String>,
    pub text: String,
    pub first: String,
    pub second: String,
}

/// Fields where two keyings differ, the date first, then in the paper's order.
pub fn differences(fields: &[PaperField], a: &Keyed, b: &Keyed) -> Vec<Difference> {
    let mut out = Vec::new();
    let get = |k: &Keyed, n: &str| k.get(n).cloned().unwrap_or_default();
    if get(a, DATE) != get(b, DATE) {
        out.push(Difference {
            name: DATE.into(),
            label: None,
            text: "Ngày trả lời ghi trên phiếu".into(),
            first: get(a, DATE),
            second: get(b, DATE),
        });
    }
    out.extend(
        paper::differences(fields, a, b)
            .into_iter()
            .map(|(f, x, y)| Difference {
                name: f.name.clone(),
                label: Some(f.label.clone()),
                text: f.text.clone(),
                first: x,
                second: y,
            }),
    );
    out
}
