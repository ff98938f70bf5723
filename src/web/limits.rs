//! Abuse limits on what faces everyone: per client address on the public routes (kiosks,
//! slip codes, one-time links, `/public`, signing in, the API), per kiosk, and per slip code
//! or one-time link. Each is a keyed rate limiter (governor, one atomic step per check), its
//! quota a setting in requests per minute, taken in a burst or spread out. Memory stays
//! bounded whatever the number of addresses or secrets tried: entries that have recovered
//! their full quota are dropped every minute, and a table past `limit_keys` entries is
//! emptied outright. A refused request gets 429 with `Retry-After` and says so in Vietnamese.
//!
//! An API call with a token the server has just found valid counts against that token's own
//! quota (`limit_per_token`), not its address: an integrator is not an anonymous caller. Any
//! other bearer token (unknown, wrong, or not yet checked) counts against the address, so
//! guessing tokens is limited as any other anonymous call.
//!
//! Every path read here is the canonical one (`paths::normalise` runs first); the secret in it
//! is read fully decoded, as the handlers read it.

use crate::state::AppState;
use crate::web::extract::client_address;
use crate::web::hygiene::refusal;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderValue, RETRY_AFTER};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web;
use std::net::{IpAddr, Ipv4Addr};

/// Longest part of a secret kept as a key (a real one is shorter).
const KEY_CHARS: usize = 80;

/// Whether a request goes to a route that faces everyone.
fn public(method: &Method, path: &str) -> bool {
    path == "/o"
        || path == "/public"
        || (path == "/login" && method == Method::POST)
        || ["/k/", "/o/", "/i/", "/api/"]
            .iter()
            .any(|p| path.starts_with(p))
}

/// The secret a path holds, as its limit key: (kiosk?, key). Letters and digits only,
/// upper-cased, so that ways of writing one code count as one.
fn secret(path: &str) -> Option<(bool, String)> {
    let (kiosk, rest) = if let Some(r) = path.strip_prefix("/k/") {
        (true, r)
    } else if let Some(r) = path
        .strip_prefix("/o/")
        .or_else(|| path.strip_prefix("/i/"))
    {
        (false, r)
    } else {
        return None;
    };
    let segment = crate::web::paths::decode_segment(rest.split('/').next().unwrap_or(""));
    let key: String = segment
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(KEY_CHARS)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (!key.is_empty()).then_some((kiosk, key))
}

/// IPv6 clients count by their /64 network (one household or office), IPv4 by address.
fn address_key(req: &ServiceRequest) -> IpAddr {
    client_address(req.request())
        .map(crate::limits::group)
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

/// The hash of the request's bearer token, on the API, when it is a token found valid lately.
fn api_token(req: &ServiceRequest, state: &AppState) -> Option<String> {
    if !req.path().starts_with("/api/") {
        return None;
    }
    let token = crate::web::extract::bearer(req.request())?;
    crate::web::extract::known_token(state, &token)
}

/// The middleware: 429 once a limit is spent, before any handler runs.
pub async fn limit(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let spent = match req.app_data::<web::Data<AppState>>() {
        Some(state) if public(req.method(), req.path()) => {
            let limits = &state.abuse_limits;
            let by_caller = match api_token(&req, state) {
                Some(hash) => limits.by_token.check(&hash),
                None => limits.by_address.check(&address_key(&req)),
            };
            by_caller.err().or_else(|| match secret(req.path()) {
                Some((true, key)) => limits.by_kiosk.check(&key).err(),
                Some((false, key)) => limits.by_code.check(&key).err(),
                None => None,
            })
        }
        _ => None,
    };
    let Some(wait) = spent else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body);
    };
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let secs = secs.max(1);
    let mut res = refusal(
        req.path(),
        crate::web::extract::lang_of(req.request()),
        StatusCode::TOO_MANY_REQUESTS,
        ("Quá nhiều yêu cầu", "Too many requests"),
        (
            format!("Máy chủ nhận quá nhiều yêu cầu từ đây trong ít phút. Xin đợi {secs} giây rồi thử lại."),
            format!("The server has had too many requests from here in the last few minutes. Wait {secs} seconds and try again."),
        ),
    );
    res.headers_mut()
        .insert(RETRY_AFTER, HeaderValue::from(secs));
    Ok(req.into_response(res).map_into_right_body())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_routes_and_secrets() {
        assert!(public(&Method::GET, "/k/abc") && public(&Method::GET, "/o"));
        assert!(public(&Method::POST, "/login") && !public(&Method::GET, "/login"));
        assert!(!public(&Method::GET, "/scores") && !public(&Method::GET, "/"));
        assert_eq!(secret("/k/ab-c/cam-on"), Some((true, "ABC".into())));
        assert_eq!(secret("/o/ab3cd-ef4gh"), Some((false, "AB3CDEF4GH".into())));
        assert_eq!(secret("/i/"), None);
        assert_eq!(secret("/k/%31ab%2Dc"), Some((true, "1ABC".into())));
    }
}
