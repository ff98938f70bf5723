//! Export of responses: one row per form, as CSV (UTF-8 with a BOM, so that Excel shows the
//! diacritics) or XLSX (the forms, and a second sheet "Nhãn" of labels), written a page at a
//! time so that memory stays flat whatever the size.
//!
//! Columns: `id, unit, channel, period, date, group, status`, then the survey's background
//! codes, then its item codes, in the definition's order. An item not answered is an empty
//! cell; "no opinion" is [`NO_OPINION`]; a background question not answered is empty.

use crate::db::export::{self, ExportFilter, ExportHead, ExportedResponse};
use crate::db::{AnyConnection, DbError};
use crate::spreadsheet::text_cell;
use crate::state::AppState;
use crate::survey::{FieldError, Survey, UnitTree};
use rust_xlsxwriter::{Format as CellFormat, Workbook, XlsxError};
use std::collections::BTreeMap;
use std::io::Write;

/// The cell written for a "no opinion" answer (an empty cell is a question not answered).
pub const NO_OPINION: &str = "NA";
/// Columns before the background and item codes.
pub const FIXED_COLUMNS: [&str; 7] = ["id", "unit", "channel", "period", "date", "group", "status"];
/// Forms one XLSX sheet can hold (Excel's 1,048,576 rows, less the header).
pub const XLSX_MAX_FORMS: i64 = 1_048_575;
/// Name of the XLSX sheet of forms and of the sheet of labels.
pub const FORMS_SHEET: &str = "Phiếu";
pub const LABELS_SHEET: &str = "Nhãn";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        match s.to_ascii_lowercase().as_str() {
            "csv" => Some(Format::Csv),
            "xlsx" => Some(Format::Xlsx),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
}

/// What an export was asked for, with its types checked.
#[derive(Debug, Clone)]
pub struct ExportRequest {
    pub survey: String,
    pub period: i32,
    pub unit: Option<String>,
    pub format: Format,
}

/// A checked export: the survey, which responses, the format and the file's name.
#[derive(Debug, Clone)]
pub struct ExportPlan {
    pub survey: Survey,
    pub filter: ExportFilter,
    pub unit: Option<String>,
    pub format: Format,
}

