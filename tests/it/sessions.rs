//! Sign-in, sessions and CSRF as an attacker tries them, and the anonymity of stored answers.

use crate::campaign::{dump, text_columns};
use crate::harness::*;
use actix_web::cookie::Cookie;
use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use chiso::db::AnyConnection;
use diesel::RunQueryDsl;
use std::net::SocketAddr;
use std::time::Instant;

const WARD: &str = "NK-P-CAI-KHE";

fn from(ip: &str) -> SocketAddr {
    format!("{ip}:40000").parse().unwrap()
}

fn login(pre: &str, token: &str, name: &str, password: &str, ip: &str) -> TestRequest {
    TestRequest::post()
        .uri("/login")
        .peer_addr(from(ip))
        .cookie(Cookie::new("chiso_csrf", pre.to_string()))
        .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
        .set_payload(format!("csrf={token}&username={name}&password={password}"))
}

#[actix_web::test]
async fn a_token_the_browser_picks_or_a_page_of_another_site_is_refused() {
    let app = spawn_app_with_staff(&[("lan", Role::Admin)]);
    let svc = service!(app);
    // Cookie and field of the client's choosing (the old double submit accepted these).
    let picked = "ab".repeat(32);
    let resp = svc
        .send(login(&picked, &picked, "lan", USER_PASSWORD, "10.0.0.1"))
        .await;
    assert_eq!(resp.status, StatusCode::FORBIDDEN);
    // The server's token for one pre-session id does not fit another.
    let (pre, token) = svc.login_page().await;
    let (other_pre, _) = svc.login_page().await;
    let resp = svc
        .send(login(&other_pre, &token, "lan", USER_PASSWORD, "10.0.0.1"))
        .await;
    assert_eq!(resp.status, StatusCode::FORBIDDEN);
    // A right token, posted from a page of another site.
    for (header, value) in [
        ("Origin", "https://evil.example"),
        ("Origin", "null"),
        ("Referer", "https://evil.example/form.html"),
    ] {
        let req =
            login(&pre, &token, "lan", USER_PASSWORD, "10.0.0.1").insert_header((header, value));
        let resp = svc.send(req).await;
        assert_eq!(resp.status, StatusCode::FORBIDDEN, "{header}: {value}");
        assert!(resp.text.contains("trang web khác"));
    }
    // From the public address, it signs in.
    let public = app.state.settings.public_url.clone();
    let req =
        login(&pre, &token, "lan", USER_PASSWORD, "10.0.0.1").insert_header(("Origin", public));
    let resp = svc.send(req).await;
    assert_eq!(resp.status, StatusCode::SEE_OTHER);
    let session = resp.cookie("chiso_session").unwrap();
    // Signed in, a form needs the session's token: not the sign-in page's, not one picked.
    for wrong in [token.as_str(), picked.as_str()] {
        let resp = svc
            .send(
                TestRequest::post()
                    .uri("/admin/tokens")
                    .cookie(Cookie::new("chiso_session", session.clone()))
                    .cookie(Cookie::new("chiso_csrf", wrong.to_string()))
                    .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
                    .set_payload(format!("csrf={wrong}&role=viewer&label=x")),
            )
            .await;
        assert_eq!(resp.status, StatusCode::FORBIDDEN);
    }
    let right = chiso::web::extract::session_token(&app.state, &session);
    let resp = svc
        .send(
            TestRequest::post()
                .uri("/admin/tokens")
                .cookie(Cookie::new("chiso_session", session.clone()))
                .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
                .set_payload(format!("csrf={right}&role=viewer&label=x")),
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK);
}

#[actix_web::test]
async fn guessing_from_one_address_does_not_lock_the_user_out_and_cannot_race_the_limit() {
    let app = spawn_app_with_staff(&[("lan", Role::Viewer)]);
    let svc = service!(app);
    let (pre, token) = svc.login_page().await;
    // Forty wrong passwords at once from one address: only the first ten are checked.
    let tries = (0..40).map(|_| {
        svc.send(login(
            &pre,
            &token,
            "lan",
            "sai-mat-khau-roi",
            "203.0.113.5",
        ))
    });
    let statuses = statuses_at_once(tries).await;
    let checked = how_many(&statuses, StatusCode::UNAUTHORIZED);
    let throttled = how_many(&statuses, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        (checked, throttled),
        (10, 30),
        "ten checked, the rest refused unchecked"
    );
    // The right password from that address waits too…
    let resp = svc
        .send(login(&pre, &token, "lan", USER_PASSWORD, "203.0.113.5"))
        .await;
    assert_eq!(resp.status, StatusCode::TOO_MANY_REQUESTS);
    // The page says what the limit does, as the limit does it: one more try every 90 s.
    assert!(
        resp.text.contains("Xin đợi 90 giây rồi thử lại")
            && resp.text.contains("mỗi 90 giây được thử thêm một lần")
            && !resp.text.contains("thử lại sau 15 phút"),
        "{}",
        resp.text
    );
    // …but the user at their own desk signs in.
    let resp = svc
        .send(login(&pre, &token, "lan", USER_PASSWORD, "192.0.2.20"))
        .await;
    assert_eq!(resp.status, StatusCode::SEE_OTHER);
    // One address trying many names is stopped as well (30 tries in all).
    let mut refused = 0;
    for i in 0..35 {
        let resp = svc
            .send(login(
                &pre,
                &token,
                &format!("u{i}"),
                "sai-mat-khau-roi",
                "198.51.100.1",
            ))
            .await;
        if resp.status == StatusCode::TOO_MANY_REQUESTS {
            refused += 1;
        }
    }
    assert_eq!(refused, 5);
}

