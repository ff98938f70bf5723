//! The application layer: what the web handlers, the CLI and the benchmark all call to submit
//! responses, import and export files, sign in, key and verify paper forms, and compute scores and the PAR INDEX report.

pub mod admin;
pub mod campaigns;
pub mod codes;
pub mod export;
pub mod import;
pub mod invite;
pub mod kiosk;
pub mod paper;
pub mod reports;
pub mod sign_in;
pub mod standing;
pub mod submit;

pub use reports::ReportError;
pub use submit::SubmitError;
