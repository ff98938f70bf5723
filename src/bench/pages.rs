//! The leaders' pages with everything stored: each dashboard page, each table export and the
//! scores API fetched over HTTP as a signed-in browser (or an API client) does, timed per
//! request. Pages draw from the running counts, so their time should not grow with the
//! number of stored answers.

use super::percentile;
use chiso::db::auth::Role;
use chiso::http_client::{sign_in, Client};
use chiso::scoring::top20;
use chiso::state::AppState;
use std::time::Instant;

/// Every dashboard page, export and the scores API must answer within this at the 95th
/// percentile with 1,000,000 stored responses.
pub const PAGE_TARGET_MS: f64 = 50.0;

pub struct PageTiming {
    pub path: String,
    pub p50: f64,
    pub p95: f64,
}

/// The addresses timed: the home page and every results page, at the city and at one ward,
/// the exports of the first SIPAS table as CSV and XLSX, and the scores API.
fn addresses(survey: &str, ward: &str, period: i32, agency: Option<&str>) -> Vec<String> {
    let q = format!("survey={survey}&period={period}");
    let mut a = vec![
        "/".to_string(),
        "/parindex".to_string(),
        format!("/parindex?unit={ward}"),
        "/agencies".to_string(),
        "/report".to_string(),
        format!("/scores?{q}"),
        format!("/scores?{q}&unit={ward}"),
        format!("/sipas?{q}"),
        format!("/sipas?{q}&unit={ward}"),
        format!("/sipas/export?{q}&table=below&format=csv"),
        format!("/sipas/export?{q}&table=below&format=xlsx"),
        "/papi".to_string(),
        format!("/public?period={period}"),
    ];
    if let Some(code) = agency {
        a.push(format!("/agencies/{code}"));
    }
    a.push(format!("/api/v1/scores?{q}"));
    a.push(format!("/api/v1/scores?{q}&unit={ward}"));
    a
}

/// Fetches each address `runs` times (after one warm-up) and returns its p50 and p95.
pub fn time_pages(
    state: &AppState,
    addr: &str,
    survey: &str,
    ward: &str,
    period: i32,
    runs: usize,
) -> Result<Vec<PageTiming>, String> {
    let password = chiso::secrets::new_secret();
    let token = {
        let mut conn = state.pool.get().map_err(|e| e.to_string())?;
        super::bench_user(state, &mut conn, "bench-leader", &password, Role::Viewer)?;
        super::api_token(state, &mut conn, Role::Viewer, "bench pages")?
    };
    let mut c = Client::new(addr);
    let leader = sign_in(&mut c, "bench-leader", &password)?;
    let agency = state
        .plan
        .as_ref()
        .as_ref()
        .and_then(|p| p.agencies.first())
        .map(|a| a.code.clone());
    let bearer = format!("Bearer {token}");
    let mut out = Vec::new();
    for path in addresses(survey, ward, period, agency.as_deref()) {
        let headers: [(&str, &str); 1] = if path.starts_with("/api/") {
            [("Authorization", bearer.as_str())]
        } else {
            [("Cookie", leader.cookie.as_str())]
        };
        let mut lat = Vec::with_capacity(runs);
        for i in 0..=runs {
            let t = Instant::now();
            let r = c
                .send("GET", &path, &headers, b"")
                .map_err(|e| format!("{path}: {e}"))?;
            let ms = t.elapsed().as_secs_f64() * 1e3;
            if r.status != 200 {
                return Err(format!("{path}: HTTP {} {}", r.status, r.body));
            }
            // The first fetch warms the caches a server keeps anyway.
            if i > 0 {
                lat.push(ms);
            }
        }
        lat.sort_by(f64::total_cmp);
        out.push(PageTiming {
            path,
            p50: percentile(&lat, 0.5),
            p95: percentile(&lat, 0.95),
        });
    }
    Ok(out)
}

/// The top-20 simulation alone (10,000 draws), timed on the city's SIPAS root: median ms.
pub fn time_top20(state: &AppState, survey: &str, period: i32) -> Result<f64, String> {
    let s = state
        .catalog
        .get(survey)
        .ok_or("the survey is not loaded")?
        .clone();
    let q = chiso::report::ScoreQuery {
        survey: survey.into(),
        period,
        ..Default::default()
    };
    let report = chiso::features::results::service::scores(state, &q)
        .map_err(|_| "scores failed".to_string())?;
    let root = report.nodes.first().ok_or("no root node")?.clone();
    let estimate = top20::Estimate::from_interval(
        root.value.ok_or("no value at the root")?,
        root.ci_low,
        root.ci_high,
    );
    let field = top20::field_of(&s).ok_or("the survey has no [top20] setting")?;
    let mut runs = Vec::new();
    // The simulation itself, every time: pages keep a chance once worked out.
    for seed in 0..7 {
        let t = Instant::now();
        std::hint::black_box(top20::simulate(estimate, &field, top20::DRAWS, seed));
        runs.push(t.elapsed().as_secs_f64() * 1e3);
    }
    runs.sort_by(f64::total_cmp);
    Ok(percentile(&runs, 0.5))
}
