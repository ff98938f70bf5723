//! The application layer: what the web handlers, the CLI and the benchmark all call to submit
//! responses, import and export files, sign in, key and verify paper forms, and compute scores and the PAR INDEX report.

pub mod actor;
pub mod admin;
pub mod campaigns;
pub mod codes;
pub mod export;
pub mod import;
pub mod invite;
pub mod kiosk;
pub mod paper;
pub mod reports;
pub mod sign_in;
pub mod standing;
pub mod submit;

pub use actor::Actor;
pub use reports::ReportError;

use crate::text::Text;
use std::fmt;

/// A field to put right, worded in both languages: pages show the reader's, the command line
/// the English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    pub field: String,
    pub text: Text,
}

impl FieldProblem {
    pub fn new(field: impl Into<String>, vi: impl Into<String>, en: impl Into<String>) -> Self {
        FieldProblem {
            field: field.into(),
            text: Text::new(vi, en),
        }
    }
}

impl fmt::Display for FieldProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.text.en)
    }
}
pub use submit::SubmitError;
