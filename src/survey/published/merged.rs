//! Where the merged provinces of 2025 would have stood on PAPI: the 63-province table
//! re-aggregated into the 34 provinces, each old province weighted by its population. An
//! estimate: no PAPI of the merged provinces was ever published.

use super::{PapiTable, Published, CITY};
use rust_decimal::prelude::ToPrimitive;
use serde::Serialize;

/// One old province, the province it became part of on 1 July 2025, and its population.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Merger {
    pub old_province: String,
    pub new_province: String,
    /// Empty where no figure could be confirmed closely enough to use.
    pub population: Option<u64>,
    /// False where the population rests on a single transcription or copies disagree.
    pub confirmed: bool,
}

/// The merged city's PAPI one year, and its place among the merged provinces that year.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct MergedYear {
    pub year: i32,
    /// The population-weighted mean of its old provinces' totals (8–80).
    pub value: f64,
    /// Its place among the merged provinces whose value could be worked out that year.
    pub position: u32,
    /// How many of the new provinces could be worked out (all their old provinces ranked
    /// that year, and each with a population).
    pub of: u32,
    pub provinces: u32,
    /// The old provinces and their weights, for the page.
    pub weights: Vec<Weight>,
}

/// An old province's share of the merged city's population.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Weight {
    pub province: String,
    pub weight: f64,
}

/// The population-weighted total of each new province in `year`, where every old province in
/// it has a total and a population.
fn merged_totals(
    table: &PapiTable,
    mergers: &[Merger],
    year: i32,
) -> Vec<(String, f64, Vec<Weight>)> {
    let mut names: Vec<&str> = mergers.iter().map(|m| m.new_province.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    names
        .into_iter()
        .filter_map(|name| {
            let members: Vec<&Merger> = mergers.iter().filter(|m| m.new_province == name).collect();
            let mut parts = Vec::new();
            for m in &members {
                let total = table
                    .rows
                    .iter()
                    .find(|r| r.province == m.old_province)?
                    .years
                    .get(&year)?
                    .total
                    .to_f64()?;
                parts.push((m.old_province.clone(), total, m.population? as f64));
            }
            let people: f64 = parts.iter().map(|p| p.2).sum();
            let value = parts.iter().map(|p| p.1 * p.2).sum::<f64>() / people;
            let weights = parts
                .into_iter()
                .map(|p| Weight {
                    province: p.0,
                    weight: p.2 / people,
                })
                .collect();
            Some((name.to_string(), value, weights))
        })
        .collect()
}

impl Published {
    /// The merged city's estimated PAPI, and its place among the merged provinces, each year
    /// of the table.
    pub fn merged_city_papi(&self) -> Vec<MergedYear> {
        let mut provinces: Vec<&str> = self
            .mergers
            .iter()
            .map(|m| m.new_province.as_str())
            .collect();
        provinces.sort_unstable();
        provinces.dedup();
        self.papi_table
            .years()
            .into_iter()
            .filter_map(|year| {
                let all = merged_totals(&self.papi_table, &self.mergers, year);
                let (_, value, weights) = all.iter().find(|(n, _, _)| n == CITY)?.clone();
                let above = all.iter().filter(|(_, v, _)| *v > value).count() as u32;
                Some(MergedYear {
                    year,
                    value,
                    position: above + 1,
                    of: all.len() as u32,
                    provinces: provinces.len() as u32,
                    weights,
                })
            })
            .collect()
    }
}

/// Reads the 63 → 34 table: `old_province,new_province,population,population_year,
/// population_source`; a source starting "unconfirmed" marks the population unconfirmed.
pub fn parse_mergers(text: &str) -> Result<Vec<Merger>, String> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| e.to_string())?.clone();
    let col = |n: &str| {
        headers
            .iter()
            .position(|h| h == n)
            .ok_or(format!("no '{n}' column"))
    };
    let (old, new, pop, source) = (
        col("old_province")?,
        col("new_province")?,
        col("population")?,
        col("population_source")?,
    );
    let mut out = Vec::new();
    for (i, r) in reader.records().enumerate() {
        let r = r.map_err(|e| format!("row {}: {e}", i + 2))?;
        let cell = |k: usize| r.get(k).unwrap_or("").trim().to_string();
        let population =
            match cell(pop).as_str() {
                "" => None,
                p => Some(p.parse::<u64>().map_err(|_| {
                    format!("row {}: population '{p}' is not a whole number", i + 2)
                })?),
            };
        out.push(Merger {
            old_province: cell(old),
            new_province: cell(new),
            population,
            confirmed: population.is_some() && !cell(source).starts_with("unconfirmed"),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::survey::published::PapiTable;

    #[test]
    fn a_merged_province_is_the_population_weighted_mean_and_is_placed_among_the_rest() {
        let table = PapiTable::parse(
            "province,total_2024,rank_2024\nCần Thơ,40,3\nSóc Trăng,46,1\nX,42,2\nY,,\n",
            vec![],
        )
        .unwrap();
        let mergers = parse_mergers(
            "old_province,new_province,population,population_year,population_source\n\
             Cần Thơ,Cần Thơ,100,2019,a\nSóc Trăng,Cần Thơ,300,2019,unconfirmed: one copy\n\
             X,X,5,2019,a\nY,Z,7,2019,a\n",
        )
        .unwrap();
        assert!(!mergers[1].confirmed && mergers[0].confirmed);
        let p = Published {
            mergers,
            papi_table: table,
            ..Published::empty()
        };
        let m = p.merged_city_papi();
        assert_eq!(m.len(), 1);
        // (40 × 100 + 46 × 300) / 400 = 44.5, above X's 42; Z (Y unranked) cannot be worked out.
        assert!((m[0].value - 44.5).abs() < 1e-12);
        assert_eq!((m[0].position, m[0].of, m[0].provinces), (1, 2, 3));
    }
}
