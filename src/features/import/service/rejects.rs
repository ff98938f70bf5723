//! The file of rows an import with `skip_invalid` did not store, to correct and import again.

use super::options::REASONS_COLUMN;
use super::report::{ImportError, Problem};
use std::path::{Path, PathBuf};

/// The file of rejected rows: the input's header and rows, plus the reasons in `loi`. Written
/// as CSV UTF-8 with a byte-order mark, so that Excel opens it with its accents.
pub(super) struct Rejects {
    path: PathBuf,
    out: csv::Writer<std::io::BufWriter<std::fs::File>>,
    /// Columns of the input's header.
    width: usize,
}

impl Rejects {
    pub(super) fn create(path: &Path, source: &str) -> Result<Rejects, ImportError> {
        let io = |e: std::io::Error| {
            ImportError::from(Problem::new(
                format!(
                    "{}: cannot write the rejected rows of {source}: {e}",
                    path.display()
                ),
                format!(
                    "không ghi được các dòng bị loại ra tệp {}: {e}",
                    path.display()
                ),
            ))
        };
        // An existing file (a kept one, private) keeps its permissions.
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)
            .map_err(io)?;
        let mut file = std::io::BufWriter::new(file);
        std::io::Write::write_all(&mut file, b"\xEF\xBB\xBF").map_err(io)?;
        Ok(Rejects {
            path: path.to_path_buf(),
            // Rows of any width: a row with more cells than the header is rejected, not lost.
            out: csv::WriterBuilder::new().flexible(true).from_writer(file),
            width: 0,
        })
    }

    fn fail(&self, e: csv::Error) -> ImportError {
        Problem::new(
            format!(
                "{}: cannot write the rejected rows: {e}",
                self.path.display()
            ),
            format!(
                "không ghi được các dòng bị loại ra tệp {}: {e}",
                self.path.display()
            ),
        )
        .into()
    }

    pub(super) fn header(
        &mut self,
        cells: &[String],
        reasons: Option<usize>,
    ) -> Result<(), ImportError> {
        let mut row: Vec<&str> = cells.iter().map(String::as_str).collect();
        self.width = row.len();
        if reasons.is_none() {
            row.push(REASONS_COLUMN);
        }
        self.write(&row)
    }

    /// Every cell came from a person: none is run as a formula where the file is opened
    /// (the import reads them back as they were).
    fn write(&mut self, row: &[&str]) -> Result<(), ImportError> {
        let row = row
            .iter()
            .map(|c| crate::spreadsheet::text_cell(c).into_owned());
        self.out.write_record(row).map_err(|e| self.fail(e))
    }

    pub(super) fn row(
        &mut self,
        cells: &[String],
        reasons_at: Option<usize>,
        reasons: &[String],
    ) -> Result<(), ImportError> {
        let text = reasons.join("; ");
        let mut row: Vec<&str> = cells.iter().map(String::as_str).collect();
        // The reasons go in the `loi` column, after the header's columns (a short row is
        // padded to reach it); cells beyond the header follow it, kept to be corrected.
        let at = reasons_at.unwrap_or(self.width);
        if row.len() <= at {
            row.resize(at + 1, "");
        } else if reasons_at.is_none() {
            row.insert(at, "");
        }
        if let Some(slot) = row.get_mut(at) {
            *slot = &text;
        }
        self.write(&row)
    }

    pub(super) fn finish(mut self) -> Result<PathBuf, ImportError> {
        self.out.flush().map_err(|e| self.fail(e.into()))?;
        Ok(self.path)
    }
}
