//! A real browser on the keying screen: a surveyor signs in and keys a whole paper form with
//! the keyboard alone, one keystroke per answer, and the form is saved as typed.
//!
//! Needs Chromium and chromedriver (see `webdriver`); CHISO_SKIP_BROWSER_TESTS=1 skips it.

use crate::harness::{
    assert_says, chiso_process, open_state, process_database, run_ok, start_server, surveys_dir,
};
use crate::webdriver::{Browser, DESKTOP};
use chiso::http_client::Client;
use chiso::survey::paper::{layout, FieldKind, Keyed};
use serde_json::json;

/// A staff member's page or form post over HTTP, with the session cookie.
pub fn staff(
    addr: &str,
    method: &str,
    path: &str,
    session: &str,
    body: &str,
) -> chiso::http_client::Reply {
    let cookie = format!("chiso_session={session}");
    Client::new(addr)
        .send(
            method,
            path,
            &[
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Cookie", &cookie),
            ],
            body.as_bytes(),
        )
        .unwrap()
}

/// Signs in over HTTP: the session cookie and the CSRF token of its forms.
pub fn sign_in(addr: &str, user: &str, password: &str) -> (String, String) {
    let mut c = Client::new(addr);
    let signed = chiso::http_client::sign_in(&mut c, user, password).unwrap();
    let session = signed
        .cookie
        .trim_start_matches("chiso_session=")
        .to_string();
    (session, signed.csrf)
}

/// Signs `user` in through the browser's sign-in page, with the keyboard alone: the name,
/// Tab, the password, Enter.
pub fn sign_in_by_keyboard(b: &mut Browser, addr: &str, user: &str, password: &str) {
    b.go(&format!("http://{addr}/login"));
    b.wait_for("document.activeElement && document.activeElement.name === 'username'");
    b.screenshot("dang-nhap");
    b.check_accessibility("/login");
    b.click("input[name=username]");
    for ch in user.chars() {
        b.key(&ch.to_string());
    }
    b.key("Tab");
    for ch in password.chars() {
        b.key(&ch.to_string());
    }
    b.key("Enter");
    b.wait_for("!location.pathname.startsWith('/login') && document.readyState === 'complete'");
}

