//! Importing files of paper forms: encodings, XLSX, columns, duplicates, all or nothing,
//! `--skip-invalid`, and the upload page.

use crate::harness::*;
use actix_web::http::StatusCode;
use std::path::{Path, PathBuf};

/// Forms stored, read back from the database.
fn stored(db: &str) -> i64 {
    let out = chiso_process(db)
        .args([
            "score",
            "--survey",
            "sipas-counter",
            "--period",
            "2025",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()["responses"]
        .as_i64()
        .unwrap()
}

fn header() -> String {
    format!("unit,date,linh_vuc,{}", ITEMS.join(","))
}

fn row(unit: &str, value: &str) -> String {
    format!("{unit},2025-05-04,ho_tich,{}", vec![value; 19].join(","))
}

fn write(dir: &tempfile::TempDir, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let p = dir.path().join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

#[test]
fn a_byte_order_mark_or_semicolons_change_nothing() {
    let (dir, db, _guard) = process_database();
    let body = format!("{}\n{}\n{}\n", header(), row("NK", "5"), row("BT", "4"));
    let plain = write(&dir, "a.csv", &body);
    let bom = write(
        &dir,
        "b.csv",
        [&b"\xEF\xBB\xBF"[..], body.as_bytes()].concat(),
    );
    let semicolons = write(&dir, "c.csv", body.replace(',', ";"));
    let out = import_counter_forms(&db, &bom, &[]);
    assert_said(&out, "imported 2 forms (0 already present)");
    // The same rows, the same forms: nothing new.
    for file in [&plain, &semicolons] {
        let out = import_counter_forms(&db, file, &[]);
        assert_said(&out, "imported 0 forms (2 already present)");
    }
    assert_eq!(stored(&db), 2);
}

#[test]
fn a_file_in_another_encoding_is_refused_naming_the_problem() {
    let (dir, db, _guard) = process_database();
    // Latin-1 / Windows-125x: "Hộ tịch" cannot be UTF-8 once saved so; 0xF4 is "ô".
    let mut latin = format!("{}\n{}\n", header(), row("NK", "5")).into_bytes();
    latin.extend_from_slice(b"NK,2025-05-04,h\xF4_tich,");
    latin.extend_from_slice(vec!["5"; 19].join(",").as_bytes());
    let file = write(&dir, "latin.csv", latin);
    let out = import_counter_forms(&db, &file, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let t = text(&out);
    assert_says(&t, &["row 3, column linh_vuc", "0xF4", "not UTF-8"]);
    assert!(t.contains("CSV UTF-8"), "{t}");

    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(
            format!("{}\n{}\n", header(), row("NK", "5"))
                .encode_utf16()
                .flat_map(u16::to_le_bytes),
        )
        .collect();
    let file = write(&dir, "unicode.csv", utf16);
    let out = import_counter_forms(&db, &file, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out).contains("UTF-16") && text(&out).contains("CSV UTF-8"),
        "{}",
        text(&out)
    );
    assert_eq!(stored(&db), 0, "nothing stored");
}

#[test]
fn unknown_and_missing_columns_are_named_before_any_row() {
    let (dir, db, _guard) = process_database();
    // No unit column (and no --unit), an unknown column, and a required question left out.
    let head = format!("date,linh_vuc,ghi_chu,{}", ITEMS[1..].join(","));
    let line = format!("2025-05-04,ho_tich,x,{}", vec!["5"; 18].join(","));
    let file = write(&dir, "cot.csv", format!("{head}\n{line}\n"));
    let out = import_counter_forms(&db, &file, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let t = text(&out);
    for expected in [
        "cot.csv:1: column ghi_chu: unknown column",
        "cot.csv:1: column unit: missing column",
        "cot.csv:1: column E1.1: missing column",
    ] {
        assert!(t.contains(expected), "{expected} in {t}");
    }
    assert!(!t.contains("cot.csv:2"), "no row is checked: {t}");
    assert_eq!(stored(&db), 0);
}

#[test]
fn repeated_serials_and_submission_ids_name_both_rows() {
    let (dir, db, _guard) = process_database();
    let file = write(
        &dir,
        "so.csv",
        format!(
            "serial,{}\nA-1,{}\nA-2,{}\na-1,{}\n",
            header(),
            row("NK", "5"),
            row("NK", "4"),
            row("NK", "3")
        ),
    );
    let out = import_counter_forms(&db, &file, &[]);
    assert_refused(
        &out,
        "so.csv:4: column serial, value \"A-1\": serial A-1 is also on row 2",
    );

    let id = uuid::Uuid::new_v4();
    let file = write(
        &dir,
        "id.csv",
        format!(
            "submission_id,{}\n{id},{}\n{},{}\n",
            header(),
            row("NK", "5"),
            id.simple(),
            row("BT", "5")
        ),
    );
    let out = import_counter_forms(&db, &file, &[]);
    assert_refused(&out, "id.csv:3: column submission_id");
    assert_said(&out, "the same form id as row 2");
    assert_eq!(stored(&db), 0);
}

#[test]
fn a_serial_already_keyed_as_a_paper_form_is_refused() {
    let (dir, db, _guard) = process_database();
    // A form keyed in the browser holds serial K-7 (set up the way the keying screen stores it).
    let state = open_state(&db);
    counter_form_keyed_once(&state, "K-7");
    state.close();
    let file = write(
        &dir,
        "k.csv",
        format!(
            "serial,{}\nK-6,{}\nk-7,{}\n",
            header(),
            row("NK", "5"),
            row("NK", "4")
        ),
    );
    let out = import_counter_forms(&db, &file, &[]);
    assert_refused(
        &out,
        "k.csv:3: column serial, value \"K-7\": serial K-7 is already a paper form",
    );
    assert_eq!(stored(&db), 0);
}

#[test]
fn a_bad_last_row_stores_nothing() {
    let (dir, db, _guard) = process_database();
    let mut rows: Vec<String> = (0..300)
        .map(|i| row("NK", ["5", "4", "3"][i % 3]))
        .collect();
    rows.push(row("NK", "6"));
    let file = write(
        &dir,
        "dai.csv",
        format!("{}\n{}\n", header(), rows.join("\n")),
    );
    let out = import_counter_forms(&db, &file, &[]);
    assert_refused(&out, "dai.csv:302: column E1.1, value \"6\"");
    assert_eq!(stored(&db), 0, "all or nothing");
}

#[test]
fn skip_invalid_stores_the_good_rows_and_the_rejects_import_once_corrected() {
    let (dir, db, _guard) = process_database();
    let mut rows: Vec<String> = (0..10).map(|i| row("NK", ["5", "4"][i % 2])).collect();
    rows[3] = row("NK", "9");
    rows[7] = row("ZZ", "5");
    let file = write(
        &dir,
        "dot.csv",
        format!("{}\n{}\n", header(), rows.join("\n")),
    );
    let out = import_counter_forms(&db, &file, &["--skip-invalid"]);
    assert!(out.status.success(), "{}", text(&out));
    let t = text(&out);
    assert!(t.contains("imported 8 forms (0 already present)"), "{t}");
    assert_says(&t, &["rejected 2 rows", "dot.csv.rejected.csv"]);
    assert!(t.contains("dot.csv:5: column E1.1, value \"9\""), "{t}");
    assert_eq!(stored(&db), 8);

    let rejects = dir.path().join("dot.csv.rejected.csv");
    let written = std::fs::read_to_string(&rejects).unwrap();
    let lines: Vec<&str> = written.lines().collect();
    assert_eq!(lines.len(), 3, "{written}");
    assert_eq!(lines[0], format!("\u{feff}{},loi", header()));
    assert!(
        lines[1].starts_with(&row("NK", "9")) && lines[1].contains("E1.1"),
        "{written}"
    );
    assert!(
        lines[2].starts_with(&row("ZZ", "5")) && lines[2].contains("unknown unit"),
        "{written}"
    );

    // Corrected where they stand, reasons left in place: imported as they are.
    let fixed = written
        .replace(&row("NK", "9"), &row("NK", "4"))
        .replace(&row("ZZ", "5"), &row("BT", "5"));
    std::fs::write(&rejects, fixed).unwrap();
    let out = import_counter_forms(&db, &rejects, &[]);
    assert_said(&out, "imported 2 forms (0 already present)");
    assert_eq!(stored(&db), 10);
    // The original file again: the good rows are there, the bad ones still refused.
    let out = import_counter_forms(&db, &file, &["--skip-invalid", "--rejects", "/dev/null"]);
    assert_said(&out, "imported 0 forms (8 already present)");
}

/// A workbook of counter forms saved at `path`, as an office keeps one: the header, then a
/// row a form of `rows` (its unit, and the value every item gets), dated 4 May 2025.
fn counter_workbook(path: &std::path::Path, rows: &[(&str, i32)]) {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, name) in header().split(',').enumerate() {
        sheet.write(0, c as u16, name).unwrap();
    }
    for (r, (unit, v)) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        sheet.write(r, 0, *unit).unwrap();
        sheet.write(r, 1, "2025-05-04").unwrap();
        sheet.write(r, 2, "ho_tich").unwrap();
        for c in 0..19u16 {
            // Numbers, as Excel holds them.
            sheet.write(r, 3 + c, f64::from(*v)).unwrap();
        }
    }
    book.save(path).unwrap();
}

#[test]
fn a_workbook_gives_the_same_forms_as_the_same_csv() {
    let (dir, db, _guard) = process_database();
    let rows = [("NK", 5), ("BT", 4), ("NK-P-AN-CU", 2)];
    let csv: Vec<String> = rows.iter().map(|(u, v)| row(u, &v.to_string())).collect();
    let file = write(
        &dir,
        "dot.csv",
        format!("{}\n{}\n", header(), csv.join("\n")),
    );

    let xlsx = dir.path().join("dot.xlsx");
    counter_workbook(&xlsx, &rows);

    let out = import_counter_forms(&db, &xlsx, &[]);
    assert_said(&out, "imported 3 forms (0 already present)");
    let out = import_counter_forms(&db, &file, &[]);
    assert!(
        text(&out).contains("imported 0 forms (3 already present)"),
        "the same forms: {}",
        text(&out)
    );
    assert_eq!(stored(&db), 3);

    // A bad cell of a workbook is named by its spreadsheet row.
    counter_workbook(&xlsx, &[("NK", 7)]);
    let out = import_counter_forms(&db, &xlsx, &[]);
    assert_refused(&out, "dot.xlsx:2: column E1.1, value \"7\"");
}

#[test]
fn a_file_named_xlsx_that_is_not_one_is_refused() {
    let (dir, db, _guard) = process_database();
    let file = write(
        &dir,
        "phieu.xlsx",
        format!("{}\n{}\n", header(), row("NK", "5")),
    );
    let out = import_counter_forms(&db, &file, &[]);
    assert_refused(&out, "phieu.xlsx: not a valid Excel workbook");
    // A zip archive that is no workbook.
    let mut zip = b"PK\x03\x04".to_vec();
    zip.extend_from_slice(&[0u8; 200]);
    let file = write(&dir, "hong.xlsx", zip);
    let out = import_counter_forms(&db, &file, &[]);
    assert_refused(&out, "hong.xlsx: not a valid Excel workbook");
    assert_eq!(stored(&db), 0);
}

// ---- the upload page ----

/// The import page's form as `who`'s browser uploads it: the CSRF field `csrf`, the counter
/// survey of 2025 in `mode`, `extra` fields, and the file (name, bytes).
async fn upload(
    who: &Staff,
    csrf: &str,
    mode: &str,
    extra: &[(&str, &str)],
    file: (&str, &[u8]),
) -> Answer {
    let mut fields = vec![
        ("csrf", csrf),
        ("survey", "sipas-counter"),
        ("period", "2025"),
        ("mode", mode),
    ];
    fields.extend_from_slice(extra);
    let (name, bytes) = file;
    who.post_multipart("/import", multipart(&fields, &[("file", name, bytes)]))
        .await
}

/// `name` signed in, and the CSRF token of the import page as their browser gets it.
async fn at_the_import_page(svc: &Web, name: &str) -> (Staff, String) {
    let who = svc.sign_in(name, USER_PASSWORD).await;
    let page = who.get("/import").await;
    assert_eq!(page.status, StatusCode::OK);
    let csrf = csrf_field(&page.text);
    (who, csrf)
}

#[actix_web::test]
async fn the_upload_page_is_for_supervisors_and_shows_the_report() {
    let app = spawn_app_with_staff(&[("lan", Role::Supervisor), ("binh", Role::Surveyor)]);
    let svc = service!(app);
    let resp = svc.anonymous().get("/import").await;
    assert_eq!(resp.status, StatusCode::SEE_OTHER);
    assert_eq!(resp.location.as_deref(), Some("/login"));
    let surveyor = svc.surveyor("binh").await;
    assert_eq!(surveyor.get("/import").await.status, StatusCode::FORBIDDEN);

    let lan = svc.supervisor("lan").await;
    let page = lan.get("/import").await.text_with(StatusCode::OK);
    assert_says(&page, &["Nhập phiếu từ tệp", "multipart/form-data"]);
    let csrf = csrf_field(&page);

    let good = format!("{}\n{}\n{}\n", header(), row("NK", "5"), row("BT", "4"));
    let dot = |bytes: &'static str| ("dot.csv", bytes.as_bytes());
    let good: &'static str = good.leak();
    // A surveyor may not (with the supervisor's page in their cookie); without the right
    // CSRF token nobody may; nothing is stored.
    let surveyor = Staff {
        csrf: csrf.clone(),
        ..surveyor
    };
    let resp = upload(&surveyor, &csrf, "all", &[], dot(good)).await;
    assert_eq!(resp.status, StatusCode::FORBIDDEN);
    let wrong = "ef".repeat(32);
    let resp = upload(&lan, &wrong, "all", &[], dot(good)).await;
    assert_eq!(resp.status, StatusCode::FORBIDDEN);
    assert!(resp.text.contains("Trang đã cũ"));
    assert_eq!(app.responses(), 0);

    // A file with a bad row: the report, nothing stored.
    let bad: &'static str =
        format!("{}\n{}\n{}\n", header(), row("NK", "5"), row("NK", "8")).leak();
    let page = upload(&lan, &csrf, "all", &[], dot(bad))
        .await
        .text_with(StatusCode::UNPROCESSABLE_ENTITY);
    assert_says(
        &page,
        &[
            "Không phiếu nào được lưu",
            "<td class=\"num\">3</td><td><code>E1.1</code></td><td><code>8</code></td>",
        ],
    );
    assert_eq!(app.responses(), 0);

    // Skipping invalid rows: the good one stored, the bad one to download.
    let page = upload(&lan, &csrf, "skip", &[], dot(bad))
        .await
        .text_with(StatusCode::OK);
    assert_says(&page, &["Phiếu mới được lưu", "Dòng bị loại"]);
    assert_eq!(app.responses(), 1);
    let at = page
        .find("/import/rejected/")
        .expect("a link to the rejected rows");
    let link = &page[at..at + "/import/rejected/".len() + 64];
    let rejected = lan.get(link).await.text_with(StatusCode::OK);
    assert!(
        rejected.contains(",loi") && rejected.contains(&row("NK", "8")),
        "{rejected}"
    );

    // The corrected file begins like the one imported: asked, not guessed; said to hold the
    // same forms, the first row is the one already there.
    let resp = upload(&lan, &csrf, "all", &[], dot(good)).await;
    assert_eq!(resp.status, StatusCode::CONFLICT);
    assert_eq!(app.responses(), 1);
    let page = upload(&lan, &csrf, "all", &[("forms", "same")], dot(good))
        .await
        .text_with(StatusCode::OK);
    assert!(page.contains("Đã nhập xong tệp dot.csv"), "{page}");
    assert_eq!(app.responses(), 2);
}

#[actix_web::test]
async fn an_upload_over_the_size_limit_is_refused_and_stores_nothing() {
    let app = TestApp::builder()
        .with_user("lan", Role::Supervisor, None)
        .settings(|s| s.import_max_bytes = 2_000)
        .build();
    let svc = service!(app);
    let lan = svc.supervisor("lan").await;
    let rows: Vec<String> = (0..40).map(|_| row("NK", "5")).collect();
    let big = format!("{}\n{}\n", header(), rows.join("\n"));
    assert!(big.len() > 2_000);
    let page = upload(&lan, &lan.csrf, "skip", &[], ("lon.csv", big.as_bytes()))
        .await
        .text_with(StatusCode::UNPROCESSABLE_ENTITY);
    assert_says(&page, &["Tệp quá lớn", "Không phiếu nào được lưu"]);
    assert_eq!(app.responses(), 0);
}

#[test]
fn skip_invalid_rejects_rows_of_any_width_with_the_reasons_in_their_column() {
    let (dir, db, _guard) = process_database();
    let width = header().split(',').count();
    let file = write(
        &dir,
        "dot.csv",
        format!(
            "{}\n{}\n{},thua,them\n{}\n",
            header(),
            row("NK", "5"),
            row("NK", "4"),
            "NK,2025-05-04"
        ),
    );
    let out = import_counter_forms(&db, &file, &["--skip-invalid"]);
    let t = text(&out);
    assert!(out.status.success(), "{t}");
    assert_says(&t, &["imported 1 forms", "rejected 2 rows"]);
    let written = std::fs::read_to_string(dir.path().join("dot.csv.rejected.csv")).unwrap();
    let rows: Vec<Vec<String>> = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(written.trim_start_matches('\u{feff}').as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    assert_eq!(rows.len(), 3, "{written}");
    assert_eq!(rows[0][width], "loi", "{written}");
    // The long row: its cells, the reasons in `loi`, then the surplus kept after it.
    assert!(rows[1][width].contains("more cells"), "{written}");
    assert_eq!(rows[1][width + 1..], ["thua", "them"], "{written}");
    assert_eq!(rows[1][..width].join(","), row("NK", "4"));
    // The short row: padded, so the reasons are in `loi` too.
    assert_eq!(rows[2].len(), width + 1, "{written}");
    assert!(!rows[2][width].is_empty(), "{written}");
}

#[actix_web::test]
async fn rejected_rows_are_private_to_their_importer_and_removed_after_a_day() {
    let app = spawn_app_with_staff(&[("lan", Role::Supervisor), ("mai", Role::Supervisor)]);
    let svc = service!(app);
    let lan = svc.supervisor("lan").await;
    let mai = svc.supervisor("mai").await;
    let bad = format!("{}\n{}\n{}\n", header(), row("NK", "5"), row("NK", "8"));
    let page = upload(&lan, &lan.csrf, "skip", &[], ("dot.csv", bad.as_bytes()))
        .await
        .text_with(StatusCode::OK);
    let at = page
        .find("/import/rejected/")
        .expect("a link to the rejected rows");
    let link = page[at..at + "/import/rejected/".len() + 64].to_string();
    let token = link.rsplit('/').next().unwrap().to_string();

    // The file is in a directory only the server's user enters, readable by it alone.
    let dir = chiso::features::import::service::kept::dir().unwrap();
    let file = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().ends_with(&format!("{token}.csv")))
        .expect("the kept file");
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700, "{}", dir.display());
        assert_eq!(mode(&file), 0o600, "{}", file.display());
    }

    // Another supervisor holding the link gets nothing; the importer gets the rows.
    let resp = mai.get(&link).await;
    assert_eq!(resp.status, StatusCode::NOT_FOUND);
    assert!(!resp.text.contains(&row("NK", "8")));
    let resp = lan.get(&link).await;
    assert_eq!(resp.status, StatusCode::OK);
    assert!(resp.text.contains(&row("NK", "8")));

    // A day later it is gone, from the disk too.
    let two_days_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(2 * 86_400);
    std::fs::File::options()
        .write(true)
        .open(&file)
        .unwrap()
        .set_modified(two_days_ago)
        .unwrap();
    let resp = lan.get(&link).await;
    assert_eq!(resp.status, StatusCode::NOT_FOUND);
    assert!(!file.exists(), "{} is removed", file.display());
}

