//! Paper forms from batch to verified scores: two surveyors key blind, a supervisor settles
//! the differences; bad keyings are refused and change nothing; counts follow the forms.

use crate::harness::*;
use actix_web::http::StatusCode;
use chiso::db::recount::recount_in_parts;

pub(crate) const SURVEY: &str = "sipas-2022-household";
pub(crate) const WARD: &str = "NK-P-AN-BINH";

pub(crate) fn paper_app() -> TestApp {
    spawn_app_with_staff(&[
        ("an", Role::Surveyor),
        ("binh", Role::Surveyor),
        ("chi", Role::Supervisor),
        ("xem", Role::Viewer),
    ])
}

/// A household form as keyed: serial, date, and the codes of a few questions by the numbers
/// the paper prints (background 1 = sex, 2 = age band; the service items are keyed by code).
pub(crate) fn household(serial: &str, e11: &str) -> Vec<(&'static str, String)> {
    vec![
        ("serial", serial.to_string()),
        ("date", "15/06/2025".to_string()),
        ("bg.gioi_tinh", "2".to_string()),
        ("bg.do_tuoi", "3".to_string()),
        // Câu 8.4 = 1 (made a procedure): the service items are asked.
        ("q.C8.4", "1".to_string()),
        ("q.E1.1", e11.to_string()),
        ("q.E1.2", "4".to_string()),
        ("q.E2.1", "9".to_string()),
        ("q.E3.1", "5".to_string()),
    ]
}

