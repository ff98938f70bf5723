//! Headless Chromium driven through its WebDriver (chromedriver), shared by the browser tests:
//! open a page, find by CSS, tap, type, walk with Tab, read computed styles, take screenshots
//! and print to PDF (both kept in `target/screenshots/`), and check a page's accessibility.
//!
//! Needs `chromium` and `chromedriver` on the PATH (or CHISO_CHROMIUM, CHISO_CHROMEDRIVER) and
//! poppler's `pdftotext`; the CI script installs them and sets CHISO_REQUIRE_BROWSER_TESTS=1,
//! under which a missing one fails the test, saying so. Elsewhere (`cargo test` on a fresh
//! machine) the browser tests say they are skipped and why; CHISO_SKIP_BROWSER_TESTS=1 skips
//! them on purpose.

use crate::harness::free_port;
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::wd::{Capabilities, PrintConfiguration, WebDriverCompatibleCommand};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Where screenshots and printed PDFs go: the CI keeps this directory.
pub fn shots_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("target")
        .join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Whether the browser tests are to be skipped: on purpose (CHISO_SKIP_BROWSER_TESTS=1), or
/// because the browser, its driver or poppler is missing and CI did not require them.
pub fn skipped() -> bool {
    let flag = |name: &str| std::env::var(name).is_ok_and(|v| v == "1");
    if flag("CHISO_SKIP_BROWSER_TESTS") {
        return true;
    }
    if flag("CHISO_REQUIRE_BROWSER_TESTS") {
        return false;
    }
    let missing: Vec<&str> = [
        (
            "chromium",
            program(
                "CHISO_CHROMIUM",
                &["chromium", "chromium-browser", "google-chrome"],
            ),
        ),
        (
            "chromium-driver",
            program("CHISO_CHROMEDRIVER", &["chromedriver"]),
        ),
        ("poppler-utils", program("CHISO_PDFTOTEXT", &["pdftotext"])),
    ]
    .into_iter()
    .filter(|(_, found)| found.is_none())
    .map(|(package, _)| package)
    .collect();
    if missing.is_empty() {
        return false;
    }
    eprintln!(
        "browser test skipped: install {} to run it (CI installs them and requires these tests)",
        missing.join(", ")
    );
    true
}

/// The first of `names` on the PATH, or the path the variable `env` names.
fn program(env: &str, names: &[&str]) -> Option<PathBuf> {
    if let Ok(p) = std::env::var(env) {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .find(|p| p.is_file())
}

/// What a test asks of the browser.
#[derive(Clone, Copy)]
pub struct Screen {
    pub width: u32,
    pub height: u32,
    /// Whether pages may run their scripts.
    pub js: bool,
}

pub const TABLET: Screen = Screen {
    width: 800,
    height: 1280,
    js: true,
};
pub const PHONE: Screen = Screen {
    width: 390,
    height: 844,
    js: true,
};
pub const DESKTOP: Screen = Screen {
    width: 1280,
    height: 900,
    js: true,
};

/// One keystroke's WebDriver key: a character, or a named key.
fn key_code(key: &str) -> Vec<char> {
    match key {
        "Enter" => vec!['\u{E007}'],
        "Tab" => vec!['\u{E004}'],
        "Backspace" => vec!['\u{E003}'],
        "Space" => vec![' '],
        other => other.chars().collect(),
    }
}

/// A Chrome DevTools command sent through chromedriver's own endpoint (media emulation,
/// script switch-off: what WebDriver itself has no command for).
#[derive(Debug)]
struct Cdp {
    cmd: String,
    params: Value,
}

impl WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/goog/cdp/execute",
            session.unwrap_or("")
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        let body = json!({"cmd": self.cmd, "params": self.params}).to_string();
        (http::Method::POST, Some(body))
    }
}

/// Headless Chromium through chromedriver, both ended on drop.
pub struct Browser {
    rt: tokio::runtime::Runtime,
    client: Option<Client>,
    driver: Child,
    /// Prefix of this test's screenshots.
    name: String,
    step: usize,
    /// Whether pages run their scripts (a test of the pages without JavaScript says not).
    js: bool,
}

