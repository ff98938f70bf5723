//! `chiso user`, `chiso token`, `chiso kiosk`: what the Department of Home Affairs manages.
//! Every change is written to the audit log.

use super::{out, CliError};
use crate::config;
use crate::db::auth::{self, Role};
use crate::db::{audit, kiosks, AnyConnection};
use crate::state::AppState;
use clap::Subcommand;

#[derive(Subcommand)]
pub(super) enum UserAction {
    /// Add a user; the password comes from CHISO_USER_PASSWORD or is generated and printed
    Add {
        name: String,
        #[arg(long, value_enum)]
        role: Role,
        /// Limit the user to this unit and what lies below it
        #[arg(long)]
        unit: Option<String>,
    },
}

#[derive(Subcommand)]
pub(super) enum TokenAction {
    /// Create a bearer token and print it (only its hash is kept)
    Create {
        #[arg(long, value_enum)]
        role: Role,
        #[arg(long, default_value = "api")]
        label: String,
    },
    /// List API tokens (id, role, label, created, status; never the tokens)
    List,
    /// Revoke an API token by id or by the token itself; servers stop accepting it within
    /// 30 seconds
    Revoke { id: String },
}

#[derive(Subcommand)]
pub(super) enum KioskAction {
    /// Register a kiosk and print its URL
    Add {
        #[arg(long)]
        unit: String,
        #[arg(long)]
        survey: String,
        #[arg(long, default_value = "")]
        label: String,
        /// Address the tablets reach the server at
        #[arg(long, env = "CHISO_PUBLIC_URL", default_value = config::DEFAULT_PUBLIC_URL)]
        base_url: String,
    },
    /// Revoke a kiosk by id or token
    Revoke { id: String },
    /// List kiosks
    List,
}

fn known_unit(state: &AppState, unit: &str) -> Result<(), CliError> {
    match state.units.get(unit) {
        Some(_) => Ok(()),
        None => Err(CliError::Refused(format!("unknown unit '{unit}'"))),
    }
}

/// A kiosk collects today's answers: its unit must exist today.
fn current_unit(state: &AppState, code: &str) -> Result<(), CliError> {
    let today = state.clock.today();
    match state.units.get(code) {
        Some(u) if !state.units.valid_on(u, today) => {
            let now = state
                .units
                .set_on(today)
                .map(|s| format!("; units today are those of {} ({})", s.name, s.id))
                .unwrap_or_default();
            Err(CliError::Refused(format!(
                "unit '{code}' ({}) no longer exists{now}",
                u.name
            )))
        }
        _ => Ok(()),
    }
}

pub(super) fn user(state: &AppState, action: UserAction) -> Result<(), CliError> {
    let UserAction::Add { name, role, unit } = action;
    if let Some(u) = &unit {
        known_unit(state, u)?;
    }
    let (password, generated) = match std::env::var("CHISO_USER_PASSWORD") {
        Ok(p) if !p.is_empty() => (p, false),
        _ => (auth::new_secret()[..20].to_string(), true),
    };
    state.db_blocking(|conn| -> Result<(), CliError> {
        auth::add_user(conn, &name, &password, role, unit.as_deref())?;
        audit::record(conn, "cli", "user.add", &format!("{name} {role}"))?;
        Ok(())
    })?;
    out!("Added user '{name}' ({role})");
    if generated {
        out!("Password: {password}");
    }
    Ok(())
}

pub(super) fn token(state: &AppState, action: TokenAction) -> Result<(), CliError> {
    state.db_blocking(|conn| match action {
        TokenAction::Create { role, label } => {
            let token = auth::create_token(conn, role, &label)?;
            audit::record(conn, "cli", "token.create", &format!("{role} {label}"))?;
            out!("{token}");
            Ok(())
        }
        TokenAction::List => {
            for t in auth::list_tokens(conn)? {
                let status = match &t.revoked_at {
                    Some(at) => format!("revoked {at}"),
                    None => "active".into(),
                };
                out!(
                    "{}\t{}\t{}\t{}\t{status}",
                    t.id,
                    t.role,
                    t.label,
                    t.created_at
                );
            }
            Ok(())
        }
        TokenAction::Revoke { id } => {
            let found = auth::revoke_token(conn, &id)?;
            revoked(conn, found, "API token", "token.revoke", &id)
        }
    })
}

pub(super) fn kiosk(state: &AppState, action: KioskAction) -> Result<(), CliError> {
    match action {
        KioskAction::Add {
            unit,
            survey,
            label,
            base_url,
        } => {
            known_unit(state, &unit)?;
            current_unit(state, &unit)?;
            if state.catalog.get(&survey).is_none() {
                return Err(CliError::Refused(format!("unknown survey '{survey}'")));
            }
            let (kiosk, token) = state.db_blocking(|conn| -> Result<_, CliError> {
                let (kiosk, token) = kiosks::add(conn, &unit, &survey, &label)?;
                let detail = format!("{} {unit} {survey}", kiosk.id);
                audit::record(conn, "cli", "kiosk.add", &detail)?;
                Ok((kiosk, token))
            })?;
            out!("{}/k/{token}", base_url.trim_end_matches('/'));
            eprintln!("kiosk {} for {unit}, survey {survey}", kiosk.id);
            Ok(())
        }
        KioskAction::Revoke { id } => state.db_blocking(|conn| {
            let found = kiosks::revoke(conn, &id)?;
            revoked(conn, found, "kiosk", "kiosk.revoke", &id)
        }),
        KioskAction::List => state.db_blocking(|conn| -> Result<(), CliError> {
            for (k, active) in kiosks::list(conn)? {
                let status = if active { "active" } else { "revoked" };
                out!("{}\t{}\t{}\t{}\t{status}", k.id, k.unit, k.survey, k.label);
            }
            Ok(())
        }),
    }
}

/// Reports a revocation by id or token and records it; the argument may be the token itself,
/// so only a prefix goes to the audit log.
fn revoked(
    conn: &mut AnyConnection,
    found: bool,
    what: &str,
    action: &str,
    id: &str,
) -> Result<(), CliError> {
    if !found {
        return Err(CliError::Refused(format!("no active {what} '{id}'")));
    }
    let shown: String = id.chars().take(8).collect();
    audit::record(conn, "cli", action, &shown)?;
    out!("revoked");
    Ok(())
}