impl ExportPlan {
    /// `SURVEY-PERIOD.csv`, or `SURVEY-PERIOD-UNIT.csv` for one unit.
    pub fn file_name(&self) -> String {
        let mut name = format!("{}-{}", self.survey.id, self.filter.period);
        if let Some(u) = &self.unit {
            name.push('-');
            name.push_str(u);
        }
        let name: String = name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        format!("{name}.{}", self.format.extension())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// A parameter is wrong; names the field.
    #[error("{0}")]
    Invalid(FieldError),
    /// The caller may not export this unit.
    #[error("unit: {0}")]
    OutOfScope(String),
    #[error(transparent)]
    Db(#[from] DbError),
    /// Writing the file failed (a disk full, or a reader that went away).
    #[error("cannot write the export: {0}")]
    Write(#[from] std::io::Error),
    #[error("cannot build the XLSX file: {0}")]
    Xlsx(String),
}

impl From<FieldError> for ExportError {
    fn from(e: FieldError) -> Self {
        ExportError::Invalid(e)
    }
}

impl From<XlsxError> for ExportError {
    fn from(e: XlsxError) -> Self {
        match e {
            XlsxError::IoError(e) => ExportError::Write(e),
            other => ExportError::Xlsx(other.to_string()),
        }
    }
}

impl From<csv::Error> for ExportError {
    fn from(e: csv::Error) -> Self {
        match e.into_kind() {
            csv::ErrorKind::Io(e) => ExportError::Write(e),
            other => ExportError::Write(std::io::Error::other(format!("{other:?}"))),
        }
    }
}

/// A period as text: a year.
pub fn parse_period(text: &str) -> Result<i32, FieldError> {
    text.trim()
        .parse::<i32>()
        .ok()
        .filter(|y| PERIODS.contains(y))
        .ok_or_else(|| {
            FieldError::new(
                "period",
                format!(
                    "'{text}' is not a year from {} to {}, such as 2025",
                    PERIODS.start(),
                    PERIODS.end()
                ),
            )
        })
}

/// The years the API and exports take as a `period` (as the pages' year fields do).
pub const PERIODS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// Checks an export against the definitions and units; `scope` is the caller's unit, when the
/// caller is limited to one (then only it and what lies below it can be exported, and it is
/// the default).
pub fn plan(
    state: &AppState,
    req: ExportRequest,
    scope: Option<&str>,
) -> Result<ExportPlan, ExportError> {
    let survey = state
        .catalog
        .get(&req.survey)
        .ok_or_else(|| {
            FieldError::new(
                "survey",
                format!(
                    "unknown survey '{}'; known: {}",
                    req.survey,
                    state
                        .catalog
                        .surveys
                        .keys()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })?
        .clone();
    let unit = req.unit.filter(|u| !u.is_empty());
    if let Some(u) = &unit {
        if state.units.get(u).is_none() {
            return Err(FieldError::new("unit", format!("unknown unit '{u}'")).into());
        }
    }
    let unit = match (unit, scope) {
        (None, scope) => scope.map(str::to_string),
        (Some(u), None) => Some(u),
        (Some(u), Some(s)) => {
            if !state.units.subtree(s).contains(&u) {
                return Err(ExportError::OutOfScope(format!(
                    "this account may export only unit '{s}' and the units below it, not '{u}'"
                )));
            }
            Some(u)
        }
    };
    let filter = ExportFilter {
        survey_id: survey.id.clone(),
        period: req.period,
        units: unit.as_deref().map(|u| state.units.subtree(u)),
    };
    Ok(ExportPlan {
        survey,
        filter,
        unit,
        format: req.format,
    })
}

/// One answer cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Unanswered,
    NoOpinion,
    Value(i16),
}

/// One form as it is written: its head, background option codes and answers, each in the
/// order of the columns.
pub struct ExportRow<'a> {
    pub head: &'a ExportHead,
    pub background: &'a [Option<String>],
    pub answers: &'a [Answer],
}

/// The column names: the fixed ones, the background codes, the item codes.
pub fn columns(survey: &Survey) -> Vec<String> {
    FIXED_COLUMNS
        .iter()
        .map(|c| c.to_string())
        .chain(survey.background.iter().map(|b| b.code.clone()))
        .chain(survey.items().map(|i| i.code.clone()))
        .collect()
}

/// Turns stored responses into rows, reusing its buffers from one form to the next.
struct RowBuilder {
    background_codes: Vec<String>,
    /// Item codes in sorted order with their column: the database hands answers over in code
    /// order, so the next code is nearly always the one after the last.
    item_position: Vec<(String, usize)>,
    background: Vec<Option<String>>,
    answers: Vec<Answer>,
}

impl RowBuilder {
    fn new(survey: &Survey) -> Self {
        let mut item_position: Vec<(String, usize)> = survey
            .items()
            .enumerate()
            .map(|(i, item)| (item.code.clone(), i))
            .collect();
        item_position.sort_unstable();
        RowBuilder {
            background_codes: survey.background.iter().map(|b| b.code.clone()).collect(),
            background: vec![None; survey.background.len()],
            answers: vec![Answer::Unanswered; item_position.len()],
            item_position,
        }
    }

    fn fill<'a>(&'a mut self, r: &'a ExportedResponse) -> ExportRow<'a> {
        // Background answers are stored as a JSON object of option codes.
        let mut bg: BTreeMap<String, serde_json::Value> =
            serde_json::from_str(&r.head.background).unwrap_or_default();
        for (slot, code) in self.background.iter_mut().zip(&self.background_codes) {
            *slot = match bg.remove(code) {
                Some(serde_json::Value::String(s)) => Some(s),
                Some(serde_json::Value::Null) | None => None,
                Some(other) => Some(other.to_string()),
            };
        }
        self.answers.fill(Answer::Unanswered);
        let mut next = 0;
        for pair in r.answers.as_deref().unwrap_or("").split(';') {
            let Some((code, value)) = pair.split_once(':') else {
                continue;
            };
            let found = match self.item_position.get(next) {
                Some((c, _)) if c == code => Some(next),
                _ => self
                    .item_position
                    .binary_search_by(|(c, _)| c.as_str().cmp(code))
                    .ok(),
            };
            // Items the definition no longer has are not columns.
            let Some(slot) = found.and_then(|k| {
                next = k + 1;
                self.item_position
                    .get(k)
                    .and_then(|&(_, i)| self.answers.get_mut(i))
            }) else {
                continue;
            };
            *slot = if value.is_empty() {
                Answer::NoOpinion
            } else {
                value.parse().map_or(Answer::Unanswered, Answer::Value)
            };
        }
        ExportRow {
            head: &r.head,
            background: &self.background,
            answers: &self.answers,
        }
    }
}

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

/// Reads the plan's responses page by page on `conn` and hands each row to `write`. Reading
/// and writing overlap: a reader thread fetches the next page while this one writes the last,
/// with at most one page waiting between them.
fn each_row(
    conn: &mut AnyConnection,
    plan: &ExportPlan,
    mut write: impl FnMut(&ExportRow) -> Result<(), ExportError>,
) -> Result<u64, ExportError> {
    export::reading_many_pages(conn, true)?;
    let mut builder = RowBuilder::new(&plan.survey);
    let filter = &plan.filter;
    let result = std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Result<Vec<ExportedResponse>, DbError>>(1);
        let reader = std::thread::Builder::new()
            .name("export-reader".into())
            .spawn_scoped(scope, || {
                let tx = tx;
                let mut after = String::new();
                loop {
                    let page = export::page(conn, filter, &after);
                    let last = match &page {
                        Ok(p) => p.last().map(|r| r.head.id.clone()),
                        Err(_) => None,
                    };
                    // The writer stopped (an error, or a reader that went away).
                    if tx.send(page).is_err() {
                        break;
                    }
                    match last {
                        Some(id) => after = id,
                        None => break,
                    }
                }
            })?;
        let mut n = 0u64;
        let mut result = Ok(());
        for page in rx.iter() {
            let written = page.map_err(ExportError::from).and_then(|p| {
                p.iter()
                    .try_for_each(|r| write(&builder.fill(r)))
                    .map(|()| p.len())
            });
            match written {
                Ok(k) => n += k as u64,
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        // The reader's next page has nowhere to go: it ends.
        drop(rx);
        reader
            .join()
            .map_err(|_| ExportError::Db(DbError::Worker("the export's reader thread")))?;
        result.map(|()| n)
    });
    export::reading_many_pages(conn, false)?;
    result
}

/// Writes the whole export to `out` on `conn`; returns the number of forms.
pub fn write_export<W: Write + Send>(
    conn: &mut AnyConnection,
    units: &UnitTree,
    plan: &ExportPlan,
    out: W,
) -> Result<(u64, W), ExportError> {
    let columns = columns(&plan.survey);
    match plan.format {
        Format::Csv => {
            let mut w = CsvWriter::new(out, &columns)?;
            let n = each_row(conn, plan, |row| w.write(row))?;
            Ok((n, w.finish()?))
        }
        Format::Xlsx => {
            let forms = export::count(conn, &plan.filter)?;
            if forms > XLSX_MAX_FORMS {
                return Err(FieldError::new(
                    "format",
                    format!(
                        "an XLSX sheet holds at most {XLSX_MAX_FORMS} forms and this export has \
                         {forms}: export as CSV, or one unit at a time"
                    ),
                )
                .into());
            }
            let mut w = XlsxWriter::new(out, &columns)?;
            let n = each_row(conn, plan, |row| w.write(row))?;
            let out = w.finish(&labels(&plan.survey, units, &plan.filter))?;
            Ok((n, out))
        }
    }
}

/// [`write_export`] on a pooled connection, for callers that may block (the CLI, the
/// benchmark).
pub fn export_blocking<W: Write + Send>(
    state: &AppState,
    plan: &ExportPlan,
    out: W,
) -> Result<(u64, W), ExportError> {
    let mut conn = state.pool.get().map_err(DbError::from)?;
    write_export(&mut conn, &state.units, plan, out)
}

/// A chunk of the file, or why it stopped.
pub type Chunk = Result<Vec<u8>, ExportError>;

/// How much of the file waits between the thread that writes it and the connection that
/// sends it: a few chunks, so memory stays flat however large the export.
const CHUNK: usize = 64 * 1024;
const CHUNKS_IN_FLIGHT: usize = 4;

/// Starts writing the export on a thread of its own, which holds a database connection until
/// the end, and returns the file as it is written, chunk by chunk. Nothing is buffered beyond
/// a few chunks: the thread waits while the reader is slow, and stops when the reader goes
/// away. An error ends the chunks with that error; one found before anything was written
/// (a database that is down, an XLSX too large) is the first chunk.
pub fn start(
    state: &AppState,
    plan: ExportPlan,
) -> Result<tokio::sync::mpsc::Receiver<Chunk>, ExportError> {
    let (tx, rx) = tokio::sync::mpsc::channel(CHUNKS_IN_FLIGHT);
    let st = state.clone();
    std::thread::Builder::new()
        .name("export".into())
        .spawn(move || {
            let sender = ChunkSender {
                tx: tx.clone(),
                buf: Vec::with_capacity(CHUNK),
            };
            let result = export_blocking(&st, &plan, sender).and_then(|(_, mut s)| {
                s.flush()?;
                Ok(())
            });
            match result {
                Ok(()) => {}
                // The reader went away: nobody to tell.
                Err(ExportError::Write(_)) if tx.is_closed() => {}
                Err(e) => {
                    log::error!("export of {}: {e}", plan.file_name());
                    let _ = tx.blocking_send(Err(e));
                }
            }
        })?;
    Ok(rx)
}

/// Sends what is written in chunks of [`CHUNK`] bytes, waiting while the channel is full.
struct ChunkSender {
    tx: tokio::sync::mpsc::Sender<Chunk>,
    buf: Vec<u8>,
}

impl ChunkSender {
    fn send(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK));
        self.tx
            .blocking_send(Ok(chunk))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "reader went away"))
    }
}

impl Write for ChunkSender {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.send()
    }
}
