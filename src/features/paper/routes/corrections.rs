//! Correcting a counted form: the form with its stored values, and saving the correction.

use super::{see_other, AnyForm, Desk};
use crate::features::paper::page as view;
use crate::features::paper::service::{corrections as service, DATE};
use crate::survey::paper::{KeyError, Keyed};
use crate::web::error::PageError;
use crate::web::extract::{CsrfForm, Supervisor};
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};

/// What a posted correction held, shown again with what was wrong with it.
#[derive(Clone)]
struct Posted {
    keys: Keyed,
    date: String,
    reason: String,
    errors: Vec<KeyError>,
}

async fn page(
    desk: &Desk<Supervisor>,
    form_id: String,
    status: StatusCode,
    posted: Option<Posted>,
) -> Result<HttpResponse, PageError> {
    let here = format!("/entry/forms/{form_id}/correct");
    let c = desk
        .run(move |st, u| service::correction(st, u, &form_id))
        .await?;
    let shown = posted.unwrap_or_else(|| Posted {
        keys: c.keys.clone(),
        date: c.date.clone(),
        reason: String::new(),
        errors: Vec::new(),
    });
    let page = view::correction(&view::CorrectionPage {
        staff: desk.staff(&here),
        correction: &c,
        date: &shown.date,
        keys: &shown.keys,
        reason: &shown.reason,
        errors: &shown.errors,
    });
    Ok(desk.page(status, page))
}

pub async fn show(
    desk: Desk<Supervisor>,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    page(&desk, id.into_inner(), StatusCode::OK, None).await
}

pub async fn correct(
    desk: Desk<Supervisor>,
    id: web::Path<String>,
    CsrfForm(form): CsrfForm<AnyForm>,
) -> Result<HttpResponse, PageError> {
    let ([date, reason], keys) = form.take([DATE, "reason"]);
    let mut posted = Posted {
        keys,
        date,
        reason,
        errors: Vec::new(),
    };
    let (id, asked) = (id.into_inner(), posted.clone());
    let form_id = id.clone();
    let corrected = desk
        .run(move |st, u| {
            service::correct(st, u, &form_id, &asked.date, &asked.keys, &asked.reason)
        })
        .await;
    posted.errors = match corrected {
        Ok(f) => {
            let to = f
                .batch_id
                .map_or("/entry".into(), |b| format!("/entry/batches/{b}"));
            return Ok(see_other(to));
        }
        Err(e) => e.into_marks("")?,
    };
    page(&desk, id, StatusCode::UNPROCESSABLE_ENTITY, Some(posted)).await
}
