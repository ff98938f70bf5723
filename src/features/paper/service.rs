//! Paper questionnaires keyed in the browser and verified by double entry.
//!
//! A batch (lô phiếu) holds the forms of one unit, survey and period. Each form (by its serial)
//! is keyed twice, blind, by two different people; equal keyings verify it, different ones
//! put it in dispute for a supervisor to settle field by field. A form enters `responses`, and
//! so the running counts, once, in the transaction that makes it countable; a later
//! settlement moves its counts in its own transaction. Every keying, settlement and deletion
//! is written to the audit log with the values before and after.

use crate::db::auth::User;
use crate::db::paper::{self as rows, Batch, Form, Keying};
use crate::db::responses::{self, Pending, Stored};
use crate::db::{audit, is_unique_violation, now, write_transaction, AnyConnection, DbError};
use crate::ingest::{self, Provenance};
use crate::state::AppState;
use crate::survey::paper::{self, KeyError, Keyed, PaperField};
use crate::survey::{RawSubmission, Survey};
use crate::text::FieldProblem;
use crate::text::Text;
use chrono::NaiveDate;
use serde_json::json;
use std::collections::{BTreeMap, HashMap};

/// The form field holding the date written on the paper.
pub const DATE: &str = "date";

/// Statuses of a paper form.
pub const KEYED_ONCE: &str = "keyed_once";
pub const VERIFIED: &str = "verified";
pub const DISPUTED: &str = "disputed";
pub const ADJUDICATED: &str = "adjudicated";

