//! A bounded soak: a real `chiso serve` on SQLite takes kiosk forms, API submissions and
//! dashboard reads at a steady rate, all at once, for `CHISO_SOAK_SECS` seconds (skipped when
//! unset; `.ci/run` sets it). Its resident memory is sampled every second and must stay flat
//! (the last quarter's mean within 10 % of the second quarter's), no request may fail, and the
//! stored forms must equal those acknowledged and agree with a full recount afterwards.

use crate::harness::*;
use chiso::http_client::Client;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The hidden fields of a page's form (`name` → `value`).
fn hidden(html: &str) -> Vec<(String, String)> {
    html.split("<input")
        .skip(1)
        .filter(|t| t.contains("type=\"hidden\""))
        .filter_map(|t| {
            let attr = |a: &str| {
                let start = t.find(&format!("{a}=\""))? + a.len() + 2;
                let end = t[start..].find('"')? + start;
                Some(t[start..end].replace("&amp;", "&"))
            };
            Some((attr("name")?, attr("value")?))
        })
        .collect()
}

/// One kind of request: `Ok(true)` when it stored a form.
type Job = Box<dyn Fn(&mut Client) -> Result<bool, String> + Send>;

fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len().max(1) as f64
}

#[test]
fn a_steady_mixed_load_keeps_memory_flat_and_counts_exact() {
    let Some(secs) = std::env::var("CHISO_SOAK_SECS")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
    else {
        return;
    };
    if std::env::var("CHISO_TEST_DATABASE_URL").is_ok_and(|u| u.starts_with("postgres")) {
        return; // SQLite only: the embedded database is the one that lives in the process.
    }
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("soak.db").display());
    // One kiosk stands for a room of them: no wait between two of its forms.
    let server = start_server_with(&db, &[("CHISO_KIOSK_INTERVAL", "0")]);
    let cli = |args: &[&str]| {
        let out = run_ok(chiso_process(&db).args(args));
        String::from_utf8(out.stdout).unwrap()
    };
    let kiosk_url = cli(&words(
        "kiosk add --unit P-NINH-KIEU --survey sipas-counter",
    ));
    let kiosk_path = format!(
        "/k/{}",
        kiosk_url
            .lines()
            .next()
            .unwrap()
            .trim()
            .rsplit('/')
            .next()
            .unwrap()
    );
    let token = cli(&["token", "create", "--role", "supervisor"])
        .trim()
        .to_string();
    let year = chiso::clock::Clock::System.year();

    let stop = Arc::new(AtomicBool::new(false));
    let stored = Arc::new(AtomicU64::new(0));
    let requests = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    // Each worker: one request every `every`, on one kept-alive connection.
    let worker = |every: Duration, job: Job| {
        let (stop, stored, requests, errors, addr) = (
            stop.clone(),
            stored.clone(),
            requests.clone(),
            errors.clone(),
            server.addr.clone(),
        );
        std::thread::spawn(move || {
            let mut c = Client::new(&addr);
            let mut next = Instant::now();
            while !stop.load(Ordering::Relaxed) {
                match job(&mut c) {
                    Ok(true) => {
                        stored.fetch_add(1, Ordering::Relaxed);
                    }
                    Ok(false) => {}
                    Err(e) => errors.lock().unwrap().push(e),
                }
                requests.fetch_add(1, Ordering::Relaxed);
                next += every;
                if let Some(wait) = next.checked_duration_since(Instant::now()) {
                    std::thread::sleep(wait);
                }
            }
        })
    };
    let mut threads = Vec::new();
    // Kiosk: the form page, then the whole form posted as a tablet without JavaScript does.
    let kp = kiosk_path.clone();
    threads.push(worker(
        Duration::from_millis(100),
        Box::new(move |c| {
            let page = c.send("GET", &kp, &[], b"").map_err(|e| e.to_string())?;
            if page.status != 200 {
                return Err(format!("kiosk page {}", page.status));
            }
            let mut fields = hidden(&page.body);
            fields.retain(|(k, _)| k != "go" && k != "step");
            fields.push(("b:linh_vuc".into(), "chung_thuc".into()));
            for item in ITEMS {
                fields.push((format!("a:{item}"), "5".into()));
            }
            fields.push(("go".into(), "submit".into()));
            let body = serde_urlencoded::to_string(&fields).unwrap();
            let r = c
                .send(
                    "POST",
                    &kp,
                    &[("Content-Type", "application/x-www-form-urlencoded")],
                    body.as_bytes(),
                )
                .map_err(|e| e.to_string())?;
            let thanked =
                r.status == 303 && r.header("location").is_some_and(|l| l.ends_with("/cam-on"));
            if !thanked {
                return Err(format!(
                    "kiosk post {}: {}",
                    r.status,
                    &r.body.chars().take(300).collect::<String>()
                ));
            }
            Ok(true)
        }),
    ));
    // API: submissions.
    let t = token.clone();
    threads.push(worker(
        Duration::from_millis(50),
        Box::new(move |c| {
            let mut s = live_submission("P-NINH-KIEU", Some(4));
            s["period"] = serde_json::json!(year);
            let r = submit_live(c, &t, &s).map_err(|e| e.to_string())?;
            if r.status != 201 {
                return Err(format!("API post {}: {}", r.status, r.body));
            }
            Ok(true)
        }),
    ));
    // Dashboards: the scores as JSON and the export, read while the others write.
    let t = token.clone();
    threads.push(worker(
        Duration::from_millis(200),
        Box::new(move |c| {
            for path in [
                format!("/api/v1/scores?survey=sipas-counter&period={year}&unit=P-NINH-KIEU"),
                format!("/api/v1/parindex?period={year}"),
            ] {
                let r = c
                    .request("GET", &path, Some(&t), b"")
                    .map_err(|e| e.to_string())?;
                if r.status != 200 {
                    return Err(format!("{path}: {}", r.status));
                }
            }
            Ok(false)
        }),
    ));
    // Memory, every second.
    let started = Instant::now();
    let mut rss = Vec::new();
    while started.elapsed() < Duration::from_secs(secs) {
        std::thread::sleep(Duration::from_secs(1));
        rss.push(rss_mb(server.child.id()));
    }
    stop.store(true, Ordering::Relaxed);
    for t in threads {
        t.join().unwrap();
    }
    let errors = errors.lock().unwrap().clone();
    assert!(
        errors.is_empty(),
        "{} errors, first: {:?}",
        errors.len(),
        &errors[..errors.len().min(3)]
    );
    let q = rss.len() / 4;
    let (second, last) = (mean(&rss[q..2 * q]), mean(&rss[3 * q..]));
    let acknowledged = stored.load(Ordering::Relaxed);
    drop(server);

    // Counts: what was acknowledged is what is stored, and the running counts agree with a
    // recount from the answers.
    let in_db = stored_forms_in(&db);
    let recount = cli(&["recount"]);
    println!(
        "soak: {secs} s, {} requests, {acknowledged} forms stored, RSS second quarter {second:.1} MB, \
         last quarter {last:.1} MB, max {:.1} MB; {}",
        requests.load(Ordering::Relaxed),
        rss.iter().cloned().fold(0.0, f64::max),
        recount.lines().last().unwrap_or("")
    );
    assert_eq!(
        in_db as u64, acknowledged,
        "every acknowledged form stored, once"
    );
    assert!(recount.contains("running counts agree"), "{recount}");
    assert!(
        (last - second).abs() <= second * 0.10,
        "memory grew: second quarter {second:.1} MB, last {last:.1} MB ({rss:?})"
    );
}
