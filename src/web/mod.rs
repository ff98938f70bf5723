//! HTTP handlers, by audience. Handlers are thin: extract (the extractor states who may
//! call), call the application layer, render; `?` maps the errors.

pub mod api;
pub mod auth;
pub mod dashboard;
pub mod extract;
pub mod kiosk;

use actix_web::{web, HttpResponse};

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok")
}

pub async fn home() -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", "/scores"))
        .finish()
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(healthz))
        .route("/", web::get().to(home))
        .route("/login", web::get().to(auth::login_page))
        .route("/login", web::post().to(auth::login))
        .route("/logout", web::post().to(auth::logout))
        .route("/scores", web::get().to(dashboard::scores_page))
        .route("/parindex", web::get().to(dashboard::parindex_page))
        .route("/k/{token}", web::get().to(kiosk::form))
        .route("/k/{token}", web::post().to(kiosk::submit))
        .route("/k/{token}/cam-on", web::get().to(kiosk::thanks))
        .service(
            web::scope("/api/v1")
                .route("/responses", web::post().to(api::post_response))
                .route("/surveys", web::get().to(api::surveys))
                .route("/units", web::get().to(api::units))
                .route("/scores", web::get().to(api::scores))
                .route("/parindex", web::get().to(api::parindex)),
        );
}
