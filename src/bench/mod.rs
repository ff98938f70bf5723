//! `chiso bench`: ingest and scoring measured side by side in one process run, so that the
//! ratios hold on a noisy machine. Everything talks to loopback only.

mod group_by;
pub mod import;
mod keying;
mod load;
mod pages;
mod profile;
mod server;
mod sync;
mod target;

use group_by::group_by;
use load::{bare_loop, body, bulk_load, http_ingest};
use server::{serve_in_background, server_rss};
use target::{tempfile_dir, Target};

use chiso::config::Settings;
use chiso::db::auth::{self, Role};
use chiso::db::{self, AnyConnection};
use chiso::features::admin::service::new_api_token;
use chiso::features::results::service as reports;
use chiso::report::ScoreQuery;
use chiso::secrets::{hash_password, new_secret};
use chiso::startup;
use chiso::state::AppState;
use clap::Args;
use rand::rngs::StdRng;
use rand::SeedableRng;
use std::path::Path;
use std::time::Instant;

#[derive(Args, Debug, Clone)]
pub struct BenchArgs {
    /// Database to measure on: sqlite (a temporary file) or a postgres://… URL (a fresh schema)
    #[arg(long, default_value = "sqlite")]
    pub on: String,
    /// Responses sent over HTTP in the ingest run
    #[arg(long, default_value_t = 20_000)]
    pub ingest: usize,
    /// Concurrent HTTP clients
    #[arg(long, default_value_t = 256)]
    pub clients: usize,
    /// API tokens the ingest run's clients share, as a district's systems would hold them (one
    /// per district of the city); each token has the shipped per-token limit
    #[arg(long, default_value_t = 9)]
    pub tokens: usize,
    /// Forms per request of the sync API run (POST /api/v1/responses/batch), as many forms as
    /// the ingest run (0: skip)
    #[arg(long, default_value_t = 500)]
    pub batch: usize,
    /// Rows of the one-commit-per-row loop
    #[arg(long, default_value_t = 2_000)]
    pub bare: usize,
    /// Stored-response sizes for the scoring runs
    #[arg(long, value_delimiter = ',', default_value = "10000,100000,1000000")]
    pub sizes: Vec<usize>,
    /// Paper forms keyed twice on the keying screen, with everything above stored
    #[arg(long, default_value_t = 300)]
    pub keying: usize,
    /// Requests per dashboard page, export and scores call, timed with everything stored
    /// (0: skip)
    #[arg(long, default_value_t = 40)]
    pub pages: usize,
    /// Only time `chiso import` of this many household forms (a CSV file written first)
    #[arg(long, value_name = "ROWS")]
    pub import: Option<usize>,
}

const SURVEY: &str = "sipas-counter";
/// The unit whose scores are timed beside the whole city's.
const ONE_WARD: &str = "P-NINH-KIEU";
/// A full recount may take at most this share of the database's own `GROUP BY` time.
const RECOUNT_TARGET: f64 = 0.5;
/// Export target: CSV rows written per second, and the server's memory meanwhile.
const EXPORT_TARGET: f64 = 100_000.0;
const EXPORT_RSS_TARGET_MB: f64 = 100.0;
/// This year in Vietnam: undated answers count under today, so their period is this year.
fn period() -> i32 {
    chiso::clock::Clock::System.year()
}

