//! Export of responses: CSV (with a BOM) and XLSX (with a labels sheet), over the API, for
//! signed-in staff, and from the command line.

use crate::api::store;
use crate::harness::*;
use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use calamine::{Data, Reader, Xlsx};
use serde_json::{json, Value};

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Who asks.
enum As<'a> {
    Nobody,
    Token(&'a str),
    Session(&'a str),
}

pub(crate) struct Reply {
    status: StatusCode,
    content_type: String,
    disposition: String,
    body: Vec<u8>,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    /// The CSV without its BOM, as rows of cells.
    pub(crate) fn rows(&self) -> Vec<Vec<String>> {
        assert!(self.body.starts_with(BOM), "CSV starts with a BOM");
        csv_rows(&self.body[BOM.len()..])
    }
}

fn csv_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(bytes)
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

async fn export(app: &TestApp, who: As<'_>, query: &str) -> Reply {
    let svc = service!(app);
    let mut req = TestRequest::get().uri(&format!("/api/v1/export?{query}"));
    match who {
        As::Nobody => {}
        As::Token(t) => req = req.insert_header(("Authorization", format!("Bearer {t}"))),
        As::Session(s) => {
            req = req.cookie(actix_web::cookie::Cookie::new(
                "chiso_session",
                s.to_string(),
            ))
        }
    }
    let resp = svc.send(req).await;
    Reply {
        status: resp.status,
        content_type: resp.header("Content-Type"),
        disposition: resp.header("Content-Disposition"),
        body: resp.bytes.to_vec(),
    }
}

/// The session cookie of `name`, signed in through the login form.
async fn session(app: &TestApp, name: &str) -> String {
    service!(app).sign_in(name, USER_PASSWORD).await.session
}

/// What the supervisor's token of [`supervisor_app`] exports for `query`.
pub(crate) async fn as_supervisor(app: &TestApp, query: &str) -> Reply {
    export(app, As::Token(&app.tokens[0]), query).await
}

/// The CSV rows the supervisor's token exports for `query`.
async fn supervisor_rows(app: &TestApp, query: &str) -> Vec<Vec<String>> {
    as_supervisor(app, query).await.rows()
}

pub(crate) fn supervisor_app() -> TestApp {
    TestApp::builder().with_token(Role::Supervisor).build()
}

pub(crate) const COUNTER: &str = "survey=sipas-counter&period=2025";

#[actix_web::test]
async fn csv_starts_with_a_bom_and_lists_the_columns_in_the_definitions_order() {
    let app = supervisor_app();
    let r = as_supervisor(&app, COUNTER).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.content_type, "text/csv; charset=utf-8");
    assert_eq!(
        r.disposition,
        "attachment; filename=\"sipas-counter-2025.csv\""
    );
    let mut expected: Vec<String> = [
        "id",
        "unit",
        "channel",
        "period",
        "date",
        "group",
        "status",
        "linh_vuc",
        "do_tuoi",
        "gioi_tinh",
    ]
    .iter()
    .map(|c| c.to_string())
    .collect();
    expected.extend(ITEMS.iter().map(|c| c.to_string()));
    assert_eq!(r.rows(), vec![expected], "no forms: the header alone");
}

