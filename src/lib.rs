//! chiso — collects the questionnaires behind Vietnam's public-administration indices and
//! scores them as the official indices are scored.

pub mod scoring;
pub mod survey;
