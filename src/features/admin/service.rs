//! Administration: users, kiosks and API tokens, and reading the audit log. The admin pages
//! (`/admin/…`) and the CLI (`chiso user|kiosk|token|audit`) call these same functions.
//!
//! An administrator limited to a unit acts within it (`Actor`): what they create is scoped to
//! their unit or a unit below it, never above their own role, and users, tokens and kiosks
//! outside it are not theirs to change. The command line acts as the operator (the whole city).
//!
//! Every change is recorded in the audit log under the actor's name; an entry never holds a
//! password or a token (a revocation by token records only its first 8 characters). Passwords
//! and tokens are returned once, to be shown once: only hashes are stored.

use crate::db::audit::{self, Entry, Filter};
use crate::db::auth::{self, Role, TokenInfo, UserInfo};
use crate::db::kiosks::{self, KioskInfo};
use crate::db::{write_transaction, AnyConnection, DbError};
use crate::features::Actor;
use crate::state::AppState;
use crate::text::FieldProblem;
use crate::text::Text;
use std::time::Duration;

/// Fewest characters of a password an administrator chooses.
pub const MIN_PASSWORD: usize = crate::secrets::MIN_PASSWORD_CHARS;
/// Characters of a generated password (hex, 80 bits).
const GENERATED_PASSWORD: usize = 20;
const MAX_NAME: usize = 64;
const MAX_LABEL: usize = 100;

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("{}", .0.text.en)]
    Invalid(FieldProblem),
    /// What the actor asks to change lies outside their unit: they may not act on it at all.
    #[error("{}", .0.en)]
    Forbidden(Text),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for AdminError {
    fn from(e: diesel::result::Error) -> Self {
        AdminError::Db(e.into())
    }
}

fn invalid(field: &'static str, vi: impl Into<String>, en: impl Into<String>) -> AdminError {
    AdminError::Invalid(FieldProblem::new(field, vi, en))
}

fn db<T>(
    state: &AppState,
    work: impl FnOnce(&mut AnyConnection) -> Result<T, AdminError>,
) -> Result<T, AdminError> {
    state.db_blocking(work)
}

/// A change and its audit entry, in one transaction: both or neither.
fn change<T>(
    state: &AppState,
    work: impl FnOnce(&mut AnyConnection) -> Result<T, AdminError>,
) -> Result<T, AdminError> {
    state.db_blocking(|conn| write_transaction(conn, work))
}

pub fn parse_role(role: &str) -> Result<Role, AdminError> {
    role.trim().parse().map_err(|_| {
        invalid(
            "role",
            format!(
                "Vai trò: không có vai trò “{}” (admin, supervisor, surveyor, viewer)",
                role.trim()
            ),
            format!(
                "unknown role '{}' (admin, supervisor, surveyor, viewer)",
                role.trim()
            ),
        )
    })
}

/// A unit scope as typed: empty for none, else a unit of any map.
fn scope(state: &AppState, unit: Option<&str>) -> Result<Option<String>, AdminError> {
    match unit.map(str::trim) {
        None | Some("") => Ok(None),
        Some(code) => match state.units.get(code) {
            Some(u) => Ok(Some(u.code.clone())),
            None => Err(invalid(
                "unit",
                format!("Đơn vị: không có đơn vị “{code}”"),
                format!("unknown unit '{code}'"),
            )),
        },
    }
}

impl From<FieldProblem> for AdminError {
    fn from(p: FieldProblem) -> Self {
        AdminError::Invalid(p)
    }
}

/// Refuses the actor a user, token or kiosk of `scope` outside their unit.
fn within(state: &AppState, actor: &Actor, scope: Option<&str>) -> Result<(), AdminError> {
    match actor.outside(&state.units, scope) {
        None => Ok(()),
        Some(why) => Err(AdminError::Forbidden(why)),
    }
}

fn check_password(password: &str) -> Result<(), AdminError> {
    if password.chars().count() < MIN_PASSWORD {
        return Err(invalid(
            "password",
            format!("Mật khẩu: cần ít nhất {MIN_PASSWORD} ký tự"),
            format!("the password needs at least {MIN_PASSWORD} characters"),
        ));
    }
    Ok(())
}

