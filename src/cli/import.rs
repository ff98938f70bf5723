//! `chiso import FILE.csv --survey ID`: keyed paper forms, all or nothing.

use super::{out, CliError};
use crate::app::import::{import_csv, ImportOptions};
use crate::state::AppState;
use clap::{Args, ValueEnum};
use std::path::PathBuf;

#[derive(Args)]
pub(super) struct ImportArgs {
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

pub(super) fn run(state: &AppState, args: &ImportArgs) -> Result<(), CliError> {
    let bytes = std::fs::read(&args.file)
        .map_err(|e| CliError::Refused(format!("{}: {e}", args.file.display())))?;
    let opts = ImportOptions {
        survey: args.survey.clone(),
        unit: args.unit.clone(),
        period: args.period,
        channel: args.channel.as_str().into(),
    };
    let report = import_csv(state, &args.file.display().to_string(), &bytes, &opts)?;
    out!(
        "imported {} forms ({} already present)",
        report.created,
        report.existing
    );
    Ok(())
}
