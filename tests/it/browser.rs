//! A real browser on the keying screen: a surveyor keys a whole paper form with the keyboard
//! alone, one keystroke per answer, and the form is saved as typed.
//!
//! Needs Chromium (`chromium` on the PATH, or CHISO_CHROMIUM); the CI script installs it.
//! Set CHISO_SKIP_BROWSER_TESTS=1 to skip on a machine without one.

use crate::harness::{chiso_process, free_port, fresh_database, start_server, surveys_dir};
use chiso::survey::paper::{layout, FieldKind, Keyed};
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn browser_path() -> Option<String> {
    if let Ok(p) = std::env::var("CHISO_CHROMIUM") {
        return Some(p);
    }
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find(|b| {
            Command::new("which")
                .arg(b)
                .stdout(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        })
        .map(|b| b.to_string())
}

/// A plain HTTP/1.1 exchange: status, headers and body as text. Reads up to the announced
/// length (Chromium's DevTools server keeps the connection open).
fn http(addr: &str, request: &str) -> (u16, String, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut reply: Vec<u8> = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        let n = s.read(&mut buf).unwrap_or(0);
        if n == 0 {
            break;
        }
        reply.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&reply);
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head.lines().find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case("content-length")
                    .then(|| v.trim().parse::<usize>().ok())?
            });
            if length.is_some_and(|n| body.len() >= n) {
                break;
            }
        }
    }
    let reply = String::from_utf8_lossy(&reply).to_string();
    let (head, body) = reply.split_once("\r\n\r\n").unwrap_or((&reply, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap();
    (status, head.to_string(), body.to_string())
}

fn cookie_in(head: &str, name: &str) -> Option<String> {
    head.lines()
        .filter_map(|l| {
            l.strip_prefix("set-cookie: ")
                .or_else(|| l.strip_prefix("Set-Cookie: "))
        })
        .find_map(|c| c.strip_prefix(&format!("{name}=")))
        .map(|c| c.split(';').next().unwrap_or("").to_string())
}

const CSRF: &str = "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd";

fn post_form(addr: &str, path: &str, session: Option<&str>, body: &str) -> (u16, String, String) {
    let cookie = match session {
        Some(s) => format!("chiso_csrf={CSRF}; chiso_session={s}"),
        None => format!("chiso_csrf={CSRF}"),
    };
    http(
        addr,
        &format!(
            "POST {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nCookie: {cookie}\r\n\
             Content-Length: {}\r\n\r\n{body}",
            body.len()
        ),
    )
}

fn sign_in(addr: &str, user: &str) -> String {
    let body = format!("csrf={CSRF}&username={user}&password=mat-khau-nhap-lieu");
    let (status, head, _) = post_form(addr, "/login", None, &body);
    assert_eq!(status, 303, "{user} signs in");
    cookie_in(&head, "chiso_session").unwrap()
}

/// Chromium driven over the DevTools protocol, one page.
struct Chromium {
    child: Child,
    ws: tungstenite::WebSocket<tungstenite::stream::MaybeTlsStream<TcpStream>>,
    next: u64,
    _profile: tempfile::TempDir,
}

impl Drop for Chromium {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Chromium {
    fn start(path: &str) -> Chromium {
        let port = free_port();
        let profile = tempfile::tempdir().unwrap();
        let child = Command::new(path)
            .args([
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                &format!("--remote-debugging-port={port}"),
                &format!("--user-data-dir={}", profile.path().display()),
                "about:blank",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let addr = format!("127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        let url = loop {
            let list = TcpStream::connect(&addr).ok().map(|_| {
                http(
                    &addr,
                    &format!(
                        "GET /json/list HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
                    ),
                )
                .2
            });
            let page = list
                .and_then(|l| serde_json::from_str::<Value>(&l).ok())
                .and_then(|v| {
                    v.as_array()?
                        .iter()
                        .find(|t| t["type"] == "page")?
                        .get("webSocketDebuggerUrl")?
                        .as_str()
                        .map(str::to_string)
                });
            if let Some(u) = page {
                break u;
            }
            assert!(Instant::now() < deadline, "chromium did not start");
            std::thread::sleep(Duration::from_millis(100));
        };
        let (ws, _) = tungstenite::connect(url).unwrap();
        if let tungstenite::stream::MaybeTlsStream::Plain(s) = ws.get_ref() {
            s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        }
        let mut c = Chromium {
            child,
            ws,
            next: 0,
            _profile: profile,
        };
        c.call("Page.enable", json!({}));
        c
    }

    fn call(&mut self, method: &str, params: Value) -> Value {
        self.next += 1;
        let id = self.next;
        let msg = json!({"id": id, "method": method, "params": params}).to_string();
        self.ws.send(tungstenite::Message::Text(msg)).unwrap();
        loop {
            let m = self
                .ws
                .read()
                .unwrap_or_else(|e| panic!("no answer from chromium to {method}: {e}"));
            let Ok(text) = m.to_text() else { continue };
            let v: Value = serde_json::from_str(text).unwrap_or(Value::Null);
            if v["id"] == json!(id) {
                assert!(v.get("error").is_none(), "{method}: {v}");
                return v["result"].clone();
            }
        }
    }

    fn eval(&mut self, js: &str) -> Value {
        self.call(
            "Runtime.evaluate",
            json!({"expression": js, "returnByValue": true, "awaitPromise": true}),
        )["result"]["value"]
            .clone()
    }

    fn open(&mut self, url: &str) {
        self.call("Page.navigate", json!({"url": url}));
        self.wait_for("document.readyState === 'complete' && !!document.body");
    }

    fn wait_for(&mut self, js: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.eval(js) != json!(true) {
            assert!(Instant::now() < deadline, "waited in vain for {js}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// One keystroke, as the keyboard sends it.
    fn key(&mut self, key: &str) {
        let code = match key {
            "Enter" => Some(13),
            "Backspace" => Some(8),
            _ => None,
        };
        match code {
            Some(c) => {
                self.call(
                    "Input.dispatchKeyEvent",
                    json!({"type": "rawKeyDown", "key": key, "windowsVirtualKeyCode": c}),
                );
                if key == "Enter" {
                    self.call(
                        "Input.dispatchKeyEvent",
                        json!({"type": "char", "key": key, "text": "\r"}),
                    );
                }
                self.call(
                    "Input.dispatchKeyEvent",
                    json!({"type": "keyUp", "key": key, "windowsVirtualKeyCode": c}),
                );
            }
            None => {
                self.call(
                    "Input.dispatchKeyEvent",
                    json!({"type": "keyDown", "key": key, "text": key}),
                );
                self.call(
                    "Input.dispatchKeyEvent",
                    json!({"type": "keyUp", "key": key}),
                );
            }
        }
    }
}

#[test]
fn a_surveyor_keys_a_whole_form_with_the_keyboard_alone() {
    if std::env::var("CHISO_SKIP_BROWSER_TESTS").is_ok_and(|v| v == "1") {
        return;
    }
    let browser = browser_path().expect(
        "this test needs Chromium: install it (the CI script does) or set CHISO_SKIP_BROWSER_TESTS=1",
    );
    let dir = tempfile::tempdir().unwrap();
    let (db, _guard) = fresh_database(&dir);
    let server = start_server(&db);
    for (name, role) in [("an", "surveyor"), ("chi", "supervisor")] {
        let out = chiso_process(&db)
            .env("CHISO_USER_PASSWORD", "mat-khau-nhap-lieu")
            .args(["user", "add", name, "--role", role])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let addr = server.addr.clone();

    // The supervisor opens a batch for a ward of today's map, this year.
    let year = chrono::Utc::now().format("%Y").to_string();
    let sup = sign_in(&addr, "chi");
    let body = format!(
        "csrf={CSRF}&survey=sipas-2022-household&unit=P-NINH-KIEU&period={year}&expected=10&label=browser"
    );
    let (status, head, _) = post_form(&addr, "/entry/batches", Some(&sup), &body);
    assert_eq!(status, 303);
    let batch = head
        .lines()
        .find_map(|l| {
            l.strip_prefix("location: ")
                .or_else(|| l.strip_prefix("Location: "))
        })
        .unwrap()
        .trim()
        .trim_start_matches("/entry/batches/")
        .to_string();

    // What the keyer will type, field by field, as the paper shows it: the first code of each
    // question asked, "2" (no) on Câu 8.4 so the service questions are skipped as on paper.
    let survey =
        chiso::survey::load_file(&surveys_dir().join("sipas-2022-household.toml")).unwrap();
    let fields = layout(&survey);
    let mut typed = Keyed::new();
    let mut plan: Vec<String> = Vec::new();
    for f in &fields {
        if !f.asked(&typed) {
            continue;
        }
        match &f.kind {
            FieldKind::Codes(codes) => {
                let key = if f.name == "q.C8.4" {
                    "2".to_string()
                } else {
                    codes[0].key.clone()
                };
                typed.insert(f.name.clone(), key.clone());
                plan.push(key);
            }
            // A comment left empty: Enter moves on (or, on the last field, saves).
            FieldKind::Text { .. } => plan.push("Enter".into()),
        }
    }
    let asked = plan.len();
    assert!(
        asked >= 30 && asked < fields.len(),
        "{asked} of {} asked",
        fields.len()
    );

    let an = sign_in(&addr, "an");
    let mut chrome = Chromium::start(&browser);
    chrome.call("Network.enable", json!({}));
    chrome.call(
        "Network.setCookie",
        json!({"name": "chiso_session", "value": an, "url": format!("http://{addr}/")}),
    );
    chrome.open(&format!("http://{addr}/entry/batches/{batch}/key"));
    chrome.wait_for("document.activeElement && document.activeElement.id === 'serial'");

    let mut keystrokes = 0;
    let mut press = |c: &mut Chromium, k: &str| {
        c.key(k);
        keystrokes += 1;
    };
    for ch in "NK-0001".chars() {
        press(&mut chrome, &ch.to_string());
    }
    press(&mut chrome, "Enter");
    let day = format!("0101{year}");
    for ch in day.chars() {
        press(&mut chrome, &ch.to_string());
    }
    press(&mut chrome, "Enter");
    // A wrong code on the first question is refused on the spot and moves nowhere; Backspace
    // then Enter are not needed: the next right code simply takes its place.
    press(&mut chrome, "7");
    assert_eq!(
        chrome.eval("document.querySelector('.fielderror.live') && document.querySelector('.fielderror.live').textContent.includes('không phải mã trên phiếu')"),
        json!(true),
        "an invalid code is refused with a message"
    );
    let refused = 1;
    for k in &plan {
        press(&mut chrome, k);
    }
    // The last field is a code: Enter saves.
    if plan.last().is_some_and(|k| k != "Enter") {
        press(&mut chrome, "Enter");
    }
    chrome.wait_for("location.search.includes('saved=')");
    let message = chrome.eval("document.querySelector('.saved').textContent");
    assert!(
        message
            .as_str()
            .unwrap_or("")
            .contains("Đã lưu phiếu NK-0001"),
        "{message}"
    );
    // One keystroke per answer: serial, date, their two Enters, the refused code, the save.
    let expected = "NK-0001".len()
        + 1
        + day.len()
        + 1
        + refused
        + asked
        + usize::from(plan.last().is_some_and(|k| k != "Enter"));
    assert_eq!(keystrokes, expected);
    // The next blank form is open, the cursor on its serial.
    chrome.wait_for("document.activeElement && document.activeElement.id === 'serial' && document.activeElement.value === ''");

    // What was stored is what was typed.
    let (_, _, page) = http(
        &addr,
        &format!(
            "GET /entry/batches/{batch} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nCookie: chiso_session={sup}\r\n\r\n"
        ),
    );
    assert!(
        page.contains("NK-0001") && page.contains("Đã nhập 1 lần"),
        "{page}"
    );
    let mut stored = chiso::survey::paper::Keyed::new();
    {
        use chiso::db::schema::keyings;
        use diesel::prelude::*;
        let settings = chiso::config::Settings {
            database_url: db.clone(),
            surveys_dir: surveys_dir(),
            ..chiso::config::Settings::default()
        };
        let state = chiso::startup::prepare(settings).unwrap().state;
        let mut conn = state.pool.get().unwrap();
        let (bg, answers): (String, String) = keyings::table
            .select((keyings::background, keyings::answers))
            .first(&mut conn)
            .unwrap();
        for part in [bg, answers] {
            let m: std::collections::BTreeMap<String, String> =
                serde_json::from_str(&part).unwrap();
            stored.extend(m);
        }
    }
    assert_eq!(stored, typed);
}
