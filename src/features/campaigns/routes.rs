//! Campaign pages: supervisors read, admins change. Handlers extract, call
//! `app::campaigns` off the async threads, render.

use crate::web::extract::{check_csrf, Admin, Csrf, CsrfForm, SignedIn, Supervisor, WithCsrf};
use crate::web::upload;

/// Largest respondent list accepted in one paste (about 10,000 people).
pub const LIST_LIMIT: usize = 2 * 1024 * 1024;
use crate::db::auth::User;
use crate::db::campaigns::NewRespondent;
use crate::features::actor::Actor;
use crate::features::campaigns::page as view;
use crate::features::campaigns::service::{self as app, CampaignError, NewCampaign, RowError};
use crate::features::paper::page::Staff;
use crate::state::AppState;
use crate::text::{Lang, Text};
use crate::web::error::PageError;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

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

/// Runs blocking application work off the async threads.
async fn run<T, F>(state: &web::Data<AppState>, f: F) -> Result<T, CampaignError>
where
    F: FnOnce(&AppState) -> Result<T, CampaignError> + Send + 'static,
    T: Send + 'static,
{
    let st = state.get_ref().clone();
    web::block(move || f(&st))
        .await
        .map_err(|_| CampaignError::Db(crate::db::DbError::Worker("a campaign worker thread")))?
}

fn see_other(to: String) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", to))
        .finish()
}

fn staff<'a>(user: &'a User, csrf: &'a Csrf, lang: Lang, here: &'a str) -> Staff<'a> {
    Staff {
        username: &user.username,
        role: user.role,
        csrf: &csrf.token,
        lang,
        here,
    }
}

/// A campaign covers the whole city (its people, rates and reminders span every unit): a user
/// limited to a unit neither sees nor runs campaigns. Checked before anything is read (an
/// upload included); the application layer refuses every change again.
fn citywide(user: &User) -> Result<(), PageError> {
    app::citywide(user).map(|_| ()).map_err(PageError::from)
}

fn unit_name(state: &AppState) -> impl Fn(&str) -> String + '_ {
    |code| {
        state
            .units
            .get(code)
            .map_or(code.to_string(), |u| u.name.clone())
    }
}

