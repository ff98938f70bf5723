//! Administration in the browser: `/admin/users`, `/admin/kiosks`, `/admin/tokens`.
//! Supervisors read; administrators change, through the admin service as the CLI does. A
//! change made answers 303 to its tab, which says what was done once (see `web::flash`); a
//! secret it made (a password, a token, a kiosk address) is shown on the answer itself. Bad
//! input (a unit outside the reader's own among them) shows the page again with a message
//! naming the field, and changes nothing; a user, token or kiosk outside the reader's unit is
//! a 403. A reader limited to a unit sees and is offered that unit and the units below it only.

use crate::features::actor::Actor;
use crate::features::admin::page::{self as view, Draft, Notice};
use crate::features::admin::service::{self as app, AdminError};
use crate::state::AppState;
use crate::text::Lang;
use crate::ui::notice::Notice as Said;
use crate::web::error::PageError;
use crate::web::extract::{Admin, CsrfForm, MinRole, SignedIn, Supervisor};
use crate::web::flash;
use crate::web::reader::Reader;
use crate::with_csrf;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use maud::Markup;
use serde::Deserialize;

pub async fn home(_: SignedIn<Supervisor>) -> HttpResponse {
    crate::web::respond::see_other("/admin/users")
}

/// The administration page a change answers with.
enum Tab {
    /// With what was typed in the add form, shown again if it was refused.
    Users(Option<Draft>),
    Kiosks,
    Tokens,
}

impl Tab {
    /// The tab's own address.
    fn path(&self) -> &'static str {
        match self {
            Tab::Users(_) => "/admin/users",
            Tab::Kiosks => "/admin/kiosks",
            Tab::Tokens => "/admin/tokens",
        }
    }
}

/// Draws a tab for the reader, under the notice a change left (or, with none, the one a
/// change carried across its redirect). Every page after a change is the tab's own page
/// again, so the language switch returns to the tab.
async fn show<R: MinRole>(
    state: &AppState,
    r: &Reader<R>,
    tab: Tab,
    notice: Notice,
) -> Result<HttpResponse, PageError> {
    let notice = match (notice, &r.notice) {
        (Notice::None, Some(carried)) => Notice::Said(carried.clone()),
        (notice, _) => notice,
    };
    let status = match notice {
        Notice::Error(_) => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::OK,
    };
    let page = match tab {
        Tab::Users(draft) => {
            // A draft is shown again only with the reason it was refused.
            let draft = draft.filter(|_| matches!(notice, Notice::Error(_)));
            users_tab(state, r, draft, notice).await?
        }
        Tab::Kiosks => kiosks_tab(state, r, notice).await?,
        Tab::Tokens => tokens_tab(state, r, notice).await?,
    };
    Ok(r.page_with(status, page))
}

async fn users_tab<R: MinRole>(
    state: &AppState,
    r: &Reader<R>,
    draft: Option<Draft>,
    notice: Notice,
) -> Result<Markup, PageError> {
    let reader = r.user.clone();
    let v = load(state, move |st| app::users_view(st, &reader)).await?;
    Ok(view::users(&view::UsersPage {
        staff: r.staff_at(Tab::Users(None).path()),
        users: &v.users,
        units: &v.units,
        unit_names: &v.unit_names,
        draft,
        notice,
    }))
}

async fn kiosks_tab<R: MinRole>(
    state: &AppState,
    r: &Reader<R>,
    notice: Notice,
) -> Result<Markup, PageError> {
    let reader = r.user.clone();
    let v = load(state, move |st| app::kiosks_view(st, &reader)).await?;
    Ok(view::kiosks(&view::KiosksPage {
        staff: r.staff_at(Tab::Kiosks.path()),
        kiosks: &v.kiosks,
        min_cell: state.settings.min_cell,
        units: &v.units,
        surveys: crate::features::kiosk::service::counter_surveys(state),
        notice,
    }))
}

async fn tokens_tab<R: MinRole>(
    state: &AppState,
    r: &Reader<R>,
    notice: Notice,
) -> Result<Markup, PageError> {
    let reader = r.user.clone();
    let v = load(state, move |st| app::tokens_view(st, &reader)).await?;
    Ok(view::tokens(&view::TokensPage {
        staff: r.staff_at(Tab::Tokens.path()),
        tokens: &v.tokens,
        units: &v.units,
        unit_names: &v.unit_names,
        notice,
    }))
}

/// What a page lists; reading never meets bad input.
pub(super) async fn load<T: Send + 'static>(
    state: &AppState,
    work: impl FnOnce(&AppState) -> Result<T, AdminError> + Send + 'static,
) -> Result<T, PageError> {
    state.run(work).await.map_err(|e| match e {
        // The notice is worded in the reader's language already.
        AdminError::Invalid(p) => PageError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ("Không đọc được danh sách", "The list could not be read"),
            p.text,
        ),
        e => forbidden_or_broken(e),
    })
}

