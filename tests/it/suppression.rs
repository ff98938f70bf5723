//! Secondary suppression, played as an insider: a withheld cell never comes back as a
//! published total minus the published cells beside it — across the API's calls for the city
//! and for a unit, the units-below table and its export, respondent groups and their whole —
//! and the kiosks page neither times an answer nor shows a count under the smallest cell.

use crate::api::{answer_everything, described_survey, get, store, viewer_scores};
use crate::harness::*;
use actix_web::http::StatusCode;
use serde_json::{json, Value};

const SIPAS: &str = "survey=sipas-counter&period=2025";

fn root(scores: &Value) -> &Value {
    &scores["nodes"][0]
}

/// The root value of the API's scores for a unit (None: the whole city).
async fn value_of(app: &TestApp, unit: Option<&str>) -> Option<f64> {
    root(&viewer_scores(app, &with_unit(SIPAS, unit)).await)["value"].as_f64()
}

/// `query` limited to `unit` when given (None: the whole city).
fn with_unit(query: &str, unit: Option<&str>) -> String {
    match unit {
        Some(u) => format!("{query}&unit={u}"),
        None => query.to_string(),
    }
}

/// Stores `n` forms through the API, each made afresh by `form` (a submission id of its own).
async fn store_forms(app: &TestApp, n: usize, form: impl Fn() -> Value) {
    for _ in 0..n {
        store(app, &form()).await;
    }
}

/// A counter form at `unit`, every item answered `value`, with the field at `pointer` set to
/// `to`.
fn counter_form_with(unit: &str, value: i64, pointer: &str, to: &str) -> Value {
    let mut body = submission(unit, Some(value));
    *body.pointer_mut(pointer).unwrap() = json!(to);
    body
}

/// The CSV line of the row that starts with `name`.
fn csv_row<'a>(csv: &'a str, name: &str) -> &'a str {
    csv.lines()
        .find(|l| l.starts_with(name))
        .unwrap_or_else(|| panic!("no row {name} in {csv}"))
}

#[actix_web::test]
async fn the_city_minus_a_unit_recovers_no_withheld_unit() {
    let app = spawn_app_with_staff(&[("lan", Role::Viewer)]);
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
    let who = svc.sign_in("lan", USER_PASSWORD).await;
    let csv = who
        .get(format!("/sipas/export?{SIPAS}&table=below&format=csv"))
        .await
        .text_with(StatusCode::OK);
    for name in ["Quận Ninh Kiều", "Quận Bình Thủy"] {
        let row = csv_row(&csv, name);
        assert!(
            row.starts_with(&format!("{name},\"ít phiếu, không hiển thị\"")),
            "{name} withheld: {row}"
        );
    }
    let page = who
        .get(format!("/sipas?{SIPAS}&unit=NK"))
        .await
        .text_with(StatusCode::OK);
    assert!(!page.contains("100,00"), "Ninh Kiều's 100 % leaked: {page}");
    let page = who
        .get(format!("/scores?{SIPAS}&unit=NK"))
        .await
        .text_with(StatusCode::OK);
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
    let Answer { text: csv, .. } = who
        .get(format!("/sipas/export?{SIPAS}&table=below&format=csv"))
        .await;
    let row = csv_row(&csv, "Quận Ninh Kiều");
    assert!(row.starts_with("Quận Ninh Kiều,100"), "{row}");
}

#[actix_web::test]
async fn a_group_holding_every_answer_is_withheld_with_the_whole() {
    let app = spawn_app_with_staff(&[("lan", Role::Viewer)]);
    let officials = described_survey(&app, "parindex-officials-2022").await;
    let answer = |n: usize| {
        store_forms(&app, n, || {
            let mut body = answer_everything(&officials, "CT");
            body["group"] = json!("hdnd");
            body
        })
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
    let who = svc.sign_in("lan", USER_PASSWORD).await;
    let page_uri = "/scores?survey=parindex-officials-2022&period=2025";
    let page = who.get(&page_uri).await.text_with(StatusCode::OK);
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
    let Answer { text: page, .. } = who.get(&page_uri).await;
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
    let who = svc.sign_in("lan", USER_PASSWORD).await;
    let Answer {
        status, text: page, ..
    } = who.get("/admin/kiosks").await;
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
    let resp = svc.citizen(&app.kiosks[0]).form().await;
    assert_eq!(resp.status, StatusCode::OK);
    let Answer { text: page, .. } = who.get("/admin/kiosks").await;
    assert!(page.contains("Có, trong giờ qua"), "{page}");

    // Not vacuous: with five at An Thới too, both counts show.
    for _ in 0..4 {
        let mut body = submission("BT-P-AN-THOI", Some(4));
        body["channel"] = json!("kiosk");
        store(&app, &body).await;
    }
    let Answer { text: page, .. } = who.get("/admin/kiosks").await;
    assert_says(&page, &["\">7</td>", "\">5</td>"]);
}

/// Every node of a scores answer with its code, in tree order.
fn nodes_of(scores: &Value) -> Vec<&Value> {
    let mut out = Vec::new();
    let mut stack: Vec<&Value> = scores["nodes"].as_array().unwrap().iter().rev().collect();
    while let Some(n) = stack.pop() {
        out.push(n);
        stack.extend(n["children"].as_array().unwrap().iter().rev());
    }
    out
}

fn group_of<'a>(node: &'a Value, group: &str) -> Option<&'a Value> {
    node["by_group"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["group"] == group)
}

