//! Every page in both languages: each GET page the router declares (with real records for its
//! parameters) and the citizens' pages, read with the `lang=en` cookie, say `<html lang="en">`
//! and none of the Vietnamese words of the menu and headings; read without it, `lang="vi"`.

use crate::harness::*;
use actix_web::cookie::Cookie;
use actix_web::http::{Method, StatusCode};

const WARD: &str = "NK-P-AN-BINH";
const HOUSEHOLD: &str = "sipas-2022-household";

/// Words of the page's own chrome (menu, headings, buttons) that an English page must not
/// show. Written as whole element texts (`>…<`) where the same words may also be data (a
/// PAPI dimension is called "Quản trị môi trường").
const VIETNAMESE_CHROME: [&str; 24] = [
    ">Trang chủ<",
    ">Kết quả chỉ số<",
    ">Cơ quan chủ trì<",
    ">Báo cáo<",
    ">Nhập phiếu giấy<",
    ">Nhập tệp<",
    ">Đợt khảo sát<",
    ">Mã phiếu hẹn<",
    ">Nhật ký<",
    ">Quản trị<",
    ">Đăng xuất<",
    ">Đăng nhập<",
    ">Người dùng<",
    ">Trạng thái<",
    ">Phiếu khảo sát<",
    ">Lô phiếu<",
    "Gửi đánh giá",
    "Quay lại",
    "Bước ",
    "Phần tiếp",
    "Bắt đầu",
    "Đã ghi nhận",
    "Phiếu mới",
    "Cam kết bảo mật",
];

/// Records for the path parameters.
pub(crate) struct Fixtures {
    pub(crate) kiosk: String,
    pub(crate) link: String,
    pub(crate) code: String,
    batch: String,
    /// Keyed twice with a difference: waiting for a supervisor.
    disputed: String,
    /// Keyed twice alike: counted, so it can be corrected.
    counted: String,
    campaign: String,
    /// A campaign closed within its grace period, for the question asked before reopening.
    closed_campaign: String,
    /// A kiosk and an API token that still work, for the questions asked before revoking.
    kiosk_id: String,
    token_id: String,
}

impl Fixtures {
    /// The address of a GET route, or None for what is no page (scripts, downloads, API,
    /// the switch itself, redirects).
    /// Every page the router serves by GET with these records, and the citizens' pages
    /// besides those it names with a parameter.
    pub(crate) fn pages(&self) -> Vec<String> {
        let mut pages: Vec<String> = chiso::features::route_table()
            .into_iter()
            .filter(|(m, _)| *m == Method::GET)
            .filter_map(|(_, p)| self.path(p))
            .collect();
        pages.push(format!("/k/{}", self.kiosk));
        pages.push(format!("/i/{}", self.link));
        pages.push(format!("/o/{}", self.code));
        pages.push("/o".into());
        pages
    }

