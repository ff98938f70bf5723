//! Builds the application: database, definitions, units, bootstrap admin, and the App itself.
//! Tests build the very same App.

use crate::clock::Clock;
use crate::config::Settings;
use crate::counts::Layouts;
use crate::db::{self, auth};
use crate::passwords::PasswordWorkers;
use crate::state::AppState;
use crate::survey::par::ParTree;
use crate::survey::{self, Catalog, UnitTree};
use crate::writer::Writer;
use actix_web::{web, App, HttpServer};
use std::path::Path;
use std::sync::Arc;

/// Folder under the survey directory with whole-index trees.
pub const TREES_DIR: &str = "trees";

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("{0}")]
    Db(#[from] db::DbError),
    #[error("invalid survey definitions:\n{0}")]
    Definitions(String),
    #[error("{0}")]
    Password(String),
}

/// What `prepare` did that the operator must hear about.
pub struct Prepared {
    pub state: AppState,
    /// Set when this start created the `admin` user with a generated password.
    pub generated_admin_password: Option<String>,
}

pub struct Definitions {
    pub catalog: Catalog,
    pub units: UnitTree,
    pub trees: Vec<ParTree>,
    /// The city's plan: lead agencies and their tasks (`surveys/plan/`).
    pub plan: Option<survey::plan::Plan>,
    /// Published results and rank-20 lines (`surveys/published/`).
    pub published: survey::published::Published,
}

/// Instruments, units and whole-index trees, each checked, and trees checked against the
/// instruments they draw on.
pub fn load_definitions(dir: &Path) -> Result<Definitions, Vec<survey::DefinitionError>> {
    let catalog = survey::load_dir(dir);
    let units = survey::load_unit_maps(dir);
    let trees = load_trees(&dir.join(TREES_DIR));
    let plan = load_plan(&dir.join(survey::plan::PLAN_DIR));
    let published = survey::published::load_published(dir);
    let mut errors = Vec::new();
    if let Err(e) = &published {
        errors.extend(e.iter().cloned());
    }
    if let Err(e) = &plan {
        errors.extend(e.iter().cloned());
    }
    for e in [
        catalog.as_ref().err(),
        units.as_ref().err(),
        trees.as_ref().err(),
    ]
    .into_iter()
    .flatten()
    {
        errors.extend(e.iter().cloned());
    }
    let (Ok(mut catalog), Ok(units), Ok(mut trees), Ok(published)) =
        (catalog, units, trees, published)
    else {
        return Err(errors);
    };
    bind_lines(&published, &mut catalog, &mut trees);
    for t in &trees {
        for (method, id) in t
            .sources
            .iter()
            .flat_map(|(m, ids)| ids.iter().map(move |i| (m, i)))
        {
            if catalog.get(id).is_none() {
                errors.push(survey::DefinitionError {
                    file: t.file.clone(),
                    line: 0,
                    message: format!("source of '{method}' names unknown survey '{id}'"),
                });
            }
        }
        for id in &t.sipas.forms {
            if catalog.get(id).is_none_or(|s| s.instrument != "sipas") {
                errors.push(survey::DefinitionError {
                    file: t.file.clone(),
                    line: 0,
                    message: format!("[sipas] forms names '{id}', which is not a SIPAS survey"),
                });
            }
        }
    }
    let plan = plan.ok().flatten();
    if let Some(p) = &plan {
        // Every owner named in a tree or a definition is an agency of the plan.
        let mut owners: Vec<(String, String)> = Vec::new();
        for t in &trees {
            owners.extend(t.criteria.iter().map(|c| (t.file.clone(), c.owner.clone())));
        }
        for s in catalog.surveys.values() {
            owners.extend(
                s.index
                    .iter()
                    .filter_map(|n| n.owner.clone())
                    .map(|o| (s.file.clone(), o)),
            );
        }
        owners.sort();
        owners.dedup();
        for (file, owner) in owners {
            if let (_, Some(left)) = p.split_owner(&owner) {
                errors.push(survey::DefinitionError {
                    file,
                    line: 0,
                    message: format!(
                        "owner '{owner}': '{left}' is not an agency of {} (add it there as [[agency]])",
                        p.file
                    ),
                });
            }
        }
        errors.extend(succession_items(p, &catalog, &trees));
    }
    if errors.is_empty() {
        Ok(Definitions {
            catalog,
            units,
            trees,
            plan,
            published,
        })
    } else {
        Err(errors)
    }
}

/// Every index's chance of the top 20 is drawn against the newest line published for it.
fn bind_lines(
    published: &survey::published::Published,
    catalog: &mut Catalog,
    trees: &mut [ParTree],
) {
    for s in catalog.surveys.values_mut() {
        let against = published.against(&s.instrument);
        if let Some(t) = s.top20.as_mut() {
            t.against = against;
        }
    }
    for t in trees {
        t.against = published.against("parindex");
    }
}

