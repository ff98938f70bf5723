//! The results pages: SIPAS with its breakdowns and charts, table exports, the 404 page.

use crate::harness::*;
use actix_web::http::StatusCode;
use serde_json::{json, Value};

/// 120 counter forms over three units, four fields, two channels and five months, with
/// answers that differ by form: the same every run.
pub async fn fixture(app: &TestApp) {
    let units = ["NK-P-CAI-KHE", "NK-P-AN-HOA", "BT-P-BUI-HUU-NGHIA"];
    let fields = ["chung_thuc", "ho_tich", "dat_dai", "kinh_doanh"];
    let channels = ["kiosk", "paper"];
    for i in 0..120usize {
        let answers: serde_json::Map<String, Value> = ITEMS
            .iter()
            .enumerate()
            .map(|(k, c)| {
                let v = match (i * 7 + k * 3) % 11 {
                    0 => Value::Null,
                    x if x < 3 => json!(2),
                    x if x < 5 => json!(3),
                    x if x < 8 => json!(4),
                    _ => json!(5),
                };
                (c.to_string(), v)
            })
            .collect();
        let raw: chiso::survey::RawSubmission = serde_json::from_value(json!({
            "survey": "sipas-counter",
            "unit": units[i % 3],
            "channel": channels[(i / 3) % 2],
            "submission_id": uuid::Uuid::from_u128(0x5190_0000 + i as u128).to_string(),
            "period": 2025,
            "date": format!("2025-{:02}-{:02}", 1 + (i % 5), 1 + (i % 27)),
            "background": {"linh_vuc": fields[i % 4]},
            "answers": answers,
        }))
        .unwrap();
        chiso::features::submit::submit(&app.state, raw)
            .await
            .unwrap();
    }
}

/// The app with [`fixture`]'s forms, its service, and viewer "lan" signed in.
async fn viewer_on_fixture() -> (TestApp, Web, Staff) {
    let app = spawn_app_with_staff(&[("lan", Role::Viewer)]);
    fixture(&app).await;
    let svc = service!(app);
    let who = svc.viewer("lan").await;
    (app, svc, who)
}

#[actix_web::test]
async fn the_sipas_page_breaks_the_index_down_from_the_counts_and_matches_the_api() {
    let (app, svc, who) = viewer_on_fixture().await;
    let page = who
        .get("/sipas?survey=sipas-counter&period=2025&unit=NK")
        .await
        .text_with(StatusCode::OK);
    for want in [
        "Theo lĩnh vực thủ tục",
        "Hộ tịch",
        "Theo kênh đánh giá",
        "Phiếu giấy",
        "Theo cấp đơn vị tiếp nhận",
        "Tháng 5/2025",
        "Quý 2",
        "Cả năm 2025",
        "<svg",
        "<title>Chỉ số theo tháng</title>",
        "/sipas/export?survey=sipas-counter&amp;period=2025",
    ] {
        assert!(page.contains(want), "{want} on the page");
    }
    // Drill down to a ward and back up.
    assert!(page.contains("unit=NK-P-CAI-KHE"));
    let Answer { text: ward, .. } = who
        .get("/sipas?survey=sipas-counter&period=2025&unit=NK-P-CAI-KHE")
        .await;
    assert!(ward.contains("unit=NK\""), "a link back up to the district");
    assert!(ward.contains("chính đơn vị đó chịu trách nhiệm"));

    // Every number of the element table is the API's, written the Vietnamese way.
    let api = svc
        .token(&app.viewer_token)
        .get("/api/v1/scores?survey=sipas-counter&period=2025&unit=NK")
        .await
        .json();
    let Answer { text: csv, .. } = who
        .get("/sipas/export?survey=sipas-counter&period=2025&unit=NK&table=elements&format=csv")
        .await;
    let mut nodes = vec![&api["nodes"][0]];
    let mut checked = 0;
    while let Some(n) = nodes.pop() {
        let v = n["value"].as_f64().unwrap();
        let vi = chiso::text::Lang::Vi.number(v, 2);
        let row = format!("<td class=\"num\" data-label=\"Giá trị (%)\">{vi}</td>");
        assert!(page.contains(&row), "{} = {vi} on the page", n["code"]);
        assert!(csv.contains(&format!("{},", n["code"].as_str().unwrap())));
        assert!(
            csv.contains(&format!(",{v:.2},")),
            "{} = {v:.2} in the export",
            n["code"]
        );
        let n_vi = chiso::text::Lang::Vi.count(n["n"].as_i64().unwrap());
        assert!(page.contains(&format!("data-label=\"n\">{n_vi}</td>")));
        if let Some(p) = n["points"].as_str() {
            assert!(page.contains(&p.replace('.', ",")), "points {p}");
        }
        checked += 1;
        nodes.extend(n["children"].as_array().unwrap().iter());
    }
    assert_eq!(checked, 1 + 5 + 19);
    // 2022 and its 8.1 points as Vietnamese pages write them.
    assert!(page.contains("80,24"));
    assert!(
        !page.contains("Văn phòng UBND thành phố"),
        "below the city, the unit answers for its counter"
    );
}