/// Today in Vietnam, as a command run now dates its import.
fn vietnam_today() -> String {
    (chrono::Utc::now() + chrono::Duration::hours(7))
        .date_naive()
        .to_string()
}

/// Two weekly files of forms without serials whose first rows are alike (two citizens may
/// answer alike): 4 paper forms in all.
fn weeks(dir: &tempfile::TempDir) -> (PathBuf, PathBuf) {
    let week1 = write(
        dir,
        "week1.csv",
        format!("{}\n{}\n{}\n", header(), row("NK", "5"), row("BT", "4")),
    );
    let week2 = write(
        dir,
        "week2.csv",
        format!("{}\n{}\n{}\n", header(), row("NK", "5"), row("NK", "3")),
    );
    (week1, week2)
}

#[test]
fn a_file_beginning_like_an_earlier_one_stops_and_new_forms_stores_every_row() {
    let (dir, db, _guard) = process_database();
    let (week1, week2) = weeks(&dir);
    let out = import_counter_forms(&db, &week1, &[]);
    assert_said(&out, "imported 2 forms (0 already present)");

    // week2 begins with week1's first row: the import stops, names week1, stores nothing.
    let before = vietnam_today();
    let out = import_counter_forms(&db, &week2, &[]);
    let after = vietnam_today();
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert_says(&t, &["nothing imported", "week2.csv"]);
    assert!(
        t.contains(&format!("week1.csv, imported on {before} (2 rows)"))
            || t.contains(&format!("week1.csv, imported on {after} (2 rows)")),
        "{t}"
    );
    assert_says(&t, &["--same-forms", "--new-forms"]);
    assert!(
        !t.contains("/week1.csv"),
        "the file's name, not where it lay: {t}"
    );
    assert_eq!(stored(&db), 2);

    // New forms: every row stored, 4 forms in all, not 3.
    let out = import_counter_forms(&db, &week2, &["--new-forms"]);
    assert_said(&out, "imported 2 forms (0 already present)");
    assert_eq!(stored(&db), 4);

    // Each file again, without a choice: the same files, nothing stored twice, no stop.
    for file in [&week2, &week1] {
        let out = import_counter_forms(&db, file, &[]);
        assert!(out.status.success(), "{}", text(&out));
        assert_said(&out, "imported 0 forms (2 already present)");
    }
    assert_eq!(stored(&db), 4);
}

