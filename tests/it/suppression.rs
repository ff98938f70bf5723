//! Secondary suppression, played as an insider: a withheld cell never comes back as a
//! published total minus the published cells beside it — across the API's calls for the city
//! and for a unit, the units-below table and its export, respondent groups and their whole —
//! and the kiosks page neither times an answer nor shows a count under the smallest cell.

use crate::api::{answer_everything, described_survey, get, store};
use crate::harness::{submission, TestApp, USER_PASSWORD};
use actix_web::cookie::Cookie;
use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use chiso::db::auth::Role;
use serde_json::{json, Value};

const SIPAS: &str = "survey=sipas-counter&period=2025";

fn root(scores: &Value) -> &Value {
    &scores["nodes"][0]
}

/// The root value of the API's scores for a unit (None: the whole city).
async fn value_of(app: &TestApp, unit: Option<&str>) -> Option<f64> {
    let uri = match unit {
        Some(u) => format!("/api/v1/scores?{SIPAS}&unit={u}"),
        None => format!("/api/v1/scores?{SIPAS}"),
    };
    let (status, scores) = get(app, Some(&app.viewer_token), &uri).await;
    assert_eq!(status, StatusCode::OK, "{scores}");
    root(&scores)["value"].as_f64()
}

/// The CSV line of the row that starts with `name`.
fn csv_row<'a>(csv: &'a str, name: &str) -> &'a str {
    csv.lines()
        .find(|l| l.starts_with(name))
        .unwrap_or_else(|| panic!("no row {name} in {csv}"))
}

#[actix_web::test]
async fn the_city_minus_a_unit_recovers_no_withheld_unit() {
    let app = TestApp::builder()
        .with_user("lan", Role::Viewer, None)
        .build();
    // Five forms in Ninh Kiều (all at Cái Khế), one in Bình Thủy: the city has six.
    for _ in 0..5 {
        store(&app, &submission("NK-P-CAI-KHE", Some(5))).await;
    }
    store(&app, &submission("BT-P-AN-THOI", Some(2))).await;

    // The whole city stands; Bình Thủy's one form is withheld, and so is Ninh Kiều, or the
    // city (n = 6) minus Ninh Kiều (n = 5) would give it — and so is everything below Ninh
    // Kiều, whose Cái Khế holds the same five.
    let city = value_of(&app, None).await;
    assert!(city.is_some(), "the whole city is published");
    for unit in ["BT", "BT-P-AN-THOI", "NK", "NK-P-CAI-KHE"] {
        assert_eq!(value_of(&app, Some(unit)).await, None, "{unit}");
    }
    let (_, nk) = get(
        &app,
        Some(&app.viewer_token),
        &format!("/api/v1/scores?{SIPAS}&unit=NK"),
    )
    .await;
    assert_eq!(root(&nk)["withheld"], true);
    assert!(root(&nk)["points"].is_null() && root(&nk)["ci_low"].is_null());

    // The SIPAS page's units below and their export: neither district's value.
    let svc = service!(app);
    let who = sign_in!(svc, "lan", USER_PASSWORD);
    let (status, csv, _) = staff_get!(
        svc,
        who,
        format!("/sipas/export?{SIPAS}&table=below&format=csv")
    );
    assert_eq!(status, StatusCode::OK, "{csv}");
    for name in ["Quận Ninh Kiều", "Quận Bình Thủy"] {
        let row = csv_row(&csv, name);
        assert!(
            row.starts_with(&format!("{name},\"ít phiếu, không hiển thị\"")),
            "{name} withheld: {row}"
        );
    }
    let (status, page, _) = staff_get!(svc, who, format!("/sipas?{SIPAS}&unit=NK"));
    assert_eq!(status, StatusCode::OK);
    assert!(!page.contains("100,00"), "Ninh Kiều's 100 % leaked: {page}");
    let (status, page, _) = staff_get!(svc, who, format!("/scores?{SIPAS}&unit=NK"));
    assert_eq!(status, StatusCode::OK);
    assert!(!page.contains("100,00"), "Ninh Kiều's 100 % leaked: {page}");
    assert!(page.contains("ẩn kèm ô nhỏ"), "{page}");

    // Not vacuous: once Bình Thủy has five forms of its own, both districts are published and
    // the city is their mix.
    for _ in 0..4 {
        store(&app, &submission("BT-P-AN-THOI", Some(2))).await;
    }
    let nk = value_of(&app, Some("NK")).await;
    let bt = value_of(&app, Some("BT")).await;
    assert_eq!(nk, Some(100.0));
    assert_eq!(bt, Some(0.0));
    let (_, csv, _) = staff_get!(
        svc,
        who,
        format!("/sipas/export?{SIPAS}&table=below&format=csv")
    );
    let row = csv_row(&csv, "Quận Ninh Kiều");
    assert!(row.starts_with("Quận Ninh Kiều,100"), "{row}");
}

