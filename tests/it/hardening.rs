//! HTTP hardening: the security headers and caching of every route, pages without inline
//! style or script, abuse limits (429, bounded memory), 405 with `Allow`, HEAD, 415, 413,
//! slow bodies cut off on a real server, and cookie flags.

use crate::authz::{expectations, fixtures, matrix_app, Who};
use crate::harness::*;
use actix_web::cookie::Cookie;
use actix_web::http::{Method, StatusCode};
use actix_web::test::{self, TestRequest};
use chiso::web::hygiene::SECURITY_HEADERS;
use serde_json::Value;
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

fn from(ip: &str) -> SocketAddr {
    format!("{ip}:40000").parse().unwrap()
}

fn header(resp: &actix_web::dev::ServiceResponse, name: &str) -> String {
    resp.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

/// The tags of an HTML page, each as (name, attribute text), lower-cased names.
fn tags(html: &str) -> Vec<(String, String)> {
    html.split('<')
        .skip(1)
        .filter_map(|t| {
            let t = &t[..t.find('>')?];
            let name: String = t
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '!' || *c == '/')
                .collect();
            Some((name.to_ascii_lowercase(), t[name.len()..].to_string()))
        })
        .collect()
}

/// What a Content-Security-Policy without 'unsafe-inline' would block in a page.
fn inline_code(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (name, attrs) in tags(html) {
        if name == "style" {
            found.push("<style> element".to_string());
        }
        if name == "script" && !attrs.contains("src=") {
            found.push("<script> without src".to_string());
        }
        // Attribute names: a space, the name, then `=`.
        for word in attrs.split_whitespace() {
            let attr = word.split('=').next().unwrap_or("").to_ascii_lowercase();
            if attr == "style" || (attr.starts_with("on") && attr.len() > 2 && word.contains('=')) {
                found.push(format!("<{name} {word}>"));
            }
        }
        if attrs.contains("javascript:") {
            found.push(format!("<{name}> with a javascript: address"));
        }
    }
    found
}

