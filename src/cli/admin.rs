//! `chiso user`, `chiso token`, `chiso kiosk`, `chiso audit`: what the Department of Home
//! Affairs manages, through the same application functions as the admin pages. Every change
//! is written to the audit log.

use super::{out, public_url, CliError};
use chiso::db::audit::Filter;
use chiso::db::auth::Role;
use chiso::features::admin::service::{self as app, AdminError};
use chiso::state::AppState;
use clap::{Args, Subcommand};

impl From<AdminError> for CliError {
    fn from(e: AdminError) -> Self {
        match e {
            AdminError::Invalid(p) => CliError::Refused(p.text.en),
            AdminError::Forbidden(t) => CliError::Refused(t.en),
            AdminError::Db(e) => CliError::Db(e),
            AdminError::Hash(e) => CliError::Refused(e.to_string()),
        }
    }
}

#[derive(Subcommand)]
pub(super) enum UserAction {
    /// Add a user; the password comes from CHISO_USER_PASSWORD or is generated and printed
    Add {
        name: String,
        #[arg(long, value_parser = super::role_arg())]
        role: Role,
        /// Limit the user to this unit and what lies below it
        #[arg(long)]
        unit: Option<String>,
    },
    /// List users: name, role, unit scope, active/disabled, created
    List,
    /// Disable a user: their sessions end at once and they cannot sign in
    Disable { name: String },
    /// Enable a disabled user again
    Enable { name: String },
    /// Set a user's password (from CHISO_USER_PASSWORD, or generated and printed); their
    /// sessions end
    Password { name: String },
}

#[derive(Subcommand)]
pub(super) enum TokenAction {
    /// Create a bearer token and print it (only its hash is kept)
    Create {
        #[arg(long, value_parser = super::role_arg())]
        role: Role,
        #[arg(long, default_value = "api")]
        label: String,
        /// Limit the token to this unit and the units below it (scores, exports, submissions)
        #[arg(long)]
        unit: Option<String>,
    },
    /// List API tokens (id, role, unit, label, created, status; never the tokens)
    List,
    /// Revoke an API token by id or by the token itself; servers stop accepting it within
    /// 30 seconds
    Revoke { id: String },
}

#[derive(Subcommand)]
pub(super) enum KioskAction {
    /// Register a kiosk and print its URL on the public address
    Add {
        #[arg(long)]
        unit: String,
        #[arg(long)]
        survey: String,
        #[arg(long, default_value = "")]
        label: String,
        /// Address to print instead of the public address (--public-url)
        #[arg(long)]
        base_url: Option<String>,
    },
    /// Revoke a kiosk by id or token
    Revoke { id: String },
    /// List kiosks: id, unit, survey, label, active/revoked
    List,
}

#[derive(Args)]
pub(super) struct AuditArgs {
    /// Only entries by this user ("cli" for the command line)
    #[arg(long)]
    actor: Option<String>,
    /// Only actions starting with this ("user.", "paper.settle")
    #[arg(long)]
    action: Option<String>,
    /// At most this many entries, newest first
    #[arg(long, default_value_t = 100)]
    limit: i64,
}

/// The password to set: CHISO_USER_PASSWORD, or none (one is generated).
fn password_from_env() -> Option<String> {
    std::env::var("CHISO_USER_PASSWORD")
        .ok()
        .filter(|p| !p.is_empty())
}

pub(super) fn user(state: &AppState, action: UserAction) -> Result<(), CliError> {
    match action {
        UserAction::Add { name, role, unit } => {
            let password = password_from_env();
            let generated = app::add_user(
                state,
                "cli",
                &name,
                &role.to_string(),
                unit.as_deref(),
                password.as_deref(),
            )?;
            out!("Added user '{}' ({role})", name.trim());
            if let Some(p) = generated {
                out!("Password: {p}");
            }
        }
        UserAction::List => {
            for u in app::users(state)? {
                let status = if u.disabled { "disabled" } else { "active" };
                out!(
                    "{}\t{}\t{}\t{status}\t{}",
                    u.username,
                    u.role,
                    u.unit_code.as_deref().unwrap_or("-"),
                    u.created_at
                );
            }
        }
        UserAction::Disable { name } => {
            app::set_disabled(state, "cli", &name, true)?;
            out!("disabled");
        }
        UserAction::Enable { name } => {
            app::set_disabled(state, "cli", &name, false)?;
            out!("enabled");
        }
        UserAction::Password { name } => {
            let password = password_from_env();
            match app::reset_password(state, "cli", &name, password.as_deref())? {
                Some(p) => out!("Password: {p}"),
                None => out!("password set"),
            }
        }
    }
    Ok(())
}

pub(super) fn token(state: &AppState, action: TokenAction) -> Result<(), CliError> {
    match action {
        TokenAction::Create { role, label, unit } => {
            let token =
                app::create_token(state, "cli", &role.to_string(), &label, unit.as_deref())?;
            out!("{token}");
        }
        TokenAction::List => {
            for t in app::tokens(state)? {
                let status = match &t.revoked_at {
                    Some(at) => format!("revoked {at}"),
                    None => "active".into(),
                };
                out!(
                    "{}\t{}\t{}\t{}\t{}\t{status}",
                    t.id,
                    t.role,
                    t.unit_code.as_deref().unwrap_or("-"),
                    t.label,
                    t.created_at
                );
            }
        }
        TokenAction::Revoke { id } => {
            app::revoke_token(state, "cli", &id)?;
            out!("revoked");
        }
    }
    Ok(())
}

pub(super) fn kiosk(state: &AppState, action: KioskAction) -> Result<(), CliError> {
    match action {
        KioskAction::Add {
            unit,
            survey,
            label,
            base_url,
        } => {
            let (kiosk, url) = app::add_kiosk(state, "cli", &unit, &survey, &label)?;
            let url = match base_url {
                Some(_) => {
                    let token = url.rsplit('/').next().unwrap_or_default();
                    format!("{}/k/{token}", public_url(state, base_url.as_deref()))
                }
                None => url,
            };
            out!("{url}");
            eprintln!("kiosk {} for {unit}, survey {survey}", kiosk.id);
        }
        KioskAction::Revoke { id } => {
            app::revoke_kiosk(state, "cli", &id)?;
            out!("revoked");
        }
        KioskAction::List => {
            for k in app::kiosks(state)? {
                let k = k.kiosk;
                let status = if k.revoked_at.is_none() {
                    "active"
                } else {
                    "revoked"
                };
                out!(
                    "{}\t{}\t{}\t{}\t{status}",
                    k.id,
                    k.unit_code,
                    k.survey_id,
                    k.label
                );
            }
        }
    }
    Ok(())
}

/// `chiso audit`: the latest entries, newest first, one a line (time, actor, action, detail).
pub(super) fn audit(state: &AppState, args: &AuditArgs) -> Result<(), CliError> {
    let filter = Filter {
        actor: args.actor.clone().filter(|a| !a.is_empty()),
        action: args.action.clone().filter(|a| !a.is_empty()),
        ..Filter::default()
    };
    for e in app::audit(state, &filter, args.limit)? {
        out!("{}\t{}\t{}\t{}", e.at, e.actor, e.action, e.detail);
    }
    Ok(())
}
