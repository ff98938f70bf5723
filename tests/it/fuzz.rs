//! Property tests of every parser that takes outside input: survey definitions, the API's
//! JSON, form posts of each page family, CSV and XLSX import, respondent lists. Whatever the
//! input: no panic, no server error, and nothing stored when it is refused (rows counted
//! before and after). Pure parsers try many inputs; HTTP ones a bounded number, to keep the
//! suite fast. Each test prints how many inputs it tried.

use crate::harness::*;
use actix_web::http::StatusCode;
use chiso::db::AnyConnection;
use diesel::sql_types::BigInt;
use diesel::RunQueryDsl;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{json, Value};

const WARD: &str = "NK-P-AN-BINH";
/// Inputs per pure parser, and per HTTP route.
const PURE_CASES: u32 = 2000;
const HTTP_CASES: usize = 150;

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn rows(conn: &mut AnyConnection, table: &str) -> i64 {
    diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
        .get_result::<Count>(conn)
        .unwrap()
        .n
}

/// Row counts of every table a refused input must leave alone.
fn stored(app: &TestApp) -> Vec<i64> {
    let mut conn = app.state.pool.get().unwrap();
    [
        "responses",
        "answers",
        "paper_forms",
        "keyings",
        "users",
        "respondents",
        "kiosks",
        "api_tokens",
    ]
    .iter()
    .map(|t| rows(&mut conn, t))
    .collect()
}

/// Text that looks like what a form or a file might carry: digits, codes, Vietnamese letters,
/// separators, quotes, control characters, and now and then something long.
fn texty() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9]{0,3}",
        "[A-Za-z0-9_.\\-]{0,12}",
        "[ -~]{0,40}",
        "[àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệ\\PC]{0,20}",
        Just(String::new()),
        Just("NA".to_string()),
        Just("\u{0}\u{feff}\r\n,\";'".to_string()),
        "[0-9]{10,30}",
        Just("9".repeat(5000)),
    ]
}

fn value_json() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<i64>().prop_map(|n| json!(n)),
        (-2i64..12).prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| json!(f)),
        any::<bool>().prop_map(|b| json!(b)),
        texty().prop_map(|s| json!(s)),
        Just(json!([])),
        Just(json!({"a": 1})),
    ]
}

/// A submission mutated: some fields dropped, replaced or added, answers out of range.
fn submission_json() -> impl Strategy<Value = Value> {
    let fields = [
        "survey",
        "unit",
        "channel",
        "submission_id",
        "period",
        "group",
        "background",
        "answers",
        "comments",
        "date",
    ];
    (
        proptest::collection::vec((0..fields.len(), value_json()), 0..4),
        proptest::collection::vec(0..fields.len(), 0..3),
        proptest::collection::vec((0..ITEMS.len(), value_json()), 0..6),
        any::<bool>(),
    )
        .prop_map(move |(replace, drop, answers, valid_unit)| {
            let mut v = submission(if valid_unit { WARD } else { "KHONG-CO" }, Some(4));
            for (i, a) in answers {
                v["answers"][ITEMS[i]] = a;
            }
            for (i, x) in replace {
                v[fields[i]] = x;
            }
            for i in drop {
                if let Some(o) = v.as_object_mut() {
                    o.remove(fields[i]);
                }
            }
            v
        })
}

