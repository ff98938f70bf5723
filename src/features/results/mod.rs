//! Results: scores with their intervals, SIPAS with breakdowns, PAPI-aligned, the public page and table exports.

pub mod choice;
pub mod dashboard;
pub mod papi_page;
pub mod public_page;
pub mod respond;
pub mod routes;
pub mod scores_page;
pub mod service;
pub mod sipas_page;
pub mod sipas_tables;

use crate::web::router::Router;

/// The feature's routes, declared through the router the route table builds.
pub fn routes(r: &mut Router) {
    r.get("/scores", dashboard::scores_page);
    // Results: SIPAS with breakdowns, PAPI-aligned, the public page, table exports.
    r.get("/sipas", routes::sipas_page);
    r.get("/sipas/export", routes::sipas_export);
    r.get("/papi", routes::papi_page);
    r.get("/papi/export", routes::papi_export);
    r.get("/public", routes::public_page);
}
