//! Paper forms: batches, forms by serial, and every keying as it was typed. Only rows here;
//! when a form becomes countable the caller stores its response in the same transaction.

use super::schema::{keyings, paper_batches, paper_forms};
use super::{AnyConnection, DbError};
use diesel::prelude::*;
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = paper_batches)]
pub struct Batch {
    pub id: String,
    pub survey_id: String,
    pub period: i32,
    pub unit_code: String,
    pub label: String,
    pub expected: i32,
    pub created_by: String,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = paper_forms, treat_none_as_default_value = false)]
pub struct Form {
    pub id: String,
    pub batch_id: Option<String>,
    pub survey_id: String,
    pub period: i32,
    pub serial: String,
    pub status: String,
    pub response_id: Option<String>,
    pub differences: Option<i32>,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = keyings, treat_none_as_default_value = false)]
pub struct Keying {
    pub id: String,
    pub form_id: String,
    pub round: i32,
    pub keyed_by: String,
    pub unit_code: String,
    pub day: String,
    pub respondent_group: Option<String>,
    /// Background codes as typed (JSON object of field name → key).
    pub background: String,
    /// Everything else as typed (JSON object of field name → key).
    pub answers: String,
    pub fields: i32,
    pub started_at: String,
    pub saved_at: String,
    pub wrong_fields: Option<i32>,
}

pub fn insert_batch(conn: &mut AnyConnection, b: &Batch) -> Result<(), DbError> {
    diesel::insert_into(paper_batches::table)
        .values(b)
        .execute(conn)?;
    Ok(())
}

/// Whether a batch of the survey and period already bears `label`: names are unique there,
/// so two keyers told "Lô 03" open the same one.
pub fn label_taken(
    conn: &mut AnyConnection,
    survey_id: &str,
    period: i32,
    label: &str,
) -> Result<bool, DbError> {
    use diesel::dsl::{exists, select};
    Ok(select(exists(
        paper_batches::table
            .filter(paper_batches::survey_id.eq(survey_id))
            .filter(paper_batches::period.eq(period))
            .filter(paper_batches::label.eq(label)),
    ))
    .get_result(conn)?)
}

pub fn batch(conn: &mut AnyConnection, id: &str) -> Result<Option<Batch>, DbError> {
    Ok(paper_batches::table
        .find(id)
        .select(Batch::as_select())
        .first(conn)
        .optional()?)
}

/// Batches of a survey and period, newest first.
pub fn batches(
    conn: &mut AnyConnection,
    survey: Option<&str>,
    period: Option<i32>,
) -> Result<Vec<Batch>, DbError> {
    let mut q = paper_batches::table.into_boxed();
    if let Some(s) = survey {
        q = q.filter(paper_batches::survey_id.eq(s.to_string()));
    }
    if let Some(p) = period {
        q = q.filter(paper_batches::period.eq(p));
    }
    Ok(q.order(paper_batches::created_at.desc())
        .select(Batch::as_select())
        .load(conn)?)
}

/// Forms per status in each of these batches.
pub fn progress(
    conn: &mut AnyConnection,
    batch_ids: &[String],
) -> Result<HashMap<String, HashMap<String, i64>>, DbError> {
    let mut out: HashMap<String, HashMap<String, i64>> = HashMap::new();
    for chunk in batch_ids.chunks(500) {
        let rows: Vec<(Option<String>, String, i64)> = paper_forms::table
            .filter(paper_forms::batch_id.eq_any(chunk))
            .group_by((paper_forms::batch_id, paper_forms::status))
            .select((
                paper_forms::batch_id,
                paper_forms::status,
                diesel::dsl::count_star(),
            ))
            .load(conn)?;
        for (batch, status, n) in rows {
            if let Some(b) = batch {
                out.entry(b).or_default().insert(status, n);
            }
        }
    }
    Ok(out)
}

pub fn forms_of(conn: &mut AnyConnection, batch_id: &str) -> Result<Vec<Form>, DbError> {
    Ok(paper_forms::table
        .filter(paper_forms::batch_id.eq(batch_id))
        .order(paper_forms::serial.asc())
        .select(Form::as_select())
        .load(conn)?)
}

pub fn form(conn: &mut AnyConnection, id: &str) -> Result<Option<Form>, DbError> {
    Ok(paper_forms::table
        .find(id)
        .select(Form::as_select())
        .first(conn)
        .optional()?)
}

pub fn form_by_serial(
    conn: &mut AnyConnection,
    survey: &str,
    period: i32,
    serial: &str,
) -> Result<Option<Form>, DbError> {
    Ok(paper_forms::table
        .filter(paper_forms::survey_id.eq(survey))
        .filter(paper_forms::period.eq(period))
        .filter(paper_forms::serial.eq(serial))
        .select(Form::as_select())
        .first(conn)
        .optional()?)
}

