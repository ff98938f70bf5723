//! The JSON API, its OpenAPI description and its JSON errors.

pub mod batch;
pub mod body;
pub mod download;
pub mod errors;
pub mod json;
pub mod openapi;
pub mod published;
pub mod responses;
pub mod routes;
