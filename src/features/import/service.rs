//! Importing paper forms from a file: one row per form, CSV (UTF-8) or XLSX.
//!
//! The file is read twice as a stream, never held in memory. The first pass checks every row —
//! columns, unit, period, date, answers, serials and submission ids repeated in the file, serials
//! already keyed as paper forms — and keeps only what that needs (ids, serials, the problems).
//! By default a file with any problem stores nothing and every problem is reported (row,
//! column, value, reason). With `skip_invalid`, the good rows are stored and the rejected ones
//! written to a file with the same header plus a column `loi` (the reasons), which can be
//! corrected and imported as it is (`loi` is ignored on import). The second pass stores through
//! the store path every channel uses, 2,000 rows per transaction, one chunk stored while the
//! next is read.
//!
//! Re-importing a file stores nothing twice: a row with a `serial` gets the id a paper form of
//! that serial has (survey, period, serial); a row with a `submission_id` is that submission;
//! any other row gets an id derived from the file's contents up to and including that row. Each
//! import is remembered (`db::file_imports`: name, day, rows, keyed fingerprints of its opening
//! rows and of all its cells), so that the same cells again give the same ids, while a file
//! that only begins like an earlier one is never guessed to hold the same forms: the import
//! stops, names the earlier file, and asks whether its rows are the same forms or new ones.

use super::read;

use crate::db::responses::{store_all, Pending, Stored};
use crate::db::DbError;
use crate::features::submit::SubmitError;
use crate::ingest::{self, Intake, Provenance};
use crate::state::AppState;
use crate::survey::{FieldError, RawSubmission, Survey};
pub use read::Format;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

/// Columns that describe the form rather than answer a question.
pub const RESERVED_COLUMNS: [&str; 6] =
    ["unit", "period", "date", "group", "submission_id", "serial"];
/// The column of reasons in a file of rejected rows; ignored on import.
pub const REASONS_COLUMN: &str = "loi";
/// Problems listed in a report; the rest are counted.
pub const MAX_LISTED: usize = 1000;
/// Rows stored in one transaction.
const CHUNK: usize = 5_000;
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

/// A problem with one cell (or row, or the header: row 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub row: u64,
    pub column: String,
    pub value: String,
    pub reason: String,
}

impl RowError {
    /// `FILE:ROW: column C, value "V": reason`.
    pub fn line(&self, source: &str) -> String {
        let mut s = format!("{source}:{}: ", self.row);
        if !self.column.is_empty() {
            s.push_str(&format!("column {}", self.column));
            if !self.value.is_empty() {
                s.push_str(&format!(", value \"{}\"", self.value));
            }
            s.push_str(": ");
        }
        s.push_str(&self.reason);
        s
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// The file as named in messages.
    pub source: String,
    /// Rows of forms read (not the header, not blank rows).
    pub rows: u64,
    /// Forms stored by this import.
    pub created: usize,
    /// Forms stored before (an earlier import of the same rows), or repeated within the file.
    pub existing: usize,
    /// Rows not stored because of a problem (with `skip_invalid`).
    pub rejected: usize,
    /// The first [`MAX_LISTED`] problems, in row order.
    pub errors: Vec<RowError>,
    /// Every problem, listed or not.
    pub error_count: usize,
    /// Where the rejected rows were written.
    pub rejects: Option<PathBuf>,
}

impl ImportReport {
    /// Every listed problem as `FILE:ROW: …`, then how many more there are.
    pub fn problem_lines(&self) -> Vec<String> {
        let mut lines: Vec<String> = self.errors.iter().map(|e| e.line(&self.source)).collect();
        if self.error_count > self.errors.len() {
            lines.push(format!(
                "… and {} more",
                self.error_count - self.errors.len()
            ));
        }
        lines
    }

    fn note(&mut self, e: RowError) {
        self.error_count += 1;
        if self.errors.len() < MAX_LISTED {
            self.errors.push(e);
        }
    }
}

/// Every row of a small table file — CSV (UTF-8, comma, semicolon or tab) or the first sheet
/// of an XLSX workbook — header first, each with its row number as a spreadsheet shows it.
/// For lists read whole (respondents), not for forms, which stream; `limits` bound them.
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

/// A problem with the file as a whole, said in English (command line) and Vietnamese (pages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub en: String,
    pub vi: String,
}

impl Problem {
    pub fn new(en: impl Into<String>, vi: impl Into<String>) -> Self {
        Problem {
            en: en.into(),
            vi: vi.into(),
        }
    }

