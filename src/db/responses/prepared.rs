//! A batch worked out before it reaches the database: its ids, its rows and its summed counts,
//! made on a thread of its own while the previous batch commits, so that the thread holding
//! the database only runs statements.
//!
//! The work assumes what is true of nearly every batch: no submission id in it is stored yet
//! or repeated, and no answer is sealed. A batch where that does not hold is stored the plain
//! way, from its pending responses; the work done ahead is dropped.

use super::{
    insert_answers, insert_responses, known_ids, stored_or_one_by_one, store_batch_keeping,
    AnswerRows, NewResponse, Pending, Stored, SEALED,
};
use crate::counts::{Deltas, Layouts};
use crate::db::{counts, AnyConnection, DbError};
use crate::profile::{span, Phase};
use std::collections::HashSet;

/// A batch with its rows and counts worked out.
pub struct Prepared {
    pub batch: Vec<Pending>,
    /// Ready to store as it is; false when the batch must be stored the plain way.
    ready: bool,
    ids: Vec<String>,
    backgrounds: Vec<String>,
    comments: Vec<String>,
    versions: Vec<String>,
    rows: AnswerRows,
    deltas: Deltas,
}

/// Works out what storing `batch` writes, without the database.
pub fn prepare(layouts: &Layouts, batch: Vec<Pending>) -> Prepared {
    let _preparing = span(Phase::Prepare);
    let mut p = Prepared {
        ready: true,
        ids: Vec::with_capacity(batch.len()),
        backgrounds: Vec::with_capacity(batch.len()),
        comments: Vec::with_capacity(batch.len()),
        versions: Vec::with_capacity(batch.len()),
        rows: AnswerRows::default(),
        deltas: Deltas::default(),
        batch: Vec::new(),
    };
    let mut seen = HashSet::with_capacity(batch.len());
    for pending in &batch {
        let layout = layouts.get(&pending.survey_id);
        let (Some(layout), false, true) = (
            layout,
            pending.status == SEALED,
            seen.insert(pending.stored_submission.as_str()),
        ) else {
            p.ready = false;
            break;
        };
        // A random id on every channel: a time-ordered one would date the answer.
        let id = uuid::Uuid::new_v4().to_string();
        p.rows.push(&id, pending);
        p.ids.push(id);
        p.backgrounds
            .push(serde_json::to_string(&pending.valid.background).unwrap_or_default());
        p.comments
            .push(serde_json::to_string(&pending.valid.comments).unwrap_or_default());
        p.versions.push(layout.version().to_string());
        p.deltas.add(
            layout,
            pending.slice(layout.version()),
            &pending.contribution,
        );
    }
    p.batch = batch;
    p
}

/// Stores a prepared batch in one transaction (or, should that fail, each response in one
/// of its own), as [`super::store_all_keeping`] stores its batch.
pub fn store_prepared(
    conn: &mut AnyConnection,
    layouts: &Layouts,
    p: &Prepared,
    cache: Option<&counts::RowCache>,
) -> Vec<Result<Stored, DbError>> {
    stored_or_one_by_one(conn, layouts, &p.batch, |c| {
        if !p.ready {
            return store_batch_keeping(c, layouts, &p.batch, cache);
        }
        if !known_ids(c, &p.batch)?.is_empty() {
            // A retry of something stored: the plain way answers it with the first id.
            return store_batch_keeping(c, layouts, &p.batch, cache);
        }
        let heads: Vec<NewResponse> = (p.batch.iter().enumerate())
            .map(|(i, pending)| NewResponse {
                id: p.ids[i].clone(),
                survey_id: &pending.survey_id,
                survey_version: &p.versions[i],
                unit_code: &pending.unit,
                channel: &pending.channel,
                period: pending.period,
                day: &pending.day,
                respondent_group: pending.valid.group.as_deref(),
                background: p.backgrounds[i].clone(),
                comments: p.comments[i].clone(),
                status: &pending.status,
                keyed_by: pending.keyed_by.as_deref(),
                submission_id: &pending.stored_submission,
                // The day only (the day it counts under): nothing dates an answer more
                // precisely.
                created_at: &pending.day,
            })
            .collect();
        let inserting = span(Phase::InsertResponses);
        insert_responses(c, &heads)?;
        drop(inserting);
        let inserting = span(Phase::InsertAnswers);
        insert_answers(c, &p.rows)?;
        drop(inserting);
        if !p.deltas.is_empty() {
            counts::add_keeping(c, layouts, &p.deltas, cache)?;
        }
        Ok(p.ids.iter().map(|id| Stored::Created(id.clone())).collect())
    })
}
