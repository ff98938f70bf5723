//! Settings, from flags and `CHISO_*` environment variables (see `cli.rs`), with the defaults of
//! docs/configuration.md.

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
    /// An answer a kiosk kept while its network was down is still taken when its form is this
    /// old (the form was issued ahead, before the network dropped).
    pub kiosk_offline_max_secs: i64,
    /// A session ends this many hours after sign-in, however busy (absolute expiry).
    pub session_hours: i64,
    /// A session ends after this many minutes without a request (idle expiry).
    pub session_idle_minutes: i64,
    /// The client's address is the one a reverse proxy puts in X-Forwarded-For (sign-in
    /// limits count per address); off, it is the connection's.
    pub behind_proxy: bool,
    pub pool_size: u32,
    /// Responses that may wait for the writer before new ones are refused with 503.
    pub write_queue: usize,
    /// Most responses committed in one transaction.
    pub write_batch: usize,
    /// Password for the bootstrap `admin`; generated and printed once when absent.
    pub admin_password: Option<String>,
    /// Days after a period's year during which its forms are still accepted (paper forms
    /// arrive late).
    pub survey_window_days: u32,
    /// Threads that hash passwords; each keeps argon2's ~19 MiB once it has hashed.
    pub password_threads: usize,
    /// Largest file the import page accepts.
    pub import_max_bytes: u64,
    /// Most forms one batch (`POST /api/v1/responses/batch`) may carry; its body may be this
    /// many times `api::body::BATCH_BYTES_PER_FORM`.
    pub batch_max_forms: usize,
    /// The address citizens, officials and tablets reach the server at: kiosk URLs, links and
    /// codes are printed on it (no trailing slash).
    pub public_url: String,
    /// `/public` withholds every cell resting on fewer answers than this.
    pub public_min_n: i64,
    /// Every breakdown (a unit below the city, some days, a respondent group, a field, a
    /// channel, a month) withholds cells resting on fewer answers than this.
    pub min_cell: i64,
    /// Requests per minute one client address may make to the public routes (kiosks, codes,
    /// links, `/public`, signing in, the API), in a burst or spread out; 0: no limit.
    pub limit_per_address: u32,
    /// Requests per minute one valid API token may make (its calls do not count against its
    /// address); 0: no limit.
    pub limit_per_token: u32,
    /// Requests per minute to one kiosk's address (`/k/…`); 0: no limit.
    pub limit_per_kiosk: u32,
    /// Requests per minute to one slip code (`/o/…`) or one-time link (`/i/…`); 0: no limit.
    pub limit_per_code: u32,
    /// Entries each limit table keeps at most, whatever the number of addresses or codes tried.
    pub limit_keys: usize,
    /// Seconds a request's body may take to arrive before the request is cut off (408).
    pub body_timeout_secs: u64,
    /// Cookies carry `Secure` (sent over https only); unset: when `public_url` is https.
    pub secure_cookies: Option<bool>,
    /// Hours after closing during which an admin may reopen a campaign closed by mistake; its
    /// answers stay sealed until then. 0: closing is final at once.
    pub campaign_grace_hours: u32,
}

pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
pub const DEFAULT_DATABASE_URL: &str = "sqlite://chiso.db";
pub const DEFAULT_SURVEYS_DIR: &str = "surveys";
pub const DEFAULT_KIOSK_INTERVAL_SECS: u64 = 5;
pub const DEFAULT_KIOSK_OFFLINE_HOURS: i64 = 72;
pub const DEFAULT_SURVEY_WINDOW_DAYS: u32 = 90;
pub const DEFAULT_CAMPAIGN_GRACE_HOURS: u32 = 24;
pub const DEFAULT_SESSION_HOURS: i64 = 12;
pub const DEFAULT_SESSION_IDLE_MINUTES: i64 = 60;
pub const DEFAULT_PUBLIC_MIN_N: i64 = 30;

/// The fewest answers a published breakdown cell may rest on by default: below it, a reader
/// who knows who answered could tell what they answered. A setting (`--min-cell`) may raise it.
pub const MIN_CELL: i64 = 5;

pub const DEFAULT_LIMIT_PER_ADDRESS: u32 = 600;
pub const DEFAULT_LIMIT_PER_TOKEN: u32 = 60_000;
pub const DEFAULT_LIMIT_PER_KIOSK: u32 = 120;
pub const DEFAULT_LIMIT_PER_CODE: u32 = 60;
pub const DEFAULT_LIMIT_KEYS: usize = 100_000;
pub const DEFAULT_BODY_TIMEOUT_SECS: u64 = 10;
pub const DEFAULT_IMPORT_MAX_BYTES: u64 = 50 * 1024 * 1024;
/// A day's interviews on one tablet, with room to spare.
pub const DEFAULT_BATCH_MAX_FORMS: usize = 500;
/// The public address when none is set: `http://` and the bind address.
pub fn default_public_url(bind: &str) -> String {
    format!("http://{bind}")
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            bind: DEFAULT_BIND.into(),
            database_url: DEFAULT_DATABASE_URL.into(),
            surveys_dir: PathBuf::from(DEFAULT_SURVEYS_DIR),
            kiosk_min_interval_secs: DEFAULT_KIOSK_INTERVAL_SECS,
            form_max_age_secs: 6 * 3600,
            kiosk_offline_max_secs: DEFAULT_KIOSK_OFFLINE_HOURS * 3600,
            session_hours: DEFAULT_SESSION_HOURS,
            session_idle_minutes: DEFAULT_SESSION_IDLE_MINUTES,
            behind_proxy: false,
            pool_size: 8,
            write_queue: 10_000,
            write_batch: 1_000,
            admin_password: None,
            survey_window_days: DEFAULT_SURVEY_WINDOW_DAYS,
            password_threads: 2,
            import_max_bytes: DEFAULT_IMPORT_MAX_BYTES,
            batch_max_forms: DEFAULT_BATCH_MAX_FORMS,
            public_url: default_public_url(DEFAULT_BIND),
            public_min_n: DEFAULT_PUBLIC_MIN_N,
            min_cell: MIN_CELL,
            limit_per_address: DEFAULT_LIMIT_PER_ADDRESS,
            limit_per_token: DEFAULT_LIMIT_PER_TOKEN,
            limit_per_kiosk: DEFAULT_LIMIT_PER_KIOSK,
            limit_per_code: DEFAULT_LIMIT_PER_CODE,
            limit_keys: DEFAULT_LIMIT_KEYS,
            body_timeout_secs: DEFAULT_BODY_TIMEOUT_SECS,
            secure_cookies: None,
            campaign_grace_hours: DEFAULT_CAMPAIGN_GRACE_HOURS,
        }
    }
}

impl Settings {
    /// Whether cookies carry `Secure`: as set, else when the public address is https.
    pub fn cookies_secure(&self) -> bool {
        self.secure_cookies.unwrap_or_else(|| {
            self.public_url
                .get(..8)
                .is_some_and(|s| s.eq_ignore_ascii_case("https://"))
        })
    }
}