/// A change's outcome as the page's notice: what `done` says of it, or why it was refused
/// (bad input); anything else is an error page.
fn notice<T>(
    outcome: Result<T, AdminError>,
    lang: Lang,
    done: impl FnOnce(T) -> Notice,
) -> Result<Notice, PageError> {
    match outcome {
        Ok(x) => Ok(done(x)),
        Err(AdminError::Invalid(p)) => Ok(Notice::Error(lang.text(&p.text).to_string())),
        Err(e) => Err(forbidden_or_broken(e)),
    }
}

fn forbidden_or_broken(e: AdminError) -> PageError {
    match e {
        AdminError::Forbidden(why) => PageError::new(
            StatusCode::FORBIDDEN,
            ("Không có quyền", "Not allowed"),
            why,
        ),
        AdminError::Db(e) => e.into(),
        AdminError::Hash(e) => {
            log::error!("{e}");
            PageError::busy()
        }
        AdminError::Invalid(p) => PageError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ("Chưa thay đổi gì", "Nothing was changed"),
            p.text,
        ),
    }
}

/// Where a change runs: on the service threads, or (hashing a password) on the password
/// threads, which bound its memory.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Threads {
    Service,
    Passwords,
}

/// Makes a change as the reader, then draws `tab` under what `done` says of it (or under
/// why it was refused).
async fn change<T: Send + 'static>(
    state: &AppState,
    r: &Reader<Admin>,
    tab: Tab,
    threads: Threads,
    work: impl FnOnce(&AppState, &Actor) -> Result<T, AdminError> + Send + 'static,
    done: impl FnOnce(T) -> Notice,
) -> Result<HttpResponse, PageError> {
    let actor = Actor::from(&r.user);
    let work = move |st: &AppState| work(st, &actor);
    let outcome = match threads {
        Threads::Service => state.run(work).await,
        Threads::Passwords => {
            let st = state.clone();
            state.passwords.run(move || work(&st)).await?
        }
    };
    match notice(outcome, r.lang, done)? {
        // Said after a redirect, so that a reload neither changes nor says it again. A secret
        // is never put in a cookie: it is shown on the page answering the change.
        Notice::Said(said) => Ok(flash::redirect(&state.forms_key, tab.path(), &said)),
        notice => show(state, r, tab, notice).await,
    }
}

fn saved((vi, en): (&str, &str)) -> Notice {
    Notice::Said(Said::saved((vi, en)))
}

/// A button on one row (a user, a kiosk, a token): the change `work` makes to the row `id`,
/// then the tab saying `said`.
async fn on_row(
    r: Reader<Admin>,
    id: String,
    tab: Tab,
    work: fn(&AppState, &Actor, &str) -> Result<(), AdminError>,
    said: (&'static str, &'static str),
) -> Result<HttpResponse, PageError> {
    let work = move |st: &AppState, a: &Actor| work(st, a, &id);
    change(&r.state, &r, tab, Threads::Service, work, |()| saved(said)).await
}

fn secret(what: &str, value: String, qr: bool) -> Notice {
    Notice::Secret {
        what: what.into(),
        value,
        qr,
    }
}

/// A form that carries nothing but its CSRF token: a button.
#[derive(Deserialize)]
pub struct Button {
    #[serde(default)]
    csrf: String,
}

#[derive(Deserialize)]
pub struct AddUserForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    password: String,
}

#[derive(Deserialize)]
pub struct RoleForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    unit: String,
}

#[derive(Deserialize)]
pub struct AddKioskForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    survey: String,
    #[serde(default)]
    label: String,
}

#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    label: String,
    #[serde(default)]
    unit: String,
}

with_csrf!(Button, AddUserForm, RoleForm, AddKioskForm, TokenForm);

pub async fn users(r: Reader<Supervisor>) -> Result<HttpResponse, PageError> {
    show(&r.state, &r, Tab::Users(None), Notice::None).await
}

pub async fn add_user(
    state: web::Data<AppState>,
    r: Reader<Admin>,
    CsrfForm(f): CsrfForm<AddUserForm>,
) -> Result<HttpResponse, PageError> {
    let (name, draft) = (f.name.trim().to_string(), draft_of(&f));
    let work = move |st: &AppState, a: &Actor| {
        app::add_user(st, a, &f.name, &f.role, Some(&f.unit), Some(&f.password))
    };
    let done = |generated| added(r.lang, &name, generated);
    change(
        &state,
        &r,
        Tab::Users(Some(draft)),
        Threads::Passwords,
        work,
        done,
    )
    .await
}

/// What was typed in the add form, to show again if it is refused (never the password).
fn draft_of(f: &AddUserForm) -> Draft {
    Draft {
        name: f.name.clone(),
        role: f.role.clone(),
        unit: f.unit.clone(),
    }
}

/// A user added, with the password generated for them (shown once).
fn added(lang: Lang, name: &str, generated: Option<String>) -> Notice {
    let (vi, en) = (
        format!("Đã thêm người dùng “{name}”"),
        format!("User “{name}” added"),
    );
    match generated {
        Some(password) => {
            let what = lang.pick(&vi, &en).to_string() + lang.pick(". Mật khẩu", ". Password");
            secret(&what, password, false)
        }
        None => Notice::Said(Said::saved((vi + ".", en + "."))),
    }
}

