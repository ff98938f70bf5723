//! `chiso import FILE --survey ID`: paper forms keyed into a CSV or XLSX file, all or nothing
//! (or, with `--skip-invalid`, the good rows, the others written to a file to correct).

use super::{out, CliError};
use chiso::features::import::service::{
    import_file, Entry, Forms, ImportError, ImportOptions, Progress,
};
use chiso::state::AppState;
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::path::PathBuf;

#[derive(Args)]
pub(super) struct ImportArgs {
    /// A CSV file (UTF-8, with or without BOM) or an XLSX workbook (its first sheet)
    file: PathBuf,
    #[arg(long)]
    survey: String,
    /// Unit for rows without a `unit` column
    #[arg(long)]
    unit: Option<String>,
    /// Year for rows without a `period` column
    #[arg(long)]
    period: Option<i32>,
    #[arg(long, value_enum, default_value_t = Channel::Paper)]
    channel: Channel,
    /// Store the good rows and write the others to the rejects file, instead of storing nothing
    #[arg(long)]
    skip_invalid: bool,
    /// Where rejected rows go with --skip-invalid [default: FILE.rejected.csv]
    #[arg(long, value_name = "FILE")]
    rejects: Option<PathBuf>,
    /// Enter the forms as keyed once into this batch (by their `serial`), to be keyed again,
    /// blind, on the keying screen; without it they enter verified
    #[arg(long, value_name = "BATCH_ID")]
    keyed_once_into: Option<String>,
    /// The file begins like an earlier import and holds the same forms: rows matching that
    /// import's are already present
    #[arg(long, conflicts_with = "new_forms")]
    same_forms: bool,
    /// The file begins like an earlier import but holds new forms: every row is stored
    #[arg(long)]
    new_forms: bool,
}

/// How the imported forms were collected.
#[derive(Clone, Copy, ValueEnum)]
enum Channel {
    Paper,
    Online,
    Invitation,
    Api,
    Kiosk,
}

impl Channel {
    fn as_str(self) -> &'static str {
        match self {
            Channel::Paper => "paper",
            Channel::Online => "online",
            Channel::Invitation => "invitation",
            Channel::Api => "api",
            Channel::Kiosk => "kiosk",
        }
    }
}

/// Files from this size on show a progress bar (on a terminal only).
const LARGE: u64 = 1 << 20;

/// A progress bar on standard error.
struct Bar(ProgressBar);

impl Progress for Bar {
    fn begin(&self, pass: &'static str) {
        self.0.reset();
        self.0.set_message(pass);
    }

    fn at(&self, done: u64, total: u64) {
        self.0.set_length(total);
        self.0.set_position(done);
    }

    fn end(&self) {
        self.0.set_position(self.0.length().unwrap_or(0));
    }
}

pub(super) fn run(state: &AppState, args: &ImportArgs) -> Result<(), CliError> {
    let source = args.file.display().to_string();
    let size = std::fs::metadata(&args.file)
        .map_err(|e| CliError::Refused(format!("{source}: {e}")))?
        .len();
    let rejects = args.skip_invalid.then(|| {
        args.rejects.clone().unwrap_or_else(|| {
            let mut name = args.file.as_os_str().to_owned();
            name.push(".rejected.csv");
            PathBuf::from(name)
        })
    });
    let opts = ImportOptions {
        survey: args.survey.clone(),
        unit: args.unit.clone(),
        period: args.period,
        channel: args.channel.as_str().into(),
        skip_invalid: args.skip_invalid,
        rejects,
        scope: None,
        entry: match &args.keyed_once_into {
            Some(batch) => Entry::KeyedOnce {
                batch: batch.clone(),
                by: "chiso import".into(),
            },
            None => Entry::Verified,
        },
        forms: match (args.same_forms, args.new_forms) {
            (true, _) => Forms::Same,
            (_, true) => Forms::New,
            _ => Forms::Ask,
        },
    };
    let bar = (std::io::stderr().is_terminal() && size >= LARGE).then(|| {
        let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
        if let Ok(style) =
            ProgressStyle::with_template("{msg:>9} [{bar:40}] {percent:>3}% {elapsed} (ETA {eta})")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        Bar(bar)
    });
    let quiet = chiso::features::import::service::Quiet;
    let progress: &dyn Progress = match &bar {
        Some(b) => b,
        None => &quiet,
    };
    let result = import_file(state, &args.file, &source, &opts, progress);
    if let Some(b) = &bar {
        b.0.finish_and_clear();
    }
    let report = match result {
        Ok(r) => r,
        Err(ImportError::Invalid(report)) => {
            eprintln!(
                "error: nothing imported; {} problem(s):",
                report.error_count
            );
            for line in report.problem_lines() {
                eprintln!("{line}");
            }
            return Err(CliError::Reported);
        }
        Err(e) => return Err(e.into()),
    };
    for line in report.problem_lines() {
        eprintln!("{line}");
    }
    out!(
        "imported {} forms ({} already present)",
        report.created,
        report.existing
    );
    if report.rejected > 0 {
        let to = report
            .rejects
            .as_ref()
            .map_or(String::new(), |p| format!(", written to {}", p.display()));
        out!(
            "rejected {} rows{to}: correct them there and import that file",
            report.rejected
        );
    }
    Ok(())
}