#[actix_web::test]
async fn breakdowns_add_up_and_the_recount_agrees() {
    let app = TestApp::builder().build();
    fixture(&app).await;
    let st = app.state.clone();
    let q = chiso::report::ScoreQuery {
        survey: "sipas-counter".into(),
        period: 2025,
        unit: Some("CT".into()),
        ..Default::default()
    };
    let b = chiso::features::results::service::breakdowns(&st, q, 5)
        .await
        .unwrap();
    let total = |cells: &[chiso::breakdown::Cell]| cells.iter().map(|c| c.responses).sum::<i64>();
    assert_eq!(b.scores.responses, 120);
    assert_eq!(total(&b.fields), 120);
    assert_eq!(total(&b.channels), 120);
    assert_eq!(total(&b.months), 120);
    assert_eq!(total(&b.quarters), 120);
    assert_eq!(total(&b.levels), 120);
    assert_eq!(b.year.responses, 120);
    assert_eq!(b.fields.len(), 4);
    assert_eq!(b.months.len(), 5);
    // The year from the month rows is the headline itself.
    assert_eq!(b.year.node.as_ref().unwrap().value, b.scores.nodes[0].value);
    assert_counts_agree(&app);
}

#[actix_web::test]
async fn table_exports_are_csv_with_a_bom_and_xlsx() {
    let (_app, _svc, who) = viewer_on_fixture().await;
    let uri = "/sipas/export?survey=sipas-counter&period=2025&unit=NK&table=fields&format=csv";
    let resp = who.get(uri).await;
    assert_eq!(resp.status, StatusCode::OK);
    assert!(resp
        .header("Content-Disposition")
        .contains("sipas-fields-2025-NK.csv"));
    let bytes = resp.bytes.to_vec();
    assert_eq!(&bytes[..3], &[0xEF, 0xBB, 0xBF]);
    insta::assert_snapshot!(
        "sipas_fields_csv",
        String::from_utf8(bytes[3..].to_vec()).unwrap()
    );
    let Answer { text: periods, .. } = who.get(uri.replace("fields", "periods")).await;
    insta::assert_snapshot!("sipas_periods_csv", periods.trim_start_matches('\u{feff}'));

    let resp = who.get(uri.replace("csv", "xlsx")).await;
    assert_eq!(resp.status, StatusCode::OK);
    let bytes = resp.bytes.to_vec();
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    use calamine::Reader;
    let sheet = book.worksheet_range("fields").unwrap();
    assert_eq!(sheet.get_value((0, 0)).unwrap().to_string(), "Lĩnh vực");
    assert_eq!(sheet.height(), 1 + 4);
    assert!(matches!(
        sheet.get_value((1, 1)),
        Some(calamine::Data::Float(_))
    ));

    let page = who
        .get(uri.replace("format=csv", "format=pdf"))
        .await
        .text_with(StatusCode::UNPROCESSABLE_ENTITY);
    assert_says(&page, &["csv hoặc xlsx", "href=\"/sipas\""]);
}

