//! Real server processes: killed with SIGKILL while clients submit, and two servers on one
//! database. Runs on SQLite, and on PostgreSQL when CHISO_TEST_DATABASE_URL names one.

use crate::harness::{
    chiso_process as chiso, live_submission, open_state, process_database, run_ok,
    start_server as start,
};
use chiso::http_client::Client;
use rand::{Rng, SeedableRng};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use std::time::Instant;

fn token(db: &str) -> String {
    let out = run_ok(chiso(db).args(["token", "create", "--role", "surveyor"]));
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// The database the servers wrote, opened once they have stopped, and how many forms it
/// holds; its running counts must equal a recount of the stored answers, and its answer rows
/// the answers each response lists.
fn reopen_with_counts_agreeing(db: &str) -> (chiso::state::AppState, i64) {
    let state = open_state(db);
    let mut conn = state.pool.get().unwrap();
    let stored = chiso::db::responses::count(&mut conn).unwrap();
    drop(conn);
    let report = chiso::db::recount::recount_all(&state.pool, &state.layouts, false).unwrap();
    assert!(report.differences.is_empty(), "{:?}", report.differences);
    crate::harness::assert_answer_rows_agree(&state);
    (state, stored)
}

fn id_of(body: &str) -> String {
    serde_json::from_str::<Value>(body).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Every acknowledged submission survives SIGKILL, is stored once, and the running counts
/// equal a recount from the answers.
#[test]
fn acknowledged_answers_survive_sigkill() {
    let (_dir, db, _guard) = process_database();
    let token = token(&db);
    let acked: Arc<Mutex<HashMap<String, String>>> = Arc::default();
    let sent: Arc<Mutex<Vec<Vec<u8>>>> = Arc::default();
    let mut rng = rand::rngs::StdRng::seed_from_u64(42);
    for _round in 0..4 {
        let server = start(&db);
        let stop = Arc::new(AtomicBool::new(false));
        let clients: Vec<_> = (0..3)
            .map(|i| {
                let (addr, token, stop) = (server.addr.clone(), token.clone(), stop.clone());
                let (acked, sent) = (acked.clone(), sent.clone());
                std::thread::spawn(move || {
                    let mut c = Client::new(&addr);
                    let units = ["P-NINH-KIEU", "P-HUNG-PHU", "X-THOI-LAI"];
                    while !stop.load(Ordering::Relaxed) {
                        let s = live_submission(units[i], Some(4 + (i as i64 % 2)));
                        let sid = s["submission_id"].as_str().unwrap().to_string();
                        let body = serde_json::to_vec(&s).unwrap();
                        sent.lock().unwrap().push(body.clone());
                        match c.request("POST", "/api/v1/responses", Some(&token), &body) {
                            Ok(r) if r.status == 201 || r.status == 200 => {
                                acked.lock().unwrap().insert(sid, id_of(&r.body));
                            }
                            Ok(r) if r.status == 503 => {
                                std::thread::sleep(Duration::from_millis(20))
                            }
                            Ok(r) => panic!("unexpected {}: {}", r.status, r.body),
                            // The server died mid-request: this one may or may not be stored.
                            Err(_) => std::thread::sleep(Duration::from_millis(20)),
                        }
                    }
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(rng.gen_range(300..1200)));
        drop(server); // SIGKILL
        stop.store(true, Ordering::Relaxed);
        for c in clients {
            c.join().unwrap();
        }
    }
    let acked = acked.lock().unwrap().clone();
    let sent = sent.lock().unwrap().clone();
    assert!(acked.len() > 50, "the clients got through: {}", acked.len());

    // After the last crash: every submission retried; acknowledged ones keep their first id.
    let server = start(&db);
    let mut c = Client::new(&server.addr);
    for body in &sent {
        let sid = serde_json::from_slice::<Value>(body).unwrap()["submission_id"]
            .as_str()
            .unwrap()
            .to_string();
        let r = c
            .request("POST", "/api/v1/responses", Some(&token), body)
            .unwrap();
        assert!(
            r.status == 200 || r.status == 201,
            "{}: {}",
            r.status,
            r.body
        );
        if let Some(first) = acked.get(&sid) {
            assert_eq!(r.status, 200, "an acknowledged answer was lost");
            assert_eq!(&id_of(&r.body), first, "an acknowledged answer changed id");
        }
    }
    drop(server);
    let (state, stored) = reopen_with_counts_agreeing(&db);
    assert_eq!(
        stored,
        sent.len() as i64,
        "each submission stored exactly once"
    );
    state.close();
}

/// Two servers on one database: every answer counted once, both report identical scores.
#[test]
fn two_servers_share_one_database() {
    let (_dir, db, _guard) = process_database();
    let token = token(&db);
    let servers = [start(&db), start(&db)];
    let addrs: Vec<String> = servers.iter().map(|s| s.addr.clone()).collect();
    let clients: Vec<_> = (0..4)
        .map(|i| {
            let (addrs, token) = (addrs.clone(), token.clone());
            std::thread::spawn(move || {
                let mut here = Client::new(&addrs[i % 2]);
                let mut there = Client::new(&addrs[(i + 1) % 2]);
                for n in 0..60 {
                    let s = live_submission(
                        ["P-NINH-KIEU", "P-BINH-THUY", "P-CAI-RANG", "P-O-MON"][i],
                        Some(1 + (n % 5)),
                    );
                    let body = serde_json::to_vec(&s).unwrap();
                    let r = here
                        .request("POST", "/api/v1/responses", Some(&token), &body)
                        .unwrap();
                    assert_eq!(r.status, 201, "{}", r.body);
                    if n % 6 == 0 {
                        // A retry that lands on the other server.
                        let again = there
                            .request("POST", "/api/v1/responses", Some(&token), &body)
                            .unwrap();
                        assert_eq!((again.status, id_of(&again.body)), (200, id_of(&r.body)));
                    }
                }
            })
        })
        .collect();
    for c in clients {
        c.join().unwrap();
    }
    let viewer = {
        let out = chiso(&db)
            .args(["token", "create", "--role", "viewer"])
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    };
    let scores: Vec<Value> = addrs
        .iter()
        .map(|a| {
            let r = Client::new(a)
                .request(
                    "GET",
                    &format!(
                        "/api/v1/scores?survey=sipas-counter&period={}",
                        chiso::clock::Clock::System.year()
                    ),
                    Some(&viewer),
                    b"",
                )
                .unwrap();
            assert_eq!(r.status, 200);
            serde_json::from_str(&r.body).unwrap()
        })
        .collect();
    assert_eq!(scores[0], scores[1]);
    assert_eq!(scores[0]["responses"], 240);
    assert_eq!(scores[0]["nodes"][0]["value"], 40.0);
    drop(servers);
    let (state, stored) = reopen_with_counts_agreeing(&db);
    assert_eq!(stored, 240);
    state.close();
}

/// `chiso recount --fix` while a server stores answers: each response is either in what the
/// fix read or committed after it with its counts added to the rows the fix wrote, so
/// afterwards the counts equal the answers.
#[test]
fn recount_fix_while_a_server_writes_loses_no_counts() {
    use diesel::RunQueryDsl;
    let (_dir, db, _guard) = process_database();
    let token = token(&db);
    let server = start(&db);
    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(AtomicUsize::new(0));
    let clients: Vec<_> = (0..3)
        .map(|i| {
            let (addr, token) = (server.addr.clone(), token.clone());
            let (stop, acked) = (stop.clone(), acked.clone());
            std::thread::spawn(move || {
                let mut c = Client::new(&addr);
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    let s = live_submission(
                        ["P-NINH-KIEU", "P-BINH-THUY", "P-CAI-RANG"][i],
                        Some(1 + n % 5),
                    );
                    n += 1;
                    let body = serde_json::to_vec(&s).unwrap();
                    let r = c
                        .request("POST", "/api/v1/responses", Some(&token), &body)
                        .unwrap();
                    match r.status {
                        201 => {
                            acked.fetch_add(1, Ordering::Relaxed);
                        }
                        503 => std::thread::sleep(Duration::from_millis(20)),
                        other => panic!("unexpected {other}: {}", r.body),
                    }
                }
            })
        })
        .collect();
    let wait_for = |n: usize| {
        let deadline = Instant::now() + Duration::from_secs(60);
        while acked.load(Ordering::Relaxed) < n {
            assert!(Instant::now() < deadline, "the clients got stuck");
            std::thread::sleep(Duration::from_millis(10));
        }
    };
    let pool = chiso::db::connect(&db, 1).unwrap();
    for round in 1..=5 {
        wait_for(40 * round);
        // Counts gone wrong behind the server's back, so that the fix replaces them. This
        // UPDATE locks every row at once, in no set order, while the server locks the rows it
        // adds to: PostgreSQL may pick it as a deadlock's victim, and then it is tried again.
        let mut tries = 0;
        while let Err(e) = diesel::sql_query("UPDATE response_tallies SET n = n + 5")
            .execute(&mut *pool.get().unwrap())
        {
            tries += 1;
            assert!(
                tries < 20 && e.to_string().contains("deadlock"),
                "round {round}: {e}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        let out = chiso(&db).args(["recount", "--fix"]).output().unwrap();
        let said = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(
            out.status.success() && said.contains("replaced by the recount"),
            "round {round}: {said}{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    wait_for(40 * 6);
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        c.join().unwrap();
    }
    drop(server);
    drop(pool);
    let (state, stored) = reopen_with_counts_agreeing(&db);
    assert_eq!(stored, acked.load(Ordering::Relaxed) as i64);
    let mut conn = state.pool.get().unwrap();
    let f = chiso::db::counts::Filter {
        survey_id: "sipas-counter".into(),
        period: chiso::clock::Clock::System.year(),
        ..Default::default()
    };
    assert_eq!(
        chiso::db::counts::load(&mut conn, &f).unwrap().responses,
        stored
    );
    drop(conn);
    state.close();
}