/// Draws `n` values of a strategy (no shrinking: the HTTP tests print the failing input).
/// A form field's name: one of `names`, or (each alike likely) any that the pattern `other`
/// matches.
fn field_name(names: &[&'static str], other: Option<&'static str>) -> BoxedStrategy<String> {
    let named = proptest::sample::select(names.to_vec()).prop_map(str::to_string);
    match other {
        Some(pattern) => prop_oneof![names.len() as u32 => named, 1 => pattern].boxed(),
        None => named.boxed(),
    }
}

fn draw<S: Strategy>(s: S, n: usize) -> Vec<S::Value> {
    let mut runner = TestRunner::new(Config::default());
    (0..n)
        .map(|_| s.new_tree(&mut runner).unwrap().current())
        .collect()
}

// ---------------------------------------------------------------------------------------
// Pure parsers: many inputs each.

fn definition_text() -> String {
    std::fs::read_to_string(surveys_dir().join("sipas-counter.toml")).unwrap()
}

proptest! {
    #![proptest_config(Config { cases: PURE_CASES, ..Config::default() })]

    /// Any text as a definition: a definition or errors naming the file, never a panic.
    #[test]
    fn any_text_as_a_definition(text in "\\PC{0,400}") {
        if let Err(errors) = chiso::survey::parse_definition("x.toml", &text) {
            prop_assert!(!errors.is_empty());
        }
    }

    /// A real definition with lines dropped, cut short, or a value replaced.
    #[test]
    fn a_damaged_definition(drop in proptest::collection::vec(any::<prop::sample::Index>(), 0..4),
                            cut in any::<prop::sample::Index>(),
                            line in any::<prop::sample::Index>(),
                            with in texty()) {
        let text = definition_text();
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        for d in drop {
            let i = d.index(lines.len());
            lines.remove(i);
        }
        let i = line.index(lines.len());
        if let Some((k, _)) = lines[i].clone().split_once('=') {
            lines[i] = format!("{k}= {with:?}");
        }
        let mut damaged = lines.join("\n");
        let mut c = cut.index(damaged.len() + 1);
        while !damaged.is_char_boundary(c) { c -= 1; }
        if c > damaged.len() / 2 { damaged.truncate(c); }
        let _ = chiso::survey::parse_definition("sipas-counter.toml", &damaged);
    }

    /// Any bytes as the API's body: a submission or a 4xx naming what is wrong.
    #[test]
    fn any_bytes_as_an_api_body(body in proptest::collection::vec(any::<u8>(), 0..300)) {
        if let Err(e) = chiso::features::api::body::parse_submission(&body) {
            prop_assert!(e.status.is_client_error());
        }
    }

    /// Mutated submissions through the parser and the validation of every survey.
    #[test]
    fn mutated_submissions_validate_or_name_a_field(v in submission_json()) {
        let body = v.to_string();
        if let Ok(raw) = chiso::features::api::body::parse_submission(body.as_bytes()) {
            for s in catalog().surveys.values() {
                if let Err(e) = chiso::survey::validate(s, &raw) {
                    prop_assert!(!e.field.is_empty());
                }
            }
        }
    }

    /// Keyed paper forms: any field names and values.
    #[test]
    fn any_keying_of_a_paper_form(keys in proptest::collection::btree_map(
        field_name(&["q.E1.1", "bg.gioi_tinh", "q.C8.4"], Some("[a-z.0-9]{1,8}")),
        texty(), 0..8)) {
        let catalog = catalog();
        let survey = catalog.get("sipas-2022-household").unwrap();
        let fields = chiso::survey::paper::layout(survey);
        if let Ok(clean) = chiso::survey::paper::check(&fields, &keys) {
            let filled = chiso::survey::paper::fill(&fields, &clean);
            let _ = chiso::survey::paper::keys_for(&fields, &filled);
        }
    }

    /// Dates and years as typed.
    #[test]
    fn any_date_or_year(text in texty()) {
        let _ = chiso::features::paper::service::parse_paper_date(&text);
        let _ = chiso::features::export::service::parse_period(&text);
    }
}

fn catalog() -> std::sync::Arc<chiso::survey::Catalog> {
    use std::sync::{Arc, OnceLock};
    static C: OnceLock<Arc<chiso::survey::Catalog>> = OnceLock::new();
    C.get_or_init(|| Arc::new(chiso::survey::load_dir(&surveys_dir()).unwrap()))
        .clone()
}

/// Import files of any content, CSV and XLSX (a real workbook with bytes changed): rows or a
/// problem, never a panic.
#[test]
fn any_import_file_is_read_or_refused() {
    use chiso::features::import::read::{self, Format};
    use chiso::features::import::service::Problem;
    let dir = tempfile::tempdir().unwrap();
    let good_xlsx = {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        for (c, h) in ["unit", "E1.1", "linh_vuc"].iter().enumerate() {
            ws.write_string(0, c as u16, *h).unwrap();
            ws.write_string(1, c as u16, "5").unwrap();
        }
        wb.save_to_buffer().unwrap()
    };
    let limits = read::Limits::new(40, 10_000);
    let mut runner = TestRunner::new(Config::default());
    let csv = proptest::collection::vec(texty(), 0..30).prop_map(|cells| {
        cells
            .chunks(3)
            .map(|r| r.join(","))
            .collect::<Vec<_>>()
            .join("\n")
    });
    let flips = proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6);
    let mut tried = 0;
    for _ in 0..300 {
        let text = csv.new_tree(&mut runner).unwrap().current();
        let path = dir.path().join("x.csv");
        std::fs::write(&path, format!("unit,E1.1,linh_vuc\n{text}")).unwrap();
        let mut each = |_row: read::Row| Ok::<(), Problem>(());
        let mut seen = |_: u64, _: u64| {};
        let _ = read::rows(&path, "x.csv", Format::Csv, &limits, &mut seen, &mut each);
        let mut bytes = good_xlsx.clone();
        for (i, b) in flips.new_tree(&mut runner).unwrap().current() {
            let i = i.index(bytes.len());
            bytes[i] = b;
        }
        let path = dir.path().join("x.xlsx");
        std::fs::write(&path, &bytes).unwrap();
        let _ = read::rows(&path, "x.xlsx", Format::Xlsx, &limits, &mut seen, &mut each);
        tried += 2;
    }
    println!("import files: {tried} read or refused");
}

