//! Batches of paper forms: creating them, listing them with their progress, and the forms of
//! one batch with who keyed them.

use super::{invalid, PaperError, ADJUDICATED, DISPUTED, KEYED_ONCE, VERIFIED};
use crate::clock::{wall_now, wall_stored as now};
use crate::db::auth::User;
use crate::db::paper as rows;
use crate::db::{audit, write_transaction, AnyConnection, DbError};
use crate::state::AppState;
use crate::survey::Unit;
use crate::text::Text;
use serde_json::json;

/// A new batch as a supervisor describes it.
#[derive(Debug, Clone)]
pub struct NewBatch {
    pub survey: String,
    pub period: i32,
    pub unit: String,
    pub label: String,
    pub expected: i32,
}

/// A batch as its pages show it: where its forms come from and how many it holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    pub id: String,
    pub label: String,
    pub survey_id: String,
    pub unit_code: String,
    /// The unit's name on today's map (its code where the map has none).
    pub unit_name: String,
    pub period: i32,
    pub expected: i32,
}

impl Batch {
    pub(super) fn of(state: &AppState, b: &rows::Batch) -> Batch {
        Batch {
            id: b.id.clone(),
            label: b.label.clone(),
            survey_id: b.survey_id.clone(),
            unit_code: b.unit_code.clone(),
            unit_name: state
                .units
                .get(&b.unit_code)
                .map_or(b.unit_code.clone(), |u| u.name.clone()),
            period: b.period,
            expected: b.expected,
        }
    }
}

/// A paper form as its pages show it: where it stands, never what was keyed.
#[derive(Debug, Clone, PartialEq)]
pub struct Form {
    pub id: String,
    pub batch_id: Option<String>,
    pub serial: String,
    /// One of the statuses: keyed once, verified, disputed, settled.
    pub status: String,
    /// Whether it counts in the results.
    pub counted: bool,
    /// Fields where its two keyings differ, once keyed twice.
    pub differences: Option<i32>,
    pub updated_at: String,
}

impl From<&rows::Form> for Form {
    fn from(f: &rows::Form) -> Form {
        Form {
            id: f.id.clone(),
            batch_id: f.batch_id.clone(),
            serial: f.serial.clone(),
            status: f.status.clone(),
            counted: f.response_id.is_some(),
            differences: f.differences,
            updated_at: f.updated_at.clone(),
        }
    }
}

pub fn create_batch(state: &AppState, user: &User, b: NewBatch) -> Result<Batch, PaperError> {
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
    let mut batch = rows::Batch {
        id: uuid::Uuid::new_v4().to_string(),
        survey_id: survey.id.clone(),
        period: b.period,
        unit_code: unit.code.clone(),
        label: label.to_string(),
        expected: b.expected,
        created_by: user.username.clone(),
        created_at: now(),
    };
    state.db_blocking(|conn| {
        write_transaction(conn, |c| {
            if batch.label.is_empty() {
                batch.label = free_label(c, &batch, &unit.name)?;
            } else if rows::label_taken(c, &batch.survey_id, batch.period, &batch.label)? {
                return Err(invalid(
                    "label",
                    format!(
                        "đã có lô “{}” của phiếu khảo sát này trong năm {}; hãy đặt tên khác",
                        batch.label, batch.period
                    ),
                    format!(
                        "there is already a batch “{}” of this survey in {}; choose another name",
                        batch.label, batch.period
                    ),
                ));
            }
            rows::insert_batch(c, &batch)?;
            let detail = json!({"batch": batch.id, "survey": batch.survey_id,
                "period": batch.period, "unit": batch.unit_code, "expected": batch.expected});
            audit::record(
                c,
                &user.username,
                "paper.batch",
                &detail.to_string(),
                wall_now(),
            )?;
            Ok::<_, PaperError>(())
        })
    })?;
    Ok(Batch::of(state, &batch))
}

/// The name of a batch left unnamed: its unit and year, numbered from the second one on.
fn free_label(
    c: &mut AnyConnection,
    batch: &rows::Batch,
    unit_name: &str,
) -> Result<String, DbError> {
    let base = format!("{unit_name} · {}", batch.period);
    let mut label = base.clone();
    let mut n = 1;
    while rows::label_taken(c, &batch.survey_id, batch.period, &label)? {
        n += 1;
        label = format!("{base} · {n}");
    }
    Ok(label)
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
    state: &AppState,
    conn: &mut AnyConnection,
    batches: Vec<rows::Batch>,
) -> Result<Vec<BatchProgress>, DbError> {
    let ids: Vec<String> = batches.iter().map(|b| b.id.clone()).collect();
    let progress = rows::progress(conn, &ids)?;
    Ok(batches
        .iter()
        .map(|batch| {
            let p = progress.get(&batch.id);
            let n = |s: &str| p.and_then(|m| m.get(s)).copied().unwrap_or(0);
            BatchProgress {
                keyed_once: n(KEYED_ONCE),
                verified: n(VERIFIED),
                disputed: n(DISPUTED),
                adjudicated: n(ADJUDICATED),
                batch: Batch::of(state, batch),
            }
        })
        .collect())
}

