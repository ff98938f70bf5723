//! Typed extractors: a handler states who may call it in its signature.
//!
//! - [`SignedIn<R>`]: a signed-in user whose role is at least `R` (pages); anyone else is sent
//!   to the sign-in page, or shown "not allowed".
//! - [`ApiCaller<R>`]: a bearer token whose role is at least `R` (API).
//! - [`TokenOrSession<R>`]: either of them, for API routes that pages link to (downloads);
//!   refusals are JSON, as for the rest of the API.
//! - [`Csrf`]: this browser's CSRF token for the forms of a page, issued by the server and
//!   bound to the session (or, before sign-in, to a random pre-session id in a cookie);
//!   [`CsrfForm<T>`]: a posted form whose token is right for the browser that posts it.

use crate::db::auth::{self, Grant, Role, User};
use crate::db::DbError;
use crate::secrets::{hash_token, new_secret};
use crate::state::AppState;
use crate::web::error::{ApiError, PageError};
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use serde::de::DeserializeOwned;
use std::future::{ready, Future, Ready};
use std::marker::PhantomData;
use std::pin::Pin;
use std::time::{Duration, Instant};

pub const SESSION_COOKIE: &str = "chiso_session";
pub const CSRF_COOKIE: &str = "chiso_csrf";

/// How long a checked API token is trusted without asking the database again (a revoked token
/// stops working within this time).
const TOKEN_CACHE: Duration = Duration::from_secs(30);

pub type LocalBoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

/// The least role a route admits.
pub trait MinRole {
    const ROLE: Role;
}

/// Any signed-in user or valid token.
pub struct Viewer;
pub struct Surveyor;
pub struct Supervisor;
pub struct Admin;

impl MinRole for Viewer {
    const ROLE: Role = Role::Viewer;
}
impl MinRole for Surveyor {
    const ROLE: Role = Role::Surveyor;
}
impl MinRole for Supervisor {
    const ROLE: Role = Role::Supervisor;
}
impl MinRole for Admin {
    const ROLE: Role = Role::Admin;
}

fn state_of(req: &HttpRequest) -> Option<web::Data<AppState>> {
    req.app_data::<web::Data<AppState>>().cloned()
}

/// The user a session cookie's `token` belongs to, while the session lives.
async fn session_user(state: &AppState, token: String) -> Result<Option<User>, DbError> {
    let life = auth::SessionLife {
        hours: state.settings.session_hours,
        idle_minutes: state.settings.session_idle_minutes,
    };
    let now = crate::clock::wall_now();
    state
        .db(move |conn| auth::session_user(conn, &hash_token(&token), life, now))
        .await
}

/// An API caller (`who`: a token, an account) whose `role` is below what the route needs.
fn below<R: MinRole>(role: Role, who: &str) -> ApiError {
    let needs = R::ROLE;
    ApiError::new(
        StatusCode::FORBIDDEN,
        format!("a {role} {who} cannot do this; it needs {needs} or above"),
    )
}

/// The client's address: the connection's, or behind a reverse proxy (setting
/// `behind_proxy`) the one the proxy forwards.
pub fn client_address(req: &HttpRequest) -> Option<std::net::IpAddr> {
    let behind_proxy = state_of(req).is_some_and(|s| s.settings.behind_proxy);
    if behind_proxy {
        let info = req.connection_info();
        let real = info.realip_remote_addr()?;
        return real
            .parse::<std::net::SocketAddr>()
            .map(|a| a.ip())
            .or_else(|_| real.trim_matches(['[', ']']).parse())
            .ok();
    }
    req.peer_addr().map(|a| a.ip())
}

/// A signed-in user with a role of at least `R`.
pub struct SignedIn<R: MinRole = Viewer> {
    pub user: User,
    role: PhantomData<R>,
}

impl<R: MinRole> FromRequest for SignedIn<R> {
    type Error = PageError;
    type Future = LocalBoxFuture<'static, Result<Self, PageError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = state_of(req);
        let token = req.cookie(SESSION_COOKIE).map(|c| c.value().to_string());
        Box::pin(async move {
            let (Some(state), Some(token)) = (state, token) else {
                return Err(PageError::sign_in());
            };
            let user = session_user(&state, token)
                .await?
                .ok_or_else(PageError::sign_in)?;
            if user.role < R::ROLE {
                return Err(PageError::forbidden());
            }
            Ok(SignedIn {
                user,
                role: PhantomData,
            })
        })
    }
}

/// An API client with a role of at least `R`: its bearer token's, or, where `SESSION` allows
/// it, a signed-in user's (a browser page calling the API). A token is checked when one is
/// sent; otherwise the session cookie. A token or user scoped to a unit brings that unit along.
pub struct Caller<R: MinRole, const SESSION: bool> {
    pub role: Role,
    /// The unit the token or user is limited to (with the units below it), if any.
    pub unit: Option<String>,
    min: PhantomData<R>,
}

/// An API client whose bearer token has a role of at least `R`.
pub type ApiCaller<R = Viewer> = Caller<R, false>;

/// A bearer token or a signed-in user (browser session) with a role of at least `R`.
pub type TokenOrSession<R = Viewer> = Caller<R, true>;

