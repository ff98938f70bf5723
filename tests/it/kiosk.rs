//! A citizen at a real kiosk: headless Chromium through its WebDriver on a `chiso serve`
//! process, tapped through the whole counter form on a tablet (800×1280) and on a phone
//! (390×844), counting taps and screens, each screen photographed and checked for keyboard
//! and screen-reader use.

use crate::harness::{
    chiso_process, process_database, run_ok, start_server_with, stored_forms_in, words, Server,
    ITEMS,
};
use crate::webdriver::{Browser, Screen, PHONE, TABLET};
use serde_json::{json, Value};
use std::time::Duration;

/// The browser with the taps it was given counted.
pub(crate) struct Citizen {
    pub(crate) b: Browser,
    pub(crate) taps: usize,
    /// Whether the page's script runs; without it every screen is a page of its own.
    js: bool,
}

impl Citizen {
    /// One tap on the (visible) element `selector`.
    fn tap(&mut self, selector: &str) {
        self.b.click(selector);
        self.taps += 1;
    }

    /// The screen shown: its number and the total, as the progress says.
    fn screen(&mut self) -> String {
        self.b.text(".kprogress .steptext")
    }

    fn choose(&mut self, name: &str, value: &str) {
        self.tap(&format!(
            "section.step:not([hidden]) input[name=\"{name}\"][value=\"{value}\"] + span"
        ));
    }

    /// Taps the button `go` of the screen shown and waits for the screen it leads to.
    fn press(&mut self, go: &str) {
        self.b.eval("window.leaving = true");
        self.tap(&format!("section.step:not([hidden]) button[value={go}]"));
        if !self.js {
            self.b
                .wait_for("window.leaving === undefined && document.readyState === 'complete'");
        }
    }

    fn checked(&mut self, name: &str) -> Value {
        self.b.eval(&format!(
            "(function(){{var e=document.querySelector('input[name=\"{name}\"]:checked');return e?e.value:null;}})()"
        ))
    }
}

/// A server with a kiosk for a ward of today's map, and the kiosk's address.
fn kiosk_server(db: &str) -> (Server, String) {
    kiosk_server_with(db, &[])
}

/// [`kiosk_server`] with `env` set for the server (settings under test).
pub(crate) fn kiosk_server_with(db: &str, env: &[(&str, &str)]) -> (Server, String) {
    let server = start_server_with(db, env);
    let out = run_ok(
        chiso_process(db)
            .args(words("kiosk add --unit P-NINH-KIEU --survey sipas-counter"))
            .args(["--base-url", &format!("http://{}", server.addr)]),
    );
    let url = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .trim()
        .to_string();
    (server, url)
}

/// A kiosk's screen on the kiosk's form.
pub(crate) fn kiosk(name: &str, screen: Screen, url: &str) -> Option<Citizen> {
    let b = Browser::open(name, screen)?;
    b.go(url);
    Some(Citizen {
        b,
        taps: 0,
        js: screen.js,
    })
}

/// Photographs the screen shown and checks it for keyboard and screen-reader use.
fn look(c: &mut Citizen, what: &str) {
    c.b.screenshot(what);
    c.b.check_accessibility(what);
}

/// The whole counter form, as a citizen fills it in: a "Tiếp" tapped too soon, one trip back
/// (neither counted), then straight through. The taps and the screens seen.
pub(crate) fn fill_in(c: &mut Citizen) -> (usize, Vec<String>) {
    // Set on this page only: still there at the end means no screen needed a round trip.
    c.b.eval("window.sameVisit = true");
    let mut screens = vec![c.screen()];
    assert_eq!(screens[0], "Bước 1/7");
    look(c, "buoc-1");

    // "Tiếp" with nothing chosen: the question is marked where it is, no screen change.
    c.press("next");
    assert_eq!(c.screen(), "Bước 1/7");
    assert_eq!(
        c.b.eval("!document.querySelector('fieldset.bad .fielderror').hidden"),
        json!(true),
        "the message beside the question"
    );
    c.b.screenshot("buoc-1-thieu");
    let mistaken = c.taps;

    c.choose("b:linh_vuc", "ho_tich");
    c.press("next");
    screens.push(c.screen());
    look(c, "buoc-2");
    let mut section = 1;
    for (i, code) in ITEMS.iter().enumerate() {
        let s: usize = code[1..2].parse().unwrap();
        if s != section {
            c.press("next");
            screens.push(c.screen());
            look(c, &format!("buoc-{}", s + 1));
            section = s;
            if s == 3 {
                // Back to E2 and forward again: E2's answers are still chosen.
                let before = c.taps;
                c.press("back");
                assert_eq!(c.screen(), "Bước 3/7");
                assert_eq!(c.checked("a:E2.1"), json!("4"));
                assert_eq!(c.checked("b:linh_vuc"), json!("ho_tich"));
                c.press("next");
                assert_eq!(c.screen(), "Bước 4/7");
                assert_eq!(c.taps - before, 2);
                c.taps = before;
            }
        }
        c.choose(&format!("a:{code}"), ["4", "5", "na", "3"][i % 4]);
    }
    c.press("next");
    screens.push(c.screen());
    look(c, "buoc-7");
    assert_eq!(
        c.b.eval("window.sameVisit === true"),
        json!(c.js),
        "screens switch in place with the script, by a page each without"
    );
    c.tap("section.step:not([hidden]) button[value=submit]");
    c.b.wait_for("location.pathname.endsWith('/cam-on') && document.readyState === 'complete'");
    assert!(c.b.text("body").contains("Đã ghi nhận"));
    look(c, "cam-on");
    (c.taps - mistaken, screens)
}