fn generated_password() -> String {
    auth::new_secret()
        .chars()
        .take(GENERATED_PASSWORD)
        .collect()
}

fn user_named(conn: &mut AnyConnection, who: &str) -> Result<UserInfo, AdminError> {
    auth::find_user(conn, who.trim())?.ok_or_else(|| {
        invalid(
            "user",
            format!("Người dùng: không có người dùng “{}”", who.trim()),
            format!("no user '{}'", who.trim()),
        )
    })
}

pub fn users(state: &AppState) -> Result<Vec<UserInfo>, AdminError> {
    db(state, |conn| Ok(auth::list_users(conn)?))
}

/// The users `viewer` may see: everyone for the city's staff; for a unit's supervisor, the
/// users of that unit and the units below it (not the city's, not another unit's).
pub fn users_seen_by(state: &AppState, viewer: &auth::User) -> Result<Vec<UserInfo>, AdminError> {
    let all = users(state)?;
    Ok(match &viewer.unit {
        None => all,
        Some(scope) => {
            let below = state.units.subtree(scope);
            all.into_iter()
                .filter(|u| u.unit_code.as_ref().is_some_and(|c| below.contains(c)))
                .collect()
        }
    })
}

/// Adds a user. With no password (or an empty one) a password is generated and returned.
pub fn add_user(
    state: &AppState,
    actor: impl Into<Actor>,
    name: &str,
    role: &str,
    unit: Option<&str>,
    password: Option<&str>,
) -> Result<Option<String>, AdminError> {
    let name = name.trim();
    if name.is_empty()
        || name.chars().count() > MAX_NAME
        || name.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(invalid(
            "name",
            format!("Tên đăng nhập: cần 1–{MAX_NAME} ký tự, không có dấu cách"),
            format!("a user name has 1 to {MAX_NAME} characters and no spaces"),
        ));
    }
    let actor = actor.into();
    let role = parse_role(role)?;
    actor.check_role(role)?;
    let unit = scope(state, unit)?;
    actor.check_unit(&state.units, unit.as_deref())?;
    let (password, generated) = match password {
        Some(p) if !p.is_empty() => {
            check_password(p)?;
            (p.to_string(), false)
        }
        _ => (generated_password(), true),
    };
    let taken = || {
        invalid(
            "name",
            format!("Tên đăng nhập: “{name}” đã có người dùng"),
            format!("user '{name}' already exists"),
        )
    };
    change(state, |conn| {
        if auth::find_user(conn, name)?.is_some() {
            return Err(taken());
        }
        // Two administrators adding the same name at once: the second is told so.
        match auth::add_user(conn, name, &password, role, unit.as_deref()) {
            Err(DbError::Query(e)) if crate::db::is_unique_violation(&e) => return Err(taken()),
            other => other?,
        };
        let detail = format!("{name} {role} {}", unit.as_deref().unwrap_or("-"));
        audit::record(conn, &actor.name, "user.add", &detail)?;
        Ok(())
    })?;
    Ok(generated.then_some(password))
}

/// Changes a user's role and unit scope. An administrator cannot take their own role away.
pub fn change_user(
    state: &AppState,
    actor: impl Into<Actor>,
    who: &str,
    role: &str,
    unit: Option<&str>,
) -> Result<(), AdminError> {
    let actor = actor.into();
    let role = parse_role(role)?;
    let unit = scope(state, unit)?;
    change(state, |conn| {
        let user = user_named(conn, who)?;
        within(state, &actor, user.unit_code.as_deref())?;
        // Neither moving someone out of the actor's unit nor widening a scope.
        actor.check_role(role)?;
        actor.check_unit(&state.units, unit.as_deref())?;
        if user.username == actor.name && role != Role::Admin {
            return Err(invalid(
                "role",
                "Vai trò: không thể tự bỏ quyền quản trị của chính mình",
                "an administrator cannot take their own admin role away",
            ));
        }
        auth::set_role(conn, &user.id, role, unit.as_deref())?;
        let detail = format!(
            "{} {role} {}",
            user.username,
            unit.as_deref().unwrap_or("-")
        );
        audit::record(conn, &actor.name, "user.role", &detail)?;
        Ok(())
    })
}

