//! Exporting answers and tables as CSV and spreadsheets.

pub mod service;
