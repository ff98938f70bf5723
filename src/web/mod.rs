//! HTTP handlers, by audience. Handlers are thin: extract (the extractor states who may
//! call), call the application layer, render; `?` maps the errors.

pub mod admin;
pub mod api;
pub mod auth;
pub mod campaigns;
pub mod dashboard;
pub mod entry;
pub mod extract;
pub mod import;
pub mod invite;
pub mod kiosk;
pub mod online;
pub mod results;

use actix_web::{web, HttpResponse};

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok")
}

pub async fn home() -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", "/scores"))
        .finish()
}

/// Largest respondent list accepted in one paste (about 10,000 people).
pub const LIST_LIMIT: usize = 2 * 1024 * 1024;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(healthz))
        .route("/", web::get().to(home))
        .route("/lang/{code}", web::get().to(switch_lang))
        .route("/login", web::get().to(auth::login_page))
        .route("/login", web::post().to(auth::login))
        .route("/logout", web::post().to(auth::logout))
        .route("/scores", web::get().to(dashboard::scores_page))
        .route("/parindex", web::get().to(dashboard::parindex_page))
        // Results: SIPAS with breakdowns, PAPI-aligned, the public page, table exports.
        .route("/sipas", web::get().to(results::sipas_page))
        .route("/sipas/export", web::get().to(results::sipas_export))
        .route("/papi", web::get().to(results::papi_page))
        .route("/papi/export", web::get().to(results::papi_export))
        .route("/public", web::get().to(results::public_page))
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
        .route(
            "/entry/forms/{id}/correct",
            web::get().to(entry::correction),
        )
        .route("/entry/forms/{id}/correct", web::post().to(entry::correct))
        .route("/entry/keyers", web::get().to(entry::keyers))
        .route("/audit", web::get().to(entry::audit_trail))
        .route("/admin", web::get().to(admin::home))
        .route("/admin/users", web::get().to(admin::users))
        .route("/admin/users", web::post().to(admin::add_user))
        .route("/admin/users/{id}/role", web::post().to(admin::change_user))
        .route(
            "/admin/users/{id}/password",
            web::post().to(admin::reset_password),
        )
        .route(
            "/admin/users/{id}/disable",
            web::post().to(admin::disable_user),
        )
        .route(
            "/admin/users/{id}/enable",
            web::post().to(admin::enable_user),
        )
        .route("/admin/kiosks", web::get().to(admin::kiosks))
        .route("/admin/kiosks", web::post().to(admin::add_kiosk))
        .route(
            "/admin/kiosks/{id}/revoke",
            web::post().to(admin::revoke_kiosk),
        )
        .route("/admin/tokens", web::get().to(admin::tokens))
        .route("/admin/tokens", web::post().to(admin::create_token))
        .route(
            "/admin/tokens/{id}/revoke",
            web::post().to(admin::revoke_token),
        )
        .route("/import", web::get().to(import::form))
        .route("/import", web::post().to(import::upload))
        .route("/import/rejected/{token}", web::get().to(import::rejected))
        .route("/surveys/{id}/print", web::get().to(entry::print_form))
        .route("/static/entry.js", web::get().to(entry::entry_js))
        .route("/static/kiosk.js", web::get().to(kiosk::kiosk_js))
        .route("/k/{token}", web::get().to(kiosk::form))
        .route("/k/{token}", web::post().to(kiosk::submit))
        .route("/k/{token}/cam-on", web::get().to(kiosk::thanks))
        .route("/campaigns", web::get().to(campaigns::list))
        .route("/campaigns", web::post().to(campaigns::create))
        .route("/campaigns/{id}", web::get().to(campaigns::show))
        .service(
            // A pasted respondent list may be larger than other forms.
            web::resource("/campaigns/{id}/list")
                .app_data(web::FormConfig::default().limit(LIST_LIMIT))
                .route(web::post().to(campaigns::add_list)),
        )
        .route(
            "/campaigns/{id}/people",
            web::post().to(campaigns::add_person),
        )
        .route("/campaigns/{id}/open", web::post().to(campaigns::open))
        .route("/campaigns/{id}/close", web::post().to(campaigns::close))
        .route("/campaigns/{id}/links", web::post().to(campaigns::links))
        .route(
            "/campaigns/{id}/people/{person}/revoke",
            web::post().to(campaigns::revoke),
        )
        .route(
            "/campaigns/{id}/people/{person}/reissue",
            web::post().to(campaigns::reissue),
        )
        .route(
            "/campaigns/{id}/reminders.csv",
            web::get().to(campaigns::reminders),
        )
        .route("/codes", web::get().to(online::codes))
        .route("/codes", web::post().to(online::issue))
        .route("/o", web::get().to(online::ask))
        .route("/o/{code}", web::get().to(online::form))
        .route("/o/{code}", web::post().to(online::submit))
        .route("/i/{token}", web::get().to(invite::open))
        .route("/i/{token}", web::post().to(invite::post))
        .service(
            web::scope("/api/v1")
                .route("/responses", web::post().to(api::post_response))
                .route("/surveys", web::get().to(api::surveys))
                .route("/units", web::get().to(api::units))
                .route("/scores", web::get().to(api::scores))
                .route("/parindex", web::get().to(api::parindex))
                .route("/export", web::get().to(api::export)),
        )
        .default_service(web::to(results::not_found));
}

#[derive(serde::Deserialize)]
pub struct LangBack {
    back: Option<String>,
}

/// The language switch: remembers the choice for a year and returns to the page it was
/// chosen on (a path on this site only, never another address).
pub async fn switch_lang(code: web::Path<String>, q: web::Query<LangBack>) -> HttpResponse {
    use crate::views::i18n::{Lang, LANG_COOKIE};
    let lang = Lang::from_code(&code);
    let back = q
        .back
        .as_deref()
        .filter(|b| b.starts_with('/') && !b.starts_with("//") && !b.contains('\\'))
        .unwrap_or("/");
    let mut c = extract::cookie(LANG_COOKIE, lang.code().to_string());
    c.set_max_age(actix_web::cookie::time::Duration::days(365));
    HttpResponse::SeeOther()
        .insert_header(("Location", back))
        .cookie(c)
        .finish()
}
