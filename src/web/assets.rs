//! The files the binary serves besides pages: the stylesheet, scripts, service workers and
//! the icon. Pages link them with a version in the address (`ui::assets`), so they may be
//! kept for a year; a service worker is checked afresh on every visit instead.

use crate::ui::assets;
use actix_web::HttpResponse;

const JAVASCRIPT: &str = "text/javascript; charset=utf-8";

/// A file whose address carries its version: kept for a year.
pub fn kept(content_type: &str, body: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(("Cache-Control", assets::CACHE_FOREVER))
        .body(body)
}

/// A versioned script.
pub fn script(body: &'static str) -> HttpResponse {
    kept(JAVASCRIPT, body)
}

/// A service worker at its one stable address, allowed to look after `scope`: asked for
/// afresh on every visit, so a new build reaches the tablets.
pub fn worker(body: String, scope: &str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(JAVASCRIPT)
        .insert_header(("Cache-Control", "no-cache"))
        .insert_header(("Service-Worker-Allowed", scope.to_string()))
        .body(body)
}

pub async fn chiso_css() -> HttpResponse {
    kept("text/css; charset=utf-8", assets::CSS)
}

pub async fn pick_js() -> HttpResponse {
    script(assets::PICK_JS)
}
