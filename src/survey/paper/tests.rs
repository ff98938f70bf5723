use super::*;
use crate::survey::{fixture, load_file, parse_definition};
use serde_json::Value;
use std::path::Path;

mod fixture_survey {
    use super::*;
    pub fn household() -> Survey {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("surveys/sipas-2022-household.toml");
        load_file(&path).expect("the household form loads")
    }
}
use fixture_survey as fx;

/// What a keyer typed: each field's name and its keys.
fn typed(keys: &[(&str, &str)]) -> Keyed {
    keys.iter()
        .map(|(name, key)| (name.to_string(), key.to_string()))
        .collect()
}

#[test]
fn a_skipped_question_is_not_asked_and_its_condition_is_in_keys() {
    let survey = parse_definition("t.toml", fixture::GOOD).expect("fixture");
    let fields = layout(&survey);
    let a2 = fields.iter().find(|f| f.name == "q.A2").expect("A2");
    let cond = a2.show_if.as_ref().expect("A2 has a condition");
    assert_eq!(
        (cond.name.as_str(), cond.label.as_str(), cond.keys.clone()),
        ("q.A1", "A1", vec!["2".to_string()])
    );
    let keyed = typed(&[("q.A1", "1"), ("q.A2", "2")]);
    // A2 is skipped on paper when A1 = 1: whatever was typed there is dropped.
    let clean = check(&fields, &keyed).expect("valid");
    assert!(!clean.contains_key("q.A2"));
}

#[test]
fn no_opinion_takes_nine_unless_the_scale_uses_it() {
    assert_eq!(no_opinion_key(&[1, 2, 3, 4, 5]), Some(9));
    assert_eq!(no_opinion_key(&[1, 2, 9]), Some(8));
}

#[test]
fn the_household_form_is_numbered_in_order_and_keys_back() {
    let survey = fx::household();
    let fields = layout(&survey);
    assert!(fields.iter().enumerate().all(|(i, f)| f.number == i + 1));
    // The first satisfaction item: its scale, then "no opinion" under 9.
    let first_item = fields
        .iter()
        .find(|f| f.name.starts_with("q.") && f.keys().contains('5'))
        .expect("items");
    assert_eq!(first_item.keys(), "1, 2, 3, 4, 5, 9");
    let keyed = typed(&[(first_item.name.as_str(), "9"), ("bg.gioi_tinh", "2")]);
    let clean = check(&fields, &keyed).expect("valid");
    let filled = fill(&fields, &clean);
    let code = first_item.name.trim_start_matches("q.");
    assert_eq!(filled.answers.get(code), Some(&Value::Null));
    assert_eq!(
        filled.background.get("gioi_tinh"),
        Some(&Value::String("nu".into()))
    );
}

#[test]
fn a_code_not_on_the_paper_is_refused_by_number() {
    let survey = fx::household();
    let fields = layout(&survey);
    let item = fields
        .iter()
        .find(|f| f.name.starts_with("q."))
        .expect("items");
    let keyed = typed(&[(item.name.as_str(), "7")]);
    let errors = check(&fields, &keyed).expect_err("7 is not a code");
    assert_eq!(errors.len(), 1);
    assert!(errors[0]
        .message
        .vi
        .starts_with(&format!("{}:", item.label)));
    assert!(errors[0]
        .message
        .en
        .starts_with(&format!("{}:", item.label)));
}

#[test]
fn stored_values_key_back_to_what_was_typed() {
    let survey = fx::household();
    let fields = layout(&survey);
    let keyed = typed(&[
        ("bg.gioi_tinh", "2"),
        ("q.C8.4", "1"),
        ("q.E1.1", "9"),
        ("q.E1.2", "4"),
    ]);
    let clean = check(&fields, &keyed).expect("valid");
    assert_eq!(keys_for(&fields, &fill(&fields, &clean)), clean);
}

#[test]
fn differences_name_the_fields_that_differ() {
    let survey = fx::household();
    let fields = layout(&survey);
    let a = typed(&[("bg.gioi_tinh", "1")]);
    let mut b = a.clone();
    assert!(differences(&fields, &a, &b).is_empty());
    b.insert("bg.gioi_tinh".into(), "2".into());
    let d = differences(&fields, &a, &b);
    assert_eq!(d.len(), 1);
    assert_eq!((d[0].1.as_str(), d[0].2.as_str()), ("1", "2"));
}
