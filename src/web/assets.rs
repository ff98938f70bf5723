//! The stylesheet, served by the binary. Pages link it with a version in the address
//! (`ui::assets::css_url`), so it may be kept for a year.

use crate::ui::assets;
use actix_web::HttpResponse;

pub async fn chiso_css() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header(("Cache-Control", assets::CACHE_FOREVER))
        .body(assets::CSS)
}

pub async fn pick_js() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header(("Cache-Control", assets::CACHE_FOREVER))
        .body(assets::PICK_JS)
}
