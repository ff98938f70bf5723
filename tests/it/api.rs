//! The JSON API as integrators use it: submissions, definitions, units, scores.

use crate::harness::*;
use crate::standing::rows;
use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use chiso::clock::Clock;
use serde_json::{json, Value};

/// Posts `body` as JSON with `token`: the status and the JSON answered (null when none).
pub(crate) async fn post(app: &TestApp, token: &str, body: Vec<u8>) -> (StatusCode, Value) {
    let answer = service!(app)
        .token(token)
        .post_body("/api/v1/responses", "application/json", body)
        .await;
    (answer.status, answer.json_or_null())
}

/// A surveyor's program submits `form` through the API: the status and the JSON answered.
pub(crate) async fn submit(app: &TestApp, form: &Value) -> (StatusCode, Value) {
    post(app, &app.surveyor_token, serde_json::to_vec(form).unwrap()).await
}

/// Gets `uri` with `token`, or with none: the status and the JSON answered (null when none).
pub(crate) async fn get(app: &TestApp, token: Option<&str>, uri: &str) -> (StatusCode, Value) {
    let web = service!(app);
    let answer = match token {
        Some(t) => web.token(t).get(&uri).await,
        None => web.anonymous().get(&uri).await,
    };
    (answer.status, answer.json_or_null())
}

