//! `chiso bench --import N`: writes N household forms to a CSV file, as a district's keyers
//! would deliver them, and times `chiso import` on it in a process of its own, with its peak
//! resident memory.

use chiso::survey::{Condition, Survey};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

pub const SURVEY: &str = "sipas-2022-household";

/// Writes the file: header `serial,unit,date`, background codes, item codes; answers drawn
/// at random from each scale, conditional questions only where they apply.
pub fn write_csv(
    path: &Path,
    survey: &Survey,
    units: &[String],
    rows: usize,
    period: i32,
    last_day: chrono::NaiveDate,
    shuffled: bool,
) -> Result<(), String> {
    let file = std::fs::File::create(path).map_err(|e| e.to_string())?;
    let mut out = csv::Writer::from_writer(std::io::BufWriter::new(file));
    let mut header = vec!["serial".to_string(), "unit".into(), "date".into()];
    header.extend(survey.background.iter().map(|b| b.code.clone()));
    header.extend(survey.items().map(|i| i.code.clone()));
    out.write_record(&header).map_err(|e| e.to_string())?;
    // Fieldwork as it happens: the last 30 days up to `last_day`, each commune's forms
    // together (keyers deliver them commune by commune), or in random order.
    let first = chrono::NaiveDate::from_ymd_opt(period, 1, 1).ok_or("no such period")?;
    let start = (last_day - chrono::Duration::days(29)).max(first);
    let span = (last_day - start).num_days().max(0);
    let mut rng = StdRng::seed_from_u64(2022);
    let mut row: Vec<String> = Vec::with_capacity(header.len());
    let per_unit = rows.div_ceil(units.len().max(1));
    for n in 0..rows {
        row.clear();
        let at = if shuffled {
            rng.gen_range(0..units.len().max(1))
        } else {
            n / per_unit.max(1)
        };
        let unit = units.get(at).cloned().unwrap_or_default();
        let day = start + chrono::Duration::days(rng.gen_range(0..=span));
        row.push(format!("HGD-{period}-{n:07}"));
        row.push(unit);
        row.push(day.format("%Y-%m-%d").to_string());
        let mut given: HashMap<&str, String> = HashMap::new();
        for b in &survey.background {
            let v = if applies(b.show_if.as_ref(), &given) && !b.options.is_empty() {
                b.options
                    .get(rng.gen_range(0..b.options.len()))
                    .map_or(String::new(), |o| o.code.clone())
            } else {
                String::new()
            };
            given.insert(&b.code, v.clone());
            row.push(v);
        }
        for item in survey.items() {
            let scale = survey.scale_of(item);
            let v = match scale {
                Some(s) if applies(item.show_if.as_ref(), &given) && !s.values.is_empty() => {
                    match rng.gen_range(0..20) {
                        0 => String::new(),
                        1 if s.no_opinion.is_some() => "na".into(),
                        _ => s
                            .values
                            .get(rng.gen_range(0..s.values.len()))
                            .map_or(String::new(), |v| v.value.to_string()),
                    }
                }
                _ => String::new(),
            };
            given.insert(&item.code, v.clone());
            row.push(v);
        }
        out.write_record(&row).map_err(|e| e.to_string())?;
    }
    out.flush().map_err(|e| e.to_string())
}

fn applies(cond: Option<&Condition>, given: &HashMap<&str, String>) -> bool {
    cond.is_none_or(|c| {
        given
            .get(c.code.as_str())
            .is_some_and(|v| c.values.contains(v))
    })
}

/// Runs `chiso import` on the file and returns its wall time and peak resident memory (kB),
/// read from /proc while it runs.
pub fn time_import(
    database_url: &str,
    surveys: &Path,
    file: &Path,
    period: i32,
) -> Result<(Duration, u64, String), String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let started = Instant::now();
    let mut child = std::process::Command::new(exe)
        .arg("import")
        .arg(file)
        .args(["--survey", SURVEY, "--period", &period.to_string()])
        .env("DATABASE_URL", database_url)
        .env("CHISO_SURVEYS", surveys)
        .env("RUST_LOG", "error")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = 0u64;
    let status = loop {
        if let Ok(s) = std::fs::read_to_string(&status_file) {
            if let Some(kb) = s
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.split_whitespace().next())
                .and_then(|v| v.parse::<u64>().ok())
            {
                peak = peak.max(kb);
            }
        }
        match child.try_wait().map_err(|e| e.to_string())? {
            Some(status) => break status,
            None => std::thread::sleep(Duration::from_millis(20)),
        }
    };
    let elapsed = started.elapsed();
    let output = child.wait_with_output().map_err(|e| e.to_string())?;
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    if !status.success() {
        return Err(format!("chiso import failed: {said}"));
    }
    Ok((elapsed, peak, said.trim().to_string()))
}
