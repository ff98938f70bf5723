//! The whole export written to an output: on a connection, on a pooled one, or on a thread of
//! its own that hands the file over chunk by chunk as it is written.

use super::csv_file::CsvWriter;
use super::plan::{ExportError, ExportPlan, Format};
use super::rows::{columns, each_row};
use super::xlsx_file::{labels, XlsxWriter, XLSX_MAX_FORMS};
use crate::db::export;
use crate::db::{AnyConnection, DbError};
use crate::state::AppState;
use crate::survey::{FieldError, UnitTree};
use std::io::Write;

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