pub fn bearer(req: &HttpRequest) -> Option<String> {
    let h = req.headers().get("Authorization")?.to_str().ok()?;
    let token = h.strip_prefix("Bearer ")?.trim();
    (!token.is_empty()).then(|| token.to_string())
}

impl<R: MinRole, const SESSION: bool> FromRequest for Caller<R, SESSION> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = state_of(req);
        let token = bearer(req);
        let session = req
            .cookie(SESSION_COOKIE)
            .filter(|_| SESSION)
            .map(|c| c.value().to_string());
        Box::pin(async move {
            let Some(state) = state else {
                return Err(ApiError::unauthorized());
            };
            let (role, unit) = match (token, session) {
                (Some(token), _) => {
                    let g = token_grant(&state, token).await?;
                    (g.role, g.unit)
                }
                (None, Some(session)) => {
                    let user = session_user(&state, session)
                        .await?
                        .ok_or_else(ApiError::unauthorized)?;
                    (user.role, user.unit)
                }
                (None, None) => return Err(ApiError::unauthorized()),
            };
            if role < R::ROLE {
                return Err(below::<R>(role, if SESSION { "account" } else { "token" }));
            }
            let min = PhantomData;
            Ok(Caller { role, unit, min })
        })
    }
}

/// Whether `token` was found valid in the last few seconds (read from the cache only, so
/// the abuse limits can tell a known integrator from a guesser without a database query).
/// The key it is counted under: its hash, never the token itself.
pub fn known_token(state: &AppState, token: &str) -> Option<String> {
    let hash = hash_token(token);
    let known = state.token_cache.lock().ok().is_some_and(|m| {
        m.get(&hash)
            .is_some_and(|(_, at)| at.elapsed() < TOKEN_CACHE)
    });
    known.then_some(hash)
}

/// The role and unit scope of a token, from the cache when it was checked recently.
async fn token_grant(state: &AppState, token: String) -> Result<Grant, ApiError> {
    let hash = hash_token(&token);
    let cached = state.token_cache.lock().ok().and_then(|m| {
        m.get(&hash)
            .filter(|(_, at)| at.elapsed() < TOKEN_CACHE)
            .map(|(g, _)| g.clone())
    });
    if let Some(grant) = cached {
        return Ok(grant);
    }
    let stored = hash.clone();
    let grant = state
        .db(move |conn| auth::token_grant(conn, &stored))
        .await?
        .ok_or_else(ApiError::unauthorized)?;
    if let Ok(mut m) = state.token_cache.lock() {
        m.retain(|_, (_, at)| at.elapsed() < TOKEN_CACHE);
        m.insert(hash, (grant.clone(), Instant::now()));
    }
    Ok(grant)
}

pub fn cookie(name: &str, value: String) -> Cookie<'static> {
    Cookie::build(name.to_string(), value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .finish()
}

/// The cookie `name` removed from the browser.
pub fn removal(name: &str) -> Cookie<'static> {
    let mut gone = cookie(name, String::new());
    gone.make_removal();
    gone
}

/// What a CSRF token is bound to: the session when the browser has one (so a new token comes
/// with every sign-in), else a random pre-session id the server set in a cookie (the sign-in
/// form and other forms of people not signed in).
enum Binding {
    Session(String),
    PreSession(String),
}

fn binding_of(req: &HttpRequest) -> Option<Binding> {
    if let Some(c) = req.cookie(SESSION_COOKIE).filter(|c| !c.value().is_empty()) {
        return Some(Binding::Session(c.value().to_string()));
    }
    req.cookie(CSRF_COOKIE)
        .filter(|c| c.value().len() == 64 && c.value().bytes().all(|b| b.is_ascii_hexdigit()))
        .map(|c| Binding::PreSession(c.value().to_string()))
}

/// The token a form must carry for this binding: an HMAC under the server's forms key, so
/// that neither a third site nor the browser itself can make one up.
fn token_for(key: &crate::secrets::Key, binding: &Binding) -> String {
    match binding {
        // The session is named by its hash, as stored; the token never reveals the cookie.
        Binding::Session(s) => key.sign(&["csrf-session", &hash_token(s)]),
        Binding::PreSession(p) => key.sign(&["csrf-pre-session", p]),
    }
}

/// The CSRF token of the forms a browser with this session cookie is shown (for clients that
/// open a session without a page, such as tests and benchmarks).
pub fn session_token(state: &AppState, session: &str) -> String {
    token_for(&state.forms_key, &Binding::Session(session.to_string()))
}

/// This browser's CSRF token for the forms of a page (and, for a browser without a session
/// or a pre-session id yet, the cookie that sets one).
pub struct Csrf {
    pub token: String,
    /// Set when the browser had no pre-session id yet.
    new_cookie: Option<Cookie<'static>>,
}

impl FromRequest for Csrf {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let Some(state) = state_of(req) else {
            return ready(Err(stale_form().into()));
        };
        ready(Ok(match binding_of(req) {
            Some(b) => Csrf {
                token: token_for(&state.forms_key, &b),
                new_cookie: None,
            },
            None => {
                let pre = new_secret();
                Csrf {
                    token: token_for(&state.forms_key, &Binding::PreSession(pre.clone())),
                    new_cookie: Some(cookie(CSRF_COOKIE, pre)),
                }
            }
        }))
    }
}

