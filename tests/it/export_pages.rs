//! Exports larger than a page: every form once, by unit, day and id, each with its own answers.

use crate::export::{as_supervisor, supervisor_app, COUNTER};
use crate::harness::*;

/// Imports `n` counter forms of `period`, form `i` answering every item `value(i)`, stored as
/// an import stores verified forms; the units alternate between a ward of Ninh Kiều and Bình
/// Thủy.
fn import_forms(app: &TestApp, period: i32, n: usize, value: impl Fn(usize) -> usize) {
    let mut file = format!("unit,date,linh_vuc,{}\n", ITEMS.join(","));
    for i in 0..n {
        let unit = if i % 2 == 0 { "NK-P-CAI-KHE" } else { "BT" };
        let v = value(i).to_string();
        file.push_str(&format!(
            "{unit},{period}-03-01,chung_thuc,{}\n",
            vec![v; ITEMS.len()].join(",")
        ));
    }
    let opts = chiso::features::import::service::ImportOptions {
        survey: "sipas-counter".into(),
        unit: None,
        period: Some(period),
        channel: "paper".into(),
        skip_invalid: false,
        rejects: None,
        scope: None,
        entry: chiso::features::import::service::Entry::Verified,
        forms: Default::default(),
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("phieu-{period}.csv"));
    std::fs::write(&path, file).unwrap();
    // The import blocks: off the test's async thread.
    let state = app.state.clone();
    let report = std::thread::spawn(move || {
        chiso::features::import::service::import_file(
            &state,
            &path,
            "phieu.csv",
            &opts,
            &chiso::features::import::service::Quiet,
        )
        .unwrap()
    })
    .join()
    .unwrap();
    assert_eq!(report.created, n);
}

#[actix_web::test]
async fn an_export_larger_than_a_page_has_every_form_once() {
    let app = supervisor_app();
    // One page and a bit.
    let n = chiso::db::export::PAGE as usize + 7;
    import_forms(&app, PERIOD, n, |i| 1 + i % 5);
    let rows = as_supervisor(&app, COUNTER).await.rows();
    assert_eq!(rows.len(), n + 1);
    // Columns: id, unit, channel, period, date…
    let places: Vec<(&String, &String, &String)> =
        rows[1..].iter().map(|r| (&r[1], &r[4], &r[0])).collect();
    assert!(
        places.windows(2).all(|w| w[0] < w[1]),
        "by unit, day, then id, none twice"
    );
    let mut ids: Vec<&String> = rows[1..].iter().map(|r| &r[0]).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), n);
    let rows = as_supervisor(&app, &format!("{COUNTER}&unit=NK"))
        .await
        .rows();
    assert_eq!(rows.len(), n.div_ceil(2) + 1);
    assert!(rows[1..]
        .iter()
        .all(|r| r[1] == "NK-P-CAI-KHE" && r[7] == "chung_thuc"));
}

/// Pages are read a range of forms at a time, answers and forms side by side: forms of another
/// period, whose ids fall between the exported ones, lend them no answer, and no form loses
/// one at the edge of a page, for every unit or a few.
#[actix_web::test]
async fn each_form_of_a_long_export_has_its_own_answers_and_no_other() {
    let app = supervisor_app();
    let n = chiso::db::export::PAGE as usize + 11;
    // This period's forms answer 1 to 4; the other period's answer 5 throughout.
    import_forms(&app, PERIOD, n, |i| 1 + i % 4);
    import_forms(&app, PERIOD - 1, n / 3, |_| 5);
    for (query, forms) in [
        (COUNTER.to_string(), n),
        (format!("{COUNTER}&unit=NK"), n.div_ceil(2)),
    ] {
        let rows = as_supervisor(&app, &query).await.rows();
        assert_eq!(rows.len(), forms + 1, "{query}");
        let header = &rows[0];
        let items: Vec<usize> = ITEMS
            .iter()
            .map(|c| header.iter().position(|h| h == c).unwrap())
            .collect();
        let mut by_value = [0usize; 6];
        for r in &rows[1..] {
            let v = &r[items[0]];
            assert!(
                items.iter().all(|&k| &r[k] == v),
                "{query}: form {} answers {:?}",
                r[0],
                items.iter().map(|&k| &r[k]).collect::<Vec<_>>()
            );
            by_value[v.parse::<usize>().unwrap()] += 1;
        }
        let expected: Vec<usize> = (0..6)
            .map(|v| {
                (0..n)
                    .filter(|i| 1 + i % 4 == v && (query == COUNTER || i % 2 == 0))
                    .count()
            })
            .collect();
        assert_eq!(by_value.to_vec(), expected, "{query}");
    }
}
