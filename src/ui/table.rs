//! A table as data: drawn on a page, and exported as CSV (UTF-8 with a byte-order mark) or
//! XLSX from the same rows, so a download always holds what the page shows.

use crate::text::Lang;
use maud::{html, Markup};

/// One cell.
#[derive(Debug, Clone, PartialEq)]
pub enum V {
    Text(String),
    /// Text linking to a page (the link is not exported).
    Link(String, String),
    /// A number with its decimals; None is "—".
    Num(Option<f64>, usize),
    /// A percentage (0–100) with its decimals.
    Pct(Option<f64>, usize),
    Int(i64),
    /// An exact decimal as written by the scoring ("8.0700").
    Dec(Option<String>),
    /// A 95 % interval: two columns in an export.
    Interval(Option<f64>, Option<f64>, usize),
    /// A difference from 2022 and whether it is significant: two columns in an export.
    Delta(Option<f64>, Option<bool>, usize),
    /// Withheld: too few answers.
    Suppressed,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Name of the download (`sipas-fields`…), and the table's caption.
    pub id: String,
    pub caption: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<V>>,
}

impl Table {
    /// The header of an export: interval and delta columns split in two.
    pub fn export_header(&self, lang: Lang) -> Vec<String> {
        let mut out = Vec::new();
        let sample = self.rows.first();
        for (i, c) in self.columns.iter().enumerate() {
            match sample.and_then(|r| r.get(i)) {
                Some(V::Interval(..)) => {
                    out.push(format!("{c} {}", lang.pick("(thấp)", "(low)")));
                    out.push(format!("{c} {}", lang.pick("(cao)", "(high)")));
                }
                Some(V::Delta(..)) => {
                    out.push(c.clone());
                    out.push(lang.pick("Có ý nghĩa", "Significant").to_string());
                }
                _ => out.push(c.clone()),
            }
        }
        out
    }

    /// The rows of an export: numbers as numbers (None: empty), texts as texts.
    pub fn export_rows(&self, lang: Lang) -> Vec<Vec<Out>> {
        let round = |v: Option<f64>, d: usize| v.map(|x| format!("{x:.d$}"));
        self.rows
            .iter()
            .map(|r| {
                let mut out = Vec::new();
                for v in r {
                    match v {
                        V::Text(t) | V::Link(t, _) => out.push(Out::Text(t.clone())),
                        V::Num(x, d) | V::Pct(x, d) => out.push(Out::num(round(*x, *d))),
                        V::Int(n) => out.push(Out::Number(n.to_string())),
                        V::Dec(s) => out.push(Out::num(s.clone())),
                        V::Interval(l, h, d) => {
                            out.push(Out::num(round(*l, *d)));
                            out.push(Out::num(round(*h, *d)));
                        }
                        V::Delta(x, s, d) => {
                            out.push(Out::num(round(*x, *d)));
                            out.push(match s {
                                Some(true) => Out::Text(lang.pick("có", "yes").into()),
                                Some(false) => Out::Text(lang.pick("không", "no").into()),
                                None => Out::Empty,
                            });
                        }
                        V::Suppressed => out.push(Out::Text(
                            lang.pick("ít phiếu, không hiển thị", "too few answers, withheld")
                                .into(),
                        )),
                    }
                }
                out
            })
            .collect()
    }
}

/// An exported cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Out {
    Empty,
    Text(String),
    /// A number written with a point, as a spreadsheet reads it.
    Number(String),
}

impl Out {
    fn num(s: Option<String>) -> Out {
        s.map(Out::Number).unwrap_or(Out::Empty)
    }
}

/// One cell as a page writes it.
/// A cell's class: numbers align right; a cell with no value ("—") is marked so that a phone,
/// showing each row as a card, leaves it out rather than repeat "—" line after line.
fn cell_class(v: &V) -> Option<&'static str> {
    let empty = matches!(
        v,
        V::Num(None, _)
            | V::Pct(None, _)
            | V::Dec(None)
            | V::Delta(None, ..)
            | V::Interval(None, _, _)
            | V::Interval(_, None, _)
    );
    match (is_num(v), empty) {
        (true, true) => Some("num empty"),
        (true, false) => Some("num"),
        (false, true) => Some("empty"),
        (false, false) => None,
    }
}

