//! Survey staff's routes for paper forms, one module a job: batches, keying, disputes,
//! corrections, keyer statistics and the printable form. Each handler parses, runs one use
//! case of the service and renders its page.

pub mod batches;
pub mod corrections;
pub mod disputes;
pub mod keyers;
pub mod keying;
pub mod print;

use crate::db::auth::User;
use crate::db::DbError;
use crate::features::paper::page::Staff;
use crate::features::paper::service::PaperError;
use crate::state::AppState;
use crate::survey::Survey;
use crate::text::Lang;
use crate::web::error::PageError;
use crate::web::extract::{here, Csrf, MinRole, SignedIn, WithCsrf};
use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;

/// Who is at the desk: a signed-in user of at least role `R`, with the state, the page's
/// CSRF token and language, and the address asked for. Taken in the order handlers took them
/// one by one, so a refusal is the same as before.
pub struct Desk<R: MinRole> {
    pub state: web::Data<AppState>,
    pub user: User,
    pub lang: Lang,
    csrf: Csrf,
    role: String,
    here: String,
    min: PhantomData<R>,
}

impl<R: MinRole + 'static> FromRequest for Desk<R> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let state = web::Data::<AppState>::from_request(req, payload);
        let signed_in = SignedIn::<R>::from_request(req, payload);
        let csrf = Csrf::from_request(req, payload);
        let lang = Lang::from_request(req, payload);
        let here = here(req);
        Box::pin(async move {
            let state = state.await?;
            let SignedIn { user, .. } = signed_in.await?;
            let (csrf, lang) = (csrf.await?, lang.await?);
            Ok(Desk {
                state,
                role: user.role.to_string(),
                user,
                lang,
                csrf,
                here,
                min: PhantomData,
            })
        })
    }
}

impl<R: MinRole> Desk<R> {
    /// The page's top bar and phrases, with `here` as the page's own address (for the
    /// language switch).
    pub fn staff<'a>(&'a self, here: &'a str) -> Staff<'a> {
        Staff {
            username: &self.user.username,
            role: &self.role,
            csrf: &self.csrf.token,
            lang: self.lang,
            here,
        }
    }

    /// The address asked for, with its query.
    pub fn here(&self) -> &str {
        &self.here
    }

    pub fn page(&self, status: StatusCode, body: maud::Markup) -> HttpResponse {
        self.csrf.page(status, body)
    }

    /// Runs a use case of the service for this user, off the async threads.
    pub async fn run<T, E>(
        &self,
        work: impl FnOnce(&AppState, &User) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let user = self.user.clone();
        self.state.run(move |st| work(st, &user)).await
    }

    /// The survey a page is of.
    pub fn survey(&self, id: &str) -> Result<&Survey, PageError> {
        self.state.catalog.get(id).ok_or_else(PageError::not_found)
    }
}

fn see_other(to: String) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", to))
        .finish()
}

/// A posted form whose fields are the paper's: names are only known from the definition.
#[derive(Deserialize)]
#[serde(transparent)]
pub struct AnyForm(BTreeMap<String, String>);

impl WithCsrf for AnyForm {
    fn csrf(&self) -> &str {
        self.0.get("csrf").map_or("", String::as_str)
    }
}

impl AnyForm {
    /// The named fields (empty where missing), and the rest: what was keyed from the paper.
    fn take<const N: usize>(mut self, names: [&str; N]) -> ([String; N], BTreeMap<String, String>) {
        self.0.remove("csrf");
        let taken = names.map(|n| self.0.remove(n).unwrap_or_default());
        (taken, self.0)
    }
}

impl From<PaperError> for PageError {
    fn from(e: PaperError) -> Self {
        let to_correct = e.to_correct();
        match e {
            PaperError::Keys(_) | PaperError::Invalid(_) => PageError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                ("Chưa lưu được", "Not saved"),
                to_correct.unwrap_or_default().map_each(
                    |m| format!("{m}. Xin quay lại trang trước, sửa rồi gửi lại."),
                    |m| format!("{m}. Go back to the previous page, correct it and send it again."),
                ),
            ),
            PaperError::Refused(m) => PageError::new(
                StatusCode::CONFLICT,
                ("Không thực hiện được", "Not done"),
                m.map(|m| format!("{m}.")),
            ),
            PaperError::OutOfScope(m) => PageError::new(
                StatusCode::FORBIDDEN,
                ("Không được phép", "Not allowed"),
                m.map_each(
                    |m| format!("{m}. Xin quay lại danh sách lô phiếu."),
                    |m| format!("{m}. Go back to the list of batches."),
                ),
            ),
            PaperError::NotFound => PageError::new(
                StatusCode::NOT_FOUND,
                ("Không tìm thấy", "Not found"),
                (
                    "Lô phiếu hoặc phiếu này không có (có thể đã bị xoá). Xin quay lại danh sách lô phiếu.",
                    "There is no such batch or form (it may have been deleted). Go back to the list of batches.",
                ),
            ),
            PaperError::Db(e) => e.into(),
        }
    }
}