    pub(crate) fn path(&self, pattern: &str) -> Option<String> {
        let skipped = pattern.starts_with("/api/")
            || pattern.starts_with("/static/")
            || pattern.starts_with("/phong-van/")
            || pattern.ends_with("/export")
            || pattern.ends_with(".csv")
            // What the kiosk's worker fetches: data, not pages.
            || pattern.ends_with("/tickets")
            // What the keying screen's script asks as a serial is left.
            || pattern.ends_with("/serial")
            || pattern.ends_with(".webmanifest")
            || matches!(
                pattern,
                "/healthz" | "/lang/{code}" | "/admin" | "/import/rejected/{token}"
            );
        if skipped {
            return None;
        }
        let mut out = String::new();
        for seg in pattern.split('/').skip(1) {
            out.push('/');
            let value = match (seg, pattern) {
                (s, _) if !s.starts_with('{') => s.to_string(),
                ("{token}", p) if p.starts_with("/k/") => self.kiosk.clone(),
                ("{token}", p) if p.starts_with("/i/") => self.link.clone(),
                ("{code}", p) if p.starts_with("/o/") => self.code.clone(),
                ("{code}", p) if p.starts_with("/parindex/criteria/") => "3.2.2".into(),
                ("{code}", "/agencies/{code}") => "STP".into(),
                ("{id}", p) if p.starts_with("/entry/batches/") => self.batch.clone(),
                ("{id}", "/entry/forms/{id}/correct") => self.counted.clone(),
                ("{id}", p) if p.starts_with("/entry/forms/") => self.disputed.clone(),
                ("{id}", "/campaigns/{id}/reopen") => self.closed_campaign.clone(),
                ("{id}", p) if p.starts_with("/campaigns/") => self.campaign.clone(),
                ("{id}", "/surveys/{id}/print") => HOUSEHOLD.into(),
                ("{id}", "/admin/kiosks/{id}/revoke") => self.kiosk_id.clone(),
                ("{id}", "/admin/tokens/{id}/revoke") => self.token_id.clone(),
                (s, p) => panic!("no record for {s} in {p}: add one to Fixtures::path"),
            };
            out.push_str(&value);
        }
        Some(if pattern == "/" { "/".into() } else { out })
    }
}

/// Two surveyors and a supervisor of the city, a kiosk at the ward, and the records the pages
/// show ([`fixtures`]).
pub(crate) fn app_with_fixtures() -> (TestApp, Fixtures) {
    let app = TestApp::builder()
        .with_staff(&[
            ("an", Role::Surveyor),
            ("binh", Role::Surveyor),
            ("chi", Role::Supervisor),
        ])
        .with_kiosk(WARD, "sipas-counter")
        .settings(|s| s.campaign_grace_hours = 24)
        .build();
    let fx = fixtures(&app);
    (app, fx)
}

/// A batch of the ward with one form keyed twice alike and one keyed twice apart, an open
/// campaign and its link, and a slip's code.
fn fixtures(app: &TestApp) -> Fixtures {
    let batch = household_batch(app, "chi", WARD, "Lô 1", 5);
    let mut ids = Vec::new();
    for (serial, second) in [("001", "5"), ("002", "4")] {
        ids.push(key_household(
            app,
            "an",
            &batch,
            household_form(serial, "4"),
        ));
        key_household(app, "binh", &batch, household_form(serial, second));
    }
    let list = "name,group,unit,contact\nNguyễn Văn An,hdnd,SNV,\n";
    let (campaign, links) = open_campaign_with_links(app, "Đợt 1", list);
    let (closed_campaign, _) = open_campaign_with_links(app, "Đợt 2", list);
    chiso::features::campaigns::service::close(&app.state, "test", &closed_campaign).unwrap();
    app.add_token(Role::Viewer, "reports", None);
    let token_id = stored_tokens(app)
        .into_iter()
        .find(|t| t.label == "reports")
        .unwrap()
        .id;
    Fixtures {
        kiosk_id: kiosk_id(app, &app.kiosks[0]),
        token_id,
        kiosk: app.kiosks[0].clone(),
        link: links[0].clone(),
        code: slip_codes(app, WARD, 1).remove(0),
        batch,
        disputed: ids[0].clone(),
        counted: ids[1].clone(),
        campaign,
        closed_campaign,
    }
}

/// Whether a cell holds a time written YYYY-MM-DD hh:mm (`iso`) or dd/mm/YYYY hh:mm.
fn has_date(body: &str, iso: bool) -> bool {
    body.split("<td>").any(|cell| {
        let b = cell.as_bytes();
        let digits =
            |r: std::ops::Range<usize>| r.clone().all(|i| b.get(i).is_some_and(u8::is_ascii_digit));
        if iso {
            digits(0..4) && b.get(4) == Some(&b'-') && digits(5..7) && b.get(7) == Some(&b'-')
        } else {
            digits(0..2) && b.get(2) == Some(&b'/') && digits(3..5) && b.get(5) == Some(&b'/')
        }
    })
}