#[actix_web::test]
async fn unknown_pages_and_wrong_choices_say_what_to_do_in_the_readers_language() {
    let app = spawn_app_with_staff(&[("lan", Role::Viewer)]);
    let svc = service!(app);
    let visitor = svc.anonymous();
    let page = visitor
        .get("/khong-co")
        .await
        .text_with(StatusCode::NOT_FOUND);
    assert_says(&page, &["Không tìm thấy trang", "href=\"/\""]);
    let page = visitor.in_lang("en").get("/nothing-here").await.text;
    assert_says(&page, &["Page not found", "lang=\"en\""]);

    let who = svc.viewer("lan").await;
    let page = who
        .get("/scores?survey=sipas-counter&period=abc")
        .await
        .text_with(StatusCode::UNPROCESSABLE_ENTITY);
    assert_says(&page, &["Năm “abc” không hợp lệ", "href=\"/scores\""]);
    let page = who
        .get("/scores?survey=sipas-counter&period=2025&from=2025-06-01&to=2025-05-01")
        .await
        .text_with(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("“Từ ngày” đang sau “Đến ngày”"), "{page}");
    let page = who
        .get("/scores?survey=sipas-counter&period=2019")
        .await
        .text_with(StatusCode::OK);
    assert!(page.contains("Chưa có dữ liệu"), "an empty period says so");
}

#[actix_web::test]
async fn the_public_page_needs_no_sign_in_withholds_small_cells_and_is_cacheable() {
    let app = TestApp::builder().settings(|s| s.public_min_n = 50).build();
    fixture(&app).await;
    let svc = service!(app);
    let anyone = svc.anonymous();
    let resp = anyone.get("/public?period=2025").await;
    assert_eq!(resp.status, StatusCode::OK);
    assert_eq!(resp.header("Cache-Control"), "public, max-age=300");
    let etag = resp.header("ETag");
    let page = resp.text;
    // 120 forms, withheld under 50 answers: the year and Ninh Kiều (80 forms, 73 answers on
    // the most answered item) are published; Bình Thủy (40 forms, 37) and the second quarter
    // (32 forms) are not.
    assert!(page.contains("Chỉ số hài lòng cả năm"), "{page}");
    assert!(page.contains("Quận Ninh Kiều"));
    assert!(page.contains("Quận Bình Thủy"));
    assert!(
        page.contains("dưới ngưỡng"),
        "a quarter under 30 answers is withheld"
    );
    assert!(!page.contains("E1.1"), "no item, no individual answer");
    let resp = anyone
        .get_with("/public?period=2025", ("If-None-Match", &etag))
        .await;
    assert_eq!(resp.status, StatusCode::NOT_MODIFIED);

    assert!(anyone
        .get("/public?period=2019")
        .await
        .text
        .contains("Chưa có dữ liệu"));
}

#[actix_web::test]
async fn the_papi_page_shows_dimensions_against_2022_and_rank_20() {
    let app = spawn_app_with_staff(&[("lan", Role::Viewer)]);
    let svc = service!(app);
    let who = svc.viewer("lan").await;
    let page = who.get("/papi?period=2025").await.text_with(StatusCode::OK);
    assert!(page.contains("Chưa có dữ liệu"));
    assert!(page.contains("ước tính theo phương pháp PAPI"));
}

/// Every node of a scores tree, depth first.
fn all_nodes(nodes: &Value) -> Vec<&Value> {
    let mut out = Vec::new();
    for n in nodes.as_array().into_iter().flatten() {
        out.push(n);
        out.extend(all_nodes(&n["children"]));
    }
    out
}