pub fn cell(lang: Lang, v: &V) -> Markup {
    let num = |x: &Option<f64>, d: usize| x.map(|x| lang.number(x, d)).unwrap_or("—".into());
    match v {
        V::Text(t) => html! { (t) },
        V::Link(t, href) => html! { a href=(href) { (t) } },
        V::Num(x, d) => html! { (num(x, *d)) },
        V::Pct(x, d) => html! { (x.map(|x| lang.percent(x, *d)).unwrap_or("—".into())) },
        V::Int(n) => html! { (lang.count(*n)) },
        V::Dec(s) => html! { (s.as_deref().map(|s| lang.decimal_text(s)).unwrap_or("—".into())) },
        V::Interval(Some(l), Some(h), d) => {
            html! { (lang.number(*l, *d)) "–" (lang.number(*h, *d)) }
        }
        V::Interval(..) => html! { "—" },
        V::Delta(Some(x), sig, d) => {
            let shown = format!(
                "{}{}",
                if *x >= 0.0 { "+" } else { "" },
                lang.number(*x, *d)
            );
            match sig {
                Some(true) => {
                    let (class, mark) = if *x >= 0.0 {
                        ("up", "▲")
                    } else {
                        ("down", "▼")
                    };
                    html! { span class=(class) { (shown) " " (mark) " " (lang.pick("có ý nghĩa", "significant")) } }
                }
                _ => {
                    html! { span.note { (shown) " " (lang.pick("(không có ý nghĩa)", "(not significant)")) } }
                }
            }
        }
        V::Delta(None, ..) => html! { "—" },
        V::Suppressed => html! { span.note { (lang.pick("ít phiếu", "too few")) } },
    }
}

/// A row whose value is withheld: on paper it would only take room.
fn too_few(row: &[V]) -> bool {
    row.iter().any(|v| matches!(v, V::Suppressed))
}

fn is_num(v: &V) -> bool {
    !matches!(v, V::Text(_) | V::Link(..))
}

/// The table on a page, with its download links (`export` is the address without `format`);
/// on a phone each row is a card with its values named.
pub fn render(lang: Lang, t: &Table, export: Option<&str>) -> Markup {
    html! {
        figure.data {
            figcaption {
                strong { (t.caption) }
                @if let Some(base) = export {
                    span.downloads.noprint {
                        " " (lang.pick("Tải bảng:", "Download:")) " "
                        a href=(format!("{base}&format=csv")) download { "CSV" }
                        " · "
                        a href=(format!("{base}&format=xlsx")) download { "XLSX" }
                    }
                }
            }
            @if t.rows.is_empty() {
                p.empty { (lang.pick("Chưa có dữ liệu cho lựa chọn này.", "No data yet for this choice.")) }
            } @else {
                table.data {
                    thead { tr { @for (i, c) in t.columns.iter().enumerate() {
                        th class=[t.rows.first().and_then(|r| r.get(i)).filter(|v| is_num(v)).map(|_| "num")] { (c) }
                    } } }
                    tbody {
                        @for r in &t.rows {
                            tr class=[too_few(r).then_some("few")] { @for (i, v) in r.iter().enumerate() {
                                td class=[cell_class(v)] data-label=(t.columns.get(i).map(String::as_str).unwrap_or("")) { (cell(lang, v)) }
                            } }
                        }
                    }
                }
                @let few = t.rows.iter().filter(|r| too_few(r)).count();
                @if few > 0 {
                    p.note.printonly {
                        (lang.count(few as i64))
                        (lang.pick(" dòng có quá ít phiếu để hiện giá trị không được in; bảng đầy đủ có trên màn hình và trong tệp tải về.", " rows with too few answers to show a value are not printed; the full table is on screen and in the downloads."))
                    }
                }
            }
        }
    }
}

/// The table as CSV, UTF-8 with a byte-order mark (Excel then reads the diacritics).
pub fn csv(lang: Lang, t: &Table) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(vec![0xEF, 0xBB, 0xBF]);
    let _ = w.write_record(t.export_header(lang));
    for r in t.export_rows(lang) {
        let _ = w.write_record(r.iter().map(|c| match c {
            Out::Empty => String::new(),
            // Labels are text (never run as a formula); numbers stay numbers.
            Out::Text(s) => crate::spreadsheet::text_cell(s).into_owned(),
            Out::Number(s) => s.clone(),
        }));
    }
    w.into_inner().unwrap_or_default()
}

/// The table as an XLSX workbook of one sheet: numbers as numbers.
pub fn xlsx(lang: Lang, t: &Table) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let name: String = t.id.chars().take(31).collect();
    sheet.set_name(&name)?;
    let bold = Format::new().set_bold();
    for (c, h) in t.export_header(lang).iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, h, &bold)?;
    }
    for (r, row) in t.export_rows(lang).iter().enumerate() {
        let r = r as u32 + 1;
        for (c, v) in row.iter().enumerate() {
            let c = c as u16;
            match v {
                Out::Empty => {}
                Out::Text(s) => {
                    sheet.write_string(r, c, s)?;
                }
                Out::Number(s) => match s.parse::<f64>() {
                    Ok(x) => {
                        sheet.write_number(r, c, x)?;
                    }
                    Err(_) => {
                        sheet.write_string(r, c, s)?;
                    }
                },
            }
        }
    }
    book.save_to_buffer()
}
