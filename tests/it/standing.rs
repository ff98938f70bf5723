//! Where the city stands: home, the PAR INDEX this year, owners' entries, lead agencies, the
//! A4 report and the top-20 chance in the API.

use crate::api::{answer_everything, described_survey, get, store};
use crate::harness::*;
use actix_web::http::StatusCode;
use serde_json::Value;

/// An app holding [`fixture`]'s forms, its service, and the admin signed in.
async fn fixture_with_admin() -> (TestApp, Web, Staff) {
    let app = spawn_app();
    fixture(&app).await;
    let svc = service!(app);
    let admin = svc.admin().await;
    (app, svc, admin)
}

/// 12 counter forms (answers 5, 4, 3 in turn) in Cái Khế ward and 6 officials' forms answered
/// at best, all for 2025.
async fn fixture(app: &TestApp) {
    for i in 0..12 {
        let value = [5, 4, 3][i % 3];
        let body = submission("NK-P-CAI-KHE", Some(value));
        store(app, &body).await;
    }
    let officials = described_survey(app, "parindex-officials-2022").await;
    for _ in 0..6 {
        let body = answer_everything(&officials, "CT");
        store(app, &body).await;
    }
}

/// Every criterion row of a `GET /api/v1/parindex` answer, field by field.
pub(crate) fn rows(report: &Value) -> Vec<Value> {
    report["fields"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["rows"].as_array().unwrap().clone())
        .collect()
}

/// The criterion row `code` of a `GET /api/v1/parindex` answer.
#[track_caller]
pub(crate) fn row(report: &Value, code: &str) -> Value {
    rows(report)
        .into_iter()
        .find(|r| r["code"] == code)
        .unwrap_or_else(|| panic!("no criterion {code}"))
}

/// The page's main content with the CSRF token and the session user taken out, for snapshots.
pub fn main_of(page: &str, csrf: &str) -> String {
    let start = page.find("<main").unwrap();
    let end = page.rfind("</main>").unwrap() + 7;
    page[start..end]
        .replace(csrf, "[csrf]")
        .replace("><", ">\n<")
}

