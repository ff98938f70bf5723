//! The audit trail's page.

use crate::features::audit::page;
use crate::features::audit::service::{self, Asked, AuditError};
use crate::web::error::PageError;
use crate::web::extract::Supervisor;
use crate::web::reader::Reader;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};

pub async fn audit_trail(
    desk: Reader<Supervisor>,
    q: web::Query<Asked>,
) -> Result<HttpResponse, PageError> {
    let asked = q.into_inner();
    let trail = desk.run(|st, u| service::trail(st, u, asked)).await?;
    let page = page::audit(&desk.staff_at(&desk.here), &trail);
    Ok(desk.page_with(StatusCode::OK, page))
}

impl From<AuditError> for PageError {
    fn from(e: AuditError) -> Self {
        match e {
            AuditError::Users => PageError::busy(),
            AuditError::Db(e) => e.into(),
        }
    }
}