#[actix_web::test]
async fn one_citizen_on_one_day_at_one_ward_is_never_shown() {
    let app = spawn_app_with_staff(&[("lan", Role::Viewer)]);
    fixture(&app).await;
    // One citizen, alone at Hưng Phú on 15 June, satisfied with everything.
    let mut one = crate::harness::submission("CR-P-HUNG-PHU", Some(5));
    one["date"] = json!("2025-06-15");
    one["period"] = json!(2025);
    let raw: chiso::survey::RawSubmission = serde_json::from_value(one).unwrap();
    chiso::features::submit::submit(&app.state, raw)
        .await
        .unwrap();
    let svc = service!(app);
    let api = svc.token(&app.viewer_token);
    let slice = "survey=sipas-counter&period=2025&unit=CR-P-HUNG-PHU&from=2025-06-15&to=2025-06-15";

    // The API: the form is counted, but no node shows a value, points or an interval.
    let resp = api.get(format!("/api/v1/scores?{slice}")).await;
    assert_eq!(resp.status, StatusCode::OK);
    let day = resp.json();
    assert_eq!(day["responses"], 1);
    let nodes = all_nodes(&day["nodes"]);
    assert!(nodes.len() > 20);
    for n in &nodes {
        assert_eq!(n["withheld"], true, "{}", n["code"]);
        for key in [
            "value",
            "points",
            "ci_low",
            "ci_high",
            "delta",
            "significant",
        ] {
            assert_eq!(n[key], Value::Null, "{} {key}", n["code"]);
        }
        assert_eq!(n["n"], 1, "{}: n is kept", n["code"]);
    }
    // The whole city's year is not a breakdown: its figures stand.
    let city = api
        .get("/api/v1/scores?survey=sipas-counter&period=2025")
        .await
        .json();
    assert_eq!(city["nodes"][0]["withheld"], false);
    assert!(city["nodes"][0]["value"].as_f64().is_some());

    // The scores page says why instead of showing 100 %.
    let who = svc.viewer("lan").await;
    let page = who
        .get(&format!("/scores?{slice}"))
        .await
        .text_with(StatusCode::OK);
    assert!(page.contains("dưới 5 phiếu"), "{page}");
    assert!(!page.contains("100,00"), "a withheld value leaked: {page}");

    // The ward's SIPAS page, its exports and its PAR INDEX projection neither.
    let ward = "survey=sipas-counter&period=2025&unit=CR-P-HUNG-PHU";
    let page = who
        .get(&format!("/sipas?{ward}"))
        .await
        .text_with(StatusCode::OK);
    assert!(!page.contains("100,00"), "{page}");
    for table in ["elements", "fields", "channels", "periods"] {
        let Answer {
            status, text: csv, ..
        } = who
            .get(&format!("/sipas/export?{ward}&table={table}&format=csv"))
            .await;
        assert_eq!(status, StatusCode::OK, "{table}");
        assert!(!csv.contains("100"), "{table}: {csv}");
    }
    let page = who
        .get("/parindex?unit=CR-P-HUNG-PHU&period=2025")
        .await
        .text_with(StatusCode::OK);
    assert!(!page.contains("100,00"), "{page}");
}

#[actix_web::test]
async fn snapshots_of_the_results_pages_and_their_charts() {
    let (_app, _svc, who) = viewer_on_fixture().await;
    for (name, uri) in [
        (
            "sipas_nk",
            "/sipas?survey=sipas-counter&period=2025&unit=NK",
        ),
        ("sipas_city", "/sipas?survey=sipas-counter&period=2025"),
        ("papi_empty", "/papi?period=2025"),
    ] {
        let Answer {
            status, text: page, ..
        } = who.get(&uri).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        let main = crate::standing::main_of(&page, &who.csrf);
        assert!(
            !main.contains("style=") && !main.contains("<script"),
            "{uri}: no inline style or script"
        );
        insta::assert_snapshot!(name, main);
    }
}
