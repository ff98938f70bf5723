#![recursion_limit = "256"]
//! chiso — collects the questionnaires behind Vietnam's public-administration indices and
//! scores them as the official indices are scored.

pub mod bench;
pub mod breakdown;
pub mod cells;
pub mod cli;
pub mod clock;
pub mod config;
pub mod counts;
pub mod db;
pub mod features;
pub mod ingest;
pub mod limits;
pub mod passwords;
pub mod report;
pub mod scoring;
pub mod secrets;
pub mod spreadsheet;
pub mod startup;
pub mod state;
pub mod survey;
pub mod text;
pub mod ui;
pub mod web;
pub mod writer;
