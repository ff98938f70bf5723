//! Importing paper forms from a file: one row per form, CSV (UTF-8) or XLSX.
//!
//! The file is read once as a stream and checked row by row — columns, unit, period, date,
//! answers, serials and submission ids repeated in the file, serials already keyed as paper
//! forms. The forms that pass are kept in a compact form (`compact`: units, days and codes
//! once, answers as small numbers), never as rows of text. By default a file with any problem
//! stores nothing and every problem is reported (row, column, value, reason). With
//! `skip_invalid`, the good rows are stored and the rejected ones written to a file with the
//! same header plus a column `loi` (the reasons), which can be corrected and imported as it is
//! (`loi` is ignored on import); only then is the file read a second time, for those rows. The
//! kept forms are stored through the store path every channel uses, 2,000 per transaction in
//! the order of their count slices (unit, day), one chunk stored while the next is prepared.
//!
//! Re-importing a file stores nothing twice: a row with a `serial` gets the id a paper form of
//! that serial has (survey, period, serial); a row with a `submission_id` is that submission;
//! any other row gets an id derived from the file's contents up to and including that row. Each
//! import is remembered (`db::file_imports`: name, day, rows, keyed fingerprints of its opening
//! rows and of all its cells), so that the same cells again give the same ids, while a file
//! that only begins like an earlier one is never guessed to hold the same forms: the import
//! stops, names the earlier file, and asks whether its rows are the same forms or new ones.

mod check;
mod columns;
mod compact;
mod ids;
pub mod kept;
mod options;
mod rejects;
mod report;
mod rows;
mod run;
mod store;
mod upload;

pub use super::read::Format;
pub use options::{
    limits_for, table_rows, Entry, Forms, ImportOptions, SameOpening, MAX_LISTED, MAX_ROWS,
    REASONS_COLUMN, RESERVED_COLUMNS,
};
pub use report::{ImportError, ImportReport, Problem, Progress, Quiet, RowError};
pub use run::import_file;
pub use upload::{batch_choices, upload, Again, Outcome};
