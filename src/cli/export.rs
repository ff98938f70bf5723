//! `chiso export --survey ID --period YEAR [--unit CODE] --format csv|xlsx [--out FILE]`: one
//! row per form, to standard output or to a file.

use super::{out, CliError};
use chiso::features::export::service::{self as export, ExportError, ExportRequest, Format};
use chiso::state::AppState;
use clap::{Args, ValueEnum};
use std::io::Write;
use std::path::PathBuf;

#[derive(Args)]
pub(super) struct ExportArgs {
    #[arg(long)]
    survey: String,
    /// The year
    #[arg(long)]
    period: String,
    /// Only this unit and the units below it
    #[arg(long)]
    unit: Option<String>,
    #[arg(long, value_enum, default_value_t = FormatArg::Csv)]
    format: FormatArg,
    /// Write to this file (replaced only once the export is complete) instead of standard output
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    Csv,
    Xlsx,
}

pub(super) fn run(state: &AppState, args: &ExportArgs) -> Result<(), CliError> {
    let request = ExportRequest {
        survey: args.survey.clone(),
        period: export::parse_period(&args.period).map_err(|e| refused(e.into()))?,
        unit: args.unit.clone(),
        format: match args.format {
            FormatArg::Csv => Format::Csv,
            FormatArg::Xlsx => Format::Xlsx,
        },
    };
    let plan = export::plan(state, request, None).map_err(refused)?;
    match &args.out {
        Some(path) => {
            // Written beside the target and moved over it at the end: a failed export leaves
            // no half file behind.
            let dir = path
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(std::path::Path::new("."));
            let tmp = tempfile::NamedTempFile::new_in(dir)
                .map_err(|e| CliError::Refused(format!("{}: {e}", dir.display())))?;
            let file = std::io::BufWriter::new(tmp);
            let (n, file) = export::export_blocking(state, &plan, file).map_err(refused)?;
            let tmp = file
                .into_inner()
                .map_err(|e| CliError::Io(e.into_error()))?;
            tmp.persist(path)
                .map_err(|e| CliError::Refused(format!("{}: {}", path.display(), e.error)))?;
            out!("{n} forms exported to {}", path.display());
        }
        None => {
            let stdout = std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout());
            match export::export_blocking(state, &plan, stdout) {
                Ok((_, mut w)) => match w.flush() {
                    Ok(()) => {}
                    // A reader that stopped early (`chiso export … | head`) is not an error.
                    Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
                    Err(e) => return Err(e.into()),
                },
                Err(ExportError::Write(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
                Err(e) => return Err(refused(e)),
            }
        }
    }
    Ok(())
}

fn refused(e: ExportError) -> CliError {
    CliError::Refused(e.to_string())
}