impl Csrf {
    /// A page response that carries the pre-session cookie when the browser had none.
    pub fn page(&self, status: StatusCode, body: maud::Markup) -> HttpResponse {
        let mut r = HttpResponse::build(status);
        if let Some(c) = &self.new_cookie {
            r.cookie(c.clone());
        }
        r.content_type("text/html; charset=utf-8")
            .insert_header(("Cache-Control", "no-store"))
            .body(body.into_string())
    }
}

/// A form that names its CSRF field.
pub trait WithCsrf {
    fn csrf(&self) -> &str;
}

/// Forms whose CSRF field is named `csrf`, in one line: `with_csrf!(AddUserForm, RoleForm);`.
#[macro_export]
macro_rules! with_csrf {
    ($($form:ty),+ $(,)?) => {
        $(impl $crate::web::extract::WithCsrf for $form {
            fn csrf(&self) -> &str {
                &self.csrf
            }
        })+
    };
}

/// A posted form whose CSRF field is the token of this browser's session (or pre-session id).
pub struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned + WithCsrf + 'static> FromRequest for CsrfForm<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, actix_web::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let form = web::Form::<T>::from_request(&req, payload);
        Box::pin(async move {
            let form = form.await.map_err(unreadable_form)?.into_inner();
            check_csrf(&req, form.csrf())?;
            Ok(CsrfForm(form))
        })
    }
}

/// Checks the CSRF field of a form read by hand (a multipart upload, a page's own parser)
/// against this browser's session or pre-session id, as [`CsrfForm`] does for ordinary forms.
pub fn check_csrf(req: &HttpRequest, sent: &str) -> Result<(), PageError> {
    let (Some(state), Some(binding)) = (state_of(req), binding_of(req)) else {
        return Err(stale_form());
    };
    let expected = token_for(&state.forms_key, &binding);
    // Both are hex of one length; compared without an early exit all the same.
    let same = expected.len() == sent.len()
        && expected
            .bytes()
            .zip(sent.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if same {
        Ok(())
    } else {
        Err(stale_form())
    }
}

/// The reader's language: the cookie the switch (`GET /lang/{code}`) sets, else Vietnamese.
pub fn lang_of(req: &HttpRequest) -> crate::text::Lang {
    use crate::text::{Lang, LANG_COOKIE};
    req.cookie(LANG_COOKIE)
        .map(|c| Lang::from_code(c.value()))
        .unwrap_or_default()
}

/// A form that could not be read: too large, not a form, or a field of the wrong kind (named).
fn unreadable_form(e: actix_web::Error) -> PageError {
    use actix_web::error::UrlencodedError;
    match e.as_error::<UrlencodedError>() {
        Some(UrlencodedError::Overflow { .. } | UrlencodedError::UnknownLength) => PageError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ("Biểu mẫu quá lớn", "Form too large"),
            (
                "Nội dung gửi lên quá lớn; không có gì được lưu. Xin rút gọn và gửi lại.",
                "What was sent is too large; nothing was stored. Shorten it and send again.",
            ),
        ),
        Some(UrlencodedError::ContentType) => PageError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ("Không phải biểu mẫu", "Not a form"),
            (
                "Trang này chỉ nhận biểu mẫu (application/x-www-form-urlencoded); không có gì được lưu.",
                "This page takes forms only (application/x-www-form-urlencoded); nothing was stored.",
            ),
        ),
        other => {
            // serde names the field: "missing field `role`", "duplicate field `name`".
            let detail = other.map(ToString::to_string).unwrap_or_default();
            let field = detail.split('`').nth(1);
            let (vi, en) = match field {
                Some(f) => (format!(" (trường “{f}”)"), format!(" (field “{f}”)")),
                None => (String::new(), String::new()),
            };
            PageError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                ("Biểu mẫu không hợp lệ", "Invalid form"),
                (
                    format!("Biểu mẫu thiếu hoặc sai một trường{vi}; không có gì được lưu. Xin tải lại trang và điền lại."),
                    format!("A field of the form is missing or wrong{en}; nothing was stored. Reload the page and fill it in again."),
                ),
            )
        }
    }
}

fn stale_form() -> PageError {
    PageError::new(
        StatusCode::FORBIDDEN,
        ("Trang đã cũ", "The page is out of date"),
        (
            "Biểu mẫu này đã hết hạn hoặc không gửi từ chiso. Xin tải lại trang và thử lại.",
            "This form has expired or was not sent from chiso. Reload the page and try again.",
        ),
    )
}

/// The reader's language, from the cookie the switch (`GET /lang/{code}`) sets; Vietnamese
/// when none was chosen.
impl FromRequest for crate::text::Lang {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(lang_of(req)))
    }
}

/// The page's own path and query: where the language switch returns to.
pub fn here(req: &HttpRequest) -> String {
    match req.query_string() {
        "" => req.path().to_string(),
        q => format!("{}?{q}", req.path()),
    }
}
