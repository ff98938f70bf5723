//! Storing a response: the response row, its answers and the running counts, in one
//! transaction. A repeated `submission_id` returns the first response's id and stores nothing.

use super::schema::{answers, responses};
use super::{is_unique_violation, now, tallies, AnyConnection, DbError};
use crate::scoring::Tallies;
use crate::survey::{Survey, ValidSubmission};
use crate::{with_conn, write_tx};
use diesel::prelude::*;

/// Everything about a response except the answers' validity, which the caller checked.
#[derive(Debug, Clone)]
pub struct NewResponse<'a> {
    pub survey: &'a Survey,
    pub unit: String,
    pub channel: String,
    pub period: i32,
    pub day: String,
    pub submission_id: String,
    pub status: String,
    pub keyed_by: Option<String>,
    pub valid: ValidSubmission,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Stored {
    Created(String),
    /// The submission id was seen before: this is the first response's id.
    Existing(String),
}

impl Stored {
    pub fn id(&self) -> &str {
        match self {
            Stored::Created(id) | Stored::Existing(id) => id,
        }
    }
}

pub fn find_by_submission(
    conn: &mut AnyConnection,
    submission: &str,
) -> Result<Option<String>, DbError> {
    Ok(with_conn!(conn, |c| responses::table
        .filter(responses::submission_id.eq(submission))
        .select(responses::id)
        .first::<String>(c)
        .optional())?)
}

pub fn store(conn: &mut AnyConnection, new: &NewResponse) -> Result<Stored, DbError> {
    if let Some(id) = find_by_submission(conn, &new.submission_id)? {
        return Ok(Stored::Existing(id));
    }
    let id = uuid::Uuid::now_v7().to_string();
    let background = serde_json::to_string(&new.valid.background).unwrap_or_else(|_| "{}".into());
    let created_at = now();
    let answer_rows: Vec<_> = new
        .valid
        .answers
        .iter()
        .map(|(item, value)| {
            (
                answers::response_id.eq(id.clone()),
                answers::item_code.eq(item.clone()),
                answers::value.eq(*value),
            )
        })
        .collect();
    let delta = Tallies::of_response(new.survey, &new.valid.answers, &new.valid.background);
    let comments = serde_json::to_string(&new.valid.comments).unwrap_or_else(|_| "{}".into());
    let key = tallies::SliceKey {
        survey_id: new.survey.id.clone(),
        survey_version: new.survey.version.clone(),
        unit_code: new.unit.clone(),
        period: new.period,
        day: new.day.clone(),
        respondent_group: new.valid.group.clone().unwrap_or_default(),
        channel: new.channel.clone(),
    };
    let result = write_tx!(conn, |c| {
        diesel::insert_into(responses::table)
            .values((
                responses::id.eq(&id),
                responses::survey_id.eq(&new.survey.id),
                responses::survey_version.eq(&new.survey.version),
                responses::unit_code.eq(&new.unit),
                responses::channel.eq(&new.channel),
                responses::period.eq(new.period),
                responses::day.eq(&new.day),
                responses::respondent_group.eq(&new.valid.group),
                responses::background.eq(&background),
                responses::comments.eq(&comments),
                responses::status.eq(&new.status),
                responses::keyed_by.eq(&new.keyed_by),
                responses::submission_id.eq(&new.submission_id),
                responses::created_at.eq(&created_at),
            ))
            .execute(c)?;
        if !answer_rows.is_empty() {
            diesel::insert_into(answers::table)
                .values(&answer_rows)
                .execute(c)?;
        }
        tallies::apply(c, &key, &delta)
    });
    match result {
        Ok(()) => Ok(Stored::Created(id)),
        // Two copies of one submission raced: the other one won and is the answer.
        Err(e) if is_unique_violation(&e) => find_by_submission(conn, &new.submission_id)?
            .map(Stored::Existing)
            .ok_or(DbError::Query(e)),
        Err(e) => Err(e.into()),
    }
}

/// Number of stored responses (all surveys), for status pages and tests.
pub fn count(conn: &mut AnyConnection) -> Result<i64, DbError> {
    Ok(with_conn!(conn, |c| responses::table
        .count()
        .get_result(c))?)
}