/// Sets a user's password (generated when none is given, and then returned) and ends their
/// sessions.
pub fn reset_password(
    state: &AppState,
    actor: impl Into<Actor>,
    who: &str,
    password: Option<&str>,
) -> Result<Option<String>, AdminError> {
    let actor = actor.into();
    let (password, generated) = match password {
        Some(p) if !p.is_empty() => {
            check_password(p)?;
            (p.to_string(), false)
        }
        _ => (generated_password(), true),
    };
    change(state, |conn| {
        let user = user_named(conn, who)?;
        within(state, &actor, user.unit_code.as_deref())?;
        auth::set_password(conn, &user.id, &password)?;
        audit::record(conn, &actor.name, "user.password", &user.username)?;
        Ok(())
    })?;
    Ok(generated.then_some(password))
}

/// Disables a user (their sessions end at once and they cannot sign in) or enables them
/// again. An administrator cannot disable themself.
pub fn set_disabled(
    state: &AppState,
    actor: impl Into<Actor>,
    who: &str,
    disabled: bool,
) -> Result<(), AdminError> {
    let actor = actor.into();
    change(state, |conn| {
        let user = user_named(conn, who)?;
        within(state, &actor, user.unit_code.as_deref())?;
        if disabled && user.username == actor.name {
            return Err(invalid(
                "user",
                "Người dùng: không thể tự khoá tài khoản của chính mình",
                "an administrator cannot disable themself",
            ));
        }
        if user.disabled == disabled {
            let (vi, en) = if disabled {
                ("đã bị khoá", "is already disabled")
            } else {
                ("đang hoạt động", "is already active")
            };
            return Err(invalid(
                "user",
                format!("Người dùng: “{}” {vi}", user.username),
                format!("user '{}' {en}", user.username),
            ));
        }
        auth::set_disabled(conn, &user.id, disabled)?;
        let action = if disabled {
            "user.disable"
        } else {
            "user.enable"
        };
        audit::record(conn, &actor.name, action, &user.username)?;
        Ok(())
    })
}

/// A kiosk with what can be said of its use, and nothing that times a citizen's answer.
#[derive(Debug, Clone)]
pub struct KioskView {
    pub kiosk: KioskInfo,
    pub unit_name: String,
    pub survey_title: String,
    /// Its form page was loaded on this server within the last hour ([`ALIVE_WITHIN`]).
    pub alive: bool,
    /// Today's kiosk answers at the kiosk's unit for its survey, from every kiosk there
    /// (answers do not name the kiosk); None where withheld: under the smallest cell, or
    /// beside such a count so that it cannot be worked out from the day's total.
    pub today_at_unit: Option<i64>,
}

/// How recent a page load must be for a kiosk to count as alive.
pub const ALIVE_WITHIN: Duration = Duration::from_secs(3600);

/// Today's kiosk answers per (unit, survey), withheld as a table per survey: a count under
/// the smallest cell, and enough others that none is the day's total minus the rest.
fn today_counts(
    counts: &[(String, String, i64)],
    min_cell: i64,
) -> std::collections::HashMap<(String, String), Option<i64>> {
    let mut out = std::collections::HashMap::new();
    let mut surveys: Vec<&String> = counts.iter().map(|(_, s, _)| s).collect();
    surveys.sort();
    surveys.dedup();
    for survey in surveys {
        let rows: Vec<&(String, String, i64)> =
            counts.iter().filter(|(_, s, _)| s == survey).collect();
        let cells: Vec<crate::scoring::suppress::Cell> = rows
            .iter()
            .map(|(_, _, n)| crate::scoring::suppress::Cell {
                forms: *n,
                small: *n < min_cell,
            })
            .collect();
        let total = rows.iter().map(|(_, _, n)| n).sum();
        let w = crate::scoring::suppress::withhold(&cells, total, false, min_cell);
        for ((unit, s, n), hide) in rows.into_iter().zip(w.cells) {
            out.insert((unit.clone(), s.clone()), (!hide).then_some(*n));
        }
    }
    out
}

