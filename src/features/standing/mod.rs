//! Where the city stands: home, the PAR INDEX this year and its entries, lead agencies, the printable report.

pub mod owners;
pub mod page;
pub mod paths;
pub mod report_page;
pub mod routes;
pub mod service;
