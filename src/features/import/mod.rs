//! Importing files of answers: bounded readers, checks, all or nothing.

pub mod page;
pub mod read;
pub mod routes;
pub mod service;
pub mod workbook;

use crate::web::router::Router;

/// The feature's routes, declared through the router the route table builds.
pub fn routes(r: &mut Router) {
    r.get("/import", routes::form);
    r.post("/import", routes::upload);
    r.get("/import/rejected/{token}", routes::rejected);
}
