//! Abuse limits against an attacker who spells paths differently, an open redirect through
//! the language switch, integrators whose tokens must not be held back as anonymous callers,
//! kiosk posts sent all at once, and API parameters out of their documented bounds.

use crate::harness::*;
use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use serde_json::Value;
use std::net::SocketAddr;
use std::process::Stdio;
use std::time::Instant;

fn from(ip: &str) -> SocketAddr {
    format!("{ip}:40000").parse().unwrap()
}

/// The ways one path can be written that reach the same route.
fn spellings(path: &str) -> Vec<String> {
    let c = path.as_bytes()[1];
    vec![
        path.to_string(),
        format!("/%{c:02X}{}", &path[2..]),
        format!("/%{c:02x}{}", &path[2..]),
        format!("/{path}"),
        format!("/.{path}"),
        format!("/x/..{path}"),
    ]
}

/// Every spelling of a public path is limited exactly as the plain path: the same quota from
/// one address, then 429; and each one reaches the same route (the same answer as the plain
/// path's), so none is a detour past the limits.
#[actix_web::test]
async fn every_spelling_of_a_path_is_limited_as_the_plain_path() {
    const QUOTA: u32 = 4;
    let app = TestApp::builder()
        .settings(|s| {
            s.limit_per_address = QUOTA;
            s.limit_per_kiosk = QUOTA;
            s.limit_per_code = QUOTA;
        })
        .with_kiosk("NK-P-AN-BINH", "sipas-counter")
        .build();
    let svc = service!(app);
    let ask = |uri: &str, ip: &str| {
        TestRequest::get()
            .uri(uri)
            .peer_addr(from(ip))
            .insert_header(("Authorization", "Bearer not-a-token"))
    };
    let mut address = 0u32;
    for plain in ["/public", "/o", "/api/v1/units"] {
        address += 1;
        let plain_status = svc
            .call(ask(plain, &format!("10.9.0.{address}")))
            .await
            .status();
        assert_ne!(plain_status, StatusCode::NOT_FOUND, "{plain}");
        for spelled in spellings(plain) {
            address += 1;
            let ip = format!("10.9.{}.{}", address / 200, address % 200);
            for n in 0..QUOTA {
                let resp = svc.call(ask(&spelled, &ip)).await;
                assert_eq!(
                    resp.status(),
                    plain_status,
                    "{spelled} (request {n}) reaches the route of {plain}"
                );
            }
            let resp = svc.call(ask(&spelled, &ip)).await;
            assert_eq!(
                resp.status(),
                StatusCode::TOO_MANY_REQUESTS,
                "{spelled} past the quota of one address"
            );
        }
    }

    // One kiosk and one code keep one quota however their secret is written, asked from ever
    // new addresses: `/k/%31…` is the same kiosk as `/k/1…`.
    let token = &app.kiosks[0];
    let first = token.as_bytes()[0];
    let kiosk_spellings = [
        format!("/k/{token}"),
        format!("/%6B/{token}"),
        format!("/k/%{first:02X}{}", &token[1..]),
        format!("//k//{token}"),
        format!("/%6b/%{first:02x}{}", &token[1..]),
    ];
    let code_spellings = [
        "/o/AB3CDEF4GH",
        "/%6F/AB3CDEF4GH",
        "/o/%41B3CDEF4GH",
        "//o/./ab3cd-ef4gh",
        "/%6f/%61b3cd%2Def4gh",
    ];
    for spelled in [
        kiosk_spellings.to_vec(),
        code_spellings.map(String::from).to_vec(),
    ] {
        for (n, uri) in spelled.iter().enumerate() {
            address += 1;
            let ip = format!("10.8.{}.{}", address / 200, address % 200);
            let resp = svc.call(ask(uri, &ip)).await;
            let expect_spent = n == QUOTA as usize;
            assert_eq!(
                resp.status() == StatusCode::TOO_MANY_REQUESTS,
                expect_spent,
                "{uri}: the secret's quota of {QUOTA} ({})",
                resp.status()
            );
        }
    }
}

