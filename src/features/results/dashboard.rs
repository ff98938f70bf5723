//! The scores page: an index tree with its intervals, for signed-in staff and leaders.

use crate::features::results::scores_page::{scores, ScoresPage};
use crate::features::results::service::{self, ScoresView};
use crate::state::AppState;
use crate::ui::staff::Staff;
use crate::web::error::PageError;
use crate::web::reader::Reader;
use crate::web::slice::{Fill, Slice};
use actix_web::HttpResponse;

pub async fn scores_page(reader: Reader, slice: Slice) -> Result<HttpResponse, PageError> {
    let scope = reader.user.unit.clone();
    let fill = Fill::page(service::first_survey(&reader.state, None));
    let q = slice.for_page(scope.as_deref(), fill, "/scores")?;
    let v = reader
        .state
        .run(move |st| service::scores_view(st, q, scope.as_deref()))
        .await?;
    let page = scores(&page_of(&reader.state, reader.staff(), &v)?);
    Ok(reader.page(page))
}

fn page_of<'a>(
    state: &'a AppState,
    staff: Staff<'a>,
    v: &'a ScoresView,
) -> Result<ScoresPage<'a>, PageError> {
    let (q, units) = (&v.q, &state.units);
    let unit = q.unit.as_deref().unwrap_or("");
    Ok(ScoresPage {
        staff,
        plan: state.plan.as_ref().as_ref(),
        surveys: state.catalog.surveys.values().collect(),
        units: &v.units,
        sets: &units.sets,
        map: q.map.as_deref().unwrap_or(""),
        merged: units.merged_baselines_on(q.map.as_deref()),
        survey: crate::features::results::respond::survey_page_of(state, &q.survey)?,
        period: q.period,
        unit,
        // Below the city, a unit answers for the SIPAS service at its counter.
        unit_owner: units
            .get(unit)
            .and_then(|u| u.parent.as_ref().map(|_| u.name.as_str())),
        from: q.from.as_deref().unwrap_or(""),
        to: q.to.as_deref().unwrap_or(""),
        scores: &v.scores,
        min_cell: state.settings.min_cell,
    })
}
