//! One reading of a request's path, made once, before anything else looks at it: the abuse
//! limits, the log and the router all see the same canonical path. Without it `/%6B/TOKEN`
//! reached the kiosk route while the limiter and the log saw a path they did not know.
//!
//! The canonical path: escapes of unreserved characters (letters, digits, `-._~`) decoded,
//! other escapes in upper case, `//` merged, `.` segments dropped, `..` applied. A trailing
//! slash stays (`/public/` is no route, for the limiter as for the router). Also here: the one test of a same-site path (`back=`), and the net that turns a
//! header value the server cannot send into a 400 instead of a 500.

use crate::web::hygiene::refusal;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::uri::{PathAndQuery, Uri};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;

/// The canonical form of a raw request path (see the module's note).
pub fn canonical(raw: &str) -> String {
    let decoded = decode_unreserved(raw);
    let mut segments: Vec<&str> = Vec::new();
    for seg in decoded.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    let trailing = decoded.ends_with('/') && !segments.is_empty();
    format!("/{}{}", segments.join("/"), if trailing { "/" } else { "" })
}

fn unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).and_then(|d| u8::try_from(d).ok())
}

/// Decodes `%XX` where it stands for an unreserved character; upper-cases the others.
fn decode_unreserved(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = String::with_capacity(raw.len());
    let mut i = 0;
    while i < bytes.len() {
        let escape = match bytes.get(i..i + 3) {
            Some([b'%', h, l]) => hex(*h).zip(hex(*l)).map(|(hv, lv)| (hv * 16 + lv, *h, *l)),
            _ => None,
        };
        match escape {
            Some((b, _, _)) if unreserved(b) => {
                out.push(char::from(b));
                i += 3;
            }
            Some((_, h, l)) => {
                out.push('%');
                out.push(char::from(h.to_ascii_uppercase()));
                out.push(char::from(l.to_ascii_uppercase()));
                i += 3;
            }
            None => {
                // `raw` is a URI path (ASCII); a char boundary is kept all the same.
                let c = raw
                    .get(i..)
                    .and_then(|r| r.chars().next())
                    .unwrap_or('\u{fffd}');
                out.push(c);
                i += c.len_utf8();
            }
        }
    }
    out
}

