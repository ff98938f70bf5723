//! Builds the application: database, definitions, units, bootstrap admin, and the App itself.
//! Tests build the very same App.

use crate::config::Settings;
use crate::counts::Layouts;
use crate::db::{self, auth, Pool};
use crate::survey::par::ParTree;
use crate::survey::{self, Catalog, UnitTree, UNITS_FILE};
use crate::writer::Writer;
use std::path::Path;

/// Folder under the survey directory with whole-index trees.
pub const TREES_DIR: &str = "trees";
use actix_web::{web, App, HttpServer};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

#[derive(Clone)]
pub struct AppState {
    pub pool: Pool,
    pub catalog: Arc<Catalog>,
    /// Item positions of each survey, for adding responses to the running counts.
    pub layouts: Arc<Layouts>,
    pub units: Arc<UnitTree>,
    /// Whole-index trees (PAR INDEX) from `surveys/trees/`.
    pub trees: Arc<Vec<ParTree>>,
    pub settings: Arc<Settings>,
    /// The queue every channel stores through (group commit).
    pub writer: Writer,
    /// Last accepted submission per kiosk id.
    pub kiosk_last: Arc<Mutex<HashMap<String, Instant>>>,
    /// Recently seen API tokens (hash → role, when checked), so a busy client does not cost a
    /// database read per request.
    pub token_cache: Arc<Mutex<HashMap<String, (crate::db::auth::Role, Instant)>>>,
    /// Failed sign-ins per user name: (count, first failure).
    pub login_failures: Arc<Mutex<HashMap<String, (u32, Instant)>>>,
}

impl AppState {
    /// Commits what the writer holds and closes the database connections on this thread,
    /// before the process exits (see [`Writer::stop`]). Any other clone still alive keeps
    /// the pool open.
    pub fn close(self) {
        self.writer.stop();
        drop(self);
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("{0}")]
    Db(#[from] db::DbError),
    #[error("invalid survey definitions:\n{0}")]
    Definitions(String),
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
}

/// Instruments, units and whole-index trees, each checked, and trees checked against the
/// instruments they draw on.
pub fn load_definitions(dir: &Path) -> Result<Definitions, Vec<survey::DefinitionError>> {
    let catalog = survey::load_dir(dir);
    let units = survey::load_units(&dir.join(UNITS_FILE));
    let trees = load_trees(&dir.join(TREES_DIR));
    let mut errors = Vec::new();
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
    let (Ok(catalog), Ok(units), Ok(trees)) = (catalog, units, trees) else {
        return Err(errors);
    };
    for t in &trees {
        for (method, id) in &t.sources {
            if catalog.get(id).is_none() {
                errors.push(survey::DefinitionError {
                    file: t.file.clone(),
                    line: 0,
                    message: format!("source of '{method}' names unknown survey '{id}'"),
                });
            }
        }
    }
    if errors.is_empty() {
        Ok(Definitions {
            catalog,
            units,
            trees,
        })
    } else {
        Err(errors)
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
    let mut generated = None;
    if auth::user_count(&mut conn)? == 0 {
        let password = match &settings.admin_password {
            Some(p) => p.clone(),
            None => {
                let p = auth::new_secret()[..20].to_string();
                generated = Some(p.clone());
                p
            }
        };
        match auth::add_user(&mut conn, "admin", &password, auth::Role::Admin, None) {
            // Another server starting on the same database made it first.
            Err(db::DbError::Query(e)) if db::is_unique_violation(&e) => generated = None,
            other => {
                other?;
            }
        }
    }
    drop(conn);
    let catalog = Arc::new(catalog);
    let layouts = Arc::new(Layouts::of(&catalog));
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
    Ok(Prepared {
        state: AppState {
            writer,
            pool,
            catalog,
            layouts,
            units: Arc::new(units),
            trees: Arc::new(trees),
            settings: Arc::new(settings),
            kiosk_last: Arc::default(),
            token_cache: Arc::default(),
            login_failures: Arc::default(),
        },
        generated_admin_password: generated,
    })
}

/// Everything the App needs: state, body limits, routes.
pub fn configure(state: AppState) -> impl FnOnce(&mut web::ServiceConfig) + Clone {
    move |cfg| {
        cfg.app_data(web::Data::new(state))
            .app_data(web::PayloadConfig::new(crate::web::api::MAX_BODY))
            .app_data(web::FormConfig::default().limit(crate::web::api::MAX_BODY))
            .configure(crate::web::routes);
    }
}

pub async fn serve(prepared: Prepared) -> std::io::Result<()> {
    let state = prepared.state;
    let closing = state.clone();
    let bind = state.settings.bind.clone();
    let server = HttpServer::new(move || {
        App::new()
            .wrap(
                // Paths only, with kiosk tokens cut: secrets and client addresses stay out of logs.
                actix_web::middleware::Logger::new("%{route}xi %s %Dms")
                    .custom_request_replace("route", |req| {
                        redact(req.method().as_str(), req.path())
                    }),
            )
            .configure(configure(state.clone()))
    })
    .bind(&bind)?;
    println!("chiso listening on http://{bind}");
    let result = server.run().await;
    closing.close();
    result
}

fn redact(method: &str, path: &str) -> String {
    match path.strip_prefix("/k/") {
        Some(rest) => {
            let tail = rest
                .split_once('/')
                .map(|(_, t)| format!("/{t}"))
                .unwrap_or_default();
            format!("{method} /k/…{tail}")
        }
        None => format!("{method} {path}"),
    }
}
