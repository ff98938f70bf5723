//! Reading an import file row by row, without holding it in memory: CSV (UTF-8, with or
//! without a byte-order mark; comma, semicolon or tab) or the first sheet of an XLSX workbook.
//! Every row reaches the caller as text cells, numbered as a spreadsheet numbers its rows.

use super::Problem;
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

fn not_a_workbook(name: &str, why: &str) -> Problem {
    Problem::new(
        format!("{name}: not a valid Excel workbook (.xlsx): {why}; save it again from Excel as \"Excel Workbook (.xlsx)\" or \"CSV UTF-8\""),
        format!("{name}: không phải tệp Excel (.xlsx) hợp lệ ({why}); hãy mở bằng Excel và lưu lại dạng “Excel Workbook (.xlsx)” hoặc “CSV UTF-8”"),
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
    seen: Seen,
    each: &mut dyn FnMut(Row) -> Result<(), E>,
) -> Result<(), E> {
    match format {
        Format::Csv => csv_rows(path, name, seen, each),
        Format::Xlsx => xlsx_rows(path, name, seen, each),
    }
}

fn csv_rows<E: From<Problem>>(
    path: &Path,
    name: &str,
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
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(input);
    let mut record = csv::ByteRecord::new();
    let mut cells: Vec<String> = Vec::new();
    let mut header: Vec<String> = Vec::new();
    let mut n = 0u64;
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
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
        let number = record.position().map_or(n + 1, |p| p.line());
        cells.clear();
        for (i, field) in record.iter().enumerate() {
            match std::str::from_utf8(field) {
                Ok(s) => cells.push(s.to_string()),
                Err(bad) => {
                    let column = header.get(i).map_or(format!("{}", i + 1), |h| h.clone());
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
    seen: Seen,
    each: &mut dyn FnMut(Row) -> Result<(), E>,
) -> Result<(), E> {
    let file = File::open(path).map_err(|e| Problem::io(name, &e))?;
    let mut book: Xlsx<_> =
        Xlsx::new(BufReader::new(file)).map_err(|e| not_a_workbook(name, &e.to_string()))?;
    let Some(sheet) = book.sheet_names().first().cloned() else {
        return Err(not_a_workbook(name, "it has no sheet").into());
    };
    let mut reader = book
        .worksheet_cells_reader(&sheet)
        .map_err(|e| not_a_workbook(name, &e.to_string()))?;
    let total = u64::from(reader.dimensions().end.0) + 1;
    let mut cells: Vec<String> = Vec::new();
    let mut current: Option<u32> = None;
    loop {
        let cell = reader
            .next_cell()
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
        let col = col as usize;
        if cells.len() <= col {
            cells.resize(col + 1, String::new());
        }
        if let Some(slot) = cells.get_mut(col) {
            *slot = text_of(cell.get_value());
        }
    }
    seen(total, total);
    Ok(())
}

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
    fn utf16_without_a_mark_is_recognised() {
        let text: Vec<u8> = "unit,E1.1\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert!(looks_utf16(&text));
        assert!(!looks_utf16(b"unit,E1.1\nNK,5\n"));
    }
}