#[actix_web::test]
async fn one_row_per_form_tells_no_opinion_from_unanswered() {
    let app = supervisor_app();
    let mut first = submission("NK-P-CAI-KHE", Some(4));
    first["date"] = json!("2025-03-14");
    first["answers"]["E2.1"] = Value::Null;
    first["background"]["gioi_tinh"] = json!("nu");
    let first_id = store(&app, &first).await;
    let second_id = store(&app, &submission("BT-P-TRA-NOC", Some(2))).await;
    // The household paper form asks nothing compulsorily: a blank is "not answered".
    let household = json!({
        "survey": "sipas-2022-household",
        "unit": "NK-P-AN-CU",
        "channel": "paper",
        "submission_id": uuid::Uuid::new_v4().to_string(),
        "period": PERIOD,
        "background": {"khu_vuc": "thanh_thi"},
        "answers": {"A1": 5, "A2": null},
    });
    let household_id = store(&app, &household).await;

    let rows = as_supervisor(&app, COUNTER).await.rows();
    assert_eq!(rows.len(), 3, "header and one row per form: {rows:?}");
    let col = |name: &str| rows[0].iter().position(|c| c == name).unwrap();
    let row = |id: &str| rows.iter().find(|r| r[col("id")] == id).unwrap();
    let (a, b) = (row(&first_id), row(&second_id));
    assert_eq!(
        &a[..7],
        &[
            first_id.as_str(),
            "NK-P-CAI-KHE",
            "api",
            "2025",
            "2025-03-14",
            "",
            "received"
        ]
    );
    assert_eq!(a[col("linh_vuc")], "chung_thuc");
    assert_eq!(a[col("do_tuoi")], "", "background not answered");
    assert_eq!(a[col("gioi_tinh")], "nu");
    assert_eq!(a[col("E1.1")], "4");
    assert_eq!(a[col("E2.1")], "NA", "no opinion");
    assert_eq!(b[col("unit")], "BT-P-TRA-NOC");
    assert!(ITEMS.iter().all(|i| b[col(i)] == "2"));
    assert_eq!(b[col("date")], "2025-06-20", "undated: today");

    let rows = supervisor_rows(&app, "survey=sipas-2022-household&period=2025").await;
    assert_eq!(rows.len(), 2);
    let col = |name: &str| rows[0].iter().position(|c| c == name).unwrap();
    let h = &rows[1];
    assert_eq!(h[col("id")], household_id);
    assert_eq!(h[col("channel")], "paper");
    assert_eq!(h[col("khu_vuc")], "thanh_thi");
    assert_eq!(h[col("A1")], "5");
    assert_eq!(h[col("A2")], "NA", "no opinion");
    assert_eq!(h[col("B1")], "", "not answered");
    assert!(col("A1") < col("A2") && col("A2") < col("B1") && col("D2") < col("E1.1"));

    // Another period has none of them.
    let rows = supervisor_rows(&app, "survey=sipas-counter&period=2024").await;
    assert_eq!(rows.len(), 1);
}

#[actix_web::test]
async fn a_unit_exports_itself_and_every_unit_below_it() {
    let app = supervisor_app();
    let in_ward = store(&app, &submission("NK-P-CAI-KHE", Some(5))).await;
    let in_district = store(&app, &submission("NK", Some(3))).await;
    let elsewhere = store(&app, &submission("BT-P-TRA-NOC", Some(1))).await;
    let ids = |r: Reply| -> Vec<String> {
        let mut ids: Vec<String> = r.rows()[1..].iter().map(|r| r[0].clone()).collect();
        ids.sort();
        ids
    };
    let token = As::Token(&app.tokens[0]);
    let r = export(&app, token, &format!("{COUNTER}&unit=NK")).await;
    assert_eq!(
        r.disposition,
        "attachment; filename=\"sipas-counter-2025-NK.csv\""
    );
    let mut expected = vec![in_ward.clone(), in_district];
    expected.sort();
    assert_eq!(ids(r), expected);
    let token = As::Token(&app.tokens[0]);
    let r = export(&app, token, &format!("{COUNTER}&unit=NK-P-CAI-KHE")).await;
    assert_eq!(ids(r), vec![in_ward.clone()]);
    let token = As::Token(&app.tokens[0]);
    assert_eq!(
        ids(export(&app, token, &format!("{COUNTER}&unit=CT")).await).len(),
        3
    );
    let token = As::Token(&app.tokens[0]);
    let all = ids(export(&app, token, COUNTER).await);
    assert_eq!(all.len(), 3);
    assert!(all.contains(&elsewhere));
}