    pub(crate) fn io(name: &str, e: &std::io::Error) -> Self {
        Problem::new(
            format!("{name}: {e}"),
            format!("{name}: không đọc được tệp ({e})"),
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file cannot be read at all: its encoding, its format, an unknown survey.
    #[error("{}", .0.en)]
    Unreadable(Problem),
    /// Some rows (or the header) are wrong; nothing was stored.
    #[error("nothing imported; {} problem(s):\n{}", .0.error_count, .0.problem_lines().join("\n"))]
    Invalid(Box<ImportReport>),
    /// The file begins like an earlier import and [`Forms::Ask`]: nothing was stored.
    #[error("{}", .0.problem("--same-forms", "--new-forms").en)]
    SameOpening(Box<SameOpening>),
    #[error(transparent)]
    Store(#[from] SubmitError),
}

impl From<Problem> for ImportError {
    fn from(p: Problem) -> Self {
        ImportError::Unreadable(p)
    }
}

/// Shows how far an import has come (a progress bar on the command line).
pub trait Progress {
    /// A pass begins: "checking" or "storing".
    fn begin(&self, _pass: &'static str) {}
    /// `done` of `total` (bytes of a CSV file, rows of a workbook).
    fn at(&self, _done: u64, _total: u64) {}
    fn end(&self) {}
}

/// No progress shown.
pub struct Quiet;
impl Progress for Quiet {}

/// Imports the file at `path` (named `source` in messages; its format from its first bytes or
/// its name): checks every row, then stores them all — or, with `skip_invalid`, the good ones.
pub fn import_file(
    state: &AppState,
    path: &Path,
    source: &str,
    opts: &ImportOptions,
    progress: &dyn Progress,
) -> Result<ImportReport, ImportError> {
    let survey = state.catalog.get(&opts.survey).ok_or_else(|| {
        Problem::new(
            format!("unknown survey '{}'", opts.survey),
            format!("không có phiếu khảo sát '{}'", opts.survey),
        )
    })?;
    let format = read::format_of(path, source)?;
    // What a file of this survey may hold: its columns and a margin, rows.
    let lim = &limits_for(survey);
    // Forms keyed once go into a batch of the same survey: its unit and period are theirs.
    let batch = match &opts.entry {
        Entry::Verified => None,
        Entry::KeyedOnce { batch, .. } => {
            let found = state
                .db_blocking(|conn| crate::features::paper::service::find_batch(conn, batch))
                .map_err(|e| ImportError::Store(SubmitError::Db(e)))?;
            match found {
                Some(b) if b.survey_id == survey.id => Some(b),
                Some(b) => {
                    return Err(Problem::new(
                        format!(
                            "batch {} is of survey {}, not {}",
                            b.label, b.survey_id, survey.id
                        ),
                        format!(
                            "lô {} thuộc phiếu khảo sát {}, không phải {}",
                            b.label, b.survey_id, survey.id
                        ),
                    )
                    .into())
                }
                None => {
                    return Err(Problem::new(
                        format!("no batch '{batch}'"),
                        format!("không có lô phiếu '{batch}'"),
                    )
                    .into())
                }
            }
        }
    };
    let intake = state.intake();
    let scope = opts
        .scope
        .as_ref()
        .map(|u| state.units.subtree(u).into_iter().collect::<HashSet<_>>());
    let mut plan = Plan {
        state,
        survey,
        opts,
        intake: &intake,
        scope,
        columns: None,
        ids: None,
        opening: None,
        derived: false,
        paper_serials: HashMap::new(),
    };
    let mut report = ImportReport {
        source: source.to_string(),
        ..ImportReport::default()
    };

    // Pass 1: check everything, keep only the ids, the serials and the problems.
    let mut bad: BTreeMap<u64, Vec<String>> = BTreeMap::new();
    let mut already: HashSet<u64> = HashSet::new();
    let mut ids_seen: HashMap<u128, (u64, u64)> = HashMap::new();
    let mut serials_seen: HashMap<String, u64> = HashMap::new();
    // Rows refused now but perhaps stored before, by an id derived from the file: looked up
    // once the import knows what its ids are derived with.
    let mut derived_bad: Vec<(u64, String, Box<RowError>)> = Vec::new();
    progress.begin("checking");
    let mut seen = |done: u64, total: u64| progress.at(done, total);
    read::rows(path, source, format, lim, &mut seen, &mut |row| -> Result<
        (),
        ImportError,
    > {
        if plan.columns.is_none() {
            let mut columns = plan.header(row.cells)?;
            if batch.is_some() && !columns.has(Col::Serial) {
                columns.problems.push(RowError {
                    row: 1,
                    column: "serial".into(),
                    value: String::new(),
                    reason: "forms keyed once into a batch need a serial column (mã phiếu)".into(),
                });
            }
            if !columns.problems.is_empty() {
                for p in &columns.problems {
                    report.note(p.clone());
                }
                return Err(ImportError::Invalid(Box::new(report.clone())));
            }
            plan.ids = Some(ContentIds::new(&survey.id, row.cells, columns.reasons, ""));
            plan.columns = Some(columns);
            return Ok(());
        };
        let number = row.number;
        let mut problems: Vec<RowError> = Vec::new();
        let outcome = plan.check(row.cells, number)?;
        let Some(columns) = &plan.columns else {
            return Ok(());
        };
        match outcome {
            Checked::Blank => return Ok(()),
            Checked::Ready(ready) => {
                if let Some(b) = &batch {
                    let p = &ready.pending;
                    if ready.serial.is_none() {
                        problems.push(RowError {
                            row: number,
                            column: "serial".into(),
                            value: String::new(),
                            reason: "a form keyed once into a batch needs its serial".into(),
                        });
                    }
                    if p.unit != b.unit_code || p.period != b.period {
                        problems.push(RowError {
                            row: number,
                            column: "unit".into(),
                            value: format!("{} {}", p.unit, p.period),
                            reason: format!(
                                "batch {} holds the forms of {} in {}",
                                b.label, b.unit_code, b.period
                            ),
                        });
                    }
                }
                if let Some((id, content)) = ready.explicit {
                    match ids_seen.get(&id) {
                        // The same form twice: stored once, counted as already there.
                        Some((_, c)) if *c == content => {}
                        Some((first, _)) => {
                            let column = columns.id_column();
                            problems.push(RowError {
                                row: number,
                                value: columns.cell(row.cells, column).to_string(),
                                column: column.to_string(),
                                reason: format!(
                                    "the same form id as row {first}, with other answers"
                                ),
                            });
                            bad.entry(*first).or_default().push(format!(
                                "{column}: the same form id as row {number}, with other answers"
                            ));
                        }
                        None => {
                            ids_seen.insert(id, (number, content));
                        }
                    }
                }
                if let Some(serial) = ready.serial {
                    if let Some(first) = serials_seen.get(&serial) {
                        problems.push(RowError {
                            row: number,
                            column: "serial".into(),
                            value: serial.clone(),
                            reason: format!("serial {serial} is also on row {first}"),
                        });
                        bad.entry(*first)
                            .or_default()
                            .push(format!("serial: serial {serial} is also on row {number}"));
                    } else {
                        serials_seen.insert(serial, number);
                    }
                }
            }
            Checked::Bad(e, Some((sid, true))) => derived_bad.push((number, sid, e)),
            Checked::Bad(e, sid) => {
                // A row stored before stays as it was first stored, even if it no longer passes.
                let stored = match sid {
                    Some((sid, _)) => state
                        .db_blocking(|conn| ingest::already_stored(conn, &sid))
                        .map_err(|e| ImportError::Store(SubmitError::Db(e)))?,
                    None => None,
                };
                if stored.is_some() {
                    already.insert(number);
                } else {
                    problems.push(*e);
                }
            }
        }
        report.rows += 1;
        if !problems.is_empty() {
            let reasons = bad.entry(number).or_default();
            for p in problems {
                reasons.push(format!("{}: {}", p.column, p.reason));
                report.note(p);
            }
        }
        Ok(())
    })?;
    progress.end();
    if plan.columns.is_none() {
        return Err(Problem::new(
            format!("{source}: the file is empty: its first row must name the columns"),
            format!("{source}: tệp trống: dòng đầu phải là tên các cột"),
        )
        .into());
    }
    let seed = ids_seed(state, source, survey, opts, &plan)?;
    for (number, sid, e) in derived_bad {
        let sid = seeded(&seed.id_seed, &sid);
        let stored = state
            .db_blocking(|conn| ingest::already_stored(conn, &sid))
            .map_err(|e| ImportError::Store(SubmitError::Db(e)))?;
        if stored.is_some() {
            already.insert(number);
        } else {
            bad.entry(number)
                .or_default()
                .push(format!("{}: {}", e.column, e.reason));
            report.note(*e);
        }
    }
    // Problems noted on an earlier row when a later one repeated it, in row order.
    report.errors.sort_by_key(|e| e.row);
    if !bad.is_empty() && !opts.skip_invalid {
        return Err(ImportError::Invalid(Box::new(report)));
    }
    // Remembered before any form is stored: a retry after a failure part-way derives the same
    // ids, so the forms stored before the failure are found again.
    if let Some(prints) = seed.record {
        let file_name = Path::new(source)
            .file_name()
            .map_or(source.to_string(), |n| n.to_string_lossy().into_owned());
        let day = state.clock.today().to_string();
        let rows = report.rows;
        state
            .db_blocking(|conn| {
                crate::db::file_imports::record(
                    conn,
                    &survey.id,
                    &file_name,
                    &day,
                    rows,
                    &prints.as_fingerprints(),
                    &seed.id_seed,
                )
            })
            .map_err(|e| ImportError::Store(SubmitError::Db(e)))?;
    }

    // Pass 2: store the good rows, a chunk at a time; write the rejected ones.
    let mut rejects = match (&opts.rejects, bad.is_empty()) {
        (Some(p), false) => Some(Rejects::create(p, source)?),
        _ => None,
    };
    plan.ids = None;
    let reasons_at = plan.columns.as_ref().and_then(|c| c.reasons);
    let mut header_done = false;
    progress.begin("storing");
    let (pool, layouts) = (state.pool.clone(), state.layouts.clone());
    // One thread stores a chunk while this one reads and checks the next.
    let stored = std::thread::scope(|scope| -> Result<(usize, usize), ImportError> {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<(Option<String>, Pending)>>(0);
        let batch = batch.as_ref();
        let by = match &opts.entry {
            Entry::KeyedOnce { by, .. } => by.as_str(),
            Entry::Verified => "",
        };
        let storer = scope.spawn(move || -> Result<(usize, usize), DbError> {
            let mut conn = pool.get()?;
            let (mut created, mut existing) = (0, 0);
            for chunk in rx {
                if let Some(b) = batch {
                    let n = chunk.len();
                    crate::db::write_transaction(&mut conn, |c| {
                        for (serial, p) in chunk {
                            let serial = serial.unwrap_or_default();
                            crate::features::paper::service::import_first_keying(
                                c, state, b, &serial, by, p,
                            )
                            .map_err(|e| match e {
                                crate::features::paper::service::PaperError::Db(d) => d,
                                // Checked in the first pass: only a form keyed on screen
                                // meanwhile gets here, and the whole chunk is undone.
                                _ => DbError::Worker(
                                    "a form keyed on screen while the file was imported",
                                ),
                            })?;
                        }
                        Ok::<_, DbError>(())
                    })?;
                    created += n;
                    continue;
                }
                let chunk: Vec<Pending> = chunk.into_iter().map(|(_, p)| p).collect();
                for r in store_all(&mut conn, &layouts, &chunk) {
                    match r? {
                        Stored::Created(_) => created += 1,
                        Stored::Existing(_) => existing += 1,
                    }
                }
            }
            Ok((created, existing))
        });
        let mut chunk = Vec::with_capacity(CHUNK);
        let mut seen = |done: u64, total: u64| progress.at(done, total);
        let read = read::rows(path, source, format, lim, &mut seen, &mut |row| -> Result<
            (),
            ImportError,
        > {
            if !header_done {
                header_done = true;
                plan.ids = Some(ContentIds::new(
                    &survey.id,
                    row.cells,
                    reasons_at,
                    &seed.id_seed,
                ));
                if let Some(r) = &mut rejects {
                    r.header(row.cells, reasons_at)?;
                }
                return Ok(());
            }
            let number = row.number;
            if let Some(reasons) = bad.get(&number) {
                // Still fed to the ids, so the rows after it keep theirs.
                if let Some(ids) = &mut plan.ids {
                    ids.next(row.cells);
                }
                report.rejected += 1;
                if let Some(r) = &mut rejects {
                    r.row(row.cells, reasons_at, reasons)?;
                }
                return Ok(());
            }
            match plan.check(row.cells, number)? {
                Checked::Blank => {}
                Checked::Ready(ready) => {
                    let mut pending = *ready.pending;
                    if opts.entry == Entry::Verified {
                        pending.status = crate::features::paper::service::VERIFIED.into();
                    }
                    chunk.push((ready.serial, pending));
                    if chunk.len() >= CHUNK {
                        let full = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK));
                        // Fails only when the storer has stopped: its error is reported below.
                        tx.send(full).map_err(|_| SubmitError::Busy)?;
                    }
                }
                Checked::Bad(_, _) if already.contains(&number) => report.existing += 1,
                Checked::Bad(e, _) => {
                    return Err(Problem::new(
                        format!("{}: the file changed while it was imported", e.line(source)),
                        format!("{}: tệp đã bị thay đổi trong khi nhập", e.line(source)),
                    )
                    .into())
                }
            }
            Ok(())
        });
        let last = match read {
            Ok(()) if !chunk.is_empty() => tx.send(chunk).map_err(|_| SubmitError::Busy),
            _ => Ok(()),
        };
        drop(tx);
        let stored = storer
            .join()
            .map_err(|_| SubmitError::Db(DbError::Worker("the import's storing thread")))?
            .map_err(SubmitError::Db)?;
        read?;
        last?;
        Ok(stored)
    })?;
    report.created += stored.0;
    report.existing += stored.1;
    progress.end();
    if let Some(r) = rejects {
        report.rejects = Some(r.finish()?);
    }
    Ok(report)
}

/// What a column of the file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Unit,
    Period,
    Date,
    Group,
    SubmissionId,
    Serial,
    Reasons,
    Open,
    Background,
    Item,
}

/// The header, read: what each column holds.
struct Columns {
    names: Vec<String>,
    kinds: Vec<Col>,
    /// The `loi` column of a file of rejected rows.
    reasons: Option<usize>,
    problems: Vec<RowError>,
}

impl Columns {
    fn has(&self, kind: Col) -> bool {
        self.kinds.contains(&kind)
    }

