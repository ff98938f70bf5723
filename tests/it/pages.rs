//! The kiosk a citizen touches and the pages staff sign in to.

use crate::harness::*;
use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use chiso::clock::Clock;

/// The app with a kiosk for Cái Khế ward's counter form, `tweak`ed.
#[actix_web::test]
async fn a_citizen_rates_at_the_kiosk_and_gets_a_fresh_form() {
    let (app, _svc, kiosk) = kiosk_app(|_| {}).await;
    let token = &kiosk.token;
    let page = kiosk.form().await.text;
    assert_says(&page, &["Bộ phận Một cửa", "Phường Cái Khế"]);
    assert_says(&page, &["Rất hài lòng", "Không ý kiến"]);
    assert!(
        !page.contains("http-equiv=\"refresh\""),
        "no timed reload of a page that may hold answers"
    );
    assert!(
        page.contains("<script src=\"/static/kiosk.js?v=") && !page.contains("<script>"),
        "the idle reset is in a static script, not inline"
    );
    let form = filled_form(&page, None);
    let resp = kiosk.post_encoded(form.clone()).await;
    assert_eq!(resp.status, StatusCode::SEE_OTHER);
    let thanks = resp.location.unwrap();
    assert_eq!(thanks, format!("/k/{token}/cam-on"));
    // A double tap, or the browser resubmitting the page: thanked again, stored once.
    let resp = kiosk.post_encoded(form).await;
    assert_eq!(resp.status, StatusCode::SEE_OTHER);
    assert_eq!(app.responses(), 1);
    let page = kiosk.get(&thanks).await.text;
    // Back to a fresh form after 5 seconds, by the script (no meta refresh).
    assert!(
        page.contains("Cảm ơn")
            && page.contains(&format!(r#"data-home="/k/{token}" data-return="5""#))
    );

    let t = stored_counts(&app, "sipas-counter", app.state.clock.year(), None);
    assert_eq!(
        t.items["E1.1"][&None], 1,
        "“Không ý kiến” is stored as no opinion"
    );
    assert_eq!(t.items["E1.2"][&Some(5)], 1);
}

#[actix_web::test]
async fn kiosk_refuses_what_it_must() {
    let (app, svc, kiosk) = kiosk_app(|s| s.kiosk_min_interval_secs = 60).await;
    let token = &kiosk.token;

    let resp = svc.citizen("khong-dung").form().await;
    assert_eq!(resp.status, StatusCode::NOT_FOUND);
    assert!(resp.text.contains("Không tìm thấy trang"));

    let page = kiosk.form().await.text;
    // A required question left out: the form comes back, answers kept, the question named.
    let again = kiosk
        .post_encoded(filled_form(&page, Some("E3.2")))
        .await
        .text_with(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        again.contains("Bước <span class=\"stepno\">4</span>/7"),
        "the screen of the question left out (E3) is shown"
    );
    let at = again
        .find("id=\"q-a:E3.2\"")
        .expect("the question left out");
    let beside = &again[again[..at].rfind("<fieldset").unwrap()..at + 300];
    assert!(
        beside.contains("class=\"q bad\"") && beside.contains("chưa chọn câu trả lời"),
        "the message sits beside the question: {beside}"
    );
    assert!(
        again.contains("checked"),
        "answers already given stay chosen"
    );
    // A page from an older version of the form is stale.
    let old = filled_form(&page, None).replace(&hidden(&page, "version"), "000000000000");
    assert_eq!(kiosk.post_encoded(old).await.status, StatusCode::CONFLICT);
    let old = filled_form(&page, None).replace(&hidden(&page, "issued"), "1600000000");
    assert_eq!(kiosk.post_encoded(old).await.status, StatusCode::CONFLICT);
    assert_eq!(app.responses(), 0);

    // One submission per interval per kiosk.
    assert_eq!(
        kiosk.post_encoded(filled_form(&page, None)).await.status,
        StatusCode::SEE_OTHER
    );
    let resp = kiosk.answer(None).await;
    assert_eq!(resp.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(resp.text.contains("Xin đợi vài giây"));
    assert_eq!(app.responses(), 1);

    // Revoked by the admin, the kiosk shows no form.
    let id = kiosk_id(&app, token);
    let admin = svc.admin().await;
    let revoke = admin.press(format!("/admin/kiosks/{id}/revoke"));
    assert_eq!(revoke.await.status, StatusCode::SEE_OTHER);
    assert_eq!(kiosk.form().await.status, StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn staff_sign_in_to_see_scores_and_forms_need_their_csrf_token() {
    let app = spawn_app();
    let svc = service!(app);
    let anyone = svc.anonymous();
    assert_eq!(
        anyone.get("/scores").await.status,
        StatusCode::SEE_OTHER,
        "scores need a signed-in user"
    );

    // The sign-in form posted by hand: with and without its pre-session cookie.
    let login_page = anyone.get("/login").await;
    let pre = login_page.cookie("chiso_csrf").unwrap();
    let csrf = csrf_field(&login_page.text);
    let login = |form: &str, with_cookie: bool| {
        let mut r = TestRequest::post()
            .uri("/login")
            .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
            .set_payload(form.to_string());
        if with_cookie {
            r = r.cookie(actix_web::cookie::Cookie::new("chiso_csrf", pre.clone()));
        }
        r
    };
    let good = format!("csrf={csrf}&username=admin&password={ADMIN_PASSWORD}");
    assert_eq!(
        svc.send(login(&good, false)).await.status,
        StatusCode::FORBIDDEN
    );
    let wrong = format!("csrf={csrf}&username=admin&password=sai");
    assert_eq!(
        svc.send(login(&wrong, true)).await.status,
        StatusCode::UNAUTHORIZED
    );
    let resp = svc.send(login(&good, true)).await;
    assert_eq!(resp.status, StatusCode::SEE_OTHER);
    let session = resp.cookie("chiso_session").unwrap();
    let signed_in = |req: TestRequest| {
        req.cookie(actix_web::cookie::Cookie::new(
            "chiso_session",
            session.clone(),
        ))
    };

    let page = svc
        .send(signed_in(
            TestRequest::get().uri("/scores?survey=sipas-counter&period=2025&unit=NK"),
        ))
        .await
        .text_with(StatusCode::OK);
    // No form yet: the page says so instead of a table of dashes (the figures with data:
    // tests/it/results.rs).
    assert_says(&page, &["Chưa có dữ liệu", "Quận Ninh Kiều"]);

    // The sign-in form's token is worthless once signed in: forms are bound to the session.
    let logout = |csrf: &str| {
        signed_in(
            TestRequest::post()
                .uri("/logout")
                .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
                .set_payload(format!("csrf={csrf}")),
        )
    };
    let with_old_token =
        logout(&csrf).cookie(actix_web::cookie::Cookie::new("chiso_csrf", pre.clone()));
    assert_eq!(svc.send(with_old_token).await.status, StatusCode::FORBIDDEN);
    let csrf = csrf_field(&page);
    assert_eq!(svc.send(logout(&csrf)).await.status, StatusCode::SEE_OTHER);
    let resp = svc.send(signed_in(TestRequest::get().uri("/scores"))).await;
    assert_eq!(resp.status, StatusCode::SEE_OTHER, "the session ended");
}

#[actix_web::test]
async fn the_par_index_and_papi_pages_say_what_their_numbers_are() {
    let app = spawn_app();
    let svc = service!(app);
    let admin = svc.admin().await;
    let page = admin.get("/parindex?period=2025").await.text;
    assert!(
        page.contains("86,11 %") && page.contains("26/63"),
        "published headline"
    );
    assert_says(
        &page,
        &["Tính hợp lý của các VBQPPL", "0,8219", "Sở Tư pháp"],
    );
    let page = admin
        .get("/scores?survey=papi-aligned&period=2025")
        .await
        .text;
    assert!(page.contains("ước tính theo phương pháp PAPI"));
    assert!(
        page.contains("Chưa có dữ liệu"),
        "no form yet, and the page says so"
    );
}

#[actix_web::test]
async fn new_year_comes_at_midnight_in_vietnam_for_the_kiosk_and_the_dashboards() {
    // 1 January 2027, 01:00 in Vietnam; still 31 December in UTC.
    let clock = Clock::Fixed("2026-12-31T18:00:00Z".parse().unwrap());
    let app = TestApp::builder()
        .clock(clock)
        .with_kiosk("P-CAI-KHE", "sipas-counter")
        .with_user("lan", Role::Viewer, None)
        .build();
    let token = app.kiosks[0].clone();
    let svc = service!(app);
    let resp = svc.citizen(&token).answer(None).await;
    assert_eq!(resp.status, StatusCode::SEE_OTHER);

    let lan = svc.viewer("lan").await;
    let page = lan.get("/scores?survey=sipas-counter").await.text;
    assert!(
        page.contains("value=\"2027\""),
        "the dashboard opens on the Vietnamese year"
    );
    let t = stored_counts(
        &app,
        "sipas-counter",
        2027,
        Some(("2027-01-01", "2027-01-01")),
    );
    assert_eq!(
        t.items["E1.2"][&Some(5)],
        1,
        "the kiosk answer counts under 1 January 2027, period 2027"
    );
}

#[actix_web::test]
async fn without_javascript_the_kiosk_goes_screen_by_screen_and_keeps_answers() {
    let (app, _svc, kiosk) = kiosk_app(|_| {}).await;
    let token = &kiosk.token;
    let page = kiosk.form().await.text;
    let screen = |p: &str| -> String {
        let at = p.find("class=\"stepno\">").unwrap() + 15;
        p[at..at + p[at..].find('<').unwrap()].to_string()
    };
    assert_eq!(screen(&page), "1");
    assert_says(&page, &["/7", "Tiếp"]);
    let base = vec![
        ("submission_id".to_string(), hidden(&page, "submission_id")),
        ("version".to_string(), hidden(&page, "version")),
        ("issued".to_string(), hidden(&page, "issued")),
        ("sig".to_string(), hidden(&page, "sig")),
    ];
    let post = |fields: Vec<(String, String)>| {
        let kiosk = &kiosk;
        async move { kiosk.post_form(&fields).await }
    };
    let with = |step: usize, go: &str, answers: &[(String, String)]| {
        let mut f = base.clone();
        f.push(("step".into(), step.to_string()));
        f.push(("go".into(), go.into()));
        f.extend(answers.iter().cloned());
        f
    };
    let pairs = |a: &[(&str, &str)]| -> Vec<(String, String)> {
        a.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };

    // "Tiếp" with nothing chosen: the same screen, the message beside the question.
    let p = post(with(0, "next", &[]))
        .await
        .text_with(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(screen(&p), "1");
    assert!(p.contains("class=\"q bad\" id=\"q-b:linh_vuc\""));

    // Forward to E1; two of its four left out are both named, each beside itself.
    let mut given = pairs(&[("b:linh_vuc", "ho_tich")]);
    let p = post(with(0, "next", &given)).await.text;
    assert_eq!(screen(&p), "2");
    given.extend(pairs(&[("a:E1.1", "4"), ("a:E1.3", "na")]));
    let p = post(with(1, "next", &given))
        .await
        .text_with(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(screen(&p), "2");
    assert_eq!(p.matches("class=\"q bad\"").count(), 2, "E1.2 and E1.4");
    assert_says(&p, &["id=\"q-a:E1.2\"", "id=\"q-a:E1.4\""]);
    assert!(p.contains("Còn <span class=\"count\">2</span> câu"));

    // Back keeps every answer given, on this screen and the one before.
    let p = post(with(1, "back", &given)).await.text;
    assert_eq!(screen(&p), "1");
    for (name, value) in &given {
        assert!(
            p.contains(&format!("name=\"{name}\" value=\"{value}\" checked")),
            "{name} stays chosen"
        );
    }

    // Every screen in turn; nothing is stored before the last.
    given.extend(pairs(&[("a:E1.2", "5"), ("a:E1.4", "3")]));
    let mut step = 1;
    for (i, code) in ITEMS.iter().enumerate().skip(4) {
        let section: usize = code[1..2].parse().unwrap();
        if section != step {
            let p = post(with(step, "next", &given)).await.text;
            step = section;
            assert_eq!(screen(&p), (step + 1).to_string());
        }
        given.push((format!("a:{code}"), ["1", "2", "5"][i % 3].to_string()));
    }
    let p = post(with(5, "next", &given)).await.text;
    assert_eq!(screen(&p), "7", "the optional questions last");
    assert_says(&p, &["Gửi đánh giá", "không bắt buộc"]);
    assert_eq!(app.responses(), 0);
    let resp = post(with(6, "submit", &given)).await;
    assert_eq!(resp.status, StatusCode::SEE_OTHER);
    let resp = post(with(6, "submit", &given)).await;
    assert_eq!(resp.status, StatusCode::SEE_OTHER);
    assert_eq!(app.responses(), 1, "a double tap stores once");

    // A page open for hours: on its first screen it simply goes on; later it is stale, with a
    // button to a fresh form and a return to it by itself.
    // (Signed by the server as it signed it then: a page cannot make itself younger.)
    let kiosk_id = kiosk_id(&app, token);
    let old = |step: usize, go: &str| {
        let mut f = with(step, go, &pairs(&[("b:linh_vuc", "khac")]));
        f[0].1 = uuid::Uuid::new_v4().to_string();
        f[2].1 = "1600000000".into();
        f[3].1 = app
            .state
            .forms_key
            .sign(&["kiosk-form", &kiosk_id, &f[0].1, "1600000000"]);
        f
    };
    let resp = post(old(0, "next")).await;
    assert_eq!(resp.status, StatusCode::OK);
    assert_eq!(screen(&resp.text), "2");
    let p = post(old(1, "next")).await.text_with(StatusCode::CONFLICT);
    assert!(p.contains(&format!("href=\"/k/{token}\"")) && p.contains("Phiếu mới"));
    assert!(p.contains(&format!(r#"data-home="/k/{token}" data-return="15""#)));
    assert_eq!(app.responses(), 1);
}