/// The scores `query` asks for (survey, period, …) as a viewer's token reads them; they must
/// be given.
pub(crate) async fn viewer_scores(app: &TestApp, query: &str) -> Value {
    let uri = format!("/api/v1/scores?{query}");
    let (status, scores) = get(app, Some(&app.viewer_token), &uri).await;
    assert_eq!(status, StatusCode::OK, "{uri}: {scores}");
    scores
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
    let anyone = service!(app).anonymous();
    let health = anyone.get("/healthz").await;
    assert_eq!(health.status, 200);
    assert_eq!(health.text, "ok");
    assert_eq!(anyone.get("/login").await.status, 200);
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
async fn any_spelling_of_a_submission_id_is_the_same_submission() {
    let app = spawn_app();
    let id = uuid::Uuid::new_v4();
    let plain = id.hyphenated().to_string();
    let spellings = [
        plain.clone(),
        plain.to_uppercase(),
        format!("{{{plain}}}"),
        id.simple().to_string(),
        id.simple().to_string().to_uppercase(),
        id.urn().to_string(),
        format!("  {plain} "),
        format!("{{{}}}", plain.to_uppercase()),
    ];
    let mut first = None;
    for (i, sid) in spellings.iter().enumerate() {
        let mut s = submission("NK", Some(4));
        s["submission_id"] = json!(sid);
        let (status, body) = submit(&app, &s).await;
        let expected = if i == 0 {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        };
        assert_eq!(status, expected, "{sid}: {body}");
        let id = body["id"].as_str().unwrap().to_string();
        assert_eq!(first.get_or_insert(id.clone()), &id, "{sid}");
    }
    assert_eq!(app.responses(), 1);
}

#[actix_web::test]
async fn a_date_must_fall_in_its_period_or_the_window_after_it() {
    // Forms of a period are accepted until 90 days after it; today is 15 December 2026, on
    // the merged city's map.
    let app = TestApp::builder()
        .clock(Clock::Fixed("2026-12-15T03:00:00Z".parse().unwrap()))
        .build();
    let send = |period: i32, date: Option<&str>| {
        let mut s = submission("P-NINH-KIEU", Some(5));
        s["period"] = json!(period);
        if let Some(d) = date {
            s["date"] = json!(d);
        }
        serde_json::to_vec(&s).unwrap()
    };
    let refused = [
        (2025, Some("2026-06-01"), "outside period 2025"),
        (2026, Some("2025-12-31"), "outside period 2026"),
        (2026, Some("2026-12-16"), "after today"),
        // Undated answers count under today, which is not in 2024 or its window.
        (2024, None, "today (2026-12-15) is outside period 2024"),
    ];
    for (period, date, message) in refused {
        let (status, body) = post(&app, &app.surveyor_token, send(period, date)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{date:?}: {body}");
        assert_eq!(body["field"], "date", "{body}");
        assert!(body["error"].as_str().unwrap().contains(message), "{body}");
    }
    assert_eq!(app.responses(), 0);
    // Late paper forms of 2025 still come in until the end of March 2026.
    let (status, body) = post(&app, &app.surveyor_token, send(2025, Some("2026-03-31"))).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, _) = post(&app, &app.surveyor_token, send(2025, Some("2026-04-01"))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = post(&app, &app.surveyor_token, send(2026, None)).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(app.responses(), 2);
}

#[actix_web::test]
async fn bad_input_names_the_problem_and_stores_nothing() {
    let app = spawn_app();
    let good = submission("NK", Some(5));
    // The good form with the field at `path` set to `to`, or taken out (None).
    let edited = |path: &[&str], to: Option<Value>| {
        let mut s = good.clone();
        let (last, parents) = path.split_last().unwrap();
        let mut at = &mut s;
        for p in parents {
            at = &mut at[*p];
        }
        match to {
            Some(v) => at[*last] = v,
            None => {
                at.as_object_mut().unwrap().remove(*last);
            }
        }
        serde_json::to_vec(&s).unwrap()
    };
    // Refused as unprocessable, naming the field at fault: its path, joined by dots.
    let unprocessable: [(&str, &[&str], Option<Value>); 13] = [
        ("unknown survey", &["survey"], Some(json!("khong-co"))),
        ("unknown unit", &["unit"], Some(json!("HN"))),
        ("unknown item", &["answers", "E9.9"], Some(json!(4))),
        ("value off the scale", &["answers", "E3.2"], Some(json!(7))),
        (
            "value of wrong type",
            &["answers", "E3.2"],
            Some(json!("4")),
        ),
        ("required item missing", &["answers", "E2.4"], None),
        (
            "background not an option",
            &["background", "linh_vuc"],
            Some(json!("thue")),
        ),
        (
            "unknown background",
            &["background", "ho_ten"],
            Some(json!("A")),
        ),
        ("period as text", &["period"], Some(json!("2025"))),
        ("answers as a list", &["answers"], Some(json!([4, 5]))),
        (
            "submission id not a UUID",
            &["submission_id"],
            Some(json!("abc")),
        ),
        ("unknown channel", &["channel"], Some(json!("fax"))),
        ("unknown top-level field", &["phone"], Some(json!("0900"))),
    ];
    let mut big = good.clone();
    big["background"]["note"] = json!("x".repeat(70 * 1024));
    let mut cases: Vec<(&str, Vec<u8>, u16, Value)> = unprocessable
        .into_iter()
        .map(|(what, path, to)| (what, edited(path, to), 422, json!(path.join("."))))
        .collect();
    cases.extend([
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
    ]);
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
    // No token and no content type at all.
    let bare = service!(app)
        .send(
            TestRequest::post()
                .uri("/api/v1/responses")
                .set_payload("{}"),
        )
        .await;
    assert_eq!(bare.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.responses(), 0, "nothing may be stored on error");
}

#[actix_web::test]
async fn definitions_and_units_need_a_token() {
    let app = spawn_app();
    let (status, _) = get(&app, None, "/api/v1/surveys").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, surveys) = get(&app, Some(&app.viewer_token), "/api/v1/surveys").await;
    assert_eq!(status, StatusCode::OK);
    let counter = element(&surveys, "id", "sipas-counter");
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
    let in_set = |u: &&Value, set: &str| u["sets"].as_array().unwrap().contains(&json!(set));
    let count = |level: &str, set: &str| {
        units
            .iter()
            .filter(|u| u["level"] == level && in_set(u, set))
            .count()
    };
    assert_eq!(count("district", "can-tho-2023"), 9);
    assert_eq!(count("commune", "can-tho-2023"), 83);
    assert_eq!(
        count("district", "can-tho-2025"),
        0,
        "no districts since 1 July 2025"
    );
    assert_eq!(count("commune", "can-tho-2025"), 103);
    let (_, merged) = get(
        &app,
        Some(&app.surveyor_token),
        "/api/v1/units?map=can-tho-2025",
    )
    .await;
    let merged = merged.as_array().unwrap();
    assert!(merged.iter().all(|u| in_set(&u, "can-tho-2025")));
    let ninh_kieu = merged.iter().find(|u| u["code"] == "P-NINH-KIEU").unwrap();
    assert_eq!(
        (ninh_kieu["gso_code"].as_str(), ninh_kieu["kind"].as_str()),
        (Some("31135"), Some("phường"))
    );
    let (status, body) = get(&app, Some(&app.surveyor_token), "/api/v1/units?map=x").await;
    assert_eq!(
        (status, body["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("map"))
    );
    let cai_khe = units.iter().find(|u| u["code"] == "NK-P-CAI-KHE").unwrap();
    assert_eq!(
        (cai_khe["name"].as_str(), cai_khe["parent"].as_str()),
        (Some("Phường Cái Khế"), Some("NK"))
    );
}

#[actix_web::test]
async fn scores_follow_the_answers_by_unit_and_date() {
    // The arithmetic of units and dates on a handful of forms: no smallest cell here (the
    // next test shows the default one at work).
    let app = spawn_app_with(|s| s.min_cell = 1);
    // Ninh Kiều: 3 satisfied, 1 not; Cái Răng: 1 not. "No opinion" never counts.
    let mut bodies = vec![];
    for (unit, v, date) in [
        ("NK-P-CAI-KHE", Some(5), "2025-03-01"),
        ("NK-P-AN-HOA", Some(4), "2025-03-02"),
        ("NK", Some(4), "2025-06-01"),
        ("NK-P-AN-HOA", Some(2), "2025-06-02"),
        ("CR-P-HUNG-PHU", Some(1), "2025-06-03"),
        ("CR-P-HUNG-PHU", None, "2025-06-03"),
    ] {
        let mut s = submission(unit, v);
        s["date"] = json!(date);
        bodies.push(s);
    }
    for b in bodies {
        let (status, resp) = submit(&app, &b).await;
        assert_eq!(status, StatusCode::CREATED, "{resp}");
    }
    let tok = Some(app.viewer_token.as_str());
    let (status, all) = get(&app, tok, "/api/v1/scores?survey=sipas-counter&period=2025").await;
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
        "/api/v1/scores?survey=sipas-counter&period=2025&unit=NK",
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
        "/api/v1/scores?survey=sipas-counter&period=2025&unit=NK&from=2025-01-01&to=2025-03-31",
    )
    .await;
    assert_eq!(find(&spring["nodes"], "E3")["value"], 100.0);
    assert_eq!(spring["responses"], 2);
    let (_, other_year) = get(&app, tok, "/api/v1/scores?survey=sipas-counter&period=2024").await;
    assert_eq!(find(&other_year["nodes"], "E1")["value"], Value::Null);

    for (uri, field) in [
        ("/api/v1/scores?survey=x&period=2025", "survey"),
        ("/api/v1/scores?survey=sipas-counter", "period"),
        (
            "/api/v1/scores?survey=sipas-counter&period=2025&unit=ZZ",
            "unit",
        ),
        (
            "/api/v1/scores?survey=sipas-counter&period=2025&from=yesterday",
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
    use chiso::db::counts::{load, Filter};
    use chiso::db::recount::tallies_from_answers;
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
        s["date"] = json!(format!("2025-0{}-1{}", 1 + i % 6, i % 10));
        store(&app, &s).await;
    }
    let mut conn = app.state.pool.get().unwrap();
    let f = Filter {
        survey_id: "sipas-counter".into(),
        period: 2025,
        ..Filter::default()
    };
    let kept = load(&mut conn, &f).unwrap();
    let mut rebuilt = chiso::scoring::Tallies::default();
    for g in tallies_from_answers(&mut conn, &app.state.catalog, &f)
        .unwrap()
        .values()
    {
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
    // The full recount agrees too, however the responses are split between its threads.
    drop(conn);
    for parts in 1..=4 {
        let report =
            chiso::db::recount::recount_in_parts(&app.state.pool, &app.state.layouts, false, parts)
                .unwrap();
        assert_eq!(report.responses, 40, "{parts} parts");
        assert!(
            report.differences.is_empty(),
            "{parts} parts: {:?}",
            report.differences
        );
    }
}

/// A complete submission for any survey, built only from what `GET /api/v1/surveys` says:
/// questions that others depend on get the answer that opens them.
/// Posts a submission that must be stored (201); returns the response id.
pub(crate) async fn store(app: &TestApp, body: &Value) -> String {
    let (status, r) = submit(app, body).await;
    assert_eq!(status, StatusCode::CREATED, "{r}");
    r["id"].as_str().unwrap().to_string()
}

/// A survey as `GET /api/v1/surveys` describes it: what [`answer_everything`] fills in.
pub(crate) async fn described_survey(app: &TestApp, id: &str) -> Value {
    let (status, surveys) = get(app, Some(&app.viewer_token), "/api/v1/surveys").await;
    assert_eq!(status, StatusCode::OK);
    element(&surveys, "id", id).clone()
}

pub(crate) fn answer_everything(survey: &Value, unit: &str) -> Value {
    let mut wanted: std::collections::HashMap<String, Value> = Default::default();
    for q in survey["items"]
        .as_array()
        .unwrap()
        .iter()
        .chain(survey["background"].as_array().unwrap())
    {
        if let Some(c) = q["show_if"].as_object() {
            wanted.insert(c["code"].as_str().unwrap().to_string(), c["in"][0].clone());
        }
    }
    let applies = |q: &Value, given: &serde_json::Map<String, Value>| match q["show_if"].as_object()
    {
        None => true,
        Some(c) => {
            let v = given.get(c["code"].as_str().unwrap()).map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            });
            c["in"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| Some(x.as_str().map(String::from).unwrap_or(x.to_string())) == v)
        }
    };
    let mut background = serde_json::Map::new();
    for b in survey["background"].as_array().unwrap() {
        let code = b["code"].as_str().unwrap();
        if applies(b, &background) {
            let v = wanted
                .get(code)
                .cloned()
                .unwrap_or_else(|| b["options"][0]["code"].clone());
            background.insert(
                code.into(),
                json!(v.as_str().map(String::from).unwrap_or(v.to_string())),
            );
        }
    }
    let mut answers = serde_json::Map::new();
    let mut all = background.clone();
    for item in survey["items"].as_array().unwrap() {
        let code = item["code"].as_str().unwrap();
        if !applies(item, &all) {
            continue;
        }
        let v = match wanted.get(code) {
            Some(Value::String(s)) => json!(s.parse::<i64>().unwrap()),
            Some(v) => v.clone(),
            // The best answer that carries a score.
            None => item["values"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|v| v["missing"] == false)
                .max_by(|a, b| {
                    let s = |v: &Value| v["score"].as_str().unwrap().parse::<f64>().unwrap();
                    s(a).total_cmp(&s(b))
                })
                .map(|v| v["value"].clone())
                .unwrap_or_else(|| item["values"][0]["value"].clone()),
        };
        answers.insert(code.into(), v.clone());
        all.insert(code.into(), v);
    }
    let mut body = json!({
        "survey": survey["id"], "unit": unit, "channel": "paper",
        "submission_id": uuid::Uuid::new_v4().to_string(), "period": 2025,
        "background": background, "answers": answers,
    });
    if let Some(g) = survey["groups"].as_array().and_then(|g| g.first()) {
        body["group"] = g["code"].clone();
    }
    body
}

#[actix_web::test]
async fn every_instrument_goes_in_through_the_api_and_comes_out_as_scores() {
    // Two forms per instrument, read at their district: no smallest cell to hide them.
    let app = spawn_app_with(|s| s.min_cell = 1);
    let (_, surveys) = get(&app, Some(&app.viewer_token), "/api/v1/surveys").await;
    let surveys = surveys.as_array().unwrap();
    assert_eq!(surveys.len(), 5);
    for s in surveys {
        let id = s["id"].as_str().unwrap();
        for _ in 0..2 {
            let body = answer_everything(s, "TL-X-DINH-MON");
            let (status, r) = submit(&app, &body).await;
            assert_eq!(status, StatusCode::CREATED, "{id}: {r}");
        }
        let (status, scores) = get(
            &app,
            Some(&app.viewer_token),
            &format!("/api/v1/scores?survey={id}&period=2025&unit=TL"),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{id}");
        assert_eq!(scores["responses"], 2, "{id}");
        let root = &scores["nodes"][0];
        assert!(root["value"].as_f64().is_some(), "{id}: {root}");
        assert!(root["n"].as_i64().unwrap() >= 2, "{id}");
        assert!(root["owner"].as_str().is_some(), "{id}");
        match id {
            "papi-aligned" => {
                assert_eq!(
                    root["value"], 80.0,
                    "best answers everywhere give the top of the scale"
                );
                assert_eq!(root["unit"], "score");
                assert_eq!(root["rank"]["estimate"], 1);
                assert!(scores["label"]
                    .as_str()
                    .unwrap()
                    .starts_with("ước tính theo phương pháp PAPI"));
            }
            "parindex-officials-2022" | "parindex-officials-2025" => {
                assert_eq!(root["points"], "22.0000");
                assert_eq!(root["by_group"][0]["group"], "hdnd");
            }
            _ => assert_eq!(root["value"], 100.0, "{id}"),
        }
    }
    // Officials must say which group they belong to.
    let officials = surveys
        .iter()
        .find(|s| s["id"] == "parindex-officials-2022")
        .unwrap();
    let mut body = answer_everything(officials, "CT");
    body.as_object_mut().unwrap().remove("group");
    let (status, r) = submit(&app, &body).await;
    assert_eq!((status.as_u16(), r["field"].as_str()), (422, Some("group")));
    // A free comment is kept, within its length.
    let household = surveys
        .iter()
        .find(|s| s["id"] == "sipas-2022-household")
        .unwrap();
    let mut body = answer_everything(household, "CT");
    body["comments"] = json!({"Y_KIEN": "x".repeat(2001)});
    let (status, r) = submit(&app, &body).await;
    assert_eq!(
        (status.as_u16(), r["field"].as_str()),
        (422, Some("comments.Y_KIEN"))
    );
    body["comments"] = json!({"Y_KIEN": "Cán bộ tận tình."});
    let (status, _) = submit(&app, &body).await;
    assert_eq!(status, StatusCode::CREATED);
}

#[actix_web::test]
async fn par_index_shows_2022_owners_and_survey_estimates() {
    let app = spawn_app();
    let tok = Some(app.viewer_token.as_str());
    let (status, empty) = get(&app, tok, "/api/v1/parindex?period=2025").await;
    assert_eq!(status, StatusCode::OK, "{empty}");
    assert_eq!(empty["published_total"], "86.11");
    assert_eq!(empty["published_rank"], 26);
    let criteria = rows(&empty);
    assert_eq!(criteria.len(), 44);
    let r241 = criteria.iter().find(|r| r["code"] == "2.4.1").unwrap();
    assert_eq!(
        (
            r241["points_2022"].as_str(),
            r241["shortfall_2022"].as_str()
        ),
        (Some("0.8219"), Some("0.1781"))
    );
    assert_eq!(r241["owner"], "Sở Tư pháp");
    assert_eq!(r241["estimate"], Value::Null);

    let (_, surveys) = get(&app, tok, "/api/v1/surveys").await;
    for id in ["parindex-officials-2022", "sipas-2022-household"] {
        let s = element(&surveys, "id", id);
        // Five of each: one official's answers alone are never shown, not even as the city's.
        for _ in 0..5 {
            let body = answer_everything(s, "CT");
            store(&app, &body).await;
        }
    }
    let (_, report) = get(&app, tok, "/api/v1/parindex?period=2025").await;
    let estimated = rows(&report);
    let find = |c: &str| estimated.iter().find(|r| r["code"] == c).unwrap();
    assert_eq!(find("2.4.1")["estimate"], "1.0000");
    assert_eq!(find("2.4.1")["delta"], "+0.1781");
    assert_eq!(find("2.4")["estimate"], "4.0000", "a group sums its parts");
    assert_eq!(find("8.1.1")["estimate"], "1.5000");
    assert_eq!(find("8.1")["estimate"], "10.0000");
    assert_eq!(
        find("3.4.1")["estimate"],
        Value::Null,
        "appraisal criteria are not estimated"
    );
}

#[test]
fn stopping_the_writer_commits_what_is_queued_then_refuses() {
    let app = spawn_app();
    let st = &app.state;
    let pending = |value: i64| {
        let raw = serde_json::from_value(submission("NK", Some(value))).unwrap();
        chiso::ingest::prepare(&st.intake(), &raw, &chiso::ingest::Provenance::default()).unwrap()
    };
    let acks: Vec<_> = (0..40)
        .map(|i| st.writer.submit_blocking(pending(1 + i % 5)).unwrap())
        .collect();
    st.writer.stop();
    for ack in acks {
        assert!(matches!(
            ack.blocking_recv().unwrap().unwrap(),
            chiso::db::responses::Stored::Created(_)
        ));
    }
    assert_eq!(app.responses(), 40);
    assert!(
        st.writer.submit(pending(3)).is_err(),
        "a stopped writer refuses"
    );
    // A second stop (the test app's own, when it is dropped) has nothing left to do.
    st.writer.stop();
}

/// A count row that cannot be read is never overwritten with one batch's counts (everything
/// counted before would be lost): the batch is refused, the row left as it is, and the error
/// names the slice and the repair; `chiso recount --fix` rebuilds it from the answers.
#[actix_web::test]
async fn an_unreadable_count_row_refuses_the_batch_until_recount_fix() {
    use chiso::db::schema::slice_counts;
    use diesel::prelude::*;
    let app = spawn_app();
    let dated = |value| {
        let mut s = submission("NK", Some(value));
        s["date"] = json!("2025-05-04");
        s
    };
    let (status, r) = submit(&app, &dated(4)).await;
    assert_eq!(status, StatusCode::CREATED, "{r}");
    let garbage = vec![0xFFu8, 0xFF, 2, 0x80];
    let day_row = || {
        slice_counts::table
            .filter(slice_counts::day.eq("2025-05-04"))
            .select(slice_counts::counts)
    };
    {
        let mut conn = app.state.pool.get().unwrap();
        let n = diesel::update(slice_counts::table.filter(slice_counts::day.eq("2025-05-04")))
            .set(slice_counts::counts.eq(&garbage))
            .execute(&mut *conn)
            .unwrap();
        assert_eq!(n, 1);
    }

    let refused = dated(5);
    let (status, _) = submit(&app, &refused).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(app.responses(), 1, "nothing of the refused batch is stored");
    let mut conn = app.state.pool.get().unwrap();
    let kept: Vec<u8> = day_row().first(&mut *conn).unwrap();
    assert_eq!(kept, garbage, "the unreadable row is left as it was");
    // What the operator reads in the log.
    let raw: chiso::survey::RawSubmission = serde_json::from_value(refused.clone()).unwrap();
    let pending = chiso::ingest::prepare(&app.state.intake(), &raw, &Default::default()).unwrap();
    let err = chiso::db::responses::store_one(&mut conn, &app.state.layouts, &pending)
        .unwrap_err()
        .to_string();
    assert_says(
        &err,
        &[
            "sipas-counter 2025",
            "unit NK 2025-05-04 group ''",
            "chiso recount --fix",
        ],
    );
    drop(conn);

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_chiso"))
        .args(["recount", "--fix"])
        .env("DATABASE_URL", &app.database_url)
        .env("CHISO_SURVEYS", crate::harness::surveys_dir())
        .env("CHISO_ADMIN_PASSWORD", "x")
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "{said}");
    assert_says(
        &said,
        &["stored counts are unreadable", "replaced by the recount"],
    );
    store(&app, &refused).await;
    assert_counts_agree(&app);
    let t = stored_counts(&app, "sipas-counter", 2025, None);
    assert_eq!(t.responses, 2);
    assert_eq!(
        t.items["E1.1"][&Some(4)],
        1,
        "the first answer still counts"
    );
    assert_eq!(t.items["E1.1"][&Some(5)], 1);
}

/// SQLite runs with the settings docs/storage.md promises, read back from the server's own pool.
#[test]
fn sqlite_runs_in_wal_with_full_sync_foreign_keys_16k_pages_and_a_16_mib_cache() {
    let app = spawn_app();
    let mut conn = app.state.pool.get().unwrap();
    let Some(s) = chiso::db::sqlite_settings(&mut conn).unwrap() else {
        return; // PostgreSQL
    };
    assert_eq!(s.journal_mode, "wal");
    assert_eq!(s.synchronous, 2, "FULL");
    assert_eq!(s.foreign_keys, 1);
    assert_eq!(s.page_size, 16384);
    assert_eq!(s.busy_timeout, 10_000);
    assert_eq!(s.cache_size, -16_384, "16 MiB, given in KiB");
}

#[actix_web::test]
async fn a_respondent_group_with_fewer_than_five_answers_is_not_shown() {
    let app = spawn_app();
    let officials = described_survey(&app, "parindex-officials-2022").await;
    // 4 HĐND deputies (too few to show) and 5 department leaders.
    for (group, n) in [("hdnd", 4), ("lanh_dao_so", 5)] {
        for _ in 0..n {
            let mut body = answer_everything(&officials, "CT");
            body["group"] = json!(group);
            store(&app, &body).await;
        }
    }
    let scores = viewer_scores(&app, "survey=parindex-officials-2022&period=2025").await;
    let groups = scores["nodes"][0]["by_group"].as_array().unwrap();
    let of = |g: &str| groups.iter().find(|x| x["group"] == g).unwrap().clone();
    assert_eq!(of("hdnd")["suppressed"], true);
    assert!(of("hdnd")["value"].is_null() && of("hdnd")["points"].is_null());
    // Shown, the leaders' 5 would give the deputies' 4 as the whole minus them: withheld too.
    assert_eq!(of("lanh_dao_so")["suppressed"], true);
    assert!(of("lanh_dao_so")["value"].is_null());
    // The total still counts everyone.
    assert!(scores["nodes"][0]["value"].as_f64().is_some());
}
