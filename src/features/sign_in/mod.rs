//! Signing staff in and out.

pub mod page;
pub mod routes;
pub mod service;