pub fn kiosks(state: &AppState) -> Result<Vec<KioskView>, AdminError> {
    let today = state.clock.today().format("%Y-%m-%d").to_string();
    let (list, counts) = db(state, |conn| {
        Ok((kiosks::list_info(conn)?, kiosks::answers_on(conn, &today)?))
    })?;
    // Every unit that has a kiosk takes part, with its answers or none.
    let mut counts = counts;
    for k in &list {
        if !counts
            .iter()
            .any(|(u, s, _)| *u == k.unit_code && *s == k.survey_id)
        {
            counts.push((k.unit_code.clone(), k.survey_id.clone(), 0));
        }
    }
    let shown = today_counts(&counts, state.settings.min_cell);
    let seen = state
        .kiosk_seen
        .lock()
        .map(|m| m.clone())
        .unwrap_or_default();
    Ok(list
        .into_iter()
        .map(|k| KioskView {
            unit_name: state
                .units
                .get(&k.unit_code)
                .map_or_else(|| k.unit_code.clone(), |u| u.name.clone()),
            survey_title: state
                .catalog
                .get(&k.survey_id)
                .map_or_else(|| k.survey_id.clone(), |s| s.title.clone()),
            alive: seen.get(&k.id).is_some_and(|t| t.elapsed() < ALIVE_WITHIN),
            today_at_unit: shown
                .get(&(k.unit_code.clone(), k.survey_id.clone()))
                .copied()
                .flatten(),
            kiosk: k,
        })
        .collect())
}

/// Registers a kiosk for a unit of today's map; returns its URL on the public address (shown
/// once: only the token's hash is kept).
pub fn add_kiosk(
    state: &AppState,
    actor: impl Into<Actor>,
    unit: &str,
    survey: &str,
    label: &str,
) -> Result<(KioskInfo, String), AdminError> {
    let actor = actor.into();
    let (unit, survey, label) = (unit.trim(), survey.trim(), label.trim());
    let u = state.units.get(unit).ok_or_else(|| {
        invalid(
            "unit",
            format!("Đơn vị: không có đơn vị “{unit}”"),
            format!("unknown unit '{unit}'"),
        )
    })?;
    actor.check_unit(&state.units, Some(&u.code))?;
    let today = state.clock.today();
    if !state.units.valid_on(u, today) {
        let now = state.units.set_on(today);
        return Err(invalid(
            "unit",
            format!(
                "Đơn vị: {} ({unit}) không phải đơn vị hiện nay{}",
                u.name,
                now.map(|s| format!("; đơn vị hiện nay thuộc {}", s.name))
                    .unwrap_or_default()
            ),
            format!(
                "unit '{unit}' ({}) no longer exists{}",
                u.name,
                now.map(|s| format!("; units today are those of {} ({})", s.name, s.id))
                    .unwrap_or_default()
            ),
        ));
    }
    let s = state.catalog.get(survey).ok_or_else(|| {
        invalid(
            "survey",
            format!("Phiếu khảo sát: không có phiếu “{survey}”"),
            format!("unknown survey '{survey}'"),
        )
    })?;
    if !s.groups.is_empty() {
        return Err(invalid(
            "survey",
            format!(
                "Phiếu khảo sát: phiếu “{survey}” hỏi theo nhóm người trả lời, không dùng ở quầy"
            ),
            format!("survey '{survey}' asks respondent groups; it is not a counter form"),
        ));
    }
    if label.chars().count() > MAX_LABEL {
        return Err(invalid(
            "label",
            format!("Tên thiết bị: tối đa {MAX_LABEL} ký tự"),
            format!("a label has at most {MAX_LABEL} characters"),
        ));
    }
    let (id, token) = change(state, |conn| {
        let (kiosk, token) = kiosks::add(conn, unit, survey, label)?;
        let detail = format!("{} {unit} {survey} {label}", kiosk.id);
        audit::record(conn, &actor.name, "kiosk.add", detail.trim_end())?;
        Ok((kiosk.id, token))
    })?;
    let info = db(state, |conn| Ok(kiosks::list_info(conn)?))?
        .into_iter()
        .find(|k| k.id == id)
        .ok_or(AdminError::Db(DbError::Worker("the kiosk just added")))?;
    Ok((info, kiosk_url(state, &token)))
}