impl Drop for Browser {
    fn drop(&mut self) {
        if let Some(c) = self.client.take() {
            let _ = self
                .rt
                .block_on(async { tokio::time::timeout(Duration::from_secs(10), c.close()).await });
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Browser {
    /// A browser of `screen`'s size, or `None` when browser tests are skipped. `name` prefixes
    /// the screenshots.
    pub fn open(name: &str, screen: Screen) -> Option<Browser> {
        Browser::open_in(name, screen, None)
    }

    /// [`Browser::open`] on the browser profile at `profile`, kept between browsers: closing
    /// this one and opening another on the same folder is a browser restart (its IndexedDB,
    /// caches and service workers stay; its session cookies go).
    pub fn open_in(name: &str, screen: Screen, profile: Option<&Path>) -> Option<Browser> {
        if skipped() {
            return None;
        }
        let chromium = program("CHISO_CHROMIUM", &["chromium", "chromium-browser", "google-chrome"])
            .expect("this test needs Chromium: install the packages chromium and chromium-driver (the CI script does) or set CHISO_SKIP_BROWSER_TESTS=1");
        let chromedriver = program("CHISO_CHROMEDRIVER", &["chromedriver"])
            .expect("this test needs chromedriver: install the package chromium-driver (the CI script does) or set CHISO_SKIP_BROWSER_TESTS=1");
        let port = free_port();
        let driver = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{} does not start: {e}", chromedriver.display()));
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let mut b = Browser {
            rt,
            client: None,
            driver,
            name: name.to_string(),
            step: 0,
            js: screen.js,
        };
        let mut args: Vec<String> = [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-dev-shm-usage",
            "--hide-scrollbars",
        ]
        .map(String::from)
        .into();
        args.push(format!("--window-size={},{}", screen.width, screen.height));
        if let Some(p) = profile {
            args.push(format!("--user-data-dir={}", p.display()));
        }
        let mut caps = Capabilities::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": chromium,
                "args": args,
            }),
        );
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        let client = loop {
            let tried = b.rt.block_on(async {
                ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                    .capabilities(caps.clone())
                    .connect(&url)
                    .await
            });
            match tried {
                Ok(c) => break c,
                Err(e) if Instant::now() > deadline => {
                    panic!("chromedriver gave no browser: {e}")
                }
                Err(_) => std::thread::sleep(Duration::from_millis(100)),
            }
        };
        b.client = Some(client);
        b.viewport(screen.width, screen.height);
        if !screen.js {
            b.cdp(
                "Emulation.setScriptExecutionDisabled",
                json!({"value": true}),
            );
        }
        Some(b)
    }

    fn client(&self) -> &Client {
        self.client.as_ref().unwrap()
    }

    /// A DevTools command; its result.
    pub fn cdp(&self, cmd: &str, params: Value) -> Value {
        let c = Cdp {
            cmd: cmd.into(),
            params,
        };
        self.rt
            .block_on(self.client().issue_cmd(c))
            .unwrap_or_else(|e| panic!("{cmd}: {e}"))
    }

    /// Opens `url` and waits until the page has loaded.
    pub fn go(&self, url: &str) {
        self.rt
            .block_on(self.client().goto(url))
            .unwrap_or_else(|e| panic!("open {url}: {e}"));
        self.wait_for("document.readyState === 'complete' && !!document.body");
    }

    /// The value of the JavaScript expression `js`, evaluated in the page.
    pub fn eval(&self, js: &str) -> Value {
        self.rt
            .block_on(self.client().execute(&format!("return ({js});"), vec![]))
            .unwrap_or_else(|e| panic!("{js}: {e}"))
    }

    /// Runs `body`, a function body given `arguments`, in the page.
    pub fn run(&self, body: &str, args: Vec<Value>) -> Value {
        self.rt
            .block_on(self.client().execute(body, args))
            .unwrap_or_else(|e| panic!("script failed: {e}\n{body}"))
    }