/// `who` saves `form` on the keying screen `key`, and it is taken.
pub(crate) async fn saves(who: &Staff, key: &str, form: &[(&'static str, String)]) {
    let said = who.post_form(key, &as_pairs(form)).await;
    assert_eq!(said.status, StatusCode::SEE_OTHER, "{}", said.text);
}

pub(crate) fn as_pairs<'a>(v: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    v.iter().map(|(k, s)| (*k, s.as_str())).collect()
}

fn recount_agrees(app: &TestApp) {
    let report = recount_in_parts(&app.state.pool, &app.state.layouts, false, 1).unwrap();
    assert!(
        report.differences.is_empty(),
        "running counts disagree with the answers: {:?}",
        report.differences
    );
}

/// The paper desk of a test: supervisor chi and surveyors an and binh signed in, and a fresh
/// batch of three household forms of An Bình that chi opened, with its keying address — as
/// (chi, an, binh, batch, keying address).
pub(crate) async fn desk(svc: &Web) -> (Staff, Staff, Staff, String, String) {
    let sup = svc.supervisor("chi").await;
    let an = svc.surveyor("an").await;
    let binh = svc.surveyor("binh").await;
    let batch = open_batch(&sup, WARD, "3", "Lô 01 – An Bình").await;
    let key = format!("/entry/batches/{batch}/key");
    (sup, an, binh, batch, key)
}

/// The supervisor opens a batch of `expected` household forms of `unit` for 2025, labelled
/// `label`: its id.
pub(crate) async fn open_batch(sup: &Staff, unit: &str, expected: &str, label: &str) -> String {
    let fields = [
        ("survey", SURVEY),
        ("unit", unit),
        ("period", "2025"),
        ("expected", expected),
        ("label", label),
    ];
    let Answer {
        status, location, ..
    } = sup.post_form("/entry/batches", &fields).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    location
        .unwrap()
        .trim_start_matches("/entry/batches/")
        .to_string()
}

/// The first form in dispute that the supervisor's list links to: its id.
pub(crate) async fn first_dispute(sup: &Staff) -> String {
    let Answer { text: list, .. } = sup.get("/entry/disputes").await;
    let form_at = list.find("/entry/forms/").unwrap();
    list[form_at + 13..]
        .chars()
        .take_while(|c| *c != '"')
        .collect()
}

/// The supervisor settles question E1.1 of form `form` from `source` (the paper, or a
/// keying), with the paper's `value` when from the paper, for `reason`: the answer's status.
pub(crate) async fn settle_e11(
    sup: &Staff,
    form: &str,
    source: &str,
    value: Option<&str>,
    reason: &str,
) -> StatusCode {
    let mut fields = vec![("q.E1.1:source", source)];
    fields.extend(value.map(|v| ("q.E1.1:value", v)));
    fields.push(("q.E1.1:reason", reason));
    sup.post_form(format!("/entry/forms/{form}"), &fields)
        .await
        .status
}

#[actix_web::test]
async fn two_surveyors_and_a_supervisor_take_paper_forms_to_verified_scores() {
    let app = paper_app();
    let svc = service!(app);
    let (sup, an, binh, batch, key) = desk(&svc).await;

    // The keying screen numbers the questions as the printed form does, with the same codes.
    let screen = an.get(&key).await.text_with(StatusCode::OK);
    let Answer { text: printed, .. } = an.get(format!("/surveys/{SURVEY}/print")).await;
    // Every question on screen is on paper under the same label, with the same codes.
    let labels = |html: &str| -> Vec<String> {
        html.match_indices("class=\"qnum\">")
            .map(|(i, _)| {
                let rest = &html[i + 13..];
                rest[..rest.find("</span>").unwrap()]
                    .trim_end_matches('.')
                    .to_string()
            })
            .collect()
    };
    let on_screen = labels(&screen);
    assert!(
        on_screen.len() > 40,
        "{} questions on screen",
        on_screen.len()
    );
    assert!(on_screen.contains(&"E1.1".to_string()) && on_screen.contains(&"T1".to_string()));
    for l in &on_screen {
        assert!(
            printed.contains(&format!("<strong>{l}. </strong>")),
            "{l} is printed"
        );
    }
    assert!(screen.contains("Rất hài lòng") && printed.contains("Rất hài lòng"));
    // The A4 rules are in the one stylesheet the printed form links.
    assert!(printed.contains("Mã phiếu") && printed.contains(&chiso::ui::assets::css_url()));
    assert!(chiso::ui::assets::CSS.contains("@page{size:A4"));

    // First keyings of two forms: nothing counts yet.
    let s1 = household("AB-0001", "4");
    let saved = an.post_form(&key, &as_pairs(&s1)).await;
    assert_eq!(saved.location.as_deref(), Some(key.as_str()));
    let next = an.follow(saved).await.text_with(StatusCode::OK);
    assert!(next.contains("Đã lưu phiếu AB-0001 (lần nhập thứ nhất)"));
    let s2 = household("AB-0002", "5");
    saves(&an, &key, &s2).await;
    assert_eq!(app.responses(), 0, "single keyings do not count");

    // The second keyer never sees the first keying: the batch page names keyers, not values.
    let Answer { text: page, .. } = binh.get(format!("/entry/batches/{batch}")).await;
    assert_says(&page, &["AB-0001", "an"]);
    assert!(page.contains("Đã nhập 1 lần"));

    // Second keying of AB-0001 matches: verified and counted, once.
    let saved = binh.post_form(&key, &as_pairs(&s1)).await;
    let Answer { text: after, .. } = binh.follow(saved).await;
    assert!(after.contains("đã được xác minh"), "{after}");
    assert_eq!(app.responses(), 1);
    recount_agrees(&app);

    // AB-0002 keyed with E1.1 = 3 instead of 5: in dispute, not counted.
    let s2b = household("ab-0002", "3");
    let saved = binh.post_form(&key, &as_pairs(&s2b)).await;
    let Answer { text: after, .. } = binh.follow(saved).await;
    assert!(after.contains("khác lần nhập thứ nhất ở 1 ô"), "{after}");
    assert_eq!(app.responses(), 1);

    // The supervisor sees both values side by side and settles with the paper's value.
    let form_id = first_dispute(&sup).await;
    let dispute = sup
        .get(format!("/entry/forms/{form_id}"))
        .await
        .text_with(StatusCode::OK);
    assert_says(&dispute, &["AB-0002", "q.E1.1:source"]);
    // Without a reason nothing is settled.
    let status = settle_e11(&sup, &form_id, "paper", Some("4"), "").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.responses(), 1);
    let reason = "cả hai lần đều gõ sai, phiếu ghi 4";
    let status = settle_e11(&sup, &form_id, "paper", Some("4"), reason).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(app.responses(), 2);
    recount_agrees(&app);
    let value: Option<i16> = {
        use chiso::db::schema::{answers, paper_forms};
        use diesel::prelude::*;
        let mut conn = app.state.pool.get().unwrap();
        let rid: Option<String> = paper_forms::table
            .find(&form_id)
            .select(paper_forms::response_id)
            .first(&mut conn)
            .unwrap();
        answers::table
            .filter(answers::response_id.eq(rid.unwrap()))
            .filter(answers::item_code.eq("E1.1"))
            .select(answers::value)
            .first(&mut conn)
            .unwrap()
    };
    assert_eq!(value, Some(4), "the settled value is what counts");

    // Scores read the two forms.
    let Answer { text: scores, .. } = sup
        .get(format!(
            "/scores?survey={SURVEY}&period=2025&unit={WARD}&map=can-tho-2023"
        ))
        .await;
    assert!(scores.contains("Số phiếu: <strong>2</strong>"), "{scores}");

    // Keyer statistics: both keyers; after settlement both keyings of AB-0002 had one field wrong.
    let Answer { text: stats, .. } = sup
        .get(format!("/entry/keyers?survey={SURVEY}&period=2025"))
        .await;
    assert_says(&stats, &[">an<", ">binh<"]);
    let Answer { text: progress, .. } = sup.get(format!("/entry/batches/{batch}")).await;
    assert_says(&progress, &["Đã đối chiếu", "Đã xác minh"]);

    // The audit trail has every keying and the settlement with the values before and after.
    let Answer {
        status,
        text: trail,
        ..
    } = sup.get("/audit?action=paper.".to_string()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(trail.matches("Nhập phiếu</td>").count(), 4, "{trail}");
    assert_says(&trail, &["Đối chiếu phiếu", "cả hai lần đều gõ sai"]);
    // Surveyors do not read the audit trail.
    assert_eq!(
        an.get("/audit".to_string()).await.status,
        StatusCode::FORBIDDEN
    );
}

#[actix_web::test]
async fn bad_keyings_are_refused_by_field_and_store_nothing() {
    let app = paper_app();
    let svc = service!(app);
    let (sup, an, binh, _, key) = desk(&svc).await;
    let xem = svc.viewer("xem").await;
    let form = household("AB-0100", "4");
    let pairs = as_pairs(&form);

    // No CSRF token; a viewer; a surveyor creating a batch.
    assert_eq!(
        an.post_form_without_csrf(&key, &pairs).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        xem.post_form(&key, &pairs).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        an.post_form(
            "/entry/batches",
            &[
                ("survey", SURVEY),
                ("unit", WARD),
                ("period", "2025"),
                ("expected", "5")
            ]
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );

    // A code outside the scale: refused, named by its question number, the form shown again.
    let mut bad = form.clone();
    bad.push(("q.E1.3", "7".into()));
    let page = an
        .post_form(&key, &as_pairs(&bad))
        .await
        .text_with(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("“7” không phải mã trên phiếu"), "{page}");
    assert!(page.contains("value=\"AB-0100\""), "what was typed stays");
    // A bad date, a missing serial.
    // A bad date and a bad code together: both marked at once.
    let mut bad = form.clone();
    bad[1].1 = "31/02/2025".into();
    bad.push(("bg.dan_toc", "5".into()));
    let Answer {
        status, text: page, ..
    } = an.post_form(&key, &as_pairs(&bad)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_says(
        &page,
        &["không đúng dạng ngày", "T3: “5” không phải mã trên phiếu"],
    );
    let mut bad = form.clone();
    bad[0].1 = " ".into();
    assert_eq!(
        an.post_form(&key, &as_pairs(&bad)).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(audit_entries(&app), 1, "only the batch was recorded");

    // Keyed once by an; an again is refused; binh verifies; a third keying is refused.
    assert_eq!(
        an.post_form(&key, &pairs).await.status,
        StatusCode::SEE_OTHER
    );
    let Answer {
        status, text: page, ..
    } = an.post_form(&key, &pairs).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("phải do một người khác"));
    assert_eq!(
        binh.post_form(&key, &pairs).await.status,
        StatusCode::SEE_OTHER
    );
    let page = sup
        .post_form(&key, &pairs)
        .await
        .text_with(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("đã được nhập đủ hai lần"));
    assert_eq!(app.responses(), 1);

    // The same serial keyed into another batch (another ward): refused, naming the batch.
    let other = open_batch(&sup, "NK-P-AN-CU", "2", "Lô An Cư").await;
    let other = format!("/entry/batches/{other}/key");
    let page = an
        .post_form(&other, &pairs)
        .await
        .text_with(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("Lô 01 – An Bình"), "{page}");
    assert_eq!(app.responses(), 1);
    recount_agrees(&app);

    // A batch for an unknown unit or with a silly size is refused with its reason.
    let page = sup
        .post_form(
            "/entry/batches",
            &[
                ("survey", SURVEY),
                ("unit", "NOWHERE"),
                ("period", "2025"),
                ("expected", "2"),
            ],
        )
        .await
        .text_with(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("không có đơn vị"));
}

fn audit_entries(app: &TestApp) -> i64 {
    use chiso::db::schema::audit_log;
    use diesel::prelude::*;
    let mut conn = app.state.pool.get().unwrap();
    audit_log::table
        .filter(audit_log::action.like("paper.%"))
        .count()
        .get_result(&mut conn)
        .unwrap()
}

/// A copy of the definitions where the household form counts forms keyed once.
fn surveys_counting_single_keyed() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let copy = |from: &std::path::Path, to: &std::path::Path| {
        let status = std::process::Command::new("cp")
            .arg("-r")
            .arg(from)
            .arg(to)
            .status()
            .unwrap();
        assert!(status.success());
    };
    let to = dir.path().join("surveys");
    copy(&surveys_dir(), &to);
    let file = to.join("sipas-2022-household.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    let text = text.replacen(
        "instrument = \"sipas\"",
        "instrument = \"sipas\"\ncount_single_keyed = true",
        1,
    );
    std::fs::write(&file, text).unwrap();
    dir
}

#[actix_web::test]
async fn where_a_survey_counts_single_keyed_forms_a_settlement_moves_the_counts() {
    let defs = surveys_counting_single_keyed();
    let path = defs.path().join("surveys");
    let app = TestApp::builder()
        .with_staff(&[
            ("an", Role::Surveyor),
            ("binh", Role::Surveyor),
            ("chi", Role::Supervisor),
        ])
        .settings(move |s| {
            s.surveys_dir = path;
            // The one form is read at its ward: no smallest cell to hide it.
            s.min_cell = 1;
        })
        .build();
    let svc = service!(app);
    let (sup, an, binh, batch, key) = desk(&svc).await;
    let Answer { text: page, .. } = an.get(format!("/entry/batches/{batch}")).await;
    assert!(
        page.contains("tính cả phiếu mới nhập một lần"),
        "the page says so"
    );

    saves(&an, &key, &household("AB-7", "1")).await;
    assert_eq!(app.responses(), 1, "counted when keyed once");
    recount_agrees(&app);
    saves(&binh, &key, &household("AB-7", "5")).await;
    assert_eq!(app.responses(), 1);
    let form_id = first_dispute(&sup).await;
    let status = settle_e11(&sup, &form_id, "2", None, "phiếu ghi 5").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(app.responses(), 1, "still one form");
    // The counts moved from 1 to 5 in the settlement's transaction: the recount agrees.
    recount_agrees(&app);
    let scores = chiso::features::results::service::scores_blocking(
        &app.state,
        &chiso::report::ScoreQuery {
            survey: SURVEY.into(),
            period: PERIOD,
            unit: Some(WARD.into()),
            from: None,
            to: None,
            map: Some("can-tho-2023".into()),
        },
    )
    .unwrap();
    fn find<'a>(
        nodes: &'a [chiso::scoring::NodeScore],
        code: &str,
    ) -> Option<&'a chiso::scoring::NodeScore> {
        nodes.iter().find_map(|n| {
            (n.code == code)
                .then_some(n)
                .or_else(|| find(&n.children, code))
        })
    }
    let e11 = find(&scores.nodes, "E1.1").expect("item E1.1 in the tree");
    assert_eq!(
        e11.value,
        Some(100.0),
        "E1.1 reads the settled 5 (satisfied), not the first 1"
    );
}

