//! Campaigns: officials answer the PAR INDEX survey through one-time links, page by page; a
//! link admits one answer; lists are checked row by row; and nothing stored, shown or logged
//! joins a person or a link to an answer.

use crate::harness::*;
use actix_web::http::StatusCode;
use chiso::clock::Clock;
use chiso::db::AnyConnection;
use chiso::features::campaigns::service::{self as campaigns, NewCampaign};
use diesel::sql_types::Text;
use diesel::RunQueryDsl;

const SURVEY: &str = "parindex-officials-2022";

fn list_csv(rows: &[(&str, &str, &str)]) -> String {
    let mut s = String::from("name,group,unit,contact\n");
    for (name, group, unit) in rows {
        s.push_str(&format!("{name},{group},{unit},{name}@example.vn\n"));
    }
    s
}

/// An open campaign of the officials' survey for this app's period, with `people`.
fn open_campaign(app: &TestApp, people: &[(&str, &str, &str)]) -> String {
    let new = NewCampaign {
        survey: SURVEY.into(),
        period: PERIOD,
        organiser: "Sở Nội vụ thành phố Cần Thơ".into(),
        ..Default::default()
    };
    let (c, n) = campaigns::create(
        &app.state,
        "test",
        new,
        Some(campaigns::ListSource::Text(&list_csv(people))),
    )
    .unwrap();
    assert_eq!(n, people.len());
    campaigns::open(&app.state, "test", &c.id).unwrap();
    c.id
}

/// An open campaign asking `n` district leaders of Cần Thơ named “`name` 0”, “`name` 1”…: its
/// id, and name → token of their freshly issued links.
fn district_leaders_asked(app: &TestApp, name: &str, n: usize) -> (String, Vec<(String, String)>) {
    let people: Vec<(String, &str, &str)> = (0..n)
        .map(|i| (format!("{name} {i}"), "lanh_dao_huyen", "CT"))
        .collect();
    let rows: Vec<(&str, &str, &str)> = people
        .iter()
        .map(|(n, g, u)| (n.as_str(), *g, *u))
        .collect();
    let id = open_campaign(app, &rows);
    let links = links(app, &id);
    (id, links)
}

/// Name → token of freshly issued links.
fn links(app: &TestApp, id: &str) -> Vec<(String, String)> {
    let (_, links) = campaigns::issue_links(&app.state, "test", id).unwrap();
    links.into_iter().map(|l| (l.name, l.token)).collect()
}

fn token_of<'a>(links: &'a [(String, String)], name: &str) -> &'a str {
    &links.iter().find(|(n, _)| n == name).unwrap().1
}

/// An open campaign asking one official, `name` of `group` at `unit`: its id, and the token
/// of their freshly issued one-time link.
fn one_official_asked(app: &TestApp, name: &str, group: &str, unit: &str) -> (String, String) {
    let id = open_campaign(app, &[(name, group, unit)]);
    let links = links(app, &id);
    let token = token_of(&links, name).to_string();
    (id, token)
}

/// The page one-time link `token` leads to, opened by anyone; it must answer `status`.
async fn link_page(web: &Web, token: &str, status: StatusCode) -> String {
    web.anonymous()
        .get(format!("/i/{token}"))
        .await
        .text_with(status)
}

/// Every hidden field of a page, in order.
fn hidden_fields(html: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find("type=\"hidden\" name=\"") {
        rest = &rest[at + 20..];
        let name = &rest[..rest.find('"').unwrap()];
        let v = rest.find("value=\"").unwrap();
        let after = &rest[v + 7..];
        let value = &after[..after.find('"').unwrap()];
        out.push((name.to_string(), value.to_string()));
    }
    out
}

/// The item codes of each section of the officials' form.
fn sections(app: &TestApp) -> Vec<Vec<String>> {
    app.state
        .catalog
        .get(SURVEY)
        .unwrap()
        .sections
        .iter()
        .map(|s| s.items.iter().map(|i| i.code.clone()).collect())
        .collect()
}

/// The fields of the form's last page submitted with every question answered `value`, as a
/// page posting all answers at once would send them (no submission id: each tab adds its own).
fn every_answer_submitted(app: &TestApp, value: &str) -> Vec<(String, String)> {
    let mut fields = vec![("page".to_string(), "4".to_string())];
    for codes in sections(app) {
        for c in codes {
            fields.push((format!("a:{c}"), value.into()));
        }
    }
    fields.push(("go".into(), "submit".into()));
    fields
}

/// Answers the whole form through the link, page by page, as a browser posts it (earlier
/// answers come back in hidden fields); returns the answer to the final submit and the
/// fields it posted.
async fn answer_all(
    web: &Web,
    app: &TestApp,
    token: &str,
    value: &str,
) -> (Answer, Vec<(String, String)>) {
    let respondent = web.anonymous();
    let uri = format!("/i/{token}");
    let Answer {
        status, text: page, ..
    } = respondent.get(&uri).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let secs = sections(app);
    let mut hidden = hidden_fields(&page);
    // From the welcome page to page 0; then each page's answers, to the next page; the last
    // page's answers submit.
    for i in 0..=secs.len() {
        let mut fields: Vec<(String, String)> = hidden
            .iter()
            .filter(|(k, _)| k != "page")
            .cloned()
            .collect();
        if i == 0 {
            fields.push(("page".into(), "start".into()));
            fields.push(("go".into(), "0".into()));
        } else {
            fields.push(("page".into(), (i - 1).to_string()));
            for code in &secs[i - 1] {
                fields.push((format!("a:{code}"), value.to_string()));
            }
            let go = if i == secs.len() {
                "submit".to_string()
            } else {
                i.to_string()
            };
            fields.push(("go".into(), go));
        }
        let answer = respondent.post_form(&uri, &fields).await;
        if i == secs.len() {
            return (answer, fields);
        }
        assert_eq!(answer.status, StatusCode::OK, "page {i}: {}", answer.text);
        assert!(
            answer
                .text
                .contains(&format!("Phần {} / {}", i + 1, secs.len())),
            "{}",
            answer.text
        );
        hidden = hidden_fields(&answer.text);
    }
    unreachable!("the last page submits")
}

#[derive(diesel::QueryableByName)]
struct Line {
    #[diesel(sql_type = Text)]
    line: String,
}

fn columns(conn: &mut AnyConnection, table: &str) -> Vec<String> {
    columns_where(conn, table, "1 = 1")
}

/// The text columns of a table (the packed counts are numbers in a blob).
pub(crate) fn text_columns(conn: &mut AnyConnection, table: &str) -> Vec<String> {
    let cond = match conn {
        AnyConnection::Sqlite(_) => "type <> 'BLOB'",
        AnyConnection::Postgresql(_) => "data_type <> 'bytea'",
    };
    columns_where(conn, table, cond)
}

