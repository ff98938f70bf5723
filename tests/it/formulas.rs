//! Text from people written into CSV and XLSX files is never run as a formula where the file
//! is opened: the reminder and link lists (page and command line), the rejected rows of an
//! import, and what the import reads back.

use crate::harness::*;
use actix_web::http::StatusCode;
use chiso::features::campaigns::service::{self as campaigns, NewCampaign};

/// Cells a spreadsheet would run, as people may type them into a name or a contact.
const FORMULAS: [&str; 4] = [
    "=HYPERLINK(\"http://evil.example\";\"Mở\")",
    "@SUM(A1:A9)",
    "+84 912 345 678",
    "-2+3",
];

/// Every cell of a CSV text (first line the header).
fn cells(csv_text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(csv_text.trim_start_matches('\u{feff}').as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

/// No cell starts as a formula, and each of [`FORMULAS`] is there as text (`'` before it).
fn assert_neutral(what: &str, csv_text: &str) {
    let all = cells(csv_text);
    for cell in all.iter().flatten() {
        assert!(
            !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
            "{what}: a cell a spreadsheet runs: {cell:?}\n{csv_text}"
        );
    }
    for f in FORMULAS {
        let text = format!("'{f}");
        assert!(
            all.iter().flatten().any(|c| *c == text),
            "{what}: {text:?} is there as text\n{csv_text}"
        );
    }
}

/// A respondent list whose names and contacts are formulas.
fn list() -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["name", "group", "unit", "contact"])
        .unwrap();
    w.write_record([FORMULAS[0], "hdnd", "CT", FORMULAS[2]])
        .unwrap();
    w.write_record([FORMULAS[1], "hdnd", "CT", FORMULAS[3]])
        .unwrap();
    String::from_utf8(w.into_inner().unwrap()).unwrap()
}

#[actix_web::test]
async fn reminder_and_link_lists_write_names_and_contacts_as_text() {
    let app = spawn_app_with_staff(&[("lan", Role::Supervisor)]);
    let new = NewCampaign {
        survey: "parindex-officials-2022".into(),
        period: app.state.clock.year(),
        ..Default::default()
    };
    let list = list();
    let (c, n) = campaigns::create(
        &app.state,
        "test",
        new,
        Some(campaigns::ListSource::Text(&list)),
    )
    .unwrap();
    assert_eq!(n, 2);
    campaigns::open(&app.state, "test", &c.id).unwrap();
    let svc = service!(app);
    let admin = svc.admin().await;
    let lan = svc.supervisor("lan").await;
    let page = format!("/campaigns/{}", c.id);
    let Answer {
        status,
        text: reminders,
        ..
    } = lan.get(format!("{page}/reminders.csv")).await;
    assert_eq!(status, StatusCode::OK);
    assert_neutral("reminders.csv", &reminders);
    // Names in the link list; contacts are not in it.
    let links = admin
        .post_form(format!("{page}/links"), &[("format", "csv")])
        .await
        .text_with(StatusCode::OK);
    let names = cells(&links);
    assert_eq!(names.len(), 3, "{links}");
    assert_eq!(names[1][0], format!("'{}", FORMULAS[0]));
    assert_eq!(names[2][0], format!("'{}", FORMULAS[1]));
}

#[test]
fn the_command_line_writes_names_and_contacts_as_text() {
    let (dir, db, _guard) = process_database();
    let file = dir.path().join("nguoi.csv");
    std::fs::write(&file, list()).unwrap();
    let id = campaign_id(&create_campaign(&db, &file));
    let out = chiso(&db, &["campaign", "reminders", &id]);
    assert!(out.status.success(), "{out:?}");
    assert_neutral("campaign reminders", &String::from_utf8_lossy(&out.stdout));
    let out = chiso(&db, &["campaign", "links", &id]);
    assert!(out.status.success(), "{out:?}");
    let links = cells(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(links[1][0], format!("'{}", FORMULAS[0]));
    assert_eq!(links[2][0], format!("'{}", FORMULAS[1]));
}

#[test]
fn rejected_rows_are_written_as_text_and_import_back_as_they_were() {
    let (dir, db, _guard) = process_database();
    // A form whose first answer is the cell given.
    let form = |first: &str| {
        let mut r = vec!["NK", "2025-05-04", "ho_tich", first];
        r.extend(std::iter::repeat_n("5", ITEMS.len() - 1));
        r.into_iter().map(str::to_string).collect::<Vec<_>>()
    };
    let file = dir.path().join("dot.csv");
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["unit", "date", "linh_vuc"];
    header.extend(ITEMS);
    w.write_record(&header).unwrap();
    w.write_record(form("5")).unwrap();
    for f in FORMULAS {
        w.write_record(form(f)).unwrap();
    }
    std::fs::write(&file, w.into_inner().unwrap()).unwrap();
    let out = import_counter_forms(&db, &file, &["--skip-invalid"]);
    let said = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "{out:?}");
    assert!(said.contains("rejected 4 rows"), "{said}");
    let rejects = dir.path().join("dot.csv.rejected.csv");
    let written = std::fs::read_to_string(&rejects).unwrap();
    assert_neutral("rejected rows", &written);
    // Read back, each cell is what the person wrote: the import reports the same values.
    let out = import_counter_forms(&db, &rejects, &[]);
    let said = text(&out);
    assert!(!out.status.success());
    for f in FORMULAS {
        assert!(
            said.contains(&format!("value \"{f}\"")),
            "{f} read back as it was:\n{said}"
        );
    }
}
