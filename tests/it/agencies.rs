//! The agencies of today: the plan's owners as the 2025 reorganisation moved them (from 2025
//! pages name today's agency, with the former one after "trước đây"), the same gap totals
//! before and after, successions checked when the plan loads; and the officials' survey of
//! the two-tier government (no district leaders from 1 July 2025).

use crate::api::{answer_everything, described_survey, get, store};
use crate::harness::*;
use crate::standing::rows;
use actix_web::http::StatusCode;
use chiso::clock::Clock;
use chiso::features::campaigns::service::{self as campaigns, NewCampaign};
use rust_decimal::Decimal;
use serde_json::Value;
use std::collections::BTreeMap;

/// The agencies abolished in 2025, as pages could spell them.
const ABOLISHED: [&str; 6] = [
    "Sở Thông tin và Truyền thông",
    "Sở Kế hoạch và Đầu tư",
    "Sở Lao động - Thương binh và Xã hội",
    "Sở Lao động – Thương binh và Xã hội",
    "Sở Giao thông vận tải",
    "UBND cấp huyện",
];

/// The page's main content with every "(trước đây: …)" taken out, and the names of the
/// PAR INDEX criteria: the methodology's own titles (3.4.2 counts files of the district
/// People's Committees), not owners.
fn without_former(page: &str) -> String {
    let start = page.find("<main").unwrap();
    let end = page.rfind("</main>").unwrap();
    let tree = std::fs::read_to_string(surveys_dir().join("trees/parindex-2022.toml")).unwrap();
    let mut main = page[start..end].to_string();
    for name in tree.lines().filter_map(|l| l.strip_prefix("name = \"")) {
        main = main.replace(name.trim_end_matches('"'), "");
    }
    let mut rest = main.as_str();
    let mut out = String::new();
    while let Some(at) = rest.find("(trước đây: ") {
        out.push_str(&rest[..at]);
        let close = rest[at..].find(')').expect("a closed parenthesis");
        rest = &rest[at + close + 1..];
    }
    out.push_str(rest);
    out
}

/// The list of agencies for `query` (the period, and a map), as the admin reads it.
async fn agency_list(admin: &Staff, query: &str) -> String {
    admin
        .get(format!("/agencies?{query}"))
        .await
        .text_with(StatusCode::OK)
}

/// The page of agency `code` for `query` (the period, and a map), as the admin reads it.
async fn agency_page(admin: &Staff, code: &str, query: &str) -> String {
    admin
        .get(format!("/agencies/{code}?{query}"))
        .await
        .text_with(StatusCode::OK)
}

#[actix_web::test]
async fn pages_for_2026_name_no_abolished_agency_except_as_former() {
    let app = TestApp::builder().build();
    let svc = service!(app);
    let admin = svc.admin().await;
    // Where the abolished agencies' work went, and the lists; on the 2025 map.
    let q = "period=2026&map=can-tho-2025";
    let mut pages = vec![
        format!("/agencies?{q}"),
        format!("/parindex?{q}"),
        format!("/?{q}"),
        format!("/report?{q}"),
        // The owners a definition names, on the results of each survey.
        format!("/scores?survey=papi-aligned&{q}"),
        format!("/scores?survey=sipas-counter&{q}"),
        format!("/scores?survey=sipas-2022-household&{q}"),
        format!("/scores?survey=parindex-officials-2022&{q}"),
    ];
    for code in [
        "SNV", "STC", "SKHCN", "SXD", "SNNMT", "UBND-XA", "SYT", "SGDDT", "STP", "VP-UBND",
    ] {
        pages.push(format!("/agencies/{code}?{q}"));
    }
    for uri in &pages {
        let page = admin.get(uri).await.text_with(StatusCode::OK);
        let left = without_former(&page);
        for name in ABOLISHED {
            assert!(
                !left.contains(name),
                "{uri} names {name} outside “trước đây”"
            );
        }
        assert!(page.contains("2026"), "{uri}");
    }
    // Today's agencies with their former ones, the unconfirmed marked.
    let list = agency_list(&admin, q).await;
    assert!(
        list.contains(
            "Sở Tài chính</a> <span class=\"former\">(trước đây: Sở Kế hoạch và Đầu tư)</span>"
        ),
        "{list}"
    );
    assert!(list.contains("Sở Nông nghiệp và Môi trường</a> <span class=\"former\">(trước đây: Sở Tài nguyên và Môi trường, Sở Nông nghiệp và Phát triển nông thôn, Sở Lao động - Thương binh và Xã hội — giảm nghèo)</span>"), "{list}");
    assert!(list.contains("(chưa xác nhận)"));
    assert!(!list.contains("href=\"/agencies/SKHDT\""));
    // The task the dissolved Labour department led: today's holder, the former one after.
    let snnmt = agency_page(&admin, "SNNMT", q).await;
    assert!(snnmt.contains("Phụ lục III, dòng II.2"), "{snnmt}");
    assert!(snnmt.contains("Phụ lục III, dòng VII.1"));
    // Partners of a district-level body: the commune level, formerly the district.
    let snv = agency_page(&admin, "SNV", q).await;
    assert!(
        snv.contains("UBND cấp xã (trước đây: UBND cấp huyện)"),
        "{snv}"
    );
    // The former agency's own page says where its work went.
    let skhdt = agency_page(&admin, "SKHDT", q).await;
    assert!(
        skhdt.contains(
            "việc của cơ quan này chuyển cho: <a href=\"/agencies/STC\">Sở Tài chính</a>"
        ),
        "{skhdt}"
    );
    assert!(skhdt.contains("Kế hoạch không giao nhiệm vụ chủ trì nào cho cơ quan này"));
}