#[actix_web::test]
async fn an_unknown_name_costs_the_same_as_a_wrong_password() {
    let app = spawn_app_with_staff(&[("lan", Role::Viewer)]);
    let time = |name: &'static str, i: usize| {
        let state = app.state.clone();
        async move {
            let ip = format!("192.0.2.{i}").parse().ok();
            let t = Instant::now();
            let r =
                chiso::features::sign_in::service::sign_in(&state, ip, name, "sai-mat-khau-roi")
                    .await
                    .unwrap();
            assert!(matches!(
                r,
                chiso::features::sign_in::service::SignIn::Refused
            ));
            t.elapsed().as_secs_f64()
        }
    };
    // One of each first, so that neither pays for a first hash.
    time("lan", 200).await;
    time("khong-co-ai", 201).await;
    let (mut known, mut unknown) = (Vec::new(), Vec::new());
    for i in 0..15 {
        known.push(time("lan", i).await);
        unknown.push(time("khong-co-ai", 100 + i).await);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (k, u) = (median(&mut known), median(&mut unknown));
    assert!(
        k / u < 3.0 && u / k < 3.0,
        "median {:.1} ms for a known name, {:.1} ms for an unknown one",
        k * 1e3,
        u * 1e3
    );
}

fn age_sessions(app: &TestApp, column: &str) {
    let mut conn = app.state.pool.get().unwrap();
    diesel::sql_query(format!(
        "UPDATE sessions SET {column} = '2001-01-01T00:00:00Z'"
    ))
    .execute(&mut conn)
    .unwrap();
}

#[actix_web::test]
async fn sessions_end_when_idle_too_long_or_too_old_and_when_the_user_is_disabled() {
    let app = spawn_app_with_staff(&[("lan", Role::Viewer)]);
    let svc = service!(app);
    for column in ["last_seen", "expires_at"] {
        let who = svc.sign_in("lan", USER_PASSWORD).await;
        let Answer { status, .. } = who.get("/scores").await;
        assert_eq!(status, StatusCode::OK);
        age_sessions(&app, column);
        let Answer {
            status, location, ..
        } = who.get("/scores").await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{column} passed");
        assert!(location.unwrap().starts_with("/login"));
    }
    // `chiso user disable` ends the sessions at once.
    let who = svc.sign_in("lan", USER_PASSWORD).await;
    run_ok(chiso_process(&app.database_url).args(["user", "disable", "lan"]));
    let Answer { status, .. } = who.get("/scores").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(open_sessions(&app, "lan"), 0);
}

#[test]
fn every_way_of_setting_a_password_refuses_a_short_one() {
    let (_dir, db, _guard) = process_database();
    // First start.
    let out = chiso_process(&db)
        .env("CHISO_ADMIN_PASSWORD", "ngan-qua")
        .args(["user", "list"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("ít nhất 12 ký tự"),
        "{err}"
    );
    // The command line, adding and resetting.
    let out = chiso_process(&db)
        .env("CHISO_USER_PASSWORD", "ngan-qua")
        .args(["user", "add", "lan", "--role", "viewer"])
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stderr).to_string() + &String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success() && text.contains("12"), "{text}");
    let out = chiso_process(&db)
        .env("CHISO_USER_PASSWORD", "ngan-qua")
        .args(["user", "password", "admin"])
        .output()
        .unwrap();
    assert!(!out.status.success());
}

#[actix_web::test]
async fn a_kiosk_page_cannot_make_itself_younger() {
    let app = TestApp::builder().with_kiosk(WARD, "sipas-counter").build();
    let token = app.kiosks[0].clone();
    // The page as a tablet got it seven hours ago.
    let mut earlier = app.state.clone();
    earlier.clock = chiso::clock::Clock::Fixed(test_clock().now_utc() - chrono::Duration::hours(7));
    let old_svc = Web::new(
        actix_web::test::init_service(
            actix_web::App::new().configure(chiso::startup::configure(earlier)),
        )
        .await,
        TestRequest::to_request,
    );
    let page = old_svc.citizen(&token).form().await.text;
    let svc = service!(app);
    let kiosk = svc.citizen(&token);
    let old = filled_form(&page, None);
    assert_eq!(
        kiosk.post_encoded(old.clone()).await.status,
        StatusCode::CONFLICT,
        "seven hours old"
    );
    let now = test_clock().now_utc().timestamp().to_string();
    let forged = old.replace(&hidden(&page, "issued"), &now);
    assert_eq!(
        kiosk.post_encoded(forged).await.status,
        StatusCode::CONFLICT,
        "a fresh `issued` the server did not sign"
    );
    let unsigned = old.replace(&hidden(&page, "sig"), "");
    assert_eq!(
        kiosk.post_encoded(unsigned).await.status,
        StatusCode::CONFLICT
    );
    assert_eq!(app.responses(), 0);
}

