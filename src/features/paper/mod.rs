//! Paper questionnaires keyed twice: batches, keying, disputes, corrections, keyer statistics and the printable form.

pub mod dispute_page;
pub mod keyers_page;
pub mod page;
pub mod print_page;
pub mod routes;
pub mod said;
pub mod service;