#[actix_web::test]
async fn pages_for_2024_keep_the_owners_of_the_2023_plan() {
    let app = TestApp::builder().build();
    let svc = service!(app);
    let admin = svc.admin().await;
    let list = agency_list(&admin, "period=2024").await;
    for code in ["SKHDT", "STTTT", "SGTVT", "SLDTBXH", "STNMT", "UBND-HX"] {
        assert!(
            list.contains(&format!("href=\"/agencies/{code}\"")),
            "{code}"
        );
    }
    for code in ["SNNMT", "UBND-XA"] {
        assert!(
            !list.contains(&format!("href=\"/agencies/{code}\"")),
            "{code}"
        );
    }
    assert!(!list.contains("trước đây") && !list.contains("chưa xác nhận"));
    let page = agency_page(&admin, "SKHDT", "period=2024").await;
    assert!(page.contains("<h1>Sở Kế hoạch và Đầu tư — năm 2024</h1>"));
    assert!(page.contains("Phụ lục I, dòng 8.3.2"), "{page}");
    assert!(!page.contains("trước đây"));
    let par = admin
        .get("/parindex?period=2024")
        .await
        .text_with(StatusCode::OK);
    assert!(par.contains("<a href=\"/agencies/SKHDT\">Sở Kế hoạch và Đầu tư</a>"));
    assert!(par.contains("<a href=\"/agencies/STTTT\">Sở Thông tin và Truyền thông</a>"));
    assert!(!par.contains("trước đây"));
    let snv = agency_page(&admin, "SNV", "period=2024").await;
    assert!(snv.contains("Sở, ban, ngành thành phố; UBND cấp huyện</span>"));
}

/// The by-agency table of `/parindex`: agency code (or name) → points lost against the max.
fn lost_by_agency(page: &str) -> BTreeMap<String, Decimal> {
    let start = page.find("Theo cơ quan chủ trì").unwrap();
    let table = &page[start..start + page[start..].find("</table>").unwrap()];
    let mut out = BTreeMap::new();
    for row in table.split("<tr>").skip(2) {
        let who = match row.find("href=\"/agencies/") {
            Some(at) => row[at + 16..at + 16 + row[at + 16..].find('"').unwrap()].to_string(),
            None => row.to_string(),
        };
        let num = row.find("<td class=\"num\">").unwrap() + 16;
        let value = row[num..num + row[num..].find('<').unwrap()].replace(',', ".");
        out.insert(who, value.parse().unwrap());
    }
    out
}

#[actix_web::test]
async fn gaps_by_agency_keep_their_totals_when_old_agencies_fold_into_new_ones() {
    let app = TestApp::builder().build();
    let svc = service!(app);
    let admin = svc.admin().await;
    let before = lost_by_agency(
        &admin
            .get("/parindex?period=2024")
            .await
            .text_with(StatusCode::OK),
    );
    let after = lost_by_agency(
        &admin
            .get("/parindex?period=2026")
            .await
            .text_with(StatusCode::OK),
    );
    let total = |m: &BTreeMap<String, Decimal>| m.values().copied().sum::<Decimal>();
    assert!(total(&before) > Decimal::ZERO);
    assert_eq!(total(&before), total(&after), "{before:?} {after:?}");
    // Planning and Investment folds into Finance; Information and Communications into
    // Science and Technology.
    assert_eq!(after["STC"], before["STC"] + before["SKHDT"]);
    assert_eq!(after["SKHCN"], before["STTTT"]);
    for gone in ["SKHDT", "STTTT"] {
        assert!(!after.contains_key(gone), "{after:?}");
    }
    // Agencies untouched by the reorganisation lose what they lost.
    assert_eq!(after["SNV"], before["SNV"]);
}