#[actix_web::test]
async fn an_imported_file_enters_keyed_once_and_a_second_keyer_verifies_it_on_screen() {
    use chiso::features::import::service::{import_file, Entry, ImportOptions, Quiet};
    let app = paper_app();
    let svc = service!(app);
    let (sup, _, binh, batch, _) = desk(&svc).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("lo-01.csv");
    std::fs::write(
        &file,
        format!(
            "serial,unit,period,date,gioi_tinh,do_tuoi,C8.4,E1.1,E1.2,E2.1,E3.1\n\
             AB-0500,{WARD},2025,2025-06-15,nu,35-49,1,4,4,na,5\n\
             AB-0501,{WARD},2025,2025-06-15,nu,35-49,1,5,4,na,5\n"
        ),
    )
    .unwrap();
    let opts = |entry: Entry| ImportOptions {
        survey: SURVEY.into(),
        unit: None,
        period: None,
        channel: "paper".into(),
        skip_invalid: false,
        rejects: None,
        scope: None,
        entry,
        forms: Default::default(),
    };
    let keyed_once = Entry::KeyedOnce {
        batch: batch.clone(),
        by: "chi".into(),
    };
    let report = import_file(
        &app.state,
        &file,
        "lo-01.csv",
        &opts(keyed_once.clone()),
        &Quiet,
    )
    .unwrap();
    assert_eq!(report.created, 2);
    assert_eq!(app.responses(), 0, "keyed once: nothing counts yet");
    let Answer { text: page, .. } = sup.get(format!("/entry/batches/{batch}")).await;
    assert_says(&page, &["AB-0500", "Đã nhập 1 lần"]);

    // Binh keys both from the paper: the first matches the file, the second does not.
    let key = format!("/entry/batches/{batch}/key");
    saves(&binh, &key, &household("AB-0500", "4")).await;
    assert_eq!(app.responses(), 1, "verified against the file's keying");
    saves(&binh, &key, &household("AB-0501", "4")).await;
    assert_eq!(
        app.responses(),
        1,
        "AB-0501 differs from the file on E1.1: in dispute"
    );
    recount_agrees(&app);

    // The same file again into the batch: the serials are paper forms already, nothing stored.
    let again = import_file(&app.state, &file, "lo-01.csv", &opts(keyed_once), &Quiet);
    assert!(again.is_err());
    // A file imported as verified is counted at once, with that status.
    let other = dir.path().join("verified.csv");
    std::fs::write(
        &other,
        format!("serial,unit,period,date,C8.4,E1.1\nAB-0600,{WARD},2025,2025-06-15,1,5\n"),
    )
    .unwrap();
    let report = import_file(
        &app.state,
        &other,
        "verified.csv",
        &opts(Entry::Verified),
        &Quiet,
    )
    .unwrap();
    assert_eq!(report.created, 1);
    assert_eq!(app.responses(), 2);
    let status: String = {
        use chiso::db::schema::responses;
        use diesel::prelude::*;
        let mut conn = app.state.pool.get().unwrap();
        responses::table
            .filter(responses::channel.eq("paper"))
            .order(responses::id.desc())
            .select(responses::status)
            .first(&mut conn)
            .unwrap()
    };
    assert!(status == "verified", "{status}");
}

