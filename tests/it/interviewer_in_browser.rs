//! The interviewer app in a real browser: household forms filled with the server out of
//! reach (stopped: the tablet's requests fail as they do when the network drops), across a
//! browser restart, then synced through the batch API — twice, storing each form once; and
//! a form altered on the tablet beyond its scale, refused on sync and kept for correction.
//!
//! Needs Chromium and chromedriver (see `webdriver`); CHISO_SKIP_BROWSER_TESTS=1 skips it.

use crate::browser::sign_in_by_keyboard;
use crate::harness::*;
use crate::webdriver::{Browser, TABLET};
use serde_json::json;

const PASSWORD: &str = "mat-khau-phong-van";

/// A server with an interviewer `pv`.
fn server_with_interviewer(db: &str) -> Server {
    let server = start_server(db);
    run_ok(
        chiso_process(db)
            .env("CHISO_USER_PASSWORD", PASSWORD)
            .args(["user", "add", "pv", "--role", "surveyor"]),
    );
    server
}

/// The server again, on the address the tablet knows: the network is back.
fn restart(db: &str, addr: &str) -> Server {
    let child = chiso_process(db)
        .args(["serve", "--bind", addr])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    wait_healthy(addr);
    Server {
        child,
        addr: addr.to_string(),
    }
}

fn open_app(b: &Browser, addr: &str) {
    b.go(&format!("http://{addr}/phong-van"));
    b.wait_for("document.getElementById('phong-van').dataset.ready === '1'");
}

/// Waits until the app says `n` forms wait on the tablet (it counts them after each write).
fn until_waiting(b: &Browser, n: usize) {
    b.wait_for(&format!(
        "document.getElementById('phong-van').dataset.waiting === '{n}'"
    ));
}

/// Starts a household form, answers a few questions (the skip logic opens E1.1 once C8.4 is
/// "Có") and finishes it.
fn fill_household(b: &Browser, e11: usize) {
    b.run(
        "document.getElementById('chon-phieu').value = 'sipas-2022-household';",
        vec![],
    );
    b.click("#phieu-moi button[type=submit]");
    b.wait_for("!document.getElementById('vung-phieu').hidden");
    assert_eq!(
        b.eval("document.querySelector('[data-field=\"answers.E1.1\"]').hidden"),
        json!(true),
        "E1.1 waits for C8.4"
    );
    b.click("label[for='o-background-gioi_tinh-1']");
    b.click("label[for='o-answers-C8-4-0']");
    b.wait_for("!document.querySelector('[data-field=\"answers.E1.1\"]').hidden");
    b.click(&format!("label[for='o-answers-E1-1-{e11}']"));
    b.click("#xong");
    b.wait_for("document.getElementById('vung-phieu').hidden");
}

/// Copies every form record on the tablet, as kept (encrypted ones included), into a
/// database of the test's own, to put back later (the page is reloaded in between).
const SNAPSHOT: &str = "const done = arguments[arguments.length - 1];
    const req = indexedDB.open('chiso-phong-van', 1);
    req.onsuccess = () => {
      const all = req.result.transaction('forms').objectStore('forms').getAll();
      all.onsuccess = () => {
        window.__kept = all.result;
        const copy = indexedDB.open('test-kept', 1);
        copy.onupgradeneeded = () => copy.result.createObjectStore('forms', { keyPath: 'id' });
        copy.onsuccess = () => {
          const tx = copy.result.transaction('forms', 'readwrite');
          all.result.forEach((f) => tx.objectStore('forms').put(f));
          tx.oncomplete = () => done(all.result.length);
        };
      };
    };";

const PUT_BACK: &str = "const done = arguments[arguments.length - 1];
    const copy = indexedDB.open('test-kept', 1);
    copy.onsuccess = () => {
      const all = copy.result.transaction('forms').objectStore('forms').getAll();
      all.onsuccess = () => {
        const req = indexedDB.open('chiso-phong-van', 1);
        req.onsuccess = () => {
          const tx = req.result.transaction('forms', 'readwrite');
          all.result.forEach((f) => tx.objectStore('forms').put(f));
          tx.oncomplete = () => done(all.result.length);
        };
      };
    };";