    /// The column an explicit form id comes from.
    fn id_column(&self) -> &'static str {
        if self.has(Col::SubmissionId) {
            "submission_id"
        } else {
            "serial"
        }
    }

    fn index(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    fn cell<'c>(&self, cells: &'c [String], name: &str) -> &'c str {
        self.index(name)
            .and_then(|i| cells.get(i))
            .map_or("", |c| c.trim())
    }
}

/// What an import needs while it reads rows.
struct Plan<'a> {
    state: &'a AppState,
    survey: &'a Survey,
    opts: &'a ImportOptions,
    intake: &'a Intake<'a>,
    scope: Option<HashSet<String>>,
    columns: Option<Columns>,
    ids: Option<ContentIds>,
    /// The fingerprint of the header and the first form (SHA-256, hex).
    opening: Option<String>,
    /// Whether a form without a serial or submission id of its own was read.
    derived: bool,
    /// Serials keyed as paper forms, per period (read once per period).
    paper_serials: HashMap<i32, HashSet<String>>,
}

/// A row ready to store, with what finds it again in the file.
struct Ready {
    pending: Box<crate::db::responses::Pending>,
    /// An id given by the file (serial or submission id) and a hash of the row's cells.
    explicit: Option<(u128, u64)>,
    serial: Option<String>,
}

