//! Text from people written into files that open in a spreadsheet (CSV and XLSX). A cell
//! starting with `=`, `+`, `-` or `@` is run as a formula when a spreadsheet opens a CSV file
//! (`=HYPERLINK(…)` sends whoever clicks it elsewhere), and some tools strip a leading tab or
//! carriage return before doing the same. Such a cell is written with a leading `'`, which
//! spreadsheets take as "this is text"; `chiso import` removes it again, so a file written
//! this way imports as it was. XLSX cells are written as string cells, which are never run.
//! Numbers the program writes itself are not text from people and are written as they are.

use std::borrow::Cow;

/// The first characters that make a spreadsheet run a cell.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// The cell as a spreadsheet shows it as text: with a leading `'` if it would otherwise be run.
pub fn text_cell(text: &str) -> Cow<'_, str> {
    if text.starts_with(FORMULA_STARTS) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// The text of a cell [`text_cell`] wrote: its leading `'` removed where it added one.
pub fn cell_text(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_STARTS) => rest,
        _ => cell,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_written_as_text_and_read_back_as_they_were() {
        for text in [
            "=HYPERLINK(\"http://evil.example\",\"x\")",
            "@SUM(A1:A9)",
            "+84 912 345 678",
            "-1+2",
            "\tcmd",
            "\rcmd",
        ] {
            let written = text_cell(text);
            assert_eq!(written, format!("'{text}"));
            assert_eq!(cell_text(&written), text);
        }
    }

    /// rust_xlsxwriter's `write_string` makes a string cell, never a formula, whatever the
    /// text: what the XLSX writers rely on.
    #[test]
    #[allow(clippy::unwrap_used)]
    fn an_xlsx_string_cell_is_never_a_formula() {
        use std::io::Read;
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        sheet
            .write_string(0, 0, "=HYPERLINK(\"http://evil.example\")")
            .unwrap();
        sheet.write_string(1, 0, "@SUM(A1:A9)").unwrap();
        let bytes = book.save_to_buffer().unwrap();
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut xml = String::new();
        zip.by_name("xl/worksheets/sheet1.xml")
            .unwrap()
            .read_to_string(&mut xml)
            .unwrap();
        assert!(!xml.contains("<f>") && !xml.contains("<f "), "{xml}");
        assert_eq!(xml.matches(r#"t="s""#).count(), 2, "{xml}");
    }

    #[test]
    fn other_text_is_left_alone() {
        for text in ["Nguyễn Văn An", "an@example.vn", "5", "", "'quoted", "a=b"] {
            assert_eq!(text_cell(text), text);
            assert_eq!(cell_text(text), text);
        }
        // A quote before anything else is the person's own.
        assert_eq!(cell_text("'5"), "'5");
    }
}
