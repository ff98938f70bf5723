//! Slip codes: codes printed on appointment slips, answered once online at `/o`.

pub mod page;
pub mod routes;
pub mod service;

use crate::web::router::Router;

/// The feature's routes, declared through the router the route table builds.
pub fn routes(r: &mut Router) {
    r.get("/codes", routes::codes);
    r.post("/codes", routes::issue);
    r.get("/o", routes::ask);
    r.get("/o/{code}", routes::form);
    r.post("/o/{code}", routes::submit);
}
