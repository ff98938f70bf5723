//! A citizen at a real kiosk: Chromium on a `chiso serve` process, tapped through the whole
//! counter form at 1280×800 (a tablet in landscape), counting taps and screens.

use crate::chromium::{browser, Chromium};
use crate::durability::open_state;
use crate::harness::{chiso_process, fresh_database, start_server, ITEMS};
use serde_json::{json, Value};

/// Chromium with the taps it was given counted.
struct Citizen {
    chrome: Chromium,
    taps: usize,
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

    fn checked(&mut self, name: &str) -> Value {
        self.chrome.eval(&format!(
            "(function(){{var e=document.querySelector('input[name=\"{name}\"]:checked');return e?e.value:null;}})()"
        ))
    }
}

#[test]
fn a_citizen_taps_through_the_counter_form_one_screen_at_a_time() {
    let Some(browser) = browser() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (db, _guard) = fresh_database(&dir);
    let server = start_server(&db);
    let out = chiso_process(&db)
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

    let mut chrome = Chromium::start(&browser);
    chrome.call(
        "Emulation.setDeviceMetricsOverride",
        json!({"width": 1280, "height": 800, "deviceScaleFactor": 1, "mobile": false}),
    );
    chrome.open(&url);
    // Set on this page only: still there at the end means no screen needed a round trip.
    chrome.eval("window.sameVisit = true");
    let mut c = Citizen { chrome, taps: 0 };
    let mut screens = vec![c.screen()];
    assert_eq!(screens[0], "Bước 1/7");

    // "Tiếp" with nothing chosen: the question is marked where it is, no screen change.
    c.tap("section.step:not([hidden]) button[value=next]");
    assert_eq!(c.screen(), "Bước 1/7");
    assert_eq!(
        c.chrome
            .eval("!document.querySelector('fieldset.bad .fielderror').hidden"),
        json!(true),
        "the message beside the question"
    );
    let mistaken = c.taps;

    c.choose("b:linh_vuc", "ho_tich");
    c.tap("section.step:not([hidden]) button[value=next]");
    screens.push(c.screen());
    let mut section = 1;
    for (i, code) in ITEMS.iter().enumerate() {
        let s: usize = code[1..2].parse().unwrap();
        if s != section {
            c.tap("section.step:not([hidden]) button[value=next]");
            screens.push(c.screen());
            section = s;
            if s == 3 {
                // Back to E2 and forward again: E2's answers are still chosen.
                let before = c.taps;
                c.tap("section.step:not([hidden]) button[value=back]");
                assert_eq!(c.screen(), "Bước 3/7");
                assert_eq!(c.checked("a:E2.1"), json!("4"));
                assert_eq!(c.checked("b:linh_vuc"), json!("ho_tich"));
                c.tap("section.step:not([hidden]) button[value=next]");
                assert_eq!(c.screen(), "Bước 4/7");
                assert_eq!(c.taps - before, 2);
                c.taps = before;
            }
        }
        c.choose(&format!("a:{code}"), ["4", "5", "na", "3"][i % 4]);
    }
    c.tap("section.step:not([hidden]) button[value=next]");
    screens.push(c.screen());
    assert_eq!(
        c.chrome.eval("window.sameVisit === true"),
        json!(true),
        "screens switch in place"
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

    let taps = c.taps - mistaken;
    assert_eq!(
        screens,
        [
            "Bước 1/7",
            "Bước 2/7",
            "Bước 3/7",
            "Bước 4/7",
            "Bước 5/7",
            "Bước 6/7",
            "Bước 7/7"
        ]
    );
    // One tap per question (1 field of procedure + 19 items), one "Tiếp" per screen but the
    // last, one "Gửi đánh giá"; the optional questions left out.
    assert_eq!(taps, 1 + ITEMS.len() + 6 + 1, "taps for a whole form");
    drop(server);
    let state = open_state(&db);
    let mut conn = state.pool.get().unwrap();
    assert_eq!(chiso::db::responses::count(&mut conn).unwrap(), 1);
}