#[actix_web::test]
async fn a_campaign_for_2026_refuses_the_district_leaders_and_stores_nothing() {
    let app = TestApp::builder().build();
    let svc = service!(app);
    let admin = svc.admin().await;
    for survey in ["parindex-officials-2025", "parindex-officials-2022"] {
        let page_uri = campaign_drafted_on_page(&admin, survey, "2026", "").await;
        let id = page_uri.trim_start_matches("/campaigns/").to_string();
        let list = "name,group,unit,contact\n\
                    Nguyễn Văn An,hdnd,CT,\n\
                    Trần Thị Bình,lanh_dao_huyen,CT,\n";
        let page = admin
            .post_form(format!("{page_uri}/list"), &[("list", list)])
            .await
            .text_with(StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            page.contains(
                "dòng 3: group: nhóm “Lãnh đạo UBND cấp huyện” (lanh_dao_huyen) không còn"
            ),
            "{survey}: {page}"
        );
        assert!(page.contains("lanh_dao_xa (Lãnh đạo UBND cấp xã)"));
        let person = [
            ("name", "Lê Văn Cường"),
            ("group", "Lãnh đạo UBND cấp huyện"),
            ("unit", "CT"),
            ("contact", ""),
        ];
        let page = admin
            .post_form(format!("{page_uri}/people"), &person)
            .await
            .text_with(StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            page.contains("group: nhóm “Lãnh đạo UBND cấp huyện”"),
            "{page}"
        );
        assert!(campaigns::respondents(&app.state, &id).unwrap().is_empty());
    }
    // The service refuses it for a list given at creation too, and stores no campaign.
    let before = campaigns::list(&app.state).unwrap().len();
    let new = NewCampaign {
        survey: "parindex-officials-2025".into(),
        period: 2026,
        ..Default::default()
    };
    let list = "name,group,unit,contact\nTrần Thị Bình,lanh_dao_huyen,CT,\n";
    let e = campaigns::create(
        &app.state,
        "test",
        new,
        Some(campaigns::ListSource::Text(list)),
    )
    .unwrap_err();
    assert!(e.to_string().contains("lanh_dao_huyen"), "{e}");
    assert_eq!(campaigns::list(&app.state).unwrap().len(), before);
}

#[actix_web::test]
async fn the_district_leaders_end_with_june_2025() {
    // Before 1 July 2025 a 2025 campaign of the 2022 survey still reaches them…
    let app = TestApp::builder().build();
    let list = "name,group,unit,contact\nTrần Thị Bình,lanh_dao_huyen,CT,\n";
    let new = || NewCampaign {
        survey: "parindex-officials-2022".into(),
        period: 2025,
        ..Default::default()
    };
    let (_, n) = campaigns::create(
        &app.state,
        "test",
        new(),
        Some(campaigns::ListSource::Text(list)),
    )
    .unwrap();
    assert_eq!(n, 1);
    // …from July it does not.
    let app = TestApp::builder()
        .clock(Clock::Fixed("2025-07-02T03:00:00Z".parse().unwrap()))
        .build();
    let e = campaigns::create(
        &app.state,
        "test",
        new(),
        Some(campaigns::ListSource::Text(list)),
    )
    .unwrap_err();
    assert!(e.to_string().contains("Lãnh đạo UBND cấp huyện"), "{e}");
}

#[test]
fn the_cli_refuses_a_2026_list_with_the_district_leaders_naming_the_group() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _guard) = fresh_database(&dir);
    let file = respondents_file(
        dir.path(),
        "nguoi.csv",
        "Nguyễn Văn An,hdnd,CT,\nTrần Thị Bình,lanh_dao_huyen,CT,\n",
    );
    let out = chiso(
        &db,
        &[
            "campaign",
            "create",
            "--survey",
            "parindex-officials-2025",
            "--period",
            "2026",
            "--respondents",
            file.to_str().unwrap(),
        ],
    );
    let t = text(&out);
    assert!(!out.status.success(), "{t}");
    assert!(
        t.contains("dòng 3: group: nhóm “Lãnh đạo UBND cấp huyện” (lanh_dao_huyen) không còn"),
        "{t}"
    );
    let out = chiso(&db, &["campaign", "list"]);
    assert!(!text(&out).contains("2026"), "{}", text(&out));
}