/// The log of a real server holds no kiosk token, slip code or link, however the path that
/// carried it was written; it still logs the requests it may (so the check is not vacuous).
#[test]
fn the_log_holds_no_secret_in_any_encoding() {
    let (dir, db, _guard) = process_database();
    let token = kiosk_by_cli(&db);
    let code = slip_code_by_cli(&db);
    let link = "a1".repeat(32);

    let addr = format!("127.0.0.1:{}", free_port());
    let server = start_logged_server(&db, &addr, dir.path());
    let mut c = chiso::http_client::Client::new(&addr);
    let mut asked = 0;
    for secret in [token.as_str(), code.as_str(), link.as_str()] {
        let first = secret.as_bytes()[0];
        let rest = &secret[1..];
        for prefix in ["k", "o", "i", "K", "x", "api/v1"] {
            let p = prefix.as_bytes()[0];
            for uri in [
                format!("/{prefix}/{secret}"),
                format!("/%{p:02X}{}/{secret}", &prefix[1..]),
                format!("/%{p:02x}{}/%{first:02X}{rest}", &prefix[1..]),
                format!("//{prefix}//{secret}/cam-on/"),
                format!("/./{prefix}/{secret}/x/y"),
                format!("/{prefix}/{secret}?back=/{secret}"),
            ] {
                let r = c.request("GET", &uri, None, b"").unwrap();
                assert!(r.status < 500, "{uri}: {}", r.status);
                asked += 1;
            }
        }
        let r = c.request("GET", &format!("/{secret}"), None, b"").unwrap();
        assert!(r.status < 500);
    }
    let r = c.request("GET", "/%70ublic", None, b"").unwrap();
    assert_eq!(r.status, 200);
    let logged = server.stop_and_read_log();
    assert!(asked > 50);
    assert!(
        logged.contains("GET /public 200") && logged.contains("(no route)"),
        "the log keeps the requests it may, by their canonical path: {logged}"
    );
    for secret in [&token, &code, &link] {
        let upper = secret.to_uppercase();
        for s in [&secret[1..], &secret[..secret.len() - 1], &upper[1..]] {
            let piece = &s[..s.len().min(8)];
            assert!(
                !logged.contains(piece),
                "a secret in the log ({piece}): {logged}"
            );
        }
    }
}

/// The language switch returns only to a path of this site; every hostile `back` sends the
/// browser home, and none makes a 500.
#[actix_web::test]
async fn the_language_switch_goes_back_only_to_this_site() {
    let app = spawn_app();
    let svc = service!(app);
    let location = |resp: &actix_web::dev::ServiceResponse| {
        resp.headers()
            .get("location")
            .map(|v| v.to_str().unwrap().to_string())
    };
    for hostile in [
        "/%09/evil.example",
        "/%0d%0aSet-Cookie:%20x=1",
        "/%0aLocation:%20http://evil.example",
        "//evil.example",
        "/%5Cevil.example",
        "%5C%5Cevil.example",
        "/\\evil.example",
        "http://evil.example/",
        "https:evil.example",
        "javascript:alert(1)",
        "evil.example",
        "/%00/evil.example",
        "/%20/evil.example",
        "/%E2%80%A8/evil.example",
        "%2F%2Fevil.example",
        "",
    ] {
        let resp = svc
            .call(TestRequest::get().uri(&format!("/lang/en?back={hostile}")))
            .await;
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "back={hostile}");
        assert_eq!(location(&resp).as_deref(), Some("/"), "back={hostile}");
    }
    for fine in ["/scores?period=2025&unit=NK", "/public", "/"] {
        let resp = svc
            .call(TestRequest::get().uri(&format!(
                "/lang/vi?back={}",
                fine.replace('?', "%3F").replace('&', "%26")
            )))
            .await;
        assert_eq!(location(&resp).as_deref(), Some(fine));
    }
}

/// A valid token counts against its own quota, not its address's; an unknown token counts
/// against the address, so guessing tokens is as limited as any anonymous call.
#[actix_web::test]
async fn a_valid_token_has_its_own_quota_and_a_wrong_one_counts_against_the_address() {
    let app = TestApp::builder()
        .settings(|s| {
            s.limit_per_address = 5;
            s.limit_per_token = 30;
        })
        .build();
    let svc = service!(app);
    let call = |token: &str| {
        TestRequest::get()
            .uri("/api/v1/units")
            .peer_addr(from("10.3.0.1"))
            .insert_header(("Authorization", format!("Bearer {token}")))
    };
    // The first call is counted against the address (the token is not known yet), the
    // next 30 against the token.
    for n in 0..31 {
        let resp = svc.call(call(&app.viewer_token)).await;
        assert_eq!(resp.status(), StatusCode::OK, "call {n} with a valid token");
    }
    let resp = svc.call(call(&app.viewer_token)).await;
    assert_eq!(
        resp.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "the token's own quota"
    );
    for n in 0..4 {
        let resp = svc.call(call(&format!("guess{n}"))).await;
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "guess {n}");
    }
    let resp = svc.call(call("guess-more")).await;
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    let resp = svc.call(call(&app.surveyor_token)).await;
    assert_eq!(
        resp.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "a token not yet known is counted as its address"
    );
}