#[derive(Debug, thiserror::Error)]
pub enum PaperError {
    /// Keyed codes the paper does not allow, every one of them.
    #[error("{}", .0.iter().map(|e| e.message.en.as_str()).collect::<Vec<_>>().join("; "))]
    Keys(Vec<KeyError>),
    /// A field of the form (serial, date, batch settings) that cannot be taken.
    #[error("{0}")]
    Invalid(FieldProblem),
    /// The action does not fit the form's state (keyed twice already, by the same person…).
    #[error("{}", .0.en)]
    Refused(Text),
    /// The batch belongs to a unit outside the user's scope.
    #[error("{}", .0.en)]
    OutOfScope(Text),
    #[error("no such batch or form")]
    NotFound,
    #[error(transparent)]
    Db(#[from] DbError),
}

impl PaperError {
    /// What to put right, in both languages, when the error is about what was typed.
    pub fn to_correct(&self) -> Option<Text> {
        match self {
            PaperError::Keys(errors) => Some(Text::join(errors.iter().map(|e| &e.message), "; ")),
            PaperError::Invalid(p) => Some(p.text.clone()),
            _ => None,
        }
    }
}

impl From<diesel::result::Error> for PaperError {
    fn from(e: diesel::result::Error) -> Self {
        PaperError::Db(e.into())
    }
}

fn invalid(field: &str, vi: impl Into<String>, en: impl Into<String>) -> PaperError {
    PaperError::Invalid(FieldProblem::new(field, vi, en))
}

fn refused(vi: impl Into<String>, en: impl Into<String>) -> PaperError {
    PaperError::Refused(Text::new(vi, en))
}

/// A new batch as a supervisor describes it.
#[derive(Debug, Clone)]
pub struct NewBatch {
    pub survey: String,
    pub period: i32,
    pub unit: String,
    pub label: String,
    pub expected: i32,
}

pub async fn create_batch(state: &AppState, user: &User, b: NewBatch) -> Result<Batch, PaperError> {
    let survey = state.catalog.get(&b.survey).ok_or_else(|| {
        invalid(
            "survey",
            format!("không có phiếu khảo sát “{}”", b.survey),
            format!("there is no survey “{}”", b.survey),
        )
    })?;
    let unit = state.units.get(&b.unit).ok_or_else(|| {
        invalid(
            "unit",
            format!("không có đơn vị “{}”", b.unit),
            format!("there is no unit “{}”", b.unit),
        )
    })?;
    if let Some(scope) = &user.unit {
        if !state.units.subtree(scope).contains(&unit.code) {
            return Err(PaperError::OutOfScope(Text::new(
                "đơn vị này nằm ngoài phạm vi của bạn",
                "this unit is outside your scope",
            )));
        }
    }
    if !(2000..=2100).contains(&b.period) {
        return Err(invalid(
            "period",
            "năm phải trong khoảng 2000–2100",
            "the year must be between 2000 and 2100",
        ));
    }
    if !(1..=10_000).contains(&b.expected) {
        return Err(invalid(
            "expected",
            "số phiếu của lô phải từ 1 đến 10.000",
            "a batch holds from 1 to 10,000 forms",
        ));
    }
    let label = b.label.trim();
    if label.chars().count() > 80 {
        return Err(invalid(
            "label",
            "tên lô dài quá 80 ký tự",
            "the batch name is longer than 80 characters",
        ));
    }
    let batch = Batch {
        id: uuid::Uuid::new_v4().to_string(),
        survey_id: survey.id.clone(),
        period: b.period,
        unit_code: unit.code.clone(),
        label: if label.is_empty() {
            format!("{} · {}", unit.name, b.period)
        } else {
            label.to_string()
        },
        expected: b.expected,
        created_by: user.username.clone(),
        created_at: now(),
    };
    let actor = user.username.clone();
    state
        .db(move |conn| {
            write_transaction(conn, |c| {
                rows::insert_batch(c, &batch)?;
                let detail = json!({"batch": batch.id, "survey": batch.survey_id,
                    "period": batch.period, "unit": batch.unit_code, "expected": batch.expected});
                audit::record(c, &actor, "paper.batch", &detail.to_string())?;
                Ok::<_, PaperError>(batch)
            })
        })
        .await
}

/// A batch with its forms counted by status.
#[derive(Debug, Clone)]
pub struct BatchProgress {
    pub batch: Batch,
    pub keyed_once: i64,
    pub verified: i64,
    pub disputed: i64,
    pub adjudicated: i64,
}

impl BatchProgress {
    pub fn keyed(&self) -> i64 {
        self.keyed_once + self.verified + self.disputed + self.adjudicated
    }
    /// Keyed twice, whatever came of it.
    pub fn keyed_twice(&self) -> i64 {
        self.verified + self.disputed + self.adjudicated
    }
    pub fn done(&self) -> i64 {
        self.verified + self.adjudicated
    }
}

fn with_progress(
    conn: &mut AnyConnection,
    batches: Vec<Batch>,
) -> Result<Vec<BatchProgress>, DbError> {
    let ids: Vec<String> = batches.iter().map(|b| b.id.clone()).collect();
    let progress = rows::progress(conn, &ids)?;
    Ok(batches
        .into_iter()
        .map(|batch| {
            let p = progress.get(&batch.id);
            let n = |s: &str| p.and_then(|m| m.get(s)).copied().unwrap_or(0);
            BatchProgress {
                keyed_once: n(KEYED_ONCE),
                verified: n(VERIFIED),
                disputed: n(DISPUTED),
                adjudicated: n(ADJUDICATED),
                batch,
            }
        })
        .collect())
}

/// The batches a user may work on (their unit's subtree, or all), newest first.
pub async fn batches(state: &AppState, user: &User) -> Result<Vec<BatchProgress>, PaperError> {
    let scope = user.unit.as_ref().map(|u| state.units.subtree(u));
    state
        .db(move |conn| {
            let all = rows::batches(conn, None, None)?;
            let mine = all
                .into_iter()
                .filter(|b| scope.as_ref().is_none_or(|s| s.contains(&b.unit_code)))
                .collect();
            Ok::<_, PaperError>(with_progress(conn, mine)?)
        })
        .await
}

/// One form of a batch as its page lists it: who keyed it (never what).
#[derive(Debug, Clone)]
pub struct FormLine {
    pub form: Form,
    pub keyers: Vec<String>,
}

/// A batch and its progress (what the keying screen shows).
pub async fn batch_progress(
    state: &AppState,
    user: &User,
    id: &str,
) -> Result<BatchProgress, PaperError> {
    let id = id.to_string();
    let progress = state
        .db(move |conn| {
            let batch = rows::batch(conn, &id)?.ok_or(PaperError::NotFound)?;
            with_progress(conn, vec![batch])?
                .pop()
                .ok_or(PaperError::NotFound)
        })
        .await?;
    in_scope(state, user, &progress.batch)?;
    Ok(progress)
}

/// A batch, its progress and its forms with who keyed them.
pub async fn batch(
    state: &AppState,
    user: &User,
    id: &str,
) -> Result<(BatchProgress, Vec<FormLine>), PaperError> {
    let progress = batch_progress(state, user, id).await?;
    let id = id.to_string();
    let forms = state
        .db(move |conn| {
            let mut keyers = rows::keyers_of_batch(conn, &id)?;
            let lines = rows::forms_of(conn, &id)?
                .into_iter()
                .map(|form| FormLine {
                    keyers: keyers.remove(&form.id).unwrap_or_default(),
                    form,
                })
                .collect();
            Ok::<_, PaperError>(lines)
        })
        .await?;
    Ok((progress, forms))
}

fn in_scope(state: &AppState, user: &User, batch: &Batch) -> Result<(), PaperError> {
    match &user.unit {
        Some(scope) if !state.units.subtree(scope).contains(&batch.unit_code) => {
            Err(PaperError::OutOfScope(Text::new(
                "lô phiếu này thuộc đơn vị ngoài phạm vi của bạn",
                "this batch belongs to a unit outside your scope",
            )))
        }
        _ => Ok(()),
    }
}

/// One keying of a form, as posted by the keying screen.
#[derive(Debug, Clone, Default)]
pub struct KeyedForm {
    pub serial: String,
    pub date: String,
    /// Field name → code or text, as typed.
    pub keys: Keyed,
    /// When the blank form was opened (RFC 3339), for the keyer's speed.
    pub started_at: Option<String>,
}

/// What a keying did to its form.
#[derive(Debug, Clone, PartialEq)]
pub enum Keyed1 {
    /// The first keying; the form waits for a second person.
    First { counted: bool },
    /// The second keying matched the first: verified, and counted.
    Verified,
    /// The second keying differs from the first in this many fields.
    Disputed(usize),
}

/// The serial as written on the paper: letters, digits and - _ / . only.
fn check_serial(serial: &str) -> Result<String, PaperError> {
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
    let t = text.trim();
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return Some(d);
    }
    let t = t.replace(['-', '.'], "/");
    if let Ok(d) = NaiveDate::parse_from_str(&t, "%d/%m/%Y") {
        return Some(d);
    }
    if t.len() == 8 && t.chars().all(|c| c.is_ascii_digit()) {
        return NaiveDate::parse_from_str(&t, "%d%m%Y").ok();
    }
    None
}

