//! API failures that happen before a handler runs — no route at the address, a method the
//! address does not take, a query string that cannot be read — in the API's one error shape
//! (`{"error", "field"}`), as every other API failure. Other addresses keep their pages.

use crate::features::export::service::ExportError;
use crate::text::Lang;
use crate::web::error::ApiError;
use actix_web::dev::ResourceDef;
use actix_web::error::QueryPayloadError;
use actix_web::http::{header, StatusCode};
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

/// Where no route answered. Under `/api/`: 405 with `Allow` when the address has routes for
/// other methods, else 404 — both as JSON. Elsewhere: the "no such page" page.
pub async fn no_route(req: HttpRequest, lang: Lang) -> Result<HttpResponse, actix_web::Error> {
    let path = req.path();
    if !is_api(path) {
        return Ok(crate::web::error::PageError::no_page().page(lang));
    }
    let allowed: Vec<String> = crate::features::route_table()
        .into_iter()
        .filter(|(_, pattern)| ResourceDef::new(*pattern).is_match(path))
        .map(|(method, _)| method.to_string())
        .collect();
    if allowed.is_empty() {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!("no API route at {path}; the routes are listed at /api/v1/openapi.json"),
        )
        .into());
    }
    let allow = allowed.join(", ");
    let mut response = ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("{path} does not take {}; it takes {allow}", req.method()),
    )
    .error_response();
    if let Ok(value) = header::HeaderValue::from_str(&allow) {
        response.headers_mut().insert(header::ALLOW, value);
    }
    Ok(response)
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
