//! The JSON API as integrators use it: submissions, definitions, units, scores.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use common::{spawn_app, submission, TestApp, ITEMS};
use serde_json::{json, Value};

async fn post(app: &TestApp, token: &str, body: Vec<u8>) -> (StatusCode, Value) {
    let svc = service!(app);
    let req = TestRequest::post()
        .uri("/api/v1/responses")
        .insert_header(("Authorization", format!("Bearer {token}")))
        .insert_header(("Content-Type", "application/json"))
        .set_payload(body)
        .to_request();
    let resp = test::call_service(&svc, req).await;
    let status = resp.status();
    let body = test::read_body(resp).await;
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

async fn get(app: &TestApp, token: Option<&str>, uri: &str) -> (StatusCode, Value) {
    let svc = service!(app);
    let mut req = TestRequest::get().uri(uri);
    if let Some(t) = token {
        req = req.insert_header(("Authorization", format!("Bearer {t}")));
    }
    let resp = test::call_service(&svc, req.to_request()).await;
    let status = resp.status();
    let body = test::read_body(resp).await;
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

fn find<'a>(nodes: &'a Value, code: &str) -> &'a Value {
    fn walk<'a>(nodes: &'a Value, code: &str) -> Option<&'a Value> {
        nodes.as_array()?.iter().find_map(|n| {
            if n["code"] == code {
                Some(n)
            } else {
                walk(&n["children"], code)
            }
        })
    }
    walk(nodes, code).unwrap_or_else(|| panic!("no node {code}"))
}

#[actix_web::test]
async fn health_and_login_page_answer() {
    let app = spawn_app();
    let svc = service!(app);
    let resp = test::call_service(&svc, TestRequest::get().uri("/healthz").to_request()).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(test::read_body(resp).await, "ok");
    let resp = test::call_service(&svc, TestRequest::get().uri("/login").to_request()).await;
    assert_eq!(resp.status(), 200);
}

