#![recursion_limit = "256"]
//! chiso — collects the questionnaires behind Vietnam's public-administration indices and
//! scores them as the official indices are scored.
//!
//! ## Layers
//! Bottom to top. A module imports from its own line or the lines above it, never below, and
//! never in a loop (`tests/layers.rs` reads this list and checks every `crate::` path):
//! - `text`, `clock`, `secrets`, `passwords`, `spreadsheet`, `http_client`, `profile` — words in both languages, time, hashing, a loopback HTTP client for the benchmark and the tests, where the writer's time goes
//! - `config`, `limits` — settings, and the rate limits every server holds
//! - `survey` — instrument definitions, units and their maps, the city's plan
//! - `scoring` — the official scoring rules and their statistics, pure
//! - `counts` — running counts packed per slice, and how they add up
//! - `db` — storage on SQLite or PostgreSQL: rows in, rows out; the caller gives the time
//! - `cells`, `breakdown`, `report` — scores read from the counts, with small cells withheld
//! - `ingest`, `writer` — storing answers exactly once, in group commits
//! - `state` — what every request, command and benchmark shares: data, and `run` for a use case
//! - `ui` — the parts every page is drawn from
//! - `web` — the toolkit handlers are built with: extractors, errors, router, hygiene
//! - `features` — one folder per feature: routes, service, page; and the route table
//! - `startup` — the server
//! - `cli`, `bench` — the command line and the benchmark: the binary's own (`src/main.rs`), on
//!   the library's public paths (`chiso::`), so the library ships neither

pub mod breakdown;
pub mod cells;
pub mod clock;
pub mod config;
pub mod counts;
pub mod db;
pub mod features;
pub mod http_client;
pub mod ingest;
pub mod limits;
pub mod passwords;
pub mod profile;
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