#[test]
fn same_forms_skips_the_rows_matching_the_earlier_import() {
    let (dir, db, _guard) = process_database();
    let (week1, _) = weeks(&dir);
    assert!(import_counter_forms(&db, &week1, &[]).status.success());
    // week1 with a row added at the end: the same forms and one more.
    let longer = write(
        &dir,
        "week1-full.csv",
        format!(
            "{}\n{}\n{}\n{}\n",
            header(),
            row("NK", "5"),
            row("BT", "4"),
            row("NK", "2")
        ),
    );
    let out = import_counter_forms(&db, &longer, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_eq!(stored(&db), 2);
    let out = import_counter_forms(&db, &longer, &["--same-forms"]);
    assert_said(&out, "imported 1 forms (2 already present)");
    assert_eq!(stored(&db), 3);
    // And again: the same file, nothing twice.
    let out = import_counter_forms(&db, &longer, &[]);
    assert_said(&out, "imported 0 forms (3 already present)");
    // The two choices at once are refused.
    let out = import_counter_forms(&db, &longer, &["--same-forms", "--new-forms"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert_eq!(stored(&db), 3);
}

#[test]
fn a_file_whose_forms_all_have_serials_is_not_stopped() {
    let (dir, db, _guard) = process_database();
    let header = format!("serial,{}", header());
    let first = write(&dir, "a.csv", format!("{header}\nS-1,{}\n", row("NK", "5")));
    let second = write(
        &dir,
        "b.csv",
        format!("{header}\nS-1,{}\nS-2,{}\n", row("NK", "5"), row("BT", "4")),
    );
    assert!(import_counter_forms(&db, &first, &[]).status.success());
    let out = import_counter_forms(&db, &second, &[]);
    assert!(
        text(&out).contains("imported 1 forms (1 already present)"),
        "the serial says it is the same form: {}",
        text(&out)
    );
    // A form without a serial after the same first form: asked about, not guessed at.
    let mixed = write(
        &dir,
        "c.csv",
        format!("{header}\nS-1,{}\n,{}\n", row("NK", "5"), row("BT", "4")),
    );
    let out = import_counter_forms(&db, &mixed, &[]);
    assert_refused(&out, "b.csv, imported on");
    assert_eq!(stored(&db), 2);
}

#[actix_web::test]
async fn the_upload_page_stops_on_a_file_beginning_like_an_earlier_one_and_offers_both_choices() {
    for (choice, created, total) in [("new", 2, 4), ("same", 1, 3)] {
        let app = spawn_app_with_staff(&[("lan", Role::Supervisor)]);
        let svc = service!(app);
        let (lan, csrf) = at_the_import_page(&svc, "lan").await;
        let week1 = format!("{}\n{}\n{}\n", header(), row("NK", "5"), row("BT", "4"));
        let week2 = format!("{}\n{}\n{}\n", header(), row("NK", "5"), row("NK", "3"));
        let send = |name: &'static str, file: String, forms: &'static str| {
            let (lan, csrf) = (&lan, &csrf);
            async move {
                let extra: &[(&str, &str)] = if forms.is_empty() {
                    &[]
                } else {
                    &[("forms", forms)]
                };
                upload(lan, csrf, "all", extra, (name, file.as_bytes())).await
            }
        };
        let resp = send("week1.csv", week1.clone(), "").await;
        assert_eq!(resp.status, StatusCode::OK);
        assert_eq!(app.responses(), 2);

        let page = send("week2.csv", week2.clone(), "")
            .await
            .text_with(StatusCode::CONFLICT);
        assert!(
            page.contains(
                "week2.csv bắt đầu bằng các dòng giống tệp week1.csv, đã nhập ngày 2025-06-20 (2 dòng)"
            ),
            "{page}"
        );
        assert!(
            page.contains(r#"name="forms" value="same""#)
                && page.contains(r#"name="forms" value="new""#),
            "{page}"
        );
        assert_eq!(app.responses(), 2, "nothing stored on the stop");

        // The same upload again, with the choice (a wrong CSRF token is refused).
        let resp = send("week2.csv", week2.clone(), choice).await;
        assert_eq!(resp.status, StatusCode::OK, "{choice}");
        let page = resp.text;
        assert!(
            page.contains(&format!("<strong>{created}</strong>")),
            "{page}"
        );
        assert_eq!(app.responses(), total, "{choice}");

        // The same file again: no stop, nothing twice.
        let resp = send("week2.csv", week2, "").await;
        assert_eq!(resp.status, StatusCode::OK);
        assert_eq!(app.responses(), total);
        let resp = send("week1.csv", week1, "").await;
        assert_eq!(resp.status, StatusCode::OK);
        assert_eq!(app.responses(), total);
    }
}

#[actix_web::test]
async fn a_file_imported_before_imports_were_remembered_is_still_the_same_file() {
    use diesel::RunQueryDsl;
    let app = spawn_app_with_staff(&[("lan", Role::Supervisor)]);
    let svc = service!(app);
    let (lan, csrf) = at_the_import_page(&svc, "lan").await;
    let week1 = format!("{}\n{}\n{}\n", header(), row("NK", "5"), row("BT", "4"));
    let send = || upload(&lan, &csrf, "all", &[], ("week1.csv", week1.as_bytes()));
    assert_eq!(send().await.status, StatusCode::OK);
    assert_eq!(app.responses(), 2);
    // As if imported before the table of imports existed.
    let mut conn = app.state.pool.get().unwrap();
    let gone = diesel::sql_query("DELETE FROM file_imports")
        .execute(&mut *conn)
        .unwrap();
    assert_eq!(gone, 1);
    drop(conn);
    assert_eq!(send().await.status, StatusCode::OK);
    assert_eq!(app.responses(), 2, "nothing stored twice");
}

#[actix_web::test]
async fn a_form_stored_before_by_a_file_of_new_forms_is_still_found_when_it_no_longer_passes() {
    let app = TestApp::builder()
        .with_user("lan", Role::Supervisor, None)
        .with_user("hoa", Role::Supervisor, Some("NK"))
        .build();
    let svc = service!(app);
    let sessions = [
        at_the_import_page(&svc, "lan").await,
        at_the_import_page(&svc, "hoa").await,
    ];
    let week1 = format!("{}\n{}\n{}\n", header(), row("NK", "5"), row("BT", "4")).leak();
    let week2 = format!("{}\n{}\n{}\n", header(), row("NK", "5"), row("BT", "3")).leak();
    let send = |who: usize, name: &'static str, file: &'static str, forms: &'static str| {
        let (s, csrf) = &sessions[who];
        async move { upload(s, csrf, "all", &[("forms", forms)], (name, file.as_bytes())).await }
    };
    let resp = send(0, "week1.csv", week1, "").await;
    assert_eq!(resp.status, StatusCode::OK);
    let resp = send(0, "week2.csv", week2, "new").await;
    assert_eq!(resp.status, StatusCode::OK);
    assert_eq!(app.responses(), 4);
    // Someone scoped to NK imports week2 again: its BT row is outside their units, but it is
    // the form stored before (under week2's own ids), not a row to refuse.
    let resp = send(1, "week2.csv", week2, "").await;
    let status = resp.status;
    let page = resp.text;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("Phiếu đã có từ trước"), "{page}");
    assert_eq!(app.responses(), 4);
}
