//! Administration: users, kiosks and API tokens, within the admin's unit.

pub mod confirm;
mod confirm_page;
pub mod page;
pub mod routes;
pub mod service;
