//! Save-and-next on the keying screen, as a surveyor's browser does it: post a whole household
//! form, follow the redirect to the next blank form, over HTTP, with whatever is stored.

use chiso::db::auth::Role;
use chiso::http_client::{sign_in, Client};
use chiso::state::AppState;
use chiso::survey::paper::{layout, FieldKind, Keyed};
use std::time::Instant;

const SURVEY: &str = "sipas-2022-household";

pub struct Timing {
    pub forms: usize,
    pub p50: f64,
    pub p95: f64,
}

fn form_body(fields: &Keyed, csrf: &str, serial: &str, date: &str) -> String {
    let mut pairs: Vec<(&str, &str)> = vec![("csrf", csrf), ("serial", serial), ("date", date)];
    pairs.extend(fields.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    serde_urlencoded::to_string(pairs).unwrap_or_default()
}

/// A form as a keyer types it: the first code of every question asked.
fn typed(state: &AppState) -> Result<Keyed, String> {
    let survey = state
        .catalog
        .get(SURVEY)
        .ok_or("the household survey is not loaded")?;
    let mut keys = Keyed::new();
    for f in layout(survey) {
        if let (true, FieldKind::Codes(codes)) = (f.asked(&keys), &f.kind) {
            if let Some(c) = codes.first() {
                keys.insert(f.name.clone(), c.key.clone());
            }
        }
    }
    Ok(keys)
}

fn form_headers(cookie: &str) -> [(&str, &str); 2] {
    [
        ("Content-Type", "application/x-www-form-urlencoded"),
        ("Cookie", cookie),
    ]
}

/// Keys `forms` forms into a new batch of `unit` and times each save plus the next blank form.
pub fn save_and_next(
    state: &AppState,
    addr: &str,
    unit: &str,
    period: i32,
    forms: usize,
) -> Result<Timing, String> {
    let password = chiso::secrets::new_secret();
    {
        let mut conn = state.pool.get().map_err(|e| e.to_string())?;
        for (name, role) in [
            ("bench-sup", Role::Supervisor),
            ("bench-key1", Role::Surveyor),
            ("bench-key2", Role::Surveyor),
        ] {
            super::bench_user(state, &mut conn, name, &password, role)?;
        }
    }
    let mut c = Client::new(addr);
    let sup = sign_in(&mut c, "bench-sup", &password)?;
    let cookie = sup.cookie.clone();
    let expected = forms.to_string();
    let period_text = period.to_string();
    let body = serde_urlencoded::to_string([
        ("csrf", sup.csrf.as_str()),
        ("survey", SURVEY),
        ("unit", unit),
        ("period", &period_text),
        ("expected", &expected),
        ("label", "bench"),
    ])
    .unwrap_or_default();
    let r = c
        .send(
            "POST",
            "/entry/batches",
            &form_headers(&cookie),
            body.as_bytes(),
        )
        .map_err(|e| e.to_string())?;
    let batch = r
        .header("location")
        .ok_or_else(|| format!("no batch created (HTTP {}): {}", r.status, r.body))?
        .to_string();
    // Two keyers: the first keying of a form, then the second, which verifies it and stores
    // its response with the running counts.
    let mut keyers = Vec::new();
    for name in ["bench-key1", "bench-key2"] {
        keyers.push(sign_in(&mut c, name, &password)?);
    }
    let keys = typed(state)?;
    let date = state.clock.today().format("%d/%m/%Y").to_string();
    let path = format!("{batch}/key");
    let mut lat = Vec::with_capacity(2 * forms);
    for i in 0..forms {
        for keyer in &keyers {
            let body = form_body(&keys, &keyer.csrf, &format!("B-{i:06}"), &date);
            let cookie = &keyer.cookie;
            let t = Instant::now();
            let saved = c
                .send("POST", &path, &form_headers(cookie), body.as_bytes())
                .map_err(|e| e.to_string())?;
            let next = saved
                .header("location")
                .ok_or_else(|| {
                    format!("form {i} not saved (HTTP {}): {}", saved.status, saved.body)
                })?
                .to_string();
            let page = c
                .send("GET", &next, &[("Cookie", cookie.as_str())], b"")
                .map_err(|e| e.to_string())?;
            if page.status != 200 {
                return Err(format!("next blank form: HTTP {}", page.status));
            }
            lat.push(t.elapsed().as_secs_f64() * 1e3);
        }
    }
    lat.sort_by(f64::total_cmp);
    Ok(Timing {
        forms,
        p50: super::percentile(&lat, 0.5),
        p95: super::percentile(&lat, 0.95),
    })
}