pub(crate) fn columns_where(conn: &mut AnyConnection, table: &str, cond: &str) -> Vec<String> {
    let q = match conn {
        AnyConnection::Sqlite(_) => {
            format!("SELECT name AS line FROM pragma_table_info('{table}') WHERE {cond}")
        }
        AnyConnection::Postgresql(_) => format!(
            "SELECT CAST(column_name AS TEXT) AS line FROM information_schema.columns \
             WHERE table_name = '{table}' AND table_schema = current_schema() AND {cond}"
        ),
    };
    let rows: Vec<Line> = diesel::sql_query(q).load(conn).unwrap();
    rows.into_iter().map(|r| r.line).collect()
}

/// Every row of a table as one line of text (all columns).
pub(crate) fn dump(conn: &mut AnyConnection, table: &str) -> Vec<String> {
    let cols = text_columns(conn, table);
    assert!(!cols.is_empty(), "{table} has columns");
    let expr = cols
        .iter()
        .map(|c| format!("COALESCE(CAST({c} AS TEXT), '')"))
        .collect::<Vec<_>>()
        .join(" || '|' || ");
    let rows: Vec<Line> = diesel::sql_query(format!("SELECT {expr} AS line FROM {table}"))
        .load(conn)
        .unwrap();
    rows.into_iter().map(|r| r.line).collect()
}

fn response_rows(
    conn: &mut AnyConnection,
) -> Vec<(String, String, String, String, Option<String>)> {
    use chiso::db::schema::responses::dsl::*;
    use diesel::prelude::*;
    responses
        .select((id, channel, unit_code, created_at, respondent_group))
        .load(conn)
        .unwrap()
}

