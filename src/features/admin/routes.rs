//! Administration in the browser: `/admin/users`, `/admin/kiosks`, `/admin/tokens`.
//! Supervisors read; administrators change, through `app::admin` as the CLI does. Bad input
//! (a unit outside the reader's own among them) shows the page again with a message naming the
//! field, and changes nothing; a user, token or kiosk outside the reader's unit is a 403. A
//! reader limited to a unit sees and is offered that unit and the units below it only.

use crate::db::auth::User;
use crate::features::actor::Actor;
use crate::features::admin::page::{self as view, Draft, Notice};
use crate::features::admin::service::{self as app, AdminError};
use crate::features::paper::page::Staff;
use crate::features::sign_in::routes::CsrfOnly;
use crate::state::AppState;
use crate::survey::Unit;
use crate::text::{Lang, Text};
use crate::web::error::PageError;
use crate::web::extract::{Admin, Csrf, CsrfForm, SignedIn, Supervisor, WithCsrf};
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;

pub async fn home(_: SignedIn<Supervisor>) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", "/admin/users"))
        .finish()
}

/// Runs an administration function off the async threads. Bad input comes back as the
/// notice to show, everything else as an error page.
async fn run<T: Send + 'static>(
    state: &web::Data<AppState>,
    lang: Lang,
    work: impl FnOnce(&AppState) -> Result<T, AdminError> + Send + 'static,
) -> Result<Result<T, Notice>, PageError> {
    let st = state.get_ref().clone();
    let outcome = web::block(move || work(&st))
        .await
        .map_err(|_| PageError::busy())?;
    settle(outcome, lang)
}

fn settle<T>(outcome: Result<T, AdminError>, lang: Lang) -> Result<Result<T, Notice>, PageError> {
    match outcome {
        Ok(x) => Ok(Ok(x)),
        Err(AdminError::Invalid(p)) => Ok(Err(Notice::Error(lang.text(&p.text).to_string()))),
        Err(AdminError::Forbidden(why)) => Err(PageError::new(
            StatusCode::FORBIDDEN,
            ("Không có quyền", "Not allowed"),
            why,
        )),
        Err(AdminError::Db(e)) => Err(e.into()),
    }
}

/// Password work (hashing) runs on the password threads, which bound its memory.
async fn run_hashing<T: Send + 'static>(
    state: &web::Data<AppState>,
    lang: Lang,
    work: impl FnOnce(&AppState) -> Result<T, AdminError> + Send + 'static,
) -> Result<Result<T, Notice>, PageError> {
    let st = state.get_ref().clone();
    settle(state.passwords.run(move || work(&st)).await?, lang)
}

fn status_of(n: &Notice) -> StatusCode {
    match n {
        Notice::Error(_) => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::OK,
    }
}

/// Today's units the reader may choose: all of them for the city's staff, else the reader's
/// unit and the units below it.
fn units_today(state: &AppState, reader: &User) -> Vec<Unit> {
    let today = state
        .units
        .set_on(state.clock.today())
        .map(|s| s.id.clone());
    let reader = Actor::from(reader);
    state
        .units
        .units_of(today.as_deref())
        .into_iter()
        .filter(|u| reader.reaches(&state.units, Some(&u.code)))
        .cloned()
        .collect()
}

async fn users_page(
    state: &web::Data<AppState>,
    user: &User,
    csrf: &Csrf,
    lang: Lang,
    notice: Notice,
    draft: Option<Draft>,
) -> Result<HttpResponse, PageError> {
    const HERE: &str = "/admin/users";
    let viewer = user.clone();
    let users = load(state, lang, move |st| app::users_seen_by(st, &viewer)).await?;
    let units = units_today(state, user);
    let unit_name = |code: &str| {
        state
            .units
            .get(code)
            .map_or_else(|| code.to_string(), |u| u.name.clone())
    };
    let status = status_of(&notice);
    Ok(csrf.page(
        status,
        view::users(&view::UsersPage {
            staff: Staff {
                username: &user.username,
                role: user.role,
                csrf: &csrf.token,
                lang,
                here: HERE,
            },
            users: &users,
            units: &units,
            unit_name: &unit_name,
            notice,
            draft,
        }),
    ))
}

