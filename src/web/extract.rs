//! Typed extractors: a handler states who may call it in its signature.
//!
//! - [`SignedIn<R>`]: a signed-in user whose role is at least `R` (pages); anyone else is sent
//!   to the sign-in page, or shown "not allowed".
//! - [`ApiCaller<R>`]: a bearer token whose role is at least `R` (API).
//! - [`TokenOrSession<R>`]: either of them, for API routes that pages link to (downloads);
//!   refusals are JSON, as for the rest of the API.
//! - [`Csrf`]: this browser's CSRF token for the forms of a page (and the cookie that carries
//!   it, when new); [`CsrfForm<T>`]: a posted form whose token matches.

use crate::db::auth::{self, Grant, Role, User};
use crate::error::{ApiError, PageError};
use crate::state::AppState;
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

type LocalBoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

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
            let user = state
                .db(move |conn| auth::session_user(conn, &token))
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

/// An API client whose bearer token has a role of at least `R`.
pub struct ApiCaller<R: MinRole = Viewer> {
    pub role: Role,
    /// The unit the token is limited to (with the units below it), if any.
    pub unit: Option<String>,
    min: PhantomData<R>,
}

fn bearer(req: &HttpRequest) -> Option<String> {
    let h = req.headers().get("Authorization")?.to_str().ok()?;
    let token = h.strip_prefix("Bearer ")?.trim();
    (!token.is_empty()).then(|| token.to_string())
}

impl<R: MinRole> FromRequest for ApiCaller<R> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = state_of(req);
        let token = bearer(req);
        Box::pin(async move {
            let (Some(state), Some(token)) = (state, token) else {
                return Err(ApiError::unauthorized());
            };
            let Grant { role, unit } = token_grant(&state, token).await?;
            if role < R::ROLE {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    format!(
                        "a {role} token cannot do this; it needs {} or above",
                        R::ROLE
                    ),
                ));
            }
            Ok(ApiCaller {
                role,
                unit,
                min: PhantomData,
            })
        })
    }
}

/// A bearer token or a signed-in user (browser session) with a role of at least `R`. A token
/// is checked when one is sent; otherwise the session cookie. A user or token scoped to a
/// unit brings that unit along.
pub struct TokenOrSession<R: MinRole = Viewer> {
    pub role: Role,
    /// The unit the user or token is limited to (with the units below it), if any.
    pub unit: Option<String>,
    min: PhantomData<R>,
}

impl<R: MinRole> FromRequest for TokenOrSession<R> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = state_of(req);
        let token = bearer(req);
        let session = req.cookie(SESSION_COOKIE).map(|c| c.value().to_string());
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
                    let user = state
                        .db(move |conn| auth::session_user(conn, &session))
                        .await?
                        .ok_or_else(ApiError::unauthorized)?;
                    (user.role, user.unit)
                }
                (None, None) => return Err(ApiError::unauthorized()),
            };
            if role < R::ROLE {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    format!(
                        "a {role} account cannot do this; it needs {} or above",
                        R::ROLE
                    ),
                ));
            }
            Ok(TokenOrSession {
                role,
                unit,
                min: PhantomData,
            })
        })
    }
}

/// The role and unit scope of a token, from the cache when it was checked recently.
async fn token_grant(state: &AppState, token: String) -> Result<Grant, ApiError> {
    let hash = auth::hash_token(&token);
    let cached = state.token_cache.lock().ok().and_then(|m| {
        m.get(&hash)
            .filter(|(_, at)| at.elapsed() < TOKEN_CACHE)
            .map(|(g, _)| g.clone())
    });
    if let Some(grant) = cached {
        return Ok(grant);
    }
    let grant = state
        .db(move |conn| auth::token_grant(conn, &token))
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

/// This browser's CSRF token (double submit: a cookie and a form field that must match).
pub struct Csrf {
    pub token: String,
    /// Set when the browser had no token yet.
    new_cookie: Option<Cookie<'static>>,
}

impl FromRequest for Csrf {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(match req.cookie(CSRF_COOKIE) {
            Some(c) if c.value().len() == 64 => Csrf {
                token: c.value().to_string(),
                new_cookie: None,
            },
            _ => {
                let token = auth::new_secret();
                Csrf {
                    new_cookie: Some(cookie(CSRF_COOKIE, token.clone())),
                    token,
                }
            }
        }))
    }
}

impl Csrf {
    /// A page response that carries this token's cookie when the browser had none.
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

/// A posted form whose CSRF field matches this browser's cookie.
pub struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned + WithCsrf + 'static> FromRequest for CsrfForm<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, actix_web::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let cookie = req.cookie(CSRF_COOKIE).map(|c| c.value().to_string());
        let form = web::Form::<T>::from_request(req, payload);
        Box::pin(async move {
            let form = form.await.map_err(|_| stale_form())?.into_inner();
            match cookie {
                Some(c) if !form.csrf().is_empty() && c == form.csrf() => Ok(CsrfForm(form)),
                _ => Err(stale_form().into()),
            }
        })
    }
}

/// Checks the CSRF field of a form read by hand (a multipart upload) against this browser's
/// cookie, as [`CsrfForm`] does for ordinary forms.
pub fn check_csrf(req: &HttpRequest, sent: &str) -> Result<(), PageError> {
    match req.cookie(CSRF_COOKIE) {
        Some(c) if !sent.is_empty() && c.value() == sent => Ok(()),
        _ => Err(stale_form()),
    }
}

fn stale_form() -> PageError {
    PageError::new(
        StatusCode::FORBIDDEN,
        "Trang đã cũ",
        "Biểu mẫu này đã hết hạn hoặc không gửi từ chiso. Xin tải lại trang và thử lại.",
    )
}

/// The reader's language, from the cookie the switch (`GET /lang/{code}`) sets; Vietnamese
/// when none was chosen.
impl FromRequest for crate::views::i18n::Lang {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        use crate::views::i18n::{Lang, LANG_COOKIE};
        ready(Ok(req
            .cookie(LANG_COOKIE)
            .map(|c| Lang::from_code(c.value()))
            .unwrap_or_default()))
    }
}