/// One surveyor token posting 4,000 counter forms over 16 connections, against a real server
/// with the default limits: none is refused.
#[test]
fn an_integrator_posting_4000_forms_over_16_connections_is_not_refused() {
    let (_dir, db, _guard) = process_database();
    let out = chiso_process(&db)
        .args(["token", "create", "--role", "surveyor"])
        .output()
        .unwrap();
    let token = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert_eq!(token.len(), 64, "{token}");
    let addr = format!("127.0.0.1:{}", free_port());
    let mut server = Server {
        child: chiso_process(&db)
            .args(["serve", "--bind", &addr])
            .env_remove("CHISO_LIMIT_PER_ADDRESS")
            .env_remove("CHISO_LIMIT_PER_KIOSK")
            .env_remove("CHISO_LIMIT_PER_CODE")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
        addr: addr.clone(),
    };
    wait_healthy(&addr);
    let started = Instant::now();
    let threads: Vec<_> = (0..16)
        .map(|_| {
            let (addr, token) = (addr.clone(), token.clone());
            std::thread::spawn(move || {
                let mut c = chiso::http_client::Client::new(&addr);
                let auth = format!("Bearer {token}");
                let headers = [
                    ("Authorization", auth.as_str()),
                    ("Content-Type", "application/json"),
                ];
                let mut statuses = Vec::new();
                for n in 0..250 {
                    let body = live_submission("P-NINH-KIEU", Some(1 + n % 5)).to_string();
                    let r = c
                        .send("POST", "/api/v1/responses", &headers, body.as_bytes())
                        .unwrap();
                    statuses.push(r.status);
                }
                statuses
            })
        })
        .collect();
    let statuses: Vec<u16> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    let elapsed = started.elapsed();
    assert_eq!(statuses.len(), 4_000);
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!(refused, 0, "429s out of 4,000 ({elapsed:?})");
    let other: Vec<&u16> = statuses.iter().filter(|s| **s != 201).take(5).collect();
    assert!(other.is_empty(), "{other:?}");
    let stored = statuses.iter().filter(|s| **s == 201).count();
    assert_eq!(stored, 4_000, "every form stored ({elapsed:?})");
    let _ = server.child.kill();
    let _ = server.child.wait();
    eprintln!("4,000 forms over 16 connections in {elapsed:?}");
}

/// Twenty posts to one kiosk at once, inside its interval: exactly one is stored, the others
/// asked to wait (429), as one post after another would be.
#[actix_web::test]
async fn twenty_kiosk_posts_at_once_store_exactly_one() {
    let (app, _svc, kiosk) = kiosk_app(|s| s.kiosk_min_interval_secs = 5).await;
    let mut forms = Vec::new();
    for _ in 0..20 {
        forms.push(filled_form(&kiosk.form().await.text, None));
    }
    let posts = forms.into_iter().map(|form| kiosk.post_encoded(form));
    let statuses = statuses_at_once(posts).await;
    let stored = how_many(&statuses, StatusCode::SEE_OTHER);
    let waiting = how_many(&statuses, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!((stored, waiting), (1, 19), "{statuses:?}");
    assert_eq!(app.responses(), 1);
}

/// `period` outside 2000–2100 is a 422 naming it on every route that takes it; the
/// description states the bounds and documents 429 on every operation.
#[actix_web::test]
async fn period_is_validated_as_documented() {
    let app = TestApp::builder()
        .with_user("lan", Role::Supervisor, None)
        .with_token(Role::Supervisor)
        .build();
    let svc = service!(app);
    let api = svc.token(&app.tokens[0]);
    for route in [
        "/api/v1/parindex?",
        "/api/v1/scores?survey=sipas-counter&",
        "/api/v1/export?survey=sipas-counter&",
    ] {
        for period in ["0", "-5", "99999", "1999", "2101", "2025.5", "abc"] {
            let resp = api.get(format!("{route}period={period}")).await;
            assert_eq!(
                resp.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{route}period={period}"
            );
            let body = resp.json();
            assert_eq!(body["field"], "period", "{body}");
        }
        let resp = api.get(format!("{route}period=2025")).await;
        assert_eq!(resp.status, StatusCode::OK, "{route}period=2025");
    }
    let doc = svc.anonymous().get("/api/v1/openapi.json").await.json();
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            operations += 1;
            assert!(
                op["responses"]["429"]["headers"]["Retry-After"].is_object(),
                "{method} {path} documents 429 with Retry-After"
            );
            for p in op["parameters"].as_array().into_iter().flatten() {
                if p["name"] == "period" {
                    assert_eq!(p["schema"]["minimum"], 2000, "{method} {path}");
                    assert_eq!(p["schema"]["maximum"], 2100, "{method} {path}");
                }
                if p["name"] == "survey" {
                    let known = p["schema"]["enum"].as_array().unwrap();
                    assert!(known.contains(&Value::from("sipas-counter")), "{p}");
                    assert_eq!(known.len(), app.state.catalog.surveys.len());
                }
                if p["name"] == "from" {
                    assert_eq!(p["schema"]["anyOf"][1]["maxLength"], 0, "empty is absent");
                }
            }
        }
    }
    assert!(operations >= 6);
    assert!(
        doc["paths"]["/api/v1/responses"]["post"]["responses"]["503"].is_object(),
        "the queue's 503"
    );
}
