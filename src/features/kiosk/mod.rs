//! The kiosk at one-stop counters: its form, its rules (token, abolished unit, form freshness, interval, idempotency) and its thank-you page.

pub mod page;
pub mod routes;
pub mod service;
