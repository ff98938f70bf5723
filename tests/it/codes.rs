//! Citizens' online channel: a code from an appointment slip opens the counter form of its
//! unit and admits exactly one answer, stored without anything that dates or names it.

use crate::harness::*;
use actix_web::http::StatusCode;
use chiso::features::codes::service as codes;
use std::process::Output;

const WARD: &str = "NK-P-CAI-KHE";

#[actix_web::test]
async fn a_code_from_the_slip_admits_one_online_answer() {
    let app = TestApp::builder().build();
    let (issued, expires) = codes::issue(&app.state, "test", WARD, "sipas-counter", 3, 30).unwrap();
    assert_eq!(expires, "2025-07-20");
    assert!(issued.iter().all(|c| c.len() == 10));
    let svc = service!(app);
    // A citizen with the slip, on a phone.
    let citizen = svc.anonymous();

    // /o asks for the code; a code typed in any case, with a hyphen, goes to its form.
    let page = citizen.get("/o").await.text_with(StatusCode::OK);
    assert!(page.contains("phiếu hẹn"));
    let typed = codes::display(&issued[0]).to_lowercase();
    let Answer {
        status, location, ..
    } = citizen.get(format!("/o?code={typed}")).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let uri = location.unwrap();
    assert_eq!(uri, format!("/o/{}", issued[0]));
    let page = citizen
        .get("/o?code=abc")
        .await
        .text_with(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("10 ký tự"));

    let page = citizen.get(&uri).await.text_with(StatusCode::OK);
    assert!(page.contains("Phường Cái Khế") && page.contains(&format!("action=\"{uri}\"")));
    assert!(
        !page.contains("http-equiv=\"refresh\""),
        "no idle reset on a phone"
    );
    // Answered at home: the introduction does not say "here", as the counter's does.
    assert!(page.contains("tại Bộ phận Một cửa ghi trên phiếu hẹn"));
    assert!(!page.contains("thủ tục hành chính tại đây"));

    // A question left out is asked for again; nothing stored, the code still good.
    let page = citizen
        .post_encoded(&uri, filled_form(&page, Some("E2.1")))
        .await
        .text_with(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("Xin Ông/Bà chọn một câu trả lời"));
    assert_eq!(app.responses(), 0);

    let form = filled_form(&page, None);
    let page = citizen
        .post_encoded(&uri, form.clone())
        .await
        .text_with(StatusCode::OK);
    assert!(page.contains("Đã ghi nhận"));
    // Sent again (a reload): thanked, stored once.
    let Answer { status, .. } = citizen.post_encoded(&uri, form.clone()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(app.responses(), 1);
    // Used: no form, nothing stored, with another page's submission id either.
    let page = citizen.get(&uri).await.text_with(StatusCode::GONE);
    assert!(page.contains("đã được dùng") && !page.contains("<form"));
    let other = form.replace(&submission_of(&form), &uuid::Uuid::new_v4().to_string());
    let Answer { status, .. } = citizen.post_encoded(&uri, other).await;
    assert_eq!(status, StatusCode::GONE);
    assert_eq!(app.responses(), 1);

    let (rid, ch, unit, created): (String, String, String, String) = {
        use chiso::db::schema::responses::dsl::*;
        use diesel::prelude::*;
        let mut conn = app.state.pool.get().unwrap();
        responses
            .select((id, channel, unit_code, created_at))
            .first(&mut conn)
            .unwrap()
    };
    assert_eq!((ch.as_str(), unit.as_str()), ("online", WARD));
    assert_eq!(created, "2025-06-20", "the day only");
    assert_eq!(uuid::Uuid::parse_str(&rid).unwrap().get_version_num(), 4);

    // Unknown and expired codes.
    let Answer { status, .. } = citizen.get("/o/ZZZZZZZZZZ").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    expired_slip_code(&app, "ABCDEFGHJK", WARD, "2025-06-19");
    let page = citizen
        .get("/o/ABCDE-FGHJK")
        .await
        .text_with(StatusCode::GONE);
    assert!(page.contains("hết hạn"));
}

/// A form body's submission id.
fn submission_of(form: &str) -> String {
    form.split('&')
        .find_map(|kv| kv.strip_prefix("submission_id="))
        .unwrap()
        .to_string()
}

#[test]
fn codes_issue_prints_code_and_url() {
    let (_dir, db, _guard) = process_database();
    let out: Output = chiso_process(&db)
        .args(words(
            "codes issue --unit CT --survey sipas-counter --count 5 \
             --base-url https://chiso.example.vn/",
        ))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "code,url");
    assert_eq!(lines.len(), 6);
    for l in &lines[1..] {
        let (code, url) = l.split_once(',').unwrap();
        assert_eq!(code.len(), 10);
        assert_eq!(url, format!("https://chiso.example.vn/o/{code}"));
    }
    let out = chiso_process(&db)
        .args(words(
            "codes issue --unit CT --survey parindex-officials-2022 --count 5",
        ))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("survey:"));
}
