//! The kiosk at one-stop counters: its form, its rules (token, abolished unit, form freshness, interval, idempotency) and its thank-you page.

pub mod page;
pub mod routes;
pub mod service;

use crate::web::router::Router;

/// The feature's routes, declared through the router the route table builds.
pub fn routes(r: &mut Router) {
    r.get("/static/kiosk.js", routes::kiosk_js);
    r.get("/k/{token}", routes::form);
    r.post("/k/{token}", routes::submit);
    r.get("/k/{token}/cam-on", routes::thanks);
}
