//! The command line: `chiso [serve]`, `check`, `user`, `token`, `kiosk`, `import`, `export`,
//! `score`, `recount`, `bench`. One function per subcommand; each returns a [`CliError`].

mod admin;
mod campaign;
mod check;
mod codes;
mod export;
mod import;
mod recount;
mod score;
mod serve;

use chiso::config::{self, Settings};
use chiso::db::auth::Role;
use chiso::db::DbError;
use chiso::features::import::service::ImportError;
use chiso::features::results::service::ReportError;
use chiso::startup::{self, StartError};
use chiso::state::AppState;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Prints a line; a reader that went away (`chiso score | head`) is not an error worth a panic.
macro_rules! out {
    ($($t:tt)*) => {{
        use std::io::Write;
        let _ = writeln!(std::io::stdout(), $($t)*);
    }};
}
pub(crate) use out;

#[derive(Parser)]
#[command(
    name = "chiso",
    version,
    about = "Survey collection and scoring for SIPAS, PAR INDEX and PAPI-aligned surveys"
)]
pub struct Cli {
    #[command(flatten)]
    common: Common,
    /// `chiso --bind …` with no subcommand serves, as `chiso serve --bind …` does.
    #[command(flatten)]
    serve: ServeArgs,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Args, Clone)]
struct Common {
    /// Database URL: sqlite://FILE (default) or postgres://…
    #[arg(long, global = true, env = "DATABASE_URL", default_value = config::DEFAULT_DATABASE_URL)]
    database: String,
    /// Directory of survey definitions and units.toml
    #[arg(long, global = true, env = "CHISO_SURVEYS", default_value = config::DEFAULT_SURVEYS_DIR)]
    surveys: PathBuf,
    /// Address citizens, officials and tablets reach the server at (kiosk URLs, links,
    /// codes); default http:// and the bind address
    #[arg(long, global = true, env = "CHISO_PUBLIC_URL")]
    public_url: Option<String>,
    /// Fewest answers any breakdown cell (a unit, some days, a group, a field, a channel) may
    /// rest on in pages, API and exports
    #[arg(long, global = true, env = "CHISO_MIN_CELL", default_value_t = chiso::scoring::MIN_CELL,
          value_parser = clap::value_parser!(i64).range(1..))]
    min_cell: i64,
    /// Hours after closing during which an admin may reopen a campaign (its answers stay
    /// sealed until then); 0: closing is final at once. At most a year: a larger one would
    /// overflow the dates worked out from it
    #[arg(long, global = true, env = "CHISO_CAMPAIGN_GRACE_HOURS", default_value_t = config::DEFAULT_CAMPAIGN_GRACE_HOURS,
          value_parser = clap::value_parser!(u32).range(0..=24 * 366))]
    campaign_grace_hours: u32,
    /// Where the server listens (read here for the default public address)
    #[arg(skip)]
    bind: String,
}