pub fn run(surveys: &Path, args: &BenchArgs) -> Result<(), String> {
    let target = Target::create(&args.on)?;
    let settings = Settings {
        database_url: target.url.clone(),
        surveys_dir: surveys.to_path_buf(),
        admin_password: Some(new_secret()),
        pool_size: 16,
        // The rate limits as shipped: the ingest run's clients call with API tokens, as a
        // district's systems do, and count against their tokens' quotas.
        ..Settings::default()
    };
    let state = startup::prepare(settings).map_err(|e| e.to_string())?.state;
    let survey = state
        .catalog
        .get(SURVEY)
        .ok_or("the sipas-counter survey is not loaded")?
        .clone();
    // Today's communes and wards: live answers are today's, and must name units of today.
    let today = state
        .units
        .set_on(state.clock.today())
        .map(|s| s.id.clone());
    let units: Vec<String> = state
        .units
        .units_of(today.as_deref())
        .into_iter()
        .filter(|u| u.level == "commune")
        .map(|u| u.code.clone())
        .collect();
    let settings = {
        let mut conn = state.pool.get().map_err(|e| e.to_string())?;
        db::sqlite_settings(&mut conn).map_err(|e| e.to_string())?
    };
    // As the database reports them, not as they were asked for.
    let label = match settings {
        Some(s) => format!(
            "{} (journal_mode={}, synchronous={}, foreign_keys={}, page_size={})",
            target.label, s.journal_mode, s.synchronous, s.foreign_keys, s.page_size
        ),
        None => target.label.clone(),
    };
    println!(
        "chiso bench on {label} — {} cores",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    if let Some(rows) = args.import {
        drop(target);
        return import_bench(state, &args.on, surveys, rows, &units);
    }
    let mut rng = StdRng::seed_from_u64(2023);

    // 1. HTTP ingest against a bare loop with one commit per row, same durability.
    let addr = serve_in_background(state.clone())?;
    let (tokens, export_token) = {
        let mut conn = state.pool.get().map_err(|e| e.to_string())?;
        let tokens = (0..args.tokens.max(1))
            .map(|i| api_token(&state, &mut conn, Role::Surveyor, &format!("bench {i}")))
            .collect::<Result<Vec<_>, _>>()?;
        (
            tokens,
            api_token(&state, &mut conn, Role::Supervisor, "bench export")?,
        )
    };
    let token = tokens[0].clone();
    let bodies: Vec<Vec<u8>> = (0..args.ingest)
        .map(|_| body(&survey, &units, &mut rng))
        .collect();
    chiso::profile::reset();
    let cpu_before = profile::process_cpu();
    let ingest = http_ingest(&addr, &tokens, bodies, args.clients)?;
    let ingest_cpu = profile::process_cpu().zip(cpu_before).map(|(a, b)| a - b);
    let ingest_profile = chiso::profile::totals();
    let synced = if args.batch > 0 {
        let bodies: Vec<Vec<u8>> = (0..args.ingest)
            .map(|_| body(&survey, &units, &mut rng))
            .collect();
        Some(sync::http_batch_ingest(
            &addr,
            &token,
            bodies,
            args.batch,
            args.clients,
        )?)
    } else {
        None
    };
    let bare = bare_loop(&state, &survey, &units, args.bare, &mut rng)?;
    println!();
    let shipped = Settings::default();
    println!(
        "ingest over HTTP: {} responses, {} clients on {} API tokens (limits as shipped: {}/min per token, {}/min per address; {} requests refused for a limit and retried)",
        ingest.n,
        args.clients,
        tokens.len(),
        shipped.limit_per_token,
        shipped.limit_per_address,
        load::LIMITED.load(std::sync::atomic::Ordering::Relaxed)
    );
    println!(
        "  {:>8.0} responses/s   p50 {:>6.1} ms   p99 {:>6.1} ms   (every 2xx committed)",
        ingest.rate, ingest.p50, ingest.p99
    );
    if let Some(cpu) = ingest_cpu {
        println!(
            "  CPU of this process (server and clients): {:.0} µs a form",
            cpu * 1e6 / ingest.n.max(1) as f64
        );
    }
    profile::print(&ingest_profile, ingest.n, 8);
    if let Some(s) = &synced {
        println!(
            "sync API over HTTP: {} responses in batches of {}",
            s.n, args.batch
        );
        println!(
            "  {:>8.0} responses/s   p50 {:>6.1} ms   p99 {:>6.1} ms a batch   ({:.1}× the single-form API)",
            s.rate,
            s.p50,
            s.p99,
            s.rate / ingest.rate.max(f64::MIN_POSITIVE)
        );
    }
    println!("bare loop, one commit per row: {} rows", args.bare);
    println!("  {:>8.0} rows/s", bare);
    println!(
        "  ratio HTTP / bare loop: {:.1}×",
        ingest.rate / bare.max(f64::MIN_POSITIVE)
    );

    // 2. Scores from counts, full recount, and the database's own GROUP BY, by size.
    println!();
    println!(
        "{:>9}  {:>12}  {:>14}  {:>15}  {:>12}  {:>17}",
        "responses",
        "scores (ms)",
        "district (ms)",
        "GROUP BY (ms)",
        "recount (s)",
        "recount/GROUP BY"
    );
    let mut stored = {
        let mut conn = state.pool.get().map_err(|e| e.to_string())?;
        db::responses::count(&mut conn).map_err(|e| e.to_string())? as usize
    };
    let mut sizes = args.sizes.clone();
    sizes.sort_unstable();
    for size in sizes {
        if size > stored {
            bulk_load(&state, &survey, &units, size - stored, &mut rng)?;
            stored = size;
        }
        let mut conn = state.pool.get().map_err(|e| e.to_string())?;
        let city = ScoreQuery {
            survey: SURVEY.into(),
            period: period(),
            ..ScoreQuery::default()
        };
        let district = ScoreQuery {
            unit: Some(ONE_WARD.into()),
            ..city.clone()
        };
        let t_city = median_ms(7, || {
            reports::scores(&state, &city)
                .map(|_| ())
                .map_err(|_| "scores failed".to_string())
        })?;
        let t_district = median_ms(7, || {
            reports::scores(&state, &district)
                .map(|_| ())
                .map_err(|_| "scores failed".to_string())
        })?;
        let t_group = median_ms(3, || group_by(&mut conn))?;
        let mut recounted = 0;
        let t_recount = median_ms(3, || {
            let r = db::recount::recount_all(&state.pool, &state.layouts, false)
                .map_err(|e| e.to_string())?;
            if let Some(d) = r.differences.first() {
                return Err(format!("recount disagrees: {d}"));
            }
            recounted = r.responses;
            Ok(())
        })? / 1e3;
        // The target: a full recount in at most half the time the database takes to group
        // the same answers, both measured here.
        let ratio = t_recount * 1e3 / t_group.max(f64::MIN_POSITIVE);
        let verdict = if ratio <= RECOUNT_TARGET {
            ""
        } else {
            " (over)"
        };
        println!(
            "{:>9}  {:>12.2}  {:>14.2}  {:>15.1}  {:>12.2}  {:>11.2}{verdict}",
            recounted, t_city, t_district, t_group, t_recount, ratio
        );
    }
    println!("(target: recount/GROUP BY at most {RECOUNT_TARGET:.1})");

    // 3. Save-and-next on the keying screen with everything above stored.
    if args.keying > 0 {
        let t = keying::save_and_next(&state, &addr, ONE_WARD, period(), args.keying)?;
        println!();
        println!(
            "keying screen, {stored} responses stored: {} forms keyed twice, save-and-next p50 {:.1} ms, p95 {:.1} ms (target p95 < 50 ms)",
            t.forms, t.p50, t.p95
        );
    }

    // 4. The leaders' pages, exports and the scores API with everything stored.
    if args.pages > 0 {
        println!();
        println!(
            "dashboard pages, {stored} responses stored, {} requests each (target p95 < {:.0} ms):",
            args.pages,
            pages::PAGE_TARGET_MS
        );
        for t in pages::time_pages(&state, &addr, SURVEY, ONE_WARD, period(), args.pages)? {
            let verdict = if t.p95 < pages::PAGE_TARGET_MS {
                ""
            } else {
                "  (over)"
            };
            println!(
                "  {:<60} p50 {:>7.1} ms   p95 {:>7.1} ms{verdict}",
                t.path, t.p50, t.p95
            );
        }
        println!(
            "  top-20 simulation (10,000 draws) alone: {:.1} ms (target < 20 ms)",
            pages::time_top20(&state, SURVEY, period())?
        );
    }

    // 5. Export of everything stored as CSV, the way `chiso export` writes it.
    println!();
    let (exported, secs, bytes) = export_in_process(&state)?;
    println!(
        "export as CSV (as `chiso export`): {exported} responses, {:.1} MB in {secs:.2} s",
        bytes as f64 / 1e6
    );
    println!(
        "  {:>8.0} responses/s   (target: at least {EXPORT_TARGET:.0})",
        exported as f64 / secs.max(f64::MIN_POSITIVE)
    );

    // 6. Memory of a server process holding everything stored above: after scoring
    // requests, and at its peak while it streams the whole export over HTTP.
    println!();
    let figures = server_rss(&target.url, surveys, &token, &export_token);
    match figures {
        Ok((kb, export)) => {
            println!(
                "server RSS with {stored} responses stored, after scoring requests: {:.1} MB",
                kb as f64 / 1024.0
            );
            match export {
                Ok(e) => {
                    println!(
                        "export over HTTP: {} responses, {:.1} MB in {:.2} s = {:.0} responses/s",
                        e.rows,
                        e.bytes as f64 / 1e6,
                        e.secs,
                        e.rows as f64 / e.secs.max(f64::MIN_POSITIVE)
                    );
                    println!(
                        "  server RSS during the export: peak {:.1} MB (target: under {EXPORT_RSS_TARGET_MB:.0} MB)",
                        e.peak_rss_kb as f64 / 1024.0
                    );
                }
                Err(e) => println!("export over HTTP: not measured ({e})"),
            }
        }
        Err(e) => println!("server RSS: not measured ({e})"),
    }
    Ok(())
}

/// Times `chiso import` of `rows` household forms on the benchmark's database.
fn import_bench(
    state: AppState,
    target_on: &str,
    surveys: &Path,
    rows: usize,
    units: &[String],
) -> Result<(), String> {
    let survey = state
        .catalog
        .get(import::SURVEY)
        .ok_or("the household survey is not loaded")?
        .clone();
    let today = state.clock.today();
    state.close();
    let dir = std::env::temp_dir().join(format!("chiso-import-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let _dir = tempfile_dir::Dir(dir.clone());
    let period = chrono::Datelike::year(&today);
    for (shuffled, what) in [
        (false, "each commune's forms together"),
        (true, "in random order (the worst case for the counts)"),
    ] {
        let target = Target::create(target_on)?;
        let state = startup::prepare(Settings {
            database_url: target.url.clone(),
            surveys_dir: surveys.to_path_buf(),
            admin_password: Some(new_secret()),
            ..Settings::default()
        })
        .map_err(|e| e.to_string())?
        .state;
        state.close();
        let file = dir.join("phieu-ho-gia-dinh.csv");
        import::write_csv(&file, &survey, units, rows, period, today, shuffled)?;
        let size = std::fs::metadata(&file).map_or(0, |m| m.len());
        println!(
            "import of {rows} household forms ({:.1} MB CSV, 30 days of fieldwork, {what}):",
            size as f64 / 1e6
        );
        let (took, peak_kb, said) = import::time_import(&target.url, surveys, &file, period)?;
        println!("  {said}");
        println!(
            "  time {:.2} s, {:.0} forms/s, peak RSS {:.1} MB (target: under 10 s and 150 MB)",
            took.as_secs_f64(),
            rows as f64 / took.as_secs_f64().max(1e-9),
            peak_kb as f64 / 1024.0
        );
        let (again, peak_kb, said) = import::time_import(&target.url, surveys, &file, period)?;
        println!(
            "  the same file again: {:.2} s, peak RSS {:.1} MB — {said}",
            again.as_secs_f64(),
            peak_kb as f64 / 1024.0
        );
    }
    Ok(())
}

/// Writes every stored counter form as CSV to nowhere, through the application layer the
/// command line calls; returns the forms, the seconds and the bytes.
fn export_in_process(state: &AppState) -> Result<(u64, f64, u64), String> {
    use chiso::features::export::service::{self as export, ExportRequest, Format};
    /// Counts what it is given.
    struct Count(u64);
    impl std::io::Write for Count {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0 += b.len() as u64;
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let request = ExportRequest {
        survey: SURVEY.into(),
        period: period(),
        unit: None,
        format: Format::Csv,
    };
    let plan = export::plan(state, request, None).map_err(|e| e.to_string())?;
    let started = Instant::now();
    let (n, count) = export::export_blocking(state, &plan, Count(0)).map_err(|e| e.to_string())?;
    Ok((n, started.elapsed().as_secs_f64(), count.0))
}

/// The `p` quantile (0–1) of sorted times, by the nearest rank; 0 when there are none.
pub(crate) fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted
        .get(((sorted.len() as f64 - 1.0) * p).round() as usize)
        .copied()
        .unwrap_or(0.0)
}

fn median_ms(runs: usize, mut f: impl FnMut() -> Result<(), String>) -> Result<f64, String> {
    let mut t = Vec::with_capacity(runs);
    for _ in 0..runs {
        let s = Instant::now();
        f()?;
        t.push(s.elapsed().as_secs_f64() * 1e3);
    }
    t.sort_by(f64::total_cmp);
    Ok(t[t.len() / 2])
}

/// A new API token of `role` for the benchmark's own requests.
fn api_token(
    state: &AppState,
    conn: &mut AnyConnection,
    role: Role,
    label: &str,
) -> Result<String, String> {
    new_api_token(conn, role, label, None, state.clock.now_utc()).map_err(|e| e.to_string())
}

/// Adds a user of `role` with `password`, for the benchmark's signed-in requests.
fn bench_user(
    state: &AppState,
    conn: &mut AnyConnection,
    name: &str,
    password: &str,
    role: Role,
) -> Result<(), String> {
    let hash = hash_password(password).map_err(|e| e.to_string())?;
    auth::add_user(conn, name, &hash, role, None, state.clock.now_utc())
        .map_err(|e| e.to_string())?;
    Ok(())
}
