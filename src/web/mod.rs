//! The shared web toolkit every feature's handlers are built with: extractors (who may call,
//! CSRF, language), errors and their pages, the router, request hygiene, canonical paths,
//! abuse limits, body guards and uploads. It knows no feature.

pub mod assets;
pub mod body_guard;
pub mod error;
pub mod extract;
pub mod flash;
pub mod hygiene;
pub mod limits;
pub mod origin;
pub mod paths;
pub mod reader;
pub mod respond;
pub mod router;
pub mod slice;
pub mod upload;
