//! Export of responses: one row per form, as CSV (UTF-8 with a BOM, so that Excel shows the
//! diacritics) or XLSX (the forms, and a second sheet "Nhãn" of labels), written a page at a
//! time so that memory stays flat whatever the size.
//!
//! Columns: `id, unit, channel, period, date, group, status`, then the survey's background
//! codes, then its item codes, in the definition's order. An item not answered is an empty
//! cell; "no opinion" is [`NO_OPINION`]; a background question not answered is empty.

mod csv_file;
mod plan;
mod rows;
mod stream;
mod xlsx_file;

pub use csv_file::CsvWriter;
pub use plan::{parse_period, plan, ExportError, ExportPlan, ExportRequest, Format, PERIODS};
pub use rows::{columns, Answer, ExportRow, FIXED_COLUMNS, NO_OPINION};
pub use stream::{export_blocking, start, write_export, Chunk};
pub use xlsx_file::{labels, LabelRow, XlsxWriter, FORMS_SHEET, LABELS_SHEET, XLSX_MAX_FORMS};