#[actix_web::test]
async fn an_official_answers_page_by_page_and_the_link_is_then_used() {
    let app = TestApp::builder().build();
    let (id, token) = one_official_asked(&app, "Nguyễn Văn An", "hdnd", "SNV");
    let svc = service!(app);
    let uri = format!("/i/{token}");

    let page = svc.anonymous().get(&uri).await.text_with(StatusCode::OK);
    assert_says(&page, &["Sở Nội vụ thành phố Cần Thơ", "Cam kết bảo mật"]);
    assert!(
        page.contains("Đại biểu HĐND thành phố"),
        "the group is named"
    );

    // Moving on without answering names every question left, and stays on the page.
    let sid = hidden_fields(&page)
        .into_iter()
        .find(|(k, _)| k == "submission_id")
        .unwrap()
        .1;
    let first = sections(&app)[0].clone();
    let Answer {
        status, text: p, ..
    } = svc
        .anonymous()
        .post_form(
            &uri,
            &[
                ("submission_id".to_string(), sid.clone()),
                ("page".into(), "0".into()),
                (format!("a:{}", first[0]), "4".into()),
                ("go".into(), "1".into()),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    for code in &first[1..] {
        assert!(
            p.contains(&format!("Câu {code}: xin chọn một mức đánh giá.")),
            "{p}"
        );
    }
    assert!(p.contains("Phần 1 / 5"));
    assert!(
        p.contains("value=\"4\" required checked"),
        "the answer given is kept"
    );
    assert_eq!(app.responses(), 0, "nothing is stored before the submit");

    let (
        Answer {
            status,
            text: thanks,
            ..
        },
        fields,
    ) = answer_all(&svc, &app, &token, "4").await;
    assert_eq!(status, StatusCode::OK, "{thanks}");
    assert!(thanks.contains("đã được ghi nhận"));
    assert_eq!(app.responses(), 1);
    let mut conn = app.state.pool.get().unwrap();
    let rows = response_rows(&mut conn);
    let (rid, channel, unit, created, group) = rows[0].clone();
    assert_eq!(channel, "invitation");
    assert_eq!(
        unit, "CT",
        "counted under the campaign's unit, not the person's agency"
    );
    assert_eq!(group.as_deref(), Some("hdnd"));
    assert_eq!(created, "", "no day: the campaign's period only");
    assert_eq!(uuid::Uuid::parse_str(&rid).unwrap().get_version_num(), 4);
    drop(conn);

    // The link now says so, shows no form, and stores nothing.
    let page = svc.anonymous().get(&uri).await.text_with(StatusCode::GONE);
    assert!(page.contains("Phiếu đã được trả lời") && !page.contains("<form"));
    // The final page sent again (a reload): thanked, stored once.
    let Answer { status, .. } = svc.anonymous().post_form(&uri, &fields.clone()).await;
    assert_eq!(status, StatusCode::OK);
    // Another tab's page, with its own submission id: refused.
    let mut other = fields.clone();
    for f in other.iter_mut().filter(|(k, _)| k == "submission_id") {
        f.1 = uuid::Uuid::new_v4().to_string();
    }
    let page = svc
        .anonymous()
        .post_form(&uri, &other)
        .await
        .text_with(StatusCode::GONE);
    assert!(page.contains("Phiếu đã được trả lời"));
    assert_eq!(app.responses(), 1);

    let t = campaigns::tracking(&app.state, &id).unwrap();
    assert_eq!(t.total.invited, 1);
    assert_eq!(
        t.total.answered,
        Some(1),
        "the list names who answered: no count hidden"
    );
}

#[actix_web::test]
async fn two_tabs_submitting_at_once_store_one_answer() {
    let app = TestApp::builder().build();
    let (_, token) = one_official_asked(&app, "Trần Thị Bình", "lanh_dao_so", "SNV");
    let svc = service!(app);
    let uri = format!("/i/{token}");
    let fields = every_answer_submitted(&app, "5");
    let tab = || {
        let mut f = fields.clone();
        f.push(("submission_id".into(), uuid::Uuid::new_v4().to_string()));
        f
    };
    let (first, second) = (tab(), tab());
    let respondent = svc.anonymous();
    let (a, b) = futures_util::future::join(
        respondent.post_form(&uri, &first),
        respondent.post_form(&uri, &second),
    )
    .await;
    let mut statuses = [a.status.as_u16(), b.status.as_u16()];
    statuses.sort();
    assert_eq!(statuses, [200, 410]);
    assert_eq!(app.responses(), 1);
}

#[actix_web::test]
async fn revoked_unknown_and_closed_links_are_refused_and_store_nothing() {
    let app = TestApp::builder().build();
    let id = open_campaign(
        &app,
        &[
            ("Lê Văn Cường", "lanh_dao_phong", "SNV"),
            ("Phạm Thị Dung", "hdnd", "CT"),
        ],
    );
    let first = links(&app, &id);
    let svc = service!(app);
    let people = campaigns::respondents(&app.state, &id).unwrap();
    let cuong = people.iter().find(|p| p.name == "Lê Văn Cường").unwrap();

    let page = link_page(&svc, &"0".repeat(64), StatusCode::NOT_FOUND).await;
    assert!(page.contains("Đường dẫn không đúng") && !page.contains("<form"));

    campaigns::revoke(&app.state, "test", &id, &cuong.id).unwrap();
    let old = token_of(&first, "Lê Văn Cường").to_string();
    let page = link_page(&svc, &old, StatusCode::GONE).await;
    assert!(page.contains("thu hồi"));
    // A full answer through the revoked link stores nothing.
    let mut fields = every_answer_submitted(&app, "3");
    fields.push(("submission_id".into(), uuid::Uuid::new_v4().to_string()));
    let Answer { status, .. } = svc
        .anonymous()
        .post_form(format!("/i/{old}"), &fields.clone())
        .await;
    assert_eq!(status, StatusCode::GONE);

    // Reissued: the new link works, the old one says it was replaced and whom to ask.
    let new = campaigns::reissue(&app.state, "test", &id, &cuong.id).unwrap();
    let Answer { status, .. } = svc.anonymous().get(format!("/i/{}", new.token)).await;
    assert_eq!(status, StatusCode::OK);
    let page = link_page(&svc, &old, StatusCode::GONE).await;
    assert_says(&page, &["đã được thay", "liên hệ"]);

    // Closing expires every link.
    campaigns::close(&app.state, "test", &id).unwrap();
    let dung = token_of(&first, "Phạm Thị Dung").to_string();
    let page = link_page(&svc, &dung, StatusCode::GONE).await;
    assert!(page.contains("đã kết thúc"));
    let Answer { status, .. } = svc
        .anonymous()
        .post_form(format!("/i/{dung}"), &fields)
        .await;
    assert_eq!(status, StatusCode::GONE);
    assert_eq!(app.responses(), 0);
    // No links for a closed campaign, and no one added to it.
    assert!(campaigns::issue_links(&app.state, "test", &id).is_err());
    let list = list_csv(&[("Mới", "hdnd", "CT")]);
    let err = campaigns::add_list(&app.state, "test", &id, campaigns::ListSource::Text(&list))
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("dòng 2: row: đợt khảo sát đã đóng"),
        "{err}"
    );

    // A draft campaign's links do not open yet.
    let new = NewCampaign {
        survey: SURVEY.into(),
        period: PERIOD,
        ..Default::default()
    };
    let (draft, _) = campaigns::create(
        &app.state,
        "test",
        new,
        Some(campaigns::ListSource::Text(&list_csv(&[(
            "Võ Văn E",
            "hdnd",
            "CT",
        )]))),
    )
    .unwrap();
    let l = links(&app, &draft.id);
    let page = link_page(&svc, &l[0].1, StatusCode::NOT_FOUND).await;
    assert!(page.contains("chưa mở"));
}

#[actix_web::test]
async fn admins_run_a_campaign_in_the_browser_and_bad_lists_store_nothing() {
    let app = spawn_app_with_staff(&[("lan", Role::Supervisor)]);
    let svc = service!(app);
    let admin = svc.admin().await;
    let lan = svc.supervisor("lan").await;

    let page_uri = campaign_drafted_on_page(&admin, SURVEY, "2025", "PAR INDEX 2025").await;
    // A supervisor reads, but may not change.
    let page = lan.get(&page_uri).await.text_with(StatusCode::OK);
    assert_says(&page, &["PAR INDEX 2025", "đang chuẩn bị"]);
    let Answer { status, .. } = lan
        .post_form(format!("{page_uri}/open"), &[("format", "")])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let bad = "name,group,unit,contact\n\
               Nguyễn Văn An,hdnd,CT,\n\
               Nguyễn  văn an,hdnd,CT,\n\
               Trần Thị Bình,bogus,SNV,\n\
               Lê Văn Cường,hdnd,NOWHERE,\n";
    let page = admin
        .post_form(format!("{page_uri}/list"), &[("list", bad)])
        .await
        .text_with(StatusCode::UNPROCESSABLE_ENTITY);
    assert_says(
        &page,
        &[
            "dòng 3: name: “Nguyễn văn an” (CT) trùng với dòng 2",
            "dòng 4: group: không có nhóm “bogus”",
            "dòng 5: unit: không có đơn vị “NOWHERE”",
        ],
    );
    assert!(
        page.contains("Lê Văn Cường,hdnd,NOWHERE"),
        "the list is kept to correct"
    );
    let id = page_uri.trim_start_matches("/campaigns/").to_string();
    assert!(campaigns::respondents(&app.state, &id).unwrap().is_empty());

    // A good list, one person by hand, and one already on the list.
    let good: Vec<(String, &str, &str)> = (0..7)
        .map(|i| {
            (
                format!("Cán bộ {i}"),
                if i < 6 { "hdnd" } else { "lanh_dao_so" },
                "SNV",
            )
        })
        .collect();
    let rows: Vec<(&str, &str, &str)> = good.iter().map(|(n, g, u)| (n.as_str(), *g, *u)).collect();
    // A change answers with a redirect to the campaign's page, which says what was done once.
    let added = admin
        .post_form(
            format!("{page_uri}/list"),
            &[("list", list_csv(&rows).as_str())],
        )
        .await;
    assert_eq!(added.location.as_deref(), Some(page_uri.as_str()));
    let page = admin.follow(added).await.text_with(StatusCode::OK);
    assert!(page.contains("Đã thêm 7 người"));
    let again = admin.get(&page_uri).await.text_with(StatusCode::OK);
    assert!(!again.contains("Đã thêm 7 người"), "said once");
    let person = [
        ("name", "Đặng Văn Giang"),
        ("group", "lanh_dao_so"),
        ("unit", "STP"),
        ("contact", "0901"),
    ];
    let Answer { status, .. } = admin.post_form(format!("{page_uri}/people"), &person).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let page = admin
        .post_form(format!("{page_uri}/people"), &person)
        .await
        .text_with(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("đã có trong danh sách"));

    let Answer { status, .. } = admin
        .post_form(format!("{page_uri}/open"), &[("format", "")])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    // The CSV for mail merge, then the printable sheet (which reissues every link).
    let csv = admin
        .post_form(format!("{page_uri}/links"), &[("format", "csv")])
        .await
        .text_with(StatusCode::OK);
    assert!(csv.starts_with("\u{feff}name,group,link\n"), "{csv}");
    assert_eq!(csv.lines().count(), 9);
    let sheet = admin
        .post_form(format!("{page_uri}/links"), &[("format", "sheet")])
        .await
        .text_with(StatusCode::OK);
    assert_eq!(sheet.matches("<svg").count(), 8, "a QR code per person");
    let tokens: Vec<String> = sheet
        .split("/i/")
        .skip(1)
        .map(|s| s.chars().take(64).collect())
        .collect();
    // The CSV's links were replaced by the sheet's.
    let old = csv
        .lines()
        .nth(1)
        .unwrap()
        .rsplit("/i/")
        .next()
        .unwrap()
        .to_string();
    assert!(!tokens.contains(&old));
    let Answer { status, .. } = svc.anonymous().get(format!("/i/{old}")).await;
    assert_eq!(status, StatusCode::GONE, "replaced");

    // Six of the hdnd group and one other answer; Giang does not.
    let names: Vec<String> = good.iter().map(|(n, _, _)| n.clone()).collect();
    for name in &names {
        let at = sheet.find(&format!("<strong>{name}</strong>")).unwrap();
        let token: String = sheet[at..]
            .split("/i/")
            .nth(1)
            .unwrap()
            .chars()
            .take(64)
            .collect();
        let (
            Answer {
                status, text: page, ..
            },
            _,
        ) = answer_all(&svc, &app, &token, "5").await;
        assert_eq!(status, StatusCode::OK, "{page}");
    }
    assert_eq!(app.responses(), 7);

    // Tracking: counts only, every one shown, since the list beside them says who answered
    // (nothing is hidden there that the list tells); the reminder list names who has not.
    let page = lan.get(&page_uri).await.text_with(StatusCode::OK);
    assert_says(&page, &["Theo nhóm", "Theo cơ quan, đơn vị"]);
    assert!(
        !page.contains("&lt; 5") && !page.contains("dưới 5</strong>"),
        "no count hidden beside a list of who answered: {page}"
    );
    assert!(page.contains("Đã trả lời"), "each person's status");
    let t = campaigns::tracking(&app.state, &id).unwrap();
    assert_eq!(t.total.answered, Some(7));
    let cells: Vec<Option<i64>> = t
        .by_group
        .iter()
        .chain(&t.by_unit)
        .map(|r| r.answered)
        .collect();
    assert!(!cells.contains(&None), "{cells:?}");
    assert!(
        cells.contains(&Some(1)) && cells.contains(&Some(6)),
        "{cells:?}"
    );
    let csv = lan
        .get(format!("{page_uri}/reminders.csv"))
        .await
        .text_with(StatusCode::OK);
    assert_eq!(
        csv.trim_start_matches('\u{feff}').trim(),
        "name,group,unit,contact\nĐặng Văn Giang,lanh_dao_so,STP,0901"
    );
}

#[actix_web::test]
async fn nothing_stored_joins_a_person_or_a_link_to_an_answer() {
    let app = TestApp::builder().build();
    let (id, links) = district_leaders_asked(&app, "Người", 6);
    let svc = service!(app);
    for (_, token) in &links {
        let (Answer { status, .. }, _) = answer_all(&svc, &app, token, "2").await;
        assert_eq!(status, StatusCode::OK);
    }
    assert_eq!(app.responses(), 6);

    let mut conn = app.state.pool.get().unwrap();
    let respondent_ids: Vec<String> = campaigns::respondents(&app.state, &id)
        .unwrap()
        .into_iter()
        .map(|p| p.id)
        .collect();
    let hashes: Vec<String> = links
        .iter()
        .map(|(_, t)| chiso::secrets::hash_token(t))
        .collect();
    let secrets: Vec<&str> = respondent_ids
        .iter()
        .chain(&hashes)
        .map(String::as_str)
        .chain(links.iter().map(|(_, t)| t.as_str()))
        .chain(links.iter().map(|(name, _)| name.as_str()))
        .collect();
    let responses: Vec<String> = response_rows(&mut conn).into_iter().map(|r| r.0).collect();
    for table in [
        "responses",
        "answers",
        "slice_counts",
        "response_tallies",
        "audit_log",
    ] {
        let cols = columns(&mut conn, table);
        for c in &cols {
            assert!(
                !c.contains("respondent_id")
                    && !c.contains("token")
                    && !c.contains("campaign")
                    && c != "name",
                "{table}.{c} could join an answer to a person"
            );
        }
        for line in dump(&mut conn, table) {
            for s in &secrets {
                assert!(!line.contains(s), "{table} holds {s}: {line}");
            }
            if table == "audit_log" {
                for r in &responses {
                    assert!(
                        !line.contains(r.as_str()),
                        "an audit entry names a response: {line}"
                    );
                }
            }
        }
    }
    for (rid, channel, _, created, _) in response_rows(&mut conn) {
        assert_eq!(channel, "invitation");
        assert_eq!(created, "", "no day, let alone a time");
        assert_ne!(uuid::Uuid::parse_str(&rid).unwrap().get_version_num(), 7);
    }
    // The respondents' table holds whether they answered, no more.
    for line in dump(&mut conn, "respondents") {
        for r in &responses {
            assert!(!line.contains(r.as_str()));
        }
    }
}

#[test]
fn the_campaign_commands_and_a_served_link_keep_tokens_out_of_the_log() {
    let (dir, db, _guard) = process_database();
    // A campaign created from the list `rows`, saved as `name`.
    let create = |name, rows| create_campaign(&db, &respondents_file(dir.path(), name, rows));
    let out = create(
        "nguoi.csv",
        "Nguyễn Văn An,hdnd,CT,an@example.vn\nTrần Thị Bình,lanh_dao_so,SNV,\n",
    );
    let id = campaign_id(&out);
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(uuid::Uuid::parse_str(&id).is_ok(), "{stdout}");

    // A bad list: every row's problem, exit 1, no campaign.
    let out = create("sai.csv", "A,hdnd,CT,\nA,hdnd,CT,\nB,xx,CT,\nC,hdnd,ZZ,\n");
    let t = text(&out);
    assert!(!out.status.success());
    assert_says(&t, &["dòng 3: name", "dòng 4: group", "dòng 5: unit"]);
    let listed = String::from_utf8_lossy(&chiso(&db, &["campaign", "list"]).stdout).to_string();
    assert_eq!(listed.lines().count(), 1, "{listed}");

    let server_addr = format!("127.0.0.1:{}", free_port());
    let csv = campaign_links(&db, &id, &server_addr);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "name,group,link");
    assert_eq!(lines.len(), 3);
    assert!(lines[1].starts_with("Nguyễn Văn An,hdnd,http://"), "{csv}");
    let tokens: Vec<String> = lines[1..]
        .iter()
        .map(|l| l.rsplit("/i/").next().unwrap().to_string())
        .collect();
    assert!(tokens.iter().all(|t| t.len() == 64));

    // A real server, logging at info: the link is opened and answered; no token in the log.
    let server = start_logged_server(&db, &server_addr, dir.path());
    let mut c = chiso::http_client::Client::new(&server_addr);
    let token = &tokens[0];
    let r = c.request("GET", &format!("/i/{token}"), None, b"").unwrap();
    assert_eq!(r.status, 200);
    let surveys = chiso::startup::load_definitions(&surveys_dir())
        .ok()
        .unwrap();
    let survey = surveys.catalog.get(SURVEY).unwrap();
    let mut fields = vec![
        (
            "submission_id".to_string(),
            uuid::Uuid::new_v4().to_string(),
        ),
        ("page".into(), (survey.sections.len() - 1).to_string()),
        ("go".into(), "submit".into()),
    ];
    for item in survey.items() {
        fields.push((format!("a:{}", item.code), "4".into()));
    }
    let body = serde_urlencoded::to_string(&fields).unwrap();
    let form = [("Content-Type", "application/x-www-form-urlencoded")];
    let r = c
        .send("POST", &format!("/i/{token}"), &form, body.as_bytes())
        .unwrap();
    assert_eq!(r.status, 200, "{}", r.body);
    let r = c.request("GET", &format!("/i/{token}"), None, b"").unwrap();
    assert_eq!(r.status, 410);
    let r = c
        .request("GET", &format!("/i/{}", tokens[1]), None, b"")
        .unwrap();
    assert_eq!(r.status, 200);
    let logged = server.stop_and_read_log();
    // Answering is not logged at all: a log line carries the time.
    assert!(!logged.contains("/i/"), "{logged}");
    for t in &tokens {
        assert!(!logged.contains(t.as_str()), "a token in the log: {logged}");
        assert!(!logged.contains(&t[..16]));
    }

    // Closing from the command line expires the links.
    let out = chiso(&db, &["campaign", "close", &id]);
    assert!(
        out.status.success() && text(&out).contains("closed"),
        "{}",
        text(&out)
    );
    let out = chiso(&db, &["campaign", "links", &id]);
    assert!(!out.status.success());
}

