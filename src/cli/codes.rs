//! `chiso codes`: one-time codes for appointment slips, each admitting one online answer.

use super::{out, CliError};
use chiso::features::codes::service::{self as app, CodeError, DEFAULT_DAYS};
use chiso::state::AppState;
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
        /// Address to print instead of the public address (--public-url)
        #[arg(long)]
        base_url: Option<String>,
    },
}

impl From<CodeError> for CliError {
    fn from(e: CodeError) -> Self {
        match e {
            CodeError::Db(e) => CliError::Db(e),
            CodeError::Invalid(f) => CliError::Refused(f.to_string()),
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
            let base = super::public_url(state, base_url.as_deref());
            out!("code,url");
            for c in &codes {
                out!("{c},{base}/o/{c}");
            }
            Ok(())
        }
    }
}