pub async fn change_user(
    state: web::Data<AppState>,
    r: Reader<Admin>,
    path: web::Path<String>,
    CsrfForm(f): CsrfForm<RoleForm>,
) -> Result<HttpResponse, PageError> {
    let id = path.into_inner();
    let work = move |st: &AppState, a: &Actor| app::change_user(st, a, &id, &f.role, Some(&f.unit));
    let said = ("Đã lưu vai trò và phạm vi.", "Role and scope saved.");
    change(&state, &r, Tab::Users(None), Threads::Service, work, |()| {
        saved(said)
    })
    .await
}

pub async fn reset_password(
    r: Reader<Admin>,
    path: web::Path<String>,
    _: CsrfForm<Button>,
) -> Result<HttpResponse, PageError> {
    let id = path.into_inner();
    let work = move |st: &AppState, a: &Actor| app::reset_password_named(st, a, &id);
    let done = |(password, name): (Option<String>, String)| new_password(r.lang, password, &name);
    change(
        &r.state,
        &r,
        Tab::Users(None),
        Threads::Passwords,
        work,
        done,
    )
    .await
}

fn new_password(lang: Lang, password: Option<String>, name: &str) -> Notice {
    let Some(password) = password else {
        return Notice::None;
    };
    let what = match lang {
        Lang::Vi => {
            format!("Mật khẩu mới của “{name}” (các phiên đăng nhập của người này đã kết thúc)")
        }
        Lang::En => format!("New password of “{name}” (their sessions have ended)"),
    };
    secret(&what, password, false)
}

pub async fn disable_user(
    r: Reader<Admin>,
    path: web::Path<String>,
    _: CsrfForm<Button>,
) -> Result<HttpResponse, PageError> {
    let said = (
        "Đã khoá tài khoản; các phiên đăng nhập của người này đã kết thúc.",
        "Account disabled; its sessions have ended.",
    );
    let disable = |st: &AppState, a: &Actor, id: &str| app::set_disabled(st, a, id, true);
    on_row(r, path.into_inner(), Tab::Users(None), disable, said).await
}

pub async fn enable_user(
    r: Reader<Admin>,
    path: web::Path<String>,
    _: CsrfForm<Button>,
) -> Result<HttpResponse, PageError> {
    let said = ("Đã mở khoá tài khoản.", "Account enabled.");
    let enable = |st: &AppState, a: &Actor, id: &str| app::set_disabled(st, a, id, false);
    on_row(r, path.into_inner(), Tab::Users(None), enable, said).await
}

pub async fn kiosks(r: Reader<Supervisor>) -> Result<HttpResponse, PageError> {
    show(&r.state, &r, Tab::Kiosks, Notice::None).await
}

pub async fn add_kiosk(
    state: web::Data<AppState>,
    r: Reader<Admin>,
    CsrfForm(f): CsrfForm<AddKioskForm>,
) -> Result<HttpResponse, PageError> {
    let work = move |st: &AppState, a: &Actor| app::add_kiosk(st, a, &f.unit, &f.survey, &f.label);
    let what = r.lang.pick(
        "Đã thêm kiosk. Đường dẫn của thiết bị",
        "Kiosk added. The device's address",
    );
    change(
        &state,
        &r,
        Tab::Kiosks,
        Threads::Service,
        work,
        |(_, url)| secret(what, url, true),
    )
    .await
}

pub async fn revoke_kiosk(
    r: Reader<Admin>,
    path: web::Path<String>,
    _: CsrfForm<Button>,
) -> Result<HttpResponse, PageError> {
    let said = (
        "Đã thu hồi kiosk: đường dẫn của thiết bị không còn dùng được.",
        "Kiosk revoked: the device's address no longer works.",
    );
    let revoke = |st: &AppState, a: &Actor, id: &str| app::revoke_kiosk(st, a, id);
    on_row(r, path.into_inner(), Tab::Kiosks, revoke, said).await
}

pub async fn tokens(r: Reader<Supervisor>) -> Result<HttpResponse, PageError> {
    show(&r.state, &r, Tab::Tokens, Notice::None).await
}

pub async fn create_token(
    state: web::Data<AppState>,
    r: Reader<Admin>,
    CsrfForm(f): CsrfForm<TokenForm>,
) -> Result<HttpResponse, PageError> {
    let work =
        move |st: &AppState, a: &Actor| app::create_token(st, a, &f.role, &f.label, Some(&f.unit));
    let what = r.lang.pick("Đã tạo khoá API", "API token created");
    change(&state, &r, Tab::Tokens, Threads::Service, work, |token| {
        secret(what, token, false)
    })
    .await
}

pub async fn revoke_token(
    r: Reader<Admin>,
    path: web::Path<String>,
    _: CsrfForm<Button>,
) -> Result<HttpResponse, PageError> {
    let said = (
        "Đã thu hồi khoá API; các máy chủ từ chối khoá này trong vòng 30 giây.",
        "API token revoked; servers refuse it within 30 seconds.",
    );
    let revoke = |st: &AppState, a: &Actor, id: &str| app::revoke_token(st, a, id);
    on_row(r, path.into_inner(), Tab::Tokens, revoke, said).await
}
