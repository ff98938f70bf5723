//! A citizen at a real kiosk: Chromium on a `chiso serve` process, tapped through the whole
//! counter form at 1280×800 (a tablet in landscape), counting taps and screens.

use crate::chromium::{browser, Chromium};
use crate::durability::open_state;
use crate::harness::{chiso_process, fresh_database, start_server, Server, ITEMS};
use serde_json::{json, Value};
use std::time::Duration;

/// Chromium with the taps it was given counted.
struct Citizen {
    chrome: Chromium,
    taps: usize,
    /// Whether the page's script runs; without it every screen is a page of its own.
    js: bool,
}

impl Citizen {
    /// One tap at the centre of the (visible) element `selector`.
    fn tap(&mut self, selector: &str) {
        let sel = serde_json::to_string(selector).unwrap();
        let at = self.chrome.eval(&format!(
            "(function(){{var e=document.querySelector({sel});if(!e||!e.offsetParent){{return null;}}\
             e.scrollIntoView({{block:'center'}});var r=e.getBoundingClientRect();\
             return [r.left+r.width/2,r.top+r.height/2];}})()"
        ));
        let (x, y) = match at.as_array().map(Vec::as_slice) {
            Some([x, y]) => (x.as_f64().unwrap(), y.as_f64().unwrap()),
            _ => panic!("nothing visible to tap at {selector}"),
        };
        for kind in ["mousePressed", "mouseReleased"] {
            self.chrome.call(
                "Input.dispatchMouseEvent",
                json!({"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1}),
            );
        }
        self.taps += 1;
    }

    /// The screen shown: its number and the total, as the progress says.
    fn screen(&mut self) -> String {
        self.chrome
            .eval("document.querySelector('.kprogress .steptext').textContent")
            .as_str()
            .unwrap_or("")
            .to_string()
    }

    fn choose(&mut self, name: &str, value: &str) {
        self.tap(&format!(
            "section.step:not([hidden]) input[name=\"{name}\"][value=\"{value}\"] + span"
        ));
    }

    /// Taps the button `go` of the screen shown and waits for the screen it leads to.
    fn press(&mut self, go: &str) {
        self.chrome.eval("window.leaving = true");
        self.tap(&format!("section.step:not([hidden]) button[value={go}]"));
        if !self.js {
            self.chrome
                .wait_for("window.leaving === undefined && document.readyState === 'complete'");
        }
    }

    fn checked(&mut self, name: &str) -> Value {
        self.chrome.eval(&format!(
            "(function(){{var e=document.querySelector('input[name=\"{name}\"]:checked');return e?e.value:null;}})()"
        ))
    }
}

/// A server with a kiosk for a ward of today's map, and the kiosk's address.
fn kiosk_server(db: &str) -> (Server, String) {
    let server = start_server(db);
    let out = chiso_process(db)
        .args([
            "kiosk",
            "add",
            "--unit",
            "P-NINH-KIEU",
            "--survey",
            "sipas-counter",
        ])
        .args(["--base-url", &format!("http://{}", server.addr)])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
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

/// A tablet in landscape, on the kiosk's form.
fn tablet(browser: &str, url: &str, js: bool) -> Citizen {
    let mut chrome = Chromium::start(browser);
    chrome.call(
        "Emulation.setDeviceMetricsOverride",
        json!({"width": 1280, "height": 800, "deviceScaleFactor": 1, "mobile": false}),
    );
    if !js {
        chrome.call(
            "Emulation.setScriptExecutionDisabled",
            json!({"value": true}),
        );
    }
    chrome.open(url);
    Citizen {
        chrome,
        taps: 0,
        js,
    }
}

/// The whole counter form, as a citizen fills it in: a "Tiếp" tapped too soon, one trip back
/// (neither counted), then straight through. The taps and the screens seen.
fn fill_in(c: &mut Citizen) -> (usize, Vec<String>) {
    // Set on this page only: still there at the end means no screen needed a round trip.
    c.chrome.eval("window.sameVisit = true");
    let mut screens = vec![c.screen()];
    assert_eq!(screens[0], "Bước 1/7");

    // "Tiếp" with nothing chosen: the question is marked where it is, no screen change.
    c.press("next");
    assert_eq!(c.screen(), "Bước 1/7");
    assert_eq!(
        c.chrome
            .eval("!document.querySelector('fieldset.bad .fielderror').hidden"),
        json!(true),
        "the message beside the question"
    );
    let mistaken = c.taps;

    c.choose("b:linh_vuc", "ho_tich");
    c.press("next");
    screens.push(c.screen());
    let mut section = 1;
    for (i, code) in ITEMS.iter().enumerate() {
        let s: usize = code[1..2].parse().unwrap();
        if s != section {
            c.press("next");
            screens.push(c.screen());
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
    assert_eq!(
        c.chrome.eval("window.sameVisit === true"),
        json!(c.js),
        "screens switch in place with the script, by a page each without"
    );
    c.tap("section.step:not([hidden]) button[value=submit]");
    c.chrome
        .wait_for("location.pathname.endsWith('/cam-on') && document.readyState === 'complete'");
    assert!(c
        .chrome
        .eval("document.body.textContent")
        .as_str()
        .unwrap()
        .contains("Đã ghi nhận"));
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

fn stored(db: &str) -> i64 {
    let state = open_state(db);
    let mut conn = state.pool.get().unwrap();
    chiso::db::responses::count(&mut conn).unwrap()
}

#[test]
fn a_citizen_taps_through_the_counter_form_one_screen_at_a_time() {
    let Some(browser) = browser() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (db, _guard) = fresh_database(&dir);
    let (server, url) = kiosk_server(&db);
    let mut c = tablet(&browser, &url, true);
    let (taps, screens) = fill_in(&mut c);
    assert_eq!(screens, SCREENS);
    // One tap per question (1 field of procedure + 19 items), one "Tiếp" per screen but the
    // last, one "Gửi đánh giá"; the optional questions left out.
    assert_eq!(taps, 1 + ITEMS.len() + 6 + 1, "taps for a whole form");
    // Left alone, a form returns to the start; every touch restarts the wait. (The page's
    // timers run 20 times faster here: the 2 minutes are 6 s.)
    c.chrome.call(
        "Page.addScriptToEvaluateOnNewDocument",
        json!({"source": "(function(){var st=window.setTimeout;window.setTimeout=function(f,ms){return st(f,ms>=60000?ms/20:ms);};})();"}),
    );
    c.chrome.open(&url);
    let sid = |c: &mut Citizen| {
        c.chrome
            .eval("document.querySelector('input[name=submission_id]').value")
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
    c.chrome.wait_for(&format!(
        "document.readyState === 'complete' && !!document.querySelector('input[name=submission_id]') \
         && document.querySelector('input[name=submission_id]').value !== {first} \
         && !document.querySelector('input:checked')"
    ));

    drop(server);
    assert_eq!(stored(&db), 1);
}

#[test]
fn without_javascript_the_same_taps_make_the_same_form() {
    let Some(browser) = browser() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (db, _guard) = fresh_database(&dir);
    let (server, url) = kiosk_server(&db);
    let mut c = tablet(&browser, &url, false);
    let (taps, screens) = fill_in(&mut c);
    assert_eq!(screens, SCREENS);
    assert_eq!(taps, 1 + ITEMS.len() + 6 + 1, "taps for a whole form");
    drop(server);
    assert_eq!(stored(&db), 1);
}