/// The nodes where a group published at both `upper` and `lower` differs by 1…min_cell − 1
/// answers: the upper figure minus the lower gives those few answers.
fn group_differences(upper: &Value, lower: &Value, group: &str) -> Vec<String> {
    nodes_of(upper)
        .iter()
        .zip(nodes_of(lower))
        .filter_map(|(u, l)| {
            assert_eq!(u["code"], l["code"]);
            let (gu, gl) = (group_of(u, group)?, group_of(l, group)?);
            let both = gu["value"].is_number() && gl["value"].is_number();
            let apart = gu["n"].as_i64().unwrap() - gl["n"].as_i64().unwrap();
            (both && (1..5).contains(&apart)).then(|| u["code"].as_str().unwrap().to_string())
        })
        .collect()
}

/// The nodes whose published value, minus its published groups, leaves one withheld group
/// holding answers alone: the unit total minus the other groups gives it back.
fn lone_withheld_groups(scores: &Value) -> Vec<String> {
    nodes_of(scores)
        .iter()
        .filter(|n| n["value"].is_number())
        .filter(|n| {
            let hidden = n["by_group"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|g| g["suppressed"] == true && g["n"].as_i64().unwrap() > 0)
                .count();
            let held: i64 = n["by_group"]
                .as_array()
                .unwrap()
                .iter()
                .map(|g| g["n"].as_i64().unwrap())
                .sum();
            hidden == 1 && held == n["n"].as_i64().unwrap()
        })
        .map(|n| n["code"].as_str().unwrap().to_string())
        .collect()
}

#[actix_web::test]
async fn the_city_s_group_minus_a_ward_s_recovers_no_answer() {
    let app = spawn_app_with_staff(&[("lan", Role::Viewer)]);
    let officials = described_survey(&app, "parindex-officials-2022").await;
    let answer = |unit: &'static str, group: &'static str, n: usize| {
        let officials = &officials;
        store_forms(&app, n, move || {
            let mut body = answer_everything(officials, unit);
            body["group"] = json!(group);
            body
        })
    };
    // Deputies: five at Cái Khế, one at An Thới; department heads: five at each.
    answer("NK-P-CAI-KHE", "hdnd", 5).await;
    answer("BT-P-AN-THOI", "hdnd", 1).await;
    answer("NK-P-CAI-KHE", "lanh_dao_so", 5).await;
    answer("BT-P-AN-THOI", "lanh_dao_so", 5).await;
    let read = |unit: Option<&str>| {
        let query = with_unit("survey=parindex-officials-2022&period=2025", unit);
        let app = &app;
        async move { viewer_scores(app, &query).await }
    };
    let city = read(None).await;
    let root_hdnd = group_of(root(&city), "hdnd").unwrap();
    assert!(
        root_hdnd["value"].is_number(),
        "the city's six deputies stand: {root_hdnd}"
    );
    for unit in ["NK", "NK-P-CAI-KHE"] {
        let below = read(Some(unit)).await;
        // The unit stands as a whole (ten forms, and the city's table shows it).
        assert!(
            root(&below)["value"].is_number(),
            "{unit}: {}",
            root(&below)
        );
        // The city's deputies minus this unit's would be An Thới's one deputy.
        let leaks = group_differences(&city, &below, "hdnd");
        assert!(
            leaks.is_empty(),
            "{unit}: city − unit deputies at {leaks:?}"
        );
        // Withheld there, the deputies are not the unit total minus the department heads.
        let lone = lone_withheld_groups(&below);
        assert!(lone.is_empty(), "{unit}: total − other groups at {lone:?}");
        let g = group_of(root(&below), "hdnd").unwrap();
        assert_eq!(g["suppressed"], true, "{unit}: {g}");
    }

    // Not vacuous: with five deputies at An Thới too, Cái Khế's deputies show.
    answer("BT-P-AN-THOI", "hdnd", 4).await;
    let ward = read(Some("NK-P-CAI-KHE")).await;
    let g = group_of(root(&ward), "hdnd").unwrap();
    assert!(g["value"].is_number(), "{g}");
    assert!(group_of(root(&ward), "lanh_dao_so").unwrap()["value"].is_number());
}

