//! The audit trail of who did what.

pub mod page;