/// What a page lists; reading never meets bad input.
async fn load<T: Send + 'static>(
    state: &web::Data<AppState>,
    lang: Lang,
    work: impl FnOnce(&AppState) -> Result<T, AdminError> + Send + 'static,
) -> Result<T, PageError> {
    run(state, lang, work).await?.map_err(|n| {
        let message = match n {
            Notice::Error(m) | Notice::Saved(m) => m,
            _ => String::new(),
        };
        // The notice is worded in the reader's language already.
        PageError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ("Không đọc được danh sách", "The list could not be read"),
            Text::same(message),
        )
    })
}

pub async fn users(
    state: web::Data<AppState>,
    SignedIn { user, .. }: SignedIn<Supervisor>,
    csrf: Csrf,
    lang: Lang,
) -> Result<HttpResponse, PageError> {
    users_page(&state, &user, &csrf, lang, Notice::None, None).await
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

impl WithCsrf for AddUserForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

pub async fn add_user(
    state: web::Data<AppState>,
    SignedIn { user, .. }: SignedIn<Admin>,
    csrf: Csrf,
    lang: Lang,
    CsrfForm(f): CsrfForm<AddUserForm>,
) -> Result<HttpResponse, PageError> {
    let actor = Actor::from(&user);
    let name = f.name.trim().to_string();
    let draft = Draft {
        name: f.name.clone(),
        role: f.role.clone(),
        unit: f.unit.clone(),
    };
    let outcome = run_hashing(&state, lang, move |st| {
        app::add_user(
            st,
            &actor,
            &f.name,
            &f.role,
            Some(&f.unit),
            Some(&f.password),
        )
    })
    .await?;
    let notice = match outcome {
        Ok(Some(password)) => Notice::Secret {
            what: match lang {
                Lang::Vi => format!("Đã thêm người dùng “{name}”. Mật khẩu"),
                Lang::En => format!("User “{name}” added. Password"),
            },
            value: password,
            qr: false,
        },
        Ok(None) => Notice::Saved(match lang {
            Lang::Vi => format!("Đã thêm người dùng “{name}”."),
            Lang::En => format!("User “{name}” added."),
        }),
        Err(n) => return users_page(&state, &user, &csrf, lang, n, Some(draft)).await,
    };
    users_page(&state, &user, &csrf, lang, notice, None).await
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

impl WithCsrf for RoleForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

pub async fn change_user(
    state: web::Data<AppState>,
    SignedIn { user, .. }: SignedIn<Admin>,
    csrf: Csrf,
    lang: Lang,
    path: web::Path<String>,
    CsrfForm(f): CsrfForm<RoleForm>,
) -> Result<HttpResponse, PageError> {
    let actor = Actor::from(&user);
    let id = path.into_inner();
    let outcome = run(&state, lang, move |st| {
        app::change_user(st, &actor, &id, &f.role, Some(&f.unit))
    })
    .await?;
    let notice = match outcome {
        Ok(()) => Notice::Saved(
            lang.pick("Đã lưu vai trò và phạm vi.", "Role and scope saved.")
                .into(),
        ),
        Err(n) => n,
    };
    users_page(&state, &user, &csrf, lang, notice, None).await
}

pub async fn reset_password(
    state: web::Data<AppState>,
    SignedIn { user, .. }: SignedIn<Admin>,
    csrf: Csrf,
    lang: Lang,
    path: web::Path<String>,
    _: CsrfForm<CsrfOnly>,
) -> Result<HttpResponse, PageError> {
    let actor = Actor::from(&user);
    let id = path.into_inner();
    let outcome = run_hashing(&state, lang, move |st| {
        let name = app::users(st)?
            .into_iter()
            .find(|u| u.id == id)
            .map_or(id.clone(), |u| u.username);
        Ok((app::reset_password(st, &actor, &id, None)?, name))
    })
    .await?;
    let notice = match outcome {
        Ok((Some(password), name)) => Notice::Secret {
            what: match lang {
                Lang::Vi => format!(
                    "Mật khẩu mới của “{name}” (các phiên đăng nhập của người này đã kết thúc)"
                ),
                Lang::En => format!("New password of “{name}” (their sessions have ended)"),
            },
            value: password,
            qr: false,
        },
        Ok((None, _)) => Notice::None,
        Err(n) => n,
    };
    users_page(&state, &user, &csrf, lang, notice, None).await
}

async fn set_disabled(
    state: web::Data<AppState>,
    user: User,
    csrf: Csrf,
    lang: Lang,
    id: String,
    disabled: bool,
) -> Result<HttpResponse, PageError> {
    let actor = Actor::from(&user);
    let outcome = run(&state, lang, move |st| {
        app::set_disabled(st, &actor, &id, disabled)
    })
    .await?;
    let notice = match outcome {
        Ok(()) if disabled => Notice::Saved(
            lang.pick(
                "Đã khoá tài khoản; các phiên đăng nhập của người này đã kết thúc.",
                "Account disabled; its sessions have ended.",
            )
            .into(),
        ),
        Ok(()) => Notice::Saved(
            lang.pick("Đã mở khoá tài khoản.", "Account enabled.")
                .into(),
        ),
        Err(n) => n,
    };
    users_page(&state, &user, &csrf, lang, notice, None).await
}

pub async fn disable_user(
    state: web::Data<AppState>,
    SignedIn { user, .. }: SignedIn<Admin>,
    csrf: Csrf,
    lang: Lang,
    path: web::Path<String>,
    _: CsrfForm<CsrfOnly>,
) -> Result<HttpResponse, PageError> {
    set_disabled(state, user, csrf, lang, path.into_inner(), true).await
}

pub async fn enable_user(
    state: web::Data<AppState>,
    SignedIn { user, .. }: SignedIn<Admin>,
    csrf: Csrf,
    lang: Lang,
    path: web::Path<String>,
    _: CsrfForm<CsrfOnly>,
) -> Result<HttpResponse, PageError> {
    set_disabled(state, user, csrf, lang, path.into_inner(), false).await
}

async fn kiosks_page(
    state: &web::Data<AppState>,
    user: &User,
    csrf: &Csrf,
    lang: Lang,
    notice: Notice,
) -> Result<HttpResponse, PageError> {
    const HERE: &str = "/admin/kiosks";
    let mut kiosks = load(state, lang, app::kiosks).await?;
    // A user limited to a unit sees the kiosks (and their counts) of that unit only.
    if let Some(scope) = &user.unit {
        let allowed = state.units.subtree(scope);
        kiosks.retain(|k| allowed.contains(&k.kiosk.unit_code));
    }
    let units = units_today(state, user);
    let status = status_of(&notice);
    Ok(csrf.page(
        status,
        view::kiosks(&view::KiosksPage {
            staff: Staff {
                username: &user.username,
                role: user.role,
                csrf: &csrf.token,
                lang,
                here: HERE,
            },
            kiosks: &kiosks,
            min_cell: state.settings.min_cell,
            units: &units,
            surveys: state
                .catalog
                .surveys
                .values()
                .filter(|s| s.groups.is_empty())
                .collect(),
            notice,
        }),
    ))
}

pub async fn kiosks(
    state: web::Data<AppState>,
    SignedIn { user, .. }: SignedIn<Supervisor>,
    csrf: Csrf,
    lang: Lang,
) -> Result<HttpResponse, PageError> {
    kiosks_page(&state, &user, &csrf, lang, Notice::None).await
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

impl WithCsrf for AddKioskForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

pub async fn add_kiosk(
    state: web::Data<AppState>,
    SignedIn { user, .. }: SignedIn<Admin>,
    csrf: Csrf,
    lang: Lang,
    CsrfForm(f): CsrfForm<AddKioskForm>,
) -> Result<HttpResponse, PageError> {
    let actor = Actor::from(&user);
    let outcome = run(&state, lang, move |st| {
        app::add_kiosk(st, &actor, &f.unit, &f.survey, &f.label)
    })
    .await?;
    let notice = match outcome {
        Ok((_, url)) => Notice::Secret {
            what: lang
                .pick(
                    "Đã thêm kiosk. Đường dẫn của thiết bị",
                    "Kiosk added. The device's address",
                )
                .into(),
            value: url,
            qr: true,
        },
        Err(n) => n,
    };
    kiosks_page(&state, &user, &csrf, lang, notice).await
}

pub async fn revoke_kiosk(
    state: web::Data<AppState>,
    SignedIn { user, .. }: SignedIn<Admin>,
    csrf: Csrf,
    lang: Lang,
    path: web::Path<String>,
    _: CsrfForm<CsrfOnly>,
) -> Result<HttpResponse, PageError> {
    let actor = Actor::from(&user);
    let id = path.into_inner();
    let outcome = run(&state, lang, move |st| app::revoke_kiosk(st, &actor, &id)).await?;
    let notice = match outcome {
        Ok(()) => Notice::Saved(
            lang.pick(
                "Đã thu hồi kiosk: đường dẫn của thiết bị không còn dùng được.",
                "Kiosk revoked: the device's address no longer works.",
            )
            .into(),
        ),
        Err(n) => n,
    };
    kiosks_page(&state, &user, &csrf, lang, notice).await
}

async fn tokens_page(
    state: &web::Data<AppState>,
    user: &User,
    csrf: &Csrf,
    lang: Lang,
    notice: Notice,
) -> Result<HttpResponse, PageError> {
    const HERE: &str = "/admin/tokens";
    let reader = Actor::from(user);
    let tokens = load(state, lang, move |st| app::tokens_seen_by(st, reader)).await?;
    let units = units_today(state, user);
    let unit_name = |code: &str| {
        state
            .units
            .get(code)
            .map_or_else(|| code.to_string(), |u| u.name.clone())
    };
    let status = status_of(&notice);
    Ok(csrf.page(
        status,
        view::tokens(&view::TokensPage {
            staff: Staff {
                username: &user.username,
                role: user.role,
                csrf: &csrf.token,
                lang,
                here: HERE,
            },
            tokens: &tokens,
            units: &units,
            unit_name: &unit_name,
            notice,
        }),
    ))
}

pub async fn tokens(
    state: web::Data<AppState>,
    SignedIn { user, .. }: SignedIn<Supervisor>,
    csrf: Csrf,
    lang: Lang,
) -> Result<HttpResponse, PageError> {
    tokens_page(&state, &user, &csrf, lang, Notice::None).await
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

impl WithCsrf for TokenForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

pub async fn create_token(
    state: web::Data<AppState>,
    SignedIn { user, .. }: SignedIn<Admin>,
    csrf: Csrf,
    lang: Lang,
    CsrfForm(f): CsrfForm<TokenForm>,
) -> Result<HttpResponse, PageError> {
    let actor = Actor::from(&user);
    let outcome = run(&state, lang, move |st| {
        app::create_token(st, &actor, &f.role, &f.label, Some(&f.unit))
    })
    .await?;
    let notice = match outcome {
        Ok(token) => Notice::Secret {
            what: lang.pick("Đã tạo khoá API", "API token created").into(),
            value: token,
            qr: false,
        },
        Err(n) => n,
    };
    tokens_page(&state, &user, &csrf, lang, notice).await
}

pub async fn revoke_token(
    state: web::Data<AppState>,
    SignedIn { user, .. }: SignedIn<Admin>,
    csrf: Csrf,
    lang: Lang,
    path: web::Path<String>,
    _: CsrfForm<CsrfOnly>,
) -> Result<HttpResponse, PageError> {
    let actor = Actor::from(&user);
    let id = path.into_inner();
    let outcome = run(&state, lang, move |st| app::revoke_token(st, &actor, &id)).await?;
    let notice = match outcome {
        Ok(()) => Notice::Saved(
            lang.pick(
                "Đã thu hồi khoá API; các máy chủ từ chối khoá này trong vòng 30 giây.",
                "API token revoked; servers refuse it within 30 seconds.",
            )
            .into(),
        ),
        Err(n) => n,
    };
    tokens_page(&state, &user, &csrf, lang, notice).await
}
