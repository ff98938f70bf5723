//! The city as it is now: answers keep the unit they were given, on the map of their day, and
//! scores can be read on the 2023 map or the merged city's.

use crate::harness::*;
use actix_web::http::StatusCode;
use chiso::clock::Clock;
use serde_json::{json, Value};

async fn send(app: &TestApp, unit: &str, date: &str, value: i64) -> (StatusCode, Value) {
    let mut s = submission(unit, Some(value));
    s["period"] = json!(date[..4].parse::<i32>().unwrap());
    s["date"] = json!(date);
    let answer = service!(app)
        .token(&app.surveyor_token)
        .post_json("/api/v1/responses", &s)
        .await;
    (answer.status, answer.json_or_null())
}

async fn scores(app: &TestApp, query: &str) -> Value {
    let answer = service!(app)
        .token(&app.viewer_token)
        .get(format!("/api/v1/scores?survey=sipas-counter&{query}"))
        .await;
    let (status, body) = (answer.status, answer.json_or_null());
    assert_eq!(status, StatusCode::OK, "{query}: {body}");
    body
}

#[actix_web::test]
async fn answers_keep_their_unit_and_scores_read_on_either_map() {
    // 15 December 2026: the merged city's units are today's.
    let app = TestApp::builder()
        .clock(Clock::Fixed("2026-12-15T03:00:00Z".parse().unwrap()))
        .with_kiosk("P-CAI-KHE", "sipas-counter")
        .with_kiosk("NK-P-AN-HOA", "sipas-counter")
        .build();

    // Before 1 July 2025 answers name the 2023 units, after it the merged city's.
    for (unit, date, value) in [
        ("NK-P-AN-HOA", "2025-05-10", 5), // went wholly into Cái Khế ward
        ("BT-P-BUI-HUU-NGHIA", "2025-06-30", 1), // split: the rest went into Bình Thủy ward
        ("P-NINH-KIEU", "2025-07-01", 4), // formed wholly from wards of Ninh Kiều district
        ("P-CAI-KHE", "2025-08-01", 5),   // formed from two districts' wards
    ] {
        let (status, body) = send(&app, unit, date, value).await;
        assert_eq!(status, StatusCode::CREATED, "{unit} {date}: {body}");
    }
    for (unit, date) in [("NK-P-AN-HOA", "2025-07-01"), ("P-CAI-KHE", "2025-06-30")] {
        let (status, body) = send(&app, unit, date, 5).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{unit} {date}");
        assert_eq!(body["field"], "unit", "{body}");
        assert!(
            body["error"].as_str().unwrap().contains("did not exist on"),
            "{body}"
        );
    }

    let responses = |v: &Value| v["responses"].as_i64().unwrap();
    // Today's map: old answers appear under the units they became.
    let cai_khe = scores(&app, "period=2025&unit=P-CAI-KHE").await;
    assert_eq!(
        (responses(&cai_khe), cai_khe["map"].as_str()),
        (2, Some("can-tho-2025"))
    );
    // Beside them, the merged city's 2022 baselines: an estimate weighted by population.
    let merged = &cai_khe["merged_baselines"];
    assert!(
        (merged["papi_total"].as_f64().unwrap() - 41.765).abs() < 0.0005,
        "{merged}"
    );
    assert_eq!(
        merged["sipas_pct"],
        Value::Null,
        "unknown for two of the three provinces"
    );
    let binh_thuy = scores(&app, "period=2025&unit=P-BINH-THUY").await;
    assert_eq!(
        responses(&binh_thuy),
        1,
        "the split ward counts where the rest of it went"
    );
    assert!(
        binh_thuy["map_notes"][0]
            .as_str()
            .unwrap()
            .contains("Bùi Hữu Nghĩa"),
        "and the scores say so: {binh_thuy}"
    );
    // The 2023 map: a new unit counts in an old one only when it lies wholly inside it.
    let nk = scores(&app, "period=2025&unit=NK").await;
    assert_eq!(
        (responses(&nk), nk["map"].as_str()),
        (2, Some("can-tho-2023"))
    );
    let old_cai_khe = scores(&app, "period=2025&unit=NK-P-CAI-KHE&map=can-tho-2023").await;
    assert_eq!(responses(&old_cai_khe), 0, "new Cái Khế is not old Cái Khế");
    let everything = scores(&app, "period=2025&unit=CT").await;
    assert_eq!(
        responses(&everything),
        4,
        "the city holds every answer on both maps"
    );

    // A kiosk at a ward of the merged city: its answers are today's, scored there.
    let token = app.kiosks[0].clone();
    let svc = service!(app);
    let kiosk = svc.citizen(&token);
    let page = kiosk.form().await.text;
    assert!(page.contains("Phường Cái Khế"));
    let resp = kiosk.post_encoded(filled_form(&page, None)).await;
    assert_eq!(resp.status, StatusCode::SEE_OTHER);
    let today = scores(&app, "period=2026&unit=P-CAI-KHE").await;
    assert_eq!(responses(&today), 1);

    // A tablet still registered to a ward that no longer exists says so, and takes nothing.
    let old = &app.kiosks[1];
    let page = svc.citizen(old).form().await.text_with(StatusCode::GONE);
    assert!(
        page.contains("Phường An Hòa không còn là đơn vị hành chính"),
        "{page}"
    );
}
