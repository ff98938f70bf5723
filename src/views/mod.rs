//! HTML pages, built from small maud functions. Every page works without JavaScript.

pub mod admin;
pub mod assets;
pub mod audit;
pub mod campaigns;
pub mod chart;
pub mod codes;
pub mod dispute;
pub mod entry;
pub mod errors;

pub mod import;
pub mod invite;
pub mod keyers;
pub mod kiosk;
pub mod layout;
pub mod login;
pub mod papi;
pub mod print;
pub mod public;
pub mod scores;
pub mod sipas;
pub mod standing;
pub mod table;
