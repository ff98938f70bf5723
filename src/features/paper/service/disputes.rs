//! Forms whose two keyings differ: the list a supervisor works through, settling one field
//! by field against the paper, and deleting a keying typed under the wrong serial.

use super::batches::{form_in_scope, in_scope, Batch, Form};
use super::sheet::{dated_keys, differences, store, Difference, OnFile};
use super::{invalid, refused, PaperError, ADJUDICATED, DATE, DISPUTED, KEYED_ONCE};
use crate::clock::{wall_now, wall_stored as now};
use crate::db::auth::User;
use crate::db::paper::{self as rows, Keying};
use crate::db::schema::keyings;
use crate::db::{audit, responses, write_transaction};
use crate::state::AppState;
use crate::survey::paper::{self, Keyed};
use diesel::prelude::*;
use serde_json::json;
use std::collections::HashMap;

/// The forms waiting for a supervisor, oldest first.
pub fn disputes(state: &AppState, user: &User) -> Result<Vec<(Form, Batch)>, PaperError> {
    let forms = state.db_blocking(|conn| {
        let mut out = Vec::new();
        // Disputed forms come a batch at a time: each batch is read once.
        let mut batches: HashMap<String, Option<rows::Batch>> = HashMap::new();
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
    })?;
    Ok(forms
        .iter()
        .filter(|(_, b)| in_scope(state, user, b).is_ok())
        .map(|(f, b)| (Form::from(f), Batch::of(state, b)))
        .collect())
}

/// Who keyed a form, and when.
#[derive(Debug, Clone, PartialEq)]
pub struct Keyer {
    pub name: String,
    pub saved_at: String,
}

impl From<&Keying> for Keyer {
    fn from(k: &Keying) -> Keyer {
        Keyer {
            name: k.keyed_by.clone(),
            saved_at: k.saved_at.clone(),
        }
    }
}

/// A form in dispute, as the supervisor sees it: both keyings and where they differ.
#[derive(Debug, Clone)]
pub struct Dispute {
    pub form: Form,
    pub batch: Batch,
    pub first: Keyer,
    pub second: Keyer,
    pub differences: Vec<Difference>,
}

/// A form keyed twice, as stored, with its two keyings.
struct Opened<'s> {
    on_file: OnFile<'s>,
    first: Keying,
    second: Keying,
}

fn open<'s>(state: &'s AppState, user: &User, form_id: &str) -> Result<Opened<'s>, PaperError> {
    let on_file = OnFile::open(state, user, form_id)?;
    let keyings = state.db_blocking(|conn| rows::keyings_of(conn, form_id))?;
    let [first, second] = <[Keying; 2]>::try_from(keyings).map_err(|_| {
        refused(
            format!("phiếu {} chưa được nhập đủ hai lần", on_file.form.serial),
            format!("form {} has not been keyed twice yet", on_file.form.serial),
        )
    })?;
    Ok(Opened {
        on_file,
        first,
        second,
    })
}