/// Items of the plan's successions that name a criterion or an index node
/// ("papi-aligned 2.2"): each must be one of a loaded tree or definition.
fn succession_items(
    p: &survey::plan::Plan,
    catalog: &Catalog,
    trees: &[ParTree],
) -> Vec<survey::DefinitionError> {
    let mut errors = Vec::new();
    for s in &p.successions {
        for item in &s.items {
            let Some((id, code)) = item.split_once(' ') else {
                continue;
            };
            if survey::plan::APPENDICES.contains(&id) {
                continue;
            }
            let known = trees
                .iter()
                .any(|t| t.id == id && t.criteria.iter().any(|c| c.code == code))
                || catalog
                    .get(id)
                    .is_some_and(|d| d.index.iter().any(|n| n.code == code));
            if !known {
                errors.push(survey::DefinitionError {
                    file: p.file.clone(),
                    line: 0,
                    message: format!(
                        "succession {} → {}: item '{item}' is no criterion or index node of a loaded definition (id and code)",
                        s.from, s.to
                    ),
                });
            }
        }
    }
    errors
}

/// The plan file of `surveys/plan/` (the first, by name), if there is one.
fn load_plan(dir: &Path) -> Result<Option<survey::plan::Plan>, Vec<survey::DefinitionError>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(None);
    };
    let mut paths: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    match paths.first() {
        Some(p) => survey::plan::load_plan(p).map(Some),
        None => Ok(None),
    }
}

fn load_trees(dir: &Path) -> Result<Vec<ParTree>, Vec<survey::DefinitionError>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(Vec::new());
    };
    let mut paths: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    let (mut trees, mut errors) = (Vec::new(), Vec::new());
    for p in paths {
        match survey::par::load_tree(&p) {
            Ok(t) => trees.push(t),
            Err(mut e) => errors.append(&mut e),
        }
    }
    if errors.is_empty() {
        Ok(trees)
    } else {
        Err(errors)
    }
}

pub fn prepare(settings: Settings) -> Result<Prepared, StartError> {
    let Definitions {
        catalog,
        units,
        trees,
        plan,
        published,
    } = load_definitions(&settings.surveys_dir).map_err(|e| {
        StartError::Definitions(
            e.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n"),
        )
    })?;
    let pool = db::connect(&settings.database_url, settings.pool_size)?;
    let mut conn = pool.get().map_err(db::DbError::from)?;
    db::units::sync(&mut conn, &units)?;
    let forms_key = db::keys::get_or_create(&mut conn, db::keys::FORMS)?;
    let submission_key = db::keys::get_or_create(&mut conn, db::keys::SUBMISSION)?;
    let rehashed = crate::ingest::key_plain_submission_ids(&mut conn, &submission_key)?;
    if rehashed > 0 {
        log::info!("{rehashed} submission ids replaced by their keyed hash");
    }
    let mut generated = None;
    if auth::user_count(&mut conn)? == 0 {
        let password = match &settings.admin_password {
            Some(p) => {
                crate::secrets::check_password_length(p)
                    .map_err(|e| StartError::Password(format!("CHISO_ADMIN_PASSWORD: {e}")))?;
                p.clone()
            }
            None => {
                let p = crate::secrets::new_secret()[..20].to_string();
                generated = Some(p.clone());
                p
            }
        };
        let hash = crate::secrets::hash_password(&password)
            .map_err(|e| StartError::Password(e.to_string()))?;
        match auth::add_user(
            &mut conn,
            "admin",
            &hash,
            auth::Role::Admin,
            None,
            Clock::System.now_utc(),
        ) {
            // Another server starting on the same database made it first.
            Err(db::DbError::Query(e)) if db::is_unique_violation(&e) => generated = None,
            other => {
                other?;
            }
        }
    }
    crate::secrets::release_work_memory();
    drop(conn);
    let catalog = Arc::new(catalog);
    let layouts = Arc::new(Layouts::of(&catalog));
    if let Some(r) = db::recount::after_upgrade(&pool, &layouts)? {
        if r.fixed {
            log::info!(
                "counts rebuilt from {} answers after the upgrade ({} differences)",
                r.responses,
                r.differences.len()
            );
        }
    }
    let writer = Writer::start(
        pool.clone(),
        layouts.clone(),
        settings.write_queue,
        settings.write_batch,
        if db::Backend::from_url(&settings.database_url).is_postgres() {
            2
        } else {
            1
        },
    );
    let abuse_limits = Arc::new(crate::limits::Limits::new(&settings));
    Ok(Prepared {
        state: AppState {
            writer,
            pool,
            catalog,
            layouts,
            units: Arc::new(units),
            trees: Arc::new(trees),
            plan: Arc::new(plan),
            published: Arc::new(published),
            passwords: PasswordWorkers::start(settings.password_threads, 64),
            settings: Arc::new(settings),
            clock: Clock::System,
            kiosk_last: Arc::default(),
            kiosk_seen: Arc::default(),
            token_cache: Arc::default(),
            sign_in_limits: Arc::new(crate::limits::sign_in::Limits::new()),
            abuse_limits,
            forms_key,
            submission_key,
        },
        generated_admin_password: generated,
    })
}