/// Whether a stored value holds a time of day (`12:34`).
fn has_time_of_day(text: &str) -> bool {
    let b = text.as_bytes();
    b.windows(5).any(|w| {
        w[0].is_ascii_digit()
            && w[1].is_ascii_digit()
            && w[2] == b':'
            && w[3].is_ascii_digit()
            && w[4].is_ascii_digit()
    })
}

fn tables(conn: &mut AnyConnection) -> Vec<String> {
    #[derive(diesel::QueryableByName)]
    struct Name {
        #[diesel(sql_type = diesel::sql_types::Text)]
        line: String,
    }
    let q = match conn {
        AnyConnection::Sqlite(_) => {
            "SELECT name AS line FROM sqlite_master WHERE type = 'table' \
             AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '__diesel%'"
        }
        AnyConnection::Postgresql(_) => {
            "SELECT CAST(table_name AS TEXT) AS line FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_name NOT LIKE '__diesel%'"
        }
    };
    let rows: Vec<Name> = diesel::sql_query(q).load(conn).unwrap();
    rows.into_iter().map(|r| r.line).collect()
}

#[actix_web::test]
async fn nothing_stored_dates_an_answer_finer_than_its_day_or_keeps_a_submission_id() {
    let app = TestApp::builder().with_kiosk(WARD, "sipas-counter").build();
    let token = app.kiosks[0].clone();
    let svc = service!(app);
    let mut sent_ids = Vec::new();
    // The API, with a UUIDv1 (time and network address of the device) as submission id.
    let v1 = "6ba7b810-9dad-11d1-80b4-00c04fd430c8";
    let mut s = submission(WARD, Some(5));
    s["submission_id"] = serde_json::json!(v1);
    let surveyor = svc.token(&app.surveyor_token);
    let resp = surveyor.post_json("/api/v1/responses", &s).await;
    assert_eq!(resp.status, StatusCode::CREATED);
    let first = resp.json();
    // Idempotency holds through the keyed hash, in any spelling of the id.
    s["submission_id"] = serde_json::json!(v1.to_uppercase());
    let resp = surveyor.post_json("/api/v1/responses", &s).await;
    assert_eq!(resp.status, StatusCode::OK);
    let again = resp.json();
    assert_eq!(first["id"], again["id"]);
    sent_ids.push(v1.to_string());
    // The kiosk.
    let kiosk = svc.citizen(&token);
    let page = kiosk.form().await.text;
    sent_ids.push(hidden(&page, "submission_id"));
    let resp = kiosk.post_encoded(filled_form(&page, None)).await;
    assert_eq!(resp.status, StatusCode::SEE_OTHER);
    // A slip's code, online.
    let (codes, _) =
        chiso::features::codes::service::issue(&app.state, "test", WARD, "sipas-counter", 1, 30)
            .unwrap();
    let uri = format!("/o/{}", codes[0]);
    let citizen = svc.anonymous();
    let page = citizen.get(&uri).await.text;
    sent_ids.push(hidden(&page, "submission_id"));
    let resp = citizen.post_encoded(&uri, filled_form(&page, None)).await;
    assert_eq!(resp.status, StatusCode::OK);
    assert_eq!(app.responses(), 3);

    let mut conn = app.state.pool.get().unwrap();
    let ids: Vec<String> = {
        use chiso::db::schema::responses::dsl::*;
        use diesel::prelude::*;
        responses.select(id).load(&mut conn).unwrap()
    };
    for rid in &ids {
        assert_eq!(uuid::Uuid::parse_str(rid).unwrap().get_version_num(), 4);
    }
    // What staff do (sign-ins, tokens, kiosks, codes) is dated; nothing about an answer is.
    let staff_tables = ["users", "sessions", "api_tokens", "kiosks", "audit_log"];
    for table in tables(&mut conn) {
        if text_columns(&mut conn, &table).is_empty() {
            continue;
        }
        for line in dump(&mut conn, &table) {
            for sid in &sent_ids {
                assert!(
                    !line.to_lowercase().contains(&sid.to_lowercase()),
                    "{table} keeps a submission id as sent: {line}"
                );
            }
            if !staff_tables.contains(&table.as_str()) && table != "visit_codes" {
                assert!(!has_time_of_day(&line), "{table} dates an answer: {line}");
            }
        }
    }
    // A slip's code is dated when issued (by staff), its use by the day only.
    for line in dump(&mut conn, "visit_codes") {
        let used = line.rsplit('|').next().unwrap();
        assert!(!has_time_of_day(used), "{line}");
    }
}
