//! What an import tells: its counts, the problems of rows and of files, its errors.

use super::options::{SameOpening, MAX_LISTED};
use crate::db::DbError;
use crate::features::submit::SubmitError;
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub row: u64,
    pub column: String,
    pub value: String,
    pub reason: String,
}

impl RowError {
    /// `FILE:ROW: column C, value "V": reason`.
    pub fn line(&self, source: &str) -> String {
        let mut s = format!("{source}:{}: ", self.row);
        if !self.column.is_empty() {
            s.push_str(&format!("column {}", self.column));
            if !self.value.is_empty() {
                s.push_str(&format!(", value \"{}\"", self.value));
            }
            s.push_str(": ");
        }
        s.push_str(&self.reason);
        s
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// The file as named in messages.
    pub source: String,
    /// Rows of forms read (not the header, not blank rows).
    pub rows: u64,
    /// Forms stored by this import.
    pub created: usize,
    /// Forms stored before (an earlier import of the same rows), or repeated within the file.
    pub existing: usize,
    /// Rows not stored because of a problem (with `skip_invalid`).
    pub rejected: usize,
    /// The first [`MAX_LISTED`] problems, in row order.
    pub errors: Vec<RowError>,
    /// Every problem, listed or not.
    pub error_count: usize,
    /// Where the rejected rows were written.
    pub rejects: Option<PathBuf>,
}

impl ImportReport {
    /// Every listed problem as `FILE:ROW: …`, then how many more there are.
    pub fn problem_lines(&self) -> Vec<String> {
        let mut lines: Vec<String> = self.errors.iter().map(|e| e.line(&self.source)).collect();
        if self.error_count > self.errors.len() {
            lines.push(format!(
                "… and {} more",
                self.error_count - self.errors.len()
            ));
        }
        lines
    }

    pub(super) fn note(&mut self, e: RowError) {
        self.error_count += 1;
        if self.errors.len() < MAX_LISTED {
            self.errors.push(e);
        }
    }
}

/// Every row of a small table file — CSV (UTF-8, comma, semicolon or tab) or the first sheet
/// of an XLSX workbook — header first, each with its row number as a spreadsheet shows it.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub en: String,
    pub vi: String,
}

impl Problem {
    pub fn new(en: impl Into<String>, vi: impl Into<String>) -> Self {
        Problem {
            en: en.into(),
            vi: vi.into(),
        }
    }

    pub(crate) fn io(name: &str, e: &std::io::Error) -> Self {
        Problem::new(
            format!("{name}: {e}"),
            format!("{name}: không đọc được tệp ({e})"),
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file cannot be read at all: its encoding, its format, an unknown survey.
    #[error("{}", .0.en)]
    Unreadable(Problem),
    /// Some rows (or the header) are wrong; nothing was stored.
    #[error("nothing imported; {} problem(s):\n{}", .0.error_count, .0.problem_lines().join("\n"))]
    Invalid(Box<ImportReport>),
    /// The file begins like an earlier import and [`Forms::Ask`]: nothing was stored.
    #[error("{}", .0.problem("--same-forms", "--new-forms").en)]
    SameOpening(Box<SameOpening>),
    #[error(transparent)]
    Store(#[from] SubmitError),
}

impl From<DbError> for ImportError {
    fn from(e: DbError) -> Self {
        ImportError::Store(SubmitError::Db(e))
    }
}

impl From<Problem> for ImportError {
    fn from(p: Problem) -> Self {
        ImportError::Unreadable(p)
    }
}

/// Shows how far an import has come (a progress bar on the command line).
pub trait Progress {
    /// A pass begins: "checking" or "storing".
    fn begin(&self, _pass: &'static str) {}
    /// `done` of `total` (bytes of a CSV file, rows of a workbook).
    fn at(&self, _done: u64, _total: u64) {}
    fn end(&self) {}
}

/// No progress shown.
pub struct Quiet;
impl Progress for Quiet {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_problem_reads_as_file_row_column_value_reason() {
        let e = RowError {
            row: 4,
            column: "E1.1".into(),
            value: "9".into(),
            reason: "not a value of the scale".into(),
        };
        assert_eq!(
            e.line("phieu.csv"),
            "phieu.csv:4: column E1.1, value \"9\": not a value of the scale"
        );
    }
}
