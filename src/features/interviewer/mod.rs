//! Interviewer mode: surveyors take the interview surveys (`mode = "interview"`) to people's
//! homes on a tablet, fill forms with no network for days and sync them through the batch
//! API. The server gives the app its page, script, service worker and manifest, and a pack:
//! the surveys, the units of the surveyor's scope valid today and the key that encrypts
//! finished forms on the tablet.

pub mod page;
pub mod routes;
pub mod service;