    /// Runs `body` in the page as an async script: it ends by calling its last argument
    /// (`arguments[arguments.length - 1]`) with the result.
    pub fn run_async(&self, body: &str, args: Vec<Value>) -> Value {
        self.rt
            .block_on(self.client().execute_async(body, args))
            .unwrap_or_else(|e| panic!("script failed: {e}\n{body}"))
    }

    pub fn text(&self, css: &str) -> String {
        let css_json = serde_json::to_string(css).unwrap();
        self.eval(&format!(
            "(function(){{var e=document.querySelector({css_json});return e?e.textContent:null;}})()"
        ))
        .as_str()
        .unwrap_or_else(|| panic!("nothing at {css}"))
        .to_string()
    }

    /// Waits (20 s at most) until the expression `js` is true.
    pub fn wait_for(&self, js: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.eval(js) != json!(true) {
            assert!(Instant::now() < deadline, "waited in vain for {js}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// A tap (a real pointer click at the element's centre) on the first match of `css`,
    /// scrolled to the middle of the screen first, as a person brings into full sight what
    /// they tap (a bar fixed at the screen's edge would otherwise take the tap).
    pub fn click(&self, css: &str) {
        self.rt.block_on(async {
            let e = self
                .client()
                .find(Locator::Css(css))
                .await
                .unwrap_or_else(|e| panic!("nothing at {css}: {e}"));
            let centre = "arguments[0].scrollIntoView({block: 'center', inline: 'nearest'});";
            let arg = serde_json::to_value(&e).unwrap();
            self.client()
                .execute(centre, vec![arg])
                .await
                .unwrap_or_else(|e| panic!("cannot scroll to {css}: {e}"));
            e.click()
                .await
                .unwrap_or_else(|e| panic!("cannot tap {css}: {e}"));
        });
    }

    /// One keystroke on whatever has the focus, as the keyboard sends it: a character, or
    /// `Enter`, `Tab`, `Backspace`, `Space`.
    pub fn key(&self, key: &str) {
        let mut seq = KeyActions::new("keyboard".into());
        for k in key_code(key) {
            seq = seq
                .then(KeyAction::Down { value: k })
                .then(KeyAction::Up { value: k });
        }
        self.rt
            .block_on(self.client().perform_actions(seq))
            .unwrap_or_else(|e| panic!("key {key}: {e}"));
    }

    /// Saves what the screen shows as `target/screenshots/NAME-NN-STEP.png`.
    pub fn screenshot(&mut self, step: &str) -> PathBuf {
        self.step += 1;
        let png = self
            .rt
            .block_on(self.client().screenshot())
            .unwrap_or_else(|e| panic!("screenshot {step}: {e}"));
        assert!(png.starts_with(b"\x89PNG"), "a PNG");
        let path = shots_dir().join(format!("{}-{:02}-{step}.png", self.name, self.step));
        std::fs::write(&path, png).unwrap();
        // The page as shown beside its picture, for the HTML checker `.ci/run` runs on them.
        let html = self
            .with_scripts(|b| b.eval("'<!DOCTYPE html>\\n' + document.documentElement.outerHTML"));
        std::fs::write(
            path.with_extension("html"),
            html.as_str().unwrap_or_default(),
        )
        .unwrap();
        path
    }

    /// Runs `work` with scripts on, for a page shown without them (its own scripts ran, or
    /// not, when it loaded).
    fn with_scripts<T>(&mut self, work: impl FnOnce(&mut Browser) -> T) -> T {
        if !self.js {
            self.cdp(
                "Emulation.setScriptExecutionDisabled",
                json!({"value": false}),
            );
        }
        let out = work(self);
        if !self.js {
            self.cdp(
                "Emulation.setScriptExecutionDisabled",
                json!({"value": true}),
            );
        }
        out
    }

    /// Prints the page on A4 (the browser's print view) to `target/screenshots/NAME-STEP.pdf`,
    /// honouring the page's own `@page` size, margins and margin boxes as Ctrl+P does.
    pub fn print_pdf(&mut self, step: &str) -> PathBuf {
        self.step += 1;
        let as_printed = PrintConfiguration::builder()
            .shrink_to_fit(false)
            .build()
            .expect("a valid print configuration");
        let pdf = self
            .rt
            .block_on(self.client().print(as_printed))
            .unwrap_or_else(|e| panic!("print {step}: {e}"));
        assert!(pdf.starts_with(b"%PDF"), "a PDF");
        let path = shots_dir().join(format!("{}-{:02}-{step}.pdf", self.name, self.step));
        std::fs::write(&path, pdf).unwrap();
        path
    }

    /// Sets the viewport, whatever the window's frame takes; under 600 px it is a phone's.
    pub fn viewport(&self, width: u32, height: u32) {
        self.cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": height, "deviceScaleFactor": 1,
                   "mobile": width < 600}),
        );
    }

