//! Answer rows are appended under numbers of their own and each response keeps the span of
//! its own: the upgrade from rows keyed by response, and reads that skip rows another server
//! numbered inside a span.

use crate::api::store;
use crate::harness::*;
use chiso::db::schema::{answers, responses};
use diesel::prelude::*;

const UNITS: [&str; 3] = ["NK", "NK-P-CAI-KHE", "BT"];

/// Twelve forms of the counter survey, the values varying by form.
async fn twelve_forms(app: &TestApp) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..12 {
        let mut s = submission(UNITS[i % 3], Some(1 + (i % 5) as i64));
        if i % 4 == 0 {
            s["answers"][ITEMS[0]] = serde_json::Value::Null;
        }
        ids.push(store(app, &s).await);
    }
    ids
}

/// Every answer row as (response, item, value), in that order.
fn every_answer(conn: &mut chiso::db::AnyConnection) -> Vec<(String, String, Option<i16>)> {
    answers::table
        .select((answers::response_id, answers::item_code, answers::value))
        .order((answers::response_id, answers::item_code))
        .load(conn)
        .unwrap()
}

#[actix_web::test]
async fn the_upgrade_numbers_every_stored_answer_and_keeps_each_with_its_response() {
    let app = spawn_app();
    twelve_forms(&app).await;
    let mut conn = app.state.pool.get().unwrap();
    let before = every_answer(&mut conn);

    // The previous version's schema: answers keyed by response, and no spans.
    revert_migration(&mut conn, "2026-12-08-000020");
    revert_migration(&mut conn, "2026-12-08-000010");
    let numbered = diesel::sql_query("SELECT seq FROM answers").execute(&mut conn);
    assert!(numbered.is_err(), "the old answers table has no numbers");

    chiso::db::migrate(&mut conn).unwrap();
    drop(conn);
    assert_answer_rows_agree(&app.state);
    let mut conn = app.state.pool.get().unwrap();
    let after = every_answer(&mut conn);
    assert_eq!(after, before, "every answer kept, none added");
    // Each response's answers are numbered together: its span holds its answers alone.
    let spans: Vec<(String, Option<i64>, Option<i64>)> = responses::table
        .select((
            responses::id,
            responses::answers_from,
            responses::answers_to,
        ))
        .load(&mut conn)
        .unwrap();
    for (id, from, to) in &spans {
        let own = after.iter().filter(|a| &a.0 == id).count() as i64;
        assert_eq!(to.unwrap() - from.unwrap() + 1, own, "{id}");
    }
    drop(conn);

    // A form stored after the upgrade is numbered after every one before it.
    let last = spans.iter().filter_map(|s| s.2).max().unwrap();
    let id = store(&app, &submission("NK", Some(5))).await;
    let mut conn = app.state.pool.get().unwrap();
    let (from, _): (Option<i64>, Option<i64>) = responses::table
        .find(&id)
        .select((responses::answers_from, responses::answers_to))
        .first(&mut conn)
        .unwrap();
    assert!(from.unwrap() > last);
    drop(conn);
    assert_answer_rows_agree(&app.state);
    assert_counts_agree(&app);
}

/// On PostgreSQL two servers draw numbers from one sequence, so another server's answers may
/// lie inside a response's span: they are not read as its answers, nor counted in its place.
#[actix_web::test]
async fn rows_another_server_numbered_inside_a_span_are_not_its_answers() {
    let app = spawn_app();
    let ids = twelve_forms(&app).await;
    let mut conn = app.state.pool.get().unwrap();
    // Spread the first form's answers out (numbers far above every other) and put another
    // form's answers between them.
    let spread = "UPDATE answers SET seq = seq * 2 + 1000000 WHERE response_id = ";
    diesel::sql_query(format!("{spread}'{}'", ids[0]))
        .execute(&mut conn)
        .unwrap();
    diesel::sql_query(format!(
        "UPDATE responses SET answers_from = answers_from * 2 + 1000000, \
         answers_to = answers_to * 2 + 1000000 WHERE id = '{}'",
        ids[0]
    ))
    .execute(&mut conn)
    .unwrap();
    let (from, to): (Option<i64>, Option<i64>) = responses::table
        .find(&ids[0])
        .select((responses::answers_from, responses::answers_to))
        .first(&mut conn)
        .unwrap();
    let (from, to) = (from.unwrap(), to.unwrap());
    for seq in (from + 1..to).step_by(2) {
        diesel::sql_query(format!(
            "INSERT INTO answers (seq, response_id, item_code, value) \
             VALUES ({seq}, '{}', '{}', 1)",
            ids[1], ITEMS[0]
        ))
        .execute(&mut conn)
        .unwrap();
    }
    let own = chiso::db::responses::answers_of(&mut conn, &[(&ids[0], (Some(from), Some(to)))])
        .unwrap()
        .remove(&ids[0])
        .unwrap();
    assert_eq!(own.len(), ITEMS.len());
    // The stray rows belong to a response whose span does not hold them.
    let (wrong, strays) = chiso::db::responses::rows_disagreeing(&mut conn).unwrap();
    assert_eq!((wrong, strays), (vec![], (to - from) as usize / 2));
}

/// One submission reaching two writers at once (two servers): the one that did not see the
/// other's uncommitted row is refused by the unique submission id when that row commits, and
/// answers with the first id; one response, one set of answer rows.
#[test]
fn one_submission_racing_through_two_writers_is_stored_once() {
    use chiso::db::responses::{store_batch, store_one, Stored};
    let app = spawn_app();
    let mut s = submission("NK", Some(4));
    s["date"] = serde_json::json!("2025-05-04");
    let raw: chiso::survey::RawSubmission = serde_json::from_value(s).unwrap();
    let pending = chiso::ingest::prepare(&app.state.intake(), &raw, &Default::default()).unwrap();
    let (stored_tx, stored_rx) = std::sync::mpsc::channel();
    let first = {
        let (state, pending) = (app.state.clone(), pending.clone());
        std::thread::spawn(move || {
            let mut conn = state.pool.get().unwrap();
            chiso::db::write_transaction(&mut conn, |c| {
                let stored = store_batch(c, &state.layouts, std::slice::from_ref(&pending));
                // Stored, not committed: the second writer starts now.
                stored_tx.send(()).unwrap();
                std::thread::sleep(std::time::Duration::from_millis(400));
                stored
            })
            .unwrap()
            .pop()
            .unwrap()
        })
    };
    stored_rx.recv().unwrap();
    let mut conn = app.state.pool.get().unwrap();
    let second = store_one(&mut conn, &app.state.layouts, &pending).unwrap();
    drop(conn);
    let first = first.join().unwrap();
    let Stored::Created(id) = first else {
        panic!("the first writer stores it: {first:?}")
    };
    assert_eq!(second, Stored::Existing(id));
    assert_eq!(app.responses(), 1);
    assert_answer_rows_agree(&app.state);
    assert_counts_agree(&app);
}
