//! The benchmark's servers: one in this process, or `chiso serve` as a child whose memory is
//! read while it answers scores and streams the export.

use super::{period, ONE_WARD, SURVEY};
use chiso::http_client::{self, Client};
use chiso::startup;
use chiso::state::AppState;
use std::path::Path;
use std::time::{Duration, Instant};

/// An export over HTTP, and the server's memory meanwhile.
pub(super) struct HttpExport {
    pub(super) rows: u64,
    pub(super) bytes: u64,
    pub(super) secs: f64,
    pub(super) peak_rss_kb: u64,
}

pub(super) fn rss_kb(pid: u32) -> Result<u64, String> {
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
pub(super) fn http_export(addr: &str, pid: u32, token: &str) -> Result<HttpExport, String> {
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
    let result = http_client::download(addr, &path, Some(token));
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

pub(super) fn serve_in_background(state: AppState) -> Result<String, String> {
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
pub(super) fn wait_healthy(addr: &str, within: Duration) -> Result<(), String> {
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

/// Starts `chiso serve` on the benchmark database, asks it for scores, reads its resident
/// memory; then has it stream the whole export.
pub(super) fn server_rss(
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