#[derive(Args, Clone)]
struct ServeArgs {
    /// Address to listen on
    #[arg(long, env = "CHISO_BIND", default_value = config::DEFAULT_BIND)]
    bind: String,
    /// Seconds a kiosk waits between two accepted submissions
    #[arg(long, env = "CHISO_KIOSK_INTERVAL", default_value_t = config::DEFAULT_KIOSK_INTERVAL_SECS)]
    kiosk_interval: u64,
    /// Hours an answer a kiosk kept while offline may wait (from its form's issue) and still
    /// be taken
    #[arg(long, env = "CHISO_KIOSK_OFFLINE_HOURS", default_value_t = config::DEFAULT_KIOSK_OFFLINE_HOURS,
          value_parser = clap::value_parser!(i64).range(1..=24 * 30))]
    kiosk_offline_hours: i64,
    /// Days after a period's year during which its (paper) forms are still accepted (at most
    /// ten years)
    #[arg(long, env = "CHISO_SURVEY_WINDOW", default_value_t = config::DEFAULT_SURVEY_WINDOW_DAYS,
          value_parser = clap::value_parser!(u32).range(0..=3_660))]
    survey_window: u32,
    /// Hours a sign-in lasts at most, however busy the session (1 to a year's)
    #[arg(long, env = "CHISO_SESSION_HOURS", default_value_t = config::DEFAULT_SESSION_HOURS,
          value_parser = clap::value_parser!(i64).range(1..=24 * 366))]
    session_hours: i64,
    /// Minutes without a request after which a session ends (1 to a month's)
    #[arg(long, env = "CHISO_SESSION_IDLE_MINUTES", default_value_t = config::DEFAULT_SESSION_IDLE_MINUTES,
          value_parser = clap::value_parser!(i64).range(1..=60 * 24 * 31))]
    session_idle_minutes: i64,
    /// Take the client's address from X-Forwarded-For (only behind a reverse proxy that sets
    /// it): sign-in limits count tries per client address
    #[arg(long, env = "CHISO_BEHIND_PROXY", default_value_t = false)]
    behind_proxy: bool,
    /// Fewest answers a cell of the public page (/public) may rest on
    #[arg(long, env = "CHISO_PUBLIC_MIN_N", default_value_t = config::DEFAULT_PUBLIC_MIN_N)]
    public_min_n: i64,
    /// Requests per minute one client address may make to the public routes and the API
    /// (0: no limit)
    #[arg(long, env = "CHISO_LIMIT_PER_ADDRESS", default_value_t = config::DEFAULT_LIMIT_PER_ADDRESS)]
    limit_per_address: u32,
    /// Requests per minute one valid API token may make, from any address (0: no limit)
    #[arg(long, env = "CHISO_LIMIT_PER_TOKEN", default_value_t = config::DEFAULT_LIMIT_PER_TOKEN)]
    limit_per_token: u32,
    /// Requests per minute to one kiosk (0: no limit)
    #[arg(long, env = "CHISO_LIMIT_PER_KIOSK", default_value_t = config::DEFAULT_LIMIT_PER_KIOSK)]
    limit_per_kiosk: u32,
    /// Requests per minute to one slip code or one-time link (0: no limit)
    #[arg(long, env = "CHISO_LIMIT_PER_CODE", default_value_t = config::DEFAULT_LIMIT_PER_CODE)]
    limit_per_code: u32,
    /// Most forms one sync batch (POST /api/v1/responses/batch) may carry
    #[arg(long, env = "CHISO_BATCH_MAX_FORMS", default_value_t = config::DEFAULT_BATCH_MAX_FORMS,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=100_000))]
    batch_max_forms: usize,
    /// Seconds a request body may take to arrive
    #[arg(long, env = "CHISO_BODY_TIMEOUT", default_value_t = config::DEFAULT_BODY_TIMEOUT_SECS)]
    body_timeout: u64,
    /// Cookies sent over https only (default: when the public URL is https)
    #[arg(long, env = "CHISO_SECURE_COOKIES")]
    secure_cookies: Option<bool>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server (the default)
    Serve(ServeArgs),
    /// Validate survey definitions and units
    Check { dir: Option<PathBuf> },
    /// Manage users
    User {
        #[command(subcommand)]
        action: admin::UserAction,
    },
    /// Manage API bearer tokens
    Token {
        #[command(subcommand)]
        action: admin::TokenAction,
    },
    /// Manage kiosks (tablets at one-stop counters)
    Kiosk {
        #[command(subcommand)]
        action: admin::KioskAction,
    },
    /// Read the audit log, newest first: who changed what and when
    Audit(admin::AuditArgs),
    /// Campaigns: a survey answered by a list of people through one-time links
    Campaign {
        #[command(subcommand)]
        action: campaign::CampaignAction,
    },
    /// One-time codes for appointment slips (citizens answer online at /o)
    Codes {
        #[command(subcommand)]
        action: codes::CodesAction,
    },
    /// Import paper forms keyed into a CSV file (one row per form, columns = item codes)
    Import(import::ImportArgs),
    /// Export the forms of a survey's period as CSV or XLSX (one row per form)
    Export(export::ExportArgs),
    /// Rebuild the running counts from the stored answers and report any difference
    Recount {
        /// Replace the running counts with the rebuilt ones when they differ
        #[arg(long)]
        fix: bool,
    },
    /// Measure ingest and scoring speed (see docs/benchmarks.md)
    Bench(crate::bench::BenchArgs),
    /// Print scores from the database
    Score(score::ScoreArgs),
}

