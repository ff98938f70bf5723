use super::*;
use crate::survey::parse_definition;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

fn counter_form() -> Survey {
    parse_definition(
        "sipas-counter.toml",
        include_str!("../../surveys/sipas-counter.toml"),
    )
    .unwrap()
}

fn find<'a>(nodes: &'a [NodeScore], code: &str) -> &'a NodeScore {
    fn walk<'a>(nodes: &'a [NodeScore], code: &str) -> Option<&'a NodeScore> {
        nodes.iter().find_map(|n| {
            (n.code == code)
                .then_some(n)
                .or_else(|| walk(&n.children, code))
        })
    }
    walk(nodes, code).unwrap()
}

/// Tallies where every item of element `e` has `sat` satisfied answers out of `n`.
fn tallies_with(survey: &Survey, shares: &[(&str, i64, i64)]) -> Tallies {
    let mut t = Tallies::default();
    for (element, sat, n) in shares {
        for item in &survey.node(element).unwrap().items {
            let values = t.items.entry(item.clone()).or_default();
            values.insert(Some(5), *sat);
            values.insert(Some(2), n - sat);
            values.insert(None, 7); // "no opinion" never counts
        }
    }
    t
}

#[test]
fn can_tho_2022_element_indices_give_the_published_8_1_points() {
    let s = counter_form();
    let t = tallies_with(
        &s,
        &[
            ("E1", 2006, 2500),
            ("E2", 4009, 5000),
            ("E3", 8437, 10000),
            ("E4", 8103, 10000),
            ("E5", 7643, 10000),
        ],
    );
    let scores = score(&s, &t);
    let want = [
        ("E1", 80.24, "1.2036"),
        ("E2", 80.18, "1.2027"),
        ("E3", 84.37, "2.1093"),
        ("E4", 81.03, "2.0258"),
        ("E5", 76.43, "1.5286"),
    ];
    for (code, value, points) in want {
        let node = find(&scores.nodes, code);
        assert!((node.value.unwrap() - value).abs() < 1e-9, "{code}");
        assert_eq!(node.points.as_deref(), Some(points), "{code}");
        assert_eq!(node.delta, Some(0.0), "{code} equals its baseline");
        assert_eq!(node.significant, Some(false), "{code}");
    }
    let root = find(&scores.nodes, "DVHCC");
    assert_eq!(root.points.as_deref(), Some("8.0700"));
    assert_eq!(root.points_max.as_deref(), Some("10"));
    assert_eq!(root.points_baseline.as_deref(), Some("8.0700"));
    assert!((root.value.unwrap() - 80.45).abs() < 1e-9);
}

#[test]
fn item_index_is_the_share_of_4_and_5_among_valid_answers() {
    let s = counter_form();
    let mut t = Tallies::default();
    for (v, n) in [
        (Some(1), 1),
        (Some(3), 1),
        (Some(4), 1),
        (Some(5), 1),
        (None, 10),
    ] {
        t.items.entry("E1.1".into()).or_default().insert(v, n);
    }
    let scores = score(&s, &t);
    let item = find(&scores.nodes, "E1.1");
    assert_eq!((item.value, item.n), (Some(50.0), 4));
    let (lo, hi) = (item.ci_low.unwrap(), item.ci_high.unwrap());
    assert!(
        lo > 10.0 && lo < 20.0 && hi > 80.0 && hi < 90.0,
        "Wilson 2/4: {lo} {hi}"
    );
    // E1 is measured by its one answered item; elements without answers have no value.
    assert_eq!(find(&scores.nodes, "E1").value, Some(50.0));
    assert_eq!(find(&scores.nodes, "E2").value, None);
    assert_eq!(find(&scores.nodes, "DVHCC").points, None);
}

#[test]
fn tallies_of_responses_add_up() {
    let s = counter_form();
    let a = vec![("E1.1".to_string(), Some(5)), ("E1.2".to_string(), None)];
    let b = vec![("E1.1".to_string(), Some(2)), ("E1.2".to_string(), Some(4))];
    let mut t = Tallies::of_response(&s, &a, &BTreeMap::new());
    t.add(&Tallies::of_response(&s, &b, &BTreeMap::new()));
    assert_eq!(t.responses, 2);
    assert_eq!(t.items["E1.1"][&Some(5)], 1);
    assert_eq!(t.items["E1.2"][&None], 1);
    let both = t.pairs[&("E1.1".to_string(), "E1.2".to_string())];
    assert_eq!(
        (both.n, both.sum_a, both.sum_b, both.sum_ab),
        (1, 0.0, 1.0, 0.0)
    );
    assert_eq!(t.pairs[&("E1.1".to_string(), "E1.1".to_string())].n, 2);
}

