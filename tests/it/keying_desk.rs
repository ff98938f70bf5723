//! The paper desk catches mistakes where they are made and says what each action did: a
//! serial checked as it is left, a (nearly) blank form confirmed before it is saved, batch
//! names that cannot be taken twice, lists one can search, statistics that open on what is
//! being keyed, and days typed day/month/year.

use crate::harness::*;
use crate::paper::{
    as_pairs, desk, first_dispute, household, open_batch, paper_app, saves, SURVEY, WARD,
};
use actix_web::http::StatusCode;

/// What the keying screen's script is told about `serial` as it is left, for `who`.
async fn told(who: &Staff, batch: &str, serial: &str) -> serde_json::Value {
    let said = who
        .get(format!("/entry/batches/{batch}/serial?serial={serial}"))
        .await;
    assert_eq!(said.status, StatusCode::OK, "{}", said.text);
    said.json()["message"].clone()
}

#[actix_web::test]
async fn a_serial_is_checked_as_it_is_left_before_the_answers_are_keyed() {
    let app = paper_app();
    let svc = service!(app);
    let (sup, an, binh, batch, key) = desk(&svc).await;
    assert_eq!(told(&an, &batch, "NK-1").await, serde_json::Value::Null);
    assert!(told(&an, &batch, "NK%201")
        .await
        .as_str()
        .unwrap()
        .contains("chỉ được gồm chữ, số"));

    let first = household("NK-1", "4");
    saves(&an, &key, &first).await;
    // The first keyer may not key it again; someone else may, blind.
    let mine = told(&an, &batch, "nk-1").await;
    assert!(
        mine.as_str().unwrap().contains("bạn đã nhập phiếu NK-1"),
        "{mine}"
    );
    assert_eq!(told(&binh, &batch, "NK-1").await, serde_json::Value::Null);
    saves(&binh, &key, &first).await;
    let twice = told(&binh, &batch, "NK-1").await;
    assert!(
        twice.as_str().unwrap().contains("đã được nhập đủ hai lần"),
        "{twice}"
    );
    // The serial of a form of another batch names that batch.
    let other = open_batch(&sup, WARD, "5", "Lô 02 – An Bình").await;
    let elsewhere = told(&an, &other, "NK-1").await;
    assert!(
        elsewhere.as_str().unwrap().contains("Lô 01 – An Bình"),
        "{elsewhere}"
    );
    // In English for an English page.
    let en = an.in_lang(Some("en"));
    let said = told(&en, &other, "NK-1").await;
    assert!(
        said.as_str()
            .unwrap()
            .starts_with("serial NK-1 already belongs to"),
        "{said}"
    );
    // A viewer has no keying desk to ask from.
    let xem = svc.viewer("xem").await;
    let refused = xem
        .get(format!("/entry/batches/{batch}/serial?serial=NK-1"))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

#[actix_web::test]
async fn a_nearly_blank_form_asks_to_be_confirmed_and_stores_nothing_until_it_is() {
    let app = paper_app();
    let svc = service!(app);
    let (_sup, an, _binh, batch, key) = desk(&svc).await;
    let blank = |serial: &str, answered: &[(&'static str, &str)]| {
        let mut form = vec![
            ("serial", serial.to_string()),
            ("date", "15/06/2025".to_string()),
            ("bg.gioi_tinh", "2".to_string()),
            ("bg.do_tuoi", "3".to_string()),
        ];
        form.extend(answered.iter().map(|(k, v)| (*k, v.to_string())));
        form
    };
    for (serial, answered) in [("NK-2", vec![]), ("NK-3", vec![("q.C8.4", "1")])] {
        let form = blank(serial, &answered);
        let page = an.post_form(&key, &as_pairs(&form)).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{serial}");
        assert!(page.text.contains(r#"name="blank_ok""#), "{}", page.text);
        assert!(page
            .text
            .contains(&format!("Phiếu chỉ có {} trên", answered.len())));
        // The cursor waits on the confirmation; what was typed is still there.
        assert!(
            page.text
                .contains(r#"id="blank_ok" type="checkbox" name="blank_ok" value="1" autofocus"#),
            "{}",
            page.text
        );
        assert!(page.text.contains(&format!(r#"value="{serial}""#)));
    }
    let batch_page = an.get(format!("/entry/batches/{batch}")).await.text;
    assert!(
        batch_page.contains("Chưa có phiếu nào của lô này được nhập"),
        "{batch_page}"
    );

    let mut confirmed = blank("NK-2", &[]);
    confirmed.push(("blank_ok", "1".into()));
    saves(&an, &key, &confirmed).await;
    // Two questions answered is a form like any other.
    let two = blank("NK-4", &[("q.C8.4", "1"), ("q.E1.1", "4")]);
    saves(&an, &key, &two).await;
}

#[actix_web::test]
async fn batch_names_are_unique_for_a_survey_and_year_and_unnamed_batches_are_numbered() {
    let app = paper_app();
    let svc = service!(app);
    let sup = svc.supervisor("chi").await;
    open_batch(&sup, WARD, "3", "Lô 01").await;
    let again = [
        ("survey", SURVEY),
        ("unit", WARD),
        ("period", "2025"),
        ("expected", "3"),
        ("label", " Lô 01 "),
    ];
    let refused = sup.post_form("/entry/batches", &again).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .text
            .contains("đã có lô “Lô 01” của phiếu khảo sát này trong năm 2025"),
        "{}",
        refused.text
    );
    // Another year may reuse the name.
    let next_year = [
        ("survey", SURVEY),
        ("unit", WARD),
        ("period", "2026"),
        ("expected", "3"),
        ("label", "Lô 01"),
    ];
    assert_eq!(
        sup.post_form("/entry/batches", &next_year).await.status,
        StatusCode::SEE_OTHER
    );
    // Left unnamed, a batch takes its unit and year, numbered from the second on.
    let first = open_batch(&sup, WARD, "3", "").await;
    let second = open_batch(&sup, WARD, "3", "").await;
    let name = |page: String| {
        let at = page.find("<h1>").unwrap() + 4;
        page[at..at + page[at..].find("</h1>").unwrap()].to_string()
    };
    let one = name(sup.get(format!("/entry/batches/{first}")).await.text);
    let two = name(sup.get(format!("/entry/batches/{second}")).await.text);
    assert_eq!(two, format!("{one} · 2"));
    assert!(one.ends_with("· 2025"), "{one}");
}

/// Form `serial` keyed by the first two of `who` with different E1.1, awaiting the third
/// (a supervisor): its id.
async fn disputed((a, b, sup): (&Staff, &Staff, &Staff), key: &str, serial: &str) -> String {
    saves(a, key, &household(serial, "4")).await;
    saves(b, key, &household(serial, "5")).await;
    first_dispute(sup).await
}

/// What the page `who` is sent back to says, after `fields` are posted to `to` and taken.
async fn said_after(who: &Staff, to: &str, fields: &[(&str, &str)]) -> String {
    let done = who.post_form(to, fields).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text);
    who.follow(done).await.text
}

#[actix_web::test]
async fn every_action_on_the_paper_desk_says_what_it_did() {
    let app = paper_app();
    let svc = service!(app);
    let sup = svc.supervisor("chi").await;
    let fields = [
        ("survey", SURVEY),
        ("unit", WARD),
        ("period", "2025"),
        ("expected", "2"),
        ("label", "Lô báo"),
    ];
    let page = said_after(&sup, "/entry/batches", &fields).await;
    assert!(page.contains("Đã tạo lô “Lô báo”: 2 phiếu"), "{page}");
    let batch = open_batch(&sup, WARD, "2", "Lô đối chiếu").await;
    let key = format!("/entry/batches/{batch}/key");
    let (an, binh) = (svc.surveyor("an").await, svc.surveyor("binh").await);
    let form = disputed((&an, &binh, &sup), &key, "NK-9").await;
    let to = format!("/entry/forms/{form}");
    let settle = [
        ("q.E1.1:source", "1"),
        ("q.E1.1:reason", "đọc lại phiếu giấy"),
    ];
    let page = said_after(&sup, &to, &settle).await;
    assert!(page.contains("Đã đối chiếu phiếu NK-9"), "{page}");
    // Said once: the next visit is quiet.
    let again = sup.get(format!("/entry/batches/{batch}")).await.text;
    assert!(!again.contains("Đã đối chiếu phiếu NK-9"));

    let form = disputed((&an, &binh, &sup), &key, "NK-10").await;
    let to = format!("/entry/forms/{form}/delete");
    let delete = [("round", "2"), ("reason", "nhập nhầm mã phiếu")];
    let page = said_after(&sup, &to, &delete).await;
    assert!(page.contains("Đã xoá lần nhập 2 của phiếu NK-10"), "{page}");
}

#[actix_web::test]
async fn surveys_are_listed_by_code_units_can_be_searched_and_statistics_open_on_what_is_keyed() {
    let app = paper_app();
    let svc = service!(app);
    let (_sup, an, _binh, _batch, key) = desk(&svc).await;
    let page = an.get("/entry").await.text;
    let sup_page = svc.supervisor("chi").await.get("/entry").await.text;
    assert!(
        sup_page.contains(&format!(r#"<option value="{SURVEY}">{SURVEY} — "#)),
        "{sup_page}"
    );
    assert!(sup_page.contains(r#"select name="unit" required data-search="Tìm đơn vị"#));
    assert!(
        page.contains("/static/pick.js?v="),
        "every staff page loads the list search"
    );
    let script = svc.anonymous().get("/static/pick.js").await;
    assert_eq!(script.status, StatusCode::OK);
    assert!(script.text.contains("normalize(\"NFD\")"));

    // Statistics, unasked, open on the survey and year being keyed, not the first one listed.
    let first_listed = app.state.catalog.surveys.keys().next().unwrap().clone();
    assert_ne!(
        first_listed, SURVEY,
        "the test needs another survey listed first"
    );
    saves(&an, &key, &household("NK-5", "4")).await;
    let stats = an.get("/entry/keyers").await.text_with(StatusCode::OK);
    assert!(
        stats.contains(&format!(r#"<option value="{SURVEY}" selected>"#)),
        "{stats}"
    );
    assert!(stats.contains(r#"value="2025""#), "{stats}");
}

#[actix_web::test]
async fn days_on_filters_are_typed_day_month_year_never_in_the_browser_s_order() {
    let app = paper_app();
    let svc = service!(app);
    let sup = svc.supervisor("chi").await;
    for page in [
        "/scores?survey=sipas-2022-household&period=2025&from=01/02/2025&to=28022025",
        "/audit?from=01/02/2025&to=2025-02-28",
    ] {
        let text = sup.get(page).await.text_with(StatusCode::OK);
        assert!(!text.contains(r#"type="date""#), "{page}");
        assert!(
            text.contains(r#"name="from" value="01/02/2025""#),
            "{page}: {text}"
        );
        assert!(text.contains(r#"name="to" value="28/02/2025""#), "{page}");
        assert!(text.contains(r#"placeholder="ngày/tháng/năm""#), "{page}");
    }
    // English pages write days as YYYY-MM-DD, which no reader takes for month/day.
    let en = sup.in_lang(Some("en"));
    let text = en
        .get("/scores?survey=sipas-2022-household&period=2025&from=01/02/2025")
        .await
        .text;
    assert!(text.contains(r#"name="from" value="2025-02-01""#), "{text}");
    // A day that is not on the calendar is named, and nothing is shown for it.
    let wrong = sup
        .get("/scores?survey=sipas-2022-household&period=2025&from=31/02/2025")
        .await;
    assert_eq!(
        wrong.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        wrong.text
    );
    assert!(wrong.text.contains("31/02/2025"), "{}", wrong.text);
}

#[actix_web::test]
async fn a_ward_s_keyer_is_not_told_the_names_of_another_unit_s_batches() {
    let app = TestApp::builder()
        .with_staff(&[("an", Role::Surveyor), ("chi", Role::Supervisor)])
        .with_user("phuong", Role::Surveyor, Some("NK-P-CAI-KHE"))
        .build();
    let svc = service!(app);
    let (sup, an) = (svc.supervisor("chi").await, svc.surveyor("an").await);
    let theirs = open_batch(&sup, WARD, "3", "Lô bí mật – An Bình").await;
    let key = format!("/entry/batches/{theirs}/key");
    saves(&an, &key, &household("NK-7", "4")).await;
    let mine = open_batch(&sup, "NK-P-CAI-KHE", "3", "Lô Cái Khế").await;
    let phuong = svc.sign_in("phuong", USER_PASSWORD).await;
    // On leaving the serial, and on saving: another unit's batch, unnamed.
    let said = told(&phuong, &mine, "NK-7").await;
    let said = said.as_str().unwrap();
    assert!(
        said.contains("một lô của đơn vị khác") && !said.contains("bí mật"),
        "{said}"
    );
    let saved = phuong
        .post_form(
            format!("/entry/batches/{mine}/key"),
            &as_pairs(&household("NK-7", "4")),
        )
        .await;
    assert_eq!(saved.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(saved.text.contains("một lô của đơn vị khác") && !saved.text.contains("bí mật"));
    // A city-wide keyer is told which batch it is.
    let city = told(&an, &mine, "NK-7").await;
    assert!(
        city.as_str().unwrap().contains("Lô bí mật – An Bình"),
        "{city}"
    );
}
