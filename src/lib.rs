#![recursion_limit = "256"]
//! chiso — collects the questionnaires behind Vietnam's public-administration indices and
//! scores them as the official indices are scored.

pub mod bench;
pub mod cli;
pub mod config;
pub mod counts;
pub mod db;
pub mod error;
pub mod ingest;
pub mod report;
pub mod scoring;
pub mod startup;
pub mod survey;
pub mod views;
pub mod web;
pub mod writer;