#[actix_web::test]
async fn xlsx_opens_and_carries_a_sheet_of_labels_with_diacritics() {
    let app = supervisor_app();
    let mut s = submission("NK-P-CAI-KHE", Some(5));
    s["answers"]["E3.1"] = Value::Null;
    let id = store(&app, &s).await;
    store(&app, &submission("NK-P-AN-CU", Some(1))).await;
    let r = as_supervisor(&app, &format!("{COUNTER}&format=xlsx&unit=NK")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.content_type,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert_eq!(
        r.disposition,
        "attachment; filename=\"sipas-counter-2025-NK.xlsx\""
    );
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(r.body)).unwrap();
    assert_eq!(book.sheet_names(), vec!["Phiếu", "Nhãn"]);
    let forms = book.worksheet_range("Phiếu").unwrap();
    let rows: Vec<&[Data]> = forms.rows().collect();
    assert_eq!(rows.len(), 3, "header and two forms");
    let header: Vec<String> = rows[0].iter().map(|c| c.to_string()).collect();
    assert_eq!(
        &header[..8],
        &["id", "unit", "channel", "period", "date", "group", "status", "linh_vuc"]
    );
    assert_eq!(
        &header[10..],
        ITEMS.iter().map(|c| c.to_string()).collect::<Vec<_>>()
    );
    let col = |name: &str| header.iter().position(|c| c == name).unwrap();
    let first = rows[1..]
        .iter()
        .find(|r| r[0] == Data::String(id.clone()))
        .unwrap();
    let other = rows[1..]
        .iter()
        .find(|r| r[0] != Data::String(id.clone()))
        .unwrap();
    assert_eq!(first[col("period")], Data::Float(2025.0));
    assert_eq!(first[col("E1.1")], Data::Float(5.0));
    assert_eq!(first[col("E3.1")], Data::String("NA".into()));
    assert_eq!(first[col("group")], Data::Empty);
    assert_eq!(other[col("E1.1")], Data::Float(1.0));

    let labels = book.worksheet_range("Nhãn").unwrap();
    let labels: Vec<Vec<String>> = labels
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(labels[0], vec!["column", "code", "label", "label_en"]);
    let has = |row: &[&str]| {
        labels
            .iter()
            .any(|l| l.iter().zip(row).all(|(a, b)| a == b))
    };
    assert!(
        has(&["E1.1", "5", "Rất hài lòng", "Very satisfied"]),
        "{labels:?}"
    );
    assert!(has(&["E1.1", "NA", "Không ý kiến"]));
    assert!(has(&[
        "linh_vuc",
        "",
        "Ông/Bà vừa làm thủ tục thuộc lĩnh vực nào?"
    ]));
    assert!(has(&["unit", "NK-P-CAI-KHE", "Phường Cái Khế"]));
    assert!(!has(&["unit", "BT"]), "only the units of the export");
}

#[actix_web::test]
async fn supervisors_and_admins_export_with_a_token_or_signed_in() {
    let app = TestApp::builder()
        .with_token(Role::Supervisor)
        .with_token(Role::Admin)
        .with_staff(&[("lan", Role::Supervisor), ("minh", Role::Surveyor)])
        .build();
    store(&app, &submission("NK", Some(4))).await;
    let r = export(&app, As::Nobody, COUNTER).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.json()["error"].as_str().unwrap().contains("bearer token"));
    let r = export(&app, As::Token(&app.surveyor_token), COUNTER).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.json()["error"].as_str().unwrap().contains("supervisor"));
    let r = export(&app, As::Token(&app.viewer_token), COUNTER).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = export(&app, As::Token("not-a-token"), COUNTER).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    for token in &app.tokens {
        let r = export(&app, As::Token(token), COUNTER).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.rows().len(), 2);
    }
    let lan = session(&app, "lan").await;
    let r = export(&app, As::Session(&lan), COUNTER).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.rows().len(), 2);
    let minh = session(&app, "minh").await;
    let r = export(&app, As::Session(&minh), COUNTER).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = export(&app, As::Session("ended-or-forged"), COUNTER).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[actix_web::test]
async fn a_user_limited_to_a_unit_exports_only_that_unit() {
    let app = TestApp::builder()
        .with_user("hoa", Role::Supervisor, Some("NK"))
        .build();
    let mine = store(&app, &submission("NK-P-CAI-KHE", Some(4))).await;
    store(&app, &submission("BT-P-TRA-NOC", Some(4))).await;
    let hoa = session(&app, "hoa").await;
    let r = export(&app, As::Session(&hoa), COUNTER).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.disposition,
        "attachment; filename=\"sipas-counter-2025-NK.csv\""
    );
    let rows = r.rows();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1][0], mine);
    let r = export(
        &app,
        As::Session(&hoa),
        &format!("{COUNTER}&unit=NK-P-CAI-KHE"),
    )
    .await;
    assert_eq!(r.rows().len(), 2);
    for outside in ["BT", "CT"] {
        let r = export(
            &app,
            As::Session(&hoa),
            &format!("{COUNTER}&unit={outside}"),
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{outside}");
        assert_eq!(r.json()["field"], "unit");
    }
}

