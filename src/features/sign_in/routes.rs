//! Sign-in with a session cookie; forms carry a CSRF token the server issues, bound to the
//! session (before sign-in, to a pre-session id), so another site cannot post on a user's
//! behalf and a token picked by the browser is refused.

use crate::features::sign_in::page::login as login_view;
use crate::features::sign_in::service::SignInError;
use crate::features::sign_in::service::{self as sign_in, Session, SignIn};
use crate::limits::sign_in::{PER_NAME_BURST, PER_NAME_EVERY};
use crate::state::AppState;
use crate::text::{Lang, Text};
use crate::web::error::PageError;
use crate::web::extract::{
    client_address, cookie, removal, Csrf, CsrfForm, CSRF_COOKIE, SESSION_COOKIE,
};
use crate::with_csrf;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

pub async fn login_page(csrf: Csrf, lang: Lang) -> HttpResponse {
    csrf.page(StatusCode::OK, login_view(lang, &csrf.token, None, ""))
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

pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    csrf: Csrf,
    lang: Lang,
    CsrfForm(form): CsrfForm<LoginForm>,
) -> Result<HttpResponse, PageError> {
    let address = client_address(&req);
    let (status, said) =
        match sign_in::sign_in(&state, address, &form.username, &form.password).await? {
            SignIn::Opened(session) => return Ok(opened(session)),
            SignIn::Refused => (StatusCode::UNAUTHORIZED, Text::new(REFUSED.0, REFUSED.1)),
            SignIn::Throttled => (StatusCode::TOO_MANY_REQUESTS, throttled()),
        };
    let again = login_view(lang, &csrf.token, Some(lang.text(&said)), &form.username);
    Ok(csrf.page(status, again))
}

/// Signed in: to the home page with the session's cookie. The pre-session id is dropped: from
/// now on forms are bound to the session.
fn opened(session: Session) -> HttpResponse {
    HttpResponse::SeeOther()
        .cookie(cookie(SESSION_COOKIE, session.token))
        .cookie(removal(CSRF_COOKIE))
        .insert_header(("Location", "/"))
        .finish()
}

const REFUSED: (&str, &str) = (
    "Tên đăng nhập hoặc mật khẩu không đúng.",
    "Wrong user name or password.",
);
/// Too many tries: what the limits do, in their own numbers. After the burst one more try comes
/// every [`PER_NAME_EVERY`] (the address's own limit refills faster), so that is the wait.
fn throttled() -> Text {
    let (burst, every) = (PER_NAME_BURST, PER_NAME_EVERY.as_secs());
    let full = u64::from(burst) * every / 60;
    Text::new(
        format!("Đã thử đăng nhập quá nhiều lần từ máy này. Xin đợi {every} giây rồi thử lại: sau {burst} lần, mỗi {every} giây được thử thêm một lần; không thử trong {full} phút thì lại được {burst} lần."),
        format!("Too many sign-in tries from this device. Wait {every} seconds and try again: after {burst} tries, one more is allowed every {every} seconds; after {full} minutes without a try, {burst} again."),
    )
}

#[derive(Deserialize)]
/// The sign-out button: its CSRF token only.
pub struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

with_csrf!(LoginForm, CsrfOnly);

pub async fn logout(
    state: web::Data<AppState>,
    req: HttpRequest,
    _: CsrfForm<CsrfOnly>,
) -> Result<HttpResponse, PageError> {
    if let Some(token) = req.cookie(SESSION_COOKIE).map(|c| c.value().to_string()) {
        sign_in::sign_out(&state, token).await?;
    }
    Ok(HttpResponse::SeeOther()
        .cookie(removal(SESSION_COOKIE))
        .insert_header(("Location", "/login"))
        .finish())
}

impl From<SignInError> for PageError {
    fn from(e: SignInError) -> Self {
        match e {
            SignInError::Db(e) => e.into(),
            SignInError::Busy(e) => e.into(),
        }
    }
}
