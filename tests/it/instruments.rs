//! The shipped instruments against the published figures they must reproduce.

use crate::harness::surveys_dir;
use chiso::scoring::{score, score_groups, NodeScore, Tallies};
use chiso::survey::{load_dir, parse_definition, Catalog, Survey};
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::str::FromStr;

fn catalog() -> Catalog {
    load_dir(&surveys_dir()).unwrap()
}

fn find<'a>(nodes: &'a [NodeScore], code: &str) -> &'a NodeScore {
    fn walk<'a>(nodes: &'a [NodeScore], code: &str) -> Option<&'a NodeScore> {
        nodes.iter().find_map(|n| {
            if n.code == code {
                Some(n)
            } else {
                walk(&n.children, code)
            }
        })
    }
    walk(nodes, code).unwrap_or_else(|| panic!("no node {code}"))
}

/// Counts giving `item` the share `p` over `n` answers, using a value scored 1 and one scored 0.
fn set_share(s: &Survey, t: &mut Tallies, item: &str, p: f64, n: i64) {
    let scale = s.scale_of(s.item(item).unwrap()).unwrap();
    // The value of the scale that scores `score`.
    let scoring = |score: Decimal| {
        scale
            .values
            .iter()
            .find(|v| v.score == Some(score))
            .unwrap_or_else(|| panic!("{item}: no value scored {score}"))
            .value
    };
    let (top, bottom) = (scoring(Decimal::ONE), scoring(Decimal::ZERO));
    let hits = (p * n as f64).round() as i64;
    let counts = t.items.entry(item.to_string()).or_default();
    counts.insert(Some(top), hits);
    counts.insert(Some(bottom), n - hits);
}

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

#[test]
fn every_shipped_definition_loads() {
    let c = catalog();
    for id in [
        "sipas-counter",
        "sipas-2022-household",
        "parindex-officials-2022",
        "papi-aligned",
    ] {
        assert!(c.get(id).is_some(), "{id}");
    }
}

/// PAPI: Cần Thơ's 2022 sub-dimension scores, turned back into shares P = (k·S − 1)/9, give its
/// published dimension scores and total 39.975 again, within 0.005.
#[test]
fn papi_aligned_reproduces_can_tho_2022() {
    let c = catalog();
    let s = c.get("papi-aligned").unwrap();
    let mut subs = csv::Reader::from_path(
        surveys_dir().join("benchmarks/papi-2022-can-tho-subdimensions.csv"),
    )
    .unwrap();
    let headers = subs.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let mut t = Tallies::default();
    let mut seen = 0;
    for r in subs.records() {
        let r = r.unwrap();
        let code = &r[col("code")];
        let score: f64 = r[col("can_tho_2022")].parse().unwrap();
        let node = s
            .node(code)
            .unwrap_or_else(|| panic!("sub-dimension {code} missing"));
        let k = f64::from(node.papi_k.unwrap());
        let p = (k * score - 1.0) / 9.0;
        for item in &node.items {
            set_share(s, &mut t, item, p, 1_000_000);
        }
        seen += 1;
    }
    assert_eq!(seen, 28);
    let scores = score(s, &t);
    let published = [3.711, 4.755, 4.001, 6.537, 7.077, 7.198, 4.072, 2.624];
    for (i, want) in published.iter().enumerate() {
        let got = find(&scores.nodes, &format!("D{}", i + 1)).value.unwrap();
        assert!((got - want).abs() <= 0.005, "D{}: {got} vs {want}", i + 1);
    }
    let total = find(&scores.nodes, "PAPI-UT");
    assert!(
        (total.value.unwrap() - 39.975).abs() <= 0.005,
        "{:?}",
        total.value
    );
    assert_eq!(total.unit, "score");
    // Its place among the 2022 provinces, the estimate standing in for Cần Thơ's own row.
    // Kon Tum (39.976, rank 54) sits within the rule's 0.005 of Cần Thơ (39.975, rank 55).
    let rank = total.rank.as_ref().unwrap();
    assert!((54..=55).contains(&rank.estimate), "{rank:?}");
    assert_eq!(rank.of, 61);
    assert_eq!(total.target, Some(43.109));
}