enum Checked {
    Blank,
    Ready(Ready),
    /// The problem, and the row's submission id (to recognise a row stored before), with
    /// whether it was derived from the file (not given by it).
    Bad(Box<RowError>, Option<(String, bool)>),
}

impl Plan<'_> {
    fn header(&self, cells: &[String]) -> Result<Columns, ImportError> {
        let def = self.survey;
        let names: Vec<String> = cells.iter().map(|c| c.trim().to_string()).collect();
        let mut kinds = Vec::with_capacity(names.len());
        let mut problems = Vec::new();
        let mut reasons = None;
        // Each name is looked up once: a header of many columns is read in linear time.
        let mut named: HashSet<&str> = HashSet::with_capacity(names.len());
        let header_problem = |column: &str, reason: String| RowError {
            row: 1,
            column: column.to_string(),
            value: String::new(),
            reason,
        };
        for (i, name) in names.iter().enumerate() {
            let kind = match name.as_str() {
                "unit" => Col::Unit,
                "period" => Col::Period,
                "date" => Col::Date,
                "group" => Col::Group,
                "submission_id" => Col::SubmissionId,
                "serial" => Col::Serial,
                REASONS_COLUMN => {
                    reasons = Some(i);
                    Col::Reasons
                }
                code if def.open.iter().any(|o| o.code == code) => Col::Open,
                code if def.background.iter().any(|b| b.code == code) => Col::Background,
                code if def.item(code).is_some() => Col::Item,
                "" => {
                    problems.push(header_problem(
                        &format!("{}", i + 1),
                        "a column without a name: the first row must name every column".into(),
                    ));
                    Col::Reasons
                }
                other => {
                    problems.push(header_problem(
                        other,
                        format!(
                            "unknown column: neither a question of {} nor one of {}, {REASONS_COLUMN}",
                            def.id,
                            RESERVED_COLUMNS.join(", ")
                        ),
                    ));
                    Col::Reasons
                }
            };
            if !name.is_empty() && !named.insert(name.as_str()) {
                problems.push(header_problem(name, "this column appears twice".into()));
            }
            kinds.push(kind);
        }
        let mut missing = |name: &str, why: &str| {
            if !names.iter().any(|n| n == name) {
                problems.push(header_problem(name, format!("missing column: {why}")));
            }
        };
        if self.opts.unit.is_none() {
            missing("unit", "every form needs its unit (or give --unit)");
        }
        if self.opts.period.is_none() {
            missing("period", "every form needs its period (or give --period)");
        }
        for b in def.background.iter().filter(|b| b.required) {
            missing(&b.code, "a required background question of the survey");
        }
        for item in def.items().filter(|i| i.required) {
            missing(&item.code, "a required question of the survey");
        }
        Ok(Columns {
            names,
            kinds,
            reasons,
            problems,
        })
    }

    /// Checks one row: a blank row is skipped, a good one is ready to store.
    fn check(&mut self, cells: &[String], number: u64) -> Result<Checked, ImportError> {
        let Some(derived) = self.ids.as_mut().map(|ids| ids.next(cells)) else {
            return Ok(Checked::Blank);
        };
        let Some(columns) = &self.columns else {
            return Ok(Checked::Blank);
        };
        let blank = cells
            .iter()
            .enumerate()
            .all(|(i, c)| Some(i) == columns.reasons || c.trim().is_empty());
        if blank {
            return Ok(Checked::Blank);
        }
        if self.opening.is_none() {
            self.opening = self.ids.as_ref().map(ContentIds::fingerprint);
        }
        let bad = |column: &str, value: &str, reason: String| {
            Ok(Checked::Bad(
                Box::new(RowError {
                    row: number,
                    column: column.to_string(),
                    value: value.to_string(),
                    reason,
                }),
                None,
            ))
        };
        if let Some(extra) = cells
            .iter()
            .skip(columns.names.len())
            .find(|c| !c.trim().is_empty())
        {
            return bad(
                "",
                extra,
                format!(
                    "the row has more cells than the header has columns ({})",
                    columns.names.len()
                ),
            );
        }
        let (raw, serial, explicit) = match self.read_row(columns, cells, derived) {
            Ok(r) => r,
            Err((column, reason)) => {
                let value = columns.cell(cells, column).to_string();
                return bad(column, &value, reason);
            }
        };
        self.derived |= !explicit;
        let sid = (raw.submission_id.clone(), !explicit);
        if let Some(scope) = &self.scope {
            if !scope.contains(&raw.unit) {
                return Ok(Checked::Bad(
                    Box::new(RowError {
                        row: number,
                        column: "unit".into(),
                        value: raw.unit.clone(),
                        reason: "outside the unit you may import for".into(),
                    }),
                    Some(sid),
                ));
            }
        }
        if let Some(serial) = &serial {
            let period = raw.period;
            if !self.paper_serials.contains_key(&period) {
                let (survey, state) = (&self.survey.id, self.state);
                let held = state
                    .db_blocking(|conn| crate::db::paper::serials(conn, survey, period))
                    .map_err(|e| ImportError::Store(SubmitError::Db(e)))?;
                self.paper_serials
                    .insert(period, held.into_iter().collect());
            }
            if self
                .paper_serials
                .get(&period)
                .is_some_and(|s| s.contains(serial))
            {
                return Ok(Checked::Bad(
                    Box::new(RowError {
                        row: number,
                        column: "serial".into(),
                        value: serial.clone(),
                        reason: format!(
                            "serial {serial} is already a paper form of {} {period} (keyed in chiso)",
                            self.survey.id
                        ),
                    }),
                    None,
                ));
            }
        }
        match ingest::prepare(self.intake, &raw, &Provenance::default()) {
            Ok(pending) => {
                let explicit = explicit
                    .then(|| uuid::Uuid::parse_str(&pending.submission_id).ok())
                    .flatten()
                    .map(|u| (u.as_u128(), content_hash(cells, columns.reasons)));
                Ok(Checked::Ready(Ready {
                    pending: Box::new(pending),
                    explicit,
                    serial,
                }))
            }
            Err(FieldError { field, message }) => {
                let column = column_of(&field, serial.is_some(), columns);
                let value = columns.cell(cells, &column).to_string();
                Ok(Checked::Bad(
                    Box::new(RowError {
                        row: number,
                        column,
                        value,
                        reason: message,
                    }),
                    Some(sid),
                ))
            }
        }
    }

    /// Envelope columns, background codes, item codes, open questions. An empty cell is "not
    /// answered"; `na` is "no opinion". A problem names its column.
    fn read_row(
        &self,
        columns: &Columns,
        cells: &[String],
        derived_id: String,
    ) -> Result<(RawSubmission, Option<String>, bool), (&'static str, String)> {
        let opts = self.opts;
        let (mut answers, mut background, mut comments) = (Map::new(), Map::new(), Map::new());
        let (mut unit, mut period) = (opts.unit.clone(), opts.period);
        let (mut date, mut group, mut sid, mut serial) = (None, None, None, None);
        for ((kind, name), cell) in columns.kinds.iter().zip(&columns.names).zip(cells) {
            let cell = cell.trim();
            if cell.is_empty() {
                continue;
            }
            match kind {
                Col::Unit => unit = Some(cell.to_string()),
                Col::Period => {
                    period = Some(
                        cell.parse()
                            .map_err(|_| ("period", format!("'{cell}' is not a year")))?,
                    )
                }
                Col::Date => date = Some(cell.to_string()),
                Col::Group => group = Some(cell.to_string()),
                Col::SubmissionId => sid = Some(cell.to_string()),
                Col::Serial => serial = Some(check_serial(cell).map_err(|m| ("serial", m))?),
                Col::Reasons => {}
                Col::Open => {
                    comments.insert(name.clone(), Value::String(cell.to_string()));
                }
                Col::Background => {
                    background.insert(name.clone(), Value::String(cell.to_string()));
                }
                Col::Item => {
                    let v = if cell.eq_ignore_ascii_case("na") {
                        Value::Null
                    } else {
                        cell.parse::<i64>()
                            .map(Value::from)
                            .unwrap_or_else(|_| Value::String(cell.to_string()))
                    };
                    answers.insert(name.clone(), v);
                }
            }
        }
        let unit = unit.ok_or(("unit", "no unit: fill the unit column".to_string()))?;
        let period = period.ok_or(("period", "no period: fill the period column".to_string()))?;
        let explicit = sid.is_some() || serial.is_some();
        let submission_id = match (sid, &serial) {
            (Some(sid), _) => sid,
            (None, Some(serial)) => {
                crate::features::paper::service::submission_id(&self.survey.id, period, serial)
            }
            (None, None) => derived_id,
        };
        Ok((
            RawSubmission {
                survey: self.survey.id.clone(),
                unit,
                channel: opts.channel.clone(),
                submission_id,
                period,
                group,
                background,
                answers,
                comments,
                date,
            },
            serial,
            explicit,
        ))
    }
}