/// Everything the App needs: state, body limits, routes.
pub fn configure(state: AppState) -> impl FnOnce(&mut web::ServiceConfig) + Clone {
    move |cfg| {
        cfg.app_data(web::Data::new(state))
            .app_data(web::PayloadConfig::new(
                crate::features::api::body::MAX_BODY,
            ))
            .app_data(web::FormConfig::default().limit(crate::features::api::body::MAX_BODY))
            // Every route behind the same-origin check for unsafe methods, the abuse limits,
            // the headers, body guard and cookie flags of every response, the log and,
            // outermost, the one canonical path all of these and the router read.
            .service(
                web::scope("")
                    .wrap(actix_web::middleware::from_fn(
                        crate::web::origin::same_origin,
                    ))
                    .wrap(actix_web::middleware::from_fn(crate::web::limits::limit))
                    .wrap(actix_web::middleware::from_fn(crate::web::hygiene::headers))
                    .wrap(request_log())
                    .wrap(actix_web::middleware::from_fn(crate::web::paths::normalise))
                    .configure(crate::features::routes),
            );
    }
}

pub async fn serve(prepared: Prepared) -> std::io::Result<()> {
    let state = prepared.state;
    let closing = state.clone();
    let bind = state.settings.bind.clone();
    let server = HttpServer::new(move || App::new().configure(configure(state.clone())))
        // A client must send its request head within this time, and is given this long to close
        // after the answer; bodies have their own deadline (`body_timeout_secs`, web::body_guard).
        .client_request_timeout(std::time::Duration::from_secs(10))
        .client_disconnect_timeout(std::time::Duration::from_secs(2))
        .bind(&bind)?;
    println!(
        "chiso listening on http://{bind} (kiosks accept one form per {} s)",
        closing.settings.kiosk_min_interval_secs
    );
    finalise_closings(closing.clone());
    let result = server.run().await;
    closing.close();
    result
}

/// Every minute, makes final the campaign closings whose grace period is over (counting the
/// answers they held sealed); at once on start for those that ended while the server was down.
fn finalise_closings(state: AppState) {
    actix_web::rt::spawn(async move {
        let mut tick = actix_web::rt::time::interval(std::time::Duration::from_secs(60));
        loop {
            tick.tick().await;
            let st = state.clone();
            let done = actix_web::rt::task::spawn_blocking(move || {
                crate::features::campaigns::service::finalise_due(&st)
            })
            .await;
            match done {
                Ok(Ok(0)) => {}
                Ok(Ok(n)) => log::info!("{n} campaign closings became final"),
                Ok(Err(e)) => log::warn!("campaign closings not made final yet: {e}"),
                Err(e) => log::warn!("campaign closings not made final yet: {e}"),
            }
        }
    });
}

/// Paths whose requests are never logged: they would date an answer.
pub const ANSWER_ROUTES: &str = "^/(k|o|i)(/|$)|^/api/v1/responses";

/// The request log: the canonical path (it runs inside `paths::normalise`), with secrets
/// cut, and no client address. Requests of citizens and officials answering (kiosk, slip
/// code, one-time link, the API's responses) are not logged at all: a log line carries the time.
fn request_log() -> actix_web::middleware::Logger {
    actix_web::middleware::Logger::new("%{route}xo %s %Dms")
        .exclude_regex(ANSWER_ROUTES)
        .custom_response_replace("route", |res| {
            let req = res.request();
            redact(
                req.method().as_str(),
                req.path(),
                req.match_pattern().is_some(),
            )
        })
}

/// A path as logged: the secret of a kiosk (`/k/`), a one-time link (`/i/`) or a slip's code
/// (`/o/`) is cut. Of a path no route took (where a secret may sit anywhere) only the first
/// segment is kept, and only when some route starts with it.
fn redact(method: &str, path: &str, routed: bool) -> String {
    for prefix in ["/k/", "/i/", "/o/"] {
        if let Some(rest) = path.strip_prefix(prefix) {
            let tail = rest
                .split_once('/')
                .filter(|_| routed)
                .map(|(_, t)| format!("/{t}"))
                .unwrap_or_default();
            return format!("{method} {prefix}…{tail}");
        }
    }
    if routed {
        return format!("{method} {path}");
    }
    let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
    let known = crate::features::route_table()
        .iter()
        .any(|(_, p)| p.trim_start_matches('/').split('/').next() == Some(first));
    if known && path.len() > first.len() + 1 {
        format!("{method} /{first}/… (no route)")
    } else if known {
        format!("{method} /{first} (no route)")
    } else {
        format!("{method} /… (no route)")
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn logged_paths_carry_no_secret() {
        assert_eq!(redact("GET", "/k/abc/cam-on", true), "GET /k/…/cam-on");
        assert_eq!(redact("GET", "/k/abc/x/y", false), "GET /k/…");
        assert_eq!(redact("GET", "/scores", true), "GET /scores");
        assert_eq!(redact("GET", "/AB3CDEF4GH", false), "GET /… (no route)");
        assert_eq!(redact("GET", "/K/AB3CDEF4GH", false), "GET /… (no route)");
        assert_eq!(
            redact("GET", "/api/x/TOKEN", false),
            "GET /api/… (no route)"
        );
    }
}
