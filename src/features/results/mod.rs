//! Results: scores with their intervals, SIPAS with breakdowns, PAPI-aligned, the public page and table exports.

pub mod choice;
pub mod dashboard;
pub mod papi_page;
pub mod public_page;
pub mod respond;
pub mod routes;
pub mod scores_page;
pub mod service;
pub mod sipas_page;
pub mod sipas_tables;
