//! Slip codes: codes printed on appointment slips, answered once online at `/o`.

pub mod page;
pub mod routes;
pub mod service;
