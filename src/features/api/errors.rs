//! API failures that happen before a handler runs — no route at the address, a method the
//! address does not take, a query string that cannot be read — in the API's one error shape
//! (`{"error", "field"}`), as every other API failure. Other addresses keep their pages.

use crate::features::export::service::ExportError;
use crate::web::error::ApiError;
use crate::web::respond::with_allow;
use actix_web::error::QueryPayloadError;
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse, ResponseError};

/// Whether an address belongs to the API.
pub fn is_api(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}

/// A query string that cannot be read (a parameter given twice, say): under `/api/` a 400 in
/// the API's shape, naming the parameter when the parser does; elsewhere actix's answer.
pub fn query_error(err: QueryPayloadError, req: &HttpRequest) -> actix_web::Error {
    if !is_api(req.path()) {
        return err.into();
    }
    let message = err.to_string();
    ApiError {
        status: StatusCode::BAD_REQUEST,
        field: quoted_name(&message),
        message: format!("the query string cannot be read: {message}"),
    }
    .into()
}

/// The first name serde quotes in backticks (``duplicate field `period` ``).
fn quoted_name(message: &str) -> Option<String> {
    let (_, rest) = message.split_once('`')?;
    let (name, _) = rest.split_once('`')?;
    (!name.is_empty()).then(|| name.to_string())
}

/// Where no route of the API answered: 405 with `Allow` when the address is served with other
/// methods (`allowed`, as the route table declares them), else 404 — both as JSON.
pub fn no_route(req: &HttpRequest, allowed: &[Method]) -> Result<HttpResponse, actix_web::Error> {
    let path = req.path();
    // HEAD goes without saying wherever GET is; the API names the methods it declares.
    let declared: Vec<&str> = allowed
        .iter()
        .filter(|m| **m != Method::HEAD)
        .map(Method::as_str)
        .collect();
    if declared.is_empty() {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!("no API route at {path}; the routes are listed at /api/v1/openapi.json"),
        )
        .into());
    }
    let allow = declared.join(", ");
    let message = format!("{path} does not take {}; it takes {allow}", req.method());
    let refused = ApiError::new(StatusCode::METHOD_NOT_ALLOWED, message).error_response();
    Ok(with_allow(refused, &allow))
}

impl From<ExportError> for ApiError {
    fn from(e: ExportError) -> Self {
        match e {
            ExportError::Invalid(e) => e.into(),
            ExportError::OutOfScope(m) => ApiError {
                status: StatusCode::FORBIDDEN,
                message: m,
                field: Some("unit".into()),
            },
            ExportError::Db(e) => e.into(),
            ExportError::Write(_) | ExportError::Xlsx(_) => {
                log::error!("{e}");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "the export could not be written; retry later",
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quoted_name_is_the_field() {
        assert_eq!(
            quoted_name("duplicate field `period`").as_deref(),
            Some("period")
        );
        assert_eq!(quoted_name("invalid digit"), None);
        assert_eq!(quoted_name("empty ``"), None);
    }

    #[test]
    fn only_api_addresses_are_the_api() {
        assert!(is_api("/api/v1/nope"));
        assert!(is_api("/api"));
        assert!(!is_api("/apis"));
        assert!(!is_api("/scores"));
    }
}