#[actix_web::test]
async fn home_shows_the_standing_and_the_three_costliest_gaps_link_to_their_owners() {
    let (_app, svc, admin) = fixture_with_admin().await;
    let home = admin.get("/").await.text_with(StatusCode::OK);
    assert!(home.contains("PAR INDEX dự kiến năm 2025"), "{home}");
    assert!(home.contains("Ba chỗ mất điểm lớn nhất"));
    // The costliest gap: 5.4, 1.5 points lost (no points in 2022), owned by Sở Nội vụ.
    let gaps = &home[home.find("<ol class=\"costliest\">").unwrap()..];
    let first = &gaps[..gaps.find("</li>").unwrap()];
    assert_says(first, &["5.4 ", "1,5000"]);
    let link = "href=\"/agencies/SNV\"";
    assert!(first.contains(link));
    assert_eq!(
        gaps[..gaps.find("</ol>").unwrap()].matches("<li>").count(),
        3
    );
    // Second click: the owner's page, with its gaps and its tasks from the plan.
    let Answer {
        status,
        text: agency,
        ..
    } = admin.get("/agencies/SNV").await;
    assert_eq!(status, StatusCode::OK);
    assert!(agency.contains("<h1>Sở Nội vụ — năm 2025</h1>"));
    assert!(agency.contains("5.4 Chấp hành kỷ luật"));
    assert!(
        agency.contains("Phụ lục I, dòng 5.4"),
        "tasks cite the appendix and row"
    );
    assert!(agency.contains("Phụ lục III, dòng I.1"));
    // The forms are one click away in the menu.
    assert!(home.contains("href=\"/entry\""));
    // Signing in lands on the standing.
    assert_eq!(svc.anonymous().get("/").await.status, StatusCode::SEE_OTHER);
    let Answer { status, .. } = admin.get("/agencies/KHONG-CO").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn every_number_on_the_par_page_matches_the_api() {
    let (app, _svc, admin) = fixture_with_admin().await;
    let tok = Some(app.viewer_token.as_str());
    let (_, report) = get(&app, tok, "/api/v1/parindex?period=2025").await;
    let page = admin
        .get("/parindex?period=2025")
        .await
        .text_with(StatusCode::OK);
    let vi = |s: &str| s.replace('.', ",");
    for r in rows(&report) {
        let at = page
            .find(&format!("<td>{}</td>", r["code"].as_str().unwrap()))
            .unwrap_or_else(|| panic!("row {}", r["code"]));
        let row = &page[at..at + page[at..].find("</tr>").unwrap()];
        for key in ["points_2022", "value", "gap_max", "ci_low", "ci_high"] {
            if let Some(v) = r[key].as_str() {
                assert!(row.contains(&vi(v)), "{key} {v} of {} in {row}", r["code"]);
            }
        }
    }
    let p = &report["projection"];
    for key in ["total", "ci_low", "ci_high"] {
        assert!(
            page.contains(&vi(p[key].as_str().unwrap())),
            "projection {key}"
        );
    }
    // Measured: the officials' 22 points and SIPAS 8.1; the rest still 2022.
    assert!(
        (p["measured_share"].as_f64().unwrap() - 0.32).abs() < 1e-9,
        "{p}"
    );
    assert_eq!(p["entered_share"], 0.0);
    // 8.1.k from the counter form alone equals its points in /api/v1/scores.
    let (_, scores) = get(&app, tok, "/api/v1/scores?survey=sipas-counter&period=2025").await;
    let e1 = &scores["nodes"][0]["children"][0];
    assert_eq!(e1["points_code"], "8.1.1");
    let r811 = row(&report, "8.1.1");
    assert_eq!(r811["value"], e1["points"]);
    assert_eq!(r811["source"], "measured");
    assert_eq!(r811["estimate_n"], e1["n"]);
    // The officials' answers at best give every sub-criterion its point.
    let r241 = row(&report, "2.4.1");
    assert_eq!(
        (r241["value"].as_str(), r241["gap_max"].as_str()),
        (Some("1.0000"), Some("0.0000"))
    );
    // The SIPAS forms that feed 8.1 are named on the page.
    assert!(page.contains("Đánh giá mức độ hài lòng về sự phục vụ tại Bộ phận Một cửa (12 phiếu)"));
    // Where the weighting is set is said in words: no file path on a leaders' page.
    assert!(page.contains("theo thiết lập của cây tiêu chí PAR INDEX"));
    assert!(
        !page.contains("surveys/") && !page.contains(".toml"),
        "{page}"
    );
    // A unit: the ward's own answers; the officials' survey (counted under the city) is absent.
    let (_, ward) = get(&app, tok, "/api/v1/parindex?period=2025&unit=NK-P-CAI-KHE").await;
    let w241 = row(&ward, "2.4.1");
    assert_eq!(w241["source"], "2022");
    let Answer {
        text: ward_page, ..
    } = admin.get("/parindex?period=2025&unit=NK-P-CAI-KHE").await;
    assert!(ward_page.contains(&vi(ward["projection"]["total"].as_str().unwrap())));
    assert_says(&ward_page, &["selected>", "Cái Khế"]);
}

#[actix_web::test]
async fn a_scoped_user_sees_only_their_scope_on_the_par_page() {
    let app = TestApp::builder()
        .with_user("lan", Role::Viewer, Some("NK-P-CAI-KHE"))
        .build();
    fixture(&app).await;
    let svc = service!(app);
    let lan = svc.viewer("lan").await;
    let page = lan.get("/parindex?unit=CT").await.text_with(StatusCode::OK);
    assert!(
        page.contains("PAR INDEX năm 2025 — Phường Cái Khế"),
        "kept to the scope"
    );
    assert!(
        !page.contains("value=\"NK\""),
        "no unit outside the scope offered"
    );
}

#[actix_web::test]
async fn owners_enter_their_criteria_with_evidence_and_everything_else_stores_nothing() {
    let app = TestApp::builder()
        .with_user("vp", Role::Supervisor, Some("VP-UBND"))
        .with_user("tp", Role::Supervisor, Some("STP"))
        .with_user("xem", Role::Viewer, None)
        .build();
    let svc = service!(app);
    let entries = || par_entries(&app, "parindex-2022", 2025);
    let vp = svc.supervisor("vp").await;
    let entry = |points, evidence| {
        [
            ("period", "2025"),
            ("points", points),
            ("evidence", evidence),
        ]
    };
    let uri = "/parindex/criteria/3.4.1";
    // Bad input: a message naming the field, a way back, nothing stored.
    for (points, evidence, says) in [
        ("abc", "Báo cáo 12/BC-VP", "Điểm “abc” không phải là một số"),
        ("1,6", "Báo cáo 12/BC-VP", "Điểm phải từ 0 đến 1,5"),
        ("1,5", "", "Xin ghi căn cứ"),
    ] {
        let body = vp
            .post_form(&uri, &entry(points, evidence))
            .await
            .text_with(StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains(says), "{says}: {body}");
        assert_says(&body, &["Chưa lưu gì", "href=\"/parindex?period=2025\""]);
        assert!(
            body.contains(&format!("value=\"{points}\"")),
            "what was typed is kept"
        );
    }
    assert!(entries().is_empty());
    // Not the owner (Sở Tư pháp does not own 3.4.1), a viewer: 403, nothing stored.
    let tp = svc.supervisor("tp").await;
    let xem = svc.viewer("xem").await;
    for who in [&tp, &xem] {
        let resp = who.post_form(&uri, &entry("1,5", "Báo cáo 12/BC-VP")).await;
        assert_eq!(resp.status, StatusCode::FORBIDDEN);
    }
    let Answer { text: page, .. } = tp.get(&uri).await;
    assert!(!page.contains("name=\"points\""), "no form for a non-owner");
    assert!(entries().is_empty());
    // A survey-measured criterion takes no entry.
    let resp = vp
        .post_form(
            "/parindex/criteria/2.4.1",
            &[("period", "2025"), ("points", "1"), ("evidence", "Báo cáo")],
        )
        .await;
    assert_eq!(resp.status, StatusCode::NOT_FOUND);
    // The owner enters; a correction later counts; both are kept and audited.
    for (points, evidence) in [
        ("1,5", "Báo cáo 12/BC-VP: 99,6 % hồ sơ đúng hạn"),
        ("1,4990", "Báo cáo 15/BC-VP (điều chỉnh)"),
    ] {
        let resp = vp.post_form(&uri, &entry(points, evidence)).await;
        assert_eq!(resp.status, StatusCode::SEE_OTHER);
    }
    let kept = entries();
    assert_eq!(kept.len(), 2);
    assert_eq!(
        (kept[0].points.as_str(), kept[1].points.as_str()),
        ("1.5000", "1.4990")
    );
    assert_eq!(kept[1].entered_by, "vp");
    let audit = audit_entries(&app, Some("parindex.enter"));
    assert_eq!(audit.len(), 2);
    assert!(audit
        .iter()
        .any(|e| e.actor == "vp" && e.detail.contains("3.4.1: 1.4990")));
    let (_, report) = get(
        &app,
        Some(&app.viewer_token),
        "/api/v1/parindex?period=2025",
    )
    .await;
    let r = row(&report, "3.4.1");
    assert_eq!(
        (r["value"].as_str(), r["source"].as_str()),
        (Some("1.4990"), Some("entered"))
    );
    assert_eq!(r["entry"]["evidence"], "Báo cáo 15/BC-VP (điều chỉnh)");
    // 86.11 + (1.4990 − 1.4962) = 86.1128 → 86.11; entered share = 1.5 of 100 points.
    assert_eq!(report["projection"]["total"], "86.11");
    assert!((report["projection"]["entered_share"].as_f64().unwrap() - 0.015).abs() < 1e-9);
    let Answer { text: page, .. } = vp.get(format!("{uri}?period=2025")).await;
    assert_says(
        &page,
        &["Báo cáo 12/BC-VP: 99,6 % hồ sơ đúng hạn", "(đang tính)"],
    );
    // An admin enters for anyone.
    let admin = svc.admin().await;
    let resp = admin
        .post_form(
            "/parindex/criteria/8.4",
            &[
                ("period", "2025"),
                ("points", "1,5"),
                ("evidence", "Quyết toán ngân sách 2025"),
            ],
        )
        .await;
    assert_eq!(resp.status, StatusCode::SEE_OTHER);
}

#[actix_web::test]
async fn root_nodes_of_the_scores_carry_the_top20_chance_and_its_basis() {
    let app = TestApp::builder().build();
    fixture(&app).await;
    let tok = Some(app.viewer_token.as_str());
    let (_, counter) = get(&app, tok, "/api/v1/scores?survey=sipas-counter&period=2025").await;
    let root = &counter["nodes"][0];
    let chance = root["top20_chance"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&chance));
    // Drawn against the newest published line (2024: above Cần Thơ's 83.28 % at rank 34, at
    // most Hà Nội's 86.50 % at rank 11), named with its year and source; 2022's estimate of
    // 81.5–82.0 % is gone.
    let vi = root["top20_basis"].as_str().unwrap();
    assert_says(vi, &["83,28–86,50", "năm 2024", "Kế hoạch 101/KH-UBND"]);
    assert!(!vi.contains("81,5"), "{vi}");
    // The same words in English.
    let en = root["top20_basis_en"].as_str().unwrap();
    assert_says(
        en,
        &[
            "rank-20 threshold of 83.28–86.50",
            "line of 2024",
            "plan 101/KH-UBND",
            "not a rank",
        ],
    );
    assert!(!en.contains("Ngưỡng"), "{en}");
    assert!(
        root["children"][0].get("top20_chance").is_none(),
        "root nodes only"
    );
    // The same query draws the same chance.
    let (_, again) = get(&app, tok, "/api/v1/scores?survey=sipas-counter&period=2025").await;
    assert_eq!(again["nodes"][0]["top20_chance"], root["top20_chance"]);
    let (_, papi) = get(&app, tok, "/api/v1/scores?survey=papi-aligned&period=2025").await;
    assert_eq!(papi["nodes"][0]["top20_chance"], Value::Null);
    assert!(papi["nodes"][0]["top20_basis"]
        .as_str()
        .unwrap()
        .contains("Chưa có dữ liệu"));
    let (_, off) = get(
        &app,
        tok,
        "/api/v1/scores?survey=parindex-officials-2022&period=2025",
    )
    .await;
    assert_eq!(off["nodes"][0]["top20_chance"], Value::Null);
    assert!(off["nodes"][0]["top20_basis"]
        .as_str()
        .unwrap()
        .contains("Không có cơ sở"));
    let (_, par) = get(&app, tok, "/api/v1/parindex?period=2025").await;
    let c = par["projection"]["top20_chance"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&c));
}

