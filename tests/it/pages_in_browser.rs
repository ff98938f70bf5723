//! Real-browser walks through pages people open from outside the office and the results they
//! print: an official answers a one-time link on a phone; a viewer reads the SIPAS dashboard
//! and prints it on A4. Each page is photographed and checked for keyboard and screen-reader
//! use.

use crate::browser::sign_in_by_keyboard;
use crate::harness::{
    assert_says, chiso_process, first_link, live_submission, process_database, start_server,
    stored_forms_in, submit_live, OneLinkCampaign, SchemaGuard, Server,
};
use crate::webdriver::{pdf_read, pdf_words, words, Browser, DESKTOP, PHONE};
use serde_json::{json, Value};

fn run(db: &str, args: &[&str]) -> String {
    let out = chiso_process(db).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A surveyor's API token for the database at `db` (its secret), and a viewer `name` who signs
/// in with `password`, both made with the command line as an administrator would.
fn surveyor_token_and_viewer(db: &str, name: &str, password: &str) -> String {
    let token = run(db, &["token", "create", "--role", "surveyor"])
        .split_whitespace()
        .last()
        .unwrap()
        .to_string();
    let out = chiso_process(db)
        .env("CHISO_USER_PASSWORD", password)
        .args(["user", "add", name, "--role", "viewer"])
        .output()
        .unwrap();
    assert!(out.status.success());
    token
}

/// A `chiso serve` process on a database of its own, with a viewer who signs in with
/// `password`, holding `forms` sent through the API by a surveyor's program.
struct ServedForms {
    // Dropped in this order: the server stops before its database goes.
    server: Server,
    _guard: SchemaGuard,
    _dir: tempfile::TempDir,
}

impl ServedForms {
    fn start(viewer: &str, password: &str, forms: impl IntoIterator<Item = Value>) -> Self {
        let (dir, db, guard) = process_database();
        let server = start_server(&db);
        let token = surveyor_token_and_viewer(&db, viewer, password);
        let mut c = chiso::http_client::Client::new(&server.addr);
        for form in forms {
            let r = submit_live(&mut c, &token, &form).unwrap();
            assert_eq!(r.status, 201, "{}", r.body);
        }
        ServedForms {
            server,
            _guard: guard,
            _dir: dir,
        }
    }
}

#[test]
fn an_official_answers_a_one_time_link_on_a_phone_and_the_link_is_then_used() {
    let campaign = OneLinkCampaign::start("Nguyễn Văn An,hdnd,CT,an@example.vn");
    let links = campaign.links();
    let link = first_link(&links);
    assert!(link.contains("/i/"), "{links}");

    let Some(mut b) = Browser::open("invite-phone", PHONE) else {
        return;
    };
    b.go(&link);
    assert!(b.text("body").contains("Cam kết bảo mật"));
    b.screenshot("gioi-thieu");
    b.check_accessibility("the link's first page");
    b.eval("window.leaving = true");
    b.click("button[name=go][value='0']");
    b.wait_for("window.leaving === undefined && document.readyState === 'complete'");
    assert!(
        b.eval("!!document.querySelector('progress')") == json!(true),
        "{}",
        b.text("body")
    );

    let mut pages = 0;
    let mut answered = 0;
    loop {
        pages += 1;
        b.screenshot(&format!("phan-{pages}"));
        b.check_accessibility(&format!("the link's page {pages}"));
        // Every question of the page: the fourth answer ("4" where the scale has it).
        let questions = b.eval(
            "Array.from(new Set(Array.from(document.querySelectorAll('input[type=radio]')).map(function(e){return e.name;})))",
        );
        for name in questions.as_array().unwrap() {
            let name = name.as_str().unwrap();
            let value = b.eval(&format!(
                "(function(){{var o=Array.from(document.querySelectorAll('input[name=\"{name}\"]'));\
                 var v=o.find(function(e){{return e.value==='4';}})||o[0];return v.value;}})()"
            ));
            b.click(&format!(
                "input[name=\"{name}\"][value=\"{}\"] + span",
                value.as_str().unwrap()
            ));
            answered += 1;
        }
        let last = b.eval("!!document.querySelector('button[name=go][value=submit]')");
        b.eval("window.leaving = true");
        if last == json!(true) {
            b.click("button[name=go][value=submit]");
            b.wait_for("window.leaving === undefined && document.readyState === 'complete'");
            break;
        }
        b.click("button.primary[name=go]");
        b.wait_for("window.leaving === undefined && document.readyState === 'complete'");
        assert!(pages < 20, "the pages never end");
    }
    assert!(pages >= 5, "a page per field: {pages}");
    assert_eq!(answered, 22, "the 22 sub-criteria");
    assert!(
        b.text("body").contains("đã được ghi nhận"),
        "{}",
        b.text("body")
    );
    b.screenshot("cam-on");
    b.check_accessibility("the link's thank-you page");

    // Opened again, the link says it was used and shows no form.
    b.go(&link);
    assert!(b.text("body").contains("Phiếu đã được trả lời"));
    assert_eq!(b.eval("document.querySelectorAll('form').length"), json!(0));
    b.screenshot("da-dung");
    drop(b);

    assert_eq!(stored_forms_in(&campaign.db), 1);
}

#[test]
fn a_viewer_reads_the_sipas_dashboard_and_prints_it_on_a4() {
    // Thirty counter forms over two wards, two at a third: too few to show, and five at a
    // fourth, withheld beside it so that the city minus the others does not give the two.
    let forms = (0..37).map(|i| {
        let unit = match i {
            32.. => "P-AN-BINH",
            30.. => "P-TAN-AN",
            _ if i % 2 == 0 => "P-NINH-KIEU",
            _ => "P-CAI-KHE",
        };
        let mut s = live_submission(unit, Some(3 + (i % 3)));
        s["channel"] = json!("kiosk");
        s
    });
    let served = ServedForms::start("lan", "mat-khau-xem-ket-qua", forms);
    let addr = served.server.addr.clone();

    let Some(mut b) = Browser::open("sipas", DESKTOP) else {
        return;
    };
    sign_in_by_keyboard(&mut b, &addr, "lan", "mat-khau-xem-ket-qua");
    b.go(&format!("http://{addr}/sipas"));
    assert!(b.text("main").contains("SIPAS"));
    let n = b.eval("document.querySelectorAll('table.data').length");
    assert!(n.as_u64().unwrap() >= 1, "tables of figures");
    b.screenshot("bang");
    b.check_accessibility("/sipas");

    // The print view: no menu, no filters, every table within A4's width less its margins
    // (210 − 2 × 14 mm at 96 px to the inch).
    b.media("print");
    let a4 = ((210.0 - 28.0) / 25.4 * 96.0_f64).floor() as u32;
    b.viewport(a4, 1200);
    let printed: Value = b.run(
        "function shown(s){var e=document.querySelector(s);return !!e&&getComputedStyle(e).display!=='none';}\
         var right=0,over=[];document.querySelectorAll('table').forEach(function(t,i){\
           var r=t.getBoundingClientRect();right=Math.max(right,r.right);\
           if(t.scrollWidth>t.clientWidth+1||r.right>window.innerWidth+1){over.push(i);}});\
         return {menu:shown('header.bar'),filters:shown('form.filters'),right:right,\
           page:document.documentElement.scrollWidth,over:over};",
        vec![],
    );
    b.screenshot("in-xem-truoc");
    b.media("");
    b.viewport(DESKTOP.width, DESKTOP.height);
    assert_eq!(printed["menu"], json!(false), "menu hidden in print");
    assert_eq!(printed["filters"], json!(false), "filters hidden in print");
    assert!(
        printed["right"].as_f64().unwrap() <= f64::from(a4)
            && printed["page"].as_u64().unwrap() <= u64::from(a4)
            && printed["over"] == json!([]),
        "tables fit A4's {a4} px: {printed}"
    );

    // What the browser really prints: A4 pages without the menu or the filters, with the
    // figures.
    let pdf = b.print_pdf("in");
    let (pages, text) = pdf_read(&pdf);
    // What the page says, read without regard to where a line wraps (which depends on the
    // fonts present): "Phường Ninh" / "Kiều" in a narrow cell is one name.
    let said = pdf_words(&pdf);
    assert!((1..=8).contains(&pages), "{pages} pages");
    let menu = b.text("header.bar");
    for word in ["Đăng xuất", "Trang chủ"] {
        assert!(menu.contains(word), "the menu has {word}");
        assert!(!said.contains(word), "{word} printed:\n{text}");
    }
    // Both wards, and each table's last column (E5) on the page, not cut off.
    assert_says(&said, &["Ninh Kiều", "Cái Khế"]);
    let headers = text
        .lines()
        .filter(|l| l.contains("So với 2022") && l.trim_end().ends_with("E5"))
        .count();
    assert!(headers >= 3, "tables printed whole:\n{text}");
    // A ward with too few answers is a row on screen but not on paper, which says so.
    assert!(b.text("main").contains("Phường Tân An"));
    assert!(!said.contains("Tân An"), "{said}");
    assert!(b.text("main").contains("Phường An Bình"));
    assert!(!said.contains("An Bình"), "withheld beside Tân An:\n{said}");
    assert!(
        said.contains(&words("quá ít phiếu để hiện giá trị không được in")),
        "{said}"
    );
    drop(b);
}

#[test]
fn a_leader_reads_the_path_since_2022_and_prints_the_report_with_its_date_and_page_numbers() {
    let forms = (0..30).map(|i| {
        let unit = if i % 2 == 0 {
            "P-NINH-KIEU"
        } else {
            "P-CAI-KHE"
        };
        live_submission(unit, Some(3 + (i % 3)))
    });
    let served = ServedForms::start("lanh-dao", "mat-khau-lanh-dao", forms);
    let addr = served.server.addr.clone();
    let Some(mut b) = Browser::open("chang-duong", DESKTOP) else {
        return;
    };
    sign_in_by_keyboard(&mut b, &addr, "lanh-dao", "mat-khau-lanh-dao");
    for (page, step) in [
        ("/", "trang-chu"),
        ("/papi", "papi"),
        ("/sipas", "sipas"),
        ("/report", "bao-cao"),
    ] {
        b.go(&format!("http://{addr}{page}"));
        let text = b.text("main");
        assert!(text.contains("hạng 22/63") || page != "/", "{page}: {text}");
        assert!(
            b.eval("document.querySelectorAll('figure.trajectory svg').length")
                .as_u64()
                .unwrap()
                >= 1,
            "{page}: the path is drawn"
        );
        b.screenshot(step);
        b.check_accessibility(page);
    }
    b.viewport(PHONE.width, PHONE.height);
    b.go(&format!("http://{addr}/"));
    b.screenshot("trang-chu-dien-thoai");
    b.viewport(DESKTOP.width, DESKTOP.height);
    b.go(&format!("http://{addr}/report"));
    let pdf = b.print_pdf("bao-cao-a4");
    let (pages, text) = pdf_read(&pdf);
    let said = pdf_words(&pdf);
    assert!(pages >= 2, "{pages} pages");
    assert!(
        said.contains("Số liệu đọc lúc"),
        "the date the data were read: {said}"
    );
    assert_says(&said, &["Năm 2024 (công bố)", "Giả định của từng khả năng"]);
    // Each page carries "n / pages" in its margin (the text layer may drop the spaces).
    let bare: String = text.split_whitespace().collect();
    for n in [1, pages] {
        assert!(
            bare.contains(&format!("{n}/{pages}")),
            "page number {n}: {text}"
        );
    }
}
