//! Test harness: every test gets its own database — a temporary SQLite file, or, when
//! CHISO_TEST_DATABASE_URL names a PostgreSQL server, a schema of its own there.
#![allow(dead_code)]

mod records;
mod stored;
mod web;
pub use chiso::db::auth::Role;
pub use records::*;
pub use stored::*;
pub use web::*;

use chiso::clock::Clock;
use chiso::config::Settings;
use chiso::db::auth;
use chiso::features::admin::service::new_api_token;
use chiso::http_client::Client;
use chiso::startup::prepare;
use chiso::state::AppState;
use diesel::{Connection, PgConnection, RunQueryDsl};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub const ADMIN_PASSWORD: &str = "mat-khau-quan-tri";
/// Password of every user a test adds with [`TestAppBuilder::with_user`].
pub const USER_PASSWORD: &str = "mat-khau-nguoi-dung";
/// The period the in-process tests answer for.
pub const PERIOD: i32 = 2025;

/// The in-process app's clock: 20 June 2025, Vietnam time — the dates the tests use are in the
/// past, the tests do not age, and the units are still those of the 2023 plan (the merged
/// city's begin on 1 July 2025; tests of the new map set their own clock).
pub fn test_clock() -> Clock {
    Clock::Fixed("2025-06-20T03:00:00Z".parse().unwrap())
}

pub struct TestApp {
    pub state: AppState,
    pub database_url: String,
    pub surveyor_token: String,
    pub viewer_token: String,
    /// Tokens added with [`TestAppBuilder::with_token`], in order.
    pub tokens: Vec<String>,
    /// Kiosk URL tokens added with [`TestAppBuilder::with_kiosk`], in order.
    pub kiosks: Vec<String>,
    _db: SchemaGuard,
    _dir: tempfile::TempDir,
}

type SettingsTweak = Box<dyn FnOnce(&mut Settings)>;

/// What a test needs besides the app: settings, users, tokens, kiosks, a clock.
#[derive(Default)]
pub struct TestAppBuilder {
    tweaks: Vec<SettingsTweak>,
    users: Vec<(String, Role, Option<String>)>,
    tokens: Vec<Role>,
    kiosks: Vec<(String, String)>,
    clock: Option<Clock>,
}

impl TestAppBuilder {
    pub fn settings(mut self, tweak: impl FnOnce(&mut Settings) + 'static) -> Self {
        self.tweaks.push(Box::new(tweak));
        self
    }

    /// A user signing in with [`USER_PASSWORD`], optionally scoped to a unit.
    pub fn with_user(mut self, name: &str, role: Role, unit: Option<&str>) -> Self {
        self.users
            .push((name.into(), role, unit.map(str::to_string)));
        self
    }

    /// Users of the whole city (no unit), each signing in with [`USER_PASSWORD`].
    pub fn with_staff(mut self, staff: &[(&str, Role)]) -> Self {
        for (name, role) in staff {
            self = self.with_user(name, *role, None);
        }
        self
    }

    pub fn with_token(mut self, role: Role) -> Self {
        self.tokens.push(role);
        self
    }

    pub fn with_kiosk(mut self, unit: &str, survey: &str) -> Self {
        self.kiosks.push((unit.into(), survey.into()));
        self
    }

    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = Some(clock);
        self
    }

    pub fn build(self) -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let (database_url, guard) = fresh_database(&dir);
        let mut settings = Settings {
            database_url: database_url.clone(),
            surveys_dir: surveys_dir(),
            admin_password: Some(ADMIN_PASSWORD.into()),
            pool_size: 4,
            kiosk_min_interval_secs: 0,
            // Tests send many requests from one (unknown) address; the hardening tests set
            // the production limits back where they test them.
            limit_per_address: HARNESS_LIMIT,
            limit_per_kiosk: HARNESS_LIMIT,
            limit_per_code: HARNESS_LIMIT,
            // A campaign closed in a test is closed for good at once, unless the test gives
            // it a grace period.
            campaign_grace_hours: 0,
            ..Settings::default()
        };
        for tweak in self.tweaks {
            tweak(&mut settings);
        }
        let prepared = prepare(settings).expect("app starts");
        assert!(prepared.generated_admin_password.is_none());
        let mut state = prepared.state;
        state.clock = self.clock.unwrap_or_else(test_clock);
        let mut conn = state.pool.get().unwrap();
        let surveyor_token =
            new_api_token(&mut conn, Role::Surveyor, "test", None, chrono::Utc::now()).unwrap();
        let viewer_token =
            new_api_token(&mut conn, Role::Viewer, "test", None, chrono::Utc::now()).unwrap();
        for (name, role, unit) in &self.users {
            auth::add_user(
                &mut conn,
                name,
                &chiso::secrets::hash_password(USER_PASSWORD).unwrap(),
                *role,
                unit.as_deref(),
                chrono::Utc::now(),
            )
            .unwrap();
        }
        let tokens = self
            .tokens
            .iter()
            .map(|r| new_api_token(&mut conn, *r, "test", None, chrono::Utc::now()).unwrap())
            .collect();
        let kiosks = self
            .kiosks
            .iter()
            .map(|(unit, survey)| {
                let token = chiso::secrets::NewToken::generate();
                chiso::db::kiosks::add(
                    &mut conn,
                    unit,
                    survey,
                    "Quầy 1",
                    &token.hash,
                    chrono::Utc::now(),
                )
                .unwrap();
                token.token
            })
            .collect();
        drop(conn);
        TestApp {
            state,
            database_url,
            surveyor_token,
            viewer_token,
            tokens,
            kiosks,
            _db: guard,
            _dir: dir,
        }
    }
}

