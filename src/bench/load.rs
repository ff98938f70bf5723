//! Load for the ingest measurements: random answers, their request bodies and pending
//! rows, sent over HTTP, stored in a bare loop, or bulk-loaded.

use super::{percentile, period, SURVEY};
use chiso::db::responses::{store_all, store_one, Pending};
use chiso::http_client::Client;
use chiso::state::AppState;
use chiso::survey::{Survey, ValidSubmission};
use rand::rngs::StdRng;
use rand::Rng;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

pub(super) fn answers(survey: &Survey, rng: &mut StdRng) -> Vec<(String, Option<i16>)> {
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

pub(super) fn day(rng: &mut StdRng) -> String {
    format!(
        "{}-{:02}-{:02}",
        period(),
        rng.gen_range(1..=12),
        rng.gen_range(1..=28)
    )
}

pub(super) fn body(survey: &Survey, units: &[String], rng: &mut StdRng) -> Vec<u8> {
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

pub(super) fn pending(
    state: &AppState,
    survey: &Survey,
    units: &[String],
    rng: &mut StdRng,
) -> Pending {
    let valid = ValidSubmission {
        answers: answers(survey, rng),
        background: BTreeMap::from([("linh_vuc".to_string(), "chung_thuc".to_string())]),
        comments: BTreeMap::new(),
        group: None,
    };
    let sid = uuid::Uuid::new_v4().to_string();
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
        submission_id: sid.clone(),
        stored_submission: chiso::secrets::keyed_submission(&state.submission_key, &sid),
        status: "received".into(),
        keyed_by: None,
        valid,
    }
}

/// Requests refused for a spent rate limit (429) since the process started.
pub(super) static LIMITED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

pub(super) struct Ingest {
    pub(super) n: usize,
    pub(super) rate: f64,
    pub(super) p50: f64,
    pub(super) p99: f64,
}

/// Sends the bodies from `clients` connections, client `i` with token `i % tokens.len()`;
/// a refusal for a spent rate limit (429) is waited out as its `Retry-After` says.
pub(super) fn http_ingest(
    addr: &str,
    tokens: &[String],
    bodies: Vec<Vec<u8>>,
    clients: usize,
) -> Result<Ingest, String> {
    let n = bodies.len();
    let shares = deal(bodies, clients);
    let started = Instant::now();
    let handles: Vec<_> = shares
        .into_iter()
        .enumerate()
        .map(|(i, share)| {
            let token = tokens
                .get(i % tokens.len().max(1))
                .cloned()
                .unwrap_or_default();
            let addr = addr.to_string();
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
                            429 => {
                                LIMITED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                                std::thread::sleep(Duration::from_secs(1));
                            }
                            s => return Err(format!("HTTP {s}: {}", r.body)),
                        }
                    }
                }
                Ok(lat)
            })
        })
        .collect();
    collect_ingest(n, started, handles)
}

/// `items` dealt in turn to `hands` shares (at least one), as the client threads send them.
pub(super) fn deal<T>(items: Vec<T>, hands: usize) -> Vec<Vec<T>> {
    let hands = hands.max(1);
    let mut shares: Vec<Vec<T>> = (0..hands).map(|_| Vec::new()).collect();
    for (i, item) in items.into_iter().enumerate() {
        shares[i % hands].push(item);
    }
    shares
}

/// The rate and latencies of `n` forms sent since `started` by the client threads `handles`,
/// each giving its latencies (milliseconds).
pub(super) fn collect_ingest(
    n: usize,
    started: Instant,
    handles: Vec<std::thread::JoinHandle<Result<Vec<f64>, String>>>,
) -> Result<Ingest, String> {
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
pub(super) fn bare_loop(
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
pub(super) fn bulk_load(
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
    // As an import does after its last chunk.
    chiso::db::checkpoint(&mut conn).map_err(|e| e.to_string())?;
    Ok(())
}
