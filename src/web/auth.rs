//! Sign-in with a session cookie; forms carry a CSRF token that must match a cookie
//! (double submit), so another site cannot post on a signed-in user's behalf.

use crate::db::auth::{self, User};
use crate::error::PageError;
use crate::startup::AppState;
use crate::views;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use std::time::{Duration, Instant};

pub const SESSION_COOKIE: &str = "chiso_session";
pub const CSRF_COOKIE: &str = "chiso_csrf";
const MAX_FAILURES: u32 = 10;
const FAILURE_WINDOW: Duration = Duration::from_secs(15 * 60);

fn cookie(name: &str, value: String) -> Cookie<'static> {
    Cookie::build(name.to_string(), value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .finish()
}

/// The CSRF token of this browser, and a cookie to set when it had none.
pub fn csrf_token(req: &HttpRequest) -> (String, Option<Cookie<'static>>) {
    match req.cookie(CSRF_COOKIE) {
        Some(c) if c.value().len() == 64 => (c.value().to_string(), None),
        _ => {
            let t = auth::new_secret();
            (t.clone(), Some(cookie(CSRF_COOKIE, t)))
        }
    }
}

pub fn check_csrf(req: &HttpRequest, sent: &str) -> Result<(), PageError> {
    match req.cookie(CSRF_COOKIE) {
        Some(c) if !sent.is_empty() && c.value() == sent => Ok(()),
        _ => Err(PageError::new(
            StatusCode::FORBIDDEN,
            "Trang đã cũ",
            "Biểu mẫu này đã hết hạn hoặc không gửi từ chiso. Xin tải lại trang và thử lại.",
        )),
    }
}

/// The signed-in user, or None.
pub async fn current_user(state: &AppState, req: &HttpRequest) -> Result<Option<User>, PageError> {
    let Some(token) = req.cookie(SESSION_COOKIE).map(|c| c.value().to_string()) else {
        return Ok(None);
    };
    let pool = state.pool.clone();
    Ok(web::block(move || -> Result<_, crate::db::DbError> {
        let mut conn = pool.get()?;
        auth::session_user(&mut conn, &token)
    })
    .await??)
}

pub fn to_login() -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", "/login"))
        .finish()
}

pub async fn login_page(req: HttpRequest) -> HttpResponse {
    let (csrf, set) = csrf_token(&req);
    let mut r = HttpResponse::Ok();
    if let Some(c) = set {
        r.cookie(c);
    }
    r.content_type("text/html; charset=utf-8")
        .body(views::login::login(&csrf, None, "").into_string())
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

fn throttled(state: &AppState, username: &str) -> bool {
    let Ok(mut map) = state.login_failures.lock() else {
        return false;
    };
    match map.get(username) {
        Some((n, since)) if since.elapsed() < FAILURE_WINDOW => *n >= MAX_FAILURES,
        Some(_) => {
            map.remove(username);
            false
        }
        None => false,
    }
}

fn note_failure(state: &AppState, username: &str) {
    if let Ok(mut map) = state.login_failures.lock() {
        let e = map
            .entry(username.to_string())
            .or_insert((0, Instant::now()));
        e.0 += 1;
    }
}

pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, PageError> {
    check_csrf(&req, &form.csrf)?;
    let form = form.into_inner();
    let again = |status: StatusCode, msg: &str| {
        HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .body(views::login::login(&form.csrf, Some(msg), &form.username).into_string())
    };
    if throttled(&state, &form.username) {
        return Ok(again(
            StatusCode::TOO_MANY_REQUESTS,
            "Đăng nhập sai quá nhiều lần. Xin thử lại sau 15 phút.",
        ));
    }
    let st = state.clone();
    let (username, password) = (form.username.clone(), form.password.clone());
    let hours = state.settings.session_hours;
    let session = web::block(move || -> Result<_, crate::db::DbError> {
        let mut conn = st.pool.get()?;
        match auth::verify_login(&mut conn, &username, &password)? {
            Some(user) => {
                crate::db::audit::record(&mut conn, &user.username, "login", "")?;
                Ok(Some(auth::create_session(&mut conn, &user, hours)?))
            }
            None => Ok(None),
        }
    })
    .await??;
    match session {
        Some(token) => Ok(HttpResponse::SeeOther()
            .cookie(cookie(SESSION_COOKIE, token))
            .insert_header(("Location", "/scores"))
            .finish()),
        None => {
            note_failure(&state, &form.username);
            Ok(again(
                StatusCode::UNAUTHORIZED,
                "Tên đăng nhập hoặc mật khẩu không đúng.",
            ))
        }
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub async fn logout(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    check_csrf(&req, &form.csrf)?;
    if let Some(token) = req.cookie(SESSION_COOKIE).map(|c| c.value().to_string()) {
        let pool = state.pool.clone();
        web::block(move || -> Result<_, crate::db::DbError> {
            let mut conn = pool.get()?;
            auth::end_session(&mut conn, &token)
        })
        .await??;
    }
    let mut gone = cookie(SESSION_COOKIE, String::new());
    gone.make_removal();
    Ok(HttpResponse::SeeOther()
        .cookie(gone)
        .insert_header(("Location", "/login"))
        .finish())
}