#[actix_web::test]
async fn bad_parameters_are_refused_naming_the_field() {
    let app = supervisor_app();
    store(&app, &submission("NK", Some(4))).await;
    for (query, field, says) in [
        ("period=2025", "survey", "required"),
        (
            "survey=khong-co&period=2025",
            "survey",
            "unknown survey 'khong-co'",
        ),
        ("survey=sipas-counter", "period", "required"),
        (
            "survey=sipas-counter&period=hai-nghin",
            "period",
            "not a year",
        ),
        ("survey=sipas-counter&period=99999", "period", "not a year"),
        (
            "survey=sipas-counter&period=2025&unit=XYZ",
            "unit",
            "unknown unit 'XYZ'",
        ),
        (
            "survey=sipas-counter&period=2025&format=pdf",
            "format",
            "csv or xlsx",
        ),
    ] {
        let r = as_supervisor(&app, query).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        let v = r.json();
        assert_eq!(v["field"], field, "{query}: {v}");
        assert!(v["error"].as_str().unwrap().contains(says), "{query}: {v}");
    }
    // The format's name in any case.
    let r = as_supervisor(&app, &format!("{COUNTER}&format=CSV")).await;
    assert_eq!(r.status, StatusCode::OK);
}

#[actix_web::test]
async fn the_command_line_writes_the_same_csv_as_the_api() {
    let app = supervisor_app();
    for (unit, v) in [("NK-P-CAI-KHE", Some(5)), ("BT", None), ("NK", Some(1))] {
        store(&app, &submission(unit, v)).await;
    }
    let api = as_supervisor(&app, COUNTER).await.body;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("phiếu.csv");
    // `chiso export` of the counter survey's 2025 forms, with `more` arguments.
    let export = |more: &[&str]| {
        let mut command = chiso_process(&app.database_url);
        command
            .args(["export", "--survey", "sipas-counter", "--period", "2025"])
            .args(more);
        command
    };
    let out = run_ok(&mut export(&["--out", file.to_str().unwrap()]));
    assert!(String::from_utf8_lossy(&out.stdout).contains("3 forms exported"));
    assert_eq!(std::fs::read(&file).unwrap(), api);
    // To standard output, the same bytes.
    let out = run_ok(&mut export(&[]));
    assert_eq!(out.stdout, api);
    // One unit, as XLSX, with its labels.
    let xlsx = dir.path().join("nk.xlsx");
    run_ok(&mut export(&[
        "--unit",
        "NK",
        "--format",
        "xlsx",
        "--out",
        xlsx.to_str().unwrap(),
    ]));
    let mut book: Xlsx<_> = calamine::open_workbook(&xlsx).unwrap();
    assert_eq!(book.worksheet_range("Phiếu").unwrap().rows().count(), 3);
    let labels = book.worksheet_range("Nhãn").unwrap();
    assert!(labels.rows().any(|r| r
        .iter()
        .any(|c| *c == Data::String("Rất không hài lòng".into()))));
    // A wrong argument names it, and leaves no file behind.
    let bad = dir.path().join("bad.csv");
    let out = export(&["--unit", "XYZ", "--out", bad.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unit: unknown unit 'XYZ'"));
    assert!(!bad.exists());
}

#[actix_web::test]
async fn the_scores_page_links_supervisors_to_the_export_of_what_it_shows() {
    let app = spawn_app_with_staff(&[("lan", Role::Supervisor), ("xem", Role::Viewer)]);
    store(&app, &submission("NK-P-CAI-KHE", Some(4))).await;
    store(&app, &submission("BT", Some(4))).await;
    let svc = service!(app);
    let page = |who: String| {
        TestRequest::get()
            .uri("/scores?survey=sipas-counter&period=2025&unit=NK")
            .cookie(actix_web::cookie::Cookie::new("chiso_session", who))
    };
    let html = svc.send(page(session(&app, "lan").await)).await.text;
    let link = "/api/v1/export?survey=sipas-counter&amp;period=2025&amp;unit=NK&amp;format=";
    assert!(html.contains(&format!("{link}csv")) && html.contains(&format!("{link}xlsx")));
    let lan = session(&app, "lan").await;
    let r = export(
        &app,
        As::Session(&lan),
        "survey=sipas-counter&period=2025&unit=NK&format=csv",
    )
    .await;
    assert_eq!(
        r.rows().len(),
        2,
        "the ward of the district, not the other district"
    );
    let html = svc.send(page(session(&app, "xem").await)).await.text;
    assert!(!html.contains("/api/v1/export"));
}
