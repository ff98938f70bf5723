//! Where the city stands: home, the PAR INDEX this year and its entries, lead agencies, the printable report.

pub mod owners;
pub mod page;
pub mod paths;
pub mod report_page;
pub mod routes;
pub mod service;

use crate::web::router::Router;

/// The feature's routes, declared through the router the route table builds.
pub fn routes(r: &mut Router) {
    // Where the city stands: home, the PAR INDEX this year and its entries, lead agencies,
    // the printable report.
    r.get("/", routes::home);
    r.get("/parindex", routes::parindex);
    r.get("/parindex/criteria/{code}", routes::criterion);
    r.post("/parindex/criteria/{code}", routes::enter);
    r.get("/agencies", routes::agencies);
    r.get("/agencies/{code}", routes::agency);
    r.get("/report", routes::report);
}
