//! The audit trail's page.

use crate::features::audit::page;
use crate::features::audit::service::{self, Asked, AuditError};
use crate::features::paper::page::Staff;
use crate::state::AppState;
use crate::text::Lang;
use crate::web::error::PageError;
use crate::web::extract::{here, Csrf, SignedIn, Supervisor};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

pub async fn audit_trail(
    state: web::Data<AppState>,
    SignedIn { user, .. }: SignedIn<Supervisor>,
    csrf: Csrf,
    lang: Lang,
    req: HttpRequest,
    q: web::Query<Asked>,
) -> Result<HttpResponse, PageError> {
    let viewer = user.clone();
    let trail = state
        .run(move |st| service::trail(st, &viewer, q.into_inner()))
        .await?;
    let (role, here) = (user.role.to_string(), here(&req));
    let staff = Staff {
        username: &user.username,
        role: &role,
        csrf: &csrf.token,
        lang,
        here: &here,
    };
    Ok(csrf.page(StatusCode::OK, page::audit(&staff, &trail)))
}

impl From<AuditError> for PageError {
    fn from(e: AuditError) -> Self {
        match e {
            AuditError::Users => PageError::busy(),
            AuditError::Db(e) => e.into(),
        }
    }
}
