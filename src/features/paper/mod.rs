//! Paper questionnaires keyed twice: batches, keying, disputes, corrections, keyer statistics and the printable form.

pub mod dispute_page;
pub mod keyers_page;
pub mod page;
pub mod print_page;
pub mod routes;
pub mod service;

use crate::web::router::Router;

/// The feature's routes, declared through the router the route table builds.
pub fn routes(r: &mut Router) {
    r.get("/entry", routes::batches::list);
    r.post("/entry/batches", routes::batches::create);
    r.get("/entry/batches/{id}", routes::batches::show);
    r.get("/entry/batches/{id}/key", routes::keying::screen);
    r.post("/entry/batches/{id}/key", routes::keying::save);
    r.get("/entry/disputes", routes::disputes::list);
    r.get("/entry/forms/{id}", routes::disputes::show);
    r.post("/entry/forms/{id}", routes::disputes::settle);
    r.post("/entry/forms/{id}/delete", routes::disputes::delete_keying);
    r.get("/entry/forms/{id}/correct", routes::corrections::show);
    r.post("/entry/forms/{id}/correct", routes::corrections::correct);
    r.get("/entry/keyers", routes::keyers::show);
    r.get("/surveys/{id}/print", routes::print::form);
    r.get("/static/entry.js", routes::keying::script);
}
