//! The sync API (`POST /api/v1/responses/batch`) as a tablet and an integrator use it: each
//! form answered on its own, in order; a repeat stores nothing twice; a batch past its bound
//! is refused whole.

use crate::harness::*;
use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use serde_json::{json, Value};

const BATCH: &str = "/api/v1/responses/batch";

async fn send(app: &TestApp, token: &str, forms: &[Value]) -> Answer {
    service!(app)
        .token(token)
        .post_json(BATCH, &json!(forms))
        .await
}

fn statuses(answer: &Answer) -> Vec<u64> {
    answer.json()["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_u64().unwrap())
        .collect()
}

#[actix_web::test]
async fn a_mixed_batch_stores_the_good_forms_and_names_the_bad_field() {
    let app = spawn_app();
    let mut beyond_scale = submission("NK", Some(4));
    beyond_scale["answers"]["E3.2"] = json!(9);
    let mut no_id = submission("NK", Some(4));
    no_id.as_object_mut().unwrap().remove("submission_id");
    let forms = [
        submission("NK", Some(5)),
        beyond_scale,
        submission("BT-P-AN-THOI", Some(3)),
        no_id,
    ];
    let answer = send(&app, &app.surveyor_token, &forms).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert_eq!(statuses(&answer), [201, 422, 201, 422], "{}", answer.text);
    let results = &answer.json()["results"];
    assert_eq!(results[1]["field"], "answers.E3.2", "{results}");
    assert_eq!(results[3]["field"], "submission_id", "{results}");
    assert!(results[0]["id"]
        .as_str()
        .is_some_and(|id| uuid::Uuid::parse_str(id).is_ok()));
    assert!(results[1].get("id").is_none(), "{results}");
    assert_eq!(app.responses(), 2);
}

/// Only a JSON object is a form at all: a batch holding anything else is refused whole,
/// naming the item, as its description says.
#[actix_web::test]
async fn a_batch_holding_something_other_than_a_form_is_refused_whole() {
    let app = spawn_app();
    let forms = [submission("NK", Some(5)), json!("not a form")];
    let answer = send(&app, &app.surveyor_token, &forms).await;
    assert_eq!(
        answer.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        answer.text
    );
    assert_eq!(answer.json()["field"], "[1]");
    assert_eq!(app.responses(), 0);
}

#[actix_web::test]
async fn a_repeated_batch_stores_nothing_twice() {
    let app = spawn_app();
    let forms: Vec<Value> = (0..20).map(|i| submission("NK", Some(1 + i % 5))).collect();
    let first = send(&app, &app.surveyor_token, &forms).await;
    assert_eq!(statuses(&first), vec![201; 20], "{}", first.text);
    // The tablet lost the answer and sends it all again, with one form twice over.
    let mut again = forms.clone();
    again.push(forms[3].clone());
    let second = send(&app, &app.surveyor_token, &again).await;
    assert_eq!(statuses(&second), vec![200; 21], "{}", second.text);
    for i in 0..20 {
        assert_eq!(
            second.json()["results"][i]["id"],
            first.json()["results"][i]["id"]
        );
    }
    assert_eq!(
        second.json()["results"][20]["id"],
        first.json()["results"][3]["id"]
    );
    assert_eq!(app.responses(), 20);
    assert_counts_agree(&app);
}

#[actix_web::test]
async fn one_submission_id_twice_in_a_new_batch_is_stored_once() {
    let app = spawn_app();
    let form = submission("NK", Some(4));
    let answer = send(&app, &app.surveyor_token, &[form.clone(), form]).await;
    let results = &answer.json()["results"];
    assert_eq!(statuses(&answer), [201, 200], "{results}");
    assert_eq!(results[0]["id"], results[1]["id"]);
    assert_eq!(app.responses(), 1);
}

#[actix_web::test]
async fn a_batch_past_its_bound_is_refused_whole_naming_the_limit() {
    let app = spawn_app_with(|s| s.batch_max_forms = 3);
    let forms: Vec<Value> = (0..4).map(|_| submission("NK", Some(4))).collect();
    let answer = send(&app, &app.surveyor_token, &forms).await;
    assert_eq!(
        answer.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        answer.text
    );
    let error = answer.json()["error"].as_str().unwrap().to_string();
    assert!(error.contains("at most 3 forms"), "{error}");
    assert_eq!(app.responses(), 0);
    // A body past the bound in bytes is refused as it arrives.
    let mut huge = submission("NK", Some(4));
    huge["comments"] = json!({"y_kien": "x".repeat(100 * 1024)});
    let answer = send(&app, &app.surveyor_token, &[huge]).await;
    assert_eq!(
        answer.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        answer.text
    );
    // Three are taken.
    let answer = send(&app, &app.surveyor_token, &forms[..3]).await;
    assert_eq!(statuses(&answer), [201, 201, 201]);
    assert_eq!(app.responses(), 3);
}

#[actix_web::test]
async fn a_body_that_is_not_an_array_stores_nothing() {
    let app = spawn_app();
    let web = service!(app);
    let caller = web.token(&app.surveyor_token);
    let one = caller.post_json(BATCH, &submission("NK", Some(4))).await;
    assert_eq!(one.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", one.text);
    let broken = caller.post_body(BATCH, "application/json", "[{").await;
    assert_eq!(broken.status, StatusCode::BAD_REQUEST, "{}", broken.text);
    assert_eq!(app.responses(), 0);
}

#[actix_web::test]
async fn a_viewer_token_may_not_send_a_batch() {
    let app = spawn_app();
    let answer = send(&app, &app.viewer_token, &[submission("NK", Some(4))]).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN, "{}", answer.text);
    let web = service!(app);
    let nobody = web
        .anonymous()
        .post_json(BATCH, &json!([submission("NK", Some(4))]))
        .await;
    assert_eq!(nobody.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.responses(), 0);
}

#[actix_web::test]
async fn a_form_for_a_unit_outside_the_callers_is_refused_on_its_own() {
    let app = spawn_app();
    let token = app.add_token(Role::Surveyor, "phuong", Some("NK-P-CAI-KHE"));
    let forms = [
        submission("NK-P-CAI-KHE", Some(4)),
        submission("BT-P-AN-THOI", Some(4)),
        submission("NK-P-CAI-KHE", Some(5)),
    ];
    let answer = send(&app, &token, &forms).await;
    assert_eq!(statuses(&answer), [201, 403, 201], "{}", answer.text);
    assert_eq!(answer.json()["results"][1]["field"], "unit");
    assert_eq!(app.responses(), 2);
}

#[actix_web::test]
async fn a_signed_in_page_sends_a_batch_with_its_csrf_token() {
    let app = spawn_app_with_staff(&[("dtv", Role::Surveyor), ("xem", Role::Viewer)]);
    let web = service!(app);
    let surveyor = web.surveyor("dtv").await;
    let body = serde_json::to_vec(&json!([submission("NK", Some(4))])).unwrap();
    let request = |csrf: Option<&str>| {
        let req = TestRequest::post()
            .uri(BATCH)
            .insert_header(("Content-Type", "application/json"))
            .set_payload(body.clone());
        match csrf {
            Some(t) => req.insert_header(("X-CSRF-Token", t.to_string())),
            None => req,
        }
    };
    let without = web.send(surveyor.dress(request(None))).await;
    assert_eq!(without.status, StatusCode::FORBIDDEN, "{}", without.text);
    assert!(without.text.contains("X-CSRF-Token"), "{}", without.text);
    let forged = web.send(surveyor.dress(request(Some("00ff")))).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(app.responses(), 0);
    let with = web
        .send(surveyor.dress(request(Some(&surveyor.csrf))))
        .await;
    assert_eq!(with.status, StatusCode::OK, "{}", with.text);
    assert_eq!(statuses(&with), [201]);
    let viewer = web.viewer("xem").await;
    let refused = web.send(viewer.dress(request(Some(&viewer.csrf)))).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
    assert_eq!(app.responses(), 1);
}