pub fn dispute(state: &AppState, user: &User, form_id: &str) -> Result<Dispute, PaperError> {
    let d = open(state, user, form_id)?;
    let f = &d.on_file;
    let differences = differences(&f.fields, &dated_keys(&d.first), &dated_keys(&d.second));
    Ok(Dispute {
        form: Form::from(&f.form),
        batch: Batch::of(state, &f.batch),
        first: Keyer::from(&d.first),
        second: Keyer::from(&d.second),
        differences,
    })
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
pub fn settle(
    state: &AppState,
    user: &User,
    form_id: &str,
    decisions: Vec<Decision>,
) -> Result<Form, PaperError> {
    let d = open(state, user, form_id)?;
    let f = &d.on_file;
    if f.form.status != DISPUTED {
        return Err(refused(
            format!("phiếu {} không ở trạng thái chờ đối chiếu", f.form.serial),
            format!("form {} is not waiting to be settled", f.form.serial),
        ));
    }
    let (a, b) = (dated_keys(&d.first), dated_keys(&d.second));
    let (mut settled, record) = decide(&differences(&f.fields, &a, &b), &decisions, &a)?;
    let date = settled.remove(DATE).unwrap_or_default();
    let sheet = f.sheet(state);
    let (clean, pending) = sheet.prepare(&date, &settled, ADJUDICATED, &d.first.keyed_by)?;
    let wrong =
        |k: &Keyed| i32::try_from(differences(&f.fields, k, &clean).len()).unwrap_or(i32::MAX);
    let previous = if f.form.response_id.is_some() {
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
    let mut form = f.form.clone();
    let form = state.db_blocking(|conn| {
        write_transaction(conn, |c| {
            let now_form = rows::form(c, &form.id)?.ok_or(PaperError::NotFound)?;
            if now_form.status != DISPUTED {
                return Err(refused(
                    format!("phiếu {} vừa được người khác đối chiếu", form.serial),
                    format!("form {} was just settled by someone else", form.serial),
                ));
            }
            match (&form.response_id, previous) {
                (Some(id), Some(old)) => responses::replace(c, &state.layouts, id, &old, &pending)?,
                _ => form.response_id = Some(store(c, state, pending)?),
            }
            form.status = ADJUDICATED.into();
            form.updated_at = now();
            rows::update_form(c, &form)?;
            rows::set_wrong_fields(c, &d.first.id, wrong(&a))?;
            rows::set_wrong_fields(c, &d.second.id, wrong(&b))?;
            let detail = json!({"serial": form.serial, "decisions": record}).to_string();
            audit::record_form(
                c,
                &user.username,
                "paper.settle",
                &detail,
                &form.id,
                wall_now(),
            )?;
            Ok(form)
        })
    })?;
    Ok(Form::from(&form))
}

/// The first keying's keys with every differing field as decided, and the decisions as the
/// audit log keeps them; or what is missing from a decision.
fn decide(
    diffs: &[Difference],
    decisions: &[Decision],
    first: &Keyed,
) -> Result<(Keyed, Vec<serde_json::Value>), PaperError> {
    let mut settled = first.clone();
    let mut record = Vec::new();
    for diff in diffs {
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
    Ok((settled, record))
}

/// Deletes a keying typed under the wrong serial or for the wrong batch, before the form
/// counts. A form left with no keying goes too. The values go to the audit log. Gives the
/// form's serial.
pub fn delete_keying(
    state: &AppState,
    user: &User,
    form_id: &str,
    round: i32,
    reason: &str,
) -> Result<String, PaperError> {
    let (form, _) = form_in_scope(state, user, form_id)?;
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
    let reason = reason.trim();
    state.db_blocking(|conn| {
        write_transaction(conn, |c| {
            let keyings = rows::keyings_of(c, &form.id)?;
            let Some(k) = keyings.iter().find(|k| k.round == round) else {
                return Err(PaperError::NotFound);
            };
            rows::delete_keying(c, &k.id)?;
            let detail = json!({"serial": form.serial, "round": round, "keyed_by": k.keyed_by,
                "before": dated_keys(k), "reason": reason})
            .to_string();
            audit::record_form(
                c,
                &user.username,
                "paper.delete",
                &detail,
                &form.id,
                wall_now(),
            )?;
            let mut form = form.clone();
            match keyings.iter().find(|x| x.round != round) {
                None => rows::delete_form(c, &form.id)?,
                Some(other) => {
                    // What is left is a first keying again, whoever typed it.
                    if other.round == 2 {
                        diesel::update(keyings::table.find(&other.id))
                            .set(keyings::round.eq(1))
                            .execute(c)?;
                    }
                    form.status = KEYED_ONCE.into();
                    form.differences = None;
                    form.updated_at = now();
                    rows::update_form(c, &form)?;
                }
            }
            Ok(form.serial)
        })
    })
}
