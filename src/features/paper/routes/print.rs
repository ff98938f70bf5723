//! The paper form, printed from the definition.

use crate::features::paper::print_page as view;
use crate::state::AppState;
use crate::survey::paper::layout;
use crate::text::Lang;
use crate::web::error::PageError;
use crate::web::extract::{here, Csrf, SignedIn};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

pub async fn form(
    state: web::Data<AppState>,
    _: SignedIn,
    csrf: Csrf,
    lang: Lang,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let survey = state.catalog.get(&id).ok_or_else(PageError::not_found)?;
    Ok(csrf.page(
        StatusCode::OK,
        view::paper_form(lang, &here(&req), survey, &layout(survey)),
    ))
}