#[actix_web::test]
async fn two_ranges_a_day_apart_recover_no_answer() {
    let app = spawn_app_with_staff(&[("lan", Role::Viewer)]);
    let on = |day: &'static str, v: i64, n: usize| {
        store_forms(&app, n, move || {
            let mut body = submission("NK-P-CAI-KHE", Some(v));
            body["date"] = json!(day);
            body
        })
    };
    // Five satisfied citizens on 1 June, one dissatisfied on the 11th, five in May.
    on("2025-06-01", 5, 5).await;
    on("2025-06-11", 1, 1).await;
    on("2025-05-02", 4, 5).await;
    let range = |from: &'static str, to: &'static str| {
        let app = &app;
        async move { viewer_scores(app, &format!("{SIPAS}&from={from}&to={to}")).await }
    };
    let ten = range("2025-06-01", "2025-06-10").await;
    let eleven = range("2025-06-01", "2025-06-11").await;
    assert_eq!(
        (ten["responses"].as_i64(), eleven["responses"].as_i64()),
        (Some(5), Some(6))
    );
    // Both published, the second minus the first would be the one citizen of the 11th.
    let both: Vec<&Value> = nodes_of(&ten)
        .into_iter()
        .zip(nodes_of(&eleven))
        .filter(|(a, b)| a["value"].is_number() && b["value"].is_number())
        .map(|(a, _)| a)
        .collect();
    assert!(
        both.is_empty(),
        "the 11th's answer is recoverable at {} nodes",
        both.len()
    );
    for s in [&ten, &eleven] {
        assert_eq!(s["range_withheld"], true);
        assert!(
            s["range_note"].as_str().unwrap().contains("whole months"),
            "{s}"
        );
    }
    // Whole months stand: June (six forms) and May (five) are each published.
    let june = range("2025-06-01", "2025-06-30").await;
    assert_eq!(june["range_withheld"], false);
    assert!(root(&june)["value"].is_number(), "{june}");

    // The scores page with a range still renders, and says to choose whole months.
    let svc = service!(app);
    let who = svc.sign_in("lan", USER_PASSWORD).await;
    let page = who
        .get(format!("/scores?{SIPAS}&from=2025-06-01&to=2025-06-11"))
        .await
        .text_with(StatusCode::OK);
    assert!(page.contains("xin chọn trọn tháng"), "{page}");
    assert!(
        !page.contains("100,00") && !page.contains("83,33"),
        "{page}"
    );

    // Not vacuous: with five citizens on the 11th, every day holds none or five, and both
    // day ranges show.
    on("2025-06-11", 1, 4).await;
    let ten = range("2025-06-01", "2025-06-10").await;
    let eleven = range("2025-06-01", "2025-06-11").await;
    assert!(root(&ten)["value"].is_number() && root(&eleven)["value"].is_number());
    assert_eq!(eleven["range_withheld"], false);
}

/// Counter forms for [`Breakdown`]: their unit, the field that puts them in a row of the
/// table (a JSON pointer and its value; none where the unit itself does), the value every
/// item gets, and how many.
type Forms = (
    &'static str,
    Option<(&'static str, &'static str)>,
    i64,
    usize,
);

/// A table of the SIPAS export, and forms that leave one answer alone in its first row outside
/// the units read: the city's row minus a unit's, or a unit's total minus its other row, would
/// give that answer.
struct Breakdown {
    /// The export's `table`.
    table: &'static str,
    /// The row where the one answer stands, and the row beside it.
    rows: [&'static str; 2],
    forms: [Forms; 4],
    /// What the city's first row holds, standing.
    city_holds: &'static str,
    /// The units whose two rows must be withheld.
    withheld_in: &'static [&'static str],
    /// The forms that make the lone answer five, and the units whose rows then show.
    more: Forms,
    shown_in: &'static [&'static str],
}

