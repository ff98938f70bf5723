//! The features, one folder each, named as their users name them. Each has `routes.rs`
//! (its handlers), `service.rs` (the use case, over `&AppState`, also
//! called by the CLI and the benchmark) and `page.rs` (maud, from values). This module is
//! the router: it gathers every feature's route table, and answers when no route takes a
//! request.

pub mod actor;
pub mod admin;
pub mod answer_once;
pub mod api;
pub mod audit;
pub mod campaigns;
pub mod codes;
pub mod export;
pub mod import;
pub mod interviewer;
pub mod invitations;
pub mod kiosk;
pub mod paper;
pub mod results;
pub mod sign_in;
pub mod standing;
pub mod submit;

pub use actor::Actor;

use crate::web::router::Router;
use crate::web::{extract, hygiene, paths};
use actix_web::http::Method;
use actix_web::{web, HttpRequest, HttpResponse};

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok")
}

/// Adds every route to actix. Routes are declared once, in [`declare`], through a [`Router`]
/// that also records them, so that [`route_table`] lists exactly what the server serves.
pub fn routes(cfg: &mut web::ServiceConfig) {
    declare(&mut Router {
        cfg: Some(cfg),
        table: Vec::new(),
    });
    // The API answers its own failures as JSON, before a handler runs too.
    cfg.app_data(web::QueryConfig::default().error_handler(api::errors::query_error))
        .default_service(web::to(no_route));
}

/// The methods the router serves at `path` (with HEAD wherever GET is), in declared order.
pub fn allowed_methods(path: &str) -> Vec<Method> {
    static TABLE: std::sync::LazyLock<Vec<(Method, actix_web::dev::ResourceDef)>> =
        std::sync::LazyLock::new(|| {
            route_table()
                .into_iter()
                .map(|(m, p)| (m, actix_web::dev::ResourceDef::new(p)))
                .collect()
        });
    let mut out: Vec<Method> = Vec::new();
    for (m, def) in TABLE.iter() {
        if def.is_match(path) && !out.contains(m) {
            out.push(m.clone());
            if *m == Method::GET {
                out.push(Method::HEAD);
            }
        }
    }
    out
}

/// No route took the request: under `/api/`, the API's JSON answer; elsewhere 405 with `Allow`
/// when the path is served with other methods, else the page-not-found page.
async fn no_route(
    req: HttpRequest,
    lang: crate::text::Lang,
) -> Result<HttpResponse, actix_web::Error> {
    let allowed = allowed_methods(req.path());
    if api::errors::is_api(req.path()) {
        return api::errors::no_route(&req, &allowed);
    }
    if allowed.is_empty() {
        return Ok(crate::web::error::PageError::no_page().page(lang));
    }
    let allow = allowed
        .iter()
        .map(Method::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    let refusal = hygiene::refusal(
        req.path(),
        lang,
        actix_web::http::StatusCode::METHOD_NOT_ALLOWED,
        ("Phương thức không được hỗ trợ", "Method not allowed"),
        (
            format!("Địa chỉ này chỉ nhận {allow}. Xin mở trang từ liên kết của chiso."),
            format!("This address takes {allow} only. Open the page from a link of chiso."),
        ),
    );
    Ok(crate::web::respond::with_allow(refusal, &allow))
}

/// Every route the server serves, as (method, path pattern), in the order declared: the
/// authorization tests walk it, so a new route cannot be left out of them.
pub fn route_table() -> Vec<(Method, &'static str)> {
    let mut r = Router {
        cfg: None,
        table: Vec::new(),
    };
    declare(&mut r);
    r.table
}

/// Every route of the server: the few of the house itself, then each feature's own table (its
/// `routes::routes`). A feature adds a route there, through `r`, never on actix directly: the
/// authorization matrix test (tests/it/authz.rs) then fails until the route has its expected
/// answer for every role.
fn declare(r: &mut Router) {
    r.get("/healthz", healthz);
    r.get("/lang/{code}", switch_lang);
    r.get("/static/chiso.css", crate::web::assets::chiso_css);
    r.get("/static/pick.js", crate::web::assets::pick_js);

    standing::routes::routes(r);
    sign_in::routes::routes(r);
    results::routes::routes(r);
    paper::routes::routes(r);
    audit::routes::routes(r);
    admin::routes::routes(r);
    import::routes::routes(r);
    kiosk::routes::routes(r);
    interviewer::routes::routes(r);
    campaigns::routes::routes(r);
    codes::routes::routes(r);
    invitations::routes::routes(r);
    api::routes::routes(r);
}

#[derive(serde::Deserialize)]
pub struct LangBack {
    back: Option<String>,
}

/// The language switch: remembers the choice for a year and returns to the page it was
/// chosen on (a path on this site only, never another address).
pub async fn switch_lang(code: web::Path<String>, q: web::Query<LangBack>) -> HttpResponse {
    use crate::text::{Lang, LANG_COOKIE};
    let lang = Lang::from_code(&code);
    let back = q
        .back
        .as_deref()
        .filter(|b| paths::same_site_path(b))
        .unwrap_or("/");
    let mut c = extract::cookie(LANG_COOKIE, lang.code().to_string());
    c.set_max_age(actix_web::cookie::time::Duration::days(365));
    HttpResponse::SeeOther()
        .insert_header(("Location", back))
        .cookie(c)
        .finish()
}
