//! The audit trail of who did what.

pub mod page;
pub mod routes;
pub mod service;

use crate::web::router::Router;

/// The feature's routes, declared through the router the route table builds.
pub fn routes(r: &mut Router) {
    r.get("/audit", routes::audit_trail);
}
