//! The plumbing of a public form page (the kiosk, a slip code, a campaign's link): reading
//! what was posted, and answering with a page no cache keeps.

use crate::db::DbError;
use crate::features::api::body::read_body;
use crate::state::AppState;
use crate::web::error::PageError;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use std::collections::HashMap;

/// A public page: never cached, since it holds a person's answers or a ticket's state.
pub fn html(status: StatusCode, body: maud::Markup) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .body(body.into_string())
}

/// The fields of a posted form, in order.
pub struct Posted(pub Vec<(String, String)>);

impl Posted {
    /// Reads a posted form; one that cannot be read records nothing.
    pub async fn read(payload: web::Payload) -> Result<Posted, PageError> {
        let body = read_body(payload).await.map_err(|e| unreadable(e.status))?;
        serde_urlencoded::from_bytes(&body)
            .map(Posted)
            .map_err(|_| unreadable(StatusCode::BAD_REQUEST))
    }

    /// The first value of a field.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The answers given so far (`a:CODE`) and the background answers (`b:CODE`).
    pub fn chosen(&self) -> HashMap<String, String> {
        self.0
            .iter()
            .filter(|(k, _)| k.starts_with("a:") || k.starts_with("b:"))
            .cloned()
            .collect()
    }
}

/// A citizen's form that could not be read (`status` from reading it): nothing was recorded.
pub fn unreadable(status: StatusCode) -> PageError {
    let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
        (
            "Phiếu gửi lên quá lớn; chưa có gì được ghi nhận.",
            "What was sent is too large; nothing was recorded.",
        )
    } else {
        (
            "Dữ liệu gửi lên không đọc được; chưa có gì được ghi nhận.",
            "What was sent could not be read; nothing was recorded.",
        )
    };
    PageError::new(
        status,
        ("Phiếu không hợp lệ", "The form is not valid"),
        message,
    )
}

/// Runs a public page's service for the ticket its address names (a kiosk's token, a slip's
/// code, a campaign's link), off the async threads.
pub async fn for_ticket<T, E>(
    state: &AppState,
    ticket: &str,
    work: fn(&AppState, &str) -> Result<T, E>,
) -> Result<T, E>
where
    T: Send + 'static,
    E: From<DbError> + Send + 'static,
{
    let ticket = ticket.to_string();
    state.run(move |st| work(st, &ticket)).await
}