#[test]
fn papi_scores_run_from_1_to_10_per_dimension() {
    let c = catalog();
    let s = c.get("papi-aligned").unwrap();
    for (p, want_dim, want_total) in [(0.0, 1.0, 8.0), (1.0, 10.0, 80.0)] {
        let mut t = Tallies::default();
        for item in s.scored_items() {
            set_share(s, &mut t, item, p, 10);
        }
        let scores = score(s, &t);
        for dim in 1..=8 {
            let v = find(&scores.nodes, &format!("D{dim}")).value.unwrap();
            assert!((v - want_dim).abs() < 1e-9, "D{dim} = {v}");
        }
        assert!((find(&scores.nodes, "PAPI-UT").value.unwrap() - want_total).abs() < 1e-9);
    }
}

#[test]
fn par_index_officials_points_add_up() {
    let c = catalog();
    let s = c.get("parindex-officials-2022").unwrap();
    let subs: Vec<_> = s.index.iter().filter(|n| !n.items.is_empty()).collect();
    assert_eq!(subs.len(), 22);
    let max: Decimal = subs.iter().map(|n| n.points.as_ref().unwrap().max).sum();
    let base: Decimal = subs
        .iter()
        .map(|n| n.points.as_ref().unwrap().baseline.unwrap())
        .sum();
    assert_eq!(max, d("22"));
    assert_eq!(base, d("17.1138"));
    let root = s.roots().next().unwrap().points.as_ref().unwrap();
    assert_eq!((root.max, root.baseline), (d("22"), Some(d("17.1138"))));
    assert_eq!(s.groups.len(), 4);

    // Cần Thơ 2022 sub-criterion shares give back its 2022 points.
    let mut t = Tallies::default();
    for n in &subs {
        let p = n.points.as_ref().unwrap();
        let share = p.baseline.unwrap() / p.max;
        for item in &n.items {
            let counts = t.items.entry(item.clone()).or_default();
            // 0.25 steps cannot hit every share, so mix "Rất tốt" (1) and "Rất kém" (0).
            let hits = (share * Decimal::from(10_000)).round();
            counts.insert(
                Some(5),
                i64::try_from(hits.mantissa()).unwrap() / 10i64.pow(hits.scale()),
            );
            counts.insert(
                Some(1),
                10_000 - i64::try_from(hits.mantissa()).unwrap() / 10i64.pow(hits.scale()),
            );
        }
    }
    let scores = score(s, &t);
    let root = &scores.nodes[0];
    assert_eq!(root.points.as_deref(), Some("17.1138"));
    assert_eq!(
        find(&scores.nodes, "2.4.1").points.as_deref(),
        Some("0.8219")
    );
}

#[test]
fn sipas_8_1_adds_up_to_10_points_in_both_sipas_forms() {
    let c = catalog();
    for id in ["sipas-counter", "sipas-2022-household"] {
        let s = c.get(id).unwrap();
        let node = s.node("DVHCC").unwrap().points.as_ref().unwrap();
        assert_eq!(
            (node.max, node.baseline),
            (d("10"), Some(d("8.0700"))),
            "{id}"
        );
        for e in ["E1", "E2", "E3", "E4", "E5"] {
            assert_eq!(
                s.node(e).unwrap().items,
                c.get("sipas-counter").unwrap().node(e).unwrap().items,
                "{id} {e}: the two forms share item codes"
            );
        }
    }
}

#[test]
fn household_headline_combines_policy_and_service_and_e5_counts_only_complainants() {
    let c = catalog();
    let s = c.get("sipas-2022-household").unwrap();
    let yes = 1;
    let mut answers: Vec<(String, Option<i16>)> =
        vec![("C8.4".into(), Some(yes)), ("C8.5".into(), Some(2))];
    answers.extend(s.scored_items().iter().map(|i| (i.to_string(), Some(5))));
    let mut t = Tallies::of_response(s, &answers, &BTreeMap::new());
    assert!(
        !t.items.contains_key("E5.1"),
        "a respondent who made no complaint does not count in E5"
    );
    let mut complainant = answers.clone();
    complainant[1].1 = Some(yes);
    for (code, v) in complainant.iter_mut() {
        if code.starts_with("A") || code.starts_with("B") {
            *v = Some(1);
        }
    }
    t.add(&Tallies::of_response(s, &complainant, &BTreeMap::new()));
    let scores = score(s, &t);
    assert_eq!(find(&scores.nodes, "E5.1").n, 1);
    let cs = find(&scores.nodes, "CS").value.unwrap();
    let dv = find(&scores.nodes, "DVHCC").value.unwrap();
    let head = find(&scores.nodes, "SIPAS").value.unwrap();
    assert!((head - (cs + dv) / 2.0).abs() < 1e-9);
    assert!(cs < 100.0 && dv == 100.0);
}

