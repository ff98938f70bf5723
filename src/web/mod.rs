//! HTTP handlers, by audience. Handlers are thin: extract (the extractor states who may
//! call), call the application layer, render; `?` maps the errors.

pub mod api;
pub mod auth;
pub mod dashboard;
pub mod entry;
pub mod extract;
pub mod import;
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
        .route("/entry", web::get().to(entry::batches))
        .route("/entry/batches", web::post().to(entry::create_batch))
        .route("/entry/batches/{id}", web::get().to(entry::batch))
        .route("/entry/batches/{id}/key", web::get().to(entry::keying))
        .route(
            "/entry/batches/{id}/key",
            web::post().to(entry::save_keying),
        )
        .route("/entry/disputes", web::get().to(entry::disputes))
        .route("/entry/forms/{id}", web::get().to(entry::dispute))
        .route("/entry/forms/{id}", web::post().to(entry::settle))
        .route(
            "/entry/forms/{id}/delete",
            web::post().to(entry::delete_keying),
        )
        .route("/entry/keyers", web::get().to(entry::keyers))
        .route("/audit", web::get().to(entry::audit_trail))
        .route("/import", web::get().to(import::form))
        .route("/import", web::post().to(import::upload))
        .route("/import/rejected/{token}", web::get().to(import::rejected))
        .route("/surveys/{id}/print", web::get().to(entry::print_form))
        .route("/static/entry.js", web::get().to(entry::entry_js))
        .route("/k/{token}", web::get().to(kiosk::form))
        .route("/k/{token}", web::post().to(kiosk::submit))
        .route("/k/{token}/cam-on", web::get().to(kiosk::thanks))
        .service(
            web::scope("/api/v1")
                .route("/responses", web::post().to(api::post_response))
                .route("/surveys", web::get().to(api::surveys))
                .route("/units", web::get().to(api::units))
                .route("/scores", web::get().to(api::scores))
                .route("/parindex", web::get().to(api::parindex))
                .route("/export", web::get().to(api::export)),
        );
}
