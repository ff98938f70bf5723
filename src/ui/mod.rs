//! The shared parts of every page, built from small maud functions over values: the page
//! frame, tables, charts, the error page and the static assets. Every page works without
//! JavaScript. Features build their pages from these; nothing here knows a feature.

pub mod assets;
pub mod chart;
pub mod errors;
pub mod layout;
pub mod notice;
pub mod problems;
pub mod staff;
pub mod table;
pub mod trajectory;
