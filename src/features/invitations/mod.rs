//! One-time links for officials answering the PAR INDEX sociological survey (`/i/…`).

pub mod page;
pub mod routes;
pub mod service;