/// Respondents differ in mood, so their answers to items are correlated; missing answers are
/// scattered. The interval must cover the true element and service indices about 95 % of
/// the time, which an interval treating items as independent would not.
#[test]
fn intervals_cover_the_true_value_about_95_percent_of_the_time() {
    let s = counter_form();
    let items: Vec<String> = s.scored_items().iter().map(|c| c.to_string()).collect();
    let quality: Vec<f64> = (0..items.len())
        .map(|j| 0.80 + 0.01 * (j % 8) as f64)
        .collect();
    // P(satisfied) = mood × quality with mood 0.6 or 1.0 equally likely → mean mood 0.8.
    let truth_item = |j: usize| 100.0 * 0.8 * quality[j];
    let mean = |codes: &[String]| {
        codes
            .iter()
            .map(|c| truth_item(items.iter().position(|i| i == c).unwrap()))
            .sum::<f64>()
            / codes.len() as f64
    };
    let truth_e3 = mean(&s.node("E3").unwrap().items);
    let truth_root = ["E1", "E2", "E3", "E4", "E5"]
        .iter()
        .map(|e| mean(&s.node(e).unwrap().items))
        .sum::<f64>()
        / 5.0;

    let mut rng = StdRng::seed_from_u64(20221);
    let runs = 400;
    let (mut hit_e3, mut hit_root) = (0, 0);
    for _ in 0..runs {
        let mut t = Tallies::default();
        for _ in 0..150 {
            let mood = if rng.gen_bool(0.5) { 0.6 } else { 1.0 };
            let answers: Vec<(String, Option<i16>)> = items
                .iter()
                .enumerate()
                .map(|(j, code)| {
                    let v = if rng.gen_bool(0.1) {
                        None
                    } else if rng.gen_bool(mood * quality[j]) {
                        Some(4)
                    } else {
                        Some(2)
                    };
                    (code.clone(), v)
                })
                .collect();
            t.add(&Tallies::of_response(&s, &answers, &BTreeMap::new()));
        }
        let scores = score(&s, &t);
        let covers =
            |n: &NodeScore, truth: f64| n.ci_low.unwrap() <= truth && truth <= n.ci_high.unwrap();
        hit_e3 += covers(find(&scores.nodes, "E3"), truth_e3) as i32;
        hit_root += covers(find(&scores.nodes, "DVHCC"), truth_root) as i32;
    }
    for (what, hits) in [("E3", hit_e3), ("service index", hit_root)] {
        let rate = hits as f64 / runs as f64;
        assert!((0.92..=0.98).contains(&rate), "{what}: coverage {rate}");
    }
}

#[test]
fn a_clear_drop_from_baseline_is_significant() {
    let s = counter_form();
    let t = tallies_with(&s, &[("E1", 600, 1000)]);
    let e1 = find(&score(&s, &t).nodes, "E1").clone();
    assert_eq!(e1.value, Some(60.0));
    assert!((e1.delta.unwrap() + 20.24).abs() < 1e-9);
    assert_eq!(e1.significant, Some(true));
    assert_eq!(e1.points.as_deref(), Some("0.9000"));
}

#[test]
fn the_counting_walk_gives_the_headline_s_n() {
    let s = counter_form();
    let mut rng = StdRng::seed_from_u64(7);
    assert_eq!(headline_n(&s, &Tallies::default()), 0);
    for _ in 0..50 {
        // Some elements unanswered, some answered by few: the n a cell is withheld by.
        let mut shares: Vec<(&str, i64, i64)> = Vec::new();
        for e in ["E1", "E2", "E3", "E4", "E5"] {
            if rng.gen_bool(0.7) {
                let n = rng.gen_range(1..12);
                shares.push((e, rng.gen_range(0..=n), n));
            }
        }
        let t = tallies_with(&s, &shares);
        let full = headline(&s, &t).map_or(0, |h| h.n);
        assert_eq!(headline_n(&s, &t), full, "{shares:?}");
    }
}
