//! Records a test starts from — paper batches and their keyed forms, campaigns and their
//! one-time links, appointment-slip codes — made through the app's own services, as its pages
//! would make them (or through a page itself, where the form is part of what is tested), for tests whose point is what comes after (the pages that show them, who
//! may open them). The few a test needs that the app would not make now (an expired slip, an
//! owner's PAR entry, a form keyed once outside a batch) are stored here as the app stores
//! them, so that no test depends on the database modules' signatures.

use super::{stored_users, RequestHelper, Staff, TestApp, OFFICIALS_SURVEY, PERIOD};
use actix_web::http::StatusCode;
use chiso::db::auth::User;
use chiso::features::campaigns::service::{self as campaigns, NewCampaign};
use chiso::features::codes::service as codes;
use chiso::features::paper::service::{self as paper, KeyedForm, NewBatch};
use chrono::Utc;
use std::collections::BTreeMap;

/// The household survey keyed from paper.
pub const HOUSEHOLD_SURVEY: &str = "sipas-2022-household";

/// User `name`, as the app's services know the one signed in.
pub fn acting_user(app: &TestApp, name: &str) -> User {
    let u = stored_users(app)
        .into_iter()
        .find(|u| u.username == name)
        .unwrap_or_else(|| panic!("a user named {name}"));
    User {
        id: u.id,
        username: u.username,
        role: u.role.parse().unwrap(),
        unit: u.unit_code,
    }
}

/// A batch of `expected` household forms of `unit` for [`PERIOD`], labelled `label`, made by
/// `by`: its id.
pub fn household_batch(app: &TestApp, by: &str, unit: &str, label: &str, expected: i32) -> String {
    let new = NewBatch {
        survey: HOUSEHOLD_SURVEY.into(),
        period: PERIOD,
        unit: unit.into(),
        label: label.into(),
        expected,
    };
    paper::create_batch(&app.state, &acting_user(app, by), new)
        .unwrap()
        .id
}

/// A household form as keyed from paper dated 15 June 2025: its serial and its fields (name →
/// code), as typed.
pub fn household_keying(serial: &str, keys: &[(&str, &str)]) -> KeyedForm {
    KeyedForm {
        serial: serial.into(),
        date: "15/06/2025".into(),
        keys: keys
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<BTreeMap<_, _>>(),
        started_at: None,
        blank_ok: false,
    }
}

/// A household form keyed from paper (a woman of the third age group, C8.4 answered 1) whose
/// E1.1 is `e11`: two keyings that differ there disagree on that field alone.
pub fn household_form(serial: &str, e11: &str) -> KeyedForm {
    household_keying(
        serial,
        &[
            ("bg.gioi_tinh", "2"),
            ("bg.do_tuoi", "3"),
            ("q.C8.4", "1"),
            ("q.E1.1", e11),
        ],
    )
}

/// `by` keys `form` into batch `batch`: the id of the paper form it went to.
pub fn key_household(app: &TestApp, by: &str, batch: &str, form: KeyedForm) -> String {
    paper::key_form(&app.state, &acting_user(app, by), batch, form)
        .unwrap()
        .0
        .id
}

/// A draft campaign of [`OFFICIALS_SURVEY`] for [`PERIOD`] titled `title`, organised by the
/// Home Affairs department, to the people of `list` (CSV: name, group, unit, contact): its id.
pub fn draft_campaign(app: &TestApp, title: &str, list: &str) -> String {
    let new = NewCampaign {
        survey: OFFICIALS_SURVEY.into(),
        period: PERIOD,
        title: title.into(),
        organiser: "Sở Nội vụ".into(),
        ..Default::default()
    };
    let list = Some(campaigns::ListSource::Text(list));
    campaigns::create(&app.state, "test", new, list)
        .unwrap()
        .0
        .id
}

/// A draft campaign of `survey` for `period` titled `title` (no organiser named), made by
/// `admin` through the campaigns page's form: the address of the campaign's page it leads to.
pub async fn campaign_drafted_on_page(
    admin: &Staff,
    survey: &str,
    period: &str,
    title: &str,
) -> String {
    let fields = [
        ("survey", survey),
        ("period", period),
        ("title", title),
        ("organiser", ""),
    ];
    let made = admin.post_form("/campaigns", &fields).await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.text);
    made.location.expect("a new campaign leads to its page")
}

/// A [`draft_campaign`] opened, and the tokens of its one-time links, one a person in the
/// list's order: its id and the tokens.
pub fn open_campaign_with_links(app: &TestApp, title: &str, list: &str) -> (String, Vec<String>) {
    let id = draft_campaign(app, title, list);
    campaigns::open(&app.state, "test", &id).unwrap();
    let (_, links) = campaigns::issue_links(&app.state, "test", &id).unwrap();
    (id, links.into_iter().map(|l| l.token).collect())
}

/// The ids of the people a campaign asks, by name.
pub fn campaign_respondents(app: &TestApp, campaign: &str) -> Vec<String> {
    campaigns::respondents(&app.state, campaign)
        .unwrap()
        .into_iter()
        .map(|p| p.id)
        .collect()
}

/// Appointment-slip codes for the counter form at `unit`, valid 30 days.
pub fn slip_codes(app: &TestApp, unit: &str, count: u32) -> Vec<String> {
    codes::issue(&app.state, "test", unit, "sipas-counter", count, 30)
        .unwrap()
        .0
}

/// Appointment-slip code `code` (ten letters, no dash) for the counter form at `unit`, that
/// expired on `expired_on` (YYYY-MM-DD): the app issues none already expired, so it is stored
/// as an old slip's would be.
pub fn expired_slip_code(app: &TestApp, code: &str, unit: &str, expired_on: &str) {
    let mut conn = app.state.pool.get().unwrap();
    // Storage keeps a code's hash only, as the service hands it over.
    let codes = [chiso::secrets::hash_token(code)];
    chiso::db::codes::insert(
        &mut conn,
        &codes,
        unit,
        "sipas-counter",
        "t",
        expired_on,
        Utc::now(),
    )
    .unwrap();
}

/// `by`'s entry of `points` for PAR INDEX criterion `criterion` in 2025, on `evidence`, as
/// stored when its owner enters it.
pub fn par_entry(app: &TestApp, criterion: &str, points: &str, evidence: &str, by: &str) {
    let mut conn = app.state.pool.get().unwrap();
    let tree = &app.state.trees.first().unwrap().id;
    chiso::db::par_entries::add(
        &mut conn,
        tree,
        2025,
        criterion,
        points,
        evidence,
        by,
        Utc::now(),
    )
    .unwrap();
}

/// A counter form of 2025 with serial `serial`, keyed once in the browser (no batch), stored
/// as the keying screen stores it, in the database of `state`.
pub fn counter_form_keyed_once(state: &chiso::state::AppState, serial: &str) {
    let mut conn = state.pool.get().unwrap();
    let form = chiso::db::paper::Form {
        id: uuid::Uuid::new_v4().to_string(),
        batch_id: None,
        survey_id: "sipas-counter".into(),
        period: 2025,
        serial: serial.into(),
        status: "keyed_once".into(),
        response_id: None,
        differences: None,
        updated_at: "2025-05-04T00:00:00Z".into(),
    };
    chiso::db::paper::insert_form(&mut conn, &form).unwrap();
}