/// The `lang` attribute of a page's `<html>` element.
fn html_lang(body: &str) -> &str {
    let at = body.find("<html lang=\"").expect("an <html lang> element") + 12;
    &body[at..at + body[at..].find('"').unwrap()]
}

#[actix_web::test]
async fn every_page_speaks_english_when_asked_and_vietnamese_by_default() {
    let (app, fx) = app_with_fixtures();
    let svc = service!(app);
    let admin = svc.admin().await;

    let pages = fx.pages();
    for needed in [
        "/entry",
        "/admin/users",
        "/campaigns",
        "/codes",
        "/audit",
        "/login",
    ] {
        assert!(pages.iter().any(|p| p == needed), "{needed} is checked");
    }

    for page in &pages {
        for lang in [Some("en"), None] {
            let body = page_in(&admin, page, lang).await;
            match lang {
                Some(_) => {
                    assert_eq!(html_lang(&body), "en", "{page} says it is English");
                    for word in VIETNAMESE_CHROME {
                        assert!(
                            !body.contains(word),
                            "{page} in English still says {word:?}:\n{body}"
                        );
                    }
                    // The switch back is offered (one-time pages aside, none here).
                    assert!(
                        body.contains("hreflang=\"vi\""),
                        "{page} offers Vietnamese:\n{body}"
                    );
                }
                None => {
                    assert_eq!(html_lang(&body), "vi", "{page} is Vietnamese by default");
                }
            }
            // Staff pages name surveys by their English titles, and dates the English way.
            let english = lang.is_some();
            if page == "/entry" {
                let title = "Household survey of satisfaction";
                assert_eq!(body.contains(title), english, "{page} ({lang:?}):\n{body}");
            }
            if page == "/audit" {
                let (iso, vi) = (has_date(&body, true), has_date(&body, false));
                assert_eq!((iso, vi), (english, !english), "{page} ({lang:?}):\n{body}");
            }
        }
    }
}

/// The switch on a signed-in page returns to that very page, query included, and the
/// answer to a wrong sign-in follows the language.
#[actix_web::test]
async fn the_switch_returns_to_the_page_and_messages_follow_the_language() {
    let app = spawn_app();
    let svc = service!(app);
    let admin = svc.admin().await;
    let Answer {
        status, text: body, ..
    } = admin.get("/audit?action=user").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body.contains("href=\"/lang/en?back=%2Faudit%3Faction%3Duser\""),
        "the bar's switch returns to the audit log with its filter:\n{body}"
    );
    assert!(body.contains(">Đăng xuất<"), "Vietnamese by default");

    let (pre, token) = svc.login_page().await;
    let body = svc
        .send(
            login_request(&pre, &token, "admin", "wrong-password")
                .cookie(Cookie::new("lang", "en")),
        )
        .await
        .text_with(StatusCode::UNAUTHORIZED);
    assert!(body.contains("Wrong user name or password."), "{body}");
    assert!(!body.contains("không đúng"), "{body}");
}

/// A staff page read in the given language (`None`: the default, Vietnamese).
async fn page_in(who: &Staff, uri: &str, lang: Option<&str>) -> String {
    // A kiosk's language is the citizen's on the form, never the tablet's cookie.
    let uri = match lang {
        Some(code) if uri.starts_with("/k/") => format!("{uri}?lang={code}"),
        _ => uri.to_string(),
    };
    let page = who.in_lang(lang).get(&uri).await;
    assert_eq!(
        page.status,
        StatusCode::OK,
        "{uri} ({lang:?}):\n{}",
        page.text
    );
    page.text
}

