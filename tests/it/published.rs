//! Published results after the plan's baseline: read back through the API with their sources,
//! and shown on the leaders' pages in place of 2022 where a later year is known.

use crate::api::{get, store, viewer_scores};
use crate::harness::*;
use actix_web::http::StatusCode;
use chiso::clock::Clock;
use serde_json::{json, Value};

fn one(list: &Value, pick: impl Fn(&Value) -> bool) -> &Value {
    let found: Vec<&Value> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| pick(v))
        .collect();
    assert_eq!(found.len(), 1, "{list}");
    found[0]
}

/// A rank-20 line's lower and upper bound, and whether they are an estimate.
fn bounds(line: &Value) -> (Option<&str>, Option<&str>, Option<bool>) {
    (
        line["low"].as_str(),
        line["high"].as_str(),
        line["estimate"].as_bool(),
    )
}

/// The words of a figure's sources, as the API names them.
fn cited(all: &Value, figure: &Value) -> String {
    figure["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            all["sources"][k.as_str().unwrap()]["vi"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[actix_web::test]
async fn every_family_of_published_figures_reads_back_with_its_source() {
    let app = TestApp::builder().build();
    let (status, p) = get(&app, Some(&app.viewer_token), "/api/v1/published").await;
    assert_eq!(status, StatusCode::OK, "{p}");
    let result = |index: &str, province: &str, year: i64| {
        one(&p["results"], |r| {
            r["index"] == index && r["province"] == province && r["year"] == year
        })
        .clone()
    };
    // Cần Thơ 2024, from the merged city's plan 101/KH-UBND.
    for (index, value, rank, of) in [
        ("parindex", "89.13", 22, 63),
        ("sipas", "83.28", 34, 63),
        ("papi", "40.4427", 59, 61),
    ] {
        let r = result(index, "Cần Thơ", 2024);
        assert_eq!(
            (
                r["value"].as_str(),
                r["rank"].as_i64(),
                r["ranked"].as_i64()
            ),
            (Some(value), Some(rank), Some(of)),
            "{r}"
        );
        assert!(r["derived"].is_null(), "{r}");
        assert!(!cited(&p, &r).is_empty(), "{r}");
    }
    assert!(cited(&p, &result("parindex", "Cần Thơ", 2024)).contains("101/KH-UBND"));
    // 2022 stays the plan's baseline.
    let base = result("parindex", "Cần Thơ", 2022);
    assert_eq!(
        (base["value"].as_str(), base["rank"].as_i64()),
        (Some("86.11"), Some(26))
    );
    assert!(cited(&p, &base).contains("121/KH-UBND"));
    // A derived figure says how it was worked out.
    let d = result("parindex", "Cần Thơ", 2023);
    assert_eq!(d["value"], "86.15");
    assert!(
        d["derived"].as_str().unwrap().contains("89,13 − 2,98"),
        "{d}"
    );
    // A rank known without its value.
    let s23 = result("sipas", "Cần Thơ", 2023);
    assert!(s23["value"].is_null() && s23["rank"] == 23, "{s23}");
    // The merged provinces.
    assert_eq!(result("papi", "Sóc Trăng", 2023)["rank"], 4);
    assert_eq!(result("papi", "Hậu Giang", 2024)["value"], "44.0066");
    assert_eq!(result("parindex", "Sóc Trăng", 2023)["value"], "81.70");
    // National means.
    let n = one(&p["national"], |n| {
        n["index"] == "sipas" && n["year"] == 2024
    });
    assert_eq!(n["mean"], "83.94");
    assert!(!cited(&p, n).is_empty());
    // Rank-20 lines: PAPI's exact from the table, the others bounded and marked estimates.
    let line = |index: &str, year: i64| {
        one(&p["lines"], |l| l["index"] == index && l["year"] == year).clone()
    };
    let papi = line("papi", 2024);
    assert_eq!(
        bounds(&papi),
        (Some("44.3575"), Some("44.3575"), Some(false))
    );
    assert_eq!(line("papi", 2023)["low"], "43.5493");
    assert_eq!(line("papi", 2022)["low"], "43.1092");
    let par = line("parindex", 2024);
    assert_eq!(bounds(&par), (Some("89.13"), Some("90.00"), Some(true)));
    let sipas = line("sipas", 2024);
    assert_eq!(
        (sipas["low"].as_str(), sipas["high"].as_str()),
        (Some("83.28"), Some("86.50"))
    );
    for l in p["lines"].as_array().unwrap() {
        assert!(
            !cited(&p, l).is_empty() && !l["note"].as_str().unwrap().is_empty(),
            "{l}"
        );
    }
    // The whole PAPI table: 63 provinces, two unranked each year.
    let rows = p["papi_table"]["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 63);
    let ct = rows.iter().find(|r| r["province"] == "Cần Thơ").unwrap();
    assert_eq!(ct["years"]["2024"], json!({"total": "40.4427", "rank": 59}));
    let ranked_2024 = rows
        .iter()
        .filter(|r| !r["years"]["2024"].is_null())
        .count();
    assert_eq!(ranked_2024, 61);
    let at20 = rows
        .iter()
        .find(|r| r["years"]["2024"]["rank"] == 20)
        .unwrap();
    assert_eq!(
        (
            at20["province"].as_str(),
            at20["years"]["2024"]["total"].as_str()
        ),
        (Some("Nam Định"), Some("44.3575"))
    );
    // The merged city (Cần Thơ, Sóc Trăng, Hậu Giang) weighted by 2019 census population:
    // 2024 (40.4427 × 1,235,171 + 45.1864 × 1,199,653 + 44.0066 × 733,017) / 3,167,841.
    let merged = one(&p["merged_city_papi"], |m| m["year"] == 2024);
    let value = merged["value"].as_f64().unwrap();
    assert!((value - 43.0638).abs() < 0.0001, "{merged}");
    assert_eq!(
        (
            merged["position"].as_i64(),
            merged["of"].as_i64(),
            merged["provinces"].as_i64()
        ),
        (Some(21), Some(31), Some(34)),
        "{merged}"
    );
    assert_eq!(p["mergers"].as_array().unwrap().len(), 63);
    // Not for anyone without a token.
    let (status, _) = get(&app, None, "/api/v1/published").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[actix_web::test]
async fn in_2026_the_home_page_shows_2024_and_a_chance_against_2024s_line() {
    let app = TestApp::builder()
        .clock(Clock::Fixed("2026-12-07T03:00:00Z".parse().unwrap()))
        .with_user("lanh-dao", Role::Viewer, None)
        .build();
    for i in 0..300 {
        let mut body = submission("P-NINH-KIEU", Some([5, 4, 4, 5, 3][i % 5]));
        body["period"] = json!(2026);
        store(&app, &body).await;
    }
    let svc = service!(app);
    let viewer = svc.viewer("lanh-dao").await;
    let home = viewer.get("/").await.text_with(StatusCode::OK);
    let card = |label: &str| {
        let at = home
            .find(label)
            .unwrap_or_else(|| panic!("{label}: {home}"));
        home[at..].chars().take(200).collect::<String>()
    };
    let published = card("Năm 2024 (công bố)");
    assert_says(&published, &["89,13 %", "hạng 22/63"]);
    let chance = card("Khả năng vượt ngưỡng hạng 20");
    assert!(
        chance.contains("Ngưỡng hạng 20 năm 2024: 89,13–90,00 %"),
        "{chance}"
    );
    // The path since 2022, in words, ending with this year's estimate.
    assert!(home.contains("2022: 86,11 %, hạng 26/63 → 2023: ≈ 86,15 %, hạng 42/63 → 2024: 89,13 %, hạng 22/63 → năm nay (2026) ước"), "{home}");
    assert!(home.contains("2024: 83,28 %, hạng 34/63"), "SIPAS path");
    assert!(home.contains("2024: 40,44, hạng 59/61"), "PAPI path");
    // The chance against 2022's estimated 86.5–87.5 % (≈ 87 %) is gone.
    assert!(!home.contains("Năm 2022 (công bố)"), "{home}");
    for stale in [
        "87,0 %",
        "86,5–87,5",
        "81,5–82,0",
        "81,50–82,00",
        "ngưỡng ước tính ≈",
    ] {
        assert!(!home.contains(stale), "{stale} still shown");
    }
    // The basis of the SIPAS chance names the year, the bounds and the source.
    let scores = viewer_scores(&app, "survey=sipas-counter&period=2026").await;
    let basis = scores["nodes"][0]["top20_basis"].as_str().unwrap();
    assert!(scores["nodes"][0]["top20_chance"].is_number(), "{scores}");
    assert_says(basis, &["năm 2024", "83,28–86,50", "Kế hoạch 101/KH-UBND"]);
    // The PAPI page places the merged city among the merged provinces, as an estimate.
    let papi = viewer.get("/papi").await.text_with(StatusCode::OK);
    assert_says(
        &papi,
        &[
            "Cần Thơ sau hợp nhất — ước tính",
            "thứ 21 trong 31 tỉnh tính được (trên 34)",
        ],
    );
    assert!(
        papi.contains("Tổng điều tra dân số và nhà ở 01/4/2019"),
        "the basis is named"
    );
    // The PAR INDEX page for 2026 says 2026, and names no file.
    let par = viewer.get("/parindex").await.text_with(StatusCode::OK);
    assert!(par.contains("<h1>PAR INDEX năm 2026"), "{par}");
    assert!(!par.contains(".toml") && !par.contains("surveys/"), "{par}");
}

#[actix_web::test]
async fn a_chance_is_drawn_against_the_newest_line_only() {
    use chiso::scoring::top20::{chance, Estimate, Field, DRAWS};
    // The same estimate, 88.5 ± 1: against 2022's guessed 86.5–87.5 it would look near
    // certain; against 2024's 89.13–90.00 it is small. The page must show the second.
    let e = Estimate {
        mean: 88.5,
        sd: 1.0,
    };
    let old = chance(
        e,
        &Field::Threshold {
            low: 86.5,
            high: 87.5,
        },
        DRAWS,
        1,
    );
    let new = chance(
        e,
        &Field::Threshold {
            low: 89.13,
            high: 90.0,
        },
        DRAWS,
        1,
    );
    assert!(old > 0.9 && new < 0.35, "{old} {new}");
}

#[actix_web::test]
async fn a_published_figure_that_disagrees_with_the_papi_table_fails_the_check() {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("surveys");
    copy_dir(&surveys_dir(), &copy);
    let file = copy.join("published/results.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        text.replacen("value = \"40.1744\"", "value = \"40.1745\"", 1)
            .replacen("source = \"kh121\"", "source = \"kh999\"", 1),
    )
    .unwrap();
    let errors = chiso::startup::load_definitions(&copy).err().unwrap();
    let all: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert!(
        all.iter()
            .any(|e| e.contains("papi Cần Thơ 2023: the table has 40.1744, rank 53")),
        "{all:?}"
    );
    assert!(
        all.iter()
            .any(|e| e.contains("source 'kh999' is not in [sources]")),
        "{all:?}"
    );
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let path = e.path();
        if path.is_dir() {
            copy_dir(&path, &to.join(e.file_name()));
        } else {
            std::fs::copy(&path, to.join(e.file_name())).unwrap();
        }
    }
}
