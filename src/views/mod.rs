//! HTML pages, built from small maud functions. Every page works without JavaScript.

pub mod errors;
pub mod kiosk;
pub mod layout;
pub mod login;
pub mod parindex;
pub mod scores;
