//! HTTP handlers, by audience. Handlers are thin: extract (the extractor states who may
//! call), call the application layer, render; `?` maps the errors.

pub mod admin;
pub mod api;
pub mod api_errors;
pub mod assets;
pub mod auth;
pub mod body_guard;
pub mod campaigns;
pub mod dashboard;
pub mod entry;
pub mod extract;
pub mod hygiene;
pub mod import;
pub mod invite;
pub mod kiosk;
pub mod limits;
pub mod online;
pub mod openapi;
pub mod origin;
pub mod paths;
pub mod results;
pub mod standing;
pub mod upload;

use actix_web::http::Method;
use actix_web::{guard, web, FromRequest, Handler, HttpRequest, HttpResponse, Responder};

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok")
}

/// Largest respondent list accepted in one paste (about 10,000 people).
pub const LIST_LIMIT: usize = 2 * 1024 * 1024;

/// Adds every route to actix. Routes are declared once, in [`declare`], through a [`Router`]
/// that also records them, so that [`route_table`] lists exactly what the server serves.
pub fn routes(cfg: &mut web::ServiceConfig) {
    declare(&mut Router {
        cfg: Some(cfg),
        table: Vec::new(),
    });
    // The API answers its own failures as JSON, before a handler runs too.
    cfg.app_data(web::QueryConfig::default().error_handler(api_errors::query_error))
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
    if api_errors::is_api(req.path()) {
        return api_errors::no_route(req, lang).await;
    }
    let allowed = allowed_methods(req.path());
    if allowed.is_empty() {
        return Ok(crate::error::PageError::no_page().page(lang));
    }
    let allow = allowed
        .iter()
        .map(Method::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    let mut res = hygiene::refusal(
        req.path(),
        lang,
        actix_web::http::StatusCode::METHOD_NOT_ALLOWED,
        ("Phương thức không được hỗ trợ", "Method not allowed"),
        (
            format!("Địa chỉ này chỉ nhận {allow}. Xin mở trang từ liên kết của chiso."),
            format!("This address takes {allow} only. Open the page from a link of chiso."),
        ),
    );
    if let Ok(v) = actix_web::http::header::HeaderValue::from_str(&allow) {
        res.headers_mut().insert(actix_web::http::header::ALLOW, v);
    }
    Ok(res)
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

/// Adds routes to actix (when it has a configuration) and records each one.
pub struct Router<'a> {
    cfg: Option<&'a mut web::ServiceConfig>,
    table: Vec<(Method, &'static str)>,
}

impl Router<'_> {
    fn add<F, Args>(&mut self, method: Method, path: &'static str, handler: F, limit: Option<usize>)
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.table.push((method.clone(), path));
        if let Some(cfg) = self.cfg.as_deref_mut() {
            // HEAD answers wherever GET does (the body is dropped in `hygiene`).
            let route = if method == Method::GET {
                web::route()
                    .guard(guard::Any(guard::Get()).or(guard::Head()))
                    .to(handler)
            } else {
                web::method(method).to(handler)
            };
            match limit {
                Some(limit) => {
                    cfg.service(
                        web::resource(path)
                            .app_data(web::FormConfig::default().limit(limit))
                            .route(route),
                    );
                }
                None => {
                    cfg.route(path, route);
                }
            }
        }
    }

    pub fn get<F, Args>(&mut self, path: &'static str, handler: F)
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.add(Method::GET, path, handler, None);
    }

    pub fn post<F, Args>(&mut self, path: &'static str, handler: F)
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.add(Method::POST, path, handler, None);
    }

    /// A POST route whose form may be larger than the others (up to `limit` bytes).
    pub fn post_limited<F, Args>(&mut self, path: &'static str, handler: F, limit: usize)
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.add(Method::POST, path, handler, Some(limit));
    }
}

/// Every route of the server. Add new routes here, through `r`, never on actix directly:
/// the authorization matrix test (tests/it/authz.rs) then fails until the route has its
/// expected answer for every role.
fn declare(r: &mut Router) {
    r.get("/healthz", healthz);
    // Where the city stands: home, the PAR INDEX this year and its entries, lead agencies,
    // the printable report.
    r.get("/", standing::home);
    r.get("/parindex", standing::parindex);
    r.get("/parindex/criteria/{code}", standing::criterion);
    r.post("/parindex/criteria/{code}", standing::enter);
    r.get("/agencies", standing::agencies);
    r.get("/agencies/{code}", standing::agency);
    r.get("/report", standing::report);
    r.get("/lang/{code}", switch_lang);
    r.get("/login", auth::login_page);
    r.post("/login", auth::login);
    r.post("/logout", auth::logout);
    r.get("/scores", dashboard::scores_page);
    // Results: SIPAS with breakdowns, PAPI-aligned, the public page, table exports.
    r.get("/sipas", results::sipas_page);
    r.get("/sipas/export", results::sipas_export);
    r.get("/papi", results::papi_page);
    r.get("/papi/export", results::papi_export);
    r.get("/public", results::public_page);
    r.get("/entry", entry::batches);
    r.post("/entry/batches", entry::create_batch);
    r.get("/entry/batches/{id}", entry::batch);
    r.get("/entry/batches/{id}/key", entry::keying);
    r.post("/entry/batches/{id}/key", entry::save_keying);
    r.get("/entry/disputes", entry::disputes);
    r.get("/entry/forms/{id}", entry::dispute);
    r.post("/entry/forms/{id}", entry::settle);
    r.post("/entry/forms/{id}/delete", entry::delete_keying);
    r.get("/entry/forms/{id}/correct", entry::correction);
    r.post("/entry/forms/{id}/correct", entry::correct);
    r.get("/entry/keyers", entry::keyers);
    r.get("/audit", entry::audit_trail);
    r.get("/admin", admin::home);
    r.get("/admin/users", admin::users);
    r.post("/admin/users", admin::add_user);
    r.post("/admin/users/{id}/role", admin::change_user);
    r.post("/admin/users/{id}/password", admin::reset_password);
    r.post("/admin/users/{id}/disable", admin::disable_user);
    r.post("/admin/users/{id}/enable", admin::enable_user);
    r.get("/admin/kiosks", admin::kiosks);
    r.post("/admin/kiosks", admin::add_kiosk);
    r.post("/admin/kiosks/{id}/revoke", admin::revoke_kiosk);
    r.get("/admin/tokens", admin::tokens);
    r.post("/admin/tokens", admin::create_token);
    r.post("/admin/tokens/{id}/revoke", admin::revoke_token);
    r.get("/import", import::form);
    r.post("/import", import::upload);
    r.get("/import/rejected/{token}", import::rejected);
    r.get("/surveys/{id}/print", entry::print_form);
    r.get("/static/chiso.css", assets::chiso_css);
    r.get("/static/entry.js", entry::entry_js);
    r.get("/static/kiosk.js", kiosk::kiosk_js);
    r.get("/k/{token}", kiosk::form);
    r.post("/k/{token}", kiosk::submit);
    r.get("/k/{token}/cam-on", kiosk::thanks);
    r.get("/campaigns", campaigns::list);
    r.post("/campaigns", campaigns::create);
    r.get("/campaigns/{id}", campaigns::show);
    // A pasted respondent list may be larger than other forms.
    r.post_limited("/campaigns/{id}/list", campaigns::add_list, LIST_LIMIT);
    r.post("/campaigns/{id}/list-file", campaigns::add_list_file);
    r.post("/campaigns/{id}/people", campaigns::add_person);
    r.post("/campaigns/{id}/open", campaigns::open);
    r.post("/campaigns/{id}/close", campaigns::close);
    r.post("/campaigns/{id}/links", campaigns::links);
    r.post("/campaigns/{id}/people/{person}/revoke", campaigns::revoke);
    r.post(
        "/campaigns/{id}/people/{person}/reissue",
        campaigns::reissue,
    );
    r.get("/campaigns/{id}/reminders.csv", campaigns::reminders);
    r.get("/codes", online::codes);
    r.post("/codes", online::issue);
    r.get("/o", online::ask);
    r.get("/o/{code}", online::form);
    r.post("/o/{code}", online::submit);
    r.get("/i/{token}", invite::open);
    r.post("/i/{token}", invite::post);
    r.post("/api/v1/responses", api::post_response);
    r.get("/api/v1/surveys", api::surveys);
    r.get("/api/v1/units", api::units);
    r.get("/api/v1/scores", api::scores);
    r.get("/api/v1/parindex", api::parindex);
    r.get("/api/v1/export", api::export);
    r.get("/api/v1/openapi.json", openapi::openapi_json);
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