/// Date-formatted cells holding numbers no date has (a typing slip, a damaged file): read as
/// the number, never a panic; a real date still reads as its day.
#[test]
fn a_date_cell_far_outside_the_calendar_is_read_as_its_number() {
    use chiso::features::import::read::{self, Format};
    use chiso::features::import::service::Problem;
    let dir = tempfile::tempdir().unwrap();
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    let date = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    ws.write_string(0, 0, "date").unwrap();
    for (r, v) in [-1e12, 1e20, -1e300, 45_000.0].iter().enumerate() {
        ws.write_number_with_format(r as u32 + 1, 0, *v, &date)
            .unwrap();
    }
    let path = dir.path().join("dates.xlsx");
    std::fs::write(&path, wb.save_to_buffer().unwrap()).unwrap();
    let mut texts = Vec::new();
    let mut each = |row: read::Row| {
        texts.push(row.cells.first().cloned().unwrap_or_default());
        Ok::<(), Problem>(())
    };
    let limits = read::Limits::new(40, 10_000);
    read::rows(
        &path,
        "dates.xlsx",
        Format::Xlsx,
        &limits,
        &mut |_, _| {},
        &mut each,
    )
    .unwrap();
    assert_eq!(texts[1..3], ["-1000000000000", "100000000000000000000"]);
    assert_eq!(texts[3], (-1e300f64).to_string());
    assert_eq!(texts[4], "2023-03-15");
}