/// The submission id of a paper form: one per survey, period and serial, so that a form is
/// stored once whichever way it arrives.
pub(crate) fn submission_id(survey: &str, period: i32, serial: &str) -> String {
    uuid::Uuid::new_v5(
        &uuid::Uuid::NAMESPACE_OID,
        format!("chiso:paper:{survey}:{period}:{serial}").as_bytes(),
    )
    .to_string()
}

/// Checks a keyed form against the paper and the definition: the keys as typed (cleaned of
/// skipped fields, with the date), and the response they make.
/// One paper form being checked: where it belongs and the paper it was keyed from.
struct Sheet<'a> {
    state: &'a AppState,
    survey: &'a Survey,
    fields: &'a [PaperField],
    batch: &'a Batch,
    serial: &'a str,
}

impl Sheet<'_> {
    fn prepare(
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

/// Saves one keying of a form of `batch_id`: the first, or the blind second.
pub async fn key_form(
    state: &AppState,
    user: &User,
    batch_id: &str,
    input: KeyedForm,
) -> Result<(Form, Keyed1), PaperError> {
    let st = state.clone();
    let id = batch_id.to_string();
    let batch = state
        .db(move |conn| rows::batch(conn, &id)?.ok_or(PaperError::NotFound))
        .await?;
    in_scope(state, user, &batch)?;
    let survey = state
        .catalog
        .get(&batch.survey_id)
        .ok_or(PaperError::NotFound)?
        .clone();
    let fields = paper::layout(&survey);
    let checked_serial = check_serial(&input.serial);
    let serial = checked_serial
        .as_ref()
        .map_or_else(|_| input.serial.trim().to_string(), Clone::clone);
    let sheet = Sheet {
        state,
        survey: &survey,
        fields: &fields,
        batch: &batch,
        serial: &serial,
    };
    let prepared = sheet.prepare(&input.date, &input.keys, KEYED_ONCE, &user.username);
    let (clean, pending) = match (checked_serial, prepared) {
        (Ok(_), Ok(p)) => p,
        (Ok(_), Err(e)) => return Err(e),
        (Err(PaperError::Invalid(s)), Err(PaperError::Keys(mut errors))) => {
            errors.insert(
                0,
                KeyError {
                    name: s.field,
                    message: s.text,
                },
            );
            return Err(PaperError::Keys(errors));
        }
        (Err(e), _) => return Err(e),
    };
    let saved_at = now();
    let keying = Keying {
        id: uuid::Uuid::new_v4().to_string(),
        form_id: String::new(),
        round: 1,
        keyed_by: user.username.clone(),
        unit_code: batch.unit_code.clone(),
        day: pending.day.clone(),
        respondent_group: pending.valid.group.clone(),
        background: keyed_json(&clean, |n| n.starts_with("bg.")),
        answers: keyed_json(&clean, |n| !n.starts_with("bg.") && n != DATE),
        fields: i32::try_from(clean.len()).unwrap_or(i32::MAX),
        started_at: input
            .started_at
            .filter(|s| chrono::DateTime::parse_from_rfc3339(s).is_ok())
            .unwrap_or_else(|| saved_at.clone()),
        saved_at,
        wrong_fields: None,
    };
    state
        .db(move |conn| {
            let r = write_transaction(conn, |c| {
                save_keying(
                    c,
                    &st,
                    &survey,
                    &fields,
                    &batch,
                    &serial,
                    keying.clone(),
                    &clean,
                    pending.clone(),
                )
            });
            match r {
                // Two people saved the same serial at the same moment: the other one won.
                Err(PaperError::Db(DbError::Query(e))) if is_unique_violation(&e) => {
                    Err(refused(
                        format!("phiếu {serial} vừa được người khác lưu cùng lúc; hãy mở lại và nhập lại"),
                        format!("form {serial} was just saved by someone else; open it again and key it again"),
                    ))
                }
                other => other,
            }
        })
        .await
}

fn keyed_json(keys: &Keyed, pick: impl Fn(&str) -> bool) -> String {
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

#[allow(clippy::too_many_arguments)]
fn save_keying(
    c: &mut AnyConnection,
    state: &AppState,
    survey: &Survey,
    fields: &[PaperField],
    batch: &Batch,
    serial: &str,
    mut keying: Keying,
    clean: &Keyed,
    pending: Pending,
) -> Result<(Form, Keyed1), PaperError> {
    let detail = |round: i32| {
        json!({"serial": serial, "batch": batch.id, "round": round, "after": clean}).to_string()
    };
    let Some(mut form) = rows::form_by_serial(c, &survey.id, batch.period, serial)? else {
        let mut form = Form {
            id: uuid::Uuid::new_v4().to_string(),
            batch_id: Some(batch.id.clone()),
            survey_id: survey.id.clone(),
            period: batch.period,
            serial: serial.to_string(),
            status: KEYED_ONCE.into(),
            response_id: None,
            differences: None,
            updated_at: keying.saved_at.clone(),
        };
        if survey.count_single_keyed {
            form.response_id = Some(store(c, state, pending)?);
        }
        rows::insert_form(c, &form)?;
        keying.form_id = form.id.clone();
        rows::insert_keying(c, &keying)?;
        audit::record_form(c, &keying.keyed_by, "paper.key", &detail(1), &form.id)?;
        let counted = form.response_id.is_some();
        return Ok((form, Keyed1::First { counted }));
    };
    if form.batch_id.as_deref() != Some(batch.id.as_str()) {
        let other = form
            .batch_id
            .as_deref()
            .and_then(|b| rows::batch(c, b).ok().flatten());
        let whose = other
            .map(|b| {
                let unit = state
                    .units
                    .get(&b.unit_code)
                    .map_or(b.unit_code.clone(), |u| u.name.clone());
                Text::new(
                    format!("lô “{}” ({unit})", b.label),
                    format!("batch “{}” ({unit})", b.label),
                )
            })
            .unwrap_or_else(|| Text::new("một tệp đã nhập", "an imported file"));
        return Err(refused(
            format!(
                "mã phiếu {serial} đã thuộc {}, không thuộc lô này; hãy kiểm tra lại mã phiếu",
                whose.vi
            ),
            format!(
                "serial {serial} already belongs to {}, not to this batch; check the serial",
                whose.en
            ),
        ));
    }
    let before = rows::keyings_of(c, &form.id)?;
    let first = match before.as_slice() {
        [first] => first,
        [] => {
            return Err(refused(
                format!("phiếu {serial} không còn lần nhập nào; hãy báo người giám sát"),
                format!("form {serial} has no keying left; tell a supervisor"),
            ))
        }
        _ => {
            return Err(refused(
                format!("phiếu {serial} đã được nhập đủ hai lần"),
                format!("form {serial} has been keyed twice already"),
            ))
        }
    };
    if first.keyed_by == keying.keyed_by {
        return Err(refused(
            format!(
                "bạn đã nhập phiếu {serial}; lần nhập thứ hai phải do một người khác thực hiện"
            ),
            format!("you keyed form {serial}; the second keying must be done by someone else"),
        ));
    }
    keying.form_id = form.id.clone();
    keying.round = 2;
    rows::insert_keying(c, &keying)?;
    let mut first_keys = keys_of(first);
    first_keys.insert(DATE.into(), first.day.clone());
    let diffs = differences(fields, &first_keys, clean).len();
    form.differences = Some(i32::try_from(diffs).unwrap_or(i32::MAX));
    form.updated_at = keying.saved_at.clone();
    let outcome = if diffs == 0 {
        form.status = VERIFIED.into();
        match &form.response_id {
            Some(id) => responses::set_status(c, id, VERIFIED)?,
            None => {
                let mut p = pending;
                p.status = VERIFIED.into();
                form.response_id = Some(store(c, state, p)?);
            }
        }
        Keyed1::Verified
    } else {
        form.status = DISPUTED.into();
        Keyed1::Disputed(diffs)
    };
    rows::update_form(c, &form)?;
    audit::record_form(c, &keying.keyed_by, "paper.key", &detail(2), &form.id)?;
    Ok((form, outcome))
}

fn store(c: &mut AnyConnection, state: &AppState, p: Pending) -> Result<String, PaperError> {
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

/// Inside a write transaction: an imported form as the first keying of a form of `batch`,
/// to be keyed a second time, blind, on the keying screen. The file's values are turned back
/// into the codes the paper prints, so the two keyings compare field by field.
pub fn import_first_keying(
    c: &mut AnyConnection,
    state: &AppState,
    batch: &Batch,
    serial: &str,
    keyed_by: &str,
    pending: Pending,
) -> Result<(), PaperError> {
    let survey = state
        .catalog
        .get(&batch.survey_id)
        .ok_or(PaperError::NotFound)?;
    let fields = paper::layout(survey);
    let v = &pending.valid;
    let filled = paper::Filled {
        group: v.group.clone(),
        background: v
            .background
            .iter()
            .map(|(k, x)| (k.clone(), serde_json::Value::String(x.clone())))
            .collect(),
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
        comments: v
            .comments
            .iter()
            .map(|(k, x)| (k.clone(), serde_json::Value::String(x.clone())))
            .collect(),
    };
    let mut clean = paper::keys_for(&fields, &filled);
    clean.insert(DATE.into(), pending.day.clone());
    let saved_at = now();
    let keying = Keying {
        id: uuid::Uuid::new_v4().to_string(),
        form_id: String::new(),
        round: 1,
        keyed_by: keyed_by.to_string(),
        unit_code: batch.unit_code.clone(),
        day: pending.day.clone(),
        respondent_group: v.group.clone(),
        background: keyed_json(&clean, |n| n.starts_with("bg.")),
        answers: keyed_json(&clean, |n| !n.starts_with("bg.") && n != DATE),
        fields: i32::try_from(clean.len()).unwrap_or(i32::MAX),
        started_at: saved_at.clone(),
        saved_at,
        wrong_fields: None,
    };
    let mut pending = pending;
    pending.status = KEYED_ONCE.into();
    match save_keying(
        c, state, survey, &fields, batch, serial, keying, &clean, pending,
    )? {
        (_, Keyed1::First { .. }) => Ok(()),
        _ => Err(refused(
            format!("phiếu {serial} đã được nhập trên màn hình trước khi nhập tệp"),
            format!("form {serial} was keyed on screen before the file was imported"),
        )),
    }
}

/// A batch by id, for callers outside the web (the import).
pub fn find_batch(conn: &mut AnyConnection, id: &str) -> Result<Option<Batch>, DbError> {
    rows::batch(conn, id)
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

/// A form in dispute, as the supervisor sees it: both keyings and where they differ.
#[derive(Debug, Clone)]
pub struct Dispute {
    pub form: Form,
    pub batch: Batch,
    pub first: Keying,
    pub second: Keying,
    pub differences: Vec<Difference>,
}

pub async fn dispute(state: &AppState, user: &User, form_id: &str) -> Result<Dispute, PaperError> {
    let id = form_id.to_string();
    let (form, batch, keyings) = state
        .db(move |conn| {
            let form = rows::form(conn, &id)?.ok_or(PaperError::NotFound)?;
            let batch_id = form.batch_id.clone().ok_or(PaperError::NotFound)?;
            let batch = rows::batch(conn, &batch_id)?.ok_or(PaperError::NotFound)?;
            let keyings = rows::keyings_of(conn, &id)?;
            Ok::<_, PaperError>((form, batch, keyings))
        })
        .await?;
    in_scope(state, user, &batch)?;
    let survey = state
        .catalog
        .get(&form.survey_id)
        .ok_or(PaperError::NotFound)?;
    let fields = paper::layout(survey);
    let [first, second] = <[Keying; 2]>::try_from(keyings).map_err(|_| {
        refused(
            format!("phiếu {} chưa được nhập đủ hai lần", form.serial),
            format!("form {} has not been keyed twice yet", form.serial),
        )
    })?;
    let (a, b) = (dated_keys(&first), dated_keys(&second));
    let differences = differences(&fields, &a, &b);
    Ok(Dispute {
        form,
        batch,
        first,
        second,
        differences,
    })
}

fn dated_keys(k: &Keying) -> Keyed {
    let mut keys = keys_of(k);
    keys.insert(DATE.into(), k.day.clone());
    keys
}

/// The supervisor's decision on one differing field.
#[derive(Debug, Clone)]
pub struct Decision {
    pub name: String,
    /// "1" (the first keying), "2" (the second) or "paper" (the value read on the paper).
    pub source: String,
    /// The value on the paper, when `source` is "paper".
    pub value: String,
    pub reason: String,
}

/// Settles a disputed form: every differing field decided with a reason. The form is counted
/// with the settled values (or its counts move, where it was counted once keyed), and each
/// keying is marked with the number of fields it had wrong.
pub async fn settle(
    state: &AppState,
    user: &User,
    form_id: &str,
    decisions: Vec<Decision>,
) -> Result<Form, PaperError> {
    let d = dispute(state, user, form_id).await?;
    if d.form.status != DISPUTED {
        return Err(refused(
            format!("phiếu {} không ở trạng thái chờ đối chiếu", d.form.serial),
            format!("form {} is not waiting to be settled", d.form.serial),
        ));
    }
    let survey = state
        .catalog
        .get(&d.form.survey_id)
        .ok_or(PaperError::NotFound)?
        .clone();
    let fields = paper::layout(&survey);
    let (a, b) = (dated_keys(&d.first), dated_keys(&d.second));
    let mut settled = a.clone();
    let mut record = Vec::new();
    for diff in &d.differences {
        let label = diff.label.clone().unwrap_or_else(|| "Ngày".to_string());
        let Some(dec) = decisions.iter().find(|x| x.name == diff.name) else {
            return Err(invalid(
                &diff.name,
                format!("{label}: hãy chọn giá trị đúng"),
                format!("{label}: choose the right value"),
            ));
        };
        if dec.reason.trim().is_empty() {
            return Err(invalid(
                &diff.name,
                format!("{label}: hãy ghi lý do"),
                format!("{label}: write the reason"),
            ));
        }
        let value = match dec.source.as_str() {
            "1" => diff.first.clone(),
            "2" => diff.second.clone(),
            "paper" => dec.value.trim().to_string(),
            _ => {
                return Err(invalid(
                    &diff.name,
                    format!("{label}: hãy chọn lần nhập 1, 2 hoặc giá trị trên phiếu"),
                    format!("{label}: choose keying 1, keying 2 or the value on the paper"),
                ))
            }
        };
        if value.is_empty() || (diff.name != DATE && paper::is_blank(&value)) {
            settled.remove(&diff.name);
        } else {
            settled.insert(diff.name.clone(), value.clone());
        }
        record.push(
            json!({"field": diff.name, "first": diff.first, "second": diff.second,
            "settled": value, "source": dec.source, "reason": dec.reason.trim()}),
        );
    }
    let date = settled.remove(DATE).unwrap_or_default();
    let sheet = Sheet {
        state,
        survey: &survey,
        fields: &fields,
        batch: &d.batch,
        serial: &d.form.serial,
    };
    let (clean, pending) = sheet.prepare(&date, &settled, ADJUDICATED, &d.first.keyed_by)?;
    let wrong = |k: &Keyed| differences(&fields, k, &clean).len();
    let (wrong_a, wrong_b) = (wrong(&a), wrong(&b));
    let st = state.clone();
    let actor = user.username.clone();
    let previous = if d.form.response_id.is_some() {
        // Counted when first keyed: the first keying's values are what the counts hold.
        let date = a.get(DATE).cloned().unwrap_or_default();
        let mut keys = a.clone();
        keys.remove(DATE);
        Some(
            sheet
                .prepare(&date, &keys, KEYED_ONCE, &d.first.keyed_by)?
                .1,
        )
    } else {
        None
    };
    let mut form = d.form.clone();
    let (first_id, second_id) = (d.first.id.clone(), d.second.id.clone());
    state
        .db(move |conn| {
            write_transaction(conn, |c| {
                let now_form = rows::form(c, &form.id)?.ok_or(PaperError::NotFound)?;
                if now_form.status != DISPUTED {
                    return Err(refused(
                        format!("phiếu {} vừa được người khác đối chiếu", form.serial),
                        format!("form {} was just settled by someone else", form.serial),
                    ));
                }
                match (&form.response_id, previous) {
                    (Some(id), Some(old)) => {
                        responses::replace(c, &st.layouts, id, &old, &pending)?
                    }
                    _ => form.response_id = Some(store(c, &st, pending)?),
                }
                form.status = ADJUDICATED.into();
                form.updated_at = now();
                rows::update_form(c, &form)?;
                rows::set_wrong_fields(c, &first_id, i32::try_from(wrong_a).unwrap_or(i32::MAX))?;
                rows::set_wrong_fields(c, &second_id, i32::try_from(wrong_b).unwrap_or(i32::MAX))?;
                let detail = json!({"serial": form.serial, "decisions": record}).to_string();
                audit::record_form(c, &actor, "paper.settle", &detail, &form.id)?;
                Ok(form)
            })
        })
        .await
}

/// Deletes a keying typed under the wrong serial or for the wrong batch, before the form
/// counts. A form left with no keying goes too. The values go to the audit log.
pub async fn delete_keying(
    state: &AppState,
    user: &User,
    form_id: &str,
    round: i32,
    reason: &str,
) -> Result<(), PaperError> {
    let d_form = form_id.to_string();
    let (form, batch) = state
        .db(move |conn| {
            let form = rows::form(conn, &d_form)?.ok_or(PaperError::NotFound)?;
            let batch_id = form.batch_id.clone().ok_or(PaperError::NotFound)?;
            let batch = rows::batch(conn, &batch_id)?.ok_or(PaperError::NotFound)?;
            Ok::<_, PaperError>((form, batch))
        })
        .await?;
    in_scope(state, user, &batch)?;
    if !matches!(round, 1 | 2) {
        return Err(invalid(
            "round",
            "lần nhập phải là 1 hoặc 2",
            "the keying must be 1 or 2",
        ));
    }
    if reason.trim().is_empty() {
        return Err(invalid(
            "reason",
            "hãy ghi lý do xoá",
            "write why the keying is deleted",
        ));
    }
    if form.response_id.is_some() {
        return Err(refused(
            format!(
                "phiếu {} đã được tính vào kết quả; không thể xoá lần nhập",
                form.serial
            ),
            format!(
                "form {} already counts in the results; its keying cannot be deleted",
                form.serial
            ),
        ));
    }
    let actor = user.username.clone();
    let reason = reason.trim().to_string();
    state
        .db(move |conn| {
            write_transaction(conn, |c| {
                let keyings = rows::keyings_of(c, &form.id)?;
                let Some(k) = keyings.iter().find(|k| k.round == round) else {
                    return Err(PaperError::NotFound);
                };
                rows::delete_keying(c, &k.id)?;
                let detail = json!({"serial": form.serial, "round": round, "keyed_by": k.keyed_by,
                    "before": dated_keys(k), "reason": reason})
                .to_string();
                audit::record_form(c, &actor, "paper.delete", &detail, &form.id)?;
                let mut form = form.clone();
                match keyings.iter().find(|x| x.round != round) {
                    None => rows::delete_form(c, &form.id)?,
                    Some(other) => {
                        // What is left is a first keying again, whoever typed it.
                        if other.round == 2 {
                            diesel::update(crate::db::schema::keyings::table.find(&other.id))
                                .set(crate::db::schema::keyings::round.eq(1))
                                .execute(c)?;
                        }
                        form.status = KEYED_ONCE.into();
                        form.differences = None;
                        form.updated_at = now();
                        rows::update_form(c, &form)?;
                    }
                }
                Ok(())
            })
        })
        .await
}

use diesel::prelude::*;

/// The forms waiting for a supervisor, oldest first.
pub async fn disputes(state: &AppState, user: &User) -> Result<Vec<(Form, Batch)>, PaperError> {
    let forms = state
        .db(move |conn| {
            let mut out = Vec::new();
            // Disputed forms come a batch at a time: each batch is read once.
            let mut batches: HashMap<String, Option<Batch>> = HashMap::new();
            for f in rows::forms_with_status(conn, DISPUTED, 500)? {
                let Some(id) = f.batch_id.clone() else {
                    continue;
                };
                if !batches.contains_key(&id) {
                    let b = rows::batch(conn, &id)?;
                    batches.insert(id.clone(), b);
                }
                if let Some(Some(b)) = batches.get(&id) {
                    out.push((f, b.clone()));
                }
            }
            Ok::<_, PaperError>(out)
        })
        .await?;
    Ok(forms
        .into_iter()
        .filter(|(_, b)| in_scope(state, user, b).is_ok())
        .collect())
}

/// A keyer's or a batch's work: forms and fields keyed, the time it took, and how often the
/// keyings disagreed or were found wrong.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KeyerStats {
    pub name: String,
    pub forms: i64,
    pub fields: i64,
    /// Time spent on the keying screen, each form capped at 30 minutes (a form left open
    /// over lunch is not an hour of work).
    pub seconds: i64,
    /// Fields of forms keyed twice, and how many of them differed between the two keyings.
    pub compared_fields: i64,
    pub differences: i64,
    /// Fields of settled forms, and how many this keyer had wrong.
    pub settled_fields: i64,
    pub wrong: i64,
}

impl KeyerStats {
    fn per_hour(&self, n: i64) -> Option<f64> {
        (self.seconds > 0).then(|| n as f64 * 3600.0 / self.seconds as f64)
    }
    pub fn forms_per_hour(&self) -> Option<f64> {
        self.per_hour(self.forms)
    }
    pub fn fields_per_hour(&self) -> Option<f64> {
        self.per_hour(self.fields)
    }
    /// Differences between the two keyings per 1,000 fields compared.
    pub fn differences_per_1000(&self) -> Option<f64> {
        (self.compared_fields > 0)
            .then(|| self.differences as f64 * 1000.0 / self.compared_fields as f64)
    }
    /// Fields found wrong at settlement per 1,000 fields of settled forms.
    pub fn wrong_per_1000(&self) -> Option<f64> {
        (self.settled_fields > 0).then(|| self.wrong as f64 * 1000.0 / self.settled_fields as f64)
    }
}

const LONGEST_KEYING_SECS: i64 = 30 * 60;

/// Sums keyings by keyer and by batch.
pub fn summarise(rows: &[rows::KeyingStat]) -> (Vec<KeyerStats>, Vec<KeyerStats>) {
    let mut by_keyer: BTreeMap<String, KeyerStats> = BTreeMap::new();
    let mut by_batch: BTreeMap<String, KeyerStats> = BTreeMap::new();
    for r in rows {
        let seconds = match (
            chrono::DateTime::parse_from_rfc3339(&r.started_at),
            chrono::DateTime::parse_from_rfc3339(&r.saved_at),
        ) {
            (Ok(a), Ok(b)) => (b - a).num_seconds().clamp(0, LONGEST_KEYING_SECS),
            _ => 0,
        };
        let batch = r.batch_id.clone().unwrap_or_default();
        for (map, name) in [(&mut by_keyer, r.keyed_by.clone()), (&mut by_batch, batch)] {
            let s = map.entry(name.clone()).or_insert_with(|| KeyerStats {
                name,
                ..KeyerStats::default()
            });
            s.forms += 1;
            s.fields += i64::from(r.fields);
            s.seconds += seconds;
            if let Some(d) = r.differences {
                s.compared_fields += i64::from(r.fields);
                // A difference is the pair's, counted once per keying: both keyers share it.
                s.differences += i64::from(d);
            }
            if let Some(w) = r.wrong_fields {
                s.settled_fields += i64::from(r.fields);
                s.wrong += i64::from(w);
            }
        }
    }
    (
        by_keyer.into_values().collect(),
        by_batch.into_values().collect(),
    )
}

pub async fn keyer_stats(
    state: &AppState,
    user: &User,
    survey: &str,
    period: i32,
) -> Result<(Vec<KeyerStats>, Vec<KeyerStats>), PaperError> {
    let survey = survey.to_string();
    // A unit's staff see the keying of their unit and the units below it only.
    let units = user.unit.as_deref().map(|u| state.units.subtree(u));
    let rows = state
        .db(move |conn| rows::keying_stats(conn, &survey, period, units.as_deref()))
        .await?;
    Ok(summarise(&rows))
}

/// A counted form as it stands, for a supervisor to correct: its batch and the keys its stored
/// values read as (with the date).
#[derive(Debug, Clone)]
pub struct Counted {
    pub form: Form,
    pub batch: Batch,
    pub keys: Keyed,
}

pub async fn counted(state: &AppState, user: &User, form_id: &str) -> Result<Counted, PaperError> {
    let id = form_id.to_string();
    let (form, batch, stored) = state
        .db(move |conn| {
            let form = rows::form(conn, &id)?.ok_or(PaperError::NotFound)?;
            let batch_id = form.batch_id.clone().ok_or(PaperError::NotFound)?;
            let batch = rows::batch(conn, &batch_id)?.ok_or(PaperError::NotFound)?;
            let stored = match &form.response_id {
                Some(r) => responses::values(conn, r)?,
                None => None,
            };
            Ok::<_, PaperError>((form, batch, stored))
        })
        .await?;
    in_scope(state, user, &batch)?;
    let stored = stored.ok_or_else(|| {
        refused(
            format!(
                "phiếu {} chưa được tính vào kết quả; hãy nhập lần hai hoặc đối chiếu trước",
                form.serial
            ),
            format!(
                "form {} does not count in the results yet; key it a second time or settle it first",
                form.serial
            ),
        )
    })?;
    let survey = state
        .catalog
        .get(&form.survey_id)
        .ok_or(PaperError::NotFound)?;
    let fields = paper::layout(survey);
    let as_map = |json: &str| -> serde_json::Map<String, serde_json::Value> {
        serde_json::from_str::<BTreeMap<String, String>>(json)
            .unwrap_or_default()
            .into_iter()
            .map(|(k, v)| (k, serde_json::Value::String(v)))
            .collect()
    };
    let filled = paper::Filled {
        group: stored.group.clone(),
        background: as_map(&stored.background),
        answers: stored
            .answers
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    v.map_or(serde_json::Value::Null, serde_json::Value::from),
                )
            })
            .collect(),
        comments: as_map(&stored.comments),
    };
    let mut keys = paper::keys_for(&fields, &filled);
    keys.insert(DATE.into(), stored.day.clone());
    Ok(Counted { form, batch, keys })
}