/// A kiosk's address on the public address.
pub fn kiosk_url(state: &AppState, token: &str) -> String {
    format!("{}/k/{token}", state.settings.public_url)
}

/// The first characters of an id or token, for the audit log.
fn shown(id: &str) -> String {
    id.chars().take(8).collect()
}

/// Revokes a kiosk by id or by its token: its URL stops working at once.
pub fn revoke_kiosk(state: &AppState, actor: impl Into<Actor>, id: &str) -> Result<(), AdminError> {
    let actor = actor.into();
    let id = id.trim();
    change(state, |conn| {
        if let Some(unit) = kiosks::unit_of(conn, id)? {
            within(state, &actor, Some(&unit))?;
        }
        if !kiosks::revoke(conn, id)? {
            return Err(invalid(
                "id",
                "Thiết bị: không có thiết bị đang hoạt động này (có thể đã bị thu hồi)",
                format!("no active kiosk '{id}'"),
            ));
        }
        audit::record(conn, &actor.name, "kiosk.revoke", &shown(id))?;
        Ok(())
    })
}

pub fn tokens(state: &AppState) -> Result<Vec<TokenInfo>, AdminError> {
    db(state, |conn| Ok(auth::list_tokens(conn)?))
}

/// The API tokens `viewer` may see: every one for the city's staff; for a user limited to a
/// unit, the tokens limited to that unit or a unit below it (not the city's, not another's).
pub fn tokens_seen_by(
    state: &AppState,
    viewer: impl Into<Actor>,
) -> Result<Vec<TokenInfo>, AdminError> {
    let viewer = viewer.into();
    Ok(tokens(state)?
        .into_iter()
        .filter(|t| viewer.reaches(&state.units, t.unit_code.as_deref()))
        .collect())
}

/// Creates an API token and returns it (shown once: only its hash is kept).
pub fn create_token(
    state: &AppState,
    actor: impl Into<Actor>,
    role: &str,
    label: &str,
    unit: Option<&str>,
) -> Result<String, AdminError> {
    let actor = actor.into();
    let role = parse_role(role)?;
    actor.check_role(role)?;
    let unit = scope(state, unit)?;
    actor.check_unit(&state.units, unit.as_deref())?;
    let label = match label.trim() {
        "" => "api",
        l => l,
    };
    if label.chars().count() > MAX_LABEL {
        return Err(invalid(
            "label",
            format!("Tên: tối đa {MAX_LABEL} ký tự"),
            format!("a label has at most {MAX_LABEL} characters"),
        ));
    }
    change(state, |conn| {
        let token = auth::create_scoped_token(conn, role, label, unit.as_deref())?;
        let detail = match &unit {
            Some(u) => format!("{role} {label} (unit {u})"),
            None => format!("{role} {label}"),
        };
        audit::record(conn, &actor.name, "token.create", &detail)?;
        Ok(token)
    })
}

/// Revokes an API token by id or by the token itself. Servers stop accepting it within
/// their token cache's time (30 s).
pub fn revoke_token(state: &AppState, actor: impl Into<Actor>, id: &str) -> Result<(), AdminError> {
    let actor = actor.into();
    let id = id.trim();
    change(state, |conn| {
        if let Some(unit) = auth::token_scope(conn, id)? {
            within(state, &actor, unit.as_deref())?;
        }
        if !auth::revoke_token(conn, id)? {
            return Err(invalid(
                "id",
                "Khoá API: không có khoá đang hoạt động này (có thể đã bị thu hồi)",
                format!("no active API token '{id}'"),
            ));
        }
        audit::record(conn, &actor.name, "token.revoke", &shown(id))?;
        Ok(())
    })?;
    // This server refuses it at once; others when their cache entry ages out.
    if let Ok(mut m) = state.token_cache.lock() {
        m.clear();
    }
    Ok(())
}

/// The latest audit entries matching `filter`, newest first.
pub fn audit(state: &AppState, filter: &Filter, limit: i64) -> Result<Vec<Entry>, AdminError> {
    db(state, |conn| {
        Ok(audit::search(conn, filter, limit.clamp(1, 10_000))?)
    })
}