/// Why a command failed; printed as `error: …` with exit code 1.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Start(#[from] StartError),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Import(#[from] ImportError),
    #[error(transparent)]
    Report(#[from] ReportError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// An argument names something that does not exist, or the command found a problem.
    #[error("{0}")]
    Refused(String),
    /// Already reported on standard error.
    #[error("")]
    Reported,
}

/// A role named on the command line: one of the four, listed in `--help`.
pub(crate) fn role_arg() -> impl clap::builder::TypedValueParser<Value = Role> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(["admin", "supervisor", "surveyor", "viewer"])
        // The parser has let through only the four names, each a role.
        .map(|name| name.parse::<Role>().unwrap_or(Role::Viewer))
}

pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let mut common = cli.common;
    common.bind = match &cli.command {
        Some(Command::Serve(args)) => args.bind.clone(),
        _ => cli.serve.bind.clone(),
    };
    let result = match cli.command {
        None => serve::run(&common, cli.serve),
        Some(Command::Serve(args)) => serve::run(&common, args),
        Some(Command::Check { dir }) => check::run(dir.as_deref().unwrap_or(&common.surveys)),
        // The benchmark makes a database of its own.
        Some(Command::Bench(args)) => {
            crate::bench::run(&common.surveys, &args).map_err(CliError::Refused)
        }
        Some(Command::User { action }) => with_state(&common, |s| admin::user(s, action)),
        Some(Command::Token { action }) => with_state(&common, |s| admin::token(s, action)),
        Some(Command::Kiosk { action }) => with_state(&common, |s| admin::kiosk(s, action)),
        Some(Command::Audit(args)) => with_state(&common, |s| admin::audit(s, &args)),
        Some(Command::Campaign { action }) => with_state(&common, |s| campaign::run(s, action)),
        Some(Command::Codes { action }) => with_state(&common, |s| codes::run(s, action)),
        Some(Command::Import(args)) => with_state(&common, |s| import::run(s, &args)),
        Some(Command::Export(args)) => with_state(&common, |s| export::run(s, &args)),
        Some(Command::Score(args)) => with_state(&common, |s| score::run(s, &args)),
        Some(Command::Recount { fix }) => with_state(&common, |s| recount::run(s, fix)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(CliError::Reported) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn settings(common: &Common) -> Settings {
    Settings {
        database_url: common.database.clone(),
        surveys_dir: common.surveys.clone(),
        admin_password: std::env::var("CHISO_ADMIN_PASSWORD")
            .ok()
            .filter(|p| !p.is_empty()),
        public_url: match &common.public_url {
            Some(u) if !u.trim().is_empty() => u.trim().trim_end_matches('/').to_string(),
            _ => config::default_public_url(&common.bind),
        },
        min_cell: common.min_cell,
        campaign_grace_hours: common.campaign_grace_hours,
        ..Settings::default()
    }
}

/// Opens the database (creating it as the server would), runs one command, and closes
/// everything on this thread before the process exits.
/// The address to print links on: `--base-url` when given, else the public address.
fn public_url<'a>(state: &'a AppState, base_url: Option<&'a str>) -> &'a str {
    match base_url.map(str::trim) {
        Some(b) if !b.is_empty() => b.trim_end_matches('/'),
        _ => &state.settings.public_url,
    }
}

fn with_state(
    common: &Common,
    command: impl FnOnce(&AppState) -> Result<(), CliError>,
) -> Result<(), CliError> {
    let prepared = startup::prepare(settings(common))?;
    if let Some(p) = &prepared.generated_admin_password {
        out!("Created user 'admin' with password: {p}");
    }
    let state = prepared.state;
    let result = command(&state);
    state.close();
    result
}
