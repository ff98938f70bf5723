//! The plumbing of a public form page (the kiosk, a slip code, a campaign's link): reading
//! what was posted, and answering with a page no cache keeps.

use crate::db::DbError;
use crate::features::answer_once::service::{answers_of, posted_answers};
use crate::features::api::body::read_body;
use crate::state::AppState;
use crate::survey::RawSubmission;
use crate::text::Lang;
use crate::web::error::PageError;
use crate::web::extract::lang_of;
use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use std::collections::HashMap;
use std::future::{ready, Ready};

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

    /// The id the form's page gave the answer (empty when none was sent).
    pub fn submission_id(&self) -> &str {
        self.get("submission_id").unwrap_or("")
    }

    /// The answer posted, under its submission id, as the channel's service takes it.
    pub fn submission(&self) -> RawSubmission {
        let (answers, background) = answers_of(&self.chosen());
        posted_answers(self.submission_id(), answers, background)
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

/// Someone at a public form: the ticket its address names (a kiosk's token, a slip's code, a
/// campaign's link), their language, and the state the form's service runs on.
pub struct Visit {
    pub state: web::Data<AppState>,
    pub lang: Lang,
    pub ticket: String,
}

impl FromRequest for Visit {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, actix_web::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        // Taken in the order handlers took them one by one, so a refusal is the same.
        let state = web::Data::<AppState>::from_request(req, payload).into_inner();
        let lang = lang_of(req);
        let ticket = web::Path::<String>::from_request(req, payload).into_inner();
        ready(state.and_then(|state| {
            Ok(Visit {
                state,
                lang,
                ticket: ticket?.into_inner(),
            })
        }))
    }
}

impl Visit {
    /// Runs the form's service for the ticket, off the async threads.
    pub async fn open<T, E>(&self, work: fn(&AppState, &str) -> Result<T, E>) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let ticket = self.ticket.clone();
        self.state.run(move |st| work(st, &ticket)).await
    }
}
