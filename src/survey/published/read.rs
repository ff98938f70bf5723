//! Reads `surveys/published/results.toml` and the PAPI table it names, and checks them: every
//! figure names a known source, a derived figure says how, a bound is a bound, and every PAPI
//! figure and line is the one in the province table.

use super::{Line, National, PapiTable, Published, Result, SourceText, CITY, INDICES};
use crate::survey::source::{read_definition, Source};
use crate::survey::DefinitionError;
use rust_decimal::Decimal;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;
use toml::Spanned;

/// The folder under `surveys/` that holds published results.
pub const PUBLISHED_DIR: &str = "published";
const FILE: &str = "results.toml";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    version: String,
    papi_table: Option<RawTable>,
    mergers: Option<RawMergers>,
    #[serde(default)]
    sources: BTreeMap<String, SourceText>,
    #[serde(default)]
    result: Vec<Spanned<RawResult>>,
    #[serde(default)]
    national: Vec<Spanned<RawNational>>,
    #[serde(default)]
    line: Vec<Spanned<RawLine>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMergers {
    file: String,
    /// The population basis in words, for the pages.
    basis: String,
    basis_en: String,
    source: Keys,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    file: String,
    source: Keys,
}

/// One source key or several.
#[derive(Deserialize, Clone)]
#[serde(untagged)]
enum Keys {
    One(String),
    Many(Vec<String>),
}