/// SIPAS elements, PAR INDEX fields and criteria, PAPI dimensions and sub-dimensions and the
/// indices' headlines are named in the reader's language: in English on the English pages and
/// in the API's `name_en`, in Vietnamese (and only so) by default.
#[actix_web::test]
async fn index_names_follow_the_language() {
    use crate::api::{answer_everything, described_survey, get, store};
    let app = TestApp::builder().build();
    for i in 0..6 {
        let body = submission("NK-P-CAI-KHE", Some([5, 4, 3][i % 3]));
        store(&app, &body).await;
    }
    let papi = described_survey(&app, "papi-aligned").await;
    for _ in 0..2 {
        let body = answer_everything(&papi, "NK-P-CAI-KHE");
        store(&app, &body).await;
    }

    // (page, [(English, Vietnamese)]): each name in the page's language, never in the other.
    let headline = (
        "Index of satisfaction with administrative services (mean of the 5 elements)",
        "Chỉ số hài lòng về sự phục vụ hành chính (bình quân 5 yếu tố)",
    );
    let cases: [(&str, Vec<(&str, &str)>); 4] = [
        (
            "/sipas?survey=sipas-counter&period=2025",
            vec![
                headline,
                ("Access to services", "Tiếp cận dịch vụ"),
                (
                    "Civil servants directly handling the work",
                    "Công chức trực tiếp giải quyết công việc",
                ),
                (
                    "Receiving and handling feedback and petitions",
                    "Tiếp nhận, xử lý phản ánh, kiến nghị",
                ),
            ],
        ),
        (
            "/parindex?period=2025",
            vec![
                ("Field 3. Administrative procedure reform", "Lĩnh vực 3. Cải cách thủ tục hành chính"),
                ("Field 5. Civil service reform", "Lĩnh vực 5. Cải cách chế độ công vụ"),
                (
                    "Publication of administrative procedures and related regulations",
                    "Công khai TTHC và các quy định có liên quan",
                ),
                (
                    "Compliance of officials, civil servants and public employees with administrative discipline",
                    "Chấp hành kỷ luật, kỷ cương hành chính của cán bộ, công chức, viên chức",
                ),
                ("Satisfaction with access to services", "Chỉ số hài lòng về tiếp cận dịch vụ"),
            ],
        ),
        (
            "/papi?period=2025",
            vec![
                ("Participation at Local Levels", "Tham gia của người dân ở cấp cơ sở"),
                (
                    "Control of Corruption in the Public Sector",
                    "Kiểm soát tham nhũng trong khu vực công",
                ),
                ("Access to justice services", "Tiếp cận dịch vụ tư pháp"),
                ("D8 E-Governance", "D8 Quản trị điện tử"),
            ],
        ),
        (
            "/?period=2025",
            vec![
                headline,
                (
                    "Total score estimated by the PAPI method (8–80)",
                    "Tổng điểm ước tính theo phương pháp PAPI (8–80)",
                ),
                (
                    "Overall satisfaction index (estimate)",
                    "Chỉ số hài lòng chung (ước tính)",
                ),
            ],
        ),
    ];
    let svc = service!(app);
    let admin = svc.admin().await;
    for (uri, names) in &cases {
        let en = page_in(&admin, uri, Some("en")).await;
        let vi = page_in(&admin, uri, None).await;
        for (english, vietnamese) in names {
            assert!(
                en.contains(english),
                "{uri} in English names {english:?}:\n{en}"
            );
            assert!(
                !en.contains(vietnamese),
                "{uri} in English still says {vietnamese:?}:\n{en}"
            );
            assert!(
                vi.contains(vietnamese),
                "{uri} in Vietnamese names {vietnamese:?}:\n{vi}"
            );
            assert!(
                !vi.contains(english),
                "{uri} in Vietnamese says {english:?}:\n{vi}"
            );
        }
    }

    // The API carries both names.
    let tok = Some(app.viewer_token.as_str());
    let (_, s) = get(&app, tok, "/api/v1/scores?survey=sipas-counter&period=2025").await;
    let root = &s["nodes"][0];
    assert_eq!(root["name"], headline.1);
    assert_eq!(root["name_en"], headline.0);
    assert_eq!(root["children"][0]["name_en"], "Access to services");
    let (_, par) = get(&app, tok, "/api/v1/parindex?period=2025").await;
    let field = &par["fields"][4];
    assert_eq!(field["code"], "5");
    assert_eq!(field["name_en"], "Civil service reform");
    assert!(field["rows"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["name_en"].as_str().is_some_and(|n| !n.is_empty())));
}