    /// Switches the page to its print stylesheet (`print`) or back (`""`).
    pub fn media(&self, media: &str) {
        self.cdp("Emulation.setEmulatedMedia", json!({"media": media}));
    }

    /// Checks the page shown as a keyboard and screen-reader user meets it; panics listing
    /// every problem found: labels, contrast and tab indexes ([`A11Y_STATIC_JS`]), then the
    /// walk with Tab ([`Browser::tab_walk`]).
    pub fn check_accessibility(&mut self, page: &str) {
        let problems = self.accessibility_problems();
        assert!(
            problems.is_empty(),
            "accessibility of {page}:\n- {}",
            problems.join("\n- ")
        );
    }

    /// What [`Browser::check_accessibility`] finds, in words: axe-core's violations first
    /// (where it is installed), then our own checks.
    pub fn accessibility_problems(&mut self) -> Vec<String> {
        let mut problems: Vec<String> = self.axe_violations();
        let found = self.run(&format!("{NAME_FN}{A11Y_STATIC_JS}"), vec![]);
        for p in found.as_array().into_iter().flatten() {
            problems.push(p.as_str().unwrap_or_default().to_string());
        }
        problems.extend(self.tab_walk());
        problems
    }

    /// axe-core's violations on the page shown, every rule it runs by default (WCAG 2.1 A
    /// and AA, and its best practices), each with up to three of the elements at fault.
    fn axe_violations(&mut self) -> Vec<String> {
        let Some(axe) = axe_source() else {
            return Vec::new();
        };
        // A page shown without its scripts is checked all the same.
        self.with_scripts(|b| b.axe_run(axe))
    }

    fn axe_run(&mut self, axe: &str) -> Vec<String> {
        if self.eval("!!window.axe") != json!(true) {
            // Run as WebDriver's own script, which the page's CSP does not govern.
            self.run(&format!("{axe}\n;return 1;"), vec![]);
        }
        let run = "var done = arguments[arguments.length - 1];
            axe.run(document, { resultTypes: ['violations'] }).then(function (r) {
              done(r.violations.map(function (v) {
                return 'axe ' + v.id + ' (' + v.impact + '): ' + v.nodes.length + ' × ' +
                  v.nodes.slice(0, 3).map(function (n) { return n.target.join(' '); }).join(', ') +
                  ' — ' + v.help;
              }));
            }, function (e) { done(['axe failed: ' + e]); });";
        let found = self
            .rt
            .block_on(self.client().execute_async(run, vec![]))
            .unwrap_or_else(|e| panic!("axe-core did not run: {e}"));
        found
            .as_array()
            .into_iter()
            .flatten()
            .map(|v| v.as_str().unwrap_or_default().to_string())
            .collect()
    }