#[actix_web::test]
async fn snapshots_of_the_standing_pages() {
    let (_app, _svc, admin) = fixture_with_admin().await;
    for (name, uri) in [
        ("home", "/"),
        ("parindex", "/parindex"),
        ("agency_stp", "/agencies/STP"),
        ("report", "/report"),
        ("home_en", "/?lang=en"),
    ] {
        let Answer {
            status, text: page, ..
        } = if name.ends_with("_en") {
            admin.in_lang(Some("en")).get("/").await
        } else {
            admin.get(&uri).await
        };
        assert_eq!(status, StatusCode::OK, "{uri}");
        let main = main_of(&page, &admin.csrf);
        assert!(
            !main.contains("style=") && !main.contains("<script"),
            "{uri}: no inline style or script"
        );
        insta::assert_snapshot!(name, main);
    }
}

#[actix_web::test]
async fn before_any_answer_or_entry_the_par_projection_has_no_chance_of_the_top20() {
    let app = TestApp::builder().build();
    let tok = Some(app.viewer_token.as_str());
    let (status, par) = get(&app, tok, "/api/v1/parindex?period=2025").await;
    assert_eq!(status, StatusCode::OK);
    let p = &par["projection"];
    assert_eq!(p["total"], "86.11");
    assert_eq!(
        p["top20_chance"],
        Value::Null,
        "not 0 %: nothing is known yet"
    );
    assert!(p["top20_basis"].as_str().unwrap().contains("Chưa có cơ sở"));
    assert!(p["top20_basis_en"]
        .as_str()
        .unwrap()
        .contains("No basis yet"));

    // Once the year has answers, the chance is drawn, and the English page says so in English.
    fixture(&app).await;
    let (_, par) = get(&app, tok, "/api/v1/parindex?period=2025").await;
    let c = par["projection"]["top20_chance"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&c));
    let svc = service!(app);
    let admin = svc.admin().await;
    let page = admin
        .in_lang(Some("en"))
        .get("/parindex?period=2025")
        .await
        .text;
    assert!(
        page.contains("projected total exceeds the estimated rank-20 threshold"),
        "{page}"
    );
}

