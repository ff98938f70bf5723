//! What a tablet downloads to interview offline: the interview surveys as the app renders
//! and checks them, the units the surveyor may collect for today, and the surveyor's key.

use crate::db::auth::User;
use crate::features::api::json::SurveyJson;
use crate::state::AppState;
use crate::survey::Unit;
use serde::Serialize;

/// The pack the interviewer app keeps on the tablet.
#[derive(Serialize)]
pub struct Pack<'a> {
    pub user: &'a str,
    /// The page's CSRF token for the batch API (`X-CSRF-Token`), bound to this session.
    pub csrf: &'a str,
    /// AES-256-GCM key (hex) that encrypts finished forms on the tablet: derived from the
    /// server's secret and the user's id, never stored on the server.
    pub key: String,
    pub period: i32,
    pub today: String,
    pub surveys: Vec<SurveyJson<'a>>,
    pub units: Vec<&'a Unit>,
}

/// The surveys marked for interviews, in id order.
pub fn interview_surveys(state: &AppState) -> Vec<SurveyJson<'_>> {
    state
        .catalog
        .surveys
        .values()
        .filter(|s| s.interview)
        .map(SurveyJson::of)
        .collect()
}

/// The wards and communes of today's map the user may collect for (households are
/// interviewed where they live): all of them, or those within the user's unit.
pub fn units_for<'a>(state: &'a AppState, user: &User) -> Vec<&'a Unit> {
    let set = state
        .units
        .set_on(state.clock.today())
        .map(|s| s.id.clone());
    let scope = user.unit.as_deref().map(|u| state.units.subtree(u));
    state
        .units
        .units_of(set.as_deref())
        .into_iter()
        .filter(|u| u.level == "commune")
        .filter(|u| scope.as_ref().is_none_or(|s| s.contains(&u.code)))
        .collect()
}

/// The user's tablet key: the same on every sign-in (forms finished before a browser
/// restart can be read again once the surveyor signs in), different for every user.
pub fn tablet_key(state: &AppState, user: &User) -> String {
    state.forms_key.sign(&["interviewer-tablet-key", &user.id])
}

pub fn pack<'a>(state: &'a AppState, user: &'a User, csrf: &'a str) -> Pack<'a> {
    let today = state.clock.today();
    Pack {
        user: &user.username,
        csrf,
        key: tablet_key(state, user),
        period: state.clock.year(),
        today: today.to_string(),
        surveys: interview_surveys(state),
        units: units_for(state, user),
    }
}