#[test]
fn the_inline_code_finder_finds_what_it_must() {
    assert_eq!(
        inline_code(r#"<p class="a">x</p><script src="/s.js"></script>"#).len(),
        0
    );
    assert_eq!(inline_code(r#"<p style="color:red">x</p>"#).len(), 1);
    assert_eq!(
        inline_code("<style>p{}</style><script>alert(1)</script>").len(),
        2
    );
    assert_eq!(inline_code(r#"<button onclick="x()">"#).len(), 1);
}

/// The authorisation matrix's app with its records, served, its admin signed in, and every
/// route at the address the admin asks it at (or, where the address holds a secret, its
/// owner).
async fn every_route_as_admin() -> (TestApp, Web, Staff, Vec<(Method, String)>) {
    let app = matrix_app();
    let f = fixtures(&app).await;
    let svc = service!(app);
    let admin = svc.admin().await;
    let table = expectations();
    let routes = chiso::features::route_table()
        .into_iter()
        .map(|(method, pattern)| {
            let rule = &table[&(method.clone(), pattern)];
            let who = rule.owner.unwrap_or(Who::Admin);
            let uri = f.path(pattern, who, rule);
            (method, uri)
        })
        .collect();
    (app, svc, admin, routes)
}

/// Every route, asked as an admin (or, where the address holds a secret, as its owner):
/// every answer carries the security headers, and none may be kept by a shared cache but
/// the public page and the versioned static files (the interviewer app's unversioned files
/// are revalidated on every use). Also errors: 404, 405, 401, 403.
#[actix_web::test]
async fn every_route_and_error_carries_the_security_headers() {
    let (_app, svc, admin, mut uris) = every_route_as_admin().await;
    uris.push((Method::GET, "/khong-co-trang-nay".into()));
    uris.push((Method::DELETE, "/scores".into()));
    let mut checked = 0;
    for (method, uri) in &uris {
        if uri == "/logout" {
            continue; // it ends the session the others use; asked last, below
        }
        // A POST without its CSRF field changes nothing and is refused: headers all the same.
        let req = TestRequest::default()
            .method(method.clone())
            .uri(uri)
            .cookie(Cookie::new("chiso_session", admin.session.clone()))
            .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
            .set_payload("x=1");
        let resp = svc.call(req).await;
        for (name, value) in SECURITY_HEADERS {
            assert_eq!(header(&resp, name), value, "{method} {uri}: {name}");
        }
        let cache = header(&resp, "cache-control");
        if uri == "/static/kiosk-sw.js" {
            // A service worker keeps one address: the browser asks for it again each time.
            assert_eq!(cache, "no-cache", "{uri}");
        } else if uri.starts_with("/static/") || uri == "/phong-van/app.js" {
            assert!(cache.contains("max-age=31536000"), "{uri}: {cache}");
        } else if uri.starts_with("/phong-van/") && uri != "/phong-van/pack.json" {
            // The interviewer app's worker, manifest and icon hold no data and are asked
            // for afresh, so a new build reaches the tablets.
            assert_eq!(cache, "no-cache", "{uri}");
        } else if uri.starts_with("/public") && resp.status() == StatusCode::OK {
            assert!(cache.starts_with("public"), "{uri}: {cache}");
            assert!(!header(&resp, "etag").is_empty(), "{uri} keeps its ETag");
        } else {
            assert_eq!(cache, "no-store", "{method} {uri} ({})", resp.status());
        }
        checked += 1;
    }
    assert!(checked >= 80, "{checked} routes checked");
    // The API without a token, and signing out.
    let resp = svc.call(TestRequest::get().uri("/api/v1/units")).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert!(header(&resp, "content-security-policy").contains("frame-ancestors 'none'"));
    let resp = svc
        .call(
            TestRequest::post()
                .uri("/logout")
                .cookie(Cookie::new("chiso_session", admin.session.clone())),
        )
        .await;
    assert_eq!(header(&resp, "x-frame-options"), "DENY");
    assert_eq!(header(&resp, "cache-control"), "no-store");
}

/// Every page an admin can reach (and the kiosk, link and code pages as their owners reach
/// them) links the one versioned stylesheet and holds no inline style or script, so a
/// Content-Security-Policy without 'unsafe-inline' leaves it whole.
#[actix_web::test]
async fn no_page_holds_inline_style_or_script() {
    let (_app, svc, admin, routes) = every_route_as_admin().await;
    let mut pages = 0;
    let mut wrong = Vec::new();
    for (method, uri) in routes {
        if method != Method::GET {
            continue;
        }
        let Answer {
            status, text: body, ..
        } = admin.get(uri.clone()).await;
        if !body.trim_start().starts_with("<!DOCTYPE") {
            continue; // CSV, JSON, scripts, the stylesheet
        }
        // Error pages (an export with no data yet) are pages too, and checked as such.
        pages += usize::from(status.is_success());
        let css = chiso::ui::assets::css_url();
        if !body.contains(&format!(r#"<link rel="stylesheet" href="{css}">"#)) {
            wrong.push(format!("{uri}: no link to {css}"));
        }
        for bad in inline_code(&body) {
            wrong.push(format!("{uri}: {bad}"));
        }
    }
    assert!(pages >= 30, "only {pages} pages read whole");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // The stylesheet itself: served as CSS, holding the rules that replaced inline styles.
    let resp = svc
        .call(TestRequest::get().uri(&chiso::ui::assets::css_url()))
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(header(&resp, "content-type"), "text/css; charset=utf-8");
    let css = String::from_utf8(test::read_body(resp).await.to_vec()).unwrap();
    assert_says(&css, &["main.narrow{", "svg.chart{"]);
}

/// Past its quota an address, a kiosk and a code each get 429 with `Retry-After` and a
/// Vietnamese message (the API's as JSON); other addresses are not held back.
#[actix_web::test]
async fn spent_limits_answer_429_with_a_message() {
    let app = TestApp::builder()
        .settings(|s| {
            s.limit_per_address = 5;
            s.limit_per_kiosk = 3;
            s.limit_per_code = 3;
        })
        .with_kiosk("NK-P-AN-BINH", "sipas-counter")
        .build();
    let svc = service!(app);
    let get = |uri: &str, ip: &str| TestRequest::get().uri(uri).peer_addr(from(ip));
    for _ in 0..5 {
        let resp = svc.call(get("/o", "10.0.0.1")).await;
        assert_eq!(resp.status(), StatusCode::OK);
    }
    let resp = svc.call(get("/o", "10.0.0.1")).await;
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = header(&resp, "retry-after").parse().unwrap();
    assert!((1..=12).contains(&wait), "one of five a minute: {wait} s");
    assert_eq!(header(&resp, "x-content-type-options"), "nosniff");
    let page = String::from_utf8(test::read_body(resp).await.to_vec()).unwrap();
    assert_says(&page, &["Quá nhiều yêu cầu", "giây"]);
    // Another address is let in; signed-in pages are not counted against the public quota.
    let resp = svc.call(get("/o", "10.0.0.2")).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let resp = svc.call(get("/login", "10.0.0.1")).await;
    assert_eq!(resp.status(), StatusCode::OK);
    // The API from a spent address: JSON with a null field.
    let resp = svc
        .call(
            TestRequest::get()
                .uri("/api/v1/units")
                .peer_addr(from("10.0.0.1"))
                .insert_header(("Authorization", format!("Bearer {}", app.viewer_token))),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(!header(&resp, "retry-after").is_empty());
    let body: Value = test::read_body_json(resp).await;
    assert!(body["error"]
        .as_str()
        .unwrap()
        .contains("Quá nhiều yêu cầu"));
    assert_eq!(body["field"], Value::Null);
    // One kiosk, asked from ever new addresses: its own quota.
    let kiosk = format!("/k/{}", app.kiosks[0]);
    for n in 0..3 {
        let resp = svc.call(get(&kiosk, &format!("10.1.0.{n}"))).await;
        assert_eq!(resp.status(), StatusCode::OK);
    }
    let resp = svc.call(get(&kiosk, "10.1.0.9")).await;
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    // One slip code, however it is written.
    for (n, code) in ["ab3cd-ef4gh", "AB3CDEF4GH", "AB3CD-EF4GH"]
        .iter()
        .enumerate()
    {
        let resp = svc
            .call(get(&format!("/o/{code}"), &format!("10.2.0.{n}")))
            .await;
        assert_ne!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    }
    let resp = svc.call(get("/o/Ab3cd-Ef4gh", "10.2.0.9")).await;
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
}

/// A flood of distinct addresses, kiosk tokens and codes: the tables stay under their cap,
/// and the limit still holds for the address that spends its quota last.
#[actix_web::test]
async fn a_flood_of_distinct_keys_keeps_the_limiter_memory_bounded() {
    const CAP: usize = 300;
    let app = TestApp::builder()
        .settings(|s| {
            s.limit_per_address = 2;
            s.limit_per_code = 2;
            s.limit_per_kiosk = 2;
            s.limit_keys = CAP;
        })
        .build();
    let svc = service!(app);
    let limits = app.state.abuse_limits.clone();
    let mut most = 0;
    for n in 0..3_000u32 {
        let ip = format!("10.{}.{}.{}", n >> 16, (n >> 8) & 255, n & 255);
        let uri = if n % 2 == 0 {
            format!("/o/CODE{n}")
        } else {
            format!("/k/{n:064}")
        };
        let resp = svc
            .call(TestRequest::get().uri(&uri).peer_addr(from(&ip)))
            .await;
        assert_ne!(
            resp.status(),
            StatusCode::TOO_MANY_REQUESTS,
            "{uri} from {ip}"
        );
        most = most.max(
            limits
                .by_address
                .len()
                .max(limits.by_code.len())
                .max(limits.by_kiosk.len()),
        );
    }
    assert!(most <= CAP, "a table grew to {most} entries (cap {CAP})");
    assert!(most >= CAP / 2, "the flood filled the tables: {most}");
    for expect in [
        StatusCode::OK,
        StatusCode::OK,
        StatusCode::TOO_MANY_REQUESTS,
    ] {
        let resp = svc
            .call(TestRequest::get().uri("/o").peer_addr(from("192.0.2.1")))
            .await;
        assert_eq!(resp.status(), expect);
    }
}

/// A known address asked with a method it does not serve: 405 and the methods it does.
#[actix_web::test]
async fn a_wrong_method_gets_405_with_allow() {
    let app = spawn_app();
    let svc = service!(app);
    for (method, uri, allow) in [
        (Method::POST, "/scores", "GET, HEAD"),
        (Method::GET, "/logout", "POST"),
        (Method::DELETE, "/k/abc", "GET, HEAD, POST"),
        (Method::PUT, "/entry/forms/x/delete", "POST"),
        (Method::PUT, "/api/v1/responses", "POST"),
    ] {
        let resp = svc
            .call(TestRequest::default().method(method.clone()).uri(uri))
            .await;
        assert_eq!(
            resp.status(),
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {uri}"
        );
        assert_eq!(header(&resp, "allow"), allow, "{method} {uri}");
        let body = String::from_utf8(test::read_body(resp).await.to_vec()).unwrap();
        if uri.starts_with("/api/") {
            let v: Value = serde_json::from_str(&body).unwrap();
            assert_eq!(v["field"], Value::Null);
            assert!(v["error"].as_str().unwrap().contains("POST"));
        } else {
            assert!(body.contains("Phương thức không được hỗ trợ"), "{body}");
        }
    }
    let resp = svc.call(TestRequest::post().uri("/khong-co")).await;
    assert_eq!(
        resp.status(),
        StatusCode::NOT_FOUND,
        "an unknown path stays 404"
    );
}

/// HEAD answers wherever GET does: same status and type, no body.
#[actix_web::test]
async fn head_answers_where_get_does_without_a_body() {
    let app = spawn_app();
    let svc = service!(app);
    for uri in [
        "/login",
        "/healthz",
        "/public",
        "/o",
        "/static/chiso.css",
        "/scores",
    ] {
        let get = svc.call(TestRequest::get().uri(uri)).await;
        let (status, kind) = (get.status(), header(&get, "content-type"));
        let get_body = test::read_body(get).await;
        let head = svc
            .call(TestRequest::default().method(Method::HEAD).uri(uri))
            .await;
        assert_eq!(head.status(), status, "HEAD {uri}");
        assert_eq!(header(&head, "content-type"), kind, "HEAD {uri}");
        assert_eq!(header(&head, "x-content-type-options"), "nosniff");
        assert!(
            test::read_body(head).await.is_empty(),
            "HEAD {uri} has no body"
        );
        if status == StatusCode::OK {
            assert!(!get_body.is_empty(), "GET {uri} has one");
        }
    }
}

/// The API takes JSON only: another declared type is 415 in the API's error shape, and
/// nothing is stored; a charset parameter is fine.
#[actix_web::test]
async fn the_api_refuses_bodies_that_are_not_json() {
    let app = spawn_app();
    let svc = service!(app);
    let body = submission("NK-P-AN-BINH", Some(4)).to_string();
    let post = |kind: Option<&str>| {
        let mut r = TestRequest::post()
            .uri("/api/v1/responses")
            .insert_header(("Authorization", format!("Bearer {}", app.surveyor_token)));
        if let Some(k) = kind {
            r = r.insert_header(("Content-Type", k.to_string()));
        }
        r.set_payload(body.clone())
    };
    for kind in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=x"),
        None,
    ] {
        let resp = svc.call(post(kind)).await;
        assert_eq!(
            resp.status(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{kind:?}"
        );
        let v: Value = test::read_body_json(resp).await;
        assert!(v["error"].as_str().unwrap().contains("application/json"));
        assert_eq!(v["field"], Value::Null);
    }
    assert_eq!(app.responses(), 0);
    let resp = svc
        .call(post(Some("application/json; charset=utf-8")))
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    assert_eq!(app.responses(), 1);
}

/// Bodies over a limit: 413, from the API's own limit and, for any route, when the declared
/// length is over the largest upload any page takes.
#[actix_web::test]
async fn bodies_over_the_limit_get_413() {
    let app = spawn_app_with(|s| s.import_max_bytes = 1024 * 1024);
    let svc = service!(app);
    let big = format!(
        "{{\"survey\": \"{}\"}}",
        "x".repeat(chiso::features::api::body::MAX_BODY)
    );
    let resp = svc
        .call(
            TestRequest::post()
                .uri("/api/v1/responses")
                .insert_header(("Authorization", format!("Bearer {}", app.surveyor_token)))
                .insert_header(("Content-Type", "application/json"))
                .set_payload(big),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let v: Value = test::read_body_json(resp).await;
    assert_eq!(v["field"], Value::Null);
    // A form over the forms' limit.
    let resp = svc
        .call(
            TestRequest::post()
                .uri("/login")
                .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
                .set_payload(format!(
                    "username={}",
                    "a".repeat(chiso::features::api::body::MAX_BODY)
                )),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE, "a long form");
    // An upload declaring more than the import limit and its headroom: refused unread.
    for uri in ["/import", "/campaigns/x/list-file", "/login"] {
        let resp = svc
            .call(
                TestRequest::post()
                    .uri(uri)
                    .insert_header(("Content-Type", "multipart/form-data; boundary=b"))
                    .set_payload("--b--\r\n")
                    .insert_header(("Content-Length", (3 * 1024 * 1024).to_string())),
            )
            .await;
        assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE, "{uri}");
        assert_eq!(header(&resp, "referrer-policy"), "same-origin");
    }
    assert_eq!(app.responses(), 0);
}

/// A real server cuts off a body that trickles in, a few seconds after it began.
#[test]
fn a_slow_body_is_cut_off() {
    let (_dir, db, _guard) = process_database();
    let server = start_server_with(&db, &[("CHISO_BODY_TIMEOUT", "2")]);
    let addr = server.addr.clone();
    let mut s = std::net::TcpStream::connect(&addr).unwrap();
    s.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    s.write_all(
        b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n\
          Content-Length: 1000\r\n\r\n",
    )
    .unwrap();
    let started = Instant::now();
    let mut answer = Vec::new();
    let mut closed = false;
    while started.elapsed() < Duration::from_secs(20) {
        // One byte every 300 ms: a body of 1000 bytes would take five minutes.
        let _ = s.write_all(b"a");
        let mut buf = [0u8; 4096];
        match s.read(&mut buf) {
            Ok(0) => {
                closed = true;
                break;
            }
            Ok(n) => answer.extend_from_slice(&buf[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => {
                closed = true;
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let took = started.elapsed();
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.starts_with("HTTP/1.1 408"),
        "answered {answer:?} after {took:?}"
    );
    assert!(closed, "the connection is closed");
    assert!(took < Duration::from_secs(8), "cut off after {took:?}");
    assert!(
        took >= Duration::from_millis(1500),
        "not before the deadline: {took:?}"
    );
}

/// Every cookie is HttpOnly and SameSite=Strict, and Secure when the public address is https
/// (and not when it is http, where the browser would drop it).
#[actix_web::test]
async fn cookies_are_secure_on_an_https_public_url() {
    for (public_url, secure) in [
        ("https://chiso.example.vn", true),
        ("http://127.0.0.1:8080", false),
    ] {
        let app = spawn_app_with(move |s| s.public_url = public_url.into());
        let svc = service!(app);
        let mut set = Vec::new();
        let resp = svc.call(TestRequest::get().uri("/login")).await;
        set.extend(
            resp.headers()
                .get_all("set-cookie")
                .map(|v| v.to_str().unwrap().to_string()),
        );
        let resp = svc
            .call(TestRequest::get().uri("/lang/en?back=/login"))
            .await;
        set.extend(
            resp.headers()
                .get_all("set-cookie")
                .map(|v| v.to_str().unwrap().to_string()),
        );
        let admin = svc.admin().await;
        assert!(!admin.session.is_empty());
        // The session cookie, as the sign-in answer set it.
        let (pre, token) = svc.login_page().await;
        let resp = svc
            .send(login_request(&pre, &token, "admin", ADMIN_PASSWORD))
            .await;
        assert_eq!(resp.status, StatusCode::SEE_OTHER);
        set.extend(
            resp.headers
                .get_all("set-cookie")
                .map(|v| v.to_str().unwrap().to_string()),
        );
        for name in ["chiso_csrf=", "chiso_session=", "lang="] {
            assert!(
                set.iter().any(|c| c.starts_with(name)),
                "{name} set: {set:?}"
            );
        }
        for c in &set {
            assert_says(c, &["HttpOnly", "SameSite=Strict"]);
            assert_eq!(c.contains("Secure"), secure, "{public_url}: {c}");
        }
    }
}