#[actix_web::test]
async fn answers_to_both_versions_of_the_officials_survey_feed_the_same_criteria() {
    let app = TestApp::builder().build();
    let tok = Some(app.viewer_token.as_str());
    let v2025 = described_survey(&app, "parindex-officials-2025").await;
    let groups = strings_of(&v2025["groups"], "code");
    assert_eq!(
        groups,
        [
            "hdnd",
            "lanh_dao_so",
            "lanh_dao_phong",
            "lanh_dao_xa",
            "lanh_dao_phong_xa"
        ]
    );
    for _ in 0..6 {
        let mut body = answer_everything(&v2025, "CT");
        body["group"] = "lanh_dao_xa".into();
        store(&app, &body).await;
    }
    let r241 = |report: &Value| {
        rows(report)
            .into_iter()
            .find(|r| r["code"] == "2.4.1")
            .unwrap()
    };
    let (_, report) = get(&app, tok, "/api/v1/parindex?period=2025").await;
    let r = r241(&report);
    assert_eq!(
        (r["source"].as_str(), r["value"].as_str()),
        (Some("measured"), Some("1.0000"))
    );
    assert_eq!(r["estimate_n"], 6);
    // Six answers at worst to the 2022 version: the criterion pools both, by answers.
    let v2022 = described_survey(&app, "parindex-officials-2022").await;
    for _ in 0..6 {
        let mut body = answer_everything(&v2022, "CT");
        for (_, v) in body["answers"].as_object_mut().unwrap() {
            *v = 1.into();
        }
        store(&app, &body).await;
    }
    let (_, report) = get(&app, tok, "/api/v1/parindex?period=2025").await;
    let r = r241(&report);
    assert_eq!(r["estimate_n"], 12);
    assert_eq!(r["value"], "0.5000", "{r}");
}

#[test]
fn check_passes_with_the_2025_questionnaire_and_names_a_bad_succession() {
    let out = check_shipped_definitions();
    assert_said(
        &out,
        "parindex-officials-2025 (parindex), 22 items, 0 background questions, 28 index nodes",
    );
    assert_said(&out, "ke-hoach-121 (22 agencies, 57 tasks, 10 successions)");
    let plan = std::fs::read_to_string(surveys_dir().join("plan/ke-hoach-121.toml")).unwrap();
    let unsourced = {
        let at = plan.find("from = \"SGTVT\"").unwrap();
        let end = at + plan[at..].find("\n\n").unwrap();
        let entry = &plan[at..end];
        let bare: String = entry
            .lines()
            .filter(|l| !l.starts_with("source") && !l.starts_with("confirmed"))
            .collect::<Vec<_>>()
            .join("\n");
        plan.replacen(entry, &bare, 1)
    };
    let cases = [
        (
            plan.replacen("to = \"SNNMT\"", "to = \"SMOI\"", 1),
            "succession STNMT → SMOI: 'SMOI' is not an [[agency]] of the plan",
        ),
        (
            unsourced,
            "succession SGTVT → SXD: give its source (the decree or the city's decision) or mark it confirmed = false",
        ),
        (
            plan.replacen(
                "\"III II.2\", \"papi-aligned 2.2\"",
                "\"III II.2\", \"papi-aligned 9.9\"",
                1,
            ),
            "item 'papi-aligned 9.9' is no criterion or index node",
        ),
        (
            plan.replacen("items = [\"III II.2\"", "items = [\"III II.9\"", 1),
            "item 'III II.9' is no task of the plan",
        ),
    ];
    for (broken, said) in cases {
        assert_ne!(broken, plan);
        let dir = definitions_with("plan/ke-hoach-121.toml", |_| broken);
        check_refuses(dir.path(), said, said);
    }
}

#[actix_web::test]
async fn the_agency_that_holds_a_criterion_in_the_period_enters_its_points() {
    let app = TestApp::builder()
        .with_user("tc", Role::Surveyor, Some("STC"))
        .with_user("kh", Role::Surveyor, Some("SKHDT"))
        .build();
    let svc = service!(app);
    let (tc, kh) = (svc.surveyor("tc").await, svc.surveyor("kh").await);
    // 8.3.2 was Planning and Investment's; from 2025 Finance holds it.
    let uri = "/parindex/criteria/8.3.2";
    let entry = |period| {
        [
            ("period", period),
            ("points", "0,4"),
            ("evidence", "Báo cáo 7/BC-STC"),
        ]
    };
    for (who, period, status) in [
        (&tc, "2024", StatusCode::FORBIDDEN),
        (&kh, "2026", StatusCode::FORBIDDEN),
        (&tc, "2026", StatusCode::SEE_OTHER),
        (&kh, "2024", StatusCode::SEE_OTHER),
    ] {
        let resp = who.post_form(uri, &entry(period)).await;
        assert_eq!(resp.status, status, "{period}: {}", resp.text);
    }
    assert_eq!(par_entries(&app, "parindex-2022", 2026).len(), 1);
    assert_eq!(par_entries(&app, "parindex-2022", 2024).len(), 1);
    let page = tc
        .get(format!("{uri}?period=2026"))
        .await
        .text_with(StatusCode::OK);
    assert!(page.contains("name=\"points\""));
    assert!(page.contains(
        "Sở Tài chính</a> <span class=\"former\">(trước đây: Sở Kế hoạch và Đầu tư)</span>"
    ));
}
