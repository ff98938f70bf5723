//! A batch worked out before it reaches the database: its ids, its rows and its summed counts,
//! made on a thread of its own while the previous batch commits, so that the thread holding
//! the database only runs statements.
//!
//! The work assumes what is true of nearly every batch: no submission id in it is stored yet
//! or repeated, and no answer is sealed. A batch where that does not hold is stored the plain
//! way, from its pending responses; the work done ahead is dropped.

use super::{
    known_ids, store_batch_keeping, stored_or_one_by_one, write_batch, AnswerRows, NewResponse,
    Pending, RowText, Stored, SEALED,
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
    /// The text of each response's row.
    written: Vec<RowText>,
    versions: Vec<String>,
    rows: AnswerRows,
    deltas: Deltas,
    /// The submission ids worked out so far.
    seen: HashSet<String>,
}

/// Works out what storing `batch` writes, without the database.
pub fn prepare(layouts: &Layouts, batch: Vec<Pending>) -> Prepared {
    let mut p = Prepared {
        ready: true,
        ids: Vec::with_capacity(batch.len()),
        written: Vec::with_capacity(batch.len()),
        versions: Vec::with_capacity(batch.len()),
        rows: AnswerRows::default(),
        deltas: Deltas::default(),
        seen: HashSet::with_capacity(batch.len()),
        batch: Vec::new(),
    };
    p.add(layouts, batch);
    p
}

impl Prepared {
    /// Adds more responses to the batch, worked out as [`prepare`] does.
    pub fn add(&mut self, layouts: &Layouts, more: Vec<Pending>) {
        let _preparing = span(Phase::Prepare);
        for pending in &more {
            if !self.ready {
                break;
            }
            let layout = layouts.get(&pending.survey_id);
            let repeated = !self.seen.insert(pending.stored_submission.clone());
            let (Some(layout), false, false) = (layout, pending.status == SEALED, repeated) else {
                self.ready = false;
                break;
            };
            // A random id on every channel: a time-ordered one would date the answer.
            let id = uuid::Uuid::new_v4().to_string();
            self.rows.push(&id, pending);
            self.ids.push(id);
            self.written.push(pending.row_text());
            self.versions.push(layout.version().to_string());
            self.deltas.add(
                layout,
                pending.slice(layout.version()),
                &pending.contribution,
            );
        }
        self.batch.extend(more);
    }

    pub fn len(&self) -> usize {
        self.batch.len()
    }

    pub fn is_empty(&self) -> bool {
        self.batch.is_empty()
    }
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
        let mut heads: Vec<NewResponse> = (p.batch.iter().enumerate())
            .map(|(i, pending)| {
                let (id, version) = (p.ids[i].clone(), p.versions[i].as_str());
                NewResponse::of(pending, id, version, &pending.status, p.written[i].clone())
            })
            .collect();
        write_batch(c, layouts, (&mut heads, &p.rows, &p.deltas), cache)?;
        Ok(p.ids.iter().map(|id| Stored::Created(id.clone())).collect())
    })
}
