//! Survey staff's routes for paper forms, one module a job: batches, keying, disputes,
//! corrections, keyer statistics and the printable form. Each handler parses, runs one use
//! case of the service and renders its page.

pub mod batches;
pub mod corrections;
pub mod disputes;
pub mod keyers;
pub mod keying;
pub mod print;

use crate::features::paper::service::PaperError;
use crate::state::AppState;
use crate::survey::Survey;
use crate::web::error::PageError;
use crate::web::extract::WithCsrf;
use actix_web::http::StatusCode;
use serde::Deserialize;
use std::collections::BTreeMap;

/// Who is at the desk: the reader of the paper forms' pages.
pub type Reader<R> = crate::web::reader::Reader<R>;

/// The survey a page is of.
pub fn survey<'a>(state: &'a AppState, id: &str) -> Result<&'a Survey, PageError> {
    state.catalog.get(id).ok_or_else(PageError::not_found)
}

/// Back to `to`, saying what the change did (redirect-after-POST).
pub fn done<R: crate::web::extract::MinRole>(
    desk: &Reader<R>,
    to: &str,
    said: &crate::ui::notice::Notice,
) -> actix_web::HttpResponse {
    crate::web::flash::redirect(&desk.state.forms_key, to, said)
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
