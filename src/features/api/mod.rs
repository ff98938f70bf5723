//! The JSON API, its OpenAPI description and its JSON errors.

pub mod body;
pub mod download;
pub mod errors;
pub mod json;
pub mod openapi;
pub mod published;
pub mod routes;

use crate::web::router::Router;

/// The feature's routes, declared through the router the route table builds.
pub fn routes(r: &mut Router) {
    r.post("/api/v1/responses", routes::post_response);
    r.get("/api/v1/surveys", routes::surveys);
    r.get("/api/v1/units", routes::units);
    r.get("/api/v1/scores", routes::scores);
    r.get("/api/v1/parindex", routes::parindex);
    r.get("/api/v1/published", published::published);
    r.get("/api/v1/export", routes::export);
    r.get("/api/v1/openapi.json", openapi::openapi_json);
}
