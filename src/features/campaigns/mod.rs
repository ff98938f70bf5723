//! Campaigns of the officials' survey: respondent lists, links, opening, closing and tracking.

mod confirm_page;
pub mod page;
mod render;
pub mod routes;
pub mod service;