#[test]
fn a_surveyor_keys_a_whole_form_with_the_keyboard_alone() {
    // The supervisor opens a batch for a ward of today's map, this year.
    let desk = KeyingDesk::open("browser");
    let (addr, db, batch) = (desk.addr(), desk.db.clone(), desk.batch.clone());
    let year = desk.year.to_string();
    let (sup, _) = sign_in(&addr, "chi", "mat-khau-nhap-lieu");

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

    let Some(mut chrome) = Browser::open("keying", DESKTOP) else {
        return;
    };
    sign_in_by_keyboard(&mut chrome, &addr, "an", "mat-khau-nhap-lieu");
    chrome.go(&format!("http://{addr}/entry/batches/{batch}/key"));
    chrome.wait_for("document.activeElement && document.activeElement.id === 'serial'");
    chrome.screenshot("phieu-trong");
    chrome.check_accessibility("the keying screen");
    // The walk with Tab moved the cursor: back to the serial, as on opening the page.
    chrome.go(&format!("http://{addr}/entry/batches/{batch}/key"));
    chrome.wait_for("document.activeElement && document.activeElement.id === 'serial'");

    let mut keystrokes = 0;
    let mut press = |c: &mut Browser, k: &str| {
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
    chrome.screenshot("ma-sai");
    let refused = 1;
    for k in &plan {
        press(&mut chrome, k);
    }
    // The last field is a code: Enter saves.
    if plan.last().is_some_and(|k| k != "Enter") {
        press(&mut chrome, "Enter");
    }
    chrome.wait_for("!!document.querySelector('.saved')");
    chrome.screenshot("da-luu");
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
    let page = staff(&addr, "GET", &format!("/entry/batches/{batch}"), &sup, "").body;
    assert_says(&page, &["NK-0001", "Đã nhập 1 lần"]);
    let mut stored = chiso::survey::paper::Keyed::new();
    {
        use chiso::db::schema::keyings;
        use diesel::prelude::*;
        let state = open_state(&db);
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

/// A server with surveyor "an" and supervisor "chi", and a batch of ten household forms of
/// Phường Ninh Kiều for this year that chi opened under `label`.
struct KeyingDesk {
    // Dropped in this order: the server stops before its database goes.
    server: crate::harness::Server,
    _guard: crate::harness::SchemaGuard,
    _dir: tempfile::TempDir,
    db: String,
    year: i32,
    batch: String,
}

impl KeyingDesk {
    fn open(label: &str) -> KeyingDesk {
        let (dir, db, guard) = process_database();
        let server = start_server(&db);
        for (name, role) in [("an", "surveyor"), ("chi", "supervisor")] {
            run_ok(
                chiso_process(&db)
                    .env("CHISO_USER_PASSWORD", "mat-khau-nhap-lieu")
                    .args(["user", "add", name, "--role", role]),
            );
        }
        let year: i32 = chrono::Utc::now().format("%Y").to_string().parse().unwrap();
        let (sup, csrf) = sign_in(&server.addr, "chi", "mat-khau-nhap-lieu");
        let body = format!(
            "csrf={csrf}&survey=sipas-2022-household&unit=P-NINH-KIEU&period={year}&expected=10&label={label}"
        );
        let made = staff(&server.addr, "POST", "/entry/batches", &sup, &body);
        assert_eq!(made.status, 303, "{}", made.body);
        let batch = made
            .header("location")
            .unwrap()
            .trim()
            .trim_start_matches("/entry/batches/")
            .to_string();
        KeyingDesk {
            server,
            _guard: guard,
            _dir: dir,
            db,
            year,
            batch,
        }
    }

    fn addr(&self) -> String {
        self.server.addr.clone()
    }
}

#[test]
fn a_keyer_is_told_of_a_wrong_date_on_leaving_it_and_a_refused_save_returns_to_it() {
    let desk = KeyingDesk::open("ngay");
    let (addr, year, batch) = (desk.addr(), desk.year, desk.batch.clone());

    let Some(mut chrome) = Browser::open("ngay-sai", DESKTOP) else {
        return;
    };
    sign_in_by_keyboard(&mut chrome, &addr, "an", "mat-khau-nhap-lieu");
    chrome.go(&format!("http://{addr}/entry/batches/{batch}/key"));
    chrome.wait_for("document.activeElement && document.activeElement.id === 'serial'");
    let type_in = |c: &Browser, s: &str| {
        for ch in s.chars() {
            c.key(&ch.to_string());
        }
    };
    type_in(&chrome, "NK-0002");
    chrome.key("Enter");
    let said = "(function(){var m=document.querySelector('#date').closest('.keyrow').querySelector('.fielderror.live');\
                return m&&!m.hidden?m.textContent:'';})()";
    // A day that does not exist is said beside the date as it is left, not at save.
    type_in(&chrome, &format!("31/02/{year}"));
    chrome.key("Tab");
    let message = chrome.eval(said);
    assert!(
        message.as_str().unwrap().contains("không có trên lịch"),
        "{message}"
    );
    assert_eq!(
        chrome.eval("document.getElementById('date').classList.contains('bad')"),
        json!(true)
    );
    chrome.screenshot("ngay-khong-co");
    // A day after today, in the period's window or not, is outside the days allowed.
    chrome.click("#date");
    type_in(&chrome, &format!("15/06/{}", year + 1));
    chrome.key("Tab");
    let message = chrome.eval(said);
    assert!(
        message
            .as_str()
            .unwrap()
            .contains("ngoài thời gian nhận phiếu"),
        "{message}"
    );
    // Corrected, the message goes.
    chrome.click("#date");
    type_in(&chrome, &format!("0101{year}"));
    chrome.key("Tab");
    assert_eq!(chrome.eval(said), json!(""));

    // Saved with a wrong date anyway: the page comes back with the cursor in the date, not
    // in the serial (whose text the next keys would overwrite).
    chrome.click("#date");
    type_in(&chrome, &format!("31/02/{year}"));
    chrome.eval("window.leaving = true");
    chrome.run("document.getElementById('keying').requestSubmit();", vec![]);
    chrome.wait_for("window.leaving === undefined && document.readyState === 'complete'");
    chrome.wait_for("!!document.activeElement");
    let focused = chrome.eval("document.activeElement.id");
    chrome.screenshot("luu-loi");
    assert_eq!(focused, json!("date"), "{}", chrome.text("main"));
    assert_eq!(
        chrome.eval("document.getElementById('serial').value"),
        json!("NK-0002")
    );
}

/// A serial already keyed is said as it is left, a form keyed nearly blank waits for a
/// confirmation the keyboard gives (Space, Enter), and a unit is found by typing part of its
/// name without diacritics.
#[test]
fn a_keyer_hears_of_a_used_serial_at_once_confirms_a_blank_form_and_finds_a_unit_by_typing() {
    let desk = KeyingDesk::open("so");
    let (addr, year, batch) = (desk.addr(), desk.year, desk.batch.clone());
    let (an, csrf) = sign_in(&addr, "an", "mat-khau-nhap-lieu");
    let keyed = format!(
        "csrf={csrf}&serial=NK-0003&date=0101{year}&bg.gioi_tinh=2&bg.do_tuoi=3&q.C8.4=1&q.E1.1=4&q.E1.2=4"
    );
    let saved = staff(
        &addr,
        "POST",
        &format!("/entry/batches/{batch}/key"),
        &an,
        &keyed,
    );
    assert_eq!(saved.status, 303, "{}", saved.body);

    let Some(mut chrome) = Browser::open("so-phieu", DESKTOP) else {
        return;
    };
    // The supervisor finds a unit among a hundred by typing its name without diacritics.
    sign_in_by_keyboard(&mut chrome, &addr, "chi", "mat-khau-nhap-lieu");
    chrome.go(&format!("http://{addr}/entry"));
    chrome.wait_for("!!document.querySelector('.picksearch input')");
    let (wanted, typed) = {
        let v = chrome.eval(
            "(function(){var s=document.querySelector('select[name=unit]');var o=s.options[s.options.length-1];\
              return [o.value, o.textContent.normalize('NFD').replace(/[\\u0300-\\u036f]/g,'').replace(/[đĐ]/g,'d').toLowerCase(), s.options.length];})()",
        );
        assert!(v[2].as_u64().unwrap() > 20, "a long list: {v}");
        (
            v[0].as_str().unwrap().to_string(),
            v[1].as_str().unwrap().to_string(),
        )
    };
    chrome.click(".picksearch input");
    for ch in typed.chars() {
        chrome.key(&ch.to_string());
    }
    let shown = chrome.eval(
        "Array.prototype.filter.call(document.querySelector('select[name=unit]').options, function(o){return o.value && !o.hidden;}).map(function(o){return o.value;})",
    );
    let shown: Vec<String> = serde_json::from_value(shown).unwrap();
    assert!(
        shown.contains(&wanted) && shown.len() <= 3,
        "{typed}: {shown:?}"
    );
    if shown.len() == 1 {
        assert_eq!(
            chrome.eval("document.querySelector('select[name=unit]').value"),
            json!(wanted)
        );
    }
    chrome.screenshot("tim-don-vi");
    chrome.check_accessibility("the batches page with its unit search");

    // The keyer who keyed NK-0003 is told so on leaving the serial, before the answers.
    chrome.eval("window.leaving = true");
    chrome.click("form[action='/logout'] button");
    chrome.wait_for("window.leaving === undefined && document.readyState === 'complete'");
    sign_in_by_keyboard(&mut chrome, &addr, "an", "mat-khau-nhap-lieu");
    chrome.go(&format!("http://{addr}/entry/batches/{batch}/key"));
    chrome.wait_for("document.activeElement && document.activeElement.id === 'serial'");
    for ch in "NK-0003".chars() {
        chrome.key(&ch.to_string());
    }
    chrome.key("Enter");
    let said = "(function(){var m=document.querySelector('#serial').closest('.keyrow').querySelector('.fielderror.live');\
                return m?m.textContent:'';})()";
    chrome.wait_for(&format!("{said}.indexOf('bạn đã nhập phiếu NK-0003') >= 0"));
    chrome.screenshot("so-da-nhap");
    // Another serial: the message goes.
    chrome.click("#serial");
    for ch in "NK-0004".chars() {
        chrome.key(&ch.to_string());
    }
    chrome.key("Enter");
    chrome.wait_for(&format!("{said} === ''"));
    for ch in format!("0101{year}").chars() {
        chrome.key(&ch.to_string());
    }
    // Saved with every question left blank: the confirmation waits with the cursor on it.
    chrome.eval("window.leaving = true");
    chrome.run("document.getElementById('keying').requestSubmit();", vec![]);
    chrome.wait_for("window.leaving === undefined && document.readyState === 'complete'");
    chrome.wait_for("document.activeElement && document.activeElement.id === 'blank_ok'");
    chrome.key("Space");
    assert_eq!(
        chrome.eval("document.getElementById('blank_ok').checked"),
        json!(true)
    );
    chrome.screenshot("phieu-trong-xac-nhan");
    // The walk through the page moves the cursor; it was on the confirmation, as asserted.
    chrome.check_accessibility("the keying screen asking to confirm a blank form");
    chrome.run("document.getElementById('blank_ok').focus();", vec![]);
    chrome.key("Enter");
    chrome.wait_for("!!document.querySelector('.saved')");
    assert!(chrome.text(".saved").contains("Đã lưu phiếu NK-0004"));
}
