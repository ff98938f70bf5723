//! Rank tables: published values of every province, read from a benchmark CSV next to the
//! definition, to place an estimate among them.

use super::RankTable;
use std::path::Path;

/// Reads `province` and `column` from a CSV next to the definition.
pub(super) fn read_rank_table(
    definition: &str,
    path: &str,
    column: &str,
    exclude: Option<&str>,
) -> Result<RankTable, String> {
    let dir = Path::new(definition).parent().unwrap_or(Path::new("."));
    let full = dir.join(path);
    let mut reader =
        csv::Reader::from_path(&full).map_err(|e| format!("rank table {path}: {e}"))?;
    let headers = reader
        .headers()
        .map_err(|e| format!("rank table {path}: {e}"))?
        .clone();
    let find = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .ok_or(format!("rank table {path} has no column '{name}'"))
    };
    let (p, v) = (find("province")?, find(column)?);
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| format!("rank table {path}: {e}"))?;
        if let (Some(name), Some(Ok(value))) = (
            record.get(p),
            record.get(v).map(|x| x.trim().parse::<f64>()),
        ) {
            if Some(name) != exclude {
                rows.push((name.to_string(), value));
            }
        }
    }
    if rows.is_empty() {
        return Err(format!("rank table {path} has no values in '{column}'"));
    }
    Ok(RankTable {
        source: path.to_string(),
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEFINITION: &str = "surveys/papi-aligned.toml";
    const CSV: &str = "benchmarks/papi-2022-provinces.csv";

    #[test]
    fn reads_one_row_per_province_but_the_excluded_one() {
        let all = read_rank_table(DEFINITION, CSV, "total", None).unwrap();
        let some = read_rank_table(DEFINITION, CSV, "total", Some("Quảng Ninh")).unwrap();
        assert_eq!(all.source, CSV);
        assert_eq!(all.rows.first(), Some(&("Quảng Ninh".to_string(), 47.876)));
        assert_eq!(some.rows.len() + 1, all.rows.len());
        assert!(some.rows.iter().all(|(p, _)| p != "Quảng Ninh"));
    }

    #[test]
    fn names_a_missing_column_or_file() {
        let e = read_rank_table(DEFINITION, CSV, "d9", None).unwrap_err();
        assert_eq!(e, format!("rank table {CSV} has no column 'd9'"));
        let e = read_rank_table(DEFINITION, "none.csv", "total", None).unwrap_err();
        assert!(e.starts_with("rank table none.csv: "), "{e}");
    }
}
