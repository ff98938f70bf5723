//! Campaign pages: supervisors read, admins change. Handlers extract, call the campaign
//! service off the async threads, render (see `render`).

use super::confirm_page::Confirm;
use super::render::{see_other, Citywide};
use crate::db::campaigns::{Campaign, NewRespondent};
use crate::features::actor::Actor;
use crate::features::campaigns::service::{self as app, CampaignError, NewCampaign};
use crate::state::AppState;
use crate::text::{FieldProblem, Text};
use crate::web::error::PageError;
use crate::web::extract::LocalBoxFuture;
use crate::web::extract::{check_csrf, Admin, CsrfForm, Supervisor};
use crate::web::respond::private_csv;
use crate::web::upload;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

/// Largest respondent list accepted in one paste (about 10,000 people).
pub use crate::features::campaigns::service::LIST_LIMIT;

impl From<CampaignError> for PageError {
    fn from(e: CampaignError) -> Self {
        match e {
            CampaignError::NotFound => PageError::new(
                StatusCode::NOT_FOUND,
                ("Không tìm thấy", "Not found"),
                (
                    "Không có đợt khảo sát hoặc người này. Xin quay lại danh sách đợt khảo sát.",
                    "There is no such campaign or person. Go back to the list of campaigns.",
                ),
            ),
            CampaignError::Db(e) => e.into(),
            CampaignError::Invalid(p) => PageError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                ("Chưa lưu được", "Not saved"),
                p.text.map_each(
                    |m| format!("{m}. Xin quay lại trang trước, sửa rồi gửi lại."),
                    |m| format!("{m}. Go back to the previous page, correct it and send it again."),
                ),
            ),
            // Rows and refusals are worded in Vietnamese by the application layer.
            CampaignError::Rows(_) => PageError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                ("Chưa lưu được", "Not saved"),
                Text::same(format!("{e}. Xin quay lại trang trước, sửa rồi gửi lại.")),
            ),
            CampaignError::Refused(m) => PageError::new(
                StatusCode::CONFLICT,
                ("Không thực hiện được", "Not done"),
                Text::same(m),
            ),
            CampaignError::Forbidden(why) => PageError::new(
                StatusCode::FORBIDDEN,
                ("Không có quyền truy cập", "Access denied"),
                why,
            ),
        }
    }
}

crate::with_csrf!(CreateForm, ListForm, PersonForm, ActionForm);

pub async fn list(at: Citywide<Supervisor>) -> Result<HttpResponse, PageError> {
    at.list(StatusCode::OK, None).await
}

#[derive(Deserialize)]
pub struct CreateForm {
    csrf: String,
    survey: String,
    period: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    organiser: String,
}

impl CreateForm {
    /// The campaign the form describes; a year that is not a number is refused as the
    /// service refuses its other fields.
    fn campaign(self) -> Result<NewCampaign, CampaignError> {
        let Ok(period) = self.period.trim().parse::<i32>() else {
            return Err(CampaignError::Invalid(FieldProblem::new(
                "period",
                "năm đánh giá phải là số (vd. 2025)",
                "the year assessed must be a number (e.g. 2025)",
            )));
        };
        Ok(NewCampaign {
            survey: self.survey,
            period,
            title: self.title,
            organiser: self.organiser,
            unit: String::new(),
        })
    }
}