/// Fully decodes one path segment (every `%XX`), for keys read out of it.
pub fn decode_segment(seg: &str) -> String {
    let bytes = seg.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escape = match bytes.get(i..i + 3) {
            Some([b'%', h, l]) => hex(*h).zip(hex(*l)).map(|(h, l)| h * 16 + l),
            _ => None,
        };
        match (escape, bytes.get(i)) {
            (Some(b), _) => {
                out.push(b);
                i += 3;
            }
            (None, Some(b)) => {
                out.push(*b);
                i += 1;
            }
            (None, None) => break,
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Whether `back` is a path on this site a browser cannot read as another address: one
/// leading `/`, no scheme or host, no backslash, no control character, no space.
pub fn same_site_path(back: &str) -> bool {
    let mut chars = back.chars();
    chars.next() == Some('/')
        && !matches!(chars.next(), Some('/') | Some('\\'))
        && !back
            .chars()
            .any(|c| c == '\\' || c.is_control() || c.is_whitespace())
        && back.len() <= 2048
        && actix_web::http::header::HeaderValue::from_str(back).is_ok()
}

/// The middleware, outermost: rewrites the request to its canonical path (so every later
/// reader sees one path), and answers 400 where a response could not be made from what the
/// request asked for (a header value with a line break), never 500.
pub async fn normalise(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let path = canonical(req.path());
    if path != req.path() {
        let with_query = match req.uri().query() {
            Some(q) => format!("{path}?{q}"),
            None => path,
        };
        let mut parts = req.head().uri.clone().into_parts();
        let uri = PathAndQuery::try_from(with_query).ok().and_then(|pq| {
            parts.path_and_query = Some(pq);
            Uri::from_parts(parts).ok()
        });
        let Some(uri) = uri else {
            return Ok(bad_request(req));
        };
        req.match_info_mut().get_mut().update(&uri);
        req.head_mut().uri = uri;
    }
    let res = next.call(req).await?;
    let unsendable = res
        .response()
        .error()
        .is_some_and(|e| e.as_error::<actix_web::error::HttpError>().is_some());
    if unsendable {
        let (req, _) = res.into_parts();
        return Ok(bad_request(ServiceRequest::from_request(req)));
    }
    Ok(res.map_into_left_body())
}

fn bad_request<B>(req: ServiceRequest) -> ServiceResponse<EitherBody<B>> {
    let res = refusal(
        req.path(),
        crate::web::extract::lang_of(req.request()),
        StatusCode::BAD_REQUEST,
        ("Yêu cầu không hợp lệ", "Bad request"),
        (
            "Địa chỉ hoặc tham số của yêu cầu có ký tự không được phép (như xuống dòng). Xin mở trang từ liên kết của chiso.",
            "The request's address or parameters hold a character that is not allowed (such as a line break). Open the page from a link of chiso.",
        ),
    );
    req.into_response(res).map_into_right_body()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_path_however_written() {
        for raw in [
            "/k/abc",
            "/%6B/abc",
            "/%6b/abc",
            "//k//abc",
            "/./k/./abc",
            "/x/../k/abc",
            "/%2e%2E/k/%61bc",
        ] {
            assert_eq!(canonical(raw), "/k/abc", "{raw}");
        }
        assert_eq!(canonical("/"), "/");
        assert_eq!(canonical("//"), "/");
        assert_eq!(canonical("/public/"), "/public/");
        assert_eq!(canonical("/%70ublic//"), "/public/");
        assert_eq!(canonical(""), "/");
        assert_eq!(canonical("/a%2fb%3c"), "/a%2Fb%3C");
        assert_eq!(canonical("/a%zz%4"), "/a%zz%4");
        assert_eq!(canonical("/static/chiso.css"), "/static/chiso.css");
    }

    #[test]
    fn segments_decode_whole() {
        assert_eq!(decode_segment("%31ab%2D"), "1ab-");
        assert_eq!(decode_segment("%2531"), "%31");
        assert_eq!(decode_segment("a%"), "a%");
    }

    /// A handler that makes a header of what it was sent: the net answers 400, not 500.
    #[actix_web::test]
    async fn an_unsendable_header_is_a_400() {
        use actix_web::{test, web, App, HttpResponse};
        let app = test::init_service(
            App::new()
                .wrap(actix_web::middleware::from_fn(normalise))
                .route(
                    "/echo",
                    web::get().to(|q: web::Query<Vec<(String, String)>>| async move {
                        let to = q.first().map(|(_, v)| v.clone()).unwrap_or_default();
                        HttpResponse::SeeOther()
                            .insert_header(("Location", to))
                            .finish()
                    }),
                ),
        )
        .await;
        let ask = |uri: &str| test::TestRequest::get().uri(uri).to_request();
        let resp = test::call_service(&app, ask("/echo?to=/a%0d%0aSet-Cookie:x")).await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
        let resp = test::call_service(&app, ask("/%65cho?to=/a")).await;
        assert_eq!(
            resp.status(),
            StatusCode::SEE_OTHER,
            "the canonical path is routed"
        );
    }

    #[test]
    fn only_same_site_paths_go_back() {
        for ok in ["/", "/scores?period=2025", "/k/abc/cam-on", "/a%2Fb"] {
            assert!(same_site_path(ok), "{ok}");
        }
        for bad in [
            "",
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/\r\nSet-Cookie: x=1",
            "https://evil.example",
            "evil.example",
            "/a\\b",
            "/ /evil.example",
            "/\u{0}",
        ] {
            assert!(!same_site_path(bad), "{bad:?}");
        }
    }
}
