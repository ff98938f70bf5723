//! `chiso codes`: one-time codes for appointment slips, each admitting one online answer.

use super::{out, CliError};
use crate::app::codes::{self as app, CodeError, DEFAULT_DAYS};
use crate::config;
use crate::state::AppState;
use clap::Subcommand;

#[derive(Subcommand)]
pub(super) enum CodesAction {
    /// Make codes for a unit's counter form and print them as CSV: code,url (only their
    /// hashes are kept)
    Issue {
        #[arg(long)]
        unit: String,
        #[arg(long)]
        survey: String,
        #[arg(long)]
        count: u32,
        /// Days the codes are accepted, from today
        #[arg(long, default_value_t = DEFAULT_DAYS)]
        days: u32,
        /// Address citizens reach the server at
        #[arg(long, env = "CHISO_PUBLIC_URL", default_value = config::DEFAULT_PUBLIC_URL)]
        base_url: String,
    },
}

impl From<CodeError> for CliError {
    fn from(e: CodeError) -> Self {
        match e {
            CodeError::Db(e) => CliError::Db(e),
            CodeError::Invalid(f) => CliError::Refused(format!("{}: {}", f.field, f.message)),
            other => CliError::Refused(other.to_string()),
        }
    }
}

pub(super) fn run(state: &AppState, action: CodesAction) -> Result<(), CliError> {
    match action {
        CodesAction::Issue {
            unit,
            survey,
            count,
            days,
            base_url,
        } => {
            let (codes, _) = app::issue(state, "cli", &unit, &survey, count, days)?;
            let base = base_url.trim_end_matches('/');
            out!("code,url");
            for c in &codes {
                out!("{c},{base}/o/{c}");
            }
            Ok(())
        }
    }
}