#[actix_web::test]
async fn admins_print_codes_for_appointment_slips() {
    let app = spawn_app_with_staff(&[("lan", Role::Supervisor)]);
    let svc = service!(app);
    let admin = svc.admin().await;
    let lan = svc.supervisor("lan").await;
    let page = admin
        .get(String::from("/codes"))
        .await
        .text_with(StatusCode::OK);
    assert!(page.contains("sipas-counter") && !page.contains("value=\"parindex-officials-2022\""));
    let Answer { status, .. } = lan.get(String::from("/codes")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let form = |format: &'static str| {
        [
            ("survey", "sipas-counter"),
            ("unit", "NK-P-CAI-KHE"),
            ("count", "4"),
            ("days", "30"),
            ("format", format),
        ]
    };
    let labels = admin
        .post_form(String::from("/codes"), &form("labels"))
        .await
        .text_with(StatusCode::OK);
    assert_eq!(labels.matches("<svg").count(), 4, "a QR code per label");
    assert!(labels.contains("20/07/2025"));
    let csv = admin
        .post_form(String::from("/codes"), &form("csv"))
        .await
        .text_with(StatusCode::OK);
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines[0], "code,url");
    assert_eq!(lines.len(), 5);
    let code = lines[1].split(',').next().unwrap();
    let Answer { status, .. } = svc.anonymous().get(format!("/o/{code}")).await;
    assert_eq!(status, StatusCode::OK);
    let page = admin
        .post_form(
            String::from("/codes"),
            &[
                ("survey", "sipas-counter"),
                ("unit", "NK-P-CAI-KHE"),
                ("count", "0"),
                ("days", "30"),
            ],
        )
        .await
        .text_with(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("số mã phải từ 1 đến 10000"));
}

