//! Same-origin check for every unsafe request (POST and the like): a browser names the page a
//! request comes from in `Origin` (or, older ones, `Referer`); a request from a page of
//! another site is refused before any handler runs. The public address (`public_url`) and the
//! address the request was sent to both count as this site. A request naming neither (a
//! command-line client, an API integration) passes here and still needs its CSRF token or
//! bearer token.

use crate::state::AppState;
use crate::web::error::{ApiError, PageError};
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, HttpRequest, ResponseError};

/// `scheme://host[:port]` of a URL, lower-cased; `None` when it has no host.
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if scheme.is_empty() || host.is_empty() {
        return None;
    }
    Some(format!("{}://{}", scheme, host).to_ascii_lowercase())
}

/// Whether an unsafe request comes from this site, or says nothing about where it comes from.
pub fn same_site(req: &HttpRequest) -> bool {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .map(|v| v.to_str().unwrap_or("").trim().to_string())
    };
    let claimed = match (header("Origin"), header("Referer")) {
        // A page with an opaque origin (a sandboxed frame, a data: URL) sends "null".
        (Some(o), _) if !o.is_empty() => match origin_of(&o) {
            Some(o) => o,
            None => return false,
        },
        (_, Some(r)) if !r.is_empty() => match origin_of(&r) {
            Some(o) => o,
            None => return false,
        },
        _ => return true,
    };
    let info = req.connection_info();
    let here = format!("{}://{}", info.scheme(), info.host()).to_ascii_lowercase();
    let public = req
        .app_data::<web::Data<AppState>>()
        .and_then(|s| origin_of(&s.settings.public_url));
    claimed == here || Some(claimed) == public
}

fn unsafe_method(m: &Method) -> bool {
    !matches!(
        *m,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

/// The middleware: refuses an unsafe request from another site with 403.
pub async fn same_origin(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    if unsafe_method(req.method()) && !same_site(req.request()) {
        let response = if req.path().starts_with("/api/") {
            ApiError::new(
                StatusCode::FORBIDDEN,
                "this request comes from a page of another site",
            )
            .error_response()
        } else {
            PageError::new(
                StatusCode::FORBIDDEN,
                (
                    "Yêu cầu không được gửi từ trang của chiso",
                    "The request was not sent from a page of chiso",
                ),
                (
                    "Biểu mẫu này được gửi từ một trang web khác nên không được nhận. Xin mở trang chiso trực tiếp rồi thử lại.",
                    "This form was sent from another website, so it was not taken. Open chiso directly and try again.",
                ),
            )
            .page(crate::web::extract::lang_of(req.request()))
        };
        return Ok(req.into_response(response).map_into_right_body());
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_scheme_and_host() {
        assert_eq!(
            origin_of("https://Chiso.Example.vn:8443/k/abc?x=1").as_deref(),
            Some("https://chiso.example.vn:8443")
        );
        assert_eq!(origin_of("null"), None);
        assert_eq!(origin_of("https:///x"), None);
    }
}
