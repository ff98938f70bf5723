//! Every page a signed-in admin can open, and the citizens' pages, in a real browser: each is
//! checked by axe-core and our own accessibility checks, and saved for the HTML checker that
//! `.ci/run` runs on what the browser tests save. The records are the language test's.

use crate::browser::sign_in_by_keyboard;
use crate::harness::{TestApp, ADMIN_PASSWORD};
use crate::language::app_with_fixtures;
use crate::webdriver::{Browser, DESKTOP};

/// Serves `app` on a port of its own, for a browser, until the test process ends.
fn serve(app: &TestApp) -> String {
    let state = app.state.clone();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            actix_web::HttpServer::new(move || {
                actix_web::App::new().configure(chiso::startup::configure(state.clone()))
            })
            .workers(1)
            .listen(listener)
            .unwrap()
            .run()
            .await
        })
    });
    addr
}

#[test]
fn every_page_passes_axe_core_and_the_keyboard_walk() {
    let (app, fx) = app_with_fixtures();
    let Some(mut b) = Browser::open("every-page", DESKTOP) else {
        return;
    };
    let addr = serve(&app);
    let mut pages = fx.pages();
    // Citizens' pages first, then the admin's: signing in sets the session for the rest.
    pages.sort_by_key(|p| !(p.starts_with("/k/") || p.starts_with("/i/") || p.starts_with("/o")));
    let mut problems = Vec::new();
    let mut signed_in = false;
    for page in &pages {
        let citizen = page.starts_with("/k/") || page.starts_with("/i/") || page.starts_with("/o");
        if !citizen && !signed_in {
            sign_in_by_keyboard(&mut b, &addr, "admin", ADMIN_PASSWORD);
            signed_in = true;
        }
        b.go(&format!("http://{addr}{page}"));
        let name = page.trim_start_matches('/').replace(['/', '?', '='], "_");
        b.screenshot(if name.is_empty() { "home" } else { &name });
        for p in b.accessibility_problems() {
            problems.push(format!("{page}: {p}"));
        }
    }
    assert!(
        problems.is_empty(),
        "{} problems on {} pages:\n- {}",
        problems.len(),
        pages.len(),
        problems.join("\n- ")
    );
    assert!(pages.len() >= 40, "{} pages", pages.len());
}

/// The fixtures served, and the admin signed in on a phone named `name` with the server's
/// address (none without a browser).
fn admin_on_a_phone(
    name: &str,
) -> (
    TestApp,
    crate::language::Fixtures,
    Option<(Browser, String)>,
) {
    let (app, fx) = app_with_fixtures();
    let Some(mut b) = Browser::open(name, crate::webdriver::PHONE) else {
        return (app, fx, None);
    };
    let addr = serve(&app);
    sign_in_by_keyboard(&mut b, &addr, "admin", ADMIN_PASSWORD);
    (app, fx, Some((b, addr)))
}

/// On a phone the results tables are short cards: no card repeats "—" for a column with no
/// value, and every row's name stands first on a line of its own.
#[test]
fn results_tables_on_a_phone_leave_out_the_columns_without_a_value() {
    let (_app, _fx, Some((mut b, addr))) = admin_on_a_phone("phone-tables") else {
        return;
    };
    for page in ["/sipas", "/scores", "/papi"] {
        b.go(&format!("http://{addr}{page}"));
        b.screenshot(page.trim_start_matches('/'));
        let shown_empty = b.eval(
            "Array.prototype.filter.call(document.querySelectorAll('table.data td'), function (td) {\
               return td.textContent.trim() === '—' && td.getClientRects().length > 0; }).length",
        );
        assert_eq!(
            shown_empty,
            serde_json::json!(0),
            "{page}: cells showing only “—”"
        );
        // A few screens to scroll, not forty.
        let screens = b
            .eval("document.documentElement.scrollHeight / window.innerHeight")
            .as_f64()
            .unwrap();
        eprintln!("{page}: {screens:.1} phone screens");
        assert!(screens <= 6.0, "{page}: {screens:.1} screens on a phone");
    }
}

/// Chart words on a phone are 12 px or more: the narrow drawing is shown, not the desk's
/// chart shrunk to the screen.
#[test]
fn chart_words_on_a_phone_are_at_least_12_pixels() {
    let (_app, _fx, Some((mut b, addr))) = admin_on_a_phone("phone-charts") else {
        return;
    };
    let mut charts = 0;
    for page in ["/", "/sipas", "/papi", "/report", "/public"] {
        b.go(&format!("http://{addr}{page}"));
        b.screenshot(&format!("charts{}", page.replace('/', "-")));
        let seen = b.eval(
            "(function(){var small=[],n=0;document.querySelectorAll('svg.chart').forEach(function(svg){\
               var r=svg.getBoundingClientRect();if(!r.width){return;}n++;\
               var k=r.width/svg.viewBox.baseVal.width;\
               svg.querySelectorAll('text').forEach(function(t){\
                 var px=parseFloat(getComputedStyle(t).fontSize)*k;\
                 if(px<12){small.push(t.textContent+': '+px.toFixed(1)+' px');}});});\
               return {charts:n,small:small};})()",
        );
        assert_eq!(seen["small"], serde_json::json!([]), "{page}");
        charts += seen["charts"].as_u64().unwrap();
    }
    assert!(charts >= 5, "{charts} charts seen");
}
