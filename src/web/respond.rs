//! Answers every feature gives the same way: a redirect after a POST, a file to download, and
//! the `Allow` of a method refused.

use actix_web::{HttpResponse, HttpResponseBuilder};

/// 303 to `to`: after a POST, the browser asks for the page again with GET.
pub fn see_other(to: impl Into<String>) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", to.into()))
        .finish()
}

/// A file to download named `name`, of `content_type`; the caller adds the body.
pub fn download(name: &str, content_type: &str) -> HttpResponseBuilder {
    let mut r = HttpResponse::Ok();
    r.content_type(content_type.to_string()).insert_header((
        "Content-Disposition",
        format!("attachment; filename=\"{name}\""),
    ));
    r
}

/// A CSV file that only this reader should have (codes, links, people, rejected rows): never
/// kept in a cache, UTF-8 with a byte-order mark so spreadsheets read the Vietnamese right.
pub fn private_csv(name: &str, body: &str) -> HttpResponse {
    download(name, "text/csv; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .body(format!("\u{feff}{body}"))
}

/// A refusal of a method the address does not take, naming those it does (`allow`).
pub fn with_allow(mut refusal: HttpResponse, allow: &str) -> HttpResponse {
    if let Ok(v) = actix_web::http::header::HeaderValue::from_str(allow) {
        refusal
            .headers_mut()
            .insert(actix_web::http::header::ALLOW, v);
    }
    refusal
}
