//! What the campaign handlers answer with: the list page, a campaign's page (after a change:
//! a redirect to it saying what was done, or the page again with what was wrong), the sheet
//! of links, CSV downloads.

use crate::features::actor::Actor;
use crate::features::campaigns::page as view;
use crate::features::campaigns::service::{
    self as app, CampaignError, Heading, IssuedLink, RowError,
};
use crate::state::AppState;
use crate::text::Text;
use crate::ui::notice::Notice;
use crate::web::error::PageError;
use crate::web::extract::MinRole;
use crate::web::flash;
use crate::web::reader::Reader;
use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use std::future::Future;
use std::pin::Pin;

pub(super) use crate::web::respond::see_other;

fn unit_name(state: &AppState) -> impl Fn(&str) -> String + '_ {
    |code| {
        state
            .units
            .get(code)
            .map_or(code.to_string(), |u| u.name.clone())
    }
}

/// What the campaign page shows besides the campaign (and the notice a change carried to it).
#[derive(Default)]
pub(super) struct Shown<'a> {
    pub(super) error: Option<&'a str>,
    pub(super) rows: &'a [RowError],
    pub(super) list_text: &'a str,
}

/// A reader of the campaign pages who spans the city: a campaign covers every unit, so a
/// user limited to one neither sees nor runs campaigns. Checked as the request is read,
/// before anything else is (an upload included); the service refuses every change again.
pub struct Citywide<R: MinRole>(Reader<R>);

impl<R: MinRole + 'static> FromRequest for Citywide<R> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let reader = Reader::<R>::from_request(req, payload);
        Box::pin(async move {
            let reader = reader.await?;
            app::citywide(&reader.user).map_err(PageError::from)?;
            Ok(Citywide(reader))
        })
    }
}

impl<R: MinRole> std::ops::Deref for Citywide<R> {
    type Target = Reader<R>;

    fn deref(&self) -> &Reader<R> {
        &self.0
    }
}

impl<R: MinRole> Citywide<R> {
    /// The list of campaigns, with the form to create one.
    pub(super) async fn list(
        &self,
        status: StatusCode,
        error: Option<&str>,
    ) -> Result<HttpResponse, PageError> {
        let (state, lang) = (&self.state, self.lang);
        let campaigns = state.run(app::list).await?;
        let titles = |id: &str| {
            state
                .catalog
                .get(id)
                .map_or(id.to_string(), |s| s.title_in(lang).to_string())
        };
        let page = view::list(&view::ListPage {
            staff: self.staff_at("/campaigns"),
            campaigns: &campaigns,
            surveys: state
                .catalog
                .surveys
                .values()
                .filter(|s| !s.groups.is_empty())
                .collect(),
            period: state.clock.year(),
            error,
            survey_title: &titles,
        });
        Ok(self.page_with(status, page))
    }

    /// One campaign: its people, its progress, and what an admin may do with it.
    pub(super) async fn campaign(
        &self,
        id: String,
        status: StatusCode,
        shown: Shown<'_>,
    ) -> Result<HttpResponse, PageError> {
        let state = &self.state;
        let here = format!("/campaigns/{id}");
        let o = state.run(move |s| app::overview(s, &id)).await?;
        let survey = state
            .catalog
            .get(&o.campaign.survey_id)
            .ok_or_else(PageError::not_found)?;
        // Every unit of today: the reader spans the city.
        let units = Actor::from(&self.user).units_today(&state.units, state.clock.today());
        let names = unit_name(state);
        let page = view::campaign(&view::CampaignPage {
            staff: self.staff_at(&here),
            campaign: &o.campaign,
            survey,
            people: &o.people,
            tracking: &o.tracking,
            units: &units,
            unit_name: &names,
            notice: self.notice.as_ref(),
            error: shown.error,
            row_errors: shown.rows,
            list_text: shown.list_text,
            reopen_until: o.reopen_until.as_deref(),
        });
        Ok(self.page_with(status, page))
    }

    /// Before a change that cannot be undone: what it will do, and the button that does it.
    pub(super) async fn confirm(
        &self,
        id: String,
        what: super::confirm_page::Confirm,
    ) -> Result<HttpResponse, PageError> {
        let o = self.state.run(move |s| app::overview(s, &id)).await?;
        let reopening = what == super::confirm_page::Confirm::Reopen;
        // Nothing is left to confirm on a closed campaign (but reopening one in grace), nor to
        // reopen on any other: its page says so.
        let askable = match reopening {
            true => o.reopen_until.is_some(),
            false => o.campaign.status != crate::db::campaigns::CLOSED,
        };
        if !askable {
            return Ok(see_other(format!("/campaigns/{}", o.campaign.id)));
        }
        let here = format!("/campaigns/{}", o.campaign.id);
        let touched = super::confirm_page::Touched::of(&o.people, o.reopen_until.as_deref());
        let grace = self.state.settings.campaign_grace_hours;
        let page =
            super::confirm_page::confirm(&self.staff_at(&here), &o.campaign, what, &touched, grace);
        Ok(self.page(page))
    }

    /// After a change: a redirect to the campaign's page saying what was done, or the page
    /// again with what was wrong (nothing stored).
    pub(super) async fn after(
        &self,
        id: String,
        outcome: Result<Text, CampaignError>,
        list_text: &str,
    ) -> Result<HttpResponse, PageError> {
        let to = format!("/campaigns/{id}");
        let shown = |status, shown| self.campaign(id, status, shown);
        match outcome {
            Ok(done) => Ok(flash::redirect(
                &self.state.forms_key,
                &to,
                &Notice::saved(done),
            )),
            Err(CampaignError::Rows(rows)) => {
                let rows = &rows;
                let page = Shown {
                    rows,
                    list_text,
                    ..Shown::default()
                };
                shown(StatusCode::UNPROCESSABLE_ENTITY, page).await
            }
            Err(CampaignError::Refused(m)) => {
                let error = Some(m.as_str());
                let page = Shown {
                    error,
                    list_text,
                    ..Shown::default()
                };
                shown(StatusCode::CONFLICT, page).await
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Links just issued, as a sheet to print.
    pub(super) fn sheet(
        &self,
        campaign: &Heading,
        links: &[IssuedLink],
    ) -> Result<HttpResponse, PageError> {
        let state = &self.state;
        let survey = state
            .catalog
            .get(&campaign.survey_id)
            .ok_or_else(PageError::not_found)?;
        let names = unit_name(state);
        let base = &state.settings.public_url;
        let page = view::sheet(self.lang, campaign, survey, links, base, &names);
        Ok(self.page(page))
    }

    /// Runs an admin's change to campaign `id`, then leads to its page saying what `notice`
    /// says of the change, or shows it again with what was wrong (`list_text`: the list as pasted, to correct).
    pub(super) async fn act<T: Send + 'static>(
        &self,
        id: String,
        list_text: &str,
        work: impl FnOnce(&AppState, &Actor, &str) -> Result<T, CampaignError> + Send + 'static,
        notice: impl FnOnce(T) -> Text,
    ) -> Result<HttpResponse, PageError> {
        let (actor, cid) = (Actor::from(&self.user), id.clone());
        let outcome = self.state.run(move |s| work(s, &actor, &cid)).await;
        self.after(id, outcome.map(notice), list_text).await
    }
}
