//! One-time links for officials answering the PAR INDEX sociological survey (`/i/…`).

pub mod page;
pub mod routes;
pub mod service;

use crate::web::router::Router;

/// The feature's routes, declared through the router the route table builds.
pub fn routes(r: &mut Router) {
    r.get("/i/{token}", routes::open);
    r.post("/i/{token}", routes::post);
}
