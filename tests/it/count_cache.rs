//! The count rows a server's writers keep decoded between batches: an entry made stale by
//! another server's write or by `chiso recount --fix` never loses or doubles a count.

use crate::harness::{assert_counts_agree, spawn_app, stored_counts, submission, TestApp};
use chiso::db::counts::RowCache;
use chiso::db::responses::{store_all_keeping, Pending};
use diesel::RunQueryDsl;
use serde_json::json;

fn pending(app: &TestApp, unit: &str, value: i64) -> Pending {
    let mut s = submission(unit, Some(value));
    s["date"] = json!("2025-05-04");
    let raw: chiso::survey::RawSubmission = serde_json::from_value(s).unwrap();
    chiso::ingest::prepare(&app.state.intake(), &raw, &Default::default()).unwrap()
}

fn store(app: &TestApp, cache: Option<&RowCache>, values: &[i64]) {
    let batch: Vec<Pending> = values.iter().map(|v| pending(app, "NK", *v)).collect();
    let mut conn = app.state.pool.get().unwrap();
    for r in store_all_keeping(&mut conn, &app.state.layouts, &batch, cache) {
        r.unwrap();
    }
}

/// The 4s counted for the first item, and the forms counted.
fn fours_and_forms(app: &TestApp) -> (i64, i64) {
    let t = stored_counts(app, "sipas-counter", 2025, None);
    (t.items["E1.1"][&Some(4)], t.responses)
}

#[test]
fn kept_count_rows_made_stale_by_other_writers_lose_no_counts() {
    let app = spawn_app();
    // Two servers' writers, and a third writer that keeps nothing.
    let (ours, theirs) = (RowCache::new(), RowCache::new());
    store(&app, Some(&ours), &[4, 5]);
    assert!(!ours.is_empty(), "the rows written are kept");
    store(&app, Some(&theirs), &[3]);
    store(&app, None, &[2]);
    // Both caches are stale now: each must read the rows afresh.
    store(&app, Some(&ours), &[1]);
    store(&app, Some(&theirs), &[4]);
    store(&app, Some(&ours), &[4]);
    // Fresh: this one adds to what it kept.
    store(&app, Some(&ours), &[4, 4]);
    assert_counts_agree(&app);
    assert_eq!(fours_and_forms(&app), (5, 9));

    // Counts gone wrong, then replaced by the recount: whatever was kept, nothing is lost.
    diesel::sql_query("UPDATE response_tallies SET n = n + 5")
        .execute(&mut *app.state.pool.get().unwrap())
        .unwrap();
    let fixed =
        chiso::db::recount::recount_in_parts(&app.state.pool, &app.state.layouts, true, 1).unwrap();
    assert!(fixed.fixed);
    store(&app, Some(&ours), &[4]);
    store(&app, Some(&theirs), &[5]);
    assert_counts_agree(&app);
    assert_eq!(fours_and_forms(&app), (6, 11));
}

/// Rows a recount removed outright (as a fix does before it writes the rebuilt ones) are
/// created again by a writer that remembers them.
#[test]
fn a_kept_row_removed_from_the_database_is_created_again() {
    let app = spawn_app();
    let cache = RowCache::new();
    store(&app, Some(&cache), &[4]);
    let mut conn = app.state.pool.get().unwrap();
    diesel::sql_query("DELETE FROM slice_counts")
        .execute(&mut *conn)
        .unwrap();
    diesel::sql_query("DELETE FROM response_tallies")
        .execute(&mut *conn)
        .unwrap();
    drop(conn);
    store(&app, Some(&cache), &[4]);
    // Only the second form is in the counts now; the recount says so, and fixes it.
    assert_eq!(fours_and_forms(&app), (1, 1));
    let fixed =
        chiso::db::recount::recount_in_parts(&app.state.pool, &app.state.layouts, true, 1).unwrap();
    assert!(fixed.fixed);
    assert_counts_agree(&app);
    assert_eq!(fours_and_forms(&app), (2, 2));
}
