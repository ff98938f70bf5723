//! The JSON API, its OpenAPI description and its JSON errors.

pub mod errors;
pub mod openapi;
pub mod routes;
