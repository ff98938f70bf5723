//! Sign-in with a session cookie; forms carry a CSRF token that must match a cookie
//! (double submit), so another site cannot post on a signed-in user's behalf.

use super::extract::{cookie, Csrf, CsrfForm, WithCsrf, SESSION_COOKIE};
use crate::app::sign_in::{self, SignIn};
use crate::error::PageError;
use crate::state::AppState;
use crate::views;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

pub async fn login_page(csrf: Csrf) -> HttpResponse {
    csrf.page(StatusCode::OK, views::login::login(&csrf.token, None, ""))
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

impl WithCsrf for LoginForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

pub async fn login(
    state: web::Data<AppState>,
    csrf: Csrf,
    CsrfForm(form): CsrfForm<LoginForm>,
) -> Result<HttpResponse, PageError> {
    let again = |status: StatusCode, msg: &str| {
        csrf.page(
            status,
            views::login::login(&csrf.token, Some(msg), &form.username),
        )
    };
    Ok(
        match sign_in::sign_in(&state, &form.username, &form.password).await? {
            SignIn::Opened(session) => HttpResponse::SeeOther()
                .cookie(cookie(SESSION_COOKIE, session.token))
                .insert_header(("Location", "/"))
                .finish(),
            SignIn::Refused => again(
                StatusCode::UNAUTHORIZED,
                "Tên đăng nhập hoặc mật khẩu không đúng.",
            ),
            SignIn::Throttled => again(
                StatusCode::TOO_MANY_REQUESTS,
                "Đăng nhập sai quá nhiều lần. Xin thử lại sau 15 phút.",
            ),
        },
    )
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

impl WithCsrf for CsrfOnly {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

pub async fn logout(
    state: web::Data<AppState>,
    req: HttpRequest,
    _: CsrfForm<CsrfOnly>,
) -> Result<HttpResponse, PageError> {
    if let Some(token) = req.cookie(SESSION_COOKIE).map(|c| c.value().to_string()) {
        sign_in::sign_out(&state, token).await?;
    }
    let mut gone = cookie(SESSION_COOKIE, String::new());
    gone.make_removal();
    Ok(HttpResponse::SeeOther()
        .cookie(gone)
        .insert_header(("Location", "/login"))
        .finish())
}
