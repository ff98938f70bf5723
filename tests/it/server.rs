//! `chiso` as `cargo run --release` starts it: settings from the environment and flags, and
//! memory that stays bounded under sign-ins.

use crate::harness::{
    chiso_process, free_port, process_database, rss_mb, wait_healthy, Server,
    ADMIN_PROCESS_PASSWORD,
};
use std::io::Read;
use std::process::Stdio;

/// `chiso` with no subcommand, its stdout captured.
fn bare_chiso(db: &str, configure: impl FnOnce(&mut std::process::Command)) -> Server {
    let addr = format!("127.0.0.1:{}", free_port());
    let mut cmd = chiso_process(db);
    cmd.env("CHISO_BIND", &addr)
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    configure(&mut cmd);
    let child = cmd.spawn().unwrap();
    wait_healthy(&addr);
    Server { child, addr }
}

fn stdout_of(mut server: Server) -> String {
    let _ = server.child.kill();
    let _ = server.child.wait();
    let mut out = String::new();
    if let Some(mut s) = server.child.stdout.take() {
        s.read_to_string(&mut out).unwrap();
    }
    out
}

#[test]
fn chiso_without_a_subcommand_honours_the_environment_and_flags() {
    let (_dir, db, _guard) = process_database();
    // CHISO_BIND is where `bare_chiso` waits for it: the server must listen there.
    let server = bare_chiso(&db, |c| {
        c.env("CHISO_KIOSK_INTERVAL", "7");
    });
    let out = stdout_of(server);
    assert!(
        out.contains("kiosks accept one form per 7 s"),
        "the kiosk interval from CHISO_KIOSK_INTERVAL: {out}"
    );
    // Flags without a subcommand, as with `chiso serve`.
    let addr = format!("127.0.0.1:{}", free_port());
    let mut cmd = chiso_process(&db);
    cmd.args(["--bind", &addr, "--kiosk-interval", "9"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let child = cmd.spawn().unwrap();
    wait_healthy(&addr);
    let out = stdout_of(Server { child, addr });
    assert!(out.contains("per 9 s"), "{out}");
}

/// Signs in through the sign-in page on a fresh connection, as a client at `from` behind the
/// reverse proxy; the status code of the form.
fn sign_in(addr: &str, from: &str, password: &str) -> u16 {
    let mut c = chiso::http_client::Client::new(addr);
    let page = c.send("GET", "/login", &[], b"").unwrap();
    let pre = page.cookie("chiso_csrf").unwrap().to_string();
    let csrf = chiso::http_client::csrf_field(&page.body).unwrap();
    let body = format!("csrf={csrf}&username=admin&password={password}");
    let cookie = format!("chiso_csrf={pre}");
    c.send(
        "POST",
        "/login",
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Cookie", &cookie),
            ("X-Forwarded-For", from),
        ],
        body.as_bytes(),
    )
    .unwrap()
    .status
}

#[test]
fn memory_stays_bounded_after_many_sign_ins() {
    let (_dir, db, _guard) = process_database();
    // Behind a proxy, so that each client gets its own address (sign-ins are limited per
    // address and name).
    let server = bare_chiso(&db, |c| {
        c.env("CHISO_BEHIND_PROXY", "true");
    });
    let before = rss_mb(server.child.id());
    let addr = server.addr.clone();
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let addr = addr.clone();
            std::thread::spawn(move || {
                for i in 0..25 {
                    let from = format!("198.51.100.{}", t * 25 + i);
                    assert_eq!(sign_in(&addr, &from, ADMIN_PROCESS_PASSWORD), 303);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    // Each password thread gives its 19 MiB of argon2 memory back once no sign-in waits, just
    // after its last answer is sent: within moments the server is about where it began (it
    // kept 40 MB more when the threads held their buffers).
    let settled = |mb: f64| mb < 64.0 && mb < before + 16.0;
    let mut after = rss_mb(server.child.id());
    for _ in 0..30 {
        if settled(after) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
        after = rss_mb(server.child.id());
    }
    assert!(
        settled(after),
        "resident memory {after:.1} MB after 200 sign-ins, 8 at a time (started at {before:.1} MB)"
    );
}