impl Keys {
    fn list(&self) -> Vec<String> {
        match self {
            Keys::One(k) => vec![k.clone()],
            Keys::Many(ks) => ks.clone(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawResult {
    index: String,
    province: String,
    year: i32,
    value: Option<Decimal>,
    rank: Option<u32>,
    ranked: Option<u32>,
    derived: Option<String>,
    derived_en: Option<String>,
    source: Keys,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNational {
    index: String,
    year: i32,
    mean: Decimal,
    note: Option<String>,
    note_en: Option<String>,
    source: Keys,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLine {
    index: String,
    year: i32,
    low: Decimal,
    high: Decimal,
    #[serde(default)]
    estimate: bool,
    note: String,
    note_en: String,
    source: Keys,
}

/// The published results under `surveys/published/`, or none where the folder is absent.
pub fn load_published(surveys: &Path) -> std::result::Result<Published, Vec<DefinitionError>> {
    let path = surveys.join(PUBLISHED_DIR).join(FILE);
    if !path.exists() {
        return Ok(Published::empty());
    }
    let (file, text) = read_definition(&path)?;
    parse_published(&file, &text, |name| {
        read_bounded(&path.with_file_name(name))
    })
}

/// A table beside the results file, refusing one far larger than a province table.
fn read_bounded(path: &Path) -> std::result::Result<String, String> {
    use std::io::Read;
    const MAX_BYTES: u64 = 256 * 1024;
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut text = String::new();
    file.take(MAX_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|e| e.to_string())?;
    if text.len() as u64 > MAX_BYTES {
        return Err(format!("larger than {MAX_BYTES} bytes"));
    }
    Ok(text)
}

/// Parses and checks the results file; `read` reads the tables it names.
pub fn parse_published(
    file: &str,
    text: &str,
    read: impl Fn(&str) -> std::result::Result<String, String>,
) -> std::result::Result<Published, Vec<DefinitionError>> {
    let source = Source::new(file, text);
    let raw: Raw = source.parse()?;
    let mut errors = Vec::new();
    let known = |keys: &Keys, at: usize, errors: &mut Vec<DefinitionError>| {
        let keys = keys.list();
        if keys.is_empty() {
            errors.push(source.error(at, "source: name at least one key of [sources]"));
        }
        for k in &keys {
            if !raw.sources.contains_key(k) {
                errors.push(source.error(at, format!("source '{k}' is not in [sources]")));
            }
        }
        keys
    };
    let index_and_year_known =
        |index: &str, year: i32, at: usize, errors: &mut Vec<DefinitionError>| {
            if !INDICES.contains(&index) {
                errors.push(source.error(
                    at,
                    format!("index '{index}': use one of {}", INDICES.join(", ")),
                ));
            }
            if !(2010..=2100).contains(&year) {
                errors
                    .push(source.error(at, format!("year {year} is not a year of these indices")));
            }
        };
    for (k, s) in &raw.sources {
        if s.vi.trim().is_empty() || s.en.trim().is_empty() {
            errors.push(source.error(0, format!("[sources.{k}] needs vi and en")));
        }
    }
    let mut results = Vec::new();
    for r in &raw.result {
        let at = r.span().start;
        let r = r.get_ref();
        index_and_year_known(&r.index, r.year, at, &mut errors);
        let sources = known(&r.source, at, &mut errors);
        if r.value.is_none() && r.rank.is_none() {
            errors.push(source.error(at, "a result needs a value, a rank or both"));
        }
        if r.rank.is_some() != r.ranked.is_some()
            || r.rank.zip(r.ranked).is_some_and(|(k, n)| k == 0 || k > n)
        {
            errors.push(source.error(at, "rank and ranked go together, 1 ≤ rank ≤ ranked"));
        }
        if r.derived.is_some() != r.derived_en.is_some() {
            errors.push(source.error(at, "derived and derived_en go together"));
        }
        results.push(Result {
            index: r.index.clone(),
            province: r.province.trim().to_string(),
            year: r.year,
            value: r.value,
            rank: r.rank,
            ranked: r.ranked,
            derived: r.derived.clone(),
            derived_en: r.derived_en.clone(),
            sources,
        });
    }
    let mut seen = std::collections::BTreeSet::new();
    for r in &results {
        if !seen.insert((&r.index, &r.province, r.year)) {
            errors.push(source.error(
                0,
                format!("{} {} {} is given twice", r.index, r.province, r.year),
            ));
        }
    }
    let mut national = Vec::new();
    for n in &raw.national {
        let at = n.span().start;
        let n = n.get_ref();
        index_and_year_known(&n.index, n.year, at, &mut errors);
        national.push(National {
            index: n.index.clone(),
            year: n.year,
            mean: n.mean,
            note: n.note.clone(),
            note_en: n.note_en.clone(),
            sources: known(&n.source, at, &mut errors),
        });
    }
    let mut lines = Vec::new();
    for l in &raw.line {
        let at = l.span().start;
        let l = l.get_ref();
        index_and_year_known(&l.index, l.year, at, &mut errors);
        if l.low > l.high {
            errors.push(source.error(at, "a line's low must not exceed its high"));
        }
        if !l.estimate && l.low != l.high {
            errors.push(source.error(
                at,
                "a line known only by bounds is an estimate: set estimate = true",
            ));
        }
        if l.note.trim().is_empty() || l.note_en.trim().is_empty() {
            errors.push(source.error(at, "a line needs note and note_en saying how it is known"));
        }
        lines.push(Line {
            index: l.index.clone(),
            year: l.year,
            low: l.low,
            high: l.high,
            estimate: l.estimate,
            note: l.note.trim().to_string(),
            note_en: l.note_en.trim().to_string(),
            sources: known(&l.source, at, &mut errors),
        });
    }
    let papi_table = match &raw.papi_table {
        Some(t) => {
            let sources = known(&t.source, 0, &mut errors);
            match read(&t.file).and_then(|text| PapiTable::parse(&text, sources)) {
                Ok(table) => table,
                Err(e) => {
                    errors.push(source.error(0, format!("papi_table {}: {e}", t.file)));
                    PapiTable::default()
                }
            }
        }
        None => PapiTable::default(),
    };
    errors.extend(
        agrees_with_table(&papi_table, &results, &lines)
            .into_iter()
            .map(|m| source.error(0, m)),
    );
    let (mut mergers, mut mergers_sources) = (Vec::new(), Vec::new());
    if let Some(m) = &raw.mergers {
        mergers_sources = known(&m.source, 0, &mut errors);
        match read(&m.file).and_then(|text| super::parse_mergers(&text)) {
            Ok(list) => mergers = list,
            Err(e) => errors.push(source.error(0, format!("mergers {}: {e}", m.file))),
        }
        for old in papi_table.rows.iter().map(|r| &r.province) {
            if !mergers.iter().any(|m| &m.old_province == old) {
                errors.push(source.error(0, format!("mergers {}: no row for {old}", m.file)));
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut published = Published {
        version: raw.version,
        sources: raw.sources,
        results,
        national,
        lines,
        papi_table,
        mergers,
        mergers_basis: raw.mergers.map(|m| (m.basis, m.basis_en)),
        mergers_sources,
        merged_city_papi: Vec::new(),
    };
    published.merged_city_papi = published.merged_city_papi();
    Ok(published)
}

/// Every PAPI figure and exact line written in the file is the province table's.
fn agrees_with_table(table: &PapiTable, results: &[Result], lines: &[Line]) -> Vec<String> {
    let mut problems = Vec::new();
    if table.rows.is_empty() {
        return problems;
    }
    for r in results.iter().filter(|r| r.index == "papi") {
        let Some(row) = table.rows.iter().find(|t| t.province == r.province) else {
            problems.push(format!("papi {}: not in the province table", r.province));
            continue;
        };
        match row.years.get(&r.year) {
            Some(&super::PapiYear { total, rank }) => {
                if r.value.is_some_and(|v| v != total) || r.rank.is_some_and(|k| k != rank) {
                    problems.push(format!(
                        "papi {} {}: the table has {total}, rank {rank}",
                        r.province, r.year
                    ));
                }
                if r.ranked.is_some_and(|n| n != table.ranked(r.year)) {
                    problems.push(format!(
                        "papi {} {}: the table ranks {} provinces",
                        r.province,
                        r.year,
                        table.ranked(r.year)
                    ));
                }
            }
            None if table.years().contains(&r.year) => problems.push(format!(
                "papi {} {}: unranked in the table that year",
                r.province, r.year
            )),
            None => {}
        }
    }
    for l in lines.iter().filter(|l| l.index == "papi") {
        if let Some(at20) = table.at_rank(l.year, 20) {
            if l.low != at20 || l.high != at20 {
                problems.push(format!(
                    "papi line {}: the province ranked 20th has {at20}",
                    l.year
                ));
            }
        }
    }
    if table.rows.iter().all(|r| r.province != CITY) {
        problems.push(format!("the PAPI table has no row for {CITY}"));
    }
    problems
}