    /// Walks the page with Tab from its top: every element the keyboard should reach is
    /// reached, in document order, each showing where the focus is; Tab from the last one
    /// leaves the page or goes round, never stays put. The problems found.
    fn tab_walk(&mut self) -> Vec<String> {
        let expected: Vec<String> = self
            .run(&format!("{NAME_FN}{FOCUSABLE_JS}"), vec![])
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        let mut problems = Vec::new();
        // Start above the first element, as after loading the page.
        self.run(
            "document.activeElement && document.activeElement.blur(); window.scrollTo(0,0);\
             var s=document.createElement('span');s.tabIndex=-1;s.id='a11y-start';\
             document.body.prepend(s);s.focus();s.remove();",
            vec![],
        );
        let mut seen: Vec<String> = Vec::new();
        let mut unmarked: Vec<String> = Vec::new();
        let mut left = false;
        let mut parts = 0;
        let dates = expected.iter().filter(|e| e.starts_with("input[")).count();
        for _ in 0..expected.len() + 2 + 3 * dates {
            self.key("Tab");
            let now = self.run(&format!("{NAME_FN}{FOCUSED_JS}"), vec![]);
            let Some(id) = now["id"].as_str() else {
                // The focus left the page for the browser's own controls.
                left = true;
                break;
            };
            if seen.first().is_some_and(|f| f == id) {
                // Round to the first again: no trap.
                left = true;
                break;
            }
            if seen.last().is_some_and(|l| l == id) {
                // A date field is walked part by part (day, month, year), each by a Tab.
                if now["parts"] == json!(true) && parts < 3 {
                    parts += 1;
                    continue;
                }
                problems.push(format!("keyboard trap: Tab stays on {id}"));
                break;
            }
            parts = 0;
            if now["ring"] != json!(true) {
                unmarked.push(id.to_string());
            }
            seen.push(id.to_string());
        }
        if seen != expected {
            problems.push(format!(
                "Tab order {seen:?} is not the document order {expected:?}"
            ));
        }
        if !left && seen == expected {
            problems.push("Tab from the last element goes nowhere".into());
        }
        if !unmarked.is_empty() {
            problems.push(format!("no visible focus indicator on {unmarked:?}"));
        }
        problems
    }
}

/// axe-core's script: where `CHISO_AXE` says, else where `.ci/run` installs it
/// (`target/a11y`). Missing, the browser tests run without it, saying so once, unless
/// CHISO_REQUIRE_BROWSER_TESTS=1, under which it is an error.
fn axe_source() -> Option<&'static str> {
    static AXE: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    AXE.get_or_init(|| {
        let path = std::env::var("CHISO_AXE")
            .map(PathBuf::from)
            .unwrap_or_else(|_| {
                PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                    .join("target/a11y/node_modules/axe-core/axe.min.js")
            });
        match std::fs::read_to_string(&path) {
            Ok(src) => Some(src),
            Err(e) if std::env::var("CHISO_REQUIRE_BROWSER_TESTS").is_ok_and(|v| v == "1") => {
                panic!(
                    "axe-core is required and not at {}: {e} (.ci/run installs it with npm)",
                    path.display()
                )
            }
            Err(_) => {
                eprintln!(
                    "axe-core not installed: pages are checked without it (.ci/run installs it)"
                );
                None
            }
        }
    })
    .as_deref()
}

/// A PDF's pages and text, read by poppler (the CI script installs it).
pub fn pdf_read(path: &Path) -> (usize, String) {
    let info = Command::new("pdfinfo")
        .arg(path)
        .output()
        .expect("pdfinfo (package poppler-utils) reads the printed PDF");
    let info = String::from_utf8_lossy(&info.stdout).to_string();
    let pages = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("pages of {}: {info}", path.display()));
    let text = Command::new("pdftotext")
        .args(["-layout"])
        .arg(path)
        .arg("-")
        .output()
        .expect("pdftotext (package poppler-utils) reads the printed PDF");
    (pages, String::from_utf8_lossy(&text.stdout).to_string())
}

/// A PDF's text in the order it was drawn, every run of spaces and line ends one space: what
/// it says, whatever the fonts and wherever a line wraps (a ward's name wrapping inside its
/// table cell reads as one name).
pub fn pdf_words(path: &Path) -> String {
    let text = Command::new("pdftotext")
        .args(["-raw", "-enc", "UTF-8"])
        .arg(path)
        .arg("-")
        .output()
        .expect("pdftotext (package poppler-utils) reads the printed PDF");
    words(&String::from_utf8_lossy(&text.stdout))
}