/// Drops a test's PostgreSQL schema when the test ends.
pub struct SchemaGuard(Option<(String, String)>);

impl Drop for SchemaGuard {
    fn drop(&mut self) {
        if let Some((base, schema)) = &self.0 {
            if let Ok(mut c) = PgConnection::establish(base) {
                let _ = diesel::sql_query(format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                    .execute(&mut c);
            }
        }
    }
}

pub fn surveys_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("surveys")
}

/// A database URL of this test's own.
pub fn fresh_database(dir: &tempfile::TempDir) -> (String, SchemaGuard) {
    match std::env::var("CHISO_TEST_DATABASE_URL") {
        Ok(base) if base.starts_with("postgres") => {
            let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
            let mut c = PgConnection::establish(&base).expect("connect to the test PostgreSQL");
            diesel::sql_query(format!("CREATE SCHEMA {schema}"))
                .execute(&mut c)
                .unwrap();
            let sep = if base.contains('?') { '&' } else { '?' };
            let url = format!("{base}{sep}options=-c%20search_path%3D{schema}");
            (url, SchemaGuard(Some((base, schema))))
        }
        _ => (
            format!("sqlite://{}", dir.path().join("chiso.db").display()),
            SchemaGuard(None),
        ),
    }
}

/// A database of the test's own for `chiso` processes, and a temporary folder for the files
/// the test writes beside it (uploads, exports, logs): the folder, the database URL, and the
/// guard that drops a PostgreSQL schema when the test ends.
pub fn process_database() -> (tempfile::TempDir, String, SchemaGuard) {
    let dir = tempfile::tempdir().unwrap();
    let (db, guard) = fresh_database(&dir);
    (dir, db, guard)
}

/// The app's state on the database at `db` that `chiso` processes use, for tests whose point
/// is that database (what it holds after a crash, counts damaged behind the app's back);
/// close it when done.
pub fn open_state(db: &str) -> AppState {
    let settings = Settings {
        database_url: db.to_string(),
        surveys_dir: surveys_dir(),
        admin_password: Some(ADMIN_PASSWORD.into()),
        ..Default::default()
    };
    prepare(settings).unwrap().state
}

pub fn spawn_app() -> TestApp {
    TestApp::builder().build()
}

/// An app with users of the whole city (no unit), each signing in with [`USER_PASSWORD`].
pub fn spawn_app_with_staff(staff: &[(&str, Role)]) -> TestApp {
    TestApp::builder().with_staff(staff).build()
}

pub fn spawn_app_with(tweak: impl FnOnce(&mut Settings) + 'static) -> TestApp {
    TestApp::builder().settings(tweak).build()
}

impl Drop for TestApp {
    /// Ends the writer threads before the database goes, so that connections close here and
    /// not on a thread still running when the test binary exits.
    fn drop(&mut self) {
        self.state.writer.stop();
        self.state.passwords.stop();
    }
}

impl TestApp {
    pub fn builder() -> TestAppBuilder {
        TestAppBuilder::default()
    }

    /// An API token for `role` labelled `label`, limited to `unit` (and the units below it)
    /// when given, as an admin creates one: its secret.
    pub fn add_token(&self, role: Role, label: &str, unit: Option<&str>) -> String {
        let mut conn = self.state.pool.get().unwrap();
        new_api_token(&mut conn, role, label, unit, chrono::Utc::now()).unwrap()
    }

