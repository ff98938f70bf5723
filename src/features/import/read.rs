//! Reading an import file row by row, without holding it in memory: CSV (UTF-8, with or
//! without a byte-order mark; comma, semicolon or tab) or the first sheet of an XLSX workbook.
//! Every row reaches the caller as text cells, numbered as a spreadsheet numbers its rows.
//!
//! Nothing in a file makes the reader allocate beyond its [`Limits`]: a row longer than
//! [`MAX_ROW_BYTES`], more columns or rows than the caller allows, or a cell longer than
//! [`MAX_CELL_CHARS`] is refused when it is met, before it is kept; a workbook is first
//! measured by decompressing it (see [`crate::features::import::workbook`]) so that calamine never opens one
//! whose parts are larger than it may hold.

use crate::features::import::service::Problem;
use crate::spreadsheet::cell_text;
use calamine::{DataRef, Reader as _, Xlsx};
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

/// The kind of file, from its first bytes (a zip archive is a workbook) or its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

/// Signature of a zip archive, which an XLSX workbook is.
const ZIP: &[u8] = b"PK\x03\x04";
/// Signature of an old binary Excel file (.xls) and other OLE documents.
const OLE: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0];

pub fn format_of(path: &Path, name: &str) -> Result<Format, Problem> {
    let mut head = [0u8; 4];
    let n = File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .map_err(|e| Problem::io(name, &e))?;
    let head = head.get(..n).unwrap_or_default();
    let lower = name.to_lowercase();
    if head.starts_with(OLE) || lower.ends_with(".xls") {
        return Err(Problem::new(
            format!("{name}: this is an old Excel file (.xls); save it from Excel as \"Excel Workbook (.xlsx)\" or \"CSV UTF-8\""),
            format!("{name}: đây là tệp Excel cũ (.xls); hãy mở bằng Excel và lưu lại dạng “Excel Workbook (.xlsx)” hoặc “CSV UTF-8”"),
        ));
    }
    if head.starts_with(ZIP) {
        return Ok(Format::Xlsx);
    }
    if lower.ends_with(".xlsx") || lower.ends_with(".xlsm") {
        return Err(not_a_workbook(name, "it is not a zip archive"));
    }
    Ok(Format::Csv)
}

pub(crate) fn not_a_workbook(name: &str, why: &str) -> Problem {
    Problem::new(
        format!("{name}: not a valid Excel workbook (.xlsx): {why}; save it again from Excel as \"Excel Workbook (.xlsx)\" or \"CSV UTF-8\""),
        format!("{name}: không phải tệp Excel (.xlsx) hợp lệ ({why}); hãy mở bằng Excel và lưu lại dạng “Excel Workbook (.xlsx)” hoặc “CSV UTF-8”"),
    )
}

/// Longest cell, in characters: Excel's own limit.
pub const MAX_CELL_CHARS: usize = 32_767;
/// Longest row of a CSV file, in bytes, as read before it is split into cells.
pub const MAX_ROW_BYTES: u64 = 4 << 20;
/// Most columns any file may have, whatever the caller allows.
pub const MAX_COLUMNS: usize = 2_000;

/// How much of a file the caller takes: columns and rows (the header counts as a row).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub columns: usize,
    pub rows: u64,
}

impl Limits {
    /// `columns` (capped at [`MAX_COLUMNS`]) and `rows`.
    pub fn new(columns: usize, rows: u64) -> Self {
        Limits {
            columns: columns.min(MAX_COLUMNS),
            rows,
        }
    }

    fn too_many_columns(&self, name: &str, row: u64, found: usize) -> Problem {
        let max = self.columns;
        Problem::new(
            format!("{name}: row {row} has {found} columns: at most {max} columns are read (the limit on columns); remove the extra columns"),
            format!("{name}: dòng {row} có {found} cột: chỉ đọc tối đa {max} cột (giới hạn số cột); hãy xoá các cột thừa"),
        )
    }

    fn cell_beyond_columns(&self, name: &str, address: &str) -> Problem {
        let max = self.columns;
        Problem::new(
            format!("{name}: cell {address} lies beyond column {max}: at most {max} columns are read (the limit on columns); remove the cells beyond"),
            format!("{name}: ô {address} nằm ngoài cột thứ {max}: chỉ đọc tối đa {max} cột (giới hạn số cột); hãy xoá các ô nằm ngoài"),
        )
    }