#[test]
fn mean_of_groups_weighs_each_group_the_same() {
    let c = catalog();
    let pooled = c.get("parindex-officials-2022").unwrap();
    let text = std::fs::read_to_string(&pooled.file)
        .unwrap()
        .replace("pooling = \"pooled\"", "pooling = \"mean_of_groups\"");
    let by_group = parse_definition("officials.toml", &text).unwrap();
    // 1 HĐND deputy rates "Rất tốt", 3 department leaders "Rất kém".
    let mut groups = BTreeMap::new();
    for (g, v, n) in [("hdnd", 5, 1), ("lanh_dao_so", 1, 3)] {
        let mut t = Tallies::default();
        for _ in 0..n {
            t.add(&Tallies::of_response(
                pooled,
                &[("Q2.4.1".into(), Some(v))],
                &BTreeMap::new(),
            ));
        }
        groups.insert(g.to_string(), t);
    }
    let a = score_groups(pooled, &groups);
    let b = score_groups(&by_group, &groups);
    assert_eq!(find(&a.nodes, "2.4.1").value, Some(25.0));
    assert_eq!(find(&b.nodes, "2.4.1").value, Some(50.0));
    assert_eq!(find(&b.nodes, "2.4.1").points.as_deref(), Some("0.5000"));
    let per_group = &find(&a.nodes, "2.4.1").by_group;
    assert_eq!(
        per_group
            .iter()
            .map(|g| (g.group.as_str(), g.value))
            .collect::<Vec<_>>(),
        [("hdnd", Some(100.0)), ("lanh_dao_so", Some(0.0))]
    );
}

/// Letters only Vietnamese writes: an English name holding one was not translated.
fn looks_vietnamese(s: &str) -> bool {
    s.chars().any(|c| {
        "ăâđêôơưĂÂĐÊÔƠƯàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"
            .contains(c.to_lowercase().next().unwrap_or(c))
    })
}

fn check_english(what: &str, name: &str, name_en: Option<&str>, missing: &mut Vec<String>) {
    match name_en.map(str::trim) {
        Some(en) if !en.is_empty() && !looks_vietnamese(en) => {}
        other => missing.push(format!("{what} “{name}”: name_en {other:?}")),
    }
}

/// The English pages name every index node, PAR INDEX field and criterion in English: each
/// shipped definition gives every one a `name_en`, so a new node without one fails here.
#[test]
fn every_index_node_field_and_criterion_has_an_english_name() {
    let mut missing = Vec::new();
    let c = catalog();
    assert!(c.surveys.len() >= 4);
    for s in c.surveys.values() {
        for n in &s.index {
            let what = format!("{} node {}", s.id, n.code);
            check_english(&what, &n.name, n.name_en.as_deref(), &mut missing);
        }
    }
    let trees = std::fs::read_dir(surveys_dir().join("trees")).unwrap();
    let mut seen = 0;
    for path in trees.map(|e| e.unwrap().path()) {
        if path.extension().is_none_or(|x| x != "toml") {
            continue;
        }
        let t = chiso::survey::par::load_tree(&path).unwrap();
        seen += 1;
        for f in &t.fields {
            let what = format!("{} field {}", t.id, f.code);
            check_english(&what, &f.name, f.name_en.as_deref(), &mut missing);
        }
        for k in &t.criteria {
            let what = format!("{} criterion {}", t.id, k.code);
            check_english(&what, &k.name, k.name_en.as_deref(), &mut missing);
        }
    }
    assert!(seen >= 1, "the PAR INDEX tree is checked");
    assert!(
        missing.is_empty(),
        "no English name:\n{}",
        missing.join("\n")
    );
    assert!(looks_vietnamese("Tiếp cận dịch vụ") && !looks_vietnamese("Access to services"));
}
