//! Errors of the web layer: API errors render as JSON `{"error", "field"}`, page errors as
//! Vietnamese HTML pages. The application layer's errors convert into both, so handlers use
//! `?`. Database details are logged, never shown.

use crate::app::export::ExportError;
use crate::app::paper::PaperError;
use crate::app::sign_in::SignInError;
use crate::app::{ReportError, SubmitError};
use crate::db::DbError;
use crate::passwords::PasswordsBusy;
use crate::survey::FieldError;
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

/// An error shown as a page, in Vietnamese — or, for a visitor who is not signed in, a
/// redirect to the sign-in page.
#[derive(Debug)]
pub struct PageError {
    pub status: StatusCode,
    pub title: String,
    pub message: String,
    /// Where to send the browser instead of showing a page.
    pub redirect: Option<String>,
    /// The page's language, and where its "back" link leads (the home page when None).
    pub lang: crate::views::i18n::Lang,
    pub back: Option<String>,
}

impl PageError {
    pub fn new(status: StatusCode, title: impl Into<String>, message: impl Into<String>) -> Self {
        PageError {
            status,
            title: title.into(),
            message: message.into(),
            redirect: None,
            lang: crate::views::i18n::Lang::Vi,
            back: None,
        }
    }

    /// An error in the reader's language, with a way back.
    pub fn in_lang(
        lang: crate::views::i18n::Lang,
        status: StatusCode,
        title: (&str, &str),
        message: String,
        back: impl Into<String>,
    ) -> Self {
        PageError {
            lang,
            back: Some(back.into()),
            ..PageError::new(status, lang.pick(title.0, title.1), message)
        }
    }

    /// No such page, in the reader's language.
    pub fn no_page(lang: crate::views::i18n::Lang) -> Self {
        PageError {
            lang,
            ..PageError::new(
                StatusCode::NOT_FOUND,
                lang.pick("Không tìm thấy trang", "Page not found"),
                lang.pick(
                    "Địa chỉ này không có trang nào. Xin kiểm tra lại đường dẫn, hoặc về trang chủ.",
                    "There is no page at this address. Check the link, or go to the home page.",
                ),
            )
        }
    }

    /// Not signed in (or the session ended): to the sign-in page.
    pub fn sign_in() -> Self {
        PageError {
            redirect: Some("/login".into()),
            ..PageError::new(StatusCode::SEE_OTHER, "Xin đăng nhập", "")
        }
    }

    pub fn forbidden() -> Self {
        PageError::new(
            StatusCode::FORBIDDEN,
            "Không có quyền truy cập",
            "Tài khoản của Ông/Bà không được phép xem trang này. Xin liên hệ quản trị viên nếu cần quyền.",
        )
    }

    pub fn busy() -> Self {
        PageError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "Hệ thống đang bận",
            "Xin vui lòng thử lại sau ít phút.",
        )
    }

    /// A parameter of the page's address was wrong.
    pub fn invalid(e: &FieldError) -> Self {
        PageError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Tham số không hợp lệ",
            e.to_string(),
        )
    }

    pub fn not_found() -> Self {
        PageError::new(
            StatusCode::NOT_FOUND,
            "Không tìm thấy trang",
            "Đường dẫn không đúng hoặc đã bị thu hồi. Xin vui lòng hỏi cán bộ tại quầy.",
        )
    }
}

impl fmt::Display for PageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.title)
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut r = HttpResponse::build(self.status);
        if let Some(to) = &self.redirect {
            return r.insert_header(("Location", to.as_str())).finish();
        }
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            r.insert_header(("Retry-After", "1"));
        }
        r.content_type("text/html; charset=utf-8").body(
            crate::views::errors::error_page_in(
                self.lang,
                &self.title,
                &self.message,
                self.back.as_deref(),
            )
            .into_string(),
        )
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

impl From<SignInError> for PageError {
    fn from(e: SignInError) -> Self {
        match e {
            SignInError::Db(e) => e.into(),
            SignInError::Busy(e) => e.into(),
        }
    }
}

impl From<SubmitError> for PageError {
    fn from(e: SubmitError) -> Self {
        match e {
            SubmitError::Invalid(e) => PageError::invalid(&e),
            SubmitError::Db(e) => e.into(),
            SubmitError::Busy => PageError::busy(),
        }
    }
}

impl From<ReportError> for PageError {
    fn from(e: ReportError) -> Self {
        match e {
            ReportError::Invalid(e) => PageError::invalid(&e),
            ReportError::Db(e) => e.into(),
            ReportError::NoParTree => PageError::not_found(),
        }
    }
}

impl From<PaperError> for PageError {
    fn from(e: PaperError) -> Self {
        match e {
            PaperError::Keys(_) | PaperError::Invalid(_) => PageError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Chưa lưu được",
                format!("{e}. Xin quay lại trang trước, sửa rồi gửi lại."),
            ),
            PaperError::Refused(m) => PageError::new(
                StatusCode::CONFLICT,
                "Không thực hiện được",
                format!("{m}."),
            ),
            PaperError::OutOfScope(m) => PageError::new(
                StatusCode::FORBIDDEN,
                "Không được phép",
                format!("{m}. Xin quay lại danh sách lô phiếu."),
            ),
            PaperError::NotFound => PageError::new(
                StatusCode::NOT_FOUND,
                "Không tìm thấy",
                "Lô phiếu hoặc phiếu này không có (có thể đã bị xoá). Xin quay lại danh sách lô phiếu.",
            ),
            PaperError::Db(e) => e.into(),
        }
    }
}

impl From<SubmitError> for ApiError {
    fn from(e: SubmitError) -> Self {
        match e {
            SubmitError::Invalid(e) => e.into(),
            SubmitError::Db(e) => e.into(),
            SubmitError::Busy => ApiError::busy(),
        }
    }
}

impl From<ReportError> for ApiError {
    fn from(e: ReportError) -> Self {
        match e {
            ReportError::Invalid(e) => e.into(),
            ReportError::Db(e) => e.into(),
            ReportError::NoParTree => ApiError::new(StatusCode::NOT_FOUND, e.to_string()),
        }
    }
}

impl From<ExportError> for ApiError {
    fn from(e: ExportError) -> Self {
        match e {
            ExportError::Invalid(e) => e.into(),
            ExportError::OutOfScope(m) => ApiError {
                status: StatusCode::FORBIDDEN,
                message: m,
                field: Some("unit".into()),
            },
            ExportError::Db(e) => e.into(),
            ExportError::Write(_) | ExportError::Xlsx(_) => {
                log::error!("{e}");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "the export could not be written; retry later",
                )
            }
        }
    }
}