#[actix_web::test]
async fn a_group_holding_every_answer_is_withheld_with_the_whole() {
    let app = TestApp::builder()
        .with_user("lan", Role::Viewer, None)
        .build();
    let officials = described_survey(&app, "parindex-officials-2022").await;
    let answer = |n: usize| {
        let officials = officials.clone();
        let app = &app;
        async move {
            for _ in 0..n {
                let mut body = answer_everything(&officials, "CT");
                body["group"] = json!("hdnd");
                store(app, &body).await;
            }
        }
    };
    let uri = "/api/v1/scores?survey=parindex-officials-2022&period=2025";
    answer(3).await;
    // Three deputies, the only group that answered: the group is withheld, and the city's
    // value, which would equal it, too — on every node, and on the scores page.
    let (_, scores) = get(&app, Some(&app.viewer_token), uri).await;
    let mut checked = 0;
    let mut stack: Vec<&Value> = scores["nodes"].as_array().unwrap().iter().collect();
    while let Some(n) = stack.pop() {
        stack.extend(n["children"].as_array().unwrap());
        for g in n["by_group"].as_array().unwrap() {
            if g["group"] == "hdnd" {
                assert_eq!(g["suppressed"], true, "{}", n["code"]);
                assert!(
                    n["value"].is_null(),
                    "{}: the whole equals the group",
                    n["code"]
                );
                assert_eq!(n["withheld"], true);
                checked += 1;
            }
        }
    }
    assert!(checked > 20, "every node has the group: {checked}");
    let svc = service!(app);
    let who = sign_in!(svc, "lan", USER_PASSWORD);
    let page_uri = "/scores?survey=parindex-officials-2022&period=2025";
    let (status, page, _) = staff_get!(svc, who, page_uri);
    assert_eq!(status, StatusCode::OK);
    assert!(
        !page.contains("100,00"),
        "the deputies' answers leaked: {page}"
    );

    // At five both show: they are equal, and that reveals nothing under the smallest cell.
    answer(2).await;
    let (_, scores) = get(&app, Some(&app.viewer_token), uri).await;
    let r = root(&scores);
    let g = &r["by_group"][0];
    assert_eq!(
        (g["group"].as_str(), g["suppressed"].as_bool()),
        (Some("hdnd"), Some(false))
    );
    assert!(r["value"].as_f64().is_some());
    assert_eq!(r["value"], g["value"]);
    let (_, page, _) = staff_get!(svc, who, page_uri);
    assert!(page.contains("100,00"), "{page}");
}

#[actix_web::test]
async fn the_kiosks_page_times_no_answer_and_withholds_small_counts() {
    let app = TestApp::builder()
        .with_user("lan", Role::Supervisor, None)
        .with_kiosk("NK-P-CAI-KHE", "sipas-counter")
        .with_kiosk("BT-P-AN-THOI", "sipas-counter")
        .build();
    // Today: seven kiosk answers at Cái Khế, one at An Thới.
    for (unit, n) in [("NK-P-CAI-KHE", 7), ("BT-P-AN-THOI", 1)] {
        for _ in 0..n {
            let mut body = submission(unit, Some(4));
            body["channel"] = json!("kiosk");
            store(&app, &body).await;
        }
    }
    let svc = service!(app);
    let who = sign_in!(svc, "lan", USER_PASSWORD);
    let (status, page, _) = staff_get!(svc, who, "/admin/kiosks");
    assert_eq!(status, StatusCode::OK);
    // Neither tablet has loaded its page on this server: not alive, and no time anywhere.
    assert!(page.contains("Không thấy trong giờ qua"), "{page}");
    assert!(!page.contains("vừa xong") && !page.contains("phút trước"));
    // An Thới's one answer is withheld, and Cái Khế's seven with it: the day's kiosk total
    // minus seven would give the one.
    assert_eq!(
        page.matches("<span class=\"note\">dưới 5</span>").count(),
        2,
        "{page}"
    );
    assert!(
        !page.contains("\">7</td>") && !page.contains("\">1</td>"),
        "{page}"
    );

    // A page load (not an answer) makes a tablet alive.
    let resp = test::call_service(
        &svc,
        TestRequest::get()
            .uri(&format!("/k/{}", app.kiosks[0]))
            .to_request(),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let (_, page, _) = staff_get!(svc, who, "/admin/kiosks");
    assert!(page.contains("Có, trong giờ qua"), "{page}");

    // Not vacuous: with five at An Thới too, both counts show.
    for _ in 0..4 {
        let mut body = submission("BT-P-AN-THOI", Some(4));
        body["channel"] = json!("kiosk");
        store(&app, &body).await;
    }
    let (_, page, _) = staff_get!(svc, who, "/admin/kiosks");
    assert!(
        page.contains("\">7</td>") && page.contains("\">5</td>"),
        "{page}"
    );
}