/// The column a submission's field comes from.
fn column_of(field: &str, from_serial: bool, columns: &Columns) -> String {
    let name = ["answers.", "background.", "comments."]
        .iter()
        .find_map(|p| field.strip_prefix(p))
        .unwrap_or(field);
    if name == "submission_id" && from_serial && !columns.has(Col::SubmissionId) {
        return "serial".into();
    }
    name.to_string()
}

/// The serial as written on the paper form (mã phiếu): letters, digits and - _ / . only,
/// compared in capitals, as the keying screen does.
fn check_serial(serial: &str) -> Result<String, String> {
    if serial.chars().count() > 40
        || !serial
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '/' | '.'))
    {
        return Err("a serial has only letters, digits and - _ / . (at most 40 characters)".into());
    }
    Ok(serial.to_uppercase())
}

fn content_hash(cells: &[String], skip: Option<usize>) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for (i, c) in cells.iter().enumerate() {
        if Some(i) != skip {
            c.trim().hash(&mut h);
        }
    }
    h.finish()
}

/// Ids for rows without a `submission_id` or `serial`: a hash chained over the header and
/// every row so far, so a row's id depends on the file's contents up to it, then (unless the
/// seed is empty, as for a file unlike any imported before) hashed again with the seed the
/// import was given. The `loi` column of a file of rejected rows is left out.
struct ContentIds {
    chain: Sha256,
    skip: Option<usize>,
    seed: String,
}