    /// How many forms are stored ([`stored_forms`]).
    pub fn responses(&self) -> i64 {
        stored_forms(self)
    }
}

/// The app's service, built exactly as the server builds it, as its callers reach it
/// ([`Web`]).
macro_rules! service {
    ($app:expr) => {
        $crate::harness::Web::new(
            actix_web::test::init_service(
                actix_web::App::new().configure(chiso::startup::configure($app.state.clone())),
            )
            .await,
            actix_web::test::TestRequest::to_request,
        )
    };
}

/// The ward of [`kiosk_app`]'s kiosk.
pub const KIOSK_WARD: &str = "NK-P-CAI-KHE";

/// An app with one counter-form kiosk, at [`KIOSK_WARD`] (settings changed by `tweak`): the
/// app, its service, and the kiosk's screen.
pub async fn kiosk_app(tweak: impl FnOnce(&mut Settings) + 'static) -> (TestApp, Web, Citizen) {
    let app = TestApp::builder()
        .settings(tweak)
        .with_kiosk(KIOSK_WARD, "sipas-counter")
        .build();
    let web = service!(app);
    let kiosk = web.citizen(&app.kiosks[0]);
    (app, web, kiosk)
}

pub const ITEMS: [&str; 19] = [
    "E1.1", "E1.2", "E1.3", "E1.4", "E2.1", "E2.2", "E2.3", "E2.4", "E3.1", "E3.2", "E3.3", "E3.4",
    "E3.5", "E4.1", "E4.2", "E4.3", "E5.1", "E5.2", "E5.3",
];

/// A complete, valid counter-form submission where every item gets `value`.
pub fn submission(unit: &str, value: Option<i64>) -> Value {
    let answers: serde_json::Map<String, Value> = ITEMS
        .iter()
        .map(|c| (c.to_string(), json!(value)))
        .collect();
    json!({
        "survey": "sipas-counter",
        "unit": unit,
        "channel": "api",
        "submission_id": uuid::Uuid::new_v4().to_string(),
        "period": PERIOD,
        "background": {"linh_vuc": "chung_thuc"},
        "answers": answers,
    })
}

/// [`submission`] for a real server process, which answers on the system clock: this year.
pub fn live_submission(unit: &str, value: Option<i64>) -> Value {
    let mut s = submission(unit, value);
    s["period"] = json!(Clock::System.year());
    s
}

/// Submits a form to a running server's API, as a program holding `token` does.
pub fn submit_live(
    c: &mut Client,
    token: &str,
    submission: &Value,
) -> std::io::Result<chiso::http_client::Reply> {
    let body = serde_json::to_vec(submission).unwrap();
    c.request("POST", "/api/v1/responses", Some(token), &body)
}

/// A `chiso serve` process, killed when dropped.
pub struct Server {
    pub child: Child,
    pub addr: String,
}

