//! The sync API measured beside the single-form API: the same kind of forms, sent as tablets
//! send them after a day offline, many forms to a request.

use super::load::{collect_ingest, deal, Ingest};
use chiso::http_client::Client;
use std::time::{Duration, Instant};

/// Sends `bodies` (single-form JSON bodies) in batches of `per_batch` from up to `clients`
/// threads; every form must come back stored (201, or 200 stored before).
pub(super) fn http_batch_ingest(
    addr: &str,
    token: &str,
    bodies: Vec<Vec<u8>>,
    per_batch: usize,
    clients: usize,
) -> Result<Ingest, String> {
    let n = bodies.len();
    let batches: Vec<Vec<u8>> = bodies.chunks(per_batch.max(1)).map(batch_body).collect();
    let clients = clients.min(batches.len());
    let shares = deal(batches, clients);
    let started = Instant::now();
    let handles: Vec<_> = shares
        .into_iter()
        .map(|share| {
            let (addr, token) = (addr.to_string(), token.to_string());
            std::thread::spawn(move || send_share(&addr, &token, share))
        })
        .collect();
    collect_ingest(n, started, handles)
}

/// A JSON array of the forms, written without parsing them again.
fn batch_body(forms: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::with_capacity(forms.iter().map(|f| f.len() + 1).sum::<usize>() + 2);
    out.push(b'[');
    for (i, f) in forms.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(f);
    }
    out.push(b']');
    out
}

/// One client's batches, each sent until the server takes it: latency per batch in ms.
fn send_share(addr: &str, token: &str, share: Vec<Vec<u8>>) -> Result<Vec<f64>, String> {
    let mut c = Client::new(addr);
    let mut lat = Vec::with_capacity(share.len());
    for b in share {
        loop {
            let t = Instant::now();
            let r = c
                .request("POST", "/api/v1/responses/batch", Some(token), &b)
                .map_err(|e| e.to_string())?;
            match (r.status, worst(&r.body)) {
                (200, Some(200 | 201)) => {
                    lat.push(t.elapsed().as_secs_f64() * 1e3);
                    break;
                }
                // Busy, as a whole or for some forms: the tablet sends the batch again.
                (503, _) | (200, Some(503)) => std::thread::sleep(Duration::from_millis(50)),
                (s, _) => return Err(format!("HTTP {s}: {}", r.body)),
            }
        }
    }
    Ok(lat)
}

/// The highest status among a batch's results (201 when every form was new).
fn worst(body: &str) -> Option<u64> {
    let v = serde_json::from_str::<serde_json::Value>(body).ok()?;
    v["results"]
        .as_array()?
        .iter()
        .map(|r| r["status"].as_u64().unwrap_or(0))
        .max()
}
