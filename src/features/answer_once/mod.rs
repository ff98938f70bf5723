//! What the citizens' and officials' public forms share: answering once through a ticket (a
//! slip code at `/o/CODE`, a campaign's link at `/i/TOKEN`), the answers of a posted form, and
//! the plumbing of a public page (reading what was posted, answering without caching).

pub mod public;
pub mod service;

pub use service::{answer, answers_of, for_citizen, Ticket};
