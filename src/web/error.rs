//! Errors of the web layer: API errors render as JSON `{"error", "field"}`, page errors as
//! HTML pages in the reader's language. The application layer's errors convert into both, so handlers use
//! `?`. Database details are logged, never shown.

use crate::db::DbError;
use crate::passwords::PasswordsBusy;
use crate::survey::FieldError;
use crate::text::FieldProblem;
use crate::text::{Lang, Text};
use actix_web::body::BoxBody;
use actix_web::dev::ServiceResponse;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use std::fmt;

/// The one shape of every API failure: what was wrong, and the field it was wrong in (`null`
/// when the failure is not about one field).
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// What was wrong, in words a person can act on.
    pub error: String,
    /// The request field (body or query string) the error is about; `null` if none.
    #[schema(required)]
    pub field: Option<String>,
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    pub field: Option<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
            field: None,
        }
    }

    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: message.into(),
            field: Some(field.into()),
        }
    }

    /// The writer's queue is full: nothing was stored, the client should retry.
    pub fn busy() -> Self {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "the server is busy; nothing was stored, retry in a second",
        )
    }

    pub fn unauthorized() -> Self {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "missing or invalid bearer token (Authorization: Bearer TOKEN)",
        )
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut r = HttpResponse::build(self.status);
        if self.status == StatusCode::UNAUTHORIZED {
            r.insert_header(("WWW-Authenticate", "Bearer"));
        }
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            r.insert_header(("Retry-After", "1"));
        }
        r.json(ErrorBody {
            error: self.message.clone(),
            field: self.field.clone(),
        })
    }
}

impl From<FieldError> for ApiError {
    fn from(e: FieldError) -> Self {
        ApiError::field(e.field, e.message)
    }
}

impl From<DbError> for ApiError {
    fn from(e: DbError) -> Self {
        log::error!("{e}");
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "the database is unavailable; retry later",
        )
    }
}

/// An error shown as a page in the reader's language — or, for a visitor who is not signed
/// in, a redirect to the sign-in page. It carries both languages: errors are made where the
/// reader is not known (`?` on the application layer's errors), and [`in_reader_language`]
/// draws the page in the language of the request it answers.
#[derive(Debug)]
pub struct PageError {
    pub status: StatusCode,
    // Boxed: handlers return it in every `Result`, which stays small.
    pub title: Box<Text>,
    pub message: Box<Text>,
    /// Where to send the browser instead of showing a page.
    pub redirect: Option<String>,
    /// Where the page's "back" link leads (the home page when None).
    pub back: Option<String>,
}

impl PageError {
    /// An error page: title and message as `("Tiếng Việt", "English")` or [`Text`].
    pub fn new(status: StatusCode, title: impl Into<Text>, message: impl Into<Text>) -> Self {
        PageError {
            status,
            title: Box::new(title.into()),
            message: Box::new(message.into()),
            redirect: None,
            back: None,
        }
    }

    /// The same error with a way back to `back` (to correct what was chosen).
    pub fn back_to(self, back: impl Into<String>) -> Self {
        PageError {
            back: Some(back.into()),
            ..self
        }
    }

    /// No such page.
    pub fn no_page() -> Self {
        PageError::new(
            StatusCode::NOT_FOUND,
            ("Không tìm thấy trang", "Page not found"),
            (
                "Địa chỉ này không có trang nào. Xin kiểm tra lại đường dẫn, hoặc về trang chủ.",
                "There is no page at this address. Check the link, or go to the home page.",
            ),
        )
    }

    /// Not signed in (or the session ended): to the sign-in page.
    pub fn sign_in() -> Self {
        PageError {
            redirect: Some("/login".into()),
            ..PageError::new(
                StatusCode::SEE_OTHER,
                ("Xin đăng nhập", "Please sign in"),
                ("", ""),
            )
        }
    }

    pub fn forbidden() -> Self {
        PageError::new(
            StatusCode::FORBIDDEN,
            ("Không có quyền truy cập", "Access denied"),
            (
                "Tài khoản của Ông/Bà không được phép xem trang này. Xin liên hệ quản trị viên nếu cần quyền.",
                "Your account may not see this page. Ask an administrator if you need access.",
            ),
        )
    }

    pub fn busy() -> Self {
        PageError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ("Hệ thống đang bận", "The system is busy"),
            (
                "Xin vui lòng thử lại sau ít phút.",
                "Please try again in a few minutes.",
            ),
        )
    }

    /// A choice the page was asked for (its address or form) cannot be taken: what to put
    /// right, with a way back to `back`.
    pub fn invalid(problem: &FieldProblem, back: impl Into<String>) -> Self {
        PageError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ("Lựa chọn không hợp lệ", "Invalid choice"),
            problem.text.clone(),
        )
        .back_to(back)
    }

    /// A parameter the application layer refused in the API's words (English, naming the
    /// field): the Vietnamese page names the field only.
    pub fn parameter(e: &FieldError) -> Self {
        PageError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ("Tham số không hợp lệ", "Invalid parameter"),
            (
                format!(
                    "Giá trị của “{}” không hợp lệ. Xin quay lại và chọn lại.",
                    e.field
                ),
                e.to_string(),
            ),
        )
    }

    pub fn not_found() -> Self {
        PageError::new(
            StatusCode::NOT_FOUND,
            ("Không tìm thấy trang", "Page not found"),
            (
                "Đường dẫn không đúng hoặc đã bị thu hồi. Xin vui lòng hỏi cán bộ tại quầy.",
                "The address is wrong or was revoked. Please ask the staff at the counter.",
            ),
        )
    }

    /// The page (or the redirect) in `lang`.
    pub fn page(&self, lang: Lang) -> HttpResponse {
        let mut r = HttpResponse::build(self.status);
        if let Some(to) = &self.redirect {
            return r.insert_header(("Location", to.as_str())).finish();
        }
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            r.insert_header(("Retry-After", "1"));
        }
        r.content_type("text/html; charset=utf-8").body(
            crate::ui::errors::error_page_in(
                lang,
                lang.text(&self.title),
                lang.text(&self.message),
                self.back.as_deref(),
            )
            .into_string(),
        )
    }
}

impl fmt::Display for PageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.title.en)
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    /// In Vietnamese, the default: [`in_reader_language`] draws it again for the request.
    fn error_response(&self) -> HttpResponse {
        self.page(Lang::default())
    }
}

/// A response that answers with a [`PageError`], drawn again in the reader's language (which
/// only the request knows); any other response as it is.
pub fn in_reader_language(res: ServiceResponse<BoxBody>, lang: Lang) -> ServiceResponse<BoxBody> {
    if lang == Lang::default() {
        return res;
    }
    let page = res
        .response()
        .error()
        .and_then(|e| e.as_error::<PageError>())
        .map(|e| e.page(lang));
    match page {
        Some(page) => res.into_response(page),
        None => res,
    }
}

impl From<DbError> for PageError {
    fn from(e: DbError) -> Self {
        log::error!("{e}");
        PageError::busy()
    }
}

impl From<PasswordsBusy> for PageError {
    fn from(_: PasswordsBusy) -> Self {
        PageError::busy()
    }
}
