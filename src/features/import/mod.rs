//! Importing files of answers: bounded readers, checks, all or nothing.

pub mod page;
pub mod read;
pub mod routes;
pub mod service;
pub mod workbook;
