//! The command line: `chiso [serve]`, `check`, `user`, `token`, `kiosk`, `import`, `score`.

use crate::config::Settings;
use crate::db::{self, audit, auth, kiosks, DbError};
use crate::ingest::{self, Checked, IngestError, Provenance};
use crate::report::{self, ReportError, ScoreQuery};
use crate::scoring::NodeScore;
use crate::startup::{self, AppState};
use crate::survey::{self, RawSubmission, UNITS_FILE};
use clap::{Args, Parser, Subcommand};
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Prints a line; a reader that went away (`chiso score | head`) is not an error worth a panic.
macro_rules! out {
    ($($t:tt)*) => {{
        use std::io::Write;
        let _ = writeln!(std::io::stdout(), $($t)*);
    }};
}

#[derive(Parser)]
#[command(
    name = "chiso",
    version,
    about = "Survey collection and scoring for SIPAS, PAR INDEX and PAPI-aligned surveys"
)]
pub struct Cli {
    #[command(flatten)]
    common: Common,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Args, Clone)]
struct Common {
    /// Database URL: sqlite://FILE (default) or postgres://…
    #[arg(
        long,
        global = true,
        env = "DATABASE_URL",
        default_value = "sqlite://chiso.db"
    )]
    database: String,
    /// Directory of survey definitions and units.toml
    #[arg(long, global = true, env = "CHISO_SURVEYS", default_value = "surveys")]
    surveys: PathBuf,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server (the default)
    Serve {
        #[arg(long, env = "CHISO_BIND", default_value = "127.0.0.1:8080")]
        bind: String,
        /// Seconds a kiosk waits between two accepted submissions
        #[arg(long, env = "CHISO_KIOSK_INTERVAL", default_value_t = 5)]
        kiosk_interval: u64,
    },
    /// Validate survey definitions and units
    Check { dir: Option<PathBuf> },
    /// Manage users
    User {
        #[command(subcommand)]
        action: UserAction,
    },
    /// Manage API bearer tokens
    Token {
        #[command(subcommand)]
        action: TokenAction,
    },
    /// Manage kiosks (tablets at one-stop counters)
    Kiosk {
        #[command(subcommand)]
        action: KioskAction,
    },
    /// Import paper forms keyed into a CSV file (one row per form, columns = item codes)
    Import {
        file: PathBuf,
        #[arg(long)]
        survey: String,
        /// Unit for rows without a `unit` column
        #[arg(long)]
        unit: Option<String>,
        /// Year for rows without a `period` column
        #[arg(long)]
        period: Option<i32>,
        #[arg(long, default_value = "paper")]
        channel: String,
    },
    /// Rebuild the running counts from the stored answers and report any difference
    Recount {
        /// Replace the running counts with the rebuilt ones when they differ
        #[arg(long)]
        fix: bool,
    },
    /// Measure ingest and scoring speed (see the README)
    Bench(crate::bench::BenchArgs),
    /// Print scores from the database
    Score {
        #[arg(long)]
        survey: String,
        #[arg(long)]
        period: i32,
        #[arg(long)]
        unit: Option<String>,
        #[arg(long)]
        from: Option<String>,
        #[arg(long)]
        to: Option<String>,
        #[arg(long, default_value = "table")]
        format: String,
    },
}

#[derive(Subcommand)]
enum UserAction {
    /// Add a user; the password comes from CHISO_USER_PASSWORD or is generated and printed
    Add {
        name: String,
        #[arg(long)]
        role: String,
        #[arg(long)]
        unit: Option<String>,
    },
}

#[derive(Subcommand)]
enum TokenAction {
    /// Create a bearer token and print it (only its hash is kept)
    Create {
        #[arg(long)]
        role: String,
        #[arg(long, default_value = "api")]
        label: String,
    },
    /// List API tokens (id, role, label, created, status; never the tokens)
    List,
    /// Revoke an API token by id or by the token itself; servers stop accepting it within
    /// 30 seconds
    Revoke { id: String },
}

#[derive(Subcommand)]
enum KioskAction {
    /// Register a kiosk and print its URL
    Add {
        #[arg(long)]
        unit: String,
        #[arg(long)]
        survey: String,
        #[arg(long, default_value = "")]
        label: String,
        /// Address the tablets reach the server at
        #[arg(
            long,
            env = "CHISO_PUBLIC_URL",
            default_value = "http://127.0.0.1:8080"
        )]
        base_url: String,
    },
    /// Revoke a kiosk by id or token
    Revoke { id: String },
    /// List kiosks
    List,
}

pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        None => serve(&cli.common, "127.0.0.1:8080".into(), 5),
        Some(Command::Serve {
            bind,
            kiosk_interval,
        }) => serve(&cli.common, bind, kiosk_interval),
        Some(Command::Check { dir }) => {
            return check(dir.as_deref().unwrap_or(&cli.common.surveys))
        }
        // The benchmark makes a database of its own.
        Some(Command::Bench(args)) => crate::bench::run(&cli.common.surveys, &args),
        Some(other) => with_db(&cli.common, other),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
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
        ..Settings::default()
    }
}

fn serve(common: &Common, bind: String, kiosk_interval: u64) -> Result<(), String> {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let settings = Settings {
        bind,
        kiosk_min_interval_secs: kiosk_interval,
        ..settings(common)
    };
    let prepared = startup::prepare(settings).map_err(|e| e.to_string())?;
    if let Some(p) = &prepared.generated_admin_password {
        out!("Created user 'admin' with password: {p}");
        out!("(shown once; set CHISO_ADMIN_PASSWORD before the first start to choose it)");
    }
    actix_web::rt::System::new()
        .block_on(startup::serve(prepared))
        .map_err(|e| e.to_string())
}

fn check(dir: &Path) -> ExitCode {
    match startup::load_definitions(dir) {
        Ok(defs) => {
            for s in defs.catalog.surveys.values() {
                out!(
                    "{}: {} ({}), {} items, {} background questions, {} index nodes, version {}",
                    s.file,
                    s.id,
                    s.instrument,
                    s.items().count(),
                    s.background.len(),
                    s.index.len(),
                    s.version
                );
            }
            out!(
                "{}: {} units",
                dir.join(UNITS_FILE).display(),
                defs.units.units.len()
            );
            for t in &defs.trees {
                out!("{}: {} ({} criteria)", t.file, t.id, t.criteria.len());
            }
            ExitCode::SUCCESS
        }
        Err(errors) => {
            for e in errors {
                eprintln!("{e}");
            }
            ExitCode::FAILURE
        }
    }
}

fn with_db(common: &Common, cmd: Command) -> Result<(), String> {
    let prepared = startup::prepare(settings(common)).map_err(|e| e.to_string())?;
    if let Some(p) = &prepared.generated_admin_password {
        out!("Created user 'admin' with password: {p}");
    }
    let state = prepared.state;
    let result = command(&state, cmd);
    state.close();
    result
}

