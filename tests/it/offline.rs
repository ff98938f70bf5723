//! The kiosk when the network drops: forms issued ahead (tickets), answers kept on the tablet
//! and sent later, the installable app's manifest and service worker. The real browser going
//! offline is in `kiosk_offline`.

use crate::harness::{
    assert_installable_from_this_site, filled_form, hidden, kiosk_app, RequestHelper, Web,
};
use actix_web::http::StatusCode;
use chiso::clock::Clock;
use serde_json::Value;

/// The app as it answers `days` after the test clock (a tablet back online days later).
macro_rules! later_service {
    ($app:expr, $days:expr) => {{
        let mut state = $app.state.clone();
        let now: chrono::DateTime<chrono::Utc> = "2025-06-20T03:00:00Z".parse().unwrap();
        state.clock = Clock::Fixed(now + chrono::Duration::hours(24 * $days));
        Web::new(
            actix_web::test::init_service(
                actix_web::App::new().configure(chiso::startup::configure(state)),
            )
            .await,
            actix_web::test::TestRequest::to_request,
        )
    }};
}

/// An app with one kiosk at a ward's counter, and the kiosk's token.
/// A fresh form page with a ticket's id, issue time and signature put on it, as the service
/// worker serves it offline; answered in full and marked as kept.
fn kept_form(page: &str, ticket: &Value) -> String {
    let page = page
        .replace(
            &hidden(page, "submission_id"),
            ticket["submission_id"].as_str().unwrap(),
        )
        .replace(&hidden(page, "issued"), &ticket["issued"].to_string())
        .replace(&hidden(page, "sig"), ticket["sig"].as_str().unwrap());
    filled_form(&page, None) + "&kept=1"
}

#[actix_web::test]
async fn an_answer_kept_offline_is_taken_days_later_once_and_refused_past_the_allowance() {
    let (app, _svc, kiosk) = kiosk_app(|_| {}).await;
    let token = &kiosk.token;

    // Online, the tablet is given forms ahead: each with an id of its own, signed.
    let got = kiosk.get(format!("/k/{token}/tickets")).await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.text);
    assert_eq!(got.header("cache-control"), "no-store");
    let tickets = got.json()["tickets"].as_array().unwrap().clone();
    assert_eq!(tickets.len(), 50);
    let mut ids: Vec<&str> = tickets
        .iter()
        .map(|t| t["submission_id"].as_str().unwrap())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 50, "every ticket a submission id of its own");
    let page = kiosk.form().await.text;

    // Two days later the network is back: the kept answers are taken, each once.
    let later = later_service!(app, 2);
    let kiosk_later = later.citizen(token);
    let first = kept_form(&page, &tickets[0]);
    for _ in 0..2 {
        let sent = kiosk_later.post_encoded(first.clone()).await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.text);
        assert!(sent.location.unwrap().ends_with("/cam-on"));
    }
    assert_eq!(app.responses(), 1, "a repeat stores nothing twice");

    // Not marked as kept, a form that old is out of date, as any page open for days.
    let unmarked = kept_form(&page, &tickets[1]).replace("&kept=1", "");
    let stale = kiosk_later.post_encoded(unmarked).await;
    assert_eq!(stale.status, StatusCode::CONFLICT);

    // A signature that does not match its form is refused, kept or not.
    let mut forged = tickets[2].clone();
    forged["issued"] = Value::from(forged["issued"].as_i64().unwrap() + 3600);
    let refused = kiosk_later.post_encoded(kept_form(&page, &forged)).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    // So is one claiming an issue time no clock has.
    forged["issued"] = Value::from(i64::MIN);
    let refused = kiosk_later.post_encoded(kept_form(&page, &forged)).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text);

    // Four days on, past the 72 hours allowed: refused, nothing stored.
    let too_late = later_service!(app, 4);
    let sent = too_late
        .citizen(token)
        .post_encoded(kept_form(&page, &tickets[3]))
        .await;
    assert_eq!(sent.status, StatusCode::CONFLICT, "{}", sent.text);
    assert_eq!(app.responses(), 1);
}