impl ContentIds {
    fn new(survey: &str, header: &[String], skip: Option<usize>, seed: &str) -> Self {
        let mut chain = Sha256::new();
        chain.update(survey.as_bytes());
        Self::feed(&mut chain, header, skip);
        ContentIds {
            chain,
            skip,
            seed: seed.to_string(),
        }
    }

    /// The header and every row so far, as a SHA-256 (hex): no cell can be read from it.
    fn fingerprint(&self) -> String {
        hex::encode(self.chain.clone().finalize())
    }

    fn feed(chain: &mut Sha256, record: &[String], skip: Option<usize>) {
        for (i, cell) in record.iter().enumerate() {
            if Some(i) != skip {
                chain.update(cell.trim().as_bytes());
                chain.update([0x1f]);
            }
        }
        chain.update([0x1e]);
    }

    fn next(&mut self, record: &[String]) -> String {
        Self::feed(&mut self.chain, record, self.skip);
        let digest = self.chain.clone().finalize();
        let mut bytes = [0u8; 16];
        for (b, d) in bytes.iter_mut().zip(digest.iter()) {
            *b = *d;
        }
        let id = uuid::Builder::from_random_bytes(bytes)
            .into_uuid()
            .hyphenated()
            .to_string();
        seeded(&self.seed, &id)
    }
}

