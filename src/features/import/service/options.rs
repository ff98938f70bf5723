//! What an import is asked to do, and the bounds of a file of forms.

use super::report::Problem;
use crate::features::import::read;
use crate::survey::Survey;
use std::path::{Path, PathBuf};

/// Columns that describe the form rather than answer a question.
pub const RESERVED_COLUMNS: [&str; 6] =
    ["unit", "period", "date", "group", "submission_id", "serial"];
/// The column of reasons in a file of rejected rows; ignored on import.
pub const REASONS_COLUMN: &str = "loi";
/// Problems listed in a report; the rest are counted.
pub const MAX_LISTED: usize = 1000;
/// Most rows of a file of forms, the header included.
pub const MAX_ROWS: u64 = 1_000_000;
/// Columns a file may have beyond those its survey names (a few notes of the office's own).
const COLUMN_MARGIN: usize = 32;

/// What a file of forms for `survey` may hold: the survey's columns and a margin, and
/// [`MAX_ROWS`] rows.
pub fn limits_for(survey: &Survey) -> read::Limits {
    let width = survey.items().count()
        + survey.background.len()
        + survey.open.len()
        + RESERVED_COLUMNS.len()
        + 1;
    read::Limits::new(width + COLUMN_MARGIN, MAX_ROWS)
}

#[derive(Debug, Clone)]
pub struct ImportOptions {
    pub survey: String,
    /// For rows without a `unit` column.
    pub unit: Option<String>,
    /// For rows without a `period` column.
    pub period: Option<i32>,
    pub channel: String,
    /// Store the good rows and reject the others, instead of storing nothing.
    pub skip_invalid: bool,
    /// Where rejected rows go (with `skip_invalid`); written only when a row is rejected.
    pub rejects: Option<PathBuf>,
    /// Only units in this unit's subtree are accepted (a user scoped to a unit).
    pub scope: Option<String>,
    /// How the forms enter: verified (counted), or keyed once into a batch.
    pub entry: Entry,
    /// What a file that begins like an earlier import holds, as the importer says.
    pub forms: Forms,
}

/// Whether a file whose opening rows are an earlier import's holds that import's forms. A
/// form without a serial or submission id is told apart only by its place in its file, so
/// this is asked, never guessed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Forms {
    /// Stop and ask (nothing stored).
    #[default]
    Ask,
    /// The same forms: rows matching the earlier import's are already present.
    Same,
    /// New forms: every row is stored.
    New,
}

/// An import stopped because its file begins like an earlier one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SameOpening {
    /// The file as named in messages.
    pub source: String,
    pub earlier: crate::db::file_imports::EarlierImport,
}

impl SameOpening {
    /// What happened and what to choose, in both languages; `same` and `new` name the choices
    /// as the reader gives them (flags, buttons).
    pub fn problem(&self, same: &str, new: &str) -> Problem {
        let e = &self.earlier;
        Problem::new(
            format!(
                "nothing imported: {} begins with the same rows as {}, imported on {} ({} rows). \
                 Rows without a serial or submission id cannot be told apart: say whether they \
                 are the same forms ({same}: rows matching that file's are already present) or \
                 new forms ({new}: every row is stored)",
                self.source, e.file_name, e.imported_on, e.rows_read
            ),
            format!(
                "chưa nhập gì: {} bắt đầu bằng các dòng giống tệp {}, đã nhập ngày {} ({} dòng). \
                 Các dòng không có mã phiếu (serial) hay submission_id không thể phân biệt được: \
                 hãy chọn đó là cùng các phiếu ({same}: các dòng trùng với tệp kia coi như đã có) \
                 hay là phiếu mới ({new}: lưu mọi dòng)",
                self.source, e.file_name, e.imported_on, e.rows_read
            ),
        )
    }
}

/// How imported forms enter, as the importer chooses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Entry {
    /// Verified by whoever keyed the file: stored and counted at once.
    #[default]
    Verified,
    /// The first keying of each form (by its serial) in this batch; a second person keys it
    /// again, blind, on the keying screen, and only then does it count (unless the survey
    /// counts forms keyed once). `by` is who imported it.
    KeyedOnce { batch: String, by: String },
}

pub fn table_rows(
    path: &Path,
    name: &str,
    limits: &read::Limits,
) -> Result<Vec<(u64, Vec<String>)>, Problem> {
    let format = read::format_of(path, name)?;
    let mut rows = Vec::new();
    read::rows::<Problem>(path, name, format, limits, &mut |_, _| {}, &mut |row| {
        rows.push((row.number, row.cells.to_vec()));
        Ok(())
    })?;
    Ok(rows)
}
