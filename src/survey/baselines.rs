//! 2022 baselines for the merged city (from 1 July 2025): the three former provinces' published
//! values, combined by population weight into an estimate — never an official score. The
//! combination is computed here from the provinces' values and populations; the file's own
//! `[combined]` table is for people and is checked against it.

use super::source::Source;
use super::DefinitionError;
use serde::Serialize;
use std::collections::BTreeMap;

/// One former province's 2022 figures.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct FormerProvince {
    pub code: String,
    pub name: String,
    pub population: u64,
    pub papi_total: Option<f64>,
    pub sipas_pct: Option<f64>,
    pub parindex_pct: Option<f64>,
}

/// The three provinces and their population-weighted combination.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct MergedBaselines {
    pub provinces: Vec<FormerProvince>,
    /// Population weights by province code, summing to 1.
    pub weights: BTreeMap<String, f64>,
    pub weights_basis: String,
    pub label: String,
    pub papi_total: Option<f64>,
    /// `None` where a province's value is not known: no estimate without all three.
    pub sipas_pct: Option<f64>,
    pub parindex_pct: Option<f64>,
}

impl MergedBaselines {
    /// The combined 2022 value for an instrument (`papi`, `sipas`, `parindex`).
    pub fn for_instrument(&self, instrument: &str) -> Option<f64> {
        of_instrument(
            instrument,
            [self.papi_total, self.sipas_pct, self.parindex_pct],
        )
    }

    /// Old Cần Thơ's own 2022 value for an instrument, shown beside the estimate.
    pub fn old_city(&self, instrument: &str) -> Option<f64> {
        let ct = self.provinces.iter().find(|p| p.code == "CT")?;
        of_instrument(instrument, [ct.papi_total, ct.sipas_pct, ct.parindex_pct])
    }
}

/// Of the PAPI, SIPAS and PAR INDEX values, the one of `instrument`.
fn of_instrument(instrument: &str, [papi, sipas, parindex]: [Option<f64>; 3]) -> Option<f64> {
    match instrument {
        "papi" => papi,
        "sipas" => sipas,
        "parindex" => parindex,
        _ => None,
    }
}

fn number(v: Option<&toml::Value>) -> Option<f64> {
    match v? {
        toml::Value::Float(f) => Some(*f),
        toml::Value::Integer(i) => Some(*i as f64),
        _ => None,
    }
}

pub fn parse_baselines(file: &str, text: &str) -> Result<MergedBaselines, Vec<DefinitionError>> {
    let source = Source::new(file, text);
    let table: toml::Table = source.parse()?;
    let fail = |m: String| vec![source.error(0, m)];
    let provinces_raw = table
        .get("province")
        .and_then(|p| p.as_table())
        .ok_or_else(|| fail("no [province.*] tables".into()))?;
    let mut provinces = Vec::new();
    for (code, p) in provinces_raw {
        let text_of = |k: &str| p.get(k).and_then(|v| v.as_str()).map(str::to_string);
        let population = p
            .get("population")
            .and_then(|v| v.as_integer())
            .and_then(|v| u64::try_from(v).ok())
            .filter(|&v| v > 0)
            .ok_or_else(|| {
                fail(format!(
                    "province {code}: population must be a positive number"
                ))
            })?;
        provinces.push(FormerProvince {
            code: code.clone(),
            name: text_of("name").unwrap_or_else(|| code.clone()),
            population,
            papi_total: number(p.get("papi_2022_total")),
            sipas_pct: number(p.get("sipas_2022_pct")),
            parindex_pct: number(p.get("parindex_2022_pct")),
        });
    }
    let total: u64 = provinces.iter().map(|p| p.population).sum();
    let weights: BTreeMap<String, f64> = provinces
        .iter()
        .map(|p| (p.code.clone(), p.population as f64 / total as f64))
        .collect();
    let combine = |value: fn(&FormerProvince) -> Option<f64>| -> Option<f64> {
        provinces
            .iter()
            .map(|p| Some(value(p)? * weights.get(&p.code).copied()?))
            .sum()
    };
    let combined = table.get("combined");
    let text_in = |k: &str| {
        combined
            .and_then(|c| c.get(k))
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string()
    };
    let merged = MergedBaselines {
        papi_total: combine(|p| p.papi_total),
        sipas_pct: combine(|p| p.sipas_pct),
        parindex_pct: combine(|p| p.parindex_pct),
        label: text_in("label"),
        weights_basis: text_in("weights_basis"),
        weights,
        provinces,
    };
    // The figure written for people must be the one computed.
    if let (Some(written), Some(computed)) = (
        number(combined.and_then(|c| c.get("papi_2022_total"))),
        merged.papi_total,
    ) {
        if (written - computed).abs() > 0.0015 {
            return Err(fail(format!(
                "[combined] papi_2022_total {written} differs from the population-weighted value {computed:.3}"
            )));
        }
    }
    Ok(merged)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_merged_city_papi_2022_is_the_population_weighted_mean() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("surveys/units/baselines-merged-2022.toml");
        let text = std::fs::read_to_string(path).unwrap();
        let b = parse_baselines("b.toml", &text).unwrap();
        // 39.975 × 1,498,658 + 42.856 × 1,703,250 + 42.592 × 997,880, over 4,199,788.
        assert!(
            (b.papi_total.unwrap() - 41.765).abs() < 0.0005,
            "{:?}",
            b.papi_total
        );
        assert_eq!(b.old_city("papi"), Some(39.975));
        assert_eq!(b.old_city("sipas"), Some(79.10));
        assert_eq!(
            b.sipas_pct, None,
            "unknown for Sóc Trăng and Hậu Giang: no estimate"
        );
        assert!((b.weights.values().sum::<f64>() - 1.0).abs() < 1e-12);
    }
}