pub async fn create(
    at: Citywide<Admin>,
    CsrfForm(f): CsrfForm<CreateForm>,
) -> Result<HttpResponse, PageError> {
    let (actor, new) = (Actor::from(&at.user), f.campaign());
    match at
        .state
        .run(move |s| app::create(s, &actor, new?, None))
        .await
    {
        Ok((c, _)) => Ok(see_other(format!("/campaigns/{}", c.id))),
        Err(CampaignError::Invalid(e)) => {
            let not_created = at.lang.pick("Chưa tạo được:", "Not created:");
            let msg = format!("{not_created} {}.", at.lang.text(&e.text));
            at.list(StatusCode::UNPROCESSABLE_ENTITY, Some(&msg)).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn show(
    at: Citywide<Supervisor>,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    at.campaign(id.into_inner(), StatusCode::OK, Default::default())
        .await
}

#[derive(Deserialize)]
pub struct ListForm {
    csrf: String,
    list: String,
}

pub async fn add_list(
    at: Citywide<Admin>,
    id: web::Path<String>,
    CsrfForm(f): CsrfForm<ListForm>,
) -> Result<HttpResponse, PageError> {
    let text = f.list.clone();
    let add = move |s: &AppState, a: &Actor, id: &str| {
        app::add_list(s, a, id, app::ListSource::Text(&text))
    };
    at.act(id.into_inner(), &f.list, add, added).await
}

/// The respondent list as a CSV or XLSX file, checked as a pasted list is.
pub async fn add_list_file(
    at: Citywide<Admin>,
    req: HttpRequest,
    id: web::Path<String>,
    parts: actix_multipart::Multipart,
) -> Result<HttpResponse, PageError> {
    let up = upload::read(parts, LIST_LIMIT as u64).await?;
    check_csrf(&req, up.field("csrf"))?;
    let lang = at.lang;
    let add = move |s: &AppState, a: &Actor, id: &str| app::add_list_file(s, a, id, up, lang);
    at.act(id.into_inner(), "", add, added).await
}

#[derive(Deserialize)]
pub struct PersonForm {
    csrf: String,
    name: String,
    group: String,
    unit: String,
    #[serde(default)]
    contact: String,
}

pub async fn add_person(
    at: Citywide<Admin>,
    id: web::Path<String>,
    CsrfForm(f): CsrfForm<PersonForm>,
) -> Result<HttpResponse, PageError> {
    let name = f.name.trim().to_string();
    let person = NewRespondent {
        name: f.name,
        group: f.group,
        unit: f.unit,
        contact: f.contact,
    };
    let add = move |s: &AppState, a: &Actor, id: &str| app::add_one(s, a, id, &person);
    let notice = move |_| Text::new(format!("Đã thêm {name}."), format!("Added {name}."));
    at.act(id.into_inner(), "", add, notice).await
}

#[derive(Deserialize)]
pub struct ActionForm {
    csrf: String,
    #[serde(default)]
    format: String,
}

/// A change of a campaign's state, each at its own address.
#[derive(Clone, Copy)]
pub enum Step {
    Open,
    Close,
    /// A campaign closed by mistake, reopened within its grace period.
    Reopen,
}

impl Step {
    /// Takes the step as `a`.
    fn run(self, s: &AppState, a: &Actor, id: &str) -> Result<Campaign, CampaignError> {
        match self {
            Step::Open => app::open(s, a, id),
            Step::Close => app::close(s, a, id),
            Step::Reopen => app::reopen(s, a, id),
        }
    }

    /// What the admin is told once the step is done.
    fn said(self) -> (&'static str, &'static str) {
        match self {
            Step::Open => (
                "Đợt khảo sát đã mở: các đường dẫn dùng được từ bây giờ.",
                "The campaign is open: links work from now on.",
            ),
            Step::Close => (
                "Đợt khảo sát đã đóng: các đường dẫn hết hiệu lực. Nếu đóng nhầm, có thể mở lại trong thời hạn ghi trên trang.",
                "The campaign is closed: every link has stopped working. If it was closed by mistake, it can be reopened within the time the page gives.",
            ),
            Step::Reopen => (
                "Đợt khảo sát đã được mở lại: các đường dẫn chưa dùng hoạt động trở lại; kết quả vẫn được niêm phong.",
                "The campaign is open again: unused links work again; its results stay sealed.",
            ),
        }
    }
}

/// `POST /campaigns/{id}/open`, `/close` and `/reopen`.
pub fn step(
    to: Step,
) -> impl Fn(
    Citywide<Admin>,
    web::Path<String>,
    CsrfForm<ActionForm>,
) -> LocalBoxFuture<'static, Result<HttpResponse, PageError>>
       + Clone {
    move |at, id, _| {
        let run = move |s: &AppState, a: &Actor, id: &str| to.run(s, a, id);
        let (vi, en) = to.said();
        Box::pin(async move {
            at.act(id.into_inner(), "", run, |_| Text::new(vi, en))
                .await
        })
    }
}

/// `GET /campaigns/{id}/reopen`: what reopening does, before it is done.
pub async fn confirm_reopen(
    at: Citywide<Admin>,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    at.confirm(id.into_inner(), Confirm::Reopen).await
}

/// `GET /campaigns/{id}/close`: what closing does, before it is done.
pub async fn confirm_close(
    at: Citywide<Admin>,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    at.confirm(id.into_inner(), Confirm::Close).await
}

#[derive(Deserialize)]
pub struct LinksQuery {
    #[serde(default)]
    format: String,
}

/// `GET /campaigns/{id}/links?format=sheet|csv`: how many links stop, before new ones are issued.
pub async fn confirm_links(
    at: Citywide<Admin>,
    id: web::Path<String>,
    asked: web::Query<LinksQuery>,
) -> Result<HttpResponse, PageError> {
    let csv = asked.format == "csv";
    at.confirm(id.into_inner(), Confirm::Links { csv }).await
}

/// "N people added to the list".
fn added(n: usize) -> Text {
    Text::new(
        format!("Đã thêm {n} người vào danh sách."),
        format!("{n} people added to the list."),
    )
}

pub async fn links(
    at: Citywide<Admin>,
    id: web::Path<String>,
    CsrfForm(f): CsrfForm<ActionForm>,
) -> Result<HttpResponse, PageError> {
    let (id, actor) = (id.into_inner(), Actor::from(&at.user));
    let cid = id.clone();
    match at
        .state
        .run(move |s| app::issue_links(s, &actor, &cid))
        .await
    {
        Ok((_, links)) if f.format == "csv" => {
            let body = app::links_csv(&links, &at.state.settings.public_url);
            Ok(private_csv("duong-dan.csv", &body))
        }
        Ok((campaign, links)) => at.sheet(&campaign.into(), &links),
        Err(e) => at.after(id, Err(e), "").await,
    }
}

pub async fn revoke(
    at: Citywide<Admin>,
    path: web::Path<(String, String)>,
    CsrfForm(_): CsrfForm<ActionForm>,
) -> Result<HttpResponse, PageError> {
    let (id, person) = path.into_inner();
    let notice = move |p: crate::db::campaigns::Respondent| {
        Text::new(
            format!("Đã thu hồi đường dẫn của {}.", p.name),
            format!("The link of {} is revoked.", p.name),
        )
    };
    at.act(
        id,
        "",
        move |s, a, id| app::revoke(s, a, id, &person),
        notice,
    )
    .await
}

pub async fn reissue(
    at: Citywide<Admin>,
    path: web::Path<(String, String)>,
    CsrfForm(_): CsrfForm<ActionForm>,
) -> Result<HttpResponse, PageError> {
    let ((id, person), actor) = (path.into_inner(), Actor::from(&at.user));
    let cid = id.clone();
    match at
        .state
        .run(move |s| app::reissue_for_sheet(s, &actor, &cid, &person))
        .await
    {
        Ok((campaign, link)) => at.sheet(&campaign, &[link]),
        Err(e) => at.after(id, Err(e), "").await,
    }
}

/// Those who have not answered: `name,group,unit,contact`.
pub async fn reminders(
    at: Citywide<Supervisor>,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let id = id.into_inner();
    let body = at.state.run(move |s| app::reminders_csv(s, &id)).await?;
    Ok(private_csv("chua-tra-loi.csv", &body))
}