    fn too_many_rows(&self, name: &str) -> Problem {
        let max = self.rows;
        Problem::new(
            format!("{name}: more than {max} rows (the limit on rows); split the file into smaller ones"),
            format!("{name}: quá {max} dòng (giới hạn số dòng); hãy chia thành nhiều tệp nhỏ hơn"),
        )
    }
}

fn too_long_cell(name: &str, row: u64, column: &str) -> Problem {
    Problem::new(
        format!("{name}: row {row}, column {column}: the cell is longer than {MAX_CELL_CHARS} characters (the limit on a cell's length)"),
        format!("{name}: dòng {row}, cột {column}: ô dài quá {MAX_CELL_CHARS} ký tự (giới hạn độ dài một ô)"),
    )
}

fn too_long_row(name: &str, row: u64) -> Problem {
    let mib = MAX_ROW_BYTES >> 20;
    Problem::new(
        format!("{name}: row {row} is longer than {mib} MB (the limit on a row's length)"),
        format!("{name}: dòng {row} dài quá {mib} MB (giới hạn độ dài một dòng)"),
    )
}

/// One row as read: its number (1 = the header) and its cells.
pub struct Row<'r> {
    pub number: u64,
    pub cells: &'r [String],
}

/// How far the reading has come, and of what total (bytes for CSV, rows for XLSX).
pub type Seen<'s> = &'s mut dyn FnMut(u64, u64);

/// Calls `each` with every row of the file, the header first. `each` may stop the reading by
/// returning an error.
pub fn rows<E: From<Problem>>(
    path: &Path,
    name: &str,
    format: Format,
    limits: &Limits,
    seen: Seen,
    each: &mut dyn FnMut(Row) -> Result<(), E>,
) -> Result<(), E> {
    match format {
        Format::Csv => csv_rows(path, name, limits, seen, each),
        Format::Xlsx => {
            crate::features::import::workbook::measure(path, name)?;
            xlsx_rows(path, name, limits, seen, each)
        }
    }
}

/// A reader that refuses to hand the CSV parser more than [`MAX_ROW_BYTES`] past the end of
/// the last row it finished, so no row (quoted newlines and all) grows without bound.
struct RowBudget<R> {
    inner: R,
    handed: u64,
    limit: std::rc::Rc<std::cell::Cell<u64>>,
    exceeded: std::rc::Rc<std::cell::Cell<bool>>,
}

impl<R: Read> Read for RowBudget<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.handed >= self.limit.get() {
            self.exceeded.set(true);
            return Err(std::io::Error::other("row too long"));
        }
        let n = self.inner.read(buf)?;
        self.handed += n as u64;
        Ok(n)
    }
}