#[actix_web::test]
async fn a_submission_is_stored_once_however_often_it_is_retried() {
    let app = spawn_app();
    let body = serde_json::to_vec(&submission("NK-P-CAI-KHE", Some(4))).unwrap();
    let (status, first) = post(&app, &app.surveyor_token, body.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    let id = first["id"].as_str().unwrap().to_string();
    assert!(uuid::Uuid::parse_str(&id).is_ok());
    for _ in 0..3 {
        let (status, again) = post(&app, &app.surveyor_token, body.clone()).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(again["id"], id.as_str());
    }
    assert_eq!(app.responses(), 1);
}

#[actix_web::test]
async fn bad_input_names_the_problem_and_stores_nothing() {
    let app = spawn_app();
    let good = submission("NK", Some(5));
    let with = |path: &[&str], v: Value| {
        let mut s = good.clone();
        let mut at = &mut s;
        for p in &path[..path.len() - 1] {
            at = &mut at[*p];
        }
        at[path[path.len() - 1]] = v;
        serde_json::to_vec(&s).unwrap()
    };
    let without = |path: &[&str]| {
        let mut s = good.clone();
        let mut at = &mut s;
        for p in &path[..path.len() - 1] {
            at = &mut at[*p];
        }
        at.as_object_mut().unwrap().remove(path[path.len() - 1]);
        serde_json::to_vec(&s).unwrap()
    };
    let mut big = good.clone();
    big["background"]["note"] = json!("x".repeat(70 * 1024));
    let cases: Vec<(&str, Vec<u8>, u16, Value)> = vec![
        (
            "unknown survey",
            with(&["survey"], json!("khong-co")),
            422,
            json!("survey"),
        ),
        (
            "unknown unit",
            with(&["unit"], json!("HN")),
            422,
            json!("unit"),
        ),
        (
            "unknown item",
            with(&["answers", "E9.9"], json!(4)),
            422,
            json!("answers.E9.9"),
        ),
        (
            "value off the scale",
            with(&["answers", "E3.2"], json!(7)),
            422,
            json!("answers.E3.2"),
        ),
        (
            "value of wrong type",
            with(&["answers", "E3.2"], json!("4")),
            422,
            json!("answers.E3.2"),
        ),
        (
            "required item missing",
            without(&["answers", "E2.4"]),
            422,
            json!("answers.E2.4"),
        ),
        (
            "background not an option",
            with(&["background", "linh_vuc"], json!("thue")),
            422,
            json!("background.linh_vuc"),
        ),
        (
            "unknown background",
            with(&["background", "ho_ten"], json!("A")),
            422,
            json!("background.ho_ten"),
        ),
        (
            "period as text",
            with(&["period"], json!("2026")),
            422,
            json!("period"),
        ),
        (
            "answers as a list",
            with(&["answers"], json!([4, 5])),
            422,
            json!("answers"),
        ),
        (
            "submission id not a UUID",
            with(&["submission_id"], json!("abc")),
            422,
            json!("submission_id"),
        ),
        (
            "unknown channel",
            with(&["channel"], json!("fax")),
            422,
            json!("channel"),
        ),
        (
            "unknown top-level field",
            with(&["phone"], json!("0900")),
            422,
            json!("phone"),
        ),
        (
            "malformed JSON",
            b"{\"survey\": ".to_vec(),
            400,
            Value::Null,
        ),
        (
            "invalid UTF-8",
            b"{\"survey\": \"\xff\xfe\"}".to_vec(),
            400,
            Value::Null,
        ),
        (
            "body over 64 KiB",
            serde_json::to_vec(&big).unwrap(),
            413,
            Value::Null,
        ),
    ];
    for (what, body, want, field) in cases {
        let (status, resp) = post(&app, &app.surveyor_token, body).await;
        assert_eq!(status.as_u16(), want, "{what}: {resp}");
        assert_eq!(resp["field"], field, "{what}: {resp}");
        assert!(
            resp["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{what}"
        );
    }
    let body = serde_json::to_vec(&good).unwrap();
    let (status, _) = post(&app, "wrong-token", body.clone()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = post(&app, &app.viewer_token, body).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let svc = service!(app);
    let resp = test::call_service(
        &svc,
        TestRequest::post()
            .uri("/api/v1/responses")
            .set_payload("{}")
            .to_request(),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.responses(), 0, "nothing may be stored on error");
}

#[actix_web::test]
async fn definitions_and_units_need_a_token() {
    let app = spawn_app();
    let (status, _) = get(&app, None, "/api/v1/surveys").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, surveys) = get(&app, Some(&app.viewer_token), "/api/v1/surveys").await;
    assert_eq!(status, StatusCode::OK);
    let counter = surveys
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "sipas-counter")
        .unwrap();
    assert_eq!(counter["items"].as_array().unwrap().len(), 19);
    assert_eq!(counter["items"][0]["code"], "E1.1");
    assert_eq!(counter["items"][0]["required"], true);
    assert_eq!(counter["items"][0]["values"].as_array().unwrap().len(), 5);
    assert!(
        counter["background"][0]["options"]
            .as_array()
            .unwrap()
            .len()
            >= 6
    );
    let (status, units) = get(&app, Some(&app.surveyor_token), "/api/v1/units").await;
    assert_eq!(status, StatusCode::OK);
    let units = units.as_array().unwrap();
    assert_eq!(units.iter().filter(|u| u["level"] == "district").count(), 9);
    assert_eq!(units.iter().filter(|u| u["level"] == "commune").count(), 83);
    let cai_khe = units.iter().find(|u| u["code"] == "NK-P-CAI-KHE").unwrap();
    assert_eq!(
        (cai_khe["name"].as_str(), cai_khe["parent"].as_str()),
        (Some("Phường Cái Khế"), Some("NK"))
    );
}

#[actix_web::test]
async fn scores_follow_the_answers_by_unit_and_date() {
    let app = spawn_app();
    // Ninh Kiều: 3 satisfied, 1 not; Cái Răng: 1 not. "No opinion" never counts.
    let mut bodies = vec![];
    for (unit, v, date) in [
        ("NK-P-CAI-KHE", Some(5), "2026-03-01"),
        ("NK-P-AN-HOA", Some(4), "2026-03-02"),
        ("NK", Some(4), "2026-06-01"),
        ("NK-P-AN-HOA", Some(2), "2026-06-02"),
        ("CR-P-HUNG-PHU", Some(1), "2026-06-03"),
        ("CR-P-HUNG-PHU", None, "2026-06-03"),
    ] {
        let mut s = submission(unit, v);
        s["date"] = json!(date);
        bodies.push(s);
    }
    for b in bodies {
        let (status, resp) = post(&app, &app.surveyor_token, serde_json::to_vec(&b).unwrap()).await;
        assert_eq!(status, StatusCode::CREATED, "{resp}");
    }
    let tok = Some(app.viewer_token.as_str());
    let (status, all) = get(&app, tok, "/api/v1/scores?survey=sipas-counter&period=2026").await;
    assert_eq!(status, StatusCode::OK, "{all}");
    assert_eq!(all["responses"], 6);
    let e1 = find(&all["nodes"], "E1");
    assert_eq!(e1["n"], 5);
    assert_eq!(e1["value"], 60.0);
    assert_eq!(e1["points"], "0.9000");
    assert_eq!(e1["baseline"], 80.24);
    assert_eq!(e1["owner"], "Văn phòng UBND thành phố");
    assert!(e1["ci_low"].as_f64().unwrap() < 60.0 && e1["ci_high"].as_f64().unwrap() > 60.0);
    let root = find(&all["nodes"], "DVHCC");
    assert_eq!(root["points"], "6.0000");
    assert_eq!(root["points_baseline"], "8.0700");
    for key in [
        "code", "name", "value", "points", "n", "ci_low", "ci_high", "baseline", "delta", "target",
        "owner", "children",
    ] {
        assert!(root.get(key).is_some(), "node lacks {key}");
    }

    let (_, nk) = get(
        &app,
        tok,
        "/api/v1/scores?survey=sipas-counter&period=2026&unit=NK",
    )
    .await;
    assert_eq!(
        find(&nk["nodes"], "E3")["value"],
        75.0,
        "a district includes its wards"
    );
    assert_eq!(find(&nk["nodes"], "E3.1")["n"], 4);
    let (_, spring) = get(
        &app,
        tok,
        "/api/v1/scores?survey=sipas-counter&period=2026&unit=NK&from=2026-01-01&to=2026-03-31",
    )
    .await;
    assert_eq!(find(&spring["nodes"], "E3")["value"], 100.0);
    assert_eq!(spring["responses"], 2);
    let (_, other_year) = get(&app, tok, "/api/v1/scores?survey=sipas-counter&period=2025").await;
    assert_eq!(find(&other_year["nodes"], "E1")["value"], Value::Null);

    for (uri, field) in [
        ("/api/v1/scores?survey=x&period=2026", "survey"),
        ("/api/v1/scores?survey=sipas-counter", "period"),
        (
            "/api/v1/scores?survey=sipas-counter&period=2026&unit=ZZ",
            "unit",
        ),
        (
            "/api/v1/scores?survey=sipas-counter&period=2026&from=yesterday",
            "from",
        ),
    ] {
        let (status, e) = get(&app, tok, uri).await;
        assert_eq!(
            (status.as_u16(), e["field"].as_str()),
            (422, Some(field)),
            "{uri}"
        );
    }
}

#[actix_web::test]
async fn running_counts_agree_with_a_full_recount() {
    use chiso::db::tallies::{load, recount, Filter};
    use rand::{Rng, SeedableRng};
    let app = spawn_app();
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let units = ["NK", "NK-P-CAI-KHE", "BT-P-TRA-NOC", "TL-X-DINH-MON", "CT"];
    for i in 0..40 {
        let mut s = submission(units[i % units.len()], None);
        for code in ITEMS {
            s["answers"][code] = match rng.gen_range(0..6) {
                0 => json!(null),
                n => json!(n),
            };
        }
        s["date"] = json!(format!("2026-0{}-1{}", 1 + i % 9, i % 10));
        let (status, r) = post(&app, &app.surveyor_token, serde_json::to_vec(&s).unwrap()).await;
        assert_eq!(status, StatusCode::CREATED, "{r}");
    }
    let mut conn = app.state.pool.get().unwrap();
    let f = Filter {
        survey_id: "sipas-counter".into(),
        period: 2026,
        ..Filter::default()
    };
    let kept = load(&mut conn, &f).unwrap();
    let mut rebuilt = chiso::scoring::Tallies::default();
    for g in recount(&mut conn, &app.state.catalog, &f).unwrap().values() {
        rebuilt.add(g);
    }
    assert_eq!(kept.responses, 40);
    assert_eq!(kept.items, rebuilt.items);
    assert_eq!(kept.pairs.len(), rebuilt.pairs.len());
    for (k, m) in &kept.pairs {
        let r = rebuilt.pairs[k];
        assert_eq!(m.n, r.n, "{k:?}");
        assert!(
            (m.sum_a - r.sum_a).abs() < 1e-9 && (m.sum_ab - r.sum_ab).abs() < 1e-9,
            "{k:?}"
        );
    }
}
