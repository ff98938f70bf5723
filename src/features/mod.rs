//! The features, one folder each, named as their users name them. Each has `routes.rs`
//! (its handlers), `service.rs` (the use case, over `&AppState`, also
//! called by the CLI and the benchmark) and `page.rs` (maud, from values). This module is
//! the router: the one table of every route and its handler, and the answer when no route
//! takes a request.

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

/// Every route of the server, in one table: the few of the house itself, then each feature's
/// handlers. Add a route here, through
/// `r`, never on actix directly: the authorization matrix test (tests/it/authz.rs) then fails
/// until the route has its expected answer for every role.
fn declare(r: &mut Router) {
    use campaigns::routes::Step::{Close, Open, Reopen};
    r.get("/healthz", healthz);
    r.get("/lang/{code}", switch_lang);
    r.get("/static/chiso.css", crate::web::assets::chiso_css);
    r.get("/static/pick.js", crate::web::assets::pick_js);

    // Where the city stands: home, the PAR INDEX this year and its entries, lead agencies,
    // the printable report.
    r.get("/", standing::routes::home);
    r.get("/parindex", standing::routes::parindex);
    r.get("/parindex/criteria/{code}", standing::routes::criterion);
    r.post("/parindex/criteria/{code}", standing::routes::enter);
    r.get("/agencies", standing::routes::agencies);
    r.get("/agencies/{code}", standing::routes::agency);
    r.get("/report", standing::routes::report);

    // Signing in and out.
    r.get("/login", sign_in::routes::login_page);
    r.post("/login", sign_in::routes::login);
    r.post("/logout", sign_in::routes::logout);

    // Results: scores, SIPAS with breakdowns, PAPI-aligned, the public page, table exports.
    r.get("/scores", results::dashboard::scores_page);
    r.get("/sipas", results::routes::sipas_page);
    r.get("/sipas/export", results::routes::sipas_export);
    r.get("/papi", results::routes::papi_page);
    r.get("/papi/export", results::routes::papi_export);
    r.get("/public", results::routes::public_page);

    // Paper questionnaires: batches, keying, disputes, corrections, keyers, the printable form.
    r.get("/entry", paper::routes::batches::list);
    r.post("/entry/batches", paper::routes::batches::create);
    r.get("/entry/batches/{id}", paper::routes::batches::show);
    r.get("/entry/batches/{id}/key", paper::routes::keying::screen);
    r.post("/entry/batches/{id}/key", paper::routes::keying::save);
    r.get("/entry/batches/{id}/serial", paper::routes::keying::serial);
    r.get("/entry/disputes", paper::routes::disputes::list);
    r.get("/entry/forms/{id}", paper::routes::disputes::show);
    r.post("/entry/forms/{id}", paper::routes::disputes::settle);
    r.post(
        "/entry/forms/{id}/delete",
        paper::routes::disputes::delete_keying,
    );
    r.get(
        "/entry/forms/{id}/correct",
        paper::routes::corrections::show,
    );
    r.post(
        "/entry/forms/{id}/correct",
        paper::routes::corrections::correct,
    );
    r.get("/entry/keyers", paper::routes::keyers::show);
    r.get("/surveys/{id}/print", paper::routes::print::form);
    r.get("/static/entry.js", paper::routes::keying::script);

    // The audit trail.
    r.get("/audit", audit::routes::audit_trail);

    // Administration: users, kiosks, API tokens.
    r.get("/admin", admin::routes::home);
    r.get("/admin/users", admin::routes::users);
    r.post("/admin/users", admin::routes::add_user);
    r.post("/admin/users/{id}/role", admin::routes::change_user);
    r.post("/admin/users/{id}/password", admin::routes::reset_password);
    r.post("/admin/users/{id}/disable", admin::routes::disable_user);
    r.post("/admin/users/{id}/enable", admin::routes::enable_user);
    r.get("/admin/kiosks", admin::routes::kiosks);
    r.post("/admin/kiosks", admin::routes::add_kiosk);
    r.get("/admin/kiosks/{id}/revoke", admin::confirm::revoke_kiosk);
    r.post("/admin/kiosks/{id}/revoke", admin::routes::revoke_kiosk);
    r.get("/admin/tokens", admin::routes::tokens);
    r.post("/admin/tokens", admin::routes::create_token);
    r.get("/admin/tokens/{id}/revoke", admin::confirm::revoke_token);
    r.post("/admin/tokens/{id}/revoke", admin::routes::revoke_token);

    // Importing files of answers.
    r.get("/import", import::routes::form);
    r.post("/import", import::routes::upload);
    r.get("/import/rejected/{token}", import::routes::rejected);

    // The kiosk at the counters.
    r.get("/static/kiosk.js", kiosk::routes::kiosk_js);
    r.get("/static/kiosk-sw.js", kiosk::routes::service_worker);
    r.get("/static/icon.svg", kiosk::routes::icon);
    r.get("/k/{token}", kiosk::routes::form);
    r.post("/k/{token}", kiosk::routes::submit);
    r.get("/k/{token}/cam-on", kiosk::routes::thanks);
    r.get("/k/{token}/tickets", kiosk::routes::tickets);
    r.get("/k/{token}/manifest.webmanifest", kiosk::routes::manifest);

    // The interviewer app: forms filled offline on a tablet, synced through the batch API.
    r.get("/phong-van", interviewer::routes::app);
    r.get("/phong-van/pack.json", interviewer::routes::pack);
    r.get("/phong-van/app.js", interviewer::routes::script);
    r.get("/phong-van/sw.js", interviewer::routes::worker);
    r.get(
        "/phong-van/manifest.webmanifest",
        interviewer::routes::manifest,
    );
    r.get("/phong-van/icon.svg", interviewer::routes::icon);

    // Campaigns of the officials' survey.
    r.get("/campaigns", campaigns::routes::list);
    r.post("/campaigns", campaigns::routes::create);
    r.get("/campaigns/{id}", campaigns::routes::show);
    // A pasted respondent list may be larger than other forms.
    r.post_limited(
        "/campaigns/{id}/list",
        campaigns::routes::add_list,
        campaigns::routes::LIST_LIMIT,
    );
    r.post(
        "/campaigns/{id}/list-file",
        campaigns::routes::add_list_file,
    );
    r.post("/campaigns/{id}/people", campaigns::routes::add_person);
    r.post("/campaigns/{id}/open", campaigns::routes::step(Open));
    r.get("/campaigns/{id}/close", campaigns::routes::confirm_close);
    r.post("/campaigns/{id}/close", campaigns::routes::step(Close));
    r.get("/campaigns/{id}/reopen", campaigns::routes::confirm_reopen);
    r.post("/campaigns/{id}/reopen", campaigns::routes::step(Reopen));
    r.get("/campaigns/{id}/links", campaigns::routes::confirm_links);
    r.post("/campaigns/{id}/links", campaigns::routes::links);
    r.post(
        "/campaigns/{id}/people/{person}/revoke",
        campaigns::routes::revoke,
    );
    r.post(
        "/campaigns/{id}/people/{person}/reissue",
        campaigns::routes::reissue,
    );
    r.get(
        "/campaigns/{id}/reminders.csv",
        campaigns::routes::reminders,
    );

    // Slip codes, and answering one at `/o`.
    r.get("/codes", codes::routes::codes);
    r.post("/codes", codes::routes::issue);
    r.get("/o", codes::routes::ask);
    r.get("/o/{code}", codes::routes::form);
    r.post("/o/{code}", codes::routes::submit);

    // The officials' one-time links.
    r.get("/i/{token}", invitations::routes::open);
    r.post("/i/{token}", invitations::routes::post);

    // The JSON API.
    r.post("/api/v1/responses", api::routes::post_response);
    r.post("/api/v1/responses/batch", api::batch::post_batch);
    r.get("/api/v1/surveys", api::routes::surveys);
    r.get("/api/v1/units", api::routes::units);
    r.get("/api/v1/scores", api::routes::scores);
    r.get("/api/v1/parindex", api::routes::parindex);
    r.get("/api/v1/published", api::published::published);
    r.get("/api/v1/export", api::routes::export);
    r.get("/api/v1/openapi.json", api::openapi::openapi_json);
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