/// A page whose error is read once in each language.
struct ErrorCase {
    what: &'static str,
    /// The user who asks (by name; "admin" signs in with the admin password).
    who: &'static str,
    method: Method,
    uri: String,
    form: Vec<(&'static str, String)>,
    status: StatusCode,
    vi: String,
    en: String,
}

/// Letters that only Vietnamese writes: an English error page must hold none in its text.
fn vietnamese_letters(text: &str) -> Vec<char> {
    const LETTERS: &str = "ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ";
    text.to_lowercase()
        .chars()
        .filter(|c| LETTERS.contains(*c))
        .collect()
}

/// The text of a page's `<main>`: the error's title and message, without the bar (whose
/// switch names "Tiếng Việt" on every English page).
fn main_text(body: &str) -> String {
    let start = body.find("<main").expect("a <main> element");
    let end = body[start..].find("</main>").expect("</main>") + start;
    let mut text = String::new();
    let mut in_tag = false;
    for c in body[start..end].chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.replace("&amp;", "&").replace("&quot;", "\"")
}

/// Errors a person sees on a staff page — a refusal, a wrong parameter of a results page, and
/// a mistake in a paper batch, a campaign, slip codes or an entered criterion — read in
/// Vietnamese by default and in English with the switch: each in its own language only.
#[actix_web::test]
async fn errors_on_pages_follow_the_readers_language() {
    let app = spawn_app_with_staff(&[("an", Role::Surveyor), ("chi", Role::Supervisor)]);
    let svc = service!(app);
    let admin = svc.admin().await;
    let an = svc.surveyor("an").await;
    let chi = svc.supervisor("chi").await;
    let period = PERIOD.to_string();
    let get = |what, who, uri: &str, status, vi: &str, en: &str| ErrorCase {
        what,
        who,
        method: Method::GET,
        uri: uri.into(),
        form: Vec::new(),
        status,
        vi: vi.into(),
        en: en.into(),
    };
    let post =
        |what, who, uri: &str, form: Vec<(&'static str, String)>, vi: &str, en: &str| ErrorCase {
            what,
            who,
            method: Method::POST,
            uri: uri.into(),
            form,
            status: StatusCode::UNPROCESSABLE_ENTITY,
            vi: vi.into(),
            en: en.into(),
        };
    let cases = [
        get(
            "a page above the user's role",
            "an",
            "/admin/users",
            StatusCode::FORBIDDEN,
            "Không có quyền truy cập",
            "Access denied",
        ),
        get(
            "a year that is no year on the PAR INDEX page",
            "admin",
            "/parindex?period=abc",
            StatusCode::UNPROCESSABLE_ENTITY,
            "Năm phải là một năm, ví dụ 2025.",
            "The year must be a year, e.g. 2025.",
        ),
        get(
            "an end before the start on the SIPAS page",
            "admin",
            &format!(
                "/sipas?survey=sipas-counter&period={PERIOD}&from={PERIOD}-06-10&to={PERIOD}-06-01"
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "“Từ ngày” đang sau “Đến ngày”",
            "“From” is after “To”",
        ),
        post(
            "a paper batch of no forms",
            "chi",
            "/entry/batches",
            vec![
                ("survey", HOUSEHOLD.into()),
                ("unit", WARD.into()),
                ("period", period.clone()),
                ("expected", "0".into()),
            ],
            "số phiếu của lô phải từ 1 đến 10.000",
            "a batch holds from 1 to 10,000 forms",
        ),
        post(
            "a campaign in a year out of range",
            "admin",
            "/campaigns",
            vec![
                ("survey", "parindex-officials-2022".into()),
                ("period", "1999".into()),
            ],
            "năm khảo sát phải trong khoảng 2000–2100",
            "the survey year must be between 2000 and 2100",
        ),
        post(
            "slip codes for a unit that does not exist",
            "admin",
            "/codes",
            vec![
                ("unit", "KHONG-CO".into()),
                ("survey", "sipas-counter".into()),
                ("count", "5".into()),
            ],
            "không có đơn vị “KHONG-CO”",
            "there is no unit “KHONG-CO”",
        ),
        post(
            "entered points that are no number",
            "admin",
            "/parindex/criteria/3.4.1",
            vec![
                ("period", period.clone()),
                ("points", "abc".into()),
                ("evidence", "Báo cáo 12/BC-VP".into()),
            ],
            "Điểm “abc” không phải là một số",
            "“abc” is not a number of points",
        ),
    ];
    for case in &cases {
        let who = match case.who {
            "admin" => &admin,
            "an" => &an,
            _ => &chi,
        };
        for lang in ["vi", "en"] {
            let browser = who.in_lang((lang == "en").then_some("en"));
            let Answer {
                status, text: body, ..
            } = if case.method == Method::POST {
                browser.post_form(&case.uri, &case.form).await
            } else {
                browser.get(&case.uri).await
            };
            let what = case.what;
            assert_eq!(status, case.status, "{what} ({lang}):\n{body}");
            assert_eq!(html_lang(&body), lang, "{what} ({lang}):\n{body}");
            let (said, not_said) = match lang {
                "en" => (&case.en, &case.vi),
                _ => (&case.vi, &case.en),
            };
            assert!(
                body.contains(said.as_str()),
                "{what} ({lang}) says {said:?}:\n{body}"
            );
            assert!(
                !body.contains(not_said.as_str()),
                "{what} ({lang}) does not say {not_said:?}:\n{body}"
            );
            if lang == "en" && case.method == Method::GET {
                // An error page holds nothing but the error: no Vietnamese in it at all.
                let text = main_text(&body);
                let letters = vietnamese_letters(&text);
                assert!(
                    letters.is_empty(),
                    "{what} in English: {letters:?} in {text}"
                );
            }
        }
    }
}

/// Paper keying: what the paper does not allow, and what the keyer cannot do, each in the
/// reader's language beside the form.
#[actix_web::test]
async fn paper_keying_errors_follow_the_readers_language() {
    let (app, fx) = app_with_fixtures();
    let svc = service!(app);
    let an = svc.surveyor("an").await;
    let key = |serial: &str, code: &str| {
        serde_urlencoded::to_string([
            ("csrf", an.csrf.as_str()),
            ("serial", serial),
            ("date", "15/06/2025"),
            ("bg.gioi_tinh", "2"),
            ("bg.do_tuoi", "3"),
            ("q.C8.4", "1"),
            ("q.E1.1", code),
        ])
        .unwrap()
    };
    // A code not on the paper, and a form without its serial.
    let cases = [
        (
            key("003", "7"),
            "không phải mã trên phiếu",
            "is not a code on the paper",
        ),
        (
            key("", "4"),
            "hãy gõ mã phiếu in trên phiếu",
            "type the serial printed on the form",
        ),
    ];
    for (form, vi, en) in cases {
        for lang in ["vi", "en"] {
            let body = an
                .in_lang((lang == "en").then_some("en"))
                .post_encoded(format!("/entry/batches/{}/key", fx.batch), form.clone())
                .await
                .text_with(StatusCode::UNPROCESSABLE_ENTITY);
            let (said, not_said) = if lang == "en" { (en, vi) } else { (vi, en) };
            assert!(
                body.contains(said),
                "keying ({lang}) says {said:?}:\n{body}"
            );
            assert!(
                !body.contains(not_said),
                "keying ({lang}) not {not_said:?}:\n{body}"
            );
        }
    }
}