/// A respondent list as an Excel workbook: header, then (name, group, unit) rows.
fn list_xlsx(rows: &[(&str, &str, &str)]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["name", "group", "unit", "contact"].iter().enumerate() {
        sheet.write(0, c as u16, *h).unwrap();
    }
    for (r, (name, group, unit)) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        sheet.write(r, 0, *name).unwrap();
        sheet.write(r, 1, *group).unwrap();
        sheet.write(r, 2, *unit).unwrap();
        // A telephone number typed as a number, as Excel keeps it.
        sheet.write(r, 3, 912345678.0).unwrap();
    }
    book.save_to_buffer().unwrap()
}

/// A list file uploaded as the campaign page's form sends it.
fn list_upload(csrf: &str, filename: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    multipart(&[("csrf", csrf)], &[("file", filename, bytes)])
}

#[actix_web::test]
async fn a_list_uploaded_as_excel_is_checked_row_by_row_and_links_use_the_public_address() {
    let app = TestApp::builder()
        .settings(|s| s.public_url = "https://khaosat.cantho.gov.vn".into())
        .build();
    let svc = service!(app);
    let admin = svc.admin().await;
    let id = open_campaign(&app, &[("Lê Văn Cũ", "hdnd", "CT")]);
    let uri = format!("/campaigns/{id}/list-file");

    // One bad row (an unknown group, spreadsheet row 3): every row named, nobody added.
    let bad = list_xlsx(&[
        ("Nguyễn Văn An", "hdnd", "CT"),
        ("Trần Thị Bình", "khong_co", "CT"),
    ]);
    let page = admin
        .post_multipart(&uri, list_upload(&admin.csrf, "ds.xlsx", &bad))
        .await
        .text_with(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("dòng 3") || page.contains(">3<"), "{page}");
    assert!(page.contains("khong_co"), "{page}");
    assert_eq!(campaigns::respondents(&app.state, &id).unwrap().len(), 1);

    // A file that is neither CSV text nor a workbook: refused with what to save it as.
    let resp = admin
        .post_multipart(
            &uri,
            list_upload(&admin.csrf, "ds.xls", b"\xD0\xCF\x11\xE0junk"),
        )
        .await;
    assert_eq!(resp.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(resp.text.contains(".xlsx"));
    assert_eq!(campaigns::respondents(&app.state, &id).unwrap().len(), 1);

    // A forged CSRF field stores nothing.
    let good = list_xlsx(&[
        ("Nguyễn Văn An", "hdnd", "CT"),
        ("Trần Thị Bình", "lanh_dao_so", "SNV"),
    ]);
    let resp = admin
        .post_multipart(&uri, list_upload("forged", "ds.xlsx", &good))
        .await;
    assert!(resp.status.is_client_error(), "{}", resp.status);
    assert_eq!(campaigns::respondents(&app.state, &id).unwrap().len(), 1);

    let added = admin
        .post_multipart(&uri, list_upload(&admin.csrf, "ds.xlsx", &good))
        .await;
    let resp = admin.follow(added).await;
    assert_eq!(resp.status, StatusCode::OK);
    assert!(resp.text.contains("Đã thêm 2 người"));
    let people = campaigns::respondents(&app.state, &id).unwrap();
    assert_eq!(people.len(), 3);
    assert!(people
        .iter()
        .any(|p| p.name == "Trần Thị Bình" && p.contact == "912345678"));

    // The links the page makes are on the public address, not the one the admin came in by.
    let csv = admin
        .post_form(format!("/campaigns/{id}/links"), &[("format", "csv")])
        .await
        .text_with(StatusCode::OK);
    assert!(
        csv.lines()
            .skip(1)
            .all(|l| l.contains(",https://khaosat.cantho.gov.vn/i/")),
        "{csv}"
    );
}

#[test]
fn a_campaign_is_created_from_an_excel_list_on_the_command_line() {
    let (dir, db, _guard) = process_database();
    let year = Clock::System.year().to_string();
    let file = dir.path().join("nguoi.xlsx");
    std::fs::write(
        &file,
        list_xlsx(&[
            ("Nguyễn Văn An", "hdnd", "CT"),
            ("Trần Thị Bình", "lanh_dao_so", "SNV"),
        ]),
    )
    .unwrap();
    let args = |f: &str| {
        vec![
            "campaign".to_string(),
            "create".into(),
            "--survey".into(),
            SURVEY.into(),
            "--period".into(),
            year.clone(),
            "--respondents".into(),
            f.to_string(),
        ]
    };
    let run = |a: Vec<String>| chiso(&db, &a.iter().map(String::as_str).collect::<Vec<_>>());
    let out = run(args(file.to_str().unwrap()));
    assert!(out.status.success(), "{}", text(&out));
    assert_said(&out, "with 2 respondents");

    // A bad row in a workbook is named by its spreadsheet row; nothing is created.
    let bad = dir.path().join("sai.xlsx");
    std::fs::write(&bad, list_xlsx(&[("A", "hdnd", "CT"), ("B", "hdnd", "ZZ")])).unwrap();
    let out = run(args(bad.to_str().unwrap()));
    assert!(!out.status.success());
    assert_said(&out, "dòng 3: unit");
    let listed = String::from_utf8_lossy(&chiso(&db, &["campaign", "list"]).stdout).to_string();
    assert_eq!(listed.lines().count(), 1, "{listed}");
}

/// What every reader can read of the officials' survey — every page as a viewer, a supervisor
/// and an admin, the scores and PAR INDEX API as a viewer's token, the raw export as a
/// supervisor's — as (what, status and body) pairs.
macro_rules! read_everything {
    ($svc:expr, $app:expr, $browsers:expr) => {{
        let q = format!("survey={SURVEY}&period={PERIOD}");
        let pages = [
            "/".to_string(),
            "/scores".to_string(),
            format!("/scores?{q}"),
            format!("/scores?{q}&unit=CT"),
            format!("/scores?{q}&unit=SNV"),
            "/parindex".to_string(),
            format!("/parindex?period={PERIOD}"),
            format!("/parindex?period={PERIOD}&unit=CT"),
            "/report".to_string(),
            format!("/report?period={PERIOD}"),
            "/public".to_string(),
            "/sipas".to_string(),
            "/papi".to_string(),
            "/agencies".to_string(),
            "/admin/kiosks".to_string(),
            "/audit".to_string(),
            // Not `/campaigns…`: staff see there who has answered (a flag, for reminders),
            // which moves with each answer by design, and never what anyone answered.
        ];
        let mut out: Vec<(String, String)> = Vec::new();
        for (name, who) in $browsers {
            for uri in &pages {
                let Answer {
                    status, text: body, ..
                } = who.get(&uri).await;
                out.push((format!("{name} {uri}"), format!("{status}\n{body}")));
            }
        }
        let api = [
            (&$app.viewer_token, format!("/api/v1/scores?{q}")),
            (&$app.viewer_token, format!("/api/v1/scores?{q}&unit=CT")),
            (&$app.viewer_token, format!("/api/v1/scores?{q}&unit=SNV")),
            (
                &$app.viewer_token,
                format!("/api/v1/parindex?period={PERIOD}"),
            ),
            (
                &$app.viewer_token,
                format!("/api/v1/parindex?period={PERIOD}&unit=CT"),
            ),
            (&$app.tokens[0], format!("/api/v1/export?{q}&format=csv")),
            (
                &$app.tokens[0],
                format!("/api/v1/export?{q}&unit=CT&format=csv"),
            ),
        ];
        for (token, uri) in api {
            let resp = $svc.token(&token).get(&uri).await;
            out.push((
                format!("token {uri}"),
                format!("{}\n{}", resp.status, resp.text),
            ));
        }
        out
    }};
}

/// The scores API's `responses` for the officials' survey of the city.
macro_rules! scored_responses {
    ($app:expr) => {{
        let (status, json) = crate::api::get(
            &$app,
            Some(&$app.viewer_token),
            &format!("/api/v1/scores?survey={SURVEY}&period={PERIOD}"),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{json}");
        json
    }};
}

#[actix_web::test]
async fn an_insider_reading_everything_before_and_after_one_answer_learns_nothing() {
    let app = TestApp::builder()
        .with_staff(&[("xem", Role::Viewer), ("lan", Role::Supervisor)])
        .with_token(Role::Supervisor)
        .build();
    let (id, links) = district_leaders_asked(&app, "Cán bộ", 7);
    let svc = service!(app);
    let browsers = [
        ("viewer", svc.viewer("xem").await),
        ("supervisor", svc.supervisor("lan").await),
        ("admin", svc.admin().await),
    ];
    // Five answered already: enough that every cell would be shown were it counted.
    for (_, token) in &links[..5] {
        let (Answer { status, .. }, _) = answer_all(&svc, &app, token, "4").await;
        assert_eq!(status, StatusCode::OK);
    }
    let before = read_everything!(svc, app, &browsers);
    // The sixth answers otherwise than the five: any figure fed by it would move.
    let (Answer { status, .. }, _) = answer_all(&svc, &app, &links[5].1, "1").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(app.responses(), 6, "stored, and acknowledged");
    let after = read_everything!(svc, app, &browsers);
    assert_eq!(before.len(), after.len());
    for ((what, a), (_, b)) in before.iter().zip(&after) {
        assert_eq!(a, b, "{what} moved with one answer");
    }
    let read = |what: &str| &before.iter().find(|(w, _)| w == what).unwrap().1;
    let q = format!("survey={SURVEY}&period={PERIOD}");
    for what in [
        format!("token /api/v1/scores?{q}"),
        format!("token /api/v1/parindex?period={PERIOD}"),
        format!("token /api/v1/export?{q}&format=csv"),
        format!("viewer /scores?{q}"),
        format!("supervisor /report?period={PERIOD}"),
    ] {
        assert!(read(&what).starts_with("200 OK"), "{what}: {}", read(&what));
    }
    // While open, the sealed answers are in no count and no export.
    assert_eq!(scored_responses!(app)["responses"], 0);
    let csv = read(&format!("token /api/v1/export?{q}&format=csv"));
    assert_eq!(
        csv.lines().count(),
        2,
        "the status and the header only: {csv}"
    );
    assert_counts_agree(&app);

    // Closed: all six counted at once, each shown cell of at least the smallest size.
    campaigns::close(&app.state, "test", &id).unwrap();
    let scores = scored_responses!(app);
    assert_eq!(scores["responses"], 6, "{scores}");
    let min_cell = app.state.settings.min_cell;
    fn shown_cells(nodes: &serde_json::Value, out: &mut Vec<(i64, bool)>) {
        for n in nodes.as_array().into_iter().flatten() {
            out.push((n["n"].as_i64().unwrap_or(0), !n["value"].is_null()));
            shown_cells(&n["children"], out);
        }
    }
    let mut cells = Vec::new();
    shown_cells(&scores["nodes"], &mut cells);
    assert!(cells.iter().any(|(_, shown)| *shown), "{scores}");
    for (n, shown) in cells {
        assert!(!shown || n >= min_cell, "a cell of {n} is shown");
    }
    let csv = svc
        .token(&app.tokens[0])
        .get(format!("/api/v1/export?{q}&format=csv"))
        .await
        .text_with(StatusCode::OK);
    let forms: Vec<&str> = csv.lines().skip(1).collect();
    assert_eq!(forms.len(), 6, "{csv}");
    for f in forms {
        let cols: Vec<&str> = f.split(',').collect();
        assert_eq!(
            (cols[2], cols[3], cols[4]),
            ("invitation", "2025", ""),
            "{f}"
        );
    }
    let recount = assert_counts_agree(&app);
    assert_eq!(recount.responses, 6);
}

#[actix_web::test]
async fn no_day_ties_a_person_or_a_slip_code_to_an_answer() {
    let app = TestApp::builder().build();
    let id = open_campaign(&app, &[("Lê Văn Cường", "hdnd", "SNV")]);
    let links = links(&app, &id);
    let (codes, _) = chiso::features::codes::service::issue(
        &app.state,
        "test",
        "NK-P-CAI-KHE",
        "sipas-counter",
        1,
        30,
    )
    .unwrap();
    let svc = service!(app);
    let (Answer { status, .. }, _) = answer_all(&svc, &app, &links[0].1, "3").await;
    assert_eq!(status, StatusCode::OK);
    let uri = format!("/o/{}", codes[0]);
    let page = svc.anonymous().get(&uri).await.text_with(StatusCode::OK);
    svc.anonymous()
        .post_form(
            &uri,
            &serde_urlencoded::from_str::<Vec<(String, String)>>(&filled_form(&page, None))
                .unwrap(),
        )
        .await
        .text_with(StatusCode::OK);
    assert_eq!(app.responses(), 2);

    let mut conn = app.state.pool.get().unwrap();
    let mut days: Vec<(String, String, String)> = {
        use chiso::db::schema::responses::dsl::*;
        use diesel::prelude::*;
        responses
            .select((channel, day, created_at))
            .load(&mut conn)
            .unwrap()
    };
    days.sort();
    assert_eq!(
        days,
        [
            ("invitation".into(), String::new(), String::new()),
            ("online".into(), "2025-06-20".into(), "2025-06-20".into()),
        ],
        "an answer through a link keeps its period only"
    );
    // Completion is a flag: neither the person's row nor the code's holds the day of an answer.
    for (table, flag) in [("respondents", "answered"), ("visit_codes", "used")] {
        let cols = columns(&mut conn, table);
        assert!(cols.iter().any(|c| c == flag), "{table}: {cols:?}");
        assert!(
            !cols.iter().any(|c| c.ends_with("_on") && c != "expires_on"),
            "{table} keeps a day of use: {cols:?}"
        );
        for line in dump(&mut conn, table) {
            assert!(
                !line.contains("2025-06-20"),
                "{table} holds the answer's day: {line}"
            );
        }
    }
}

/// Takes back this version's migration of completion flags: the previous version's schema,
/// for a test of the upgrade.
fn revert_completion_flags(conn: &mut AnyConnection) {
    crate::harness::revert_migration(conn, "2026-12-07-000050");
}

#[actix_web::test]
async fn the_upgrade_turns_days_into_flags_and_seals_an_open_campaigns_answers() {
    let app = TestApp::builder().build();
    let id = open_campaign(&app, &[("Phạm Thị Dung", "hdnd", "SNV")]);
    let links = links(&app, &id);
    let svc = service!(app);
    let (Answer { status, .. }, _) = answer_all(&svc, &app, &links[0].1, "4").await;
    assert_eq!(status, StatusCode::OK);
    let mut conn = app.state.pool.get().unwrap();

    // The data as the previous version kept it: the day on the person's row and the answer,
    // counted at once under that day.
    revert_completion_flags(&mut conn);
    for sql in [
        "UPDATE respondents SET answered_on = '2025-06-20' WHERE answered_on IS NOT NULL",
        "UPDATE responses SET day = '2025-06-20', created_at = '2025-06-20'",
    ] {
        diesel::sql_query(sql).execute(&mut conn).unwrap();
    }
    let old = chiso::db::recount::recount_all(&app.state.pool, &app.state.layouts, true).unwrap();
    assert_eq!((old.responses, old.fixed), (1, true));
    assert_eq!(scored_responses!(app)["responses"], 1);

    chiso::db::migrate(&mut conn).unwrap();
    let day: Vec<String> = dump(&mut conn, "responses");
    assert!(day[0].contains("|sealed|"), "{day:?}");
    assert!(!day[0].contains("2025-06-20"), "{day:?}");
    assert!(columns(&mut conn, "respondents").contains(&"answered".to_string()));
    for line in dump(&mut conn, "respondents") {
        assert!(!line.contains("2025-06-20"), "{line}");
    }
    drop(conn);
    // The next start rebuilds the counts: the sealed answer leaves them.
    let stale =
        chiso::db::recount::recount_all(&app.state.pool, &app.state.layouts, false).unwrap();
    assert!(!stale.differences.is_empty());
    let fixed = chiso::db::recount::after_upgrade(&app.state.pool, &app.state.layouts).unwrap();
    assert!(fixed.is_some_and(|r| r.fixed));
    assert!(
        chiso::db::recount::after_upgrade(&app.state.pool, &app.state.layouts)
            .unwrap()
            .is_none()
    );
    assert_eq!(scored_responses!(app)["responses"], 0);
    assert_eq!(
        campaigns::tracking(&app.state, &id).unwrap().total.invited,
        1
    );
    let Answer { status, .. } = svc.anonymous().get(format!("/i/{}", links[0].1)).await;
    assert_eq!(status, StatusCode::GONE, "still answered");

    campaigns::close(&app.state, "test", &id).unwrap();
    assert_eq!(scored_responses!(app)["responses"], 1);
    assert_counts_agree(&app);
}

#[actix_web::test]
async fn closing_and_reissuing_ask_first_saying_how_many_links_stop() {
    let app = TestApp::builder().build();
    let list = "name,group,unit,contact\nLê Văn Cường,lanh_dao_phong,SNV,\nPhạm Thị Dung,hdnd,CT,\nTrần Văn Em,hdnd,CT,\n";
    let (id, _) = open_campaign_with_links(&app, "Khảo sát có hỏi lại", list);
    let svc = service!(app);
    let admin = svc.admin().await;
    // The campaign's page posts neither change in one click: each is a link to a question.
    let page = admin
        .get(format!("/campaigns/{id}"))
        .await
        .text_with(StatusCode::OK);
    for change in ["close", "links"] {
        assert!(
            !page.contains(&format!("action=\"/campaigns/{id}/{change}\"")),
            "{change} posts from the campaign's page"
        );
    }
    assert!(page.contains(&format!("href=\"/campaigns/{id}/close\"")));
    assert!(page.contains(&format!("href=\"/campaigns/{id}/links?format=sheet\"")));
    // The question says what stops, in numbers, and asking changes nothing.
    let ask = admin
        .get(format!("/campaigns/{id}/close"))
        .await
        .text_with(StatusCode::OK);
    assert_says(&ask, &["Đóng đợt khảo sát?", "Không mở lại được"]);
    assert!(
        ask.contains("<strong>3</strong> đường dẫn chưa dùng ngừng hoạt động"),
        "{ask}"
    );
    assert!(
        ask.contains(&format!("action=\"/campaigns/{id}/close\"")) && ask.contains("name=\"csrf\"")
    );
    assert!(
        ask.contains(&format!("href=\"/campaigns/{id}\"")),
        "a way back"
    );
    let links = admin
        .get(format!("/campaigns/{id}/links?format=csv"))
        .await
        .text_with(StatusCode::OK);
    assert_says(
        &links,
        &[
            "<strong>3</strong> người) được cấp một đường dẫn mới",
            "<strong>3</strong> đường dẫn đã cấp mà chưa dùng sẽ ngừng hoạt động",
            "name=\"format\" value=\"csv\"",
        ],
    );
    let after = admin
        .get(format!("/campaigns/{id}"))
        .await
        .text_with(StatusCode::OK);
    assert!(
        after.contains("<strong>đang mở</strong>"),
        "still open after asking: {after}"
    );
    // Confirmed, it closes; asked again, there is nothing left to confirm.
    let done = admin.press(format!("/campaigns/{id}/close")).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let again = admin.get(format!("/campaigns/{id}/close")).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
}

/// Answers through links to campaigns, still sealed.
fn sealed_answers(app: &TestApp) -> i64 {
    use chiso::db::schema::responses::dsl::*;
    use diesel::prelude::*;
    let mut conn = app.state.pool.get().unwrap();
    responses
        .filter(status.eq("sealed"))
        .count()
        .get_result(&mut conn)
        .unwrap()
}

/// Moves campaign `id`'s closing `hours` into the past, as if that much time had passed.
fn closed_hours_ago(app: &TestApp, campaign: &str, hours: i64) {
    use chiso::db::schema::campaigns::dsl::*;
    use diesel::prelude::*;
    let at = chiso::clock::stored(chrono::Utc::now() - chrono::Duration::hours(hours));
    let mut conn = app.state.pool.get().unwrap();
    let n = diesel::update(campaigns.filter(id.eq(campaign)))
        .set(closed_at.eq(at))
        .execute(&mut conn)
        .unwrap();
    assert_eq!(n, 1);
}

#[actix_web::test]
async fn a_campaign_closed_by_mistake_is_reopened_within_the_grace_period_its_results_still_sealed()
{
    let app = TestApp::builder()
        .settings(|s| s.campaign_grace_hours = 24)
        .with_user("cra", Role::Admin, Some("P-NINH-KIEU"))
        .build();
    let (id, links) = district_leaders_asked(&app, "Cán bộ", 3);
    let svc = service!(app);
    let (Answer { status, .. }, _) = answer_all(&svc, &app, &links[0].1, "4").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(sealed_answers(&app), 1);
    let admin = svc.admin().await;

    // The question before closing says the closing can be undone for 24 hours, results sealed.
    let ask = admin
        .get(format!("/campaigns/{id}/close"))
        .await
        .text_with(StatusCode::OK);
    assert_says(
        &ask,
        &["<strong>24 giờ</strong>", "mở lại đợt nếu đóng nhầm"],
    );
    let done = admin.press(format!("/campaigns/{id}/close")).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(
        sealed_answers(&app),
        1,
        "sealed while the closing can be undone"
    );
    link_page(&svc, &links[1].1, StatusCode::GONE).await;

    // The campaign's page says until when it can be reopened, and leads to the question.
    let page = admin
        .get(format!("/campaigns/{id}"))
        .await
        .text_with(StatusCode::OK);
    assert!(page.contains("có thể mở lại đến"), "{page}");
    assert!(
        page.contains(&format!("href=\"/campaigns/{id}/reopen\"")),
        "{page}"
    );
    assert!(!page.contains(&format!("action=\"/campaigns/{id}/reopen\"")));
    let ask = admin
        .get(format!("/campaigns/{id}/reopen"))
        .await
        .text_with(StatusCode::OK);
    assert!(
        ask.contains("Mở lại đợt khảo sát?")
            && ask.contains("<strong>2</strong> đường dẫn đã cấp mà chưa dùng hoạt động trở lại")
            && ask.contains(&format!("action=\"/campaigns/{id}/reopen\""))
            && ask.contains("name=\"csrf\""),
        "{ask}"
    );

    // An admin limited to a unit neither asks nor reopens.
    let scoped = svc.sign_in("cra", USER_PASSWORD).await;
    let refused = scoped.get(format!("/campaigns/{id}/reopen")).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let refused = scoped.press(format!("/campaigns/{id}/reopen")).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    // Reopened: the links work again, the answers are still sealed, the trail says who.
    let done = admin.press(format!("/campaigns/{id}/reopen")).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    link_page(&svc, &links[1].1, StatusCode::OK).await;
    assert_eq!(sealed_answers(&app), 1);
    let trail = audit_entries(&app, Some("campaign.reopen"));
    assert_eq!(trail.len(), 1);
    assert_eq!(trail[0].actor, "admin");
    let (Answer { status, .. }, _) = answer_all(&svc, &app, &links[1].1, "3").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(sealed_answers(&app), 2);

    // Closed again, and the grace period over: the closing is final, the answers counted,
    // and there is no reopening.
    campaigns::close(&app.state, "test", &id).unwrap();
    assert_eq!(campaigns::finalise_due(&app.state).unwrap(), 0, "not yet");
    assert_eq!(sealed_answers(&app), 2);
    closed_hours_ago(&app, &id, 25);
    let page = admin
        .get(format!("/campaigns/{id}"))
        .await
        .text_with(StatusCode::OK);
    assert!(!page.contains("/reopen"), "{page}");
    let late = admin.press(format!("/campaigns/{id}/reopen")).await;
    assert_eq!(late.status, StatusCode::CONFLICT, "{}", late.text);
    assert!(late.text.contains("chính thức"), "{}", late.text);
    assert_eq!(
        sealed_answers(&app),
        2,
        "sealed until the closing is made final"
    );
    assert_eq!(campaigns::finalise_due(&app.state).unwrap(), 1);
    assert_eq!(sealed_answers(&app), 0, "counted once final");
    assert_eq!(campaigns::finalise_due(&app.state).unwrap(), 0, "once");
    assert!(campaigns::reopen(&app.state, "test", &id).is_err());
    assert_eq!(audit_entries(&app, Some("campaign.close.final")).len(), 1);
    assert_counts_agree(&app);
    let again = admin.get(format!("/campaigns/{id}/reopen")).await;
    assert_eq!(
        again.status,
        StatusCode::SEE_OTHER,
        "nothing left to reopen"
    );
}
