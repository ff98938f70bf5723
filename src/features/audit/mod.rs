//! The audit trail of who did what.

pub mod page;
pub mod routes;
pub mod service;
