//! PAPI's province table, every province and year (`total_YYYY`, `rank_YYYY` columns): the one
//! index whose whole field is published, so its rank-20 line is exact.

use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::BTreeMap;

/// One province's totals and ranks by year (unranked years absent).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PapiRow {
    pub province: String,
    /// By year.
    #[schema(value_type = BTreeMap<String, PapiYear>)]
    pub years: BTreeMap<i32, PapiYear>,
}

/// A province's PAPI total (8–80) and its rank among the provinces ranked that year.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PapiYear {
    #[schema(value_type = String)]
    pub total: Decimal,
    pub rank: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PapiTable {
    pub rows: Vec<PapiRow>,
    pub sources: Vec<String>,
}

impl PapiTable {
    /// Reads the CSV: `province`, then `total_YYYY` and `rank_YYYY` pairs.
    pub fn parse(text: &str, sources: Vec<String>) -> std::result::Result<PapiTable, String> {
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let headers = reader.headers().map_err(|e| e.to_string())?.clone();
        let col = |name: &str| headers.iter().position(|h| h == name);
        let province = col("province").ok_or("no 'province' column")?;
        let years: Vec<(i32, usize, usize)> = headers
            .iter()
            .filter_map(|h| h.strip_prefix("total_")?.parse::<i32>().ok())
            .map(|y| {
                let rank = col(&format!("rank_{y}")).ok_or(format!("no 'rank_{y}' column"))?;
                Ok((y, col(&format!("total_{y}")).unwrap_or_default(), rank))
            })
            .collect::<std::result::Result<_, String>>()?;
        if years.is_empty() {
            return Err("no 'total_YYYY' columns".into());
        }
        let mut rows = Vec::new();
        for (i, record) in reader.records().enumerate() {
            let record = record.map_err(|e| format!("row {}: {e}", i + 2))?;
            let name = record.get(province).unwrap_or_default().trim().to_string();
            let mut by_year = BTreeMap::new();
            for &(year, t, r) in &years {
                let (total, rank) = (
                    record.get(t).unwrap_or("").trim(),
                    record.get(r).unwrap_or("").trim(),
                );
                if total.is_empty() && rank.is_empty() {
                    continue; // not ranked that year
                }
                let total = crate::survey::decimal::parse_decimal(total).ok_or_else(|| {
                    format!("{name}: total_{year} '{total}' is not a number within ±1,000,000,000")
                })?;
                let rank = rank
                    .parse::<u32>()
                    .map_err(|_| format!("{name}: rank_{year} '{rank}' is not a whole number"))?;
                by_year.insert(year, PapiYear { total, rank });
            }
            rows.push(PapiRow {
                province: name,
                years: by_year,
            });
        }
        Ok(PapiTable { rows, sources })
    }

    /// The years the table covers, oldest first.
    pub fn years(&self) -> Vec<i32> {
        let mut ys: Vec<i32> = self
            .rows
            .iter()
            .flat_map(|r| r.years.keys().copied())
            .collect();
        ys.sort_unstable();
        ys.dedup();
        ys
    }

    /// The total of the province ranked `rank` in `year` (the lowest total at that rank).
    pub fn at_rank(&self, year: i32, rank: u32) -> Option<Decimal> {
        self.rows
            .iter()
            .filter_map(|r| r.years.get(&year))
            .filter(|y| y.rank == rank)
            .map(|y| y.total)
            .min()
    }

    /// Every province's total in `year` except `except`: the field a province is ranked in.
    pub fn others(&self, year: i32, except: &str) -> Vec<(String, f64)> {
        use rust_decimal::prelude::ToPrimitive;
        self.rows
            .iter()
            .filter(|r| r.province != except)
            .filter_map(|r| Some((r.province.clone(), r.years.get(&year)?.total.to_f64()?)))
            .collect()
    }

    /// How many provinces were ranked in `year`.
    pub fn ranked(&self, year: i32) -> u32 {
        self.rows
            .iter()
            .filter(|r| r.years.contains_key(&year))
            .count() as u32
    }

    /// The standard deviation of one province's change in total from one year to the next,
    /// over every province and pair of years: how far the field moves in a year.
    pub fn yearly_movement(&self) -> Option<(f64, usize)> {
        use rust_decimal::prelude::ToPrimitive;
        let mut changes = Vec::new();
        for r in &self.rows {
            for ((y0, a), (y1, b)) in r.years.iter().zip(r.years.iter().skip(1)) {
                if y1 - y0 == 1 {
                    changes.push((b.total - a.total).to_f64()?);
                }
            }
        }
        if changes.len() < 2 {
            return None;
        }
        let n = changes.len() as f64;
        let mean = changes.iter().sum::<f64>() / n;
        let var = changes.iter().map(|c| (c - mean).powi(2)).sum::<f64>() / n;
        Some((var.sqrt(), changes.len()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    const CSV: &str = "province,total_2022,rank_2022,total_2023,rank_2023\n\
        A,40.5,2,41.0,1\nB,42.0,1,,\nC,39.0,3,40.0,2\n";

    #[test]
    fn a_province_unranked_one_year_keeps_its_other_years() {
        let t = PapiTable::parse(CSV, vec![]).unwrap();
        assert_eq!(t.years(), vec![2022, 2023]);
        assert_eq!(t.ranked(2023), 2);
        assert_eq!(t.at_rank(2022, 2), Some(Decimal::from_str("40.5").unwrap()));
        assert_eq!(t.others(2023, "A"), vec![("C".to_string(), 40.0)]);
        // Changes A +0.5, C +1.0: mean 0.75, population sd 0.25.
        let (sd, n) = t.yearly_movement().unwrap();
        assert_eq!(n, 2);
        assert!((sd - 0.25).abs() < 1e-12);
    }

    #[test]
    fn a_total_that_is_not_a_number_is_named() {
        let e = PapiTable::parse("province,total_2022,rank_2022\nA,x,1\n", vec![]).unwrap_err();
        assert!(e.contains("A: total_2022 'x'"), "{e}");
    }
}