/// Plays [`Breakdown`] as an insider: the city's first row stands, each unit of `withheld_in`
/// withholds both rows; not vacuous, with `more` forms stored each unit of `shown_in` shows
/// them.
async fn assert_no_answer_recovered(b: Breakdown) {
    let app = spawn_app_with_staff(&[("lan", Role::Viewer)]);
    let answer = |(unit, set, value, n): Forms| {
        store_forms(&app, n, move || match set {
            Some((pointer, to)) => counter_form_with(unit, value, pointer, to),
            None => submission(unit, Some(value)),
        })
    };
    for forms in b.forms {
        answer(forms).await;
    }
    let svc = service!(app);
    let who = svc.sign_in("lan", USER_PASSWORD).await;
    const WITHHELD: &str = ",\"ít phiếu, không hiển thị\"";
    let table = |unit: Option<&str>| {
        let query = with_unit(SIPAS, unit);
        let uri = format!("/sipas/export?{query}&table={}&format=csv", b.table);
        let who = &who;
        async move { who.get(&uri).await.text_with(StatusCode::OK) }
    };
    let row = csv_row(&table(None).await, b.rows[0]).to_string();
    assert!(!row.contains(WITHHELD), "{}: {row}", b.city_holds);
    for unit in b.withheld_in {
        let csv = table(Some(unit)).await;
        for name in b.rows {
            let row = csv_row(&csv, name);
            assert!(
                row.starts_with(&format!("{name}{WITHHELD}")),
                "{unit}: {row}"
            );
        }
    }

    answer(b.more).await;
    for unit in b.shown_in {
        let csv = table(Some(unit)).await;
        for name in b.rows {
            let row = csv_row(&csv, name);
            assert!(row.starts_with(&format!("{name},100")), "{unit}: {row}");
        }
    }
}

#[actix_web::test]
async fn the_city_s_field_minus_a_ward_s_recovers_no_answer() {
    let field = |f| Some(("/background/linh_vuc", f));
    // Certification: five at Cái Khế, one at An Thới; civil status: five at each. Both
    // districts stand in the city's table of units (ten and six forms). The city's
    // certifications minus a unit's would be An Thới's one form; nor is it the unit's total
    // minus its civil status: that goes with it. With five certifications at An Thới too,
    // Cái Khế's show.
    assert_no_answer_recovered(Breakdown {
        table: "fields",
        rows: ["\"Chứng thực, xác nhận\"", "Hộ tịch"],
        forms: [
            ("NK-P-CAI-KHE", field("chung_thuc"), 5, 5),
            ("BT-P-AN-THOI", field("chung_thuc"), 1, 1),
            ("NK-P-CAI-KHE", field("ho_tich"), 5, 5),
            ("BT-P-AN-THOI", field("ho_tich"), 3, 5),
        ],
        city_holds: "the city's six certifications stand",
        withheld_in: &["NK", "NK-P-CAI-KHE"],
        more: ("BT-P-AN-THOI", field("chung_thuc"), 1, 4),
        shown_in: &["NK", "NK-P-CAI-KHE"],
    })
    .await;
}

#[actix_web::test]
async fn the_city_s_wards_minus_a_district_s_recover_no_answer() {
    // Wards: five at Cái Khế, one at An Thới; five at each district's own office. The city's
    // wards minus Ninh Kiều's would be An Thới's one form; nor is it Ninh Kiều's total minus
    // its district office. With five forms at An Thới, Ninh Kiều's levels show.
    assert_no_answer_recovered(Breakdown {
        table: "levels",
        rows: ["\"Phường, xã, thị trấn\"", "\"Quận, huyện\""],
        forms: [
            ("NK-P-CAI-KHE", None, 5, 5),
            ("BT-P-AN-THOI", None, 1, 1),
            ("NK", None, 5, 5),
            ("BT", None, 3, 5),
        ],
        city_holds: "the city's six ward forms stand",
        withheld_in: &["NK"],
        more: ("BT-P-AN-THOI", None, 1, 4),
        shown_in: &["NK"],
    })
    .await;
}

#[actix_web::test]
async fn the_city_s_kiosks_minus_a_ward_s_recover_no_answer() {
    let channel = |c| Some(("/channel", c));
    // Kiosks: five at Cái Khế, one at An Thới; other systems: five at each. The city's kiosks
    // minus a unit's would be An Thới's one form; nor is it the unit's total minus its other
    // channel. With five kiosk forms at An Thới, Cái Khế's channels show.
    assert_no_answer_recovered(Breakdown {
        table: "channels",
        rows: ["Máy tính bảng tại quầy", "Hệ thống khác (API)"],
        forms: [
            ("NK-P-CAI-KHE", channel("kiosk"), 5, 5),
            ("BT-P-AN-THOI", channel("kiosk"), 1, 1),
            ("NK-P-CAI-KHE", channel("api"), 5, 5),
            ("BT-P-AN-THOI", channel("api"), 3, 5),
        ],
        city_holds: "the city's six kiosk forms stand",
        withheld_in: &["NK", "NK-P-CAI-KHE"],
        more: ("BT-P-AN-THOI", channel("kiosk"), 1, 4),
        shown_in: &["NK-P-CAI-KHE"],
    })
    .await;
}
