//! The CSV writer: UTF-8 with a BOM, so that Excel shows the diacritics.

use super::plan::ExportError;
use super::rows::{Answer, ExportRow, NO_OPINION};
use crate::spreadsheet::text_cell;
use std::io::Write;

/// Writes rows as CSV: a BOM, the header, one record per form.
pub struct CsvWriter<W: Write> {
    csv: csv::Writer<W>,
    number: String,
}

impl<W: Write> CsvWriter<W> {
    pub fn new(mut out: W, columns: &[String]) -> Result<Self, ExportError> {
        out.write_all("\u{feff}".as_bytes())?;
        let mut csv = csv::WriterBuilder::new()
            .buffer_capacity(64 * 1024)
            .from_writer(out);
        csv.write_record(columns)?;
        Ok(CsvWriter {
            csv,
            number: String::with_capacity(8),
        })
    }

    pub fn write(&mut self, row: &ExportRow) -> Result<(), ExportError> {
        let h = row.head;
        self.number.clear();
        push_number(&mut self.number, h.period);
        // Text cells are written so that no spreadsheet runs them; numbers stay numbers.
        for field in [
            h.id.as_str(),
            &h.unit_code,
            &h.channel,
            &self.number,
            &h.day,
            h.respondent_group.as_deref().unwrap_or(""),
            &h.status,
        ] {
            self.csv.write_field(text_cell(field).as_bytes())?;
        }
        for b in row.background {
            self.csv
                .write_field(text_cell(b.as_deref().unwrap_or("")).as_bytes())?;
        }
        for a in row.answers {
            match a {
                Answer::Unanswered => self.csv.write_field("")?,
                Answer::NoOpinion => self.csv.write_field(NO_OPINION)?,
                Answer::Value(v) => {
                    self.number.clear();
                    push_number(&mut self.number, *v);
                    self.csv.write_field(&self.number)?;
                }
            }
        }
        self.csv.write_record(None::<&[u8]>)?;
        Ok(())
    }

    /// Flushes everything and hands the output back.
    pub fn finish(self) -> Result<W, ExportError> {
        self.csv
            .into_inner()
            .map_err(|e| ExportError::Write(std::io::Error::other(e.error().to_string())))
    }
}

fn push_number(s: &mut String, n: impl std::fmt::Display) {
    use std::fmt::Write as _;
    let _ = write!(s, "{n}");
}
