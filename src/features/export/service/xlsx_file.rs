//! The XLSX writer: the forms, and a second sheet of labels.

use super::plan::ExportError;
use super::rows::{Answer, ExportRow, FIXED_COLUMNS, NO_OPINION};
use crate::db::export::ExportFilter;
use crate::survey::{Survey, UnitTree};
use rust_xlsxwriter::{Format as CellFormat, Workbook};
use std::io::Write;

/// Forms one XLSX sheet can hold (Excel's 1,048,576 rows, less the header).
pub const XLSX_MAX_FORMS: i64 = 1_048_575;
/// Name of the XLSX sheet of forms and of the sheet of labels.
pub const FORMS_SHEET: &str = "Phiếu";
pub const LABELS_SHEET: &str = "Nhãn";

/// Writes rows as XLSX: the forms sheet is kept on disk as it grows (constant memory), the
/// labels sheet is added at the end, and the file is zipped straight into the output.
pub struct XlsxWriter<W: Write + Send> {
    out: W,
    book: Workbook,
    next_row: u32,
}

impl<W: Write + Send> XlsxWriter<W> {
    pub fn new(out: W, columns: &[String]) -> Result<Self, ExportError> {
        let mut book = Workbook::new();
        let bold = CellFormat::new().set_bold();
        let sheet = book.add_worksheet_with_constant_memory()?;
        sheet.set_name(FORMS_SHEET)?;
        for (c, name) in columns.iter().enumerate() {
            sheet.write_string_with_format(0, col(c)?, name, &bold)?;
        }
        Ok(XlsxWriter {
            out,
            book,
            next_row: 1,
        })
    }

    pub fn write(&mut self, row: &ExportRow) -> Result<(), ExportError> {
        let r = self.next_row;
        let sheet = self.book.worksheet_from_index(0)?;
        let h = row.head;
        sheet.write_string(r, 0, &h.id)?;
        sheet.write_string(r, 1, &h.unit_code)?;
        sheet.write_string(r, 2, &h.channel)?;
        sheet.write_number(r, 3, h.period)?;
        sheet.write_string(r, 4, &h.day)?;
        if let Some(g) = &h.respondent_group {
            sheet.write_string(r, 5, g)?;
        }
        sheet.write_string(r, 6, &h.status)?;
        let mut c = FIXED_COLUMNS.len();
        for b in row.background {
            if let Some(b) = b {
                sheet.write_string(r, col(c)?, b)?;
            }
            c += 1;
        }
        for a in row.answers {
            match a {
                Answer::Unanswered => {}
                Answer::NoOpinion => {
                    sheet.write_string(r, col(c)?, NO_OPINION)?;
                }
                Answer::Value(v) => {
                    sheet.write_number(r, col(c)?, *v)?;
                }
            }
            c += 1;
        }
        self.next_row += 1;
        Ok(())
    }

    /// Adds the labels sheet and writes the whole file to the output.
    pub fn finish(mut self, labels: &[LabelRow]) -> Result<W, ExportError> {
        let bold = CellFormat::new().set_bold();
        let sheet = self.book.add_worksheet();
        sheet.set_name(LABELS_SHEET)?;
        for (c, name) in ["column", "code", "label", "label_en"].iter().enumerate() {
            sheet.write_string_with_format(0, col(c)?, *name, &bold)?;
        }
        for (i, l) in labels.iter().enumerate() {
            let r =
                u32::try_from(i + 1).map_err(|_| ExportError::Xlsx("too many labels".into()))?;
            sheet.write_string(r, 0, &l.column)?;
            sheet.write_string(r, 1, &l.code)?;
            sheet.write_string(r, 2, &l.label)?;
            if let Some(en) = &l.label_en {
                sheet.write_string(r, 3, en)?;
            }
        }
        self.book.save_to_writer(&mut self.out)?;
        Ok(self.out)
    }
}

fn col(c: usize) -> Result<u16, ExportError> {
    u16::try_from(c).map_err(|_| ExportError::Xlsx(format!("column {c} is past the last")))
}

/// A line of the labels sheet: a column, one of its codes (empty for the question itself)
/// and what it means.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelRow {
    pub column: String,
    pub code: String,
    pub label: String,
    pub label_en: Option<String>,
}

/// The labels of the columns that hold codes: units (of the export), respondent groups,
/// background questions and their options, items and their scales' values, and
/// [`NO_OPINION`] where a scale allows it.
pub fn labels(survey: &Survey, units: &UnitTree, filter: &ExportFilter) -> Vec<LabelRow> {
    let row = |column: &str, code: &str, label: &str, en: Option<&String>| LabelRow {
        column: column.to_string(),
        code: code.to_string(),
        label: label.to_string(),
        label_en: en.cloned(),
    };
    let mut out = Vec::new();
    for u in &units.units {
        if filter.units.as_ref().is_none_or(|s| s.contains(&u.code)) {
            out.push(row("unit", &u.code, &u.name, None));
        }
    }
    for g in &survey.groups {
        out.push(row("group", &g.code, &g.label, None));
    }
    for b in &survey.background {
        out.push(row(&b.code, "", &b.text, None));
        for o in &b.options {
            out.push(row(&b.code, &o.code, &o.label, None));
        }
    }
    for item in survey.items() {
        out.push(row(&item.code, "", &item.text, item.text_en.as_ref()));
        if let Some(scale) = survey.scale_of(item) {
            for v in &scale.values {
                out.push(row(
                    &item.code,
                    &v.value.to_string(),
                    &v.label,
                    v.label_en.as_ref(),
                ));
            }
            if let Some(no) = &scale.no_opinion {
                out.push(row(&item.code, NO_OPINION, no, None));
            }
        }
    }
    out
}
