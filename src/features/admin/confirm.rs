//! `GET /admin/kiosks/{id}/revoke` and `GET /admin/tokens/{id}/revoke`: the question asked
//! before a revocation. Refused (403) for a kiosk or token outside the admin's unit, as the
//! revocation itself is; a revoked or unknown one has no page (404 for the city's admins).

use crate::features::actor::Actor;
use crate::features::admin::confirm_page::{self as view, Revoking};
use crate::features::admin::routes::load;
use crate::features::admin::service as app;
use crate::web::error::PageError;
use crate::web::extract::Admin;
use crate::web::reader::Reader;
use actix_web::{web, HttpResponse};

/// None found: a city admin is told there is none; an admin of a unit is refused, as for
/// one outside their unit, so that the answer says nothing of what lies beyond it.
fn none_found(r: &Reader<Admin>) -> PageError {
    match r.user.unit {
        Some(_) => PageError::forbidden(),
        None => PageError::not_found(),
    }
}

/// Refuses an admin whose unit does not reach `unit` (`None`: the whole city).
fn within(r: &Reader<Admin>, unit: Option<&str>) -> Result<(), PageError> {
    match Actor::from(&r.user).reaches(&r.state.units, unit) {
        true => Ok(()),
        false => Err(PageError::forbidden()),
    }
}

pub async fn revoke_kiosk(
    r: Reader<Admin>,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let id = id.into_inner();
    let all = load(&r.state, app::kiosks).await?;
    let k = all
        .iter()
        .find(|k| k.kiosk.id == id && k.kiosk.revoked_at.is_none())
        .ok_or_else(|| none_found(&r))?;
    within(&r, Some(&k.kiosk.unit_code))?;
    let asked = Revoking {
        action: format!("/admin/kiosks/{id}/revoke"),
        back: "/admin/kiosks",
        kiosk: true,
        label: &k.kiosk.label,
        place: format!("{} · {}", k.unit_name, k.survey_title),
    };
    Ok(r.page(view::revoke(&r.staff_at("/admin/kiosks"), &asked)))
}

pub async fn revoke_token(
    r: Reader<Admin>,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let id = id.into_inner();
    let all = load(&r.state, app::tokens).await?;
    let t = all
        .iter()
        .find(|t| t.id == id && t.revoked_at.is_none())
        .ok_or_else(|| none_found(&r))?;
    within(&r, t.unit_code.as_deref())?;
    let asked = Revoking {
        action: format!("/admin/tokens/{id}/revoke"),
        back: "/admin/tokens",
        kiosk: false,
        label: &t.label,
        place: token_place(&r, t.role.as_str(), t.unit_code.as_deref()),
    };
    Ok(r.page(view::revoke(&r.staff_at("/admin/tokens"), &asked)))
}

/// Whom a token acts as, and for which unit: "role · unit".
fn token_place(r: &Reader<Admin>, role: &str, unit: Option<&str>) -> String {
    let unit = unit.and_then(|u| r.state.units.get(u));
    format!("{role} · {}", unit.map_or("", |u| u.name.as_str()))
}