impl Server {
    /// Kills the process and waits until it has gone.
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Requests per minute the harness allows per address, kiosk and code: the tests' load (the
/// soak, concurrent clients) comes from one address and one kiosk.
pub const HARNESS_LIMIT: u32 = 1_000_000;

/// The admin password of [`chiso_process`].
pub const ADMIN_PROCESS_PASSWORD: &str = "mat-khau-may-chu";

/// The `chiso` binary on a database, with the shipped surveys and a known admin password.
pub fn chiso_process(db: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_chiso"));
    c.env("DATABASE_URL", db)
        .env("CHISO_SURVEYS", surveys_dir())
        .env("CHISO_ADMIN_PASSWORD", ADMIN_PROCESS_PASSWORD)
        .env("CHISO_LIMIT_PER_ADDRESS", HARNESS_LIMIT.to_string())
        .env("CHISO_LIMIT_PER_KIOSK", HARNESS_LIMIT.to_string())
        .env("CHISO_LIMIT_PER_CODE", HARNESS_LIMIT.to_string())
        .env("CHISO_CAMPAIGN_GRACE_HOURS", "0")
        .env("RUST_LOG", "error");
    c
}

/// The words of a command line, for arguments written as one string.
pub fn words(line: &str) -> Vec<&str> {
    line.split_whitespace().collect()
}

/// The first line a command printed, trimmed (an address, an id).
pub fn first_line(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .next()
        .unwrap_or_default()
        .trim()
        .to_string()
}

/// Runs `chiso` with `args` on database `db`, as an operator types it; its output.
pub fn chiso(db: &str, args: &[&str]) -> Output {
    chiso_process(db).args(args).output().unwrap()
}

/// What a command said, on its standard output and then its standard error.
pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Checks that a command said `what` (on either stream).
#[track_caller]
pub fn assert_said(o: &Output, what: &str) {
    let said = text(o);
    assert!(said.contains(what), "{what:?} not said:\n{said}");
}

/// Checks that a command failed and said `what` (on either stream).
#[track_caller]
pub fn assert_fails_saying(o: &Output, what: &str) {
    assert!(!o.status.success(), "it succeeded:\n{}", text(o));
    assert_said(o, what);
}

/// Checks that a command refused what it was given (exit status 1) and said `what`.
#[track_caller]
pub fn assert_refused(o: &Output, what: &str) {
    assert_eq!(o.status.code(), Some(1), "{}", text(o));
    assert_said(o, what);
}

/// `chiso check` on the definitions in `dir` (surveys, benchmarks, the plan), as an operator
/// runs it before deploying; no database is opened. Its output.
pub fn check_definitions(dir: &std::path::Path) -> Output {
    chiso("sqlite://unused.db", &["check", dir.to_str().unwrap()])
}

/// `chiso check` on the shipped definitions, which must pass (what it said shown if not); its
/// output.
#[track_caller]
pub fn check_shipped_definitions() -> Output {
    let out = check_definitions(&surveys_dir());
    assert!(out.status.success(), "{}", text(&out));
    out
}

/// `chiso check` on the definitions in `dir`, which must refuse them (exit 1, `case` named
/// if not): the line of its errors that says `message`.
#[track_caller]
pub fn check_refuses(dir: &std::path::Path, message: &str, case: &str) -> String {
    let out = check_definitions(dir);
    assert_eq!(out.status.code(), Some(1), "{case}");
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    err.lines()
        .find(|l| l.contains(message))
        .unwrap_or_else(|| panic!("{message}: {err}"))
        .to_string()
}

/// A copy of the shipped definitions (the surveys and their benchmarks, not the plan) in
/// `to`, for a test to break one of them.
pub fn copy_surveys(to: &std::path::Path) {
    for entry in std::fs::read_dir(surveys_dir()).unwrap() {
        let p = entry.unwrap().path();
        if p.is_file() {
            std::fs::copy(&p, to.join(p.file_name().unwrap())).unwrap();
        }
    }
    std::fs::create_dir_all(to.join("benchmarks")).unwrap();
    for entry in std::fs::read_dir(surveys_dir().join("benchmarks")).unwrap() {
        let p = entry.unwrap().path();
        std::fs::copy(&p, to.join("benchmarks").join(p.file_name().unwrap())).unwrap();
    }
}

/// A copy of the shipped definitions ([`copy_surveys`]) where `file` (a path below the surveys
/// folder, the plan's too) is what `edit` makes of the shipped one, for a test to break it.
pub fn definitions_with(file: &str, edit: impl FnOnce(&str) -> String) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_surveys(dir.path());
    let shipped = std::fs::read_to_string(surveys_dir().join(file)).unwrap();
    let to = dir.path().join(file);
    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
    std::fs::write(to, edit(&shipped)).unwrap();
    dir
}

