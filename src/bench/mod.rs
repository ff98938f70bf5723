//! `chiso bench`: ingest and scoring measured side by side in one process run, so that the
//! ratios hold on a noisy machine. Everything talks to loopback only.

pub mod http;
pub mod import;
mod keying;
mod pages;

use crate::config::Settings;
use crate::db::auth::{self, Role};
use crate::db::responses::{store_all, store_one, Pending};
use crate::db::{self, AnyConnection};
use crate::features::results::service as reports;
use crate::report::ScoreQuery;
use crate::startup;
use crate::state::AppState;
use crate::survey::{Survey, ValidSubmission};
use clap::Args;
use diesel::{Connection, RunQueryDsl};
use http::Client;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

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
    crate::clock::Clock::System.year()
}

/// A database of the benchmark's own, removed afterwards.
struct Target {
    url: String,
    label: String,
    _dir: Option<tempfile_dir::Dir>,
    pg_schema: Option<(String, String)>,
}

impl Drop for Target {
    fn drop(&mut self) {
        if let Some((base, schema)) = &self.pg_schema {
            if let Ok(mut c) = diesel::PgConnection::establish(base) {
                let _ = diesel::sql_query(format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                    .execute(&mut c);
            }
        }
    }
}

/// A temporary directory without a dev-only crate: removed on drop.
mod tempfile_dir {
    pub struct Dir(pub std::path::PathBuf);
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

impl Target {
    fn create(on: &str) -> Result<Target, String> {
        let tag = uuid::Uuid::new_v4().simple().to_string();
        if on.starts_with("postgres") {
            let schema = format!("bench_{tag}");
            let mut c = diesel::PgConnection::establish(on).map_err(|e| e.to_string())?;
            diesel::sql_query(format!("CREATE SCHEMA {schema}"))
                .execute(&mut c)
                .map_err(|e| e.to_string())?;
            let sep = if on.contains('?') { '&' } else { '?' };
            Ok(Target {
                url: format!("{on}{sep}options=-c%20search_path%3D{schema}"),
                label: "PostgreSQL".into(),
                _dir: None,
                pg_schema: Some((on.to_string(), schema)),
            })
        } else {
            let dir = std::env::temp_dir().join(format!("chiso-bench-{tag}"));
            std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
            Ok(Target {
                url: format!("sqlite://{}", dir.join("bench.db").display()),
                label: "SQLite".into(),
                _dir: Some(tempfile_dir::Dir(dir)),
                pg_schema: None,
            })
        }
    }
}

pub fn run(surveys: &Path, args: &BenchArgs) -> Result<(), String> {
    let target = Target::create(&args.on)?;
    let settings = Settings {
        database_url: target.url.clone(),
        surveys_dir: surveys.to_path_buf(),
        admin_password: Some(auth::new_secret()),
        pool_size: 16,
        // The benchmark's clients all share one address: it measures the server, not the
        // abuse limits.
        limit_per_address: 0,
        limit_per_token: 0,
        limit_per_kiosk: 0,
        limit_per_code: 0,
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
    let (token, export_token) = {
        let mut conn = state.pool.get().map_err(|e| e.to_string())?;
        (
            auth::create_token(&mut conn, Role::Surveyor, "bench").map_err(|e| e.to_string())?,
            auth::create_token(&mut conn, Role::Supervisor, "bench export")
                .map_err(|e| e.to_string())?,
        )
    };
    let bodies: Vec<Vec<u8>> = (0..args.ingest)
        .map(|_| body(&survey, &units, &mut rng))
        .collect();
    let ingest = http_ingest(&addr, &token, bodies, args.clients)?;
    let bare = bare_loop(&state, &survey, &units, args.bare, &mut rng)?;
    println!();
    println!(
        "ingest over HTTP: {} responses, {} clients",
        ingest.n, args.clients
    );
    println!(
        "  {:>8.0} responses/s   p50 {:>6.1} ms   p99 {:>6.1} ms   (every 2xx committed)",
        ingest.rate, ingest.p50, ingest.p99
    );
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
            admin_password: Some(auth::new_secret()),
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
    use crate::features::export::service::{self as export, ExportRequest, Format};
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

/// An export over HTTP, and the server's memory meanwhile.
struct HttpExport {
    rows: u64,
    bytes: u64,
    secs: f64,
    peak_rss_kb: u64,
}

fn rss_kb(pid: u32) -> Result<u64, String> {
    let status =
        std::fs::read_to_string(format!("/proc/{pid}/status")).map_err(|e| e.to_string())?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| "no VmRSS".to_string())
}

/// Downloads the whole CSV export from the server `pid` listening on `addr`, reading its
/// resident memory every 20 ms meanwhile.
fn http_export(addr: &str, pid: u32, token: &str) -> Result<HttpExport, String> {
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    use std::sync::Arc;
    let done = Arc::new(AtomicBool::new(false));
    let peak = Arc::new(AtomicU64::new(0));
    let sampler = {
        let (done, peak) = (done.clone(), peak.clone());
        std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                if let Ok(kb) = rss_kb(pid) {
                    peak.fetch_max(kb, Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        })
    };
    let started = Instant::now();
    let path = format!(
        "/api/v1/export?survey={SURVEY}&period={}&format=csv",
        period()
    );
    let result = http::download(addr, &path, Some(token));
    let secs = started.elapsed().as_secs_f64();
    done.store(true, Ordering::Relaxed);
    let _ = sampler.join();
    let d = result.map_err(|e| e.to_string())?;
    if d.status != 200 {
        return Err(format!("export: HTTP {}", d.status));
    }
    Ok(HttpExport {
        // Less the header.
        rows: d.lines.saturating_sub(1),
        bytes: d.bytes,
        secs,
        peak_rss_kb: peak.load(Ordering::Relaxed),
    })
}

fn answers(survey: &Survey, rng: &mut StdRng) -> Vec<(String, Option<i16>)> {
    survey
        .items()
        .map(|i| {
            let v = match rng.gen_range(0..20) {
                0 => None,
                r => Some(1 + (r % 5) as i16),
            };
            (i.code.clone(), v)
        })
        .collect()
}

fn day(rng: &mut StdRng) -> String {
    format!(
        "{}-{:02}-{:02}",
        period(),
        rng.gen_range(1..=12),
        rng.gen_range(1..=28)
    )
}

fn body(survey: &Survey, units: &[String], rng: &mut StdRng) -> Vec<u8> {
    let a: serde_json::Map<String, serde_json::Value> = answers(survey, rng)
        .into_iter()
        .map(|(c, v)| (c, serde_json::json!(v)))
        .collect();
    serde_json::to_vec(&serde_json::json!({
        "survey": SURVEY,
        "unit": units[rng.gen_range(0..units.len())],
        "channel": "api",
        "submission_id": uuid::Uuid::new_v4().to_string(),
        // No date: live answers count under today, as they do at the counters.
        "period": period(),
        "background": {"linh_vuc": "chung_thuc"},
        "answers": a,
    }))
    .unwrap_or_default()
}

fn pending(state: &AppState, survey: &Survey, units: &[String], rng: &mut StdRng) -> Pending {
    let valid = ValidSubmission {
        answers: answers(survey, rng),
        background: BTreeMap::from([("linh_vuc".to_string(), "chung_thuc".to_string())]),
        comments: BTreeMap::new(),
        group: None,
    };
    Pending {
        contribution: state
            .layouts
            .get(&survey.id)
            .map(|l| l.contribution(&valid.answers, &valid.background))
            .unwrap_or_default(),
        survey_id: SURVEY.into(),
        unit: units[rng.gen_range(0..units.len())].clone(),
        channel: "api".into(),
        period: period(),
        day: day(rng),
        submission_id: uuid::Uuid::new_v4().to_string(),
        status: "received".into(),
        keyed_by: None,
        valid,
    }
}

fn serve_in_background(state: AppState) -> Result<String, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let addr = listener
        .local_addr()
        .map_err(|e| e.to_string())?
        .to_string();
    std::thread::spawn(move || {
        let sys = actix_web::rt::System::new();
        let _ = sys.block_on(async move {
            let server = actix_web::HttpServer::new(move || {
                actix_web::App::new().configure(startup::configure(state.clone()))
            })
            .listen(listener)?
            .run();
            server.await
        });
    });
    wait_healthy(&addr, Duration::from_secs(10))?;
    Ok(addr)
}

/// Waits until `GET /healthz` answers 200.
fn wait_healthy(addr: &str, within: Duration) -> Result<(), String> {
    let mut c = Client::new(addr);
    let deadline = Instant::now() + within;
    while c
        .request("GET", "/healthz", None, b"")
        .map(|r| r.status)
        .ok()
        != Some(200)
    {
        if Instant::now() > deadline {
            return Err(format!("the server on {addr} did not start"));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(())
}

struct Ingest {
    n: usize,
    rate: f64,
    p50: f64,
    p99: f64,
}

fn http_ingest(
    addr: &str,
    token: &str,
    bodies: Vec<Vec<u8>>,
    clients: usize,
) -> Result<Ingest, String> {
    let n = bodies.len();
    let clients = clients.max(1);
    let mut shares: Vec<Vec<Vec<u8>>> = vec![Vec::new(); clients];
    for (i, b) in bodies.into_iter().enumerate() {
        shares[i % clients].push(b);
    }
    let started = Instant::now();
    let handles: Vec<_> = shares
        .into_iter()
        .map(|share| {
            let (addr, token) = (addr.to_string(), token.to_string());
            std::thread::spawn(move || -> Result<Vec<f64>, String> {
                let mut c = Client::new(&addr);
                let mut lat = Vec::with_capacity(share.len());
                for b in share {
                    loop {
                        let t = Instant::now();
                        let r = c
                            .request("POST", "/api/v1/responses", Some(&token), &b)
                            .map_err(|e| e.to_string())?;
                        match r.status {
                            200 | 201 => {
                                lat.push(t.elapsed().as_secs_f64() * 1e3);
                                break;
                            }
                            503 => std::thread::sleep(Duration::from_millis(50)),
                            s => return Err(format!("HTTP {s}: {}", r.body)),
                        }
                    }
                }
                Ok(lat)
            })
        })
        .collect();
    let mut lat = Vec::with_capacity(n);
    for h in handles {
        lat.extend(
            h.join()
                .map_err(|_| "a client thread panicked".to_string())??,
        );
    }
    let secs = started.elapsed().as_secs_f64();
    lat.sort_by(f64::total_cmp);
    Ok(Ingest {
        n,
        rate: n as f64 / secs,
        p50: percentile(&lat, 0.5),
        p99: percentile(&lat, 0.99),
    })
}

/// The same rows, each in a transaction of its own, straight to the database.
fn bare_loop(
    state: &AppState,
    survey: &Survey,
    units: &[String],
    rows: usize,
    rng: &mut StdRng,
) -> Result<f64, String> {
    let batch: Vec<Pending> = (0..rows)
        .map(|_| pending(state, survey, units, rng))
        .collect();
    let mut conn = state.pool.get().map_err(|e| e.to_string())?;
    let started = Instant::now();
    for p in &batch {
        store_one(&mut conn, &state.layouts, p).map_err(|e| e.to_string())?;
    }
    Ok(rows as f64 / started.elapsed().as_secs_f64())
}

/// History arrives a day at a time, as it does at the counters: each batch is one day's answers.
fn bulk_load(
    state: &AppState,
    survey: &Survey,
    units: &[String],
    n: usize,
    rng: &mut StdRng,
) -> Result<(), String> {
    let mut conn = state.pool.get().map_err(|e| e.to_string())?;
    let mut left = n;
    while left > 0 {
        let k = left.min(5_000);
        let today = day(rng);
        let batch: Vec<Pending> = (0..k)
            .map(|_| Pending {
                day: today.clone(),
                ..pending(state, survey, units, rng)
            })
            .collect();
        for r in store_all(&mut conn, &state.layouts, &batch) {
            r.map_err(|e| e.to_string())?;
        }
        left -= k;
    }
    Ok(())
}

#[derive(diesel::QueryableByName)]
#[allow(dead_code)]
struct GroupRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    item_code: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::SmallInt>)]
    value: Option<i16>,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// What the database itself does to count answers: GROUP BY over every raw answer.
fn group_by(conn: &mut AnyConnection) -> Result<(), String> {
    let sql = format!(
        "SELECT a.item_code, a.value, COUNT(*) AS n FROM answers a JOIN responses r ON r.id = a.response_id \
         WHERE r.survey_id = '{SURVEY}' AND r.period = {} GROUP BY a.item_code, a.value",
        period()
    );
    let rows: Vec<GroupRow> = diesel::sql_query(&sql)
        .load(conn)
        .map_err(|e| e.to_string())?;
    if rows.is_empty() {
        return Err("GROUP BY returned nothing".into());
    }
    Ok(())
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

/// Starts `chiso serve` on the benchmark database, asks it for scores, reads its resident
/// memory; then has it stream the whole export.
fn server_rss(
    url: &str,
    surveys: &Path,
    token: &str,
    export_token: &str,
) -> Result<(u64, Result<HttpExport, String>), String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| e.to_string())?
        .port();
    let addr = format!("127.0.0.1:{port}");
    let mut child = std::process::Command::new(exe)
        .args(["serve", "--bind", &addr])
        .env("DATABASE_URL", url)
        .env("CHISO_SURVEYS", surveys)
        .env("RUST_LOG", "error")
        .env("CHISO_LIMIT_PER_ADDRESS", "0")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    let result = (|| {
        wait_healthy(&addr, Duration::from_secs(30))?;
        let mut c = Client::new(&addr);
        for path in [
            format!("/api/v1/scores?survey={SURVEY}&period={}", period()),
            format!(
                "/api/v1/scores?survey={SURVEY}&period={}&unit={ONE_WARD}",
                period()
            ),
            format!(
                "/api/v1/scores?survey={SURVEY}&period={0}&from={0}-03-01&to={0}-05-31",
                period()
            ),
        ] {
            let r = c
                .request("GET", &path, Some(token), b"")
                .map_err(|e| e.to_string())?;
            if r.status != 200 {
                return Err(format!("scores: HTTP {}", r.status));
            }
        }
        let after_scores = rss_kb(child.id())?;
        Ok((after_scores, http_export(&addr, child.id(), export_token)))
    })();
    let _ = child.kill();
    let _ = child.wait();
    result
}