#[test]
fn ten_household_forms_filled_offline_across_a_restart_are_stored_once_however_often_synced() {
    let (_dir, db, _guard) = process_database();
    let mut server = server_with_interviewer(&db);
    let addr = server.addr.clone();
    let profile = tempfile::tempdir().unwrap();
    {
        let Some(mut b) = Browser::open_in("phong-van", TABLET, Some(profile.path())) else {
            return;
        };
        sign_in_by_keyboard(&mut b, &addr, "pv", PASSWORD);
        open_app(&b, &addr);
        b.wait_for("!!navigator.serviceWorker.controller");
        b.screenshot("san-sang");
        b.check_accessibility("/phong-van");
        // The network drops: nothing the tablet asks for is answered.
        server.stop();
        for i in 0..5 {
            fill_household(&b, i % 5);
        }
        until_waiting(&b, 5);
        b.click("#gui");
        b.wait_for("!document.getElementById('phong-van').dataset.syncing");
        assert!(b.text("#trang-thai").contains("Không có mạng"));
        b.screenshot("khong-mang");
    }
    // The browser is closed and opened again, still with no network.
    let Some(mut b) = Browser::open_in("phong-van-lai", TABLET, Some(profile.path())) else {
        return;
    };
    open_app(&b, &addr);
    // The forms outlived the restart.
    until_waiting(&b, 5);
    for i in 0..5 {
        fill_household(&b, i % 5);
    }
    until_waiting(&b, 10);
    assert_eq!(stored_forms_in(&db), 0);
    // Signing out with forms on the tablet is refused, with a warning.
    b.click("header form[action='/logout'] button");
    b.wait_for("document.getElementById('trang-thai').textContent.includes('Chưa thể đăng xuất')");
    assert!(b.eval("location.pathname").as_str() == Some("/phong-van"));
    b.screenshot("chua-the-dang-xuat");
    assert_eq!(
        b.run_async(SNAPSHOT, vec![]),
        json!(10),
        "ten forms to put back later"
    );

    // The network is back; the restart ended the session, so the interviewer signs in.
    let _server = restart(&db, &addr);
    sign_in_by_keyboard(&mut b, &addr, "pv", PASSWORD);
    open_app(&b, &addr);
    b.click("#gui");
    b.wait_for("document.getElementById('phong-van').dataset.forms === '0'");
    b.screenshot("da-gui");
    assert_eq!(stored_forms_in(&db), 10);
    assert!(b.text("#da-gui").contains("10"), "{}", b.text("#da-gui"));

    // The answer was lost on the way (the tablet still holds the forms): syncing again
    // stores nothing twice.
    assert_eq!(b.run_async(PUT_BACK, vec![]), json!(10));
    // Opening the app online sends what waits; the tap finds it sending or sends it itself.
    open_app(&b, &addr);
    b.click("#gui");
    b.wait_for("document.getElementById('phong-van').dataset.forms === '0'");
    assert_eq!(stored_forms_in(&db), 10);
}

/// Decrypts the tablet's one finished form, sets E1.1 to 9 and encrypts it again, as a
/// tampered tablet would.
const TAMPER: &str = "const done = arguments[arguments.length - 1];
    const req = indexedDB.open('chiso-phong-van', 1);
    req.onsuccess = async () => {
      const d = req.result;
      const get = (store, k) => new Promise((ok) => {
        const r = d.transaction(store).objectStore(store).get(k); r.onsuccess = () => ok(r.result); });
      const key = (await get('meta', 'key')).v;
      const all = await new Promise((ok) => {
        const r = d.transaction('forms').objectStore('forms').getAll(); r.onsuccess = () => ok(r.result); });
      const f = all[0];
      const ad = new TextEncoder().encode(f.id);
      const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: f.sealed.iv, additionalData: ad }, key, f.sealed.data);
      const body = JSON.parse(new TextDecoder().decode(plain));
      body.answers['E1.1'] = 9;
      const iv = crypto.getRandomValues(new Uint8Array(12));
      const data = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: ad }, key,
        new TextEncoder().encode(JSON.stringify(body)));
      f.sealed = { iv, data };
      const tx = d.transaction('forms', 'readwrite');
      tx.objectStore('forms').put(f);
      tx.oncomplete = () => done(f.id);
    };";

#[test]
fn a_form_altered_beyond_its_scale_is_refused_on_sync_and_kept_for_correction() {
    let (_dir, db, _guard) = process_database();
    let server = server_with_interviewer(&db);
    let addr = server.addr.clone();
    let Some(mut b) = Browser::open("phong-van-sua", TABLET) else {
        return;
    };
    sign_in_by_keyboard(&mut b, &addr, "pv", PASSWORD);
    open_app(&b, &addr);
    // Nothing of the answers is readable on the tablet without the key.
    fill_household(&b, 3);
    let kept = b.run_async(SNAPSHOT, vec![]);
    assert_eq!(kept, json!(1));
    let clear = b.eval("JSON.stringify(window.__kept[0])");
    assert!(!clear.as_str().unwrap().contains("E1.1"), "{clear}");
    let id = b.run_async(TAMPER, vec![]);
    b.click("#gui");
    b.wait_for("!document.getElementById('phong-van').dataset.syncing");
    assert_eq!(stored_forms_in(&db), 0);
    let row = format!("#danh-sach tr[data-id='{}']", id.as_str().unwrap());
    assert_eq!(
        b.eval(&format!("document.querySelector(\"{row}\").dataset.state")),
        json!("fix")
    );
    assert!(b.text(&row).contains("answers.E1.1"), "{}", b.text(&row));
    b.screenshot("can-sua");
    // Corrected on the tablet, it goes.
    b.click(&format!("{row} button"));
    b.wait_for("!document.getElementById('vung-phieu').hidden");
    assert!(b.text("#phieu").contains("answers.E1.1"));
    b.check_accessibility("/phong-van, a form to correct");
    b.click("label[for='o-answers-E1-1-4']");
    b.click("#xong");
    b.wait_for("document.getElementById('vung-phieu').hidden");
    b.click("#gui");
    b.wait_for("document.getElementById('phong-van').dataset.forms === '0'");
    assert_eq!(stored_forms_in(&db), 1);
}