#[actix_web::test]
async fn the_report_lists_units_with_enough_answers_and_counts_the_others() {
    let app = TestApp::builder().build();
    fixture(&app).await;
    // Two forms in Bình Thủy: fewer than the smallest cell, so counted, never listed; and
    // five in Cái Răng, withheld beside them (the next smallest), so that the city minus the
    // units shown never gives Bình Thủy's two.
    for _ in 0..2 {
        let body = submission("BT-P-AN-THOI", Some(5));
        store(&app, &body).await;
    }
    for _ in 0..5 {
        let body = submission("CR-P-BA-LANG", Some(4));
        store(&app, &body).await;
    }
    let svc = service!(app);
    let admin = svc.admin().await;
    let page = admin
        .get("/report?period=2025")
        .await
        .text_with(StatusCode::OK);
    let table = page.split("SIPAS theo đơn vị").nth(1).unwrap();
    assert!(table.contains("<td>Quận Ninh Kiều</td>"), "{table}");
    assert!(!table.contains("Bình Thủy</td>"), "{table}");
    assert!(!table.contains("Cái Răng</td>"), "{table}");
    assert_says(table, &["2 đơn vị khác có phiếu nhưng không hiện: dưới 5 câu trả lời, hoặc ẩn cùng một đơn vị như vậy", "26 đơn vị khác chưa có phiếu nào."]);
}
