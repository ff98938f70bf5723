//! Correcting a counted form, when the paper was misread after it was verified: its response
//! and its counts move together, and the audit log keeps every field before and after.

use super::batches::{Batch, Form};
use super::sheet::{differences, read_back, OnFile};
use super::{refused, PaperError, DATE};
use crate::clock::{wall_now, wall_stored as now};
use crate::db::auth::User;
use crate::db::paper as rows;
use crate::db::{audit, responses, write_transaction};
use crate::state::AppState;
use crate::survey::paper::{KeyError, Keyed, PaperField};
use crate::survey::ValidSubmission;
use crate::text::Text;
use serde_json::json;
use std::collections::BTreeMap;

/// A counted form as it stands, and the keys its stored values read as (with the date).
struct Counted<'s> {
    on_file: OnFile<'s>,
    keys: Keyed,
}

fn counted<'s>(state: &'s AppState, user: &User, form_id: &str) -> Result<Counted<'s>, PaperError> {
    let on_file = OnFile::open(state, user, form_id)?;
    let form = &on_file.form;
    let stored = match &form.response_id {
        Some(r) => state.db_blocking(|conn| responses::values(conn, r))?,
        None => None,
    };
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
    let text =
        |json: &str| serde_json::from_str::<BTreeMap<String, String>>(json).unwrap_or_default();
    let values = ValidSubmission {
        answers: stored.answers,
        background: text(&stored.background),
        comments: text(&stored.comments),
        group: stored.group,
    };
    let keys = read_back(&on_file.fields, &values, &stored.day);
    Ok(Counted { on_file, keys })
}

/// A counted form opened for correction: its stored values in the keying screen's fields.
#[derive(Debug, Clone)]
pub struct Correction {
    pub form: Form,
    pub batch: Batch,
    pub fields: Vec<PaperField>,
    /// The date on the paper as the screen writes it (day/month/year).
    pub date: String,
    /// The other fields' keys.
    pub keys: Keyed,
}

pub fn correction(state: &AppState, user: &User, form_id: &str) -> Result<Correction, PaperError> {
    let Counted { on_file, mut keys } = counted(state, user, form_id)?;
    let date = keys
        .remove(DATE)
        .and_then(|d| chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok())
        .map(|d| d.format("%d/%m/%Y").to_string())
        .unwrap_or_default();
    Ok(Correction {
        form: Form::from(&on_file.form),
        batch: Batch::of(state, &on_file.batch),
        fields: on_file.fields,
        date,
        keys,
    })
}

/// Corrects a counted form (the paper was misread after it was verified): its response and its
/// counts move in one transaction, and the audit log keeps every changed field before and
/// after, with the reason.
pub fn correct(
    state: &AppState,
    user: &User,
    form_id: &str,
    date: &str,
    keys: &Keyed,
    reason: &str,
) -> Result<Form, PaperError> {
    let c = counted(state, user, form_id)?;
    let f = &c.on_file;
    let sheet = f.sheet(state);
    let status = f.form.status.clone();
    let (after, new) = sheet.prepare(date, keys, &status, &user.username)?;
    if reason.trim().is_empty() {
        return Err(PaperError::Keys(vec![KeyError {
            name: "reason".into(),
            message: Text::new("hãy ghi lý do sửa phiếu", "write why the form is corrected"),
        }]));
    }
    let changed = differences(&f.fields, &c.keys, &after);
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
        json!({"serial": f.form.serial, "changes": record, "reason": reason.trim()}).to_string();
    let mut form = f.form.clone();
    let form = state.db_blocking(|conn| {
        write_transaction(conn, |tx| {
            let response = form.response_id.clone().ok_or(PaperError::NotFound)?;
            responses::replace(tx, &state.layouts, &response, &old, &new)?;
            form.updated_at = now();
            rows::update_form(tx, &form)?;
            audit::record_form(
                tx,
                &user.username,
                "paper.correct",
                &detail,
                &form.id,
                wall_now(),
            )?;
            Ok::<_, PaperError>(form)
        })
    })?;
    Ok(Form::from(&form))
}
