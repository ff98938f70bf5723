//! Real-browser walks along the paths of people outside the office where a mistake used to be
//! a dead end: a slip code typed wrong, an old one-time link after the links were issued
//! again, a question skipped on a citizen's or an official's form.

use crate::harness::{
    first_link, process_database, slip_code_by_cli, start_server, OneLinkCampaign,
};
use crate::webdriver::{Browser, PHONE};
use chiso::http_client::Client;
use serde_json::json;

/// The code with its last character read as a look-alike (S for 5, 2 for Z…), as people
/// mistype them.
fn misread(code: &str) -> String {
    let last = code.chars().last().unwrap();
    let other = match last {
        '5' => 'S',
        'S' => '5',
        '2' => 'Z',
        'Z' => '2',
        '8' => 'B',
        'B' => '8',
        'A' => 'H',
        _ => 'A',
    };
    format!("{}{other}", &code[..code.len() - 1])
}

/// Waits for the page a tap or a key leads to.
fn leaving(b: &Browser) {
    b.eval("window.leaving = true");
}

fn arrived(b: &Browser) {
    b.wait_for("window.leaving === undefined && document.readyState === 'complete'");
}

/// Taps `css` and waits for the page it leads to.
fn tap_through(b: &Browser, css: &str) {
    leaving(b);
    b.click(css);
    arrived(b);
}

/// Presses Enter and waits for the page it leads to.
fn enter_through(b: &Browser) {
    leaving(b);
    b.key("Enter");
    arrived(b);
}

fn type_text(b: &Browser, s: &str) {
    for ch in s.chars() {
        b.key(&ch.to_string());
    }
}

#[test]
fn a_mistyped_slip_code_is_typed_again_on_the_same_page_with_the_message_beside_it() {
    let (_dir, db, _guard) = process_database();
    let code = slip_code_by_cli(&db);
    let wrong = misread(&code);
    let server = start_server(&db);
    let addr = server.addr.clone();

    // The address of an unknown code answers "not found", with the code's input on the page.
    let r = Client::new(&addr)
        .send("GET", &format!("/o/{wrong}"), &[], b"")
        .unwrap();
    assert_eq!(r.status, 404, "{}", r.body);
    assert!(r.body.contains("name=\"code\""), "{}", r.body);

    let Some(mut b) = Browser::open("ma-go-sai", PHONE) else {
        return;
    };
    b.go(&format!("http://{addr}/o"));
    b.click("input[name=code]");
    type_text(&b, &format!("{}-{}", &wrong[..5], &wrong[5..]));
    enter_through(&b);
    let seen = b.run(
        "var i=document.querySelector('input[name=code]');var m=document.getElementById('code-problem');\
         return {input:!!i,value:i&&i.value,focused:document.activeElement===i,\
           message:m&&m.textContent,described:i&&i.getAttribute('aria-describedby'),\
           signIn:!!document.querySelector('a[href=\"/\"],a[href=\"/login\"]'),\
           gap:i&&m?m.getBoundingClientRect().top-i.getBoundingClientRect().bottom:null};",
        vec![],
    );
    b.screenshot("ma-khong-dung");
    assert_eq!(seen["input"], json!(true), "the input stays: {seen}");
    assert_eq!(
        seen["value"],
        json!(format!("{}-{}", &wrong[..5], &wrong[5..])),
        "as typed, to correct: {seen}"
    );
    assert_eq!(seen["focused"], json!(true), "ready to correct: {seen}");
    assert!(
        seen["message"]
            .as_str()
            .unwrap_or("")
            .contains("Không tìm thấy mã này"),
        "{seen}"
    );
    assert_eq!(seen["described"], json!("code-problem"), "{seen}");
    let gap = seen["gap"].as_f64().unwrap();
    assert!(
        (0.0..60.0).contains(&gap),
        "the message beside the input: {seen}"
    );
    assert_eq!(
        seen["signIn"],
        json!(false),
        "no way out to the staff sign-in: {seen}"
    );
    b.check_accessibility("a slip code not found");

    // Corrected on the same page, the code opens its form.
    b.run(
        "var i=document.querySelector('input[name=code]');i.value='';i.focus();",
        vec![],
    );
    type_text(&b, &code);
    enter_through(&b);
    assert_eq!(
        b.eval("!!document.querySelector('form#kiosk')"),
        json!(true),
        "{}",
        b.text("body")
    );
}

