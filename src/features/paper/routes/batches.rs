//! The batches page, a new batch, and one batch's forms.

use super::done;
use crate::features::paper::page as view;
use crate::features::paper::said;
use crate::features::paper::service::{batches as service, NewBatch, PaperError};
use crate::text::Lang;
use crate::web::error::PageError;
use crate::web::extract::{CsrfForm, Supervisor, Surveyor, WithCsrf};
use crate::web::reader::Reader;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;

pub async fn list(desk: Reader<Surveyor>) -> Result<HttpResponse, PageError> {
    page(&desk, StatusCode::OK, None).await
}

async fn page<R: crate::web::extract::MinRole>(
    desk: &Reader<R>,
    status: StatusCode,
    error: Option<&str>,
) -> Result<HttpResponse, PageError> {
    let overview = desk.run(service::overview).await?;
    let page = view::batches(&view::BatchesPage {
        staff: desk.staff_at("/entry"),
        surveys: desk.state.catalog.surveys.values().collect(),
        overview: &overview,
        error,
        said: desk.notice.as_ref(),
    });
    Ok(desk.page_with(status, page))
}

#[derive(Deserialize)]
pub struct BatchForm {
    csrf: String,
    survey: String,
    unit: String,
    period: String,
    expected: String,
    #[serde(default)]
    label: String,
}

impl WithCsrf for BatchForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

impl BatchForm {
    /// The batch asked for, when its numbers read as numbers.
    fn new_batch(self) -> Option<NewBatch> {
        let number = |s: &str| s.trim().parse::<i32>().ok();
        Some(NewBatch {
            period: number(&self.period)?,
            expected: number(&self.expected)?,
            survey: self.survey,
            unit: self.unit,
            label: self.label,
        })
    }
}

pub async fn create(
    desk: Reader<Supervisor>,
    CsrfForm(f): CsrfForm<BatchForm>,
) -> Result<HttpResponse, PageError> {
    let Some(new) = f.new_batch() else {
        let error = not_numbers(desk.lang);
        return page(&desk, StatusCode::UNPROCESSABLE_ENTITY, Some(error)).await;
    };
    let error = match desk.run(|st, u| service::create_batch(st, u, new)).await {
        Ok(b) => {
            let to = format!("/entry/batches/{}", b.id);
            return Ok(done(&desk, &to, &said::batch_created(&b)));
        }
        Err(e) => not_created(desk.lang, e)?,
    };
    page(&desk, StatusCode::UNPROCESSABLE_ENTITY, Some(&error)).await
}

fn not_numbers(l: Lang) -> &'static str {
    l.pick(
        "Năm và số phiếu phải là số.",
        "The year and the number of forms must be numbers.",
    )
}

/// Why the batch was not created, when it is for the supervisor to put right.
fn not_created(l: Lang, e: PaperError) -> Result<String, PageError> {
    match e {
        PaperError::Invalid(e) => Ok(format!(
            "{} {}.",
            l.pick("Chưa tạo được lô phiếu:", "The batch was not created:"),
            l.text(&e.text)
        )),
        e => Err(e.into()),
    }
}

pub async fn show(
    desk: Reader<Surveyor>,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let id = id.into_inner();
    let asked = id.clone();
    let (progress, forms) = desk.run(move |st, u| service::batch(st, u, &asked)).await?;
    let survey = super::survey(&desk.state, &progress.batch.survey_id)?;
    let here = format!("/entry/batches/{id}");
    let page = view::batch(
        &desk.staff_at(&here),
        desk.notice.as_ref(),
        &progress,
        &forms,
        survey,
    );
    Ok(desk.page_with(StatusCode::OK, page))
}
