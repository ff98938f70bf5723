//! Kiosks: the tablets at the counters, each known by the hash of its URL's token.

use super::{change, db, invalid, revoke, units_today, AdminError, MAX_LABEL};
use crate::clock::wall_now;
use crate::db::audit;
use crate::db::kiosks::{self, KioskInfo};
use crate::db::DbError;
use crate::features::Actor;
use crate::secrets::NewToken;
use crate::state::AppState;
use crate::survey::Unit;
use std::time::Duration;

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
        let token = NewToken::generate();
        let kiosk = kiosks::add(conn, unit, survey, label, &token.hash, wall_now())?;
        let detail = format!("{} {unit} {survey} {label}", kiosk.id);
        audit::record(
            conn,
            &actor.name,
            "kiosk.add",
            detail.trim_end(),
            wall_now(),
        )?;
        Ok((kiosk.id, token.token))
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

/// Revokes a kiosk by id or by its token: its URL stops working at once.
pub fn revoke_kiosk(state: &AppState, actor: impl Into<Actor>, id: &str) -> Result<(), AdminError> {
    revoke(
        state,
        &actor.into(),
        id.trim(),
        "kiosk.revoke",
        |conn, id| Ok(kiosks::unit_of(conn, id)?.map(Some)),
        kiosks::revoke,
        (
            "Thiết bị: không có thiết bị đang hoạt động này (có thể đã bị thu hồi)",
            "no active kiosk",
        ),
    )
}

/// What the kiosks page shows its reader: the kiosks (and their counts) of the units they
/// may see, and the units they may choose for a new one.
pub struct KiosksView {
    pub kiosks: Vec<KioskView>,
    pub units: Vec<Unit>,
}

pub fn kiosks_view(state: &AppState, reader: impl Into<Actor>) -> Result<KiosksView, AdminError> {
    let reader = reader.into();
    let mut list = kiosks(state)?;
    // A user limited to a unit sees the kiosks (and their counts) of that unit only.
    if let Some(own) = &reader.unit {
        let allowed = state.units.subtree(own);
        list.retain(|k| allowed.contains(&k.kiosk.unit_code));
    }
    Ok(KiosksView {
        kiosks: list,
        units: units_today(state, &reader),
    })
}