async fn list_page(
    state: &web::Data<AppState>,
    user: &User,
    csrf: &Csrf,
    lang: Lang,
    status: StatusCode,
    error: Option<&str>,
) -> Result<HttpResponse, PageError> {
    let campaigns = run(state, app::list).await?;
    let titles = |id: &str| {
        state
            .catalog
            .get(id)
            .map_or(id.to_string(), |s| s.title_in(lang).to_string())
    };
    let page = view::list(&view::ListPage {
        staff: staff(user, csrf, lang, "/campaigns"),
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
    Ok(csrf.page(status, page))
}

pub async fn list(
    state: web::Data<AppState>,
    SignedIn { user, .. }: SignedIn<Supervisor>,
    csrf: Csrf,
    lang: Lang,
) -> Result<HttpResponse, PageError> {
    citywide(&user)?;
    list_page(&state, &user, &csrf, lang, StatusCode::OK, None).await
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

impl WithCsrf for CreateForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

pub async fn create(
    state: web::Data<AppState>,
    SignedIn { user, .. }: SignedIn<Admin>,
    csrf: Csrf,
    lang: Lang,
    CsrfForm(f): CsrfForm<CreateForm>,
) -> Result<HttpResponse, PageError> {
    citywide(&user)?;
    let Ok(period) = f.period.trim().parse::<i32>() else {
        let msg = lang.pick(
            "Chưa tạo được: năm đánh giá phải là số (vd. 2025).",
            "Not created: the year assessed must be a number (e.g. 2025).",
        );
        return list_page(
            &state,
            &user,
            &csrf,
            lang,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(msg),
        )
        .await;
    };
    let new = NewCampaign {
        survey: f.survey,
        period,
        title: f.title,
        organiser: f.organiser,
        unit: String::new(),
    };
    let actor = Actor::from(&user);
    match run(&state, move |s| app::create(s, &actor, new, None)).await {
        Ok((c, _)) => Ok(see_other(format!("/campaigns/{}", c.id))),
        Err(CampaignError::Invalid(e)) => {
            let msg = format!(
                "{} {}.",
                lang.pick("Chưa tạo được:", "Not created:"),
                lang.text(&e.text)
            );
            list_page(
                &state,
                &user,
                &csrf,
                lang,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(&msg),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// What the campaign page shows besides the campaign.
#[derive(Default)]
struct Shown<'a> {
    notice: Option<&'a str>,
    error: Option<&'a str>,
    rows: &'a [RowError],
    list_text: &'a str,
}

async fn campaign_page(
    state: &web::Data<AppState>,
    user: &User,
    csrf: &Csrf,
    lang: Lang,
    id: String,
    status: StatusCode,
    shown: Shown<'_>,
) -> Result<HttpResponse, PageError> {
    let here = format!("/campaigns/{id}");
    let (campaign, people, tracking) = run(state, move |s| {
        Ok((
            app::get(s, &id)?,
            app::respondents(s, &id)?,
            app::tracking(s, &id)?,
        ))
    })
    .await?;
    let survey = state
        .catalog
        .get(&campaign.survey_id)
        .ok_or_else(PageError::not_found)?;
    let today = state
        .units
        .set_on(state.clock.today())
        .map(|s| s.id.clone());
    let units: Vec<_> = state
        .units
        .units_of(today.as_deref())
        .into_iter()
        .cloned()
        .collect();
    let names = unit_name(state);
    let page = view::campaign(&view::CampaignPage {
        staff: staff(user, csrf, lang, &here),
        campaign: &campaign,
        survey,
        people: &people,
        tracking: &tracking,
        units: &units,
        unit_name: &names,
        notice: shown.notice,
        error: shown.error,
        row_errors: shown.rows,
        list_text: shown.list_text,
    });
    Ok(csrf.page(status, page))
}

pub async fn show(
    state: web::Data<AppState>,
    SignedIn { user, .. }: SignedIn<Supervisor>,
    csrf: Csrf,
    lang: Lang,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    citywide(&user)?;
    campaign_page(
        &state,
        &user,
        &csrf,
        lang,
        id.into_inner(),
        StatusCode::OK,
        Shown::default(),
    )
    .await
}

#[derive(Deserialize)]
pub struct ListForm {
    csrf: String,
    list: String,
}

impl WithCsrf for ListForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// The page again after a change: the notice, or what was wrong (nothing stored).
async fn after(
    state: &web::Data<AppState>,
    user: &User,
    csrf: &Csrf,
    lang: Lang,
    id: String,
    outcome: Result<String, CampaignError>,
    list_text: &str,
) -> Result<HttpResponse, PageError> {
    match outcome {
        Ok(notice) => {
            let shown = Shown {
                notice: Some(&notice),
                ..Shown::default()
            };
            campaign_page(state, user, csrf, lang, id, StatusCode::OK, shown).await
        }
        Err(CampaignError::Rows(rows)) => {
            let shown = Shown {
                rows: &rows,
                list_text,
                ..Shown::default()
            };
            campaign_page(
                state,
                user,
                csrf,
                lang,
                id,
                StatusCode::UNPROCESSABLE_ENTITY,
                shown,
            )
            .await
        }
        Err(CampaignError::Refused(m)) => {
            let shown = Shown {
                error: Some(&m),
                list_text,
                ..Shown::default()
            };
            campaign_page(state, user, csrf, lang, id, StatusCode::CONFLICT, shown).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn add_list(
    state: web::Data<AppState>,
    SignedIn { user, .. }: SignedIn<Admin>,
    csrf: Csrf,
    lang: Lang,
    id: web::Path<String>,
    CsrfForm(f): CsrfForm<ListForm>,
) -> Result<HttpResponse, PageError> {
    citywide(&user)?;
    let (id, actor, text) = (id.into_inner(), Actor::from(&user), f.list.clone());
    let cid = id.clone();
    let outcome = run(&state, move |s| {
        app::add_list(s, &actor, &cid, app::ListSource::Text(&text))
    })
    .await
    .map(|n| added(lang, n));
    after(&state, &user, &csrf, lang, id, outcome, &f.list).await
}

/// The respondent list as a CSV or XLSX file, checked as a pasted list is.
pub async fn add_list_file(
    state: web::Data<AppState>,
    SignedIn { user, .. }: SignedIn<Admin>,
    csrf: Csrf,
    lang: Lang,
    req: HttpRequest,
    id: web::Path<String>,
    parts: actix_multipart::Multipart,
) -> Result<HttpResponse, PageError> {
    citywide(&user)?;
    let up = upload::read(parts, LIST_LIMIT as u64).await?;
    check_csrf(&req, up.field("csrf"))?;
    let (id, actor) = (id.into_inner(), Actor::from(&user));
    let refuse = |message: String| {
        Err(CampaignError::Rows(vec![RowError {
            line: 1,
            field: "file".into(),
            message,
        }]))
    };
    let outcome = if up.too_large {
        let mb = LIST_LIMIT / (1024 * 1024);
        refuse(match lang {
            Lang::Vi => format!("tệp quá lớn: trang này nhận danh sách đến {mb} MB"),
            Lang::En => format!("the file is too large: this page takes lists up to {mb} MB"),
        })
    } else if let Some((name, file)) = up.file.filter(|_| up.size > 0) {
        let cid = id.clone();
        run(&state, move |s| {
            let source = app::ListSource::File {
                path: file.path(),
                name: &name,
            };
            app::add_list(s, &actor, &cid, source)
        })
        .await
        .map(|n| added(lang, n))
    } else {
        refuse(
            lang.pick(
                "chưa chọn tệp, hoặc tệp trống: hãy chọn một tệp CSV hoặc Excel (.xlsx)",
                "no file chosen, or an empty one: choose a CSV or Excel (.xlsx) file",
            )
            .into(),
        )
    };
    after(&state, &user, &csrf, lang, id, outcome, "").await
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

impl WithCsrf for PersonForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

pub async fn add_person(
    state: web::Data<AppState>,
    SignedIn { user, .. }: SignedIn<Admin>,
    csrf: Csrf,
    lang: Lang,
    id: web::Path<String>,
    CsrfForm(f): CsrfForm<PersonForm>,
) -> Result<HttpResponse, PageError> {
    citywide(&user)?;
    let (id, actor) = (id.into_inner(), Actor::from(&user));
    let person = NewRespondent {
        name: f.name,
        group: f.group,
        unit: f.unit,
        contact: f.contact,
    };
    let cid = id.clone();
    let name = person.name.trim().to_string();
    let outcome = run(&state, move |s| app::add_one(s, &actor, &cid, &person))
        .await
        .map(|_| format!("{} {name}.", lang.pick("Đã thêm", "Added")));
    after(&state, &user, &csrf, lang, id, outcome, "").await
}

#[derive(Deserialize)]
pub struct ActionForm {
    csrf: String,
    #[serde(default)]
    format: String,
}

impl WithCsrf for ActionForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

pub async fn open(
    state: web::Data<AppState>,
    SignedIn { user, .. }: SignedIn<Admin>,
    csrf: Csrf,
    lang: Lang,
    id: web::Path<String>,
    CsrfForm(_): CsrfForm<ActionForm>,
) -> Result<HttpResponse, PageError> {
    citywide(&user)?;
    let (id, actor) = (id.into_inner(), Actor::from(&user));
    let cid = id.clone();
    let outcome = run(&state, move |s| app::open(s, &actor, &cid))
        .await
        .map(|_| {
            lang.pick(
                "Đợt khảo sát đã mở: các đường dẫn dùng được từ bây giờ.",
                "The campaign is open: links work from now on.",
            )
            .to_string()
        });
    after(&state, &user, &csrf, lang, id, outcome, "").await
}

pub async fn close(
    state: web::Data<AppState>,
    SignedIn { user, .. }: SignedIn<Admin>,
    csrf: Csrf,
    lang: Lang,
    id: web::Path<String>,
    CsrfForm(_): CsrfForm<ActionForm>,
) -> Result<HttpResponse, PageError> {
    citywide(&user)?;
    let (id, actor) = (id.into_inner(), Actor::from(&user));
    let cid = id.clone();
    let outcome = run(&state, move |s| app::close(s, &actor, &cid))
        .await
        .map(|_| {
            lang.pick(
                "Đợt khảo sát đã đóng: các đường dẫn hết hiệu lực.",
                "The campaign is closed: every link has stopped working.",
            )
            .to_string()
        });
    after(&state, &user, &csrf, lang, id, outcome, "").await
}

/// "N people added to the list", in the page's language.
fn added(lang: Lang, n: usize) -> String {
    match lang {
        Lang::Vi => format!("Đã thêm {n} người vào danh sách."),
        Lang::En => format!("{n} people added to the list."),
    }
}

use crate::spreadsheet::text_cell;

/// Links as CSV (`name,group,link`), UTF-8 with a BOM for spreadsheets; names are written so
/// that none is run as a formula.
pub fn links_csv(links: &[app::IssuedLink], base_url: &str) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(["name", "group", "link"]);
    for l in links {
        let _ = w.write_record([
            text_cell(&l.name).into_owned(),
            text_cell(&l.group).into_owned(),
            format!("{base_url}/i/{}", l.token),
        ]);
    }
    String::from_utf8_lossy(&w.into_inner().unwrap_or_default()).to_string()
}

fn csv_download(name: &str, body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{name}\""),
        ))
        .body(format!("\u{feff}{body}"))
}

pub async fn links(
    state: web::Data<AppState>,
    SignedIn { user, .. }: SignedIn<Admin>,
    csrf: Csrf,
    lang: Lang,
    id: web::Path<String>,
    CsrfForm(f): CsrfForm<ActionForm>,
) -> Result<HttpResponse, PageError> {
    citywide(&user)?;
    let (id, actor) = (id.into_inner(), Actor::from(&user));
    let cid = id.clone();
    let outcome = run(&state, move |s| app::issue_links(s, &actor, &cid)).await;
    let (campaign, links) = match outcome {
        Ok(x) => x,
        Err(e) => return after(&state, &user, &csrf, lang, id, Err(e), "").await,
    };
    let base = state.settings.public_url.clone();
    if f.format == "csv" {
        return Ok(csv_download("duong-dan.csv", links_csv(&links, &base)));
    }
    let survey = state
        .catalog
        .get(&campaign.survey_id)
        .ok_or_else(PageError::not_found)?;
    let names = unit_name(&state);
    Ok(csrf.page(
        StatusCode::OK,
        view::sheet(lang, &campaign, survey, &links, &base, &names),
    ))
}

pub async fn revoke(
    state: web::Data<AppState>,
    SignedIn { user, .. }: SignedIn<Admin>,
    csrf: Csrf,
    lang: Lang,
    path: web::Path<(String, String)>,
    CsrfForm(_): CsrfForm<ActionForm>,
) -> Result<HttpResponse, PageError> {
    citywide(&user)?;
    let ((id, person), actor) = (path.into_inner(), Actor::from(&user));
    let cid = id.clone();
    let outcome = run(&state, move |s| app::revoke(s, &actor, &cid, &person))
        .await
        .map(|p| match lang {
            Lang::Vi => format!("Đã thu hồi đường dẫn của {}.", p.name),
            Lang::En => format!("The link of {} is revoked.", p.name),
        });
    after(&state, &user, &csrf, lang, id, outcome, "").await
}

pub async fn reissue(
    state: web::Data<AppState>,
    SignedIn { user, .. }: SignedIn<Admin>,
    csrf: Csrf,
    lang: Lang,
    path: web::Path<(String, String)>,
    CsrfForm(_): CsrfForm<ActionForm>,
) -> Result<HttpResponse, PageError> {
    citywide(&user)?;
    let ((id, person), actor) = (path.into_inner(), Actor::from(&user));
    let cid = id.clone();
    let outcome = run(&state, move |s| {
        let link = app::reissue(s, &actor, &cid, &person)?;
        Ok((app::get(s, &cid)?, link))
    })
    .await;
    let (campaign, link) = match outcome {
        Ok(x) => x,
        Err(e) => return after(&state, &user, &csrf, lang, id, Err(e), "").await,
    };
    let survey = state
        .catalog
        .get(&campaign.survey_id)
        .ok_or_else(PageError::not_found)?;
    let names = unit_name(&state);
    Ok(csrf.page(
        StatusCode::OK,
        view::sheet(
            lang,
            &campaign,
            survey,
            &[link],
            &state.settings.public_url.clone(),
            &names,
        ),
    ))
}

/// Those who have not answered: `name,group,unit,contact`.
pub async fn reminders(
    state: web::Data<AppState>,
    SignedIn { user, .. }: SignedIn<Supervisor>,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    citywide(&user)?;
    let id = id.into_inner();
    let people = run(&state, move |s| app::reminders(s, &id)).await?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(["name", "group", "unit", "contact"]);
    for p in &people {
        let _ = w.write_record(
            [&p.name, &p.group, &p.unit, &p.contact].map(|t| text_cell(t).into_owned()),
        );
    }
    let body = String::from_utf8_lossy(&w.into_inner().unwrap_or_default()).to_string();
    Ok(csv_download("chua-tra-loi.csv", body))
}