/// Forms of a status (the supervisor's queue of disputes), oldest first.
pub fn forms_with_status(
    conn: &mut AnyConnection,
    status: &str,
    limit: i64,
) -> Result<Vec<Form>, DbError> {
    Ok(paper_forms::table
        .filter(paper_forms::status.eq(status))
        .order(paper_forms::updated_at.asc())
        .limit(limit)
        .select(Form::as_select())
        .load(conn)?)
}

pub fn insert_form(conn: &mut AnyConnection, f: &Form) -> Result<(), DbError> {
    diesel::insert_into(paper_forms::table)
        .values(f)
        .execute(conn)?;
    Ok(())
}

pub fn update_form(conn: &mut AnyConnection, f: &Form) -> Result<(), DbError> {
    diesel::update(paper_forms::table.find(&f.id))
        .set((
            paper_forms::status.eq(&f.status),
            paper_forms::response_id.eq(&f.response_id),
            paper_forms::differences.eq(f.differences),
            paper_forms::updated_at.eq(&f.updated_at),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn keyings_of(conn: &mut AnyConnection, form_id: &str) -> Result<Vec<Keying>, DbError> {
    Ok(keyings::table
        .filter(keyings::form_id.eq(form_id))
        .order(keyings::round.asc())
        .select(Keying::as_select())
        .load(conn)?)
}

/// Who keyed each form of a batch, in round order: form id → keyers.
pub fn keyers_of_batch(
    conn: &mut AnyConnection,
    batch_id: &str,
) -> Result<HashMap<String, Vec<String>>, DbError> {
    let rows: Vec<(String, String)> = keyings::table
        .inner_join(paper_forms::table)
        .filter(paper_forms::batch_id.eq(batch_id))
        .order((keyings::form_id.asc(), keyings::round.asc()))
        .select((keyings::form_id, keyings::keyed_by))
        .load(conn)?;
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    for (form, keyer) in rows {
        out.entry(form).or_default().push(keyer);
    }
    Ok(out)
}

pub fn insert_keying(conn: &mut AnyConnection, k: &Keying) -> Result<(), DbError> {
    diesel::insert_into(keyings::table)
        .values(k)
        .execute(conn)?;
    Ok(())
}

pub fn delete_keying(conn: &mut AnyConnection, id: &str) -> Result<(), DbError> {
    diesel::delete(keyings::table.find(id)).execute(conn)?;
    Ok(())
}

pub fn delete_form(conn: &mut AnyConnection, id: &str) -> Result<(), DbError> {
    diesel::delete(paper_forms::table.find(id)).execute(conn)?;
    Ok(())
}

pub fn set_wrong_fields(conn: &mut AnyConnection, keying: &str, n: i32) -> Result<(), DbError> {
    diesel::update(keyings::table.find(keying))
        .set(keyings::wrong_fields.eq(Some(n)))
        .execute(conn)?;
    Ok(())
}

/// One keying as the keyer statistics need it.
#[derive(Debug, Clone, Queryable)]
pub struct KeyingStat {
    pub keyed_by: String,
    pub batch_id: Option<String>,
    pub round: i32,
    pub fields: i32,
    pub started_at: String,
    pub saved_at: String,
    pub wrong_fields: Option<i32>,
    pub differences: Option<i32>,
}

/// Every keying of a survey and period, with its form's batch and differences.
pub fn keying_stats(
    conn: &mut AnyConnection,
    survey: &str,
    period: i32,
    units: Option<&[String]>,
) -> Result<Vec<KeyingStat>, DbError> {
    let mut q = keyings::table
        .inner_join(paper_forms::table)
        .filter(paper_forms::survey_id.eq(survey))
        .filter(paper_forms::period.eq(period))
        .into_boxed();
    if let Some(units) = units {
        q = q.filter(keyings::unit_code.eq_any(units.to_vec()));
    }
    Ok(q.select((
        keyings::keyed_by,
        paper_forms::batch_id,
        keyings::round,
        keyings::fields,
        keyings::started_at,
        keyings::saved_at,
        keyings::wrong_fields,
        paper_forms::differences,
    ))
    .load(conn)?)
}

/// The serials held as paper forms of a survey and period (as keyed: upper case).
pub fn serials(
    conn: &mut AnyConnection,
    survey: &str,
    period: i32,
) -> Result<Vec<String>, DbError> {
    Ok(paper_forms::table
        .filter(paper_forms::survey_id.eq(survey))
        .filter(paper_forms::period.eq(period))
        .select(paper_forms::serial)
        .load(conn)?)
}
