//! Signing staff in and out.

pub mod page;
pub mod routes;
pub mod service;

use crate::web::router::Router;

/// The feature's routes, declared through the router the route table builds.
pub fn routes(r: &mut Router) {
    r.get("/login", routes::login_page);
    r.post("/login", routes::login);
    r.post("/logout", routes::logout);
}