#[test]
fn an_old_link_after_the_links_are_issued_again_says_it_was_replaced_and_whom_to_ask() {
    let campaign = OneLinkCampaign::start("Nguyễn Văn An,hdnd,CT,an@example.vn");
    let addr = campaign.server.addr.clone();
    let old = first_link(&campaign.links());
    let new = first_link(&campaign.links());
    assert_ne!(old, new);

    let path = |l: &str| l[l.find("/i/").unwrap()..].to_string();
    let r = Client::new(&addr)
        .send("GET", &path(&old), &[], b"")
        .unwrap();
    assert_eq!(r.status, 410, "gone, not unknown: {}", r.body);

    let Some(mut b) = Browser::open("duong-dan-cu", PHONE) else {
        return;
    };
    b.go(&old);
    let body = b.text("body");
    b.screenshot("da-duoc-thay");
    assert!(body.contains("đã được thay"), "{body}");
    assert!(
        body.contains("Sở Nội vụ thành phố Cần Thơ"),
        "whom to ask: {body}"
    );
    assert!(!body.contains("Đường dẫn không đúng"), "{body}");
    b.check_accessibility("a replaced link");
    b.go(&new);
    assert!(b.text("body").contains("Cam kết bảo mật"));
}

/// What the summary of a form sent back shows: whether it is there and focused, its top on
/// screen, its links, and whether each leads to a question marked as wrong.
const SUMMARY: &str = "var s=document.getElementById('problems');\
    var links=s?Array.from(s.querySelectorAll('a[href^=\"#\"]')):[];\
    return {summary:!!s,focused:!!s&&document.activeElement===s,\
      top:s?s.getBoundingClientRect().top:null,height:window.innerHeight,\
      links:links.length,\
      marked:links.filter(function(a){var q=document.getElementById(decodeURIComponent(a.getAttribute('href').slice(1)));\
        return !!q&&q.classList.contains('bad');}).length,\
      bad:document.querySelectorAll('fieldset.bad').length,\
      text:s?s.textContent:''};";

/// The summary of the form sent back, photographed: it shows at least `at_least` problems.
#[track_caller]
fn sent_back_summary(b: &mut Browser, at_least: u64) -> serde_json::Value {
    let seen = b.run(SUMMARY, vec![]);
    b.screenshot("tom-tat-loi");
    assert_summary(&seen, at_least);
    seen
}

#[track_caller]
fn assert_summary(seen: &serde_json::Value, at_least: u64) {
    assert_eq!(seen["summary"], json!(true), "a summary: {seen}");
    assert_eq!(seen["focused"], json!(true), "focused: {seen}");
    let (top, height) = (
        seen["top"].as_f64().unwrap(),
        seen["height"].as_f64().unwrap(),
    );
    assert!((-2.0..height).contains(&top), "on screen: {seen}");
    let links = seen["links"].as_u64().unwrap();
    assert!(links >= at_least, "each problem a link: {seen}");
    assert_eq!(
        seen["marked"],
        json!(links),
        "each to its marked question: {seen}"
    );
    assert_eq!(
        seen["bad"],
        json!(links),
        "every question marked is listed: {seen}"
    );
}

#[test]
fn a_citizen_who_skips_questions_online_reads_what_to_put_right_at_the_top() {
    let (_dir, db, _guard) = process_database();
    let code = slip_code_by_cli(&db);
    let server = start_server(&db);
    let addr = server.addr.clone();
    let Some(mut b) = Browser::open("o-thieu-cau", PHONE) else {
        return;
    };
    b.go(&format!("http://{addr}/o/{code}"));
    // The first question answered, the others skipped.
    b.click("form#kiosk fieldset input[type=radio] + span");
    tap_through(&b, "button.submit");
    sent_back_summary(&mut b, 2);
    b.check_accessibility("the online form sent back");
    // A link of the summary leads to its question.
    b.click("#problems a");
    let at = b.eval(
        "(function(){var q=document.getElementById(decodeURIComponent(location.hash.slice(1)));\
          var r=q.getBoundingClientRect();return r.top>=-1&&r.top<window.innerHeight;})()",
    );
    assert_eq!(at, json!(true), "the question is on screen");
}

#[test]
fn an_official_who_skips_a_question_reads_what_to_put_right_at_the_top_not_a_tooltip() {
    let campaign = OneLinkCampaign::start("Trần Thị Bình,hdnd,CT,binh@example.vn");
    let links = campaign.links();
    let link = first_link(&links);
    let Some(mut b) = Browser::open("i-thieu-cau", PHONE) else {
        return;
    };
    b.go(&link);
    tap_through(&b, "button[name=go][value='0']");
    // Nothing chosen, the next part asked for: the server answers, not the browser.
    tap_through(&b, "button.primary[name=go]");
    let seen = sent_back_summary(&mut b, 1);
    assert!(seen["text"].as_str().unwrap().contains("cần sửa"), "{seen}");
    b.check_accessibility("a part of the link's form sent back");
}
