//! Keying a form: the first keying, the blind second by someone else, and the import of a
//! file's forms as first keyings.

use super::batches::{batch_progress, in_scope, BatchProgress, Form};
use super::sheet::{
    check_serial, differences, keyed_json, keys_of, read_back, store, survey_of, Sheet,
};
use super::{refused, PaperError, DATE, DISPUTED, KEYED_ONCE, VERIFIED};
use crate::clock::{wall_now, wall_stored as now};
use crate::db::auth::User;
use crate::db::paper::{self as rows, Keying};
use crate::db::responses::{self, Pending};
use crate::db::{audit, is_unique_violation, write_transaction, AnyConnection, DbError};
use crate::state::AppState;
use crate::survey::paper::{KeyError, Keyed, PaperField};
use crate::text::Text;
use serde_json::json;

/// One keying of a form, as posted by the keying screen.
#[derive(Debug, Clone, Default)]
pub struct KeyedForm {
    pub serial: String,
    pub date: String,
    /// Field name → code or text, as typed.
    pub keys: Keyed,
    /// When the blank form was opened (RFC 3339), for the keyer's speed.
    pub started_at: Option<String>,
    /// The keyer confirmed that a (nearly) blank form is blank on paper too.
    pub blank_ok: bool,
}

/// The confirmation a nearly blank form asks for before it is saved.
pub const BLANK_OK: &str = "blank_ok";