/// The id a row derived as `id` has under `seed`: `id` itself under the empty seed (the ids
/// of files imported before imports were remembered), another for every other seed.
fn seeded(seed: &str, id: &str) -> String {
    if seed.is_empty() {
        return id.to_string();
    }
    let mut h = Sha256::new();
    for part in ["chiso import id", seed, id] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    let digest = h.finalize();
    let mut bytes = [0u8; 16];
    for (b, d) in bytes.iter_mut().zip(digest.iter()) {
        *b = *d;
    }
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .hyphenated()
        .to_string()
}

/// A file's fingerprints (SHA-256, hex) once it has been read through.
struct Prints {
    opening: String,
    content: String,
}

impl Prints {
    fn as_fingerprints(&self) -> crate::db::file_imports::Fingerprints<'_> {
        crate::db::file_imports::Fingerprints {
            opening: &self.opening,
            content: &self.content,
        }
    }
}

/// What this import's derived ids are derived with, and the fingerprints to remember it by
/// (none when it is a file imported before, or holds no form).
struct Seed {
    id_seed: String,
    record: Option<Prints>,
}

/// Decides what the derived ids of this file are: those of an earlier import of the same
/// cells; when the file only begins like an earlier import, those of that import (the same
/// forms) or its own (new forms), as the importer said — and when they did not, it stops.
fn ids_seed(
    state: &AppState,
    source: &str,
    survey: &Survey,
    opts: &ImportOptions,
    plan: &Plan,
) -> Result<Seed, ImportError> {
    let (Some(opening), Some(ids)) = (&plan.opening, &plan.ids) else {
        return Ok(Seed {
            id_seed: String::new(),
            record: None,
        });
    };
    let prints = Prints {
        opening: opening.clone(),
        content: ids.fingerprint(),
    };
    let (same_file, same_opening) = state
        .db_blocking(|conn| {
            crate::db::file_imports::earlier(conn, &survey.id, &prints.as_fingerprints())
        })
        .map_err(|e| ImportError::Store(SubmitError::Db(e)))?;
    if let Some(earlier) = same_file {
        return Ok(Seed {
            id_seed: earlier.id_seed,
            record: None,
        });
    }
    // Only a form without an id of its own can be taken for another file's.
    let id_seed = match same_opening.filter(|_| plan.derived) {
        None => String::new(),
        Some(earlier) => match opts.forms {
            Forms::Ask => {
                return Err(ImportError::SameOpening(Box::new(SameOpening {
                    source: source.to_string(),
                    earlier,
                })))
            }
            Forms::Same => earlier.id_seed,
            // Its own seed, random: kept only in the record of this import.
            Forms::New => uuid::Uuid::new_v4().to_string(),
        },
    };
    Ok(Seed {
        id_seed,
        record: Some(prints),
    })
}

/// The file of rejected rows: the input's header and rows, plus the reasons in `loi`. Written
/// as CSV UTF-8 with a byte-order mark, so that Excel opens it with its accents.
struct Rejects {
    path: PathBuf,
    out: csv::Writer<std::io::BufWriter<std::fs::File>>,
    /// Columns of the input's header.
    width: usize,
}