/// A tablet sending what it kept takes its own turn: the citizen at the counter now is never
/// told to wait for it, and kept answers still come one per interval.
#[actix_web::test]
async fn kept_answers_never_make_the_citizen_at_the_counter_wait() {
    let (app, _svc, kiosk) = kiosk_app(|s| s.kiosk_min_interval_secs = 60).await;
    let token = &kiosk.token;
    let tickets = kiosk.get(format!("/k/{token}/tickets")).await.json()["tickets"].clone();
    let page = kiosk.form().await.text;

    let kept = kiosk.post_encoded(kept_form(&page, &tickets[0])).await;
    assert_eq!(kept.status, StatusCode::SEE_OTHER);
    let now = kiosk.answer(None).await;
    assert_eq!(
        now.status,
        StatusCode::SEE_OTHER,
        "the citizen now is not held back"
    );
    let next_kept = kiosk.post_encoded(kept_form(&page, &tickets[1])).await;
    assert_eq!(next_kept.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(app.responses(), 2);
}

#[actix_web::test]
async fn the_kiosk_is_an_installable_app_whose_worker_looks_after_kiosk_pages() {
    let (_app, _svc, kiosk) = kiosk_app(|_| {}).await;
    let token = &kiosk.token;

    let page = kiosk.form().await.text;
    let manifest_at = format!("/k/{token}/manifest.webmanifest");
    assert!(page.contains(&format!(r#"<link rel="manifest" href="{manifest_at}">"#)));
    assert!(
        page.contains(r#"id="kept""#),
        "the staff's marker of answers waiting"
    );

    let manifest = kiosk.get(&manifest_at).await;
    assert_eq!(manifest.status, StatusCode::OK);
    assert_eq!(manifest.header("content-type"), "application/manifest+json");
    let m = manifest.json();
    assert_eq!(m["start_url"], format!("/k/{token}"));
    assert_eq!(m["scope"], format!("/k/{token}"));
    assert_eq!(m["name"], "chiso — Phường Cái Khế");
    let icon = kiosk.get(m["icons"][0]["src"].as_str().unwrap()).await;
    assert_eq!(icon.status, StatusCode::OK);
    assert_eq!(icon.header("content-type"), "image/svg+xml");

    let worker = kiosk.get("/static/kiosk-sw.js").await;
    assert_eq!(worker.status, StatusCode::OK);
    assert_eq!(worker.header("service-worker-allowed"), "/k/");
    assert_eq!(worker.header("cache-control"), "no-cache");
    // The policy lets the page install it and the worker fetch from this site only.
    assert_installable_from_this_site(&worker);

    // The screens between two forms return by the script's timer, not a meta refresh.
    let thanks = kiosk.get(format!("/k/{token}/cam-on")).await.text;
    assert!(!thanks.contains("http-equiv"), "{thanks}");
    assert!(thanks.contains(&format!(r#"data-home="/k/{token}" data-return="5""#)));

    // An unknown kiosk is given no forms ahead and no app.
    for path in ["/k/NOPE/tickets", "/k/NOPE/manifest.webmanifest"] {
        assert_eq!(
            kiosk.get(path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
}

/// A kiosk's language is one citizen's: chosen on the form, it words the questions and answers
/// in English where the definition does, carries through to the thank-you screen, and the next
/// form is Vietnamese again, whatever cookie the tablet holds.
#[actix_web::test]
async fn the_kiosk_s_language_belongs_to_one_citizen() {
    let (_app, svc, kiosk) = kiosk_app(|_| {}).await;
    let token = &kiosk.token;

    let vi = kiosk.form().await.text;
    assert!(
        vi.contains(&format!(r#"href="/k/{token}?lang=en" hreflang="en""#)),
        "{vi}"
    );
    let en = kiosk.get(format!("/k/{token}?lang=en")).await.text;
    assert!(en.contains("<html lang=\"en\""));
    assert!(
        en.contains("This counter is clean and orderly"),
        "questions in English"
    );
    assert!(en.contains("Very satisfied"), "answers in English");
    assert!(
        en.contains("Ông/Bà vừa làm thủ tục"),
        "Vietnamese where the definition has no English"
    );
    assert!(en.contains(r#"name="lang" value="en""#));
    assert!(en.contains(&format!(r#"href="/k/{token}" hreflang="vi""#)));

    let sent = kiosk
        .post_encoded(filled_form(&en, None) + "&lang=en")
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.text);
    let thanks_at = sent.location.unwrap();
    assert_eq!(thanks_at, format!("/k/{token}/cam-on?lang=en"));
    let thanks = kiosk.get(&thanks_at).await.text;
    assert!(thanks.contains("Your answer has been recorded."));
    // The next citizen's form: Vietnamese, from the thank-you screen's button and its timer.
    assert!(
        thanks.contains(&format!(r#"href="/k/{token}">New form"#)),
        "{thanks}"
    );
    assert!(thanks.contains(&format!(r#"data-home="/k/{token}""#)));

    // A cookie left on the tablet by a staff page does not make the kiosk English.
    let with_cookie = svc
        .anonymous()
        .in_lang("en")
        .get(format!("/k/{token}"))
        .await
        .text;
    assert!(with_cookie.contains("<html lang=\"vi\""));
}

/// A kept answer the server refuses leaves a line in its log naming the kiosk (by its id,
/// never its token) and why, so an operator can tell what a tablet lost.
#[test]
fn a_refused_kept_answer_leaves_a_clear_line_in_the_log() {
    use crate::harness::{free_port, kiosk_by_cli, process_database, start_logged_server};
    let (dir, db, _guard) = process_database();
    let token = kiosk_by_cli(&db);
    let addr = format!("127.0.0.1:{}", free_port());
    let server = start_logged_server(&db, &addr, dir.path());
    let mut c = chiso::http_client::Client::new(&addr);
    let page = c
        .request("GET", &format!("/k/{token}"), None, b"")
        .unwrap()
        .body;
    // Kept on the tablet across an update of the form's definition.
    let form = filled_form(&page, None).replace(&hidden(&page, "version"), "older") + "&kept=1";
    let headers = [("Content-Type", "application/x-www-form-urlencoded")];
    let sent = c
        .send("POST", &format!("/k/{token}"), &headers, form.as_bytes())
        .unwrap();
    assert_eq!(sent.status, 409);
    let log = server.stop_and_read_log();
    assert!(
        log.contains("an answer kept offline was refused: its form is of an older definition of sipas-counter"),
        "{log}"
    );
    assert!(!log.contains(&token[..12]), "the kiosk's token in the log");
}
