//! A real kiosk losing its network: Chromium's own network conditions (through its DevTools
//! protocol) take the page offline, and the server stops answering, since the conditions do
//! not reach the page's service worker, as a dropped Wi-Fi would. Three citizens finish their forms offline and each sees the thank-you screen; a
//! reload offline still opens a form; staff see "3 phiếu chờ gửi"; when the network returns
//! the three answers are stored, exactly three, and the marker goes.

use crate::harness::{process_database, start_server_on, stored_forms_in};
use crate::kiosk::{fill_in, kiosk, kiosk_server_with};
use crate::webdriver::{Browser, TABLET};
use serde_json::json;
use std::time::{Duration, Instant};

/// Polls the page's asynchronous `check` (a function body that calls `done(value)`) until it
/// gives `want`, for at most `secs` seconds.
fn eventually(b: &Browser, check: &str, want: serde_json::Value, secs: u64) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut last = json!(null);
    while Instant::now() < deadline {
        b.eval(&format!(
            "(function(){{window.__got = undefined; var done = function (v) {{ window.__got = v; }}; {check} }})()"
        ));
        for _ in 0..20 {
            last = b.eval("window.__got === undefined ? null : window.__got");
            if !last.is_null() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        if last == want {
            return;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    panic!("{check}: gave {last}, waited for {want}");
}

/// How many forms the tablet holds ahead for `token` (the worker's IndexedDB, opened as the
/// worker opens it).
fn tickets_check(token: &str) -> String {
    format!(
        "var o = indexedDB.open('chiso-kiosk', 1);
         o.onupgradeneeded = function () {{
           o.result.createObjectStore('kept', {{ keyPath: 'id' }});
           o.result.createObjectStore('tickets', {{ keyPath: 'token' }});
         }};
         o.onsuccess = function () {{
           var g = o.result.transaction('tickets').objectStore('tickets').get('{token}');
           g.onsuccess = function () {{ done(g.result ? g.result.list.length >= 20 : false); o.result.close(); }};
         }};"
    )
}

fn network(b: &Browser, offline: bool) {
    b.cdp("Network.enable", json!({}));
    b.cdp(
        "Network.emulateNetworkConditions",
        json!({"offline": offline, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}),
    );
}

#[test]
fn a_kiosk_takes_three_forms_offline_and_sends_exactly_three_when_the_network_returns() {
    let (_dir, db, _guard) = process_database();
    let settings = [("CHISO_KIOSK_INTERVAL", "1")];
    let (mut server, url) = kiosk_server_with(&db, &settings);
    let token = url.rsplit('/').next().unwrap().to_string();
    let Some(mut c) = kiosk("kiosk-offline", TABLET, &url) else {
        return;
    };

    // Online, the page installs its worker, which keeps the form, its files, the thank-you
    // page and forms issued ahead.
    eventually(
        &c.b,
        "navigator.serviceWorker.ready.then(function () { done(!!navigator.serviceWorker.controller); });",
        json!(true),
        30,
    );
    eventually(&c.b, &tickets_check(&token), json!(true), 30);
    eventually(
        &c.b,
        &format!("caches.match('/k/{token}/cam-on').then(function (r) {{ done(!!r); }});"),
        json!(true),
        30,
    );

    // The Wi-Fi drops. Three citizens fill in the whole form; each is thanked as usual.
    network(&c.b, true);
    server.stop();
    assert_eq!(c.b.eval("navigator.onLine"), json!(false));
    for n in 0..3 {
        if n > 0 {
            c.b.go(&url);
        }
        c.taps = 0;
        fill_in(&mut c);
        assert!(c.b.text("body").contains("Đã ghi nhận"), "citizen {n}");
    }
    assert_eq!(stored_forms_in(&db), 0, "nothing was stored");

    // A reload while offline: a fresh form, and the staff's quiet marker.
    c.b.go(&url);
    assert_eq!(c.b.text(".kprogress .steptext"), "Bước 1/7");
    c.b.wait_for("!document.getElementById('kept').hidden");
    assert_eq!(c.b.text("#kept"), "3 phiếu chờ gửi");
    c.b.screenshot("mat-mang-3-phieu-cho");
    c.b.check_accessibility("kiosk offline, 3 waiting");

    // The network returns: the three are sent, oldest first, and stored once each.
    let _server = start_server_on(&db, &server.addr, &settings);
    network(&c.b, false);
    let deadline = Instant::now() + Duration::from_secs(60);
    while stored_forms_in(&db) < 3 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(250));
    }
    assert_eq!(stored_forms_in(&db), 3);
    c.b.wait_for("document.getElementById('kept').hidden");
    // Once more online: nothing is sent twice.
    c.b.go(&url);
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(stored_forms_in(&db), 3);
}
