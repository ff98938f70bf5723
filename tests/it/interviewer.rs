//! The interviewer app as the server serves it: the page, the pack a tablet downloads (the
//! interview surveys, the units of the surveyor's scope, the key) and the files that keep
//! it working offline. The app itself is tested in a real browser (`interviewer_in_browser`).

use crate::harness::*;
use actix_web::http::StatusCode;

#[actix_web::test]
async fn a_surveyor_downloads_the_interview_surveys_and_the_units_of_their_scope() {
    let app = TestApp::builder()
        .with_user("dtv", Role::Surveyor, None)
        .with_user("dtv-cr", Role::Surveyor, Some("CR"))
        .build();
    let web = service!(app);
    let city = web.surveyor("dtv").await;
    let pack = city.get("/phong-van/pack.json").await;
    assert_eq!(pack.status, StatusCode::OK, "{}", pack.text);
    assert_eq!(pack.header("cache-control"), "no-store");
    let pack = pack.json();
    let surveys = strings_of(&pack["surveys"], "id");
    assert_eq!(surveys, ["papi-aligned", "sipas-2022-household"]);
    let household = &pack["surveys"][1];
    let e11 = element(&household["items"], "code", "E1.1");
    assert_eq!(e11["values"].as_array().unwrap().len(), 5);
    assert_eq!(e11["no_opinion"], "Không ý kiến");
    assert_eq!(
        e11["show_if"]["code"], "C8.4",
        "the skip logic goes with it"
    );
    assert_eq!(pack["period"], PERIOD);
    assert_eq!(pack["csrf"], city.csrf.as_str());
    let key = pack["key"].as_str().unwrap().to_string();
    assert_eq!(key.len(), 64, "an AES-256 key in hex");
    let all_units = pack["units"].as_array().unwrap().len();

    // A surveyor of one district gets its units only, and a key of their own.
    let cr = web.surveyor("dtv-cr").await;
    let scoped = cr.get("/phong-van/pack.json").await.json();
    let codes = strings_of(&scoped["units"], "code");
    assert!(
        codes.contains(&"CR-P-BA-LANG") && codes.len() < all_units,
        "{codes:?}"
    );
    assert!(codes.iter().all(|c| c.starts_with("CR-")), "{codes:?}");
    let units = scoped["units"].as_array().unwrap();
    assert!(
        units.iter().all(|u| u["level"] == "commune"),
        "wards and communes only"
    );
    assert_ne!(scoped["key"], key.as_str());

    // The same key on the next sign-in: forms finished before it can still be read.
    let again = web.surveyor("dtv").await;
    assert_eq!(
        again.get("/phong-van/pack.json").await.json()["key"],
        key.as_str()
    );
}

#[actix_web::test]
async fn the_app_page_links_its_manifest_script_and_worker() {
    let app = spawn_app_with_staff(&[("dtv", Role::Surveyor)]);
    let web = service!(app);
    let page = web.surveyor("dtv").await.get("/phong-van").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page
        .text
        .contains("rel=\"manifest\" href=\"/phong-van/manifest.webmanifest\""));
    assert!(page.text.contains("<script src=\"/phong-van/app.js?v="));
    assert!(page.text.contains("Phỏng vấn tại hộ"));
    let anyone = web.anonymous();
    let worker = anyone.get("/phong-van/sw.js").await;
    assert_eq!(worker.header("service-worker-allowed"), "/phong-van");
    assert!(
        worker.text.contains("/phong-van/app.js?v="),
        "the worker keeps this build's script"
    );
    let manifest = anyone.get("/phong-van/manifest.webmanifest").await.json();
    assert_eq!(manifest["start_url"], "/phong-van");
    assert_installable_from_this_site(&worker);
}

#[test]
fn a_definition_names_its_mode_or_none() {
    let dir = definitions_with("sipas-2022-household.toml", |text| {
        text.replace("mode = \"interview\"", "mode = \"phong-van\"")
    });
    let line = check_refuses(dir.path(), "mode must be \"interview\"", "an unknown mode");
    assert!(line.contains("sipas-2022-household.toml:13"), "{line}");
}