fn command(state: &AppState, cmd: Command) -> Result<(), String> {
    let mut conn = state.pool.get().map_err(|e| DbError::from(e).to_string())?;
    let e = |e: DbError| e.to_string();
    match cmd {
        Command::User {
            action: UserAction::Add { name, role, unit },
        } => {
            let role: auth::Role = role.parse()?;
            if let Some(u) = &unit {
                state.units.get(u).ok_or(format!("unknown unit '{u}'"))?;
            }
            let (password, generated) = match std::env::var("CHISO_USER_PASSWORD") {
                Ok(p) if !p.is_empty() => (p, false),
                _ => (auth::new_secret()[..20].to_string(), true),
            };
            auth::add_user(&mut conn, &name, &password, role, unit.as_deref()).map_err(e)?;
            audit::record(&mut conn, "cli", "user.add", &format!("{name} {role}")).map_err(e)?;
            out!("Added user '{name}' ({role})");
            if generated {
                out!("Password: {password}");
            }
        }
        Command::Token { action } => match action {
            TokenAction::Create { role, label } => {
                let role: auth::Role = role.parse()?;
                let token = auth::create_token(&mut conn, role, &label).map_err(e)?;
                audit::record(&mut conn, "cli", "token.create", &format!("{role} {label}"))
                    .map_err(e)?;
                out!("{token}");
            }
            TokenAction::List => {
                for t in auth::list_tokens(&mut conn).map_err(e)? {
                    let status = match &t.revoked_at {
                        Some(at) => format!("revoked {at}"),
                        None => "active".into(),
                    };
                    out!(
                        "{}\t{}\t{}\t{}\t{status}",
                        t.id,
                        t.role,
                        t.label,
                        t.created_at
                    );
                }
            }
            TokenAction::Revoke { id } => {
                let found = auth::revoke_token(&mut conn, &id).map_err(e)?;
                revoked(&mut conn, found, "API token", "token.revoke", &id)?;
            }
        },
        Command::Kiosk { action } => match action {
            KioskAction::Add {
                unit,
                survey,
                label,
                base_url,
            } => {
                state
                    .units
                    .get(&unit)
                    .ok_or(format!("unknown unit '{unit}'"))?;
                state
                    .catalog
                    .get(&survey)
                    .ok_or(format!("unknown survey '{survey}'"))?;
                let (kiosk, token) = kiosks::add(&mut conn, &unit, &survey, &label).map_err(e)?;
                let detail = format!("{} {unit} {survey}", kiosk.id);
                audit::record(&mut conn, "cli", "kiosk.add", &detail).map_err(e)?;
                out!("{}/k/{token}", base_url.trim_end_matches('/'));
                eprintln!("kiosk {} for {unit}, survey {survey}", kiosk.id);
            }
            KioskAction::Revoke { id } => {
                let found = kiosks::revoke(&mut conn, &id).map_err(e)?;
                revoked(&mut conn, found, "kiosk", "kiosk.revoke", &id)?;
            }
            KioskAction::List => {
                for (k, active) in kiosks::list(&mut conn).map_err(e)? {
                    let status = if active { "active" } else { "revoked" };
                    out!("{}\t{}\t{}\t{}\t{status}", k.id, k.unit, k.survey, k.label);
                }
            }
        },
        Command::Import {
            file,
            survey,
            unit,
            period,
            channel,
        } => {
            let catalog_survey = state
                .catalog
                .get(&survey)
                .ok_or(format!("unknown survey '{survey}'"))?;
            let rows = read_csv(&file, catalog_survey, unit.as_deref(), period, &channel)?;
            // All or nothing: every row is checked before any is stored.
            let mut errors = Vec::new();
            for (line, raw) in &rows {
                if let Err(err) = survey::validate(catalog_survey, raw) {
                    errors.push(format!("{}:{line}: {err}", file.display()));
                }
            }
            if !errors.is_empty() {
                return Err(format!("nothing imported:\n{}", errors.join("\n")));
            }
            // Through the writer, as the server stores: a few commits for the whole file.
            let mut acks = Vec::new();
            let (mut created, mut existing) = (0, 0);
            for (line, raw) in &rows {
                match ingest::check(
                    &mut conn,
                    &state.catalog,
                    &state.layouts,
                    &state.units,
                    raw,
                    &Provenance::default(),
                ) {
                    Ok(Checked::Already(_)) => existing += 1,
                    Ok(Checked::Pending(p)) => {
                        let ack = state
                            .writer
                            .submit_blocking(*p)
                            .map_err(|_| "the writer stopped".to_string())?;
                        acks.push(ack);
                    }
                    Err(IngestError::Invalid(err)) => {
                        return Err(format!("{}:{line}: {err}", file.display()))
                    }
                    Err(IngestError::Db(err)) => return Err(err.to_string()),
                }
            }
            for ack in acks {
                match ack.blocking_recv() {
                    Ok(Ok(db::responses::Stored::Created(_))) => created += 1,
                    Ok(Ok(db::responses::Stored::Existing(_))) => existing += 1,
                    Ok(Err(err)) => return Err(err.to_string()),
                    Err(_) => return Err("the writer stopped".into()),
                }
            }
            out!("imported {created} forms ({existing} already present)");
        }
        Command::Score {
            survey,
            period,
            unit,
            from,
            to,
            format,
        } => {
            let q = ScoreQuery {
                survey,
                period,
                unit,
                from,
                to,
            };
            let scores = match report::scores(&mut conn, &state.catalog, &state.units, &q) {
                Ok(s) => s,
                Err(ReportError::Invalid(err)) => return Err(err.to_string()),
                Err(ReportError::Db(err)) => return Err(err.to_string()),
            };
            match format.as_str() {
                "json" => out!(
                    "{}",
                    serde_json::to_string_pretty(&scores).map_err(|e| e.to_string())?
                ),
                "table" => {
                    out!("{} — {} responses", scores.survey, scores.responses);
                    if let Some(label) = &scores.label {
                        out!("{label}");
                    }
                    out!(
                        "{:<8} {:>8} {:>17} {:>7} {:>8} {:>8} {:>9}  name",
                        "code",
                        "value",
                        "95% CI",
                        "n",
                        "2022",
                        "delta",
                        "points"
                    );
                    for n in &scores.nodes {
                        print_rows(n, 0);
                    }
                }
                other => return Err(format!("unknown format '{other}' (json or table)")),
            }
        }
        Command::Recount { fix } => {
            let started = std::time::Instant::now();
            let r = db::recount::recount_all(&state.pool, &state.layouts, fix).map_err(e)?;
            out!(
                "recounted {} responses in {} slices in {:.2} s",
                r.responses,
                r.slices,
                started.elapsed().as_secs_f64()
            );
            for d in &r.differences {
                out!("difference: {d}");
            }
            if r.differences.is_empty() {
                out!("running counts agree with the answers");
            } else if r.fixed {
                out!("running counts replaced by the recount");
            } else {
                return Err(format!(
                    "{} slices differ (run with --fix to rebuild them)",
                    r.differences.len()
                ));
            }
        }
        Command::Serve { .. } | Command::Check { .. } | Command::Bench(_) => {}
    }
    Ok(())
}

