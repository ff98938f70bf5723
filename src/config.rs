//! Settings, from flags and `CHISO_*` environment variables (see `cli.rs`), with the defaults of
//! the README.

use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct Settings {
    pub bind: String,
    pub database_url: String,
    pub surveys_dir: PathBuf,
    /// A kiosk accepts at most one new submission per this many seconds.
    pub kiosk_min_interval_secs: u64,
    /// A kiosk form older than this is stale (the page is reloaded long before).
    pub form_max_age_secs: i64,
    pub session_hours: i64,
    pub pool_size: u32,
    /// Responses that may wait for the writer before new ones are refused with 503.
    pub write_queue: usize,
    /// Most responses committed in one transaction.
    pub write_batch: usize,
    /// Password for the bootstrap `admin`; generated and printed once when absent.
    pub admin_password: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            bind: "127.0.0.1:8080".into(),
            database_url: "sqlite://chiso.db".into(),
            surveys_dir: PathBuf::from("surveys"),
            kiosk_min_interval_secs: 5,
            form_max_age_secs: 6 * 3600,
            session_hours: 12,
            pool_size: 8,
            write_queue: 10_000,
            write_batch: 1_000,
            admin_password: None,
        }
    }
}
