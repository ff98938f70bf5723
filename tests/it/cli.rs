//! The command line, run as an operator runs it.

use crate::harness::{
    assert_fails_saying, assert_refused, assert_said, assert_says, check_refuses,
    check_shipped_definitions, definitions_with, import_counter_forms, open_state,
    process_database, surveys_dir, text, token_grant_in, words, ADMIN_PROCESS_PASSWORD, ITEMS,
};
use std::process::{Command, Output};

fn chiso(db: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_chiso"))
        .args(args)
        .env("DATABASE_URL", db)
        .env("CHISO_SURVEYS", surveys_dir())
        .env("CHISO_ADMIN_PASSWORD", ADMIN_PROCESS_PASSWORD)
        .output()
        .unwrap()
}

#[test]
fn check_accepts_the_shipped_definitions() {
    let out = check_shipped_definitions();
    let t = text(&out);
    assert_says(&t, &["sipas-counter (sipas), 19 items", "113 units"]);
}

#[test]
fn check_rejects_broken_copies_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let original = std::fs::read_to_string(surveys_dir().join("sipas-counter.toml")).unwrap();
    let cases = [
        (
            "code = \"E2.2\"",
            "code = \"E2.1\"",
            "question code 'E2.1' is used twice",
        ),
        (
            "scale = \"hai_long\"\nrequired = true\n\n[[sections.items]]\ncode = \"E1.2\"",
            "scale = \"thang_do\"\nrequired = true\n\n[[sections.items]]\ncode = \"E1.2\"",
            "unknown scale 'thang_do'",
        ),
        (
            "items = [\"E5.1\", \"E5.2\", \"E5.3\"]",
            "items = [\"E5.1\", \"E5.2\"]",
            "item 'E5.3' is in no index node",
        ),
        (
            "points_max = \"2.0\"",
            "points_max = \"2.5\"",
            "points do not add up",
        ),
    ];
    for (from, to, message) in cases {
        assert!(original.contains(from), "{from}");
        let broken = original.replacen(from, to, 1);
        std::fs::write(dir.path().join("sipas-counter.toml"), &broken).unwrap();
        let line = check_refuses(dir.path(), message, message);
        let mut parts = line.splitn(3, ':');
        assert!(
            parts.next().unwrap().ends_with("sipas-counter.toml"),
            "{line}"
        );
        let n: usize = parts.next().unwrap().parse().unwrap();
        assert!(n > 1, "{line}");
    }
}