/// Text with every run of whitespace one space.
pub fn words(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A name for an element that stays the same between calls: its tag, id or name, and its
/// place in the document.
const NAME_FN: &str = r#"
function a11yName(e){
  var all=document.getElementsByTagName('*');var i=Array.prototype.indexOf.call(all,e);
  var n=e.tagName.toLowerCase();
  if(e.id){n+='#'+e.id;}else if(e.name){n+='['+e.name+(e.type==='radio'?'='+e.value:'')+']';}
  return n+'@'+i;
}
function a11yShown(e){
  if(!e.getClientRects().length){return false;}
  for(var a=e;a;a=a.parentElement){var s=getComputedStyle(a);
    if(s.visibility==='hidden'||a.hidden||a.inert){return false;}
    // Inside a closed <details>, only its summary is shown.
    if(a.tagName==='DETAILS'&&!a.open&&a!==e&&!(e.closest('summary')&&e.closest('summary').parentElement===a)){return false;}}
  return true;
}
"#;

/// The elements Tab should reach, in document order: links, buttons, fields and summaries
/// shown and enabled; of a group of radio buttons, the one checked (or the first).
const FOCUSABLE_JS: &str = r#"
var sel='a[href],button,input:not([type=hidden]),select,textarea,summary,[tabindex]';
var list=Array.prototype.filter.call(document.querySelectorAll(sel),function(e){
  return !e.disabled&&e.tabIndex>=0&&a11yShown(e);});
function group(e){return (e.form?a11yName(e.form):'')+'|'+e.name;}
var checked={},first={};
list.forEach(function(e){if(e.type==='radio'){var g=group(e);
  if(e.checked){checked[g]=e;} if(!first[g]){first[g]=e;}}});
return list.filter(function(e){if(e.type!=='radio'){return true;}var g=group(e);
  return (checked[g]||first[g])===e;}).map(a11yName);
"#;

/// The focused element's name, and whether it shows a focus indicator: its own outline or
/// shadow, or, for an input drawn by the element after it or by its label, theirs (when an
/// unfocused input of the same kind does not show the same).
const FOCUSED_JS: &str = r#"
var e=document.activeElement;
if(!e||e===document.body||e===document.documentElement){return {id:null};}
function ring(x){if(!x){return '';}var s=getComputedStyle(x);
  var o=(s.outlineStyle!=='none'&&parseFloat(s.outlineWidth)>0)?s.outlineStyle+s.outlineWidth+s.outlineColor:'';
  var b=(s.boxShadow&&s.boxShadow!=='none')?s.boxShadow:'';return o+b;}
var r=ring(e)!=='';
if(!r&&e.tagName==='INPUT'){
  var peer=Array.prototype.find.call(document.querySelectorAll('input[type='+e.type+']'),function(p){return p!==e;});
  var near=[e.nextElementSibling].concat(Array.prototype.slice.call(e.labels||[]));
  var peerNear=peer?[peer.nextElementSibling].concat(Array.prototype.slice.call(peer.labels||[])):[];
  near.forEach(function(n,i){var mine=ring(n);if(mine!==''&&mine!==ring(peerNear[i])){r=true;}});
}
return {id:a11yName(e),ring:r,parts:/^(date|time|datetime-local|month|week)$/.test(e.type||'')};
"#;

/// Labels, tab indexes and contrast, checked on the page as it is: the problems, in words.
/// Contrast is WCAG's: 4.5:1 for text, 3:1 for large text (24px, or 18.66px bold), the
/// background found by laying the ancestors' colours one over the other.
const A11Y_STATIC_JS: &str = r#"
var problems=[];
document.querySelectorAll('input:not([type=hidden]):not([type=submit]):not([type=button]):not([type=reset]):not([type=image]),select,textarea').forEach(function(e){
  var named=(e.labels&&Array.prototype.some.call(e.labels,function(l){return l.textContent.trim()!=='';}))
    ||(e.getAttribute('aria-label')||'').trim()!==''||!!e.getAttribute('aria-labelledby')||(e.title||'').trim()!=='';
  if(!named){problems.push('no label for '+a11yName(e));}
});
document.querySelectorAll('[tabindex]').forEach(function(e){
  if(e.tabIndex>0){problems.push('tabindex '+e.tabIndex+' on '+a11yName(e)+' breaks the document order');}});
function rgba(c){var m=c.match(/[\d.]+/g)||[0,0,0,0];return [+m[0],+m[1],+m[2],m.length>3?+m[3]:1];}
function over(top,under){var a=top[3];return [top[0]*a+under[0]*(1-a),top[1]*a+under[1]*(1-a),top[2]*a+under[2]*(1-a),1];}
function lum(c){var v=[c[0],c[1],c[2]].map(function(x){x/=255;return x<=0.03928?x/12.92:Math.pow((x+0.055)/1.055,2.4);});
  return 0.2126*v[0]+0.7152*v[1]+0.0722*v[2];}
function background(e){var layers=[];
  for(var a=e;a;a=a.parentElement){var s=getComputedStyle(a);
    if(s.backgroundImage&&s.backgroundImage!=='none'){return null;}
    var c=rgba(s.backgroundColor);if(c[3]>0){layers.push(c);if(c[3]>=1){break;}}}
  var bg=[255,255,255,1];for(var i=layers.length-1;i>=0;i--){bg=over(layers[i],bg);}return bg;}
var seen={};
var walker=document.createTreeWalker(document.body,NodeFilter.SHOW_TEXT);
for(var t=walker.nextNode();t;t=walker.nextNode()){
  if(!t.textContent.trim()){continue;}
  var e=t.parentElement;if(!e||seen[a11yName(e)]||!a11yShown(e)){continue;}
  if(['SCRIPT','STYLE','NOSCRIPT','OPTION'].indexOf(e.tagName)>=0){continue;}
  seen[a11yName(e)]=1;
  var s=getComputedStyle(e);if(parseFloat(s.opacity)===0||e.closest('[disabled],[aria-hidden=true]')){continue;}
  var bg=background(e);if(!bg){continue;}
  var fg=over(rgba(s.color),bg);
  var l1=lum(fg),l2=lum(bg);var ratio=(Math.max(l1,l2)+0.05)/(Math.min(l1,l2)+0.05);
  var size=parseFloat(s.fontSize),bold=parseInt(s.fontWeight,10)>=700;
  var need=(size>=24||(bold&&size>=18.66))?3:4.5;
  if(ratio<need){problems.push('contrast '+ratio.toFixed(2)+':1 (needs '+need+') for "'+t.textContent.trim().slice(0,30)+'" in '+a11yName(e)+' ('+s.color+' on rgb('+bg.slice(0,3).map(Math.round).join(',')+'))');}
}
return problems;
"#;

/// The checks find what they are meant to: a page made with every fault, and the same page
/// made right.
#[test]
fn the_accessibility_check_finds_unlabelled_fields_faint_text_traps_and_hidden_focus() {
    let Some(mut b) = Browser::open("a11y-self-check", DESKTOP) else {
        return;
    };
    let page = |body: &str| {
        format!(
            "data:text/html;charset=utf-8,{}",
            body.replace('%', "%25").replace('#', "%23")
        )
    };
    b.go(&page(
        "<style>button:focus{outline:none}</style><main>\
         <p style='color:#aaa'>nhạt</p><input name=ten>\
         <button id=a>A</button><a href=#x tabindex=2>B</a>\
         <input id=bay aria-label='bẫy' onblur='this.focus()'></main>",
    ));
    let problems = b.accessibility_problems().join("\n");
    for wanted in [
        "no label for input[ten]",
        "contrast 2.32:1",
        "tabindex 2 on a",
        "keyboard trap: Tab stays on input#bay",
        "no visible focus indicator on [\"button#a",
        "is not the document order",
    ] {
        assert!(problems.contains(wanted), "{wanted} in:\n{problems}");
    }
    b.go(&page(
        "<html lang=vi><title>Trang</title><main><h1>Trang</h1><p style='color:#595959'>đủ đậm</p>\
         <label>Tên <input name=ten></label><button id=a>A</button><a href=#x>B</a></main></html>",
    ));
    assert_eq!(b.accessibility_problems(), Vec::<String>::new());
}