/// The E1.1 cell of the one form the 2025 CSV export holds.
async fn exported_e11(sup: &Staff) -> String {
    let Answer { status, bytes, .. } = sup
        .get(format!(
            "/api/v1/export?survey={SURVEY}&period=2025&format=csv"
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    let rows: Vec<csv::StringRecord> = csv::Reader::from_reader(&bytes[3..])
        .records()
        .map(Result::unwrap)
        .collect();
    let header = csv::Reader::from_reader(&bytes[3..])
        .headers()
        .unwrap()
        .clone();
    let column = header.iter().position(|c| c == "E1.1").unwrap();
    assert_eq!(rows.len(), 1, "one form");
    rows[0][column].to_string()
}

#[actix_web::test]
async fn a_supervisor_corrects_a_verified_form_and_its_counts_move() {
    let app = paper_app();
    let svc = service!(app);
    let (sup, an, binh, batch, key) = desk(&svc).await;
    let form = household("AB-0900", "4");
    saves(&an, &key, &form).await;
    saves(&binh, &key, &form).await;
    assert_eq!(app.responses(), 1);
    let Answer { text: page, .. } = sup.get(format!("/entry/batches/{batch}")).await;
    let at = page
        .find("/correct\"")
        .expect("a verified form can be corrected");
    let start = page[..at].rfind("/entry/forms/").unwrap();
    let correct = page[start..at + 8].to_string();

    // The form opens with its stored values, as the keying screen shows them.
    let Answer {
        status,
        text: screen,
        ..
    } = sup.get(&correct).await;
    assert_eq!(status, StatusCode::OK);
    assert!(screen.contains("name=\"q.E1.1\" value=\"4\""), "{screen}");
    assert!(screen.contains("value=\"15/06/2025\""));
    assert_eq!(exported_e11(&sup).await, "4");
    // Surveyors do not correct counted forms.
    assert_eq!(an.get(&correct).await.status, StatusCode::FORBIDDEN);

    let mut fixed = household("AB-0900", "2");
    fixed.remove(0);
    // Without a reason nothing changes.
    let Answer { status, .. } = sup.post_form(&correct, &as_pairs(&fixed)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    fixed.push(("reason", "phiếu ghi 2, đọc nhầm thành 4".into()));
    let Answer { status, .. } = sup.post_form(&correct, &as_pairs(&fixed)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(app.responses(), 1, "still one form");
    recount_agrees(&app);
    let Answer { text: again, .. } = sup.get(&correct).await;
    assert!(again.contains("name=\"q.E1.1\" value=\"2\""));
    // The export reads the corrected answers.
    assert_eq!(exported_e11(&sup).await, "2");
    // The same values again: nothing to correct.
    let page = sup
        .post_form(&correct, &as_pairs(&fixed))
        .await
        .text_with(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("không có ô nào thay đổi"));
    let Answer { text: trail, .. } = sup.get("/audit?action=paper.correct").await;
    assert_says(&trail, &["Sửa phiếu đã tính", "đọc nhầm thành 4"]);
    assert!(
        trail.contains("&quot;before&quot;:&quot;4&quot;") || trail.contains("\"before\":\"4\""),
        "{trail}"
    );
}