/// Reports a revocation by id or token and records it; the argument may be the token itself,
/// so only a prefix goes to the audit log.
fn revoked(
    conn: &mut db::AnyConnection,
    found: bool,
    what: &str,
    action: &str,
    id: &str,
) -> Result<(), String> {
    if !found {
        return Err(format!("no active {what} '{id}'"));
    }
    let shown: String = id.chars().take(8).collect();
    audit::record(conn, "cli", action, &shown).map_err(|e| e.to_string())?;
    out!("revoked");
    Ok(())
}

fn print_rows(n: &NodeScore, depth: usize) {
    let f = |v: Option<f64>| v.map(|v| format!("{v:.2}")).unwrap_or_else(|| "-".into());
    let ci = match (n.ci_low, n.ci_high) {
        (Some(l), Some(h)) => format!("{l:.2}–{h:.2}"),
        _ => "-".into(),
    };
    let sig = match n.significant {
        Some(true) => "*",
        _ => " ",
    };
    out!(
        "{:<8} {:>8} {:>17} {:>7} {:>8} {:>7}{sig} {:>9}  {}{}",
        n.code,
        f(n.value),
        ci,
        n.n,
        f(n.baseline),
        f(n.delta),
        n.points.as_deref().unwrap_or(""),
        "  ".repeat(depth),
        n.name.chars().take(60).collect::<String>()
    );
    for c in &n.children {
        print_rows(c, depth + 1);
    }
}

/// Reads a keyed CSV: reserved columns (unit, period, date, group, submission_id), background
/// codes, and item codes. An empty cell is "not answered"; `na` is "no opinion".
fn read_csv(
    file: &Path,
    def: &survey::Survey,
    unit: Option<&str>,
    period: Option<i32>,
    channel: &str,
) -> Result<Vec<(usize, RawSubmission)>, String> {
    let survey = &def.id;
    let mut reader =
        csv::Reader::from_path(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let headers = reader
        .headers()
        .map_err(|e| format!("{}: {e}", file.display()))?
        .clone();
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = record.map_err(|e| format!("{}:{line}: {e}", file.display()))?;
        let mut answers = Map::new();
        let mut background = Map::new();
        let mut comments = Map::new();
        let (mut r_unit, mut r_period, mut r_date, mut r_group, mut r_sid) =
            (unit.map(String::from), period, None, None, None);
        for (col, cell) in headers.iter().zip(record.iter()) {
            let cell = cell.trim();
            if cell.is_empty() {
                continue;
            }
            match col {
                "unit" => r_unit = Some(cell.to_string()),
                "period" => {
                    r_period = Some(cell.parse().map_err(|_| {
                        format!("{}:{line}: period: '{cell}' is not a year", file.display())
                    })?)
                }
                "date" => r_date = Some(cell.to_string()),
                "group" => r_group = Some(cell.to_string()),
                "submission_id" => r_sid = Some(cell.to_string()),
                code if def.open.iter().any(|o| o.code == code) => {
                    comments.insert(code.to_string(), Value::String(cell.to_string()));
                }
                code if def.background.iter().any(|b| b.code == code) => {
                    background.insert(code.to_string(), Value::String(cell.to_string()));
                }
                code => {
                    let v = if cell.eq_ignore_ascii_case("na") {
                        Value::Null
                    } else {
                        cell.parse::<i64>()
                            .map(Value::from)
                            .unwrap_or_else(|_| Value::String(cell.to_string()))
                    };
                    answers.insert(code.to_string(), v);
                }
            }
        }
        // Re-importing the same file stores nothing twice: row ids derive from file and line.
        let sid = r_sid.unwrap_or_else(|| {
            uuid::Uuid::new_v5(
                &uuid::Uuid::NAMESPACE_URL,
                format!("chiso-import:{survey}:{name}:{line}").as_bytes(),
            )
            .to_string()
        });
        rows.push((
            line,
            RawSubmission {
                survey: survey.to_string(),
                unit: r_unit.ok_or(format!(
                    "{}:{line}: unit: no unit column and no --unit",
                    file.display()
                ))?,
                channel: channel.to_string(),
                submission_id: sid,
                period: r_period.ok_or(format!(
                    "{}:{line}: period: no period column and no --period",
                    file.display()
                ))?,
                group: r_group,
                background,
                answers,
                comments,
                date: r_date,
            },
        ));
    }
    Ok(rows)
}