fn csv_rows<E: From<Problem>>(
    path: &Path,
    name: &str,
    limits: &Limits,
    seen: Seen,
    each: &mut dyn FnMut(Row) -> Result<(), E>,
) -> Result<(), E> {
    let file = File::open(path).map_err(|e| Problem::io(name, &e))?;
    let total = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut input = BufReader::with_capacity(1 << 16, file);
    let head = input.fill_buf().map_err(|e| Problem::io(name, &e))?;
    if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) || looks_utf16(head) {
        return Err(Problem::new(
            format!("{name}: the file is UTF-16 (\"Unicode text\"), not UTF-8; save it from Excel as \"CSV UTF-8 (Comma delimited)\""),
            format!("{name}: tệp được lưu dạng UTF-16 (“Unicode Text”), không phải UTF-8; hãy mở bằng Excel và lưu lại dạng “CSV UTF-8 (Comma delimited)”"),
        )
        .into());
    }
    let bom = head.starts_with(&[0xEF, 0xBB, 0xBF]);
    let first_line = head
        .split(|b| *b == b'\n')
        .next()
        .unwrap_or_default()
        .get(if bom { 3 } else { 0 }..)
        .unwrap_or_default();
    let delimiter = delimiter_of(first_line);
    if bom {
        input.consume(3);
    }
    let limit = std::rc::Rc::new(std::cell::Cell::new(MAX_ROW_BYTES));
    let exceeded = std::rc::Rc::new(std::cell::Cell::new(false));
    let budget = RowBudget {
        inner: input,
        handed: 0,
        limit: limit.clone(),
        exceeded: exceeded.clone(),
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(budget);
    let mut record = csv::ByteRecord::new();
    let mut cells: Vec<String> = Vec::new();
    let mut header: Vec<String> = Vec::new();
    let mut n = 0u64;
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(_) if exceeded.get() => return Err(too_long_row(name, n + 1).into()),
            Err(e) => {
                let at = e
                    .position()
                    .map_or(String::new(), |p| format!(":{}", p.line()));
                return Err(Problem::new(
                    format!("{name}{at}: cannot be read as CSV: {e}"),
                    format!("{name}{at}: không đọc được dạng CSV: {e}"),
                )
                .into());
            }
        }
        limit.set(reader.position().byte().saturating_add(MAX_ROW_BYTES));
        let number = record.position().map_or(n + 1, |p| p.line());
        if n >= limits.rows {
            return Err(limits.too_many_rows(name).into());
        }
        if record.len() > limits.columns {
            return Err(limits.too_many_columns(name, number, record.len()).into());
        }
        cells.clear();
        for (i, field) in record.iter().enumerate() {
            let column = || header.get(i).map_or(format!("{}", i + 1), |h| h.clone());
            // A byte is at most one character: only a long cell needs counting.
            if field.len() > MAX_CELL_CHARS
                && String::from_utf8_lossy(field).chars().count() > MAX_CELL_CHARS
            {
                return Err(too_long_cell(name, number, &column()).into());
            }
            match std::str::from_utf8(field) {
                // A cell this program wrote as text (`'=…`) reads as it was.
                Ok(s) => cells.push(cell_text(s).to_string()),
                Err(bad) => {
                    let column = column();
                    let byte = field.get(bad.valid_up_to()).copied().unwrap_or(0);
                    return Err(not_utf8(name, number, &column, bad.valid_up_to() + 1, byte).into());
                }
            }
        }
        if header.is_empty() {
            header = cells.clone();
        }
        n += 1;
        each(Row {
            number,
            cells: &cells,
        })?;
        if n.is_multiple_of(512) {
            seen(reader.position().byte(), total);
        }
    }
    seen(total, total);
    Ok(())
}

fn not_utf8(name: &str, row: u64, column: &str, at: usize, byte: u8) -> Problem {
    Problem::new(
        format!(
            "{name}: row {row}, column {column}: byte {at} of the cell (0x{byte:02X}) is not UTF-8: \
             the file was saved in another encoding (Windows-1258, TCVN3 or another \"ANSI\" code page); \
             save it from Excel as \"CSV UTF-8 (Comma delimited)\" and import it again"
        ),
        format!(
            "{name}: dòng {row}, cột {column}: byte thứ {at} của ô (0x{byte:02X}) không phải UTF-8: \
             tệp được lưu bằng bảng mã khác (Windows-1258, TCVN3 hay một bảng mã “ANSI”); \
             hãy mở bằng Excel, lưu lại dạng “CSV UTF-8 (Comma delimited)” rồi nhập lại"
        ),
    )
}

/// UTF-16 without a byte-order mark: every other byte of plain text is zero.
fn looks_utf16(head: &[u8]) -> bool {
    let sample = head.get(..head.len().min(64)).unwrap_or_default();
    sample.len() >= 4 && sample.iter().filter(|b| **b == 0).count() * 3 >= sample.len()
}

/// Excel saves CSV with the list separator of the computer's region: a comma, or a semicolon
/// where the comma is the decimal mark (as in Vietnamese); tab-separated text also happens.
fn delimiter_of(first_line: &[u8]) -> u8 {
    let count = |d: u8| first_line.iter().filter(|b| **b == d).count();
    let (commas, semicolons, tabs) = (count(b','), count(b';'), count(b'\t'));
    if semicolons > commas && semicolons >= tabs {
        b';'
    } else if tabs > commas && tabs > semicolons {
        b'\t'
    } else {
        b','
    }
}

