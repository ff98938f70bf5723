//! Paper questionnaires keyed in the browser and verified by double entry.
//!
//! A batch (lô phiếu) holds the forms of one unit, survey and period. Each form (by its serial)
//! is keyed twice, blind, by two different people; equal keyings verify it, different ones
//! put it in dispute for a supervisor to settle field by field. A form enters `responses`, and
//! so the running counts, once, in the transaction that makes it countable; a later
//! settlement moves its counts in its own transaction. Every keying, settlement and deletion
//! is written to the audit log with the values before and after.
//!
//! Each use case is synchronous over the state, as the CLI and the benchmark call it; the
//! handlers run it off the async threads with `AppState::run`.

pub mod batches;
pub mod corrections;
pub mod disputes;
pub mod keying;
pub mod sheet;
pub mod statistics;

// The names the import, the tests and the pages reach for, from one place.
pub use batches::{batches, create_batch, find_batch, Batch, BatchProgress, Form, NewBatch};
pub use keying::{import_first_keying, key_form, Keyed1, KeyedForm};
pub use sheet::{parse_paper_date, submission_id};

use crate::db::DbError;
use crate::survey::paper::KeyError;
use crate::text::{FieldProblem, Text};

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

    /// The error as marks on a keyed screen: by field where it names one; a refusal goes on
    /// `refused_at` (a field, or "" for the whole form). Any other error is no mark.
    pub fn into_marks(self, refused_at: &str) -> Result<Vec<KeyError>, PaperError> {
        match self {
            PaperError::Keys(errors) => Ok(errors),
            PaperError::Invalid(e) => Ok(vec![KeyError {
                name: e.field,
                message: e.text,
            }]),
            PaperError::Refused(m) => Ok(vec![KeyError {
                name: refused_at.into(),
                message: m.map(|m| format!("{m}.")),
            }]),
            e => Err(e),
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