const SCREENS: [&str; 7] = [
    "Bước 1/7",
    "Bước 2/7",
    "Bước 3/7",
    "Bước 4/7",
    "Bước 5/7",
    "Bước 6/7",
    "Bước 7/7",
];

/// A whole form on `screen`: 27 taps over 7 screens, one response stored.
fn whole_form(name: &str, screen: Screen) {
    let (_dir, db, _guard) = process_database();
    let (server, url) = kiosk_server(&db);
    let Some(mut c) = kiosk(name, screen, &url) else {
        return;
    };
    assert_eq!(
        c.b.eval("window.innerWidth"),
        json!(screen.width),
        "the screen asked for"
    );
    let (taps, screens) = fill_in(&mut c);
    assert_eq!(screens, SCREENS);
    // One tap per question (1 field of procedure + 19 items), one "Tiếp" per screen but the
    // last, one "Gửi đánh giá"; the optional questions left out.
    assert_eq!(taps, 1 + ITEMS.len() + 6 + 1, "taps for a whole form");
    drop(c);
    drop(server);
    assert_eq!(stored_forms_in(&db), 1);
}

#[test]
fn a_citizen_taps_through_the_counter_form_on_a_tablet() {
    whole_form("kiosk-tablet", TABLET);
}

#[test]
fn a_citizen_taps_through_the_counter_form_on_a_phone() {
    whole_form("kiosk-phone", PHONE);
}

#[test]
fn without_javascript_the_same_taps_make_the_same_form() {
    whole_form(
        "kiosk-nojs",
        Screen {
            js: false,
            ..TABLET
        },
    );
}

#[test]
fn a_kiosk_left_alone_returns_to_the_start() {
    let (_dir, db, _guard) = process_database();
    let (server, url) = kiosk_server(&db);
    let Some(mut c) = kiosk("kiosk-idle", TABLET, "about:blank") else {
        return;
    };
    // Left alone, a form returns to the start; every touch restarts the wait. (The page's
    // timers run 20 times faster here: the 2 minutes are 6 s.)
    c.b.cdp(
        "Page.addScriptToEvaluateOnNewDocument",
        json!({"source": "(function(){var st=window.setTimeout;window.setTimeout=function(f,ms){return st(f,ms>=60000?ms/20:ms);};})();"}),
    );
    c.b.go(&url);
    let sid = |c: &mut Citizen| {
        c.b.eval("document.querySelector('input[name=submission_id]').value")
    };
    let first = sid(&mut c);
    c.choose("b:linh_vuc", "khac");
    std::thread::sleep(Duration::from_secs(3));
    c.choose("b:linh_vuc", "ho_tich");
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(
        c.checked("b:linh_vuc"),
        json!("ho_tich"),
        "6 s after the first touch, 3 s after the last: kept"
    );
    assert_eq!(sid(&mut c), first);
    c.b.wait_for(&format!(
        "document.readyState === 'complete' && !!document.querySelector('input[name=submission_id]') \
         && document.querySelector('input[name=submission_id]').value !== {first} \
         && !document.querySelector('input:checked')"
    ));
    drop(c);
    drop(server);
    assert_eq!(stored_forms_in(&db), 0);
}

/// On a tablet held either way and on a phone, every screen's "Tiếp" (and the last one's "Gửi
/// đánh giá") is in sight as the screen opens: nobody scrolls to find the way on.
#[test]
fn every_screen_s_way_on_is_in_sight_on_tablets_either_way_and_phones() {
    let (_dir, db, _guard) = process_database();
    let (_server, url) = kiosk_server(&db);
    let landscape = Screen {
        width: 1280,
        height: 800,
        js: true,
    };
    for (name, screen) in [
        ("kiosk-ngang", landscape),
        ("kiosk-doc", TABLET),
        ("kiosk-dt", PHONE),
    ] {
        let Some(mut c) = kiosk(name, screen, &url) else {
            return;
        };
        for step in 1..=SCREENS.len() {
            assert_eq!(c.screen(), format!("Bước {step}/7"), "{name}");
            let go = if step == SCREENS.len() {
                "submit"
            } else {
                "next"
            };
            let button = format!("section.step:not([hidden]) button[value={go}]");
            let place = c.b.eval(&format!(
                "(function(){{var r=document.querySelector('{button}').getBoundingClientRect();\
                 return [Math.round(r.top), Math.round(r.bottom), window.innerHeight];}})()"
            ));
            let (top, bottom, height) = (place[0].as_i64(), place[1].as_i64(), place[2].as_i64());
            assert!(
                top >= Some(0) && bottom <= height,
                "{name}, screen {step}: the button at {top:?}–{bottom:?} of {height:?} px"
            );
            if step == 4 {
                c.b.screenshot("buoc-4");
            }
            // Every question of the screen answered, then on.
            c.b.eval(
                "(function(){document.querySelectorAll('section.step:not([hidden]) fieldset')\
                 .forEach(function(f){var i=f.querySelector('input');if(i){i.click();}});return 1;})()",
            );
            if go == "next" {
                c.press("next");
            }
        }
    }
}
