//! A database of the benchmark's own: a fresh SQLite file or PostgreSQL schema, removed
//! afterwards.

use diesel::{Connection, RunQueryDsl};

/// A database of the benchmark's own, removed afterwards.
pub(super) struct Target {
    pub(super) url: String,
    pub(super) label: String,
    pub(super) _dir: Option<tempfile_dir::Dir>,
    pub(super) pg_schema: Option<(String, String)>,
}

impl Drop for Target {
    fn drop(&mut self) {
        if let Some((base, schema)) = &self.pg_schema {
            if let Ok(mut c) = diesel::PgConnection::establish(base) {
                let _ = diesel::sql_query(format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                    .execute(&mut c);
            }
        }
    }
}

/// A temporary directory without a dev-only crate: removed on drop.
pub(super) mod tempfile_dir {
    pub struct Dir(pub std::path::PathBuf);
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

impl Target {
    pub(super) fn create(on: &str) -> Result<Target, String> {
        let tag = uuid::Uuid::new_v4().simple().to_string();
        if on.starts_with("postgres") {
            let schema = format!("bench_{tag}");
            let mut c = diesel::PgConnection::establish(on).map_err(|e| e.to_string())?;
            diesel::sql_query(format!("CREATE SCHEMA {schema}"))
                .execute(&mut c)
                .map_err(|e| e.to_string())?;
            let sep = if on.contains('?') { '&' } else { '?' };
            Ok(Target {
                url: format!("{on}{sep}options=-c%20search_path%3D{schema}"),
                label: "PostgreSQL".into(),
                _dir: None,
                pg_schema: Some((on.to_string(), schema)),
            })
        } else {
            let dir = std::env::temp_dir().join(format!("chiso-bench-{tag}"));
            std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
            Ok(Target {
                url: format!("sqlite://{}", dir.join("bench.db").display()),
                label: "SQLite".into(),
                _dir: Some(tempfile_dir::Dir(dir)),
                pg_schema: None,
            })
        }
    }
}