/// Corrects a counted form (the paper was misread after it was verified): its response and its
/// counts move in one transaction, and the audit log keeps every changed field before and
/// after, with the reason.
pub async fn correct(
    state: &AppState,
    user: &User,
    form_id: &str,
    date: &str,
    keys: &Keyed,
    reason: &str,
) -> Result<Form, PaperError> {
    let c = counted(state, user, form_id).await?;
    let survey = state
        .catalog
        .get(&c.form.survey_id)
        .ok_or(PaperError::NotFound)?
        .clone();
    let fields = paper::layout(&survey);
    let sheet = Sheet {
        state,
        survey: &survey,
        fields: &fields,
        batch: &c.batch,
        serial: &c.form.serial,
    };
    let status = c.form.status.clone();
    let (after, new) = sheet.prepare(date, keys, &status, &user.username)?;
    if reason.trim().is_empty() {
        return Err(PaperError::Keys(vec![KeyError {
            name: "reason".into(),
            message: Text::new("hãy ghi lý do sửa phiếu", "write why the form is corrected"),
        }]));
    }
    let changed = differences(&fields, &c.keys, &after);
    if changed.is_empty() {
        return Err(refused(
            "không có ô nào thay đổi so với phiếu đã lưu",
            "no field differs from the stored form",
        ));
    }
    let mut before = c.keys.clone();
    let old_date = before.remove(DATE).unwrap_or_default();
    let (_, old) = sheet.prepare(&old_date, &before, &status, &user.username)?;
    let record: Vec<serde_json::Value> = changed
        .iter()
        .map(|d| json!({"field": d.name, "before": d.first, "after": d.second}))
        .collect();
    let detail =
        json!({"serial": c.form.serial, "changes": record, "reason": reason.trim()}).to_string();
    let actor = user.username.clone();
    let st = state.clone();
    let mut form = c.form;
    state
        .db(move |conn| {
            write_transaction(conn, |tx| {
                let response = form.response_id.clone().ok_or(PaperError::NotFound)?;
                responses::replace(tx, &st.layouts, &response, &old, &new)?;
                form.updated_at = now();
                rows::update_form(tx, &form)?;
                audit::record_form(tx, &actor, "paper.correct", &detail, &form.id)?;
                Ok(form)
            })
        })
        .await
}
