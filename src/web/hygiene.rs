//! What every response carries, whatever route, error or missing page produced it: the
//! security headers (a Content-Security-Policy without inline script or style, no sniffing,
//! no referrer to other sites — kiosk and link secrets are in addresses — no framing), `Cache-Control:
//! no-store` unless the route chose its caching (`/public`, versioned static files), and
//! cookies that are HttpOnly, SameSite=Strict and, on an https public address, Secure.
//! HEAD answers as GET does, without the body; request bodies are put under the deadline and
//! cap of [`crate::web::body_guard`].

use crate::state::AppState;
use crate::text::{Lang, Text};
use crate::web::body_guard::{self, Cut};
use crate::web::error::{in_reader_language, ApiError, PageError};
use crate::web::extract::lang_of;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, HttpResponse, ResponseError};
use std::time::Duration;

pub const CONTENT_SECURITY_POLICY: &str =
    "default-src 'none'; script-src 'self'; connect-src 'self'; worker-src 'self'; \
    manifest-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; \
    frame-ancestors 'none'; base-uri 'none'";

/// Headers every response carries, as (name, value).
pub const SECURITY_HEADERS: [(&str, &str); 4] = [
    ("content-security-policy", CONTENT_SECURITY_POLICY),
    ("x-content-type-options", "nosniff"),
    // Addresses (with their kiosk, link and code secrets) never leave the site. Not
    // `no-referrer`: browsers then send `Origin: null` with a form, and the same-origin check
    // (`origin.rs`) would refuse every form of the site.
    ("referrer-policy", "same-origin"),
    ("x-frame-options", "DENY"),
];

/// Headroom over the largest upload a page accepts, for the form's other fields.
const UPLOAD_HEADROOM: u64 = 1024 * 1024;

/// Paths that hold a secret (kiosk, one-time link, slip code): never kept by any cache.
fn holds_secret(path: &str) -> bool {
    path == "/o" || ["/k/", "/i/", "/o/"].iter().any(|p| path.starts_with(p))
}

/// A refusal in the shape the path's callers read: JSON `{"error", "field": null}` on the
/// API (worded as it always was), a page in the reader's language elsewhere.
pub fn refusal(
    path: &str,
    lang: Lang,
    status: StatusCode,
    title: impl Into<Text>,
    message: impl Into<Text>,
) -> HttpResponse {
    let (title, message) = (title.into(), message.into());
    if path.starts_with("/api/") {
        ApiError::new(status, format!("{}: {}", title.vi, message.vi)).error_response()
    } else {
        PageError::new(status, title, message).page(lang)
    }
}

pub async fn headers(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let settings = req
        .app_data::<web::Data<AppState>>()
        .map(|s| s.settings.clone())
        .unwrap_or_default();
    // The router answers HEAD with the GET handler (see `Router::add`); the body goes here.
    let head = req.method() == Method::HEAD;
    let path = req.path().to_string();
    // Read before routing: the request must not be cloned until then (see below).
    let lang = lang_of(req.request());
    let cap = settings.import_max_bytes.saturating_add(UPLOAD_HEADROOM);
    let too_large = || {
        refusal(
            &path,
            lang,
            StatusCode::PAYLOAD_TOO_LARGE,
            ("Nội dung gửi quá lớn", "Request too large"),
            (
                "Yêu cầu này lớn hơn mức máy chủ nhận. Xin gửi ít hơn hoặc chia nhỏ tệp.",
                "This request is larger than the server takes. Send less, or split the file.",
            ),
        )
    };
    let mut res = if body_guard::declared_length(&req).is_some_and(|n| n > cap) {
        req.into_response(too_large())
    } else {
        let watch = body_guard::guard(
            &mut req,
            Duration::from_secs(settings.body_timeout_secs.max(1)),
            cap,
        );
        // The request must not be cloned before routing (actix fills its path parameters in
        // place); handlers and the inner middleware answer errors as responses.
        let res = next.call(req).await?.map_into_boxed_body();
        let res = in_reader_language(res, lang);
        match watch.cut() {
            None => res,
            Some(Cut::Large) => res.into_response(too_large()),
            Some(Cut::Slow) => {
                let mut r = refusal(
                    &path,
                    lang,
                    StatusCode::REQUEST_TIMEOUT,
                    ("Hết thời gian chờ", "Request timed out"),
                    (
                        "Nội dung yêu cầu đến quá chậm nên máy chủ đã ngừng nhận. Xin thử lại.",
                        "The request arrived too slowly, so the server stopped reading it. Try again.",
                    ),
                );
                r.head_mut()
                    .set_connection_type(actix_web::http::ConnectionType::Close);
                res.into_response(r)
            }
        }
    };
    let headers = res.headers_mut();
    for (name, value) in SECURITY_HEADERS {
        headers.insert(
            header::HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
    }
    if holds_secret(&path) || !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    harden_cookies(headers, settings.cookies_secure());
    if head {
        res = res.map_body(|_, _| BoxBody::new(actix_web::body::None::new()));
    }
    Ok(res)
}

/// Every cookie set: HttpOnly, SameSite=Strict, and Secure when asked.
fn harden_cookies(headers: &mut HeaderMap, secure: bool) {
    let set: Vec<HeaderValue> = headers.get_all(header::SET_COOKIE).cloned().collect();
    if set.is_empty() {
        return;
    }
    headers.remove(header::SET_COOKIE);
    for value in set {
        let hardened = value
            .to_str()
            .ok()
            .and_then(|v| Cookie::parse_encoded(v.to_string()).ok())
            .and_then(|mut c| {
                c.set_http_only(true);
                c.set_same_site(SameSite::Strict);
                if secure {
                    c.set_secure(true);
                }
                HeaderValue::from_str(&c.encoded().to_string()).ok()
            });
        headers.append(header::SET_COOKIE, hardened.unwrap_or(value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_hardened_and_secure_only_when_asked() {
        let mut h = HeaderMap::new();
        h.append(
            header::SET_COOKIE,
            HeaderValue::from_static("a=1; Path=/; SameSite=Lax"),
        );
        h.append(header::SET_COOKIE, HeaderValue::from_static("b=2"));
        harden_cookies(&mut h, true);
        let all: Vec<String> = h
            .get_all(header::SET_COOKIE)
            .map(|v| v.to_str().unwrap_or("").to_string())
            .collect();
        assert_eq!(all.len(), 2);
        for c in &all {
            assert!(
                c.contains("HttpOnly") && c.contains("SameSite=Strict") && c.contains("Secure"),
                "{c}"
            );
        }
        let mut h = HeaderMap::new();
        h.append(header::SET_COOKIE, HeaderValue::from_static("b=2"));
        harden_cookies(&mut h, false);
        let c = h
            .get(header::SET_COOKIE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        assert!(c.contains("HttpOnly") && !c.contains("Secure"), "{c}");
    }
}