impl Rejects {
    fn create(path: &Path, source: &str) -> Result<Rejects, ImportError> {
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

    fn header(&mut self, cells: &[String], reasons: Option<usize>) -> Result<(), ImportError> {
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

    fn row(
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

    fn finish(mut self) -> Result<PathBuf, ImportError> {
        self.out.flush().map_err(|e| self.fail(e.into()))?;
        Ok(self.path)
    }
}

/// Rejected rows kept for the import page's download link: one file per import, in a
/// directory only the server's own user may enter (0700, files 0600), named by the importer
/// (user and unit scope) and an unguessable token, and removed after a day.
pub mod kept {
    use sha2::{Digest, Sha256};
    use std::path::{Path, PathBuf};
    use std::time::{Duration, SystemTime};

    pub const KEEP: Duration = Duration::from_secs(24 * 3600);

    /// Who may read a file back: the user who imported it, with the unit scope they had.
    pub fn owner(user_id: &str, unit: Option<&str>) -> String {
        let mut h = Sha256::new();
        h.update(user_id.as_bytes());
        h.update([0]);
        h.update(unit.unwrap_or("").as_bytes());
        hex::encode(h.finalize().get(..16).unwrap_or_default())
    }

    /// The server's private directory of rejected rows, made (or made private again) if it
    /// must be; one of another user is refused.
    pub fn dir() -> std::io::Result<PathBuf> {
        let dir = std::env::temp_dir().join(format!("chiso-rejected-rows-{}", user_tag()?));
        private_dir(&dir)?;
        Ok(dir)
    }

    #[cfg(unix)]
    fn user_tag() -> std::io::Result<String> {
        use std::os::unix::fs::MetadataExt;
        Ok(tempfile::tempfile()?.metadata()?.uid().to_string())
    }

    #[cfg(not(unix))]
    fn user_tag() -> std::io::Result<String> {
        Ok("server".into())
    }

    #[cfg(unix)]
    fn private_dir(dir: &Path) -> std::io::Result<()> {
        use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
        match std::fs::DirBuilder::new().mode(0o700).create(dir) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
        let meta = std::fs::symlink_metadata(dir)?;
        let me = tempfile::tempfile()?.metadata()?.uid();
        if !meta.is_dir() || meta.uid() != me {
            return Err(std::io::Error::other(format!(
                "{} is not a directory of this server's user",
                dir.display()
            )));
        }
        if meta.mode() & 0o777 != 0o700 {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
        }
        Ok(())
    }

    #[cfg(not(unix))]
    fn private_dir(dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)
    }

    fn too_old(path: &Path) -> bool {
        std::fs::metadata(path)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| SystemTime::now().duration_since(t).ok())
            .is_some_and(|age| age > KEEP)
    }

    /// A new file for `owner`'s rejected rows (empty, readable by this server's user only),
    /// and its token; files older than a day are removed.
    pub fn new_file(owner: &str) -> std::io::Result<(String, PathBuf)> {
        let dir = dir()?;
        if let Ok(entries) = std::fs::read_dir(&dir) {
            for e in entries.flatten() {
                if too_old(&e.path()) {
                    let _ = std::fs::remove_file(e.path());
                }
            }
        }
        let token = crate::secrets::new_secret();
        let path = dir.join(format!("{owner}-{token}.csv"));
        let mut open = std::fs::OpenOptions::new();
        open.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut open, 0o600);
        open.open(&path)?;
        Ok((token, path))
    }

    /// `owner`'s file of a token, if the token is well-formed and the file younger than a
    /// day (an older one is removed).
    pub fn file(owner: &str, token: &str) -> Option<PathBuf> {
        if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let path = dir().ok()?.join(format!("{owner}-{token}.csv"));
        if too_old(&path) {
            let _ = std::fs::remove_file(&path);
            return None;
        }
        Some(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(c: &[&str]) -> Vec<String> {
        c.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn row_ids_follow_the_contents_up_to_the_row() {
        let header = cells(&["unit", "E1.1"]);
        let ids = |rows: &[&[&str]]| -> Vec<String> {
            let mut c = ContentIds::new("s", &header, None, "");
            rows.iter().map(|r| c.next(&cells(r))).collect()
        };
        let first = ids(&[&["NK", "5"], &["NK", "5"]]);
        // Two identical forms in one file are two forms.
        assert_ne!(first[0], first[1]);
        // The same file again, or with a row added at the end, gives the same ids.
        let again = ids(&[&["NK", "5"], &["NK", "5"], &["CR", "4"]]);
        assert_eq!(first[..], again[..2]);
        // Another file starting differently gives other ids, even for identical rows.
        let other = ids(&[&["CR", "4"], &["NK", "5"]]);
        assert!(!other.contains(&first[0]) && !other.contains(&first[1]));
    }

    #[test]
    fn a_seed_gives_every_row_another_id_and_the_empty_seed_the_old_one() {
        let header = cells(&["unit", "E1.1"]);
        let ids = |seed: &str| -> Vec<String> {
            let mut c = ContentIds::new("s", &header, None, seed);
            [["NK", "5"], ["CR", "4"]]
                .iter()
                .map(|r| c.next(&cells(r)))
                .collect()
        };
        let (plain, one, other) = (ids(""), ids("week2"), ids("week3"));
        assert!(one
            .iter()
            .all(|id| !plain.contains(id) && !other.contains(id)));
        assert_eq!(one, ids("week2"));
        let legacy = &plain[0];
        assert_eq!(&seeded("", legacy), legacy);
        assert_eq!(seeded("week2", legacy), one[0]);
    }

    #[test]
    fn the_reasons_column_does_not_change_the_ids() {
        let plain =
            ContentIds::new("s", &cells(&["unit", "E1.1"]), None, "").next(&cells(&["NK", "5"]));
        let with_reasons = ContentIds::new("s", &cells(&["unit", "E1.1", "loi"]), Some(2), "")
            .next(&cells(&["NK", "5", "E1.1: 9 is not a value"]));
        assert_eq!(plain, with_reasons);
    }

    #[test]
    fn a_problem_reads_as_file_row_column_value_reason() {
        let e = RowError {
            row: 4,
            column: "E1.1".into(),
            value: "9".into(),
            reason: "not a value of the scale".into(),
        };
        assert_eq!(
            e.line("phieu.csv"),
            "phieu.csv:4: column E1.1, value \"9\": not a value of the scale"
        );
    }
}