/// Why a form with at most one question answered (background aside) is not saved until the
/// keyer confirms it: more often a slip of the fingers than a citizen who answered nothing.
fn nearly_blank(fields: &[PaperField], clean: &Keyed) -> Option<KeyError> {
    let questions = fields.iter().filter(|f| !f.name.starts_with("bg."));
    let asked = questions.clone().count();
    let answered = questions.filter(|f| clean.contains_key(&f.name)).count();
    (asked > 1 && answered <= 1).then(|| KeyError {
        name: BLANK_OK.into(),
        message: Text::new(
            format!("Phiếu chỉ có {answered} trên {asked} câu hỏi được trả lời. Nếu phiếu giấy đúng như vậy, đánh dấu ô xác nhận rồi lưu lại; nếu không, hãy nhập tiếp các câu còn thiếu."),
            format!("Only {answered} of {asked} questions are answered. If the paper is so, tick the confirmation and save again; if not, key the missing answers."),
        ),
    })
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

/// What the keying screen shows of its batch, and when the blank form was handed out.
#[derive(Debug, Clone)]
pub struct Screen {
    pub progress: BatchProgress,
    pub fields: Vec<PaperField>,
    /// When this blank form was opened, for the keyer's speed.
    pub started_at: String,
    /// The first and the last day a form of the batch's period may be dated (YYYY-MM-DD), as
    /// the save checks: within the year or the survey window after it, and not after today.
    pub dates: (String, String),
}

/// The days a form of `period` may be dated: from 1 January to the end of the survey window
/// after the year, and never after today.
fn dates_of(state: &AppState, period: i32) -> (String, String) {
    let first = chrono::NaiveDate::from_ymd_opt(period, 1, 1);
    let last = chrono::NaiveDate::from_ymd_opt(period, 12, 31)
        .map(|d| d + chrono::Duration::days(i64::from(state.settings.survey_window_days)))
        .map(|d| d.min(state.clock.today()));
    let iso = |d: Option<chrono::NaiveDate>| {
        d.map_or(String::new(), |d| d.format("%Y-%m-%d").to_string())
    };
    (iso(first), iso(last))
}

pub fn screen(state: &AppState, user: &User, batch_id: &str) -> Result<Screen, PaperError> {
    let progress = batch_progress(state, user, batch_id)?;
    let (_, fields) = survey_of(state, &progress.batch.survey_id)?;
    Ok(Screen {
        dates: dates_of(state, progress.batch.period),
        progress,
        fields,
        started_at: now(),
    })
}

/// What the keyer is told about a serial as its field is left, before the rest is keyed: why
/// a save would refuse it now (not a serial, keyed twice already, keyed by this keyer, in
/// another batch), or nothing. The save checks again.
pub fn serial_on_entry(
    state: &AppState,
    user: &User,
    batch_id: &str,
    serial: &str,
) -> Result<Option<Text>, PaperError> {
    let batch = state
        .db_blocking(|conn| rows::batch(conn, batch_id))?
        .ok_or(PaperError::NotFound)?;
    in_scope(state, user, &batch)?;
    let serial = match check_serial(serial) {
        Ok(s) => s,
        Err(PaperError::Invalid(p)) => return Ok(Some(p.text)),
        Err(e) => return Err(e),
    };
    let keyer = Keyer::of(user);
    match state.db_blocking(|c| serial_meets(c, state, &batch, &serial, &keyer)) {
        Ok(_) => Ok(None),
        Err(PaperError::Refused(why)) => Ok(Some(why)),
        Err(e) => Err(e),
    }
}

/// Saves one keying of a form of `batch_id`: the first, or the blind second.
pub fn key_form(
    state: &AppState,
    user: &User,
    batch_id: &str,
    input: KeyedForm,
) -> Result<(Form, Keyed1), PaperError> {
    let batch = state
        .db_blocking(|conn| rows::batch(conn, batch_id))?
        .ok_or(PaperError::NotFound)?;
    in_scope(state, user, &batch)?;
    let (survey, fields) = survey_of(state, &batch.survey_id)?;
    let checked_serial = check_serial(&input.serial);
    let serial = checked_serial
        .as_ref()
        .map_or_else(|_| input.serial.trim().to_string(), Clone::clone);
    let sheet = Sheet {
        state,
        survey,
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
    if let Some(blank) = nearly_blank(&fields, &clean).filter(|_| !input.blank_ok) {
        return Err(PaperError::Keys(vec![blank]));
    }
    let keying = new_keying(&user.username, &batch, &clean, &pending, input.started_at);
    let saved = state.db_blocking(|conn| {
        write_transaction(conn, |c| {
            save_keying(c, &sheet, keying, &clean, pending, user.unit.as_deref())
        })
    });
    match saved {
        Ok((form, outcome)) => Ok((Form::from(&form), outcome)),
        // Two people saved the same serial at the same moment: the other one won.
        Err(PaperError::Db(DbError::Query(e))) if is_unique_violation(&e) => Err(refused(
            format!("phiếu {serial} vừa được người khác lưu cùng lúc; hãy mở lại và nhập lại"),
            format!("form {serial} was just saved by someone else; open it again and key it again"),
        )),
        Err(e) => Err(e),
    }
}

/// A keying of `batch` as checked, saved now; started when the keyer says (if it reads as a
/// time), else now.
fn new_keying(
    keyed_by: &str,
    batch: &rows::Batch,
    clean: &Keyed,
    pending: &Pending,
    started_at: Option<String>,
) -> Keying {
    let saved_at = now();
    Keying {
        id: uuid::Uuid::new_v4().to_string(),
        form_id: String::new(),
        round: 1,
        keyed_by: keyed_by.to_string(),
        unit_code: batch.unit_code.clone(),
        day: pending.day.clone(),
        respondent_group: pending.valid.group.clone(),
        background: keyed_json(clean, |n| n.starts_with("bg.")),
        answers: keyed_json(clean, |n| !n.starts_with("bg.") && n != DATE),
        fields: i32::try_from(clean.len()).unwrap_or(i32::MAX),
        started_at: started_at
            .filter(|s| chrono::DateTime::parse_from_rfc3339(s).is_ok())
            .unwrap_or_else(|| saved_at.clone()),
        saved_at,
        wrong_fields: None,
    }
}

/// Inside a write transaction: a keying of the sheet's form, the first or the blind second,
/// by a keyer limited to `scope` (a unit and the units below it), if any.
fn save_keying(
    c: &mut AnyConnection,
    sheet: &Sheet,
    mut keying: Keying,
    clean: &Keyed,
    pending: Pending,
    scope: Option<&str>,
) -> Result<(rows::Form, Keyed1), PaperError> {
    let (state, survey, batch, serial) = (sheet.state, sheet.survey, sheet.batch, sheet.serial);
    let detail = |round: i32| {
        json!({"serial": serial, "batch": batch.id, "round": round, "after": clean}).to_string()
    };
    let keyer = Keyer {
        name: &keying.keyed_by,
        scope,
    };
    let Some((mut form, first)) = serial_meets(c, state, batch, serial, &keyer)? else {
        let mut form = rows::Form {
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
        audit::record_form(
            c,
            &keying.keyed_by,
            "paper.key",
            &detail(1),
            &form.id,
            wall_now(),
        )?;
        let counted = form.response_id.is_some();
        return Ok((form, Keyed1::First { counted }));
    };
    keying.form_id = form.id.clone();
    keying.round = 2;
    rows::insert_keying(c, &keying)?;
    let mut first_keys = keys_of(&first);
    first_keys.insert(DATE.into(), first.day.clone());
    let diffs = differences(sheet.fields, &first_keys, clean).len();
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
    audit::record_form(
        c,
        &keying.keyed_by,
        "paper.key",
        &detail(2),
        &form.id,
        wall_now(),
    )?;
    Ok((form, outcome))
}

/// Who keys: a name, and the unit their work is limited to (with the units below it), if any.
struct Keyer<'a> {
    name: &'a str,
    scope: Option<&'a str>,
}

impl<'a> Keyer<'a> {
    fn of(user: &'a User) -> Keyer<'a> {
        Keyer {
            name: &user.username,
            scope: user.unit.as_deref(),
        }
    }

    /// Whether a batch of `unit` is theirs to see named.
    fn sees(&self, state: &AppState, unit: &str) -> bool {
        self.scope
            .is_none_or(|s| state.units.subtree(s).iter().any(|u| u == unit))
    }
}

/// What a serial typed for `batch` meets: nothing yet (a first keying), or a form keyed once
/// by someone else and that keying (the blind second); anything else is refused, saying why.
/// A batch outside the keyer's scope is not named.
fn serial_meets(
    c: &mut AnyConnection,
    state: &AppState,
    batch: &rows::Batch,
    serial: &str,
    keyer: &Keyer,
) -> Result<Option<(rows::Form, Keying)>, PaperError> {
    let Some(form) = rows::form_by_serial(c, &batch.survey_id, batch.period, serial)? else {
        return Ok(None);
    };
    if form.batch_id.as_deref() != Some(batch.id.as_str()) {
        let other = form
            .batch_id
            .as_deref()
            .and_then(|b| rows::batch(c, b).ok().flatten());
        let whose = other
            .filter(|b| keyer.sees(state, &b.unit_code))
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
            .unwrap_or_else(|| match form.batch_id {
                Some(_) => Text::new("một lô của đơn vị khác", "a batch of another unit"),
                None => Text::new("một tệp đã nhập", "an imported file"),
            });
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
    if first.keyed_by == keyer.name {
        return Err(refused(
            format!(
                "bạn đã nhập phiếu {serial}; lần nhập thứ hai phải do một người khác thực hiện"
            ),
            format!("you keyed form {serial}; the second keying must be done by someone else"),
        ));
    }
    Ok(Some((form, first.clone())))
}

/// Inside a write transaction: an imported form as the first keying of a form of `batch`,
/// to be keyed a second time, blind, on the keying screen. The file's values are turned back
/// into the codes the paper prints, so the two keyings compare field by field.
pub fn import_first_keying(
    c: &mut AnyConnection,
    state: &AppState,
    batch: &rows::Batch,
    serial: &str,
    keyed_by: &str,
    pending: Pending,
) -> Result<(), PaperError> {
    let (survey, fields) = survey_of(state, &batch.survey_id)?;
    let clean = read_back(&fields, &pending.valid, &pending.day);
    let keying = new_keying(keyed_by, batch, &clean, &pending, None);
    let mut pending = pending;
    pending.status = KEYED_ONCE.into();
    let sheet = Sheet {
        state,
        survey,
        fields: &fields,
        batch,
        serial,
    };
    // The import's refusals are not shown (the whole chunk is undone): no scope to keep.
    match save_keying(c, &sheet, keying, &clean, pending, None)? {
        (_, Keyed1::First { .. }) => Ok(()),
        _ => Err(refused(
            format!("phiếu {serial} đã được nhập trên màn hình trước khi nhập tệp"),
            format!("form {serial} was keyed on screen before the file was imported"),
        )),
    }
}
