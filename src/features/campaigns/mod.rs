//! Campaigns of the officials' survey: respondent lists, links, opening, closing and tracking.

pub mod page;
mod render;
pub mod routes;
pub mod service;

use crate::web::router::Router;

/// The feature's routes, declared through the router the route table builds.
pub fn routes(r: &mut Router) {
    r.get("/campaigns", routes::list);
    r.post("/campaigns", routes::create);
    r.get("/campaigns/{id}", routes::show);
    // A pasted respondent list may be larger than other forms.
    r.post_limited("/campaigns/{id}/list", routes::add_list, routes::LIST_LIMIT);
    r.post("/campaigns/{id}/list-file", routes::add_list_file);
    r.post("/campaigns/{id}/people", routes::add_person);
    r.post("/campaigns/{id}/open", routes::open);
    r.post("/campaigns/{id}/close", routes::close);
    r.post("/campaigns/{id}/links", routes::links);
    r.post("/campaigns/{id}/people/{person}/revoke", routes::revoke);
    r.post("/campaigns/{id}/people/{person}/reissue", routes::reissue);
    r.get("/campaigns/{id}/reminders.csv", routes::reminders);
}
