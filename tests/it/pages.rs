//! The kiosk a citizen touches and the pages staff sign in to.

use crate::harness::*;
use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use chiso::clock::Clock;
use chiso::db::auth::Role;

fn kiosk(app: &TestApp) -> String {
    let mut conn = app.state.pool.get().unwrap();
    chiso::db::kiosks::add(&mut conn, "NK-P-CAI-KHE", "sipas-counter", "Quầy 1")
        .unwrap()
        .1
}

async fn body_of(resp: actix_web::dev::ServiceResponse) -> String {
    String::from_utf8(test::read_body(resp).await.to_vec()).unwrap()
}

#[actix_web::test]
async fn a_citizen_rates_at_the_kiosk_and_gets_a_fresh_form() {
    let app = spawn_app();
    let token = kiosk(&app);
    let svc = service!(app);
    let page = body_of(
        svc.call(TestRequest::get().uri(&format!("/k/{token}")))
            .await,
    )
    .await;
    assert!(page.contains("Bộ phận Một cửa") && page.contains("Phường Cái Khế"));
    assert!(page.contains("Rất hài lòng") && page.contains("Không ý kiến"));
    assert!(
        !page.contains("http-equiv=\"refresh\""),
        "no timed reload of a page that may hold answers"
    );
    assert!(
        page.contains("<script src=\"/static/kiosk.js?v=") && !page.contains("<script>"),
        "the idle reset is in a static script, not inline"
    );
    let form = filled_form(&page, None);
    let post = || {
        TestRequest::post()
            .uri(&format!("/k/{token}"))
            .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
            .set_payload(form.clone())
    };
    let resp = svc.call(post()).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let thanks = resp
        .headers()
        .get("Location")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(thanks, format!("/k/{token}/cam-on"));
    // A double tap, or the browser resubmitting the page: thanked again, stored once.
    let resp = svc.call(post()).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.responses(), 1);
    let page = body_of(svc.call(TestRequest::get().uri(&thanks)).await).await;
    assert!(page.contains("Cảm ơn") && page.contains(&format!("5;url=/k/{token}")));

    let mut conn = app.state.pool.get().unwrap();
    let f = chiso::db::counts::Filter {
        survey_id: "sipas-counter".into(),
        period: app.state.clock.year(),
        ..Default::default()
    };
    let t = chiso::db::counts::load(&mut conn, &f).unwrap();
    assert_eq!(
        t.items["E1.1"][&None], 1,
        "“Không ý kiến” is stored as no opinion"
    );
    assert_eq!(t.items["E1.2"][&Some(5)], 1);
}

#[actix_web::test]
async fn kiosk_refuses_what_it_must() {
    let app = spawn_app_with(|s| s.kiosk_min_interval_secs = 60);
    let token = kiosk(&app);
    let svc = service!(app);
    let get = |uri: String| TestRequest::get().uri(&uri);
    let post = |body: String| {
        TestRequest::post()
            .uri(&format!("/k/{token}"))
            .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
            .set_payload(body)
    };

    let resp = svc.call(get("/k/khong-dung".into())).await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert!(body_of(resp).await.contains("Không tìm thấy trang"));

    let page = body_of(svc.call(get(format!("/k/{token}"))).await).await;
    // A required question left out: the form comes back, answers kept, the question named.
    let resp = svc.call(post(filled_form(&page, Some("E3.2")))).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let again = body_of(resp).await;
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
    assert_eq!(svc.call(post(old)).await.status(), StatusCode::CONFLICT);
    let old = filled_form(&page, None).replace(&hidden(&page, "issued"), "1600000000");
    assert_eq!(svc.call(post(old)).await.status(), StatusCode::CONFLICT);
    assert_eq!(app.responses(), 0);

    // One submission per interval per kiosk.
    assert_eq!(
        svc.call(post(filled_form(&page, None))).await.status(),
        StatusCode::SEE_OTHER
    );
    let page2 = body_of(svc.call(get(format!("/k/{token}"))).await).await;
    let resp = svc.call(post(filled_form(&page2, None))).await;
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(body_of(resp).await.contains("Xin đợi vài giây"));
    assert_eq!(app.responses(), 1);

    let mut conn = app.state.pool.get().unwrap();
    assert!(chiso::db::kiosks::revoke(&mut conn, &token).unwrap());
    let resp = svc.call(get(format!("/k/{token}"))).await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
}

fn cookie_of(resp: &actix_web::dev::ServiceResponse, name: &str) -> Option<String> {
    resp.response()
        .cookies()
        .find(|c| c.name() == name)
        .map(|c| c.value().to_string())
}