#[test]
fn paper_forms_import_once_and_score_from_the_command_line() {
    let (dir, db, _guard) = process_database();
    let csv = dir.path().join("dot-1.csv");
    let mut rows = vec![format!("unit,date,linh_vuc,{}", ITEMS.join(","))];
    for (unit, v) in [("NK", "5"), ("NK-P-AN-CU", "4"), ("BT", "2"), ("BT", "na")] {
        rows.push(format!(
            "{unit},2025-05-04,ho_tich,{}",
            vec![v; 19].join(",")
        ));
    }
    std::fs::write(&csv, rows.join("\n")).unwrap();
    let out = import_counter_forms(&db, &csv, &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert_said(&out, "imported 4 forms (0 already present)");
    let out = import_counter_forms(&db, &csv, &[]);
    assert_said(&out, "imported 0 forms (4 already present)");

    let out = chiso(
        &db,
        &[
            "score",
            "--survey",
            "sipas-counter",
            "--period",
            "2025",
            "--format",
            "json",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["responses"], 4);
    let e1 = &v["nodes"][0]["children"][0];
    assert_eq!(
        (e1["code"].as_str(), e1["n"].as_i64()),
        (Some("E1"), Some(3))
    );
    assert!((e1["value"].as_f64().unwrap() - 200.0 / 3.0).abs() < 1e-9);
    // One district's few forms are withheld under the smallest cell (5 by default), and
    // shown when the setting allows it.
    let args = words("score --survey sipas-counter --period 2025 --unit NK");
    let out = chiso(&db, &args);
    assert_said(&out, "E1       withheld");
    let out = chiso(&db, &[&args[..], &["--min-cell", "1"]].concat());
    assert_said(&out, "E1         100.00");

    // A bad row stores nothing and names the file, line and field.
    std::fs::write(
        &csv,
        format!(
            "{}\nNK,2025-05-04,ho_tich,{}",
            rows[0],
            vec!["7"; 19].join(",")
        ),
    )
    .unwrap();
    let out = import_counter_forms(&db, &csv, &[]);
    assert_refused(&out, "dot-1.csv:2: column E1.1, value \"7\"");
}

#[test]
fn operators_create_users_tokens_and_kiosks() {
    let (_dir, db, _guard) = process_database();
    let out = chiso(
        &db,
        &["user", "add", "lan", "--role", "viewer", "--unit", "NK"],
    );
    assert!(
        out.status.success() && text(&out).contains("Added user 'lan' (viewer)"),
        "{}",
        text(&out)
    );
    let out = chiso(&db, &["user", "add", "x", "--role", "boss"]);
    assert!(
        !out.status.success()
            && text(&out).contains("invalid value 'boss' for '--role <ROLE>'")
            && text(&out).contains("admin, supervisor, surveyor, viewer"),
        "{}",
        text(&out)
    );
    let out = chiso(&db, &["token", "create", "--role", "surveyor"]);
    let api_token = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert_eq!(api_token.len(), 64);
    let out = chiso(
        &db,
        &[
            "token",
            "create",
            "--role",
            "viewer",
            "--label",
            "dashboard",
        ],
    );
    assert!(out.status.success());
    let listed = String::from_utf8_lossy(&chiso(&db, &["token", "list"]).stdout).to_string();
    let lines: Vec<&str> = listed.lines().collect();
    assert_eq!(lines.len(), 2, "{listed}");
    assert!(lines[1].contains("\tviewer\t-\tdashboard\t") && lines[1].ends_with("\tactive"));
    // A token limited to a unit, as users may be; an unknown unit creates nothing.
    let out = chiso(
        &db,
        &[
            "token",
            "create",
            "--role",
            "supervisor",
            "--unit",
            "NK",
            "--label",
            "nk",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let scoped = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let out = chiso(
        &db,
        &["token", "create", "--role", "viewer", "--unit", "KHONG-CO"],
    );
    assert_fails_saying(&out, "KHONG-CO");
    let listed = String::from_utf8_lossy(&chiso(&db, &["token", "list"]).stdout).to_string();
    assert_eq!(listed.lines().count(), 3, "{listed}");
    assert!(listed.contains("\tsupervisor\tNK\tnk\t"), "{listed}");
    let grant = token_grant_in(&db, &scoped).expect("the token opens");
    assert_eq!(grant.unit.as_deref(), Some("NK"));
    assert!(
        !listed.contains(&api_token),
        "a listing never shows a token"
    );
    // Revoked by the token itself, then by id.
    assert!(chiso(&db, &["token", "revoke", &api_token])
        .status
        .success());
    let out = chiso(&db, &["token", "revoke", &api_token]);
    assert_fails_saying(&out, "no active API token");
    let viewer_id = lines[1].split('\t').next().unwrap();
    assert!(chiso(&db, &["token", "revoke", viewer_id]).status.success());
    let listed = String::from_utf8_lossy(&chiso(&db, &["token", "list"]).stdout).to_string();
    assert_eq!(listed.matches("\trevoked ").count(), 2, "{listed}");
    assert!(
        token_grant_in(&db, &api_token).is_none(),
        "a revoked token opens nothing"
    );
    // A counter today belongs to a unit of the merged city; Cái Răng district is gone.
    let out = chiso(
        &db,
        &["kiosk", "add", "--unit", "CR", "--survey", "sipas-counter"],
    );
    assert_fails_saying(&out, "unit 'CR' (Quận Cái Răng) no longer exists");
    let out = chiso(
        &db,
        &words("kiosk add --unit P-CAI-RANG --survey sipas-counter"),
    );
    let url = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(
        url.starts_with("http://127.0.0.1:8080/k/") && url.len() == 24 + 64,
        "{url}"
    );
    let token = url.rsplit('/').next().unwrap();
    assert!(chiso(&db, &["kiosk", "revoke", token]).status.success());
    assert!(
        !chiso(&db, &["kiosk", "revoke", token]).status.success(),
        "already revoked"
    );
    let out = chiso(
        &db,
        &["kiosk", "add", "--unit", "HN", "--survey", "sipas-counter"],
    );
    assert_fails_saying(&out, "unknown unit 'HN'");
}

#[test]
fn check_rejects_broken_copies_of_every_instrument() {
    let cases = [
        (
            "parindex-officials-2022.toml",
            "owner = \"Sở Tư pháp\"\n",
            "",
            "has no owner",
        ),
        (
            "parindex-officials-2022.toml",
            "code = \"2.4.2\"",
            "code = \"2.4.1\"",
            "index node '2.4.1' is defined twice",
        ),
        (
            "papi-aligned.toml",
            "items = [",
            "xitems = [",
            "unknown field `xitems`",
        ),
        (
            "sipas-2022-household.toml",
            "score = 1 }",
            "score = 1.25 }",
            "outside [0, 1]",
        ),
    ];
    for (file, from, to, message) in cases {
        let dir = definitions_with(file, |original| {
            assert!(original.contains(from), "{file}: {from}");
            original.replacen(from, to, 1)
        });
        let line = check_refuses(dir.path(), message, &format!("{file}: {message}"));
        assert!(line.contains(&format!("{file}:")), "{line}");
        let n: usize = line.split(':').nth(1).unwrap().parse().unwrap();
        assert!(n > 1, "{line}");
    }
}

#[test]
fn check_rejects_a_papi_sub_dimension_without_items() {
    // Drop the item list of sub-dimension 8.1.
    let dir = definitions_with("papi-aligned.toml", |text| {
        let at = text.find("code = \"8.1\"").unwrap();
        let items = at + text[at..].find("items = [").unwrap();
        let end = items + text[items..].find('\n').unwrap();
        format!("{}{}", &text[..items], &text[end..])
    });
    let what = "PAPI sub-dimension '8.1' has no item";
    check_refuses(dir.path(), what, what);
}

#[test]
fn recount_finds_and_fixes_counts_that_drifted_from_the_answers() {
    let (dir, db, _guard) = process_database();
    let csv = dir.path().join("f.csv");
    let header = format!("unit,date,linh_vuc,{}", ITEMS.join(","));
    let row = format!("NK,2025-05-04,ho_tich,{}", vec!["4"; 19].join(","));
    std::fs::write(&csv, format!("{header}\n{row}\n{row}\n")).unwrap();
    assert!(import_counter_forms(&db, &csv, &[]).status.success());
    let out = chiso(&db, &["recount"]);
    assert!(
        out.status.success() && text(&out).contains("running counts agree"),
        "{}",
        text(&out)
    );

    // Damage one count behind the application's back.
    let state = open_state(&db);
    let mut conn = state.pool.get().unwrap();
    {
        use diesel::RunQueryDsl;
        diesel::sql_query("UPDATE response_tallies SET n = n + 5")
            .execute(&mut *conn)
            .unwrap();
    }
    drop(conn);
    state.close();
    let out = chiso(&db, &["recount"]);
    assert_refused(&out, "difference: sipas-counter");
    let out = chiso(&db, &["recount", "--fix"]);
    assert!(
        out.status.success() && text(&out).contains("replaced by the recount"),
        "{}",
        text(&out)
    );
    let out = chiso(&db, &["recount"]);
    assert!(
        out.status.success() && text(&out).contains("running counts agree"),
        "{}",
        text(&out)
    );
}

#[test]
fn bench_runs_end_to_end_at_a_small_size() {
    // The documented command, shrunk: every part runs, the recount agrees, the figures print.
    let out = chiso(
        "sqlite://unused.db",
        &[
            "bench",
            "--ingest",
            "60",
            "--clients",
            "4",
            "--bare",
            "5",
            "--sizes",
            "300",
        ],
    );
    let t = text(&out);
    assert!(out.status.success(), "{t}");
    for part in [
        "responses/s",
        "ratio HTTP / bare loop",
        "recount (s)",
        "recount/GROUP BY",
        "(target: recount/GROUP BY at most 0.5)",
        "server RSS",
        "export as CSV (as `chiso export`): 300 responses",
        "export over HTTP: 300 responses",
        "server RSS during the export: peak",
        // The settings its SQLite database runs with, as SQLite reports them.
        "SQLite (journal_mode=wal, synchronous=2, foreign_keys=1, page_size=16384)",
    ] {
        assert!(t.contains(part), "{part} missing from:\n{t}");
    }
    assert!(!std::path::Path::new("unused.db").exists());
}

/// Forms stored for a survey and period, as `chiso score` counts them.
fn stored(db: &str, period: &str) -> i64 {
    let out = chiso(
        db,
        &[
            "score",
            "--survey",
            "sipas-counter",
            "--period",
            period,
            "--format",
            "json",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()["responses"]
        .as_i64()
        .unwrap()
}

fn form_row(unit: &str, value: &str) -> String {
    format!("{unit},2025-05-04,ho_tich,{}", vec![value; 19].join(","))
}

#[test]
fn an_import_checks_every_row_first_and_stores_all_or_nothing() {
    let (dir, db, _guard) = process_database();
    let header = format!("unit,date,linh_vuc,{}", ITEMS.join(","));
    let mut rows: Vec<String> = (0..10).map(|i| form_row("NK", ["5", "4"][i % 2])).collect();
    rows[2] = form_row("NK", "9"); // line 4: a value the scale does not have
    rows[5] = form_row("ZZ", "5"); // line 7: an unknown unit
    rows[7] = rows[7].replace("2025-05-04", "2027-02-30"); // line 9: no such date
    let file = dir.path().join("phieu.csv");
    std::fs::write(&file, format!("{header}\n{}", rows.join("\n"))).unwrap();
    let out = import_counter_forms(&db, &file, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    for expected in [
        "phieu.csv:4: column E1.1, value \"9\"",
        "phieu.csv:7: column unit, value \"ZZ\": unknown unit 'ZZ'",
        "phieu.csv:9: column date",
    ] {
        assert!(
            text(&out).contains(expected),
            "every problem in one pass: {}",
            text(&out)
        );
    }
    assert_eq!(stored(&db, "2025"), 0, "nothing stored");

    // Corrected and imported again: all ten, once; a third time: none.
    rows[2] = form_row("NK", "3");
    rows[5] = form_row("NK-P-CAI-KHE", "5");
    rows[7] = form_row("NK", "4");
    std::fs::write(&file, format!("{header}\n{}", rows.join("\n"))).unwrap();
    let out = import_counter_forms(&db, &file, &[]);
    assert_said(&out, "imported 10 forms (0 already present)");
    let out = import_counter_forms(&db, &file, &[]);
    assert_said(&out, "imported 0 forms (10 already present)");
    assert_eq!(stored(&db, "2025"), 10);

    // Another district's file of the same name, with forms like these, is new.
    let other = dir.path().join("quan-binh-thuy");
    std::fs::create_dir(&other).unwrap();
    let theirs = other.join("phieu.csv");
    std::fs::write(
        &theirs,
        format!("{header}\n{}\n{}", form_row("BT", "5"), form_row("BT", "5")),
    )
    .unwrap();
    let out = import_counter_forms(&db, &theirs, &[]);
    assert_said(&out, "imported 2 forms (0 already present)");
    assert_eq!(stored(&db, "2025"), 12);
}

#[test]
fn one_submission_id_twice_in_a_file_is_one_form_or_an_error() {
    let (dir, db, _guard) = process_database();
    let header = format!("submission_id,unit,date,linh_vuc,{}", ITEMS.join(","));
    let sid = uuid::Uuid::new_v4().to_string();
    let file = dir.path().join("serials.csv");
    let same = format!("{sid},{}", form_row("NK", "5"));
    std::fs::write(&file, format!("{header}\n{same}\n{same}")).unwrap();
    let out = import_counter_forms(&db, &file, &[]);
    assert_said(&out, "imported 1 forms (1 already present)");

    let other = uuid::Uuid::new_v4().to_string();
    let clash = format!(
        "{header}\n{other},{}\n{},{}",
        form_row("NK", "5"),
        other.to_uppercase(),
        form_row("NK", "1")
    );
    std::fs::write(&file, clash).unwrap();
    let out = import_counter_forms(&db, &file, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("serials.csv:3: column submission_id") && text(&out).contains("row 2"),
        "{}",
        text(&out)
    );
    assert_eq!(stored(&db, "2025"), 1);
}

#[test]
fn common_flags_go_before_or_after_the_subcommand() {
    let (_dir, db, _guard) = process_database();
    let surveys = surveys_dir();
    let surveys = surveys.to_str().unwrap();
    for args in [
        vec![
            "--database",
            &db,
            "--surveys",
            surveys,
            "token",
            "create",
            "--role",
            "viewer",
        ],
        vec![
            "token",
            "create",
            "--role",
            "viewer",
            "--database",
            &db,
            "--surveys",
            surveys,
        ],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_chiso"))
            .args(&args)
            .env_remove("DATABASE_URL")
            .env("CHISO_ADMIN_PASSWORD", ADMIN_PROCESS_PASSWORD)
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {}", text(&out));
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim().len(), 64);
    }
}

#[test]
fn check_reads_the_plan_and_rejects_a_task_led_by_an_unknown_agency() {
    let out = check_shipped_definitions();
    assert_said(&out, "ke-hoach-121 (22 agencies, 57 tasks, 10 successions)");
    let dir = definitions_with("plan/ke-hoach-121.toml", |plan| {
        let broken = plan.replacen("lead = \"Sở Tư pháp\"", "lead = \"Sở Không Có\"", 1);
        assert_ne!(plan, broken);
        broken
    });
    let what = "'Sở Không Có' is unknown";
    let line = check_refuses(dir.path(), what, what);
    let n: usize = line
        .split("ke-hoach-121.toml:")
        .nth(1)
        .and_then(|r| r.split(':').next())
        .unwrap()
        .parse()
        .unwrap();
    assert!(n > 20, "{line}");
}

/// Time settings past what the dates worked out from them can hold are refused at start,
/// naming the setting, instead of failing every request that works out a date.
#[test]
fn time_settings_beyond_their_range_are_refused_at_start() {
    for (flag, value) in [
        ("--session-hours", "3000000000"),
        ("--session-idle-minutes", "200000000000"),
        ("--survey-window", "100000000"),
        ("--campaign-grace-hours", "4000000000"),
        ("--session-hours", "0"),
    ] {
        let out = chiso("sqlite://unused.db", &["serve", flag, value]);
        assert_fails_saying(&out, flag);
    }
}