/// Runs a `chiso` command as an operator does; it must succeed (its errors shown if not).
pub fn run_ok(cmd: &mut Command) -> Output {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// `chiso import` of counter forms for 2025 from `file`, with `more` arguments, as an operator
/// runs it; its output.
pub fn import_counter_forms(db: &str, file: &std::path::Path, more: &[&str]) -> Output {
    chiso_process(db)
        .arg("import")
        .arg(file)
        .args(["--survey", "sipas-counter", "--period", "2025"])
        .args(more)
        .output()
        .unwrap()
}

/// The survey of officials that one-time-link campaigns ask.
pub const OFFICIALS_SURVEY: &str = "parindex-officials-2022";

/// A list of the people a campaign asks, saved as `name` in `dir` as an operator saves it for
/// `chiso campaign create`: the header (name, group, unit, contact), then `rows`, one person a
/// line. Its path.
pub fn respondents_file(dir: &std::path::Path, name: &str, rows: &str) -> PathBuf {
    let file = dir.join(name);
    std::fs::write(&file, format!("name,group,unit,contact\n{rows}")).unwrap();
    file
}

/// `chiso campaign create` as an operator runs it: [`OFFICIALS_SURVEY`] this year, to the
/// respondents listed in the file `respondents`; its output.
pub fn create_campaign(db: &str, respondents: &std::path::Path) -> Output {
    let year = Clock::System.year().to_string();
    let list = respondents.to_str().unwrap();
    let args = ["campaign", "create", "--survey", OFFICIALS_SURVEY];
    chiso(
        db,
        &[&args[..], &["--period", &year, "--respondents", list]].concat(),
    )
}

/// The id of the campaign a `chiso campaign create` made (the last word it printed); the
/// command must have succeeded.
#[track_caller]
pub fn campaign_id(created: &Output) -> String {
    assert!(created.status.success(), "{}", text(created));
    String::from_utf8_lossy(&created.stdout)
        .split_whitespace()
        .last()
        .unwrap_or_else(|| panic!("a campaign id: {}", text(created)))
        .to_string()
}

/// The one-time links of campaign `id`, leading to a server on `addr`, as `chiso campaign
/// links` prints them (CSV: name, group, link); the command must succeed.
#[track_caller]
pub fn campaign_links(db: &str, id: &str, addr: &str) -> String {
    let base = format!("http://{addr}");
    let out = chiso(db, &["campaign", "links", id, "--base-url", &base]);
    assert!(out.status.success(), "{}", text(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A served database holding a campaign of [`OFFICIALS_SURVEY`] that asks one person (`row`:
/// name, group, unit, contact), made by the CLI as an operator makes it.
pub struct OneLinkCampaign {
    // Dropped in this order: the server stops before its database goes.
    pub server: Server,
    _guard: SchemaGuard,
    _dir: tempfile::TempDir,
    pub db: String,
    pub id: String,
}

impl OneLinkCampaign {
    pub fn start(row: &str) -> OneLinkCampaign {
        let (dir, db, guard) = process_database();
        let server = start_server(&db);
        let list = respondents_file(dir.path(), "nguoi.csv", &format!("{row}\n"));
        let id = campaign_id(&create_campaign(&db, &list));
        OneLinkCampaign {
            server,
            _guard: guard,
            _dir: dir,
            db,
            id,
        }
    }

    /// The links as `chiso campaign links` prints them now (each run issues them anew).
    pub fn links(&self) -> String {
        campaign_links(&self.db, &self.id, &self.server.addr)
    }
}

/// The first person's link in what [`campaign_links`] printed.
pub fn first_link(links: &str) -> String {
    links
        .lines()
        .nth(1)
        .and_then(|l| l.rsplit(',').next())
        .unwrap_or_else(|| panic!("a link in {links}"))
        .to_string()
}

/// One slip code for a ward's counter form, made as an admin makes it (`chiso codes issue`).
pub fn slip_code_by_cli(db: &str) -> String {
    let out = chiso(
        db,
        &[
            "codes",
            "issue",
            "--unit",
            "P-NINH-KIEU",
            "--survey",
            "sipas-counter",
            "--count",
            "1",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let listed = String::from_utf8_lossy(&out.stdout).to_string();
    listed
        .split("/o/")
        .nth(1)
        .map(|c| c.trim().split([',', '\n']).next().unwrap().to_string())
        .unwrap_or_else(|| panic!("a code: {listed}"))
}

/// Starts `chiso serve` on a free port and waits until it answers.
pub fn start_server(db: &str) -> Server {
    start_server_with(db, &[])
}

/// A kiosk for a ward of today's map added as an operator adds one (`chiso kiosk add`): its
/// token, read off the address printed.
pub fn kiosk_by_cli(db: &str) -> String {
    let out = chiso_process(db)
        .args(words("kiosk add --unit P-NINH-KIEU --survey sipas-counter"))
        .output()
        .unwrap();
    let url = String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .unwrap_or("")
        .trim()
        .to_string();
    let token = url.rsplit("/k/").next().unwrap().to_string();
    assert!(token.len() >= 32, "{url}");
    token
}

/// [`start_server`] with `env` set for the process (settings under test).
pub fn start_server_with(db: &str, env: &[(&str, &str)]) -> Server {
    start_server_on(db, &format!("127.0.0.1:{}", free_port()), env)
}

/// [`start_server_with`] on `addr`: the same server back after a stop, where its pages were.
pub fn start_server_on(db: &str, addr: &str, env: &[(&str, &str)]) -> Server {
    let addr = addr.to_string();
    let child = chiso_process(db)
        .envs(env.iter().copied())
        .args(["serve", "--bind", &addr])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_healthy(&addr);
    Server { child, addr }
}

/// A `chiso serve` process logging at info level to a file, for tests of what the log keeps;
/// killed when dropped.
pub struct LoggedServer {
    pub server: Server,
    log: PathBuf,
}

impl LoggedServer {
    /// Stops the server; what it logged.
    pub fn stop_and_read_log(mut self) -> String {
        self.server.stop();
        std::fs::read_to_string(&self.log).unwrap()
    }
}

/// Starts `chiso serve` on `addr`, logging at info level to `server.log` in `dir`, and waits
/// until it answers.
pub fn start_logged_server(db: &str, addr: &str, dir: &std::path::Path) -> LoggedServer {
    let log = dir.join("server.log");
    let child = chiso_process(db)
        .args(["serve", "--bind", addr])
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    wait_healthy(addr);
    LoggedServer {
        server: Server {
            child,
            addr: addr.to_string(),
        },
        log,
    }
}

/// Waits until a server answers `/healthz` on `addr`.
pub fn wait_healthy(addr: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut c = Client::new(addr);
    while c
        .request("GET", "/healthz", None, b"")
        .map(|r| r.status)
        .ok()
        != Some(200)
    {
        assert!(
            Instant::now() < deadline,
            "server on {addr} did not come up"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The value of the first `csrf` field of a page.
pub fn csrf_field(body: &str) -> String {
    let at = body
        .find(r#"name="csrf" value=""#)
        .unwrap_or_else(|| panic!("a csrf field in the page:\n{body}"));
    let rest = &body[at + r#"name="csrf" value=""#.len()..];
    rest[..rest.find('"').unwrap()].to_string()
}

/// The hidden fields of a rendered kiosk form.
pub fn hidden(html: &str, name: &str) -> String {
    let at = html
        .find(&format!("name=\"{name}\" value=\""))
        .unwrap_or_else(|| panic!("no {name}"));
    let rest = &html[at + name.len() + 15..];
    rest[..rest.find('"').unwrap()].to_string()
}

/// A rendered kiosk form answered in full (but `skip`), as the citizen posts it.
pub fn filled_form(html: &str, skip: Option<&str>) -> String {
    let mut fields = vec![
        ("submission_id".to_string(), hidden(html, "submission_id")),
        ("version".to_string(), hidden(html, "version")),
        ("issued".to_string(), hidden(html, "issued")),
        ("b:linh_vuc".to_string(), "gcn_qsdd".to_string()),
    ];
    // Kiosk forms carry the server's signature; online forms have none.
    if html.contains("name=\"sig\"") {
        fields.push(("sig".to_string(), hidden(html, "sig")));
    }
    for (i, code) in ITEMS.iter().enumerate() {
        if Some(*code) != skip {
            let v = if i % 4 == 0 {
                "na".to_string()
            } else {
                "5".to_string()
            };
            fields.push((format!("a:{code}"), v));
        }
    }
    serde_urlencoded::to_string(&fields).unwrap()
}

/// How long the sessions tests open directly last.
pub const LIFE: chiso::db::auth::SessionLife = chiso::db::auth::SessionLife {
    hours: 1,
    idle_minutes: 60,
};

/// Resident memory of a process, in MB, from /proc.
pub fn rss_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap();
    kb / 1024.0
}

/// `page` says each of `said`: the first phrase missing is named, with the page.
#[track_caller]
pub fn assert_says(page: &str, said: &[&str]) {
    for phrase in said {
        assert!(page.contains(phrase), "missing “{phrase}” in:\n{page}");
    }
}

/// The elements of the JSON array `list`.
#[track_caller]
pub fn elements(list: &Value) -> &Vec<Value> {
    list.as_array()
        .unwrap_or_else(|| panic!("not an array: {list}"))
}

/// The string `key` of each element of the JSON array `list`, in order.
#[track_caller]
pub fn strings_of<'a>(list: &'a Value, key: &str) -> Vec<&'a str> {
    elements(list)
        .iter()
        .map(|e| e[key].as_str().unwrap_or_else(|| panic!("no {key} in {e}")))
        .collect()
}

/// The first element of the JSON array `list` whose `key` is `value`.
#[track_caller]
pub fn element<'a>(list: &'a Value, key: &str, value: &str) -> &'a Value {
    elements(list)
        .iter()
        .find(|e| e[key] == value)
        .unwrap_or_else(|| panic!("no {key} {value} in {list}"))
}