/// The batches a user may work on (their unit's subtree, or all), newest first.
pub fn batches(state: &AppState, user: &User) -> Result<Vec<BatchProgress>, PaperError> {
    let scope = user.unit.as_ref().map(|u| state.units.subtree(u));
    state.db_blocking(|conn| {
        let mine = rows::batches(conn, None, None)?
            .into_iter()
            .filter(|b| scope.as_ref().is_none_or(|s| s.contains(&b.unit_code)))
            .collect();
        Ok(with_progress(state, conn, mine)?)
    })
}

/// The batches page: the user's batches, and what a new one may be of.
#[derive(Debug, Clone)]
pub struct Overview {
    pub batches: Vec<BatchProgress>,
    /// The units the user may make a batch for.
    pub units: Vec<Unit>,
    /// The year a new batch is of unless told otherwise.
    pub period: i32,
}

pub fn overview(state: &AppState, user: &User) -> Result<Overview, PaperError> {
    // Batches take the units of today's map: the forms being keyed now are this year's.
    let today = state
        .units
        .set_on(state.clock.today())
        .map(|s| s.id.clone());
    let scope = user.unit.as_ref().map(|u| state.units.subtree(u));
    let units = state
        .units
        .units_of(today.as_deref())
        .into_iter()
        .filter(|u| scope.as_ref().is_none_or(|s| s.contains(&u.code)))
        .cloned()
        .collect();
    Ok(Overview {
        batches: batches(state, user)?,
        units,
        period: state.clock.year(),
    })
}

/// One form of a batch as its page lists it: who keyed it (never what).
#[derive(Debug, Clone)]
pub struct FormLine {
    pub form: Form,
    pub keyers: Vec<String>,
}

/// A batch and its progress (what the keying screen shows).
pub fn batch_progress(
    state: &AppState,
    user: &User,
    id: &str,
) -> Result<BatchProgress, PaperError> {
    let batch = state
        .db_blocking(|conn| rows::batch(conn, id))?
        .ok_or(PaperError::NotFound)?;
    in_scope(state, user, &batch)?;
    state
        .db_blocking(|conn| with_progress(state, conn, vec![batch]))?
        .pop()
        .ok_or(PaperError::NotFound)
}

/// A batch, its progress and its forms with who keyed them.
pub fn batch(
    state: &AppState,
    user: &User,
    id: &str,
) -> Result<(BatchProgress, Vec<FormLine>), PaperError> {
    let progress = batch_progress(state, user, id)?;
    let forms = state.db_blocking(|conn| {
        let mut keyers = rows::keyers_of_batch(conn, id)?;
        let lines = rows::forms_of(conn, id)?
            .iter()
            .map(|form| FormLine {
                keyers: keyers.remove(&form.id).unwrap_or_default(),
                form: form.into(),
            })
            .collect();
        Ok::<_, PaperError>(lines)
    })?;
    Ok((progress, forms))
}

pub(super) fn in_scope(
    state: &AppState,
    user: &User,
    batch: &rows::Batch,
) -> Result<(), PaperError> {
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

/// A form and its batch, when the user may touch them.
pub(super) fn form_in_scope(
    state: &AppState,
    user: &User,
    form_id: &str,
) -> Result<(rows::Form, rows::Batch), PaperError> {
    let (form, batch) = state.db_blocking(|conn| {
        let form = rows::form(conn, form_id)?.ok_or(PaperError::NotFound)?;
        let batch_id = form.batch_id.as_deref().ok_or(PaperError::NotFound)?;
        let batch = rows::batch(conn, batch_id)?.ok_or(PaperError::NotFound)?;
        Ok::<_, PaperError>((form, batch))
    })?;
    in_scope(state, user, &batch)?;
    Ok((form, batch))
}

/// A batch by id, for callers outside the web (the import).
pub fn find_batch(conn: &mut AnyConnection, id: &str) -> Result<Option<rows::Batch>, DbError> {
    rows::batch(conn, id)
}