#[actix_web::test]
async fn staff_sign_in_to_see_scores_and_forms_need_their_csrf_token() {
    let app = spawn_app();
    let svc = service!(app);
    let resp = svc.call(TestRequest::get().uri("/scores")).await;
    assert_eq!(
        resp.status(),
        StatusCode::SEE_OTHER,
        "scores need a signed-in user"
    );

    let resp = svc.call(TestRequest::get().uri("/login")).await;
    let pre = cookie_of(&resp, "chiso_csrf").unwrap();
    let csrf = crate::harness::csrf_field(&body_of(resp).await);
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
        svc.call(login(&good, false)).await.status(),
        StatusCode::FORBIDDEN
    );
    let wrong = format!("csrf={csrf}&username=admin&password=sai");
    assert_eq!(
        svc.call(login(&wrong, true)).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let resp = svc.call(login(&good, true)).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let session = cookie_of(&resp, "chiso_session").unwrap();

    let resp = svc
        .call(
            TestRequest::get()
                .uri("/scores?survey=sipas-counter&period=2025&unit=NK")
                .cookie(actix_web::cookie::Cookie::new(
                    "chiso_session",
                    session.clone(),
                )),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let page = body_of(resp).await;
    // No form yet: the page says so instead of a table of dashes (the figures with data:
    // tests/it/results.rs).
    assert!(page.contains("Chưa có dữ liệu") && page.contains("Quận Ninh Kiều"));

    // The sign-in form's token is worthless once signed in: forms are bound to the session.
    let with_old_token = TestRequest::post()
        .uri("/logout")
        .cookie(actix_web::cookie::Cookie::new(
            "chiso_session",
            session.clone(),
        ))
        .cookie(actix_web::cookie::Cookie::new("chiso_csrf", pre.clone()))
        .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
        .set_payload(format!("csrf={csrf}"));
    assert_eq!(
        svc.call(with_old_token).await.status(),
        StatusCode::FORBIDDEN
    );
    let csrf = crate::harness::csrf_field(&page);
    let logout = TestRequest::post()
        .uri("/logout")
        .cookie(actix_web::cookie::Cookie::new(
            "chiso_session",
            session.clone(),
        ))
        .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
        .set_payload(format!("csrf={csrf}"));
    assert_eq!(svc.call(logout).await.status(), StatusCode::SEE_OTHER);
    let resp = svc
        .call(
            TestRequest::get()
                .uri("/scores")
                .cookie(actix_web::cookie::Cookie::new("chiso_session", session)),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER, "the session ended");
}

#[actix_web::test]
async fn the_par_index_and_papi_pages_say_what_their_numbers_are() {
    let app = spawn_app();
    let svc = service!(app);
    let session = {
        let mut conn = app.state.pool.get().unwrap();
        let user = chiso::db::auth::verify_login(&mut conn, "admin", ADMIN_PASSWORD)
            .unwrap()
            .unwrap();
        chiso::db::auth::create_session(&mut conn, &user, crate::harness::LIFE).unwrap()
    };
    let get = |uri: &str| {
        TestRequest::get()
            .uri(uri)
            .cookie(actix_web::cookie::Cookie::new(
                "chiso_session",
                session.clone(),
            ))
    };
    let page = body_of(svc.call(get("/parindex?period=2025")).await).await;
    assert!(
        page.contains("86,11 %") && page.contains("26/63"),
        "published headline"
    );
    assert!(
        page.contains("Tính hợp lý của các VBQPPL")
            && page.contains("0,8219")
            && page.contains("Sở Tư pháp")
    );
    let page = body_of(
        svc.call(get("/scores?survey=papi-aligned&period=2025"))
            .await,
    )
    .await;
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
    let page = body_of(
        svc.call(TestRequest::get().uri(&format!("/k/{token}")))
            .await,
    )
    .await;
    let resp = svc
        .call(
            TestRequest::post()
                .uri(&format!("/k/{token}"))
                .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
                .set_payload(filled_form(&page, None)),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);

    let session = {
        let mut conn = app.state.pool.get().unwrap();
        let user = chiso::db::auth::verify_login(&mut conn, "lan", USER_PASSWORD)
            .unwrap()
            .unwrap();
        chiso::db::auth::create_session(&mut conn, &user, crate::harness::LIFE).unwrap()
    };
    let page = body_of(
        svc.call(
            TestRequest::get()
                .uri("/scores?survey=sipas-counter")
                .cookie(actix_web::cookie::Cookie::new("chiso_session", session)),
        )
        .await,
    )
    .await;
    assert!(
        page.contains("value=\"2027\""),
        "the dashboard opens on the Vietnamese year"
    );
    let f = chiso::db::counts::Filter {
        survey_id: "sipas-counter".into(),
        period: 2027,
        from: Some("2027-01-01".into()),
        to: Some("2027-01-01".into()),
        ..Default::default()
    };
    let mut conn = app.state.pool.get().unwrap();
    let t = chiso::db::counts::load(&mut conn, &f).unwrap();
    assert_eq!(
        t.items["E1.2"][&Some(5)],
        1,
        "the kiosk answer counts under 1 January 2027, period 2027"
    );
}

#[actix_web::test]
async fn without_javascript_the_kiosk_goes_screen_by_screen_and_keeps_answers() {
    let app = spawn_app();
    let token = kiosk(&app);
    let svc = service!(app);
    let page = body_of(
        svc.call(TestRequest::get().uri(&format!("/k/{token}")))
            .await,
    )
    .await;
    let screen = |p: &str| -> String {
        let at = p.find("class=\"stepno\">").unwrap() + 15;
        p[at..at + p[at..].find('<').unwrap()].to_string()
    };
    assert_eq!(screen(&page), "1");
    assert!(page.contains("/7") && page.contains("Tiếp"));
    let base = vec![
        ("submission_id".to_string(), hidden(&page, "submission_id")),
        ("version".to_string(), hidden(&page, "version")),
        ("issued".to_string(), hidden(&page, "issued")),
        ("sig".to_string(), hidden(&page, "sig")),
    ];
    let post = |fields: Vec<(String, String)>| {
        TestRequest::post()
            .uri(&format!("/k/{token}"))
            .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
            .set_payload(serde_urlencoded::to_string(&fields).unwrap())
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
    let resp = svc.call(post(with(0, "next", &[]))).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let p = body_of(resp).await;
    assert_eq!(screen(&p), "1");
    assert!(p.contains("class=\"q bad\" id=\"q-b:linh_vuc\""));

    // Forward to E1; two of its four left out are both named, each beside itself.
    let mut given = pairs(&[("b:linh_vuc", "ho_tich")]);
    let p = body_of(svc.call(post(with(0, "next", &given))).await).await;
    assert_eq!(screen(&p), "2");
    given.extend(pairs(&[("a:E1.1", "4"), ("a:E1.3", "na")]));
    let resp = svc.call(post(with(1, "next", &given))).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let p = body_of(resp).await;
    assert_eq!(screen(&p), "2");
    assert_eq!(p.matches("class=\"q bad\"").count(), 2, "E1.2 and E1.4");
    assert!(p.contains("id=\"q-a:E1.2\"") && p.contains("id=\"q-a:E1.4\""));
    assert!(p.contains("Còn <span class=\"count\">2</span> câu"));

    // Back keeps every answer given, on this screen and the one before.
    let p = body_of(svc.call(post(with(1, "back", &given))).await).await;
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
            let p = body_of(svc.call(post(with(step, "next", &given))).await).await;
            step = section;
            assert_eq!(screen(&p), (step + 1).to_string());
        }
        given.push((format!("a:{code}"), ["1", "2", "5"][i % 3].to_string()));
    }
    let p = body_of(svc.call(post(with(5, "next", &given))).await).await;
    assert_eq!(screen(&p), "7", "the optional questions last");
    assert!(p.contains("Gửi đánh giá") && p.contains("không bắt buộc"));
    assert_eq!(app.responses(), 0);
    let resp = svc.call(post(with(6, "submit", &given))).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let resp = svc.call(post(with(6, "submit", &given))).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.responses(), 1, "a double tap stores once");

    // A page open for hours: on its first screen it simply goes on; later it is stale, with a
    // button to a fresh form and a return to it by itself.
    // (Signed by the server as it signed it then: a page cannot make itself younger.)
    let kiosk_id = {
        let mut conn = app.state.pool.get().unwrap();
        chiso::db::kiosks::by_token(&mut conn, &token)
            .unwrap()
            .unwrap()
            .id
    };
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
    let resp = svc.call(post(old(0, "next"))).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(screen(&body_of(resp).await), "2");
    let resp = svc.call(post(old(1, "next"))).await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    let p = body_of(resp).await;
    assert!(p.contains(&format!("href=\"/k/{token}\"")) && p.contains("Phiếu mới"));
    assert!(p.contains(&format!(
        "http-equiv=\"refresh\" content=\"15;url=/k/{token}\""
    )));
    assert_eq!(app.responses(), 1);
}