fn xlsx_rows<E: From<Problem>>(
    path: &Path,
    name: &str,
    limits: &Limits,
    seen: Seen,
    each: &mut dyn FnMut(Row) -> Result<(), E>,
) -> Result<(), E> {
    let file = File::open(path).map_err(|e| Problem::io(name, &e))?;
    // calamine may panic on a damaged file (an overflow in debug builds): that is a file
    // which is not a workbook, never a failed request.
    let guarded = |what: &str| not_a_workbook(name, &format!("{what} cannot be read"));
    let mut book: Xlsx<_> = unpanicked(|| Xlsx::new(BufReader::new(file)))
        .map_err(|_| guarded("the workbook"))?
        .map_err(|e| not_a_workbook(name, &e.to_string()))?;
    let Some(sheet) = book.sheet_names().first().cloned() else {
        return Err(not_a_workbook(name, "it has no sheet").into());
    };
    let mut reader = unpanicked(|| book.worksheet_cells_reader(&sheet))
        .map_err(|_| guarded("the first sheet"))?
        .map_err(|e| not_a_workbook(name, &e.to_string()))?;
    let total = u64::from(reader.dimensions().end.0) + 1;
    let mut cells: Vec<String> = Vec::new();
    let mut current: Option<u32> = None;
    loop {
        let cell = unpanicked(|| reader.next_cell())
            .map_err(|_| guarded("a cell"))?
            .map_err(|e| not_a_workbook(name, &e.to_string()))?;
        let (row, col) = match &cell {
            Some(c) => c.get_position(),
            None => (u32::MAX, 0),
        };
        if current != Some(row) {
            if let Some(r) = current {
                let number = u64::from(r) + 1;
                each(Row {
                    number,
                    cells: &cells,
                })?;
                if number.is_multiple_of(512) {
                    seen(number, total);
                }
            }
            cells.clear();
            current = Some(row);
        }
        let Some(cell) = cell else { break };
        // A cell's address is checked before any row grows to reach it.
        if u64::from(row) >= limits.rows {
            return Err(limits.too_many_rows(name).into());
        }
        let col = col as usize;
        if col >= limits.columns {
            let address = format!("{}{}", column_letters(col), u64::from(row) + 1);
            return Err(limits.cell_beyond_columns(name, &address).into());
        }
        let mut text = unpanicked(|| text_of(cell.get_value())).map_err(|_| guarded("a cell"))?;
        if cell_text(&text).len() != text.len() {
            text.remove(0);
        }
        if text.len() > MAX_CELL_CHARS && text.chars().count() > MAX_CELL_CHARS {
            return Err(too_long_cell(name, u64::from(row) + 1, &column_letters(col)).into());
        }
        if cells.len() <= col {
            cells.resize(col + 1, String::new());
        }
        if let Some(slot) = cells.get_mut(col) {
            *slot = text;
        }
    }
    seen(total, total);
    Ok(())
}

/// Runs `f`, turning a panic into an error.
fn unpanicked<T>(f: impl FnOnce() -> T) -> std::thread::Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
}

/// A column's letters as a spreadsheet names it (0 = A, 26 = AA).
fn column_letters(mut col: usize) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push(b'A' + (col % 26) as u8);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    letters.reverse();
    String::from_utf8_lossy(&letters).into_owned()
}

/// Excel's serial day of 9999-12-31, the last date it shows.
const EXCEL_LAST_DAY: f64 = 2_958_465.0;

/// A cell as the text a CSV file would hold: whole numbers without a decimal part, dates as
/// YYYY-MM-DD.
fn text_of(v: &DataRef) -> String {
    match v {
        DataRef::Empty => String::new(),
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        DataRef::Float(f) => f.to_string(),
        DataRef::String(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_string(),
        DataRef::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        // A serial day Excel can show (up to 9999-12-31): calamine turns any other into a
        // duration that may overflow, and it says nothing of a date anyway.
        DataRef::DateTime(d) if !(-1.0..=EXCEL_LAST_DAY).contains(&d.as_f64()) => {
            text_of(&DataRef::Float(d.as_f64()))
        }
        DataRef::DateTime(d) => match d.as_datetime() {
            Some(t) if t.time() == chrono::NaiveTime::MIN => t.format("%Y-%m-%d").to_string(),
            Some(t) => t.format("%Y-%m-%d %H:%M:%S").to_string(),
            None => d.as_f64().to_string(),
        },
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::Error(e) => format!("#{e:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_separator_is_the_one_the_header_uses() {
        assert_eq!(delimiter_of(b"unit,date,E1.1"), b',');
        assert_eq!(delimiter_of(b"unit;date;E1.1"), b';');
        assert_eq!(delimiter_of(b"unit\tdate\tE1.1"), b'\t');
        assert_eq!(delimiter_of(b"unit"), b',');
    }

    #[test]
    fn columns_are_named_by_their_letters() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(701), "ZZ");
        assert_eq!(column_letters(702), "AAA");
    }

    #[test]
    fn utf16_without_a_mark_is_recognised() {
        let text: Vec<u8> = "unit,E1.1\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert!(looks_utf16(&text));
        assert!(!looks_utf16(b"unit,E1.1\nNK,5\n"));
    }
}
