//! The black-box tests, in one binary: the App as the server builds it, the CLI as operators
//! run it, and real server processes. `harness` gives each test a database of its own.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod harness;

mod abuse;
mod admin;
mod agencies;
mod answer_rows;
mod api;
mod authz;
mod batch;
mod bombs;
mod browser;
mod campaign;
mod cli;
mod codes;
mod count_cache;
mod durability;
mod every_page;
mod export;
mod export_pages;
mod fonts;
mod formulas;
mod fuzz;
mod hardening;
mod import;
mod instruments;
mod interviewer;
mod interviewer_in_browser;
mod keying_desk;
mod kiosk;
mod kiosk_offline;
mod language;
mod maps;
mod offline;
mod openapi;
mod pages;
mod pages_in_browser;
mod paper;
mod paths_in_browser;
mod published;
mod results;
mod server;
mod sessions;
mod soak;
mod standing;
mod suppression;
mod webdriver;
