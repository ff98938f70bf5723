//! What the app stored, for black-box tests that check the effect of a request: a small,
//! documented set of questions, so that tests do not depend on the database's modules.
//! Tests whose point is the database itself (durability, recounts, upgrades, what an
//! anonymous row holds) use `chiso::db` directly.

use super::TestApp;
use chiso::db::{audit, auth, counts, kiosks, par_entries, recount, responses};

/// How many forms are stored.
pub fn stored_forms(app: &TestApp) -> i64 {
    let mut conn = app.state.pool.get().unwrap();
    responses::count(&mut conn).unwrap()
}

/// How many forms are stored in the database at `db`, that `chiso` processes use.
pub fn stored_forms_in(db: &str) -> i64 {
    let mut conn = chiso::db::connect(db, 1).unwrap().get().unwrap();
    responses::count(&mut conn).unwrap()
}

/// The running counts of `survey`'s answers in `period`, between `from` and `to` (days,
/// inclusive) when given.
pub fn stored_counts(
    app: &TestApp,
    survey: &str,
    period: i32,
    days: Option<(&str, &str)>,
) -> chiso::scoring::Tallies {
    let f = counts::Filter {
        survey_id: survey.into(),
        period,
        from: days.map(|d| d.0.to_string()),
        to: days.map(|d| d.1.to_string()),
        ..Default::default()
    };
    let mut conn = app.state.pool.get().unwrap();
    counts::load(&mut conn, &f).unwrap()
}

/// Checks that every response's answer rows, found by the span its row keeps, are the answers
/// its row lists, and that no answer row is outside every span.
pub fn assert_answer_rows_agree(state: &chiso::state::AppState) {
    let mut conn = state.pool.get().unwrap();
    let (wrong, strays) = responses::rows_disagreeing(&mut conn).unwrap();
    assert!(
        wrong.is_empty(),
        "answer rows differ from the row's list: {wrong:?}"
    );
    assert_eq!(strays, 0, "answer rows in no response's span");
}

/// Checks that the running counts agree with a recount from the stored answers; the
/// recount's report.
pub fn assert_counts_agree(app: &TestApp) -> recount::RecountReport {
    let report = recount::recount_all(&app.state.pool, &app.state.layouts, false).unwrap();
    assert!(
        report.differences.is_empty(),
        "running counts disagree with the answers: {:?}",
        report.differences
    );
    report
}

/// The audit log, newest first; only `action` when given.
pub fn audit_entries(app: &TestApp, action: Option<&str>) -> Vec<audit::Entry> {
    let filter = audit::Filter {
        action: action.map(str::to_string),
        ..Default::default()
    };
    let mut conn = app.state.pool.get().unwrap();
    audit::search(&mut conn, &filter, 1000).unwrap()
}

/// The id of user `name`.
pub fn user_id(app: &TestApp, name: &str) -> String {
    let mut conn = app.state.pool.get().unwrap();
    auth::find_user(&mut conn, name).unwrap().unwrap().id
}

/// How many open sessions user `name` has.
pub fn open_sessions(app: &TestApp, name: &str) -> i64 {
    let id = user_id(app, name);
    let mut conn = app.state.pool.get().unwrap();
    auth::session_count(&mut conn, &id).unwrap()
}

/// The kiosks as the admin page lists them.
pub fn stored_kiosks(app: &TestApp) -> Vec<kiosks::KioskInfo> {
    let mut conn = app.state.pool.get().unwrap();
    kiosks::list_info(&mut conn).unwrap()
}

/// The id of the kiosk with URL token `token`.
pub fn kiosk_id(app: &TestApp, token: &str) -> String {
    let mut conn = app.state.pool.get().unwrap();
    kiosks::by_token(&mut conn, &chiso::secrets::hash_token(token))
        .unwrap()
        .unwrap()
        .id
}

/// The entries made for an instrument's criteria in `period`, oldest first.
pub fn par_entries(app: &TestApp, instrument: &str, period: i32) -> Vec<par_entries::Entry> {
    let mut conn = app.state.pool.get().unwrap();
    par_entries::history(&mut conn, instrument, period).unwrap()
}

/// The users, as the admin page lists them.
pub fn stored_users(app: &TestApp) -> Vec<auth::UserInfo> {
    let mut conn = app.state.pool.get().unwrap();
    auth::list_users(&mut conn).unwrap()
}

/// The API tokens, as the admin page lists them.
pub fn stored_tokens(app: &TestApp) -> Vec<auth::TokenInfo> {
    let mut conn = app.state.pool.get().unwrap();
    auth::list_tokens(&mut conn).unwrap()
}

/// The id of the API token labelled `label`.
pub fn token_id(app: &TestApp, label: &str) -> String {
    stored_tokens(app)
        .into_iter()
        .find(|t| t.label == label)
        .unwrap_or_else(|| panic!("a token labelled {label}"))
        .id
}

/// What API token `token` grants as stored — its role and the unit it is limited to — read
/// past any server's cache; none once revoked.
pub fn token_grant(app: &TestApp, token: &str) -> Option<auth::Grant> {
    let mut conn = app.state.pool.get().unwrap();
    auth::token_grant(&mut conn, &chiso::secrets::hash_token(token)).unwrap()
}

/// [`token_grant`] in the database at `db`, that `chiso` processes use.
pub fn token_grant_in(db: &str, token: &str) -> Option<auth::Grant> {
    let mut conn = chiso::db::connect(db, 1).unwrap().get().unwrap();
    auth::token_grant(&mut conn, &chiso::secrets::hash_token(token)).unwrap()
}

/// Whether user `name` signs in with `password` in the database at `db`, that `chiso`
/// processes use (a disabled user does not).
pub fn password_accepted_in(db: &str, name: &str, password: &str) -> bool {
    let mut conn = chiso::db::connect(db, 1).unwrap().get().unwrap();
    chiso::features::sign_in::service::verify_login(&mut conn, name, password)
        .unwrap()
        .is_some()
}

/// Takes back the migration whose name starts with `name` (its `down.sql`): the schema of an
/// earlier version, for a test of the upgrade. The next `chiso::db::migrate` runs it again.
pub fn revert_migration(conn: &mut chiso::db::AnyConnection, name: &str) {
    use chiso::db::AnyConnection;
    use diesel::migration::{Migration, MigrationSource};
    use diesel_migrations::MigrationHarness;
    fn named<B: diesel::backend::Backend>(
        all: Vec<Box<dyn Migration<B>>>,
        name: &str,
    ) -> Box<dyn Migration<B>> {
        (all.into_iter())
            .find(|m| m.name().to_string().starts_with(name))
            .unwrap_or_else(|| panic!("no migration {name}"))
    }
    match conn {
        AnyConnection::Sqlite(c) => {
            let all = MigrationSource::<diesel::sqlite::Sqlite>::migrations(
                &chiso::db::SQLITE_MIGRATIONS,
            )
            .unwrap();
            c.revert_migration(&*named(all, name)).unwrap();
        }
        AnyConnection::Postgresql(c) => {
            let all =
                MigrationSource::<diesel::pg::Pg>::migrations(&chiso::db::POSTGRES_MIGRATIONS)
                    .unwrap();
            c.revert_migration(&*named(all, name)).unwrap();
        }
    }
}