/// Workbooks whose one cell has an address of any length, a shared-string table declaring
/// any count, and CSV rows of any width: read within the limits or refused, never a panic and
/// never a row wider than the limit.
#[test]
fn far_addresses_and_wide_rows_are_read_within_the_limits_or_refused() {
    use chiso::features::import::read::{self, Format};
    use chiso::features::import::service::Problem;
    use std::io::Write as _;
    let dir = tempfile::tempdir().unwrap();
    let limits = read::Limits::new(40, 10_000);
    let mut runner = TestRunner::new(Config::default());
    let address = ("[A-Z]{1,9}", "[0-9]{1,12}", 0u64..u64::MAX, 0usize..5_000);
    // Reads a file: whether it was read, and how many cells its widest row had.
    let read_widest = |path: &std::path::Path, name: &str, format: Format| {
        let mut widest = 0;
        let mut each = |row: read::Row| {
            widest = widest.max(row.cells.len());
            Ok::<(), Problem>(())
        };
        let read = read::rows(path, name, format, &limits, &mut |_, _| {}, &mut each);
        (read, widest)
    };
    let mut tried = 0;
    for _ in 0..200 {
        let (letters, digits, count, width) = address.new_tree(&mut runner).unwrap().current();
        let path = dir.path().join("x.xlsx");
        let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
        let options = zip::write::SimpleFileOptions::default();
        for (name, text) in [
            ("_rels/.rels", r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.to_string()),
            ("xl/workbook.xml", r#"<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>"#.into()),
            ("xl/_rels/workbook.xml.rels", r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#.into()),
            ("xl/sharedStrings.xml", format!(r#"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" uniqueCount="{count}"><si><t>unit</t></si></sst>"#)),
            ("xl/worksheets/sheet1.xml", format!(r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row><row><c r="{letters}{digits}"><v>5</v></c></row></sheetData></worksheet>"#)),
        ] {
            zip.start_file(name, options).unwrap();
            zip.write_all(text.as_bytes()).unwrap();
        }
        zip.finish().unwrap();
        let (_, widest) = read_widest(&path, "x.xlsx", Format::Xlsx);
        assert!(
            widest <= limits.columns,
            "{letters}{digits}: {widest} cells"
        );
        let path = dir.path().join("x.csv");
        std::fs::write(&path, format!("unit\n{}\n", vec!["5"; width + 1].join(","))).unwrap();
        let (read, widest) = read_widest(&path, "x.csv", Format::Csv);
        assert_eq!(read.is_ok(), width < limits.columns, "{width}: {read:?}");
        assert!(widest <= limits.columns);
        tried += 2;
    }
    println!("far addresses and wide rows: {tried} read or refused");
}

// ---------------------------------------------------------------------------------------
// Through HTTP: a bounded number of inputs per route, counting rows before and after.

/// Sends one request (`$answer`, a request not yet awaited), checks it is not a server error,
/// and that a refusal stored nothing.
macro_rules! probe {
    ($app:expr, $answer:expr, $what:expr, $stored_ok:expr) => {{
        let before = stored(&$app);
        let status = $answer.await.status;
        assert!(!status.is_server_error(), "{}: {status}", $what);
        let after = stored(&$app);
        let accepted: fn(StatusCode) -> bool = $stored_ok;
        if !accepted(status) {
            assert_eq!(before, after, "{}: refused with {status} but stored", $what);
        }
        status
    }};
}

#[actix_web::test]
async fn api_json_submissions() {
    let app = spawn_app();
    let surveyor = service!(app).token(&app.surveyor_token);
    let mut created = 0;
    let inputs = draw(submission_json(), HTTP_CASES);
    for v in &inputs {
        let before = app.responses();
        let answer = surveyor.post_body("/api/v1/responses", "application/json", v.to_string());
        let status = probe!(app, answer, v, |s| s.is_success());
        if status == StatusCode::CREATED {
            created += 1;
            assert_eq!(app.responses(), before + 1);
        }
    }
    println!("API: {} submissions, {created} stored", inputs.len());
}

/// Random form fields for the public forms (kiosk, slip code, one-time link).
fn public_form() -> impl Strategy<Value = Vec<(String, String)>> {
    let names = field_name(
        &[
            "submission_id",
            "step",
            "issued",
            "linh_vuc",
            "E1.1",
            "q.E1.1",
            "nav",
            "group",
        ],
        Some("[a-zA-Z0-9_.]{1,10}"),
    );
    proptest::collection::vec((names, texty()), 0..10)
}

#[actix_web::test]
async fn public_form_posts() {
    let app = TestApp::builder().with_kiosk(WARD, "sipas-counter").build();
    let svc = service!(app);
    let codes = slip_codes(&app, WARD, 1);
    let list = "name,group,unit,contact\nAn,hdnd,SNV,\n";
    let (_, links) = open_campaign_with_links(&app, "", list);
    let uris = [
        format!("/k/{}", app.kiosks[0]),
        format!("/o/{}", codes[0]),
        format!("/i/{}", links[0]),
    ];
    let anyone = svc.anonymous();
    let mut tried = 0;
    for fields in draw(public_form(), HTTP_CASES) {
        for uri in &uris {
            let body = serde_urlencoded::to_string(&fields).unwrap();
            let answer = anyone.post_encoded(&uri, body.clone());
            // A random form may still be a whole valid answer only by chance: a redirect to
            // the thanks page is then the one answer allowed to store.
            probe!(app, answer, format!("{uri} {body}"), |s| s.is_redirection());
            tried += 1;
        }
    }
    println!("kiosk, /o, /i: {tried} form posts");
}

/// Staff forms: keying, admin forms, campaign lists, import — posted by an admin (who may do
/// all of them), with the CSRF token, random fields.
#[actix_web::test]
async fn staff_form_posts() {
    let app = spawn_app_with_staff(&[("chi", Role::Supervisor)]);
    let svc = service!(app);
    let admin = svc.admin().await;
    let batch = household_batch(&app, "chi", WARD, "Lô", 1000);
    let new = chiso::features::campaigns::service::NewCampaign {
        survey: "parindex-officials-2022".into(),
        period: PERIOD,
        organiser: "Sở Nội vụ".into(),
        ..Default::default()
    };
    let (c, _) = chiso::features::campaigns::service::create(&app.state, "t", new, None).unwrap();

    let keying = proptest::collection::vec(
        (
            field_name(
                &["serial", "date", "q.E1.1", "q.C8.4", "bg.gioi_tinh"],
                Some("[a-z.0-9]{1,8}"),
            ),
            texty(),
        ),
        0..8,
    );
    let admin_form = proptest::collection::vec(
        (
            field_name(
                &[
                    "name", "role", "unit", "password", "survey", "label", "period", "expected",
                    "count",
                ],
                None,
            ),
            texty(),
        ),
        0..8,
    );
    let list = proptest::collection::vec(texty(), 0..20).prop_map(|cells| {
        let body: Vec<String> = cells.chunks(4).map(|r| r.join(",")).collect();
        vec![(
            "list".to_string(),
            format!("name,group,unit,contact\n{}", body.join("\n")),
        )]
    });
    // Success for these forms: a redirect, or the page again with 200 and a notice.
    let ok = |s: StatusCode| s.is_success() || s.is_redirection();
    let mut tried = 0;
    for f in draw(keying, HTTP_CASES) {
        let uri = format!("/entry/batches/{batch}/key");
        probe!(
            app,
            admin.post_form(&uri, &f),
            format!("{uri} {f:?}"),
            |s| s.is_redirection()
        );
        tried += 1;
    }
    let keyed = tried;
    for f in draw(admin_form, HTTP_CASES) {
        for uri in [
            "/admin/users",
            "/admin/kiosks",
            "/admin/tokens",
            "/entry/batches",
            "/campaigns",
            "/codes",
        ] {
            probe!(app, admin.post_form(&uri, &f), format!("{uri} {f:?}"), ok);
            tried += 1;
        }
    }
    for f in draw(list, HTTP_CASES) {
        let uri = format!("/campaigns/{}/list", c.id);
        probe!(app, admin.post_form(&uri, &f), format!("{uri} {f:?}"), ok);
        tried += 1;
    }
    let _ = ok;
    println!("staff forms: {tried} posts ({keyed} keyings)");
}

/// Uploads through the import page: random CSV content; a refused file stores nothing.
#[actix_web::test]
async fn import_uploads() {
    let app = spawn_app();
    let svc = service!(app);
    let admin = svc.admin().await;
    let csv = proptest::collection::vec(texty(), 0..24).prop_map(|cells| {
        let body: Vec<String> = cells.chunks(4).map(|r| r.join(",")).collect();
        format!("unit,linh_vuc,E1.1,E1.2\n{}", body.join("\n"))
    });
    let mut tried = 0;
    for text in draw(csv, HTTP_CASES / 2) {
        let b = "fuzzboundary";
        let body = format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{}\r\n\
             --{b}\r\nContent-Disposition: form-data; name=\"survey\"\r\n\r\nsipas-counter\r\n\
             --{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.csv\"\r\n\
             Content-Type: text/csv\r\n\r\n{text}\r\n--{b}--\r\n",
            admin.csrf
        );
        let answer = admin.post_multipart(
            "/import",
            (
                format!("multipart/form-data; boundary={b}"),
                body.into_bytes(),
            ),
        );
        probe!(app, answer, format!("import {text:?}"), |s| s.is_success());
        tried += 1;
    }
    println!("import: {tried} uploads");
}
