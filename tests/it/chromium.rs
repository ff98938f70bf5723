//! A tiny DevTools-protocol client: Chromium started headless, one page, driven over a
//! WebSocket. Shared by the browser tests.
//!
//! Needs Chromium (`chromium` on the PATH, or CHISO_CHROMIUM); the CI script installs it.
//! Set CHISO_SKIP_BROWSER_TESTS=1 to skip on a machine without one.

use crate::harness::free_port;
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The browser to drive, or `None` when browser tests are to be skipped
/// (CHISO_SKIP_BROWSER_TESTS=1). Panics, saying what to do, when there is none.
pub fn browser() -> Option<String> {
    if std::env::var("CHISO_SKIP_BROWSER_TESTS").is_ok_and(|v| v == "1") {
        return None;
    }
    Some(browser_path().expect(
        "this test needs Chromium: install it (the CI script does) or set CHISO_SKIP_BROWSER_TESTS=1",
    ))
}

pub fn browser_path() -> Option<String> {
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
pub fn http(addr: &str, request: &str) -> (u16, String, String) {
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

/// Chromium driven over the DevTools protocol, one page.
pub struct Chromium {
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
    pub fn start(path: &str) -> Chromium {
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

    pub fn call(&mut self, method: &str, params: Value) -> Value {
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

    pub fn eval(&mut self, js: &str) -> Value {
        self.call(
            "Runtime.evaluate",
            json!({"expression": js, "returnByValue": true, "awaitPromise": true}),
        )["result"]["value"]
            .clone()
    }

    pub fn open(&mut self, url: &str) {
        self.call("Page.navigate", json!({"url": url}));
        self.wait_for("document.readyState === 'complete' && !!document.body");
    }

    pub fn wait_for(&mut self, js: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.eval(js) != json!(true) {
            assert!(Instant::now() < deadline, "waited in vain for {js}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// One keystroke, as the keyboard sends it.
    pub fn key(&mut self, key: &str) {
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
