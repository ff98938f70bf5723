//! The whole PAR INDEX tree of a province as data: fields, criteria with max points, 2022
//! points, how each is obtained and who owns it. The published headline is stored, never
//! re-derived.

use super::decimal::parse_decimal;
use super::source::{self, Source};
use super::DefinitionError;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use toml::Spanned;

pub const METHODS: [&str; 5] = [
    "appraisal",
    "officials_survey",
    "sipas",
    "socioeconomic",
    "group",
];

#[derive(Debug, Clone, Serialize)]
pub struct ParTree {
    pub id: String,
    pub title: String,
    pub published_total: Decimal,
    pub published_rank: u32,
    pub provinces: u32,
    pub target_total: Option<Decimal>,
    pub target_note: Option<String>,
    pub owner: String,
    /// method → the surveys whose scores estimate criteria of that method during the year:
    /// the versions of one instrument (the 2022 officials' survey and its two-tier 2025
    /// version), their answers to a criterion combined by number of answers.
    pub sources: BTreeMap<String, Vec<String>>,
    /// Which SIPAS forms feed 8.1 (empty: every SIPAS form loaded) and how they are weighted.
    pub sipas: SipasSources,
    /// The estimated rank-20 range of the total, for the chance of reaching the top 20.
    pub top20: Option<ParTop20>,
    /// The newest published rank-20 line of the PAR INDEX, bound when definitions load; it
    /// takes the place of `top20`'s own range and of `target_total`.
    pub against: Option<super::published::Against>,
    pub components: Vec<Component>,
    pub fields: Vec<Field>,
    pub criteria: Vec<Criterion>,
    pub file: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SipasSources {
    /// Survey ids; empty = every loaded survey whose instrument is "sipas".
    #[serde(default)]
    pub forms: Vec<String>,
    /// "answers": each form weighs by its answers (n) per element; "equal": the mean of the
    /// forms that have answers.
    #[serde(default = "by_answers")]
    pub weighting: String,
    #[serde(default)]
    pub note: Option<String>,
}

fn by_answers() -> String {
    "answers".into()
}

pub const SIPAS_WEIGHTINGS: [&str; 2] = ["answers", "equal"];

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParTop20 {
    pub threshold_low: Decimal,
    pub threshold_high: Decimal,
    pub note: String,
    /// The note in English, for the English pages.
    #[serde(default)]
    pub note_en: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Component {
    pub code: String,
    pub name: String,
    pub max: Decimal,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    pub code: String,
    pub name: String,
    /// The name in English, for the English pages.
    #[serde(default)]
    pub name_en: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Criterion {
    pub code: String,
    pub parent: Option<String>,
    pub field: String,
    pub name: String,
    /// The name in English, for the English pages.
    pub name_en: Option<String>,
    /// None where the scan lost it.
    pub max: Option<Decimal>,
    pub points_2022: Decimal,
    pub method: String,
    pub owner: String,
    pub note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTree {
    id: String,
    title: String,
    published_total: String,
    published_rank: u32,
    provinces: u32,
    target_total: Option<String>,
    target_note: Option<String>,
    owner: String,
    #[serde(default)]
    sources: BTreeMap<String, OneOrMany>,
    #[serde(default)]
    sipas: Option<SipasSources>,
    top20: Option<ParTop20>,
    #[serde(default)]
    component: Vec<Component>,
    #[serde(default)]
    field: Vec<Field>,
    #[serde(default)]
    criterion: Vec<RawCriterion>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCriterion {
    code: Spanned<String>,
    parent: Option<Spanned<String>>,
    field: Spanned<String>,
    name: String,
    name_en: Option<String>,
    max: Option<Spanned<String>>,
    points_2022: Spanned<String>,
    method: Spanned<String>,
    owner: Option<String>,
    note: Option<String>,
}

pub fn load_tree(path: &Path) -> Result<ParTree, Vec<DefinitionError>> {
    source::load(path, parse_tree)
}

pub fn parse_tree(file: &str, text: &str) -> Result<ParTree, Vec<DefinitionError>> {
    let source = Source::new(file, text);
    let raw: RawTree = source.parse()?;
    let mut errors = Vec::new();
    let mut err = |offset: usize, message: String| errors.push(source.error(offset, message));
    let mut dec = |s: &Spanned<String>, what: &str| {
        let d = parse_decimal(s.get_ref().trim());
        if d.is_none() {
            err(
                s.span().start,
                format!(
                    "{what} '{}' is not a decimal within ±1,000,000,000",
                    s.get_ref()
                ),
            );
        }
        d
    };
    let mut criteria = Vec::new();
    for c in &raw.criterion {
        let max = c.max.as_ref().and_then(|m| dec(m, "max"));
        let points = dec(&c.points_2022, "points_2022").unwrap_or_default();
        criteria.push(Criterion {
            code: c.code.get_ref().clone(),
            parent: c.parent.as_ref().map(|p| p.get_ref().clone()),
            field: c.field.get_ref().clone(),
            name: c.name.clone(),
            name_en: c.name_en.clone(),
            max,
            points_2022: points,
            method: c.method.get_ref().clone(),
            owner: c.owner.clone().unwrap_or_default(),
            note: c.note.clone(),
        });
    }
    let published_total = parse_decimal(&raw.published_total).unwrap_or_default();
    let target_total = raw.target_total.as_deref().and_then(parse_decimal);
    let fields: HashSet<&str> = raw.field.iter().map(|f| f.code.as_str()).collect();
    let mut seen = HashSet::new();
    for (c, r) in criteria.iter().zip(&raw.criterion) {
        let at = r.code.span().start;
        if !seen.insert(c.code.as_str()) {
            err(at, format!("criterion '{}' appears twice", c.code));
        }
        if !fields.contains(c.field.as_str()) {
            err(
                r.field.span().start,
                format!("criterion '{}' names unknown field '{}'", c.code, c.field),
            );
        }
        if !METHODS.contains(&c.method.as_str()) {
            err(
                r.method.span().start,
                format!(
                    "criterion '{}': method '{}' is not one of {}",
                    c.code,
                    c.method,
                    METHODS.join(", ")
                ),
            );
        }
        if c.owner.trim().is_empty() {
            err(
                at,
                format!(
                    "criterion '{}' has no owner (the lead agency responsible for it)",
                    c.code
                ),
            );
        }
        // A parent need not be listed: the plan lists only what fell short of the maximum.
        if let Some(p) = &r.parent {
            if !p.get_ref().starts_with(&format!("{}.", c.field)) && p.get_ref() != &c.field {
                err(
                    p.span().start,
                    format!(
                        "criterion '{}': parent '{}' is not in field {}",
                        c.code,
                        p.get_ref(),
                        c.field
                    ),
                );
            }
        }
        if let (Some(max), true) = (c.max, c.method != "group") {
            if c.points_2022 > max || c.points_2022 < Decimal::ZERO {
                err(
                    at,
                    format!(
                        "criterion '{}': 2022 points {} are outside 0..{max}",
                        c.code, c.points_2022
                    ),
                );
            }
        }
        if c.method == "group" {
            let kids: Vec<&Criterion> = criteria
                .iter()
                .filter(|k| k.parent.as_deref() == Some(&c.code))
                .collect();
            let sum: Decimal = kids.iter().map(|k| k.points_2022).sum();
            let max_sum: Option<Decimal> = kids.iter().map(|k| k.max).sum();
            if kids.is_empty() || sum != c.points_2022 {
                err(
                    at,
                    format!(
                        "2022 points do not add up: the parts of '{}' give {sum}, it says {}",
                        c.code, c.points_2022
                    ),
                );
            }
            if max_sum.is_some() && max_sum != c.max {
                err(
                    at,
                    format!(
                        "points do not add up: the parts of '{}' have max {}, it says {}",
                        c.code,
                        max_sum.unwrap_or_default(),
                        c.max.unwrap_or_default()
                    ),
                );
            }
        }
    }
    let components: Decimal = raw.component.iter().map(|c| c.max).sum();
    if !raw.component.is_empty() && components != Decimal::ONE_HUNDRED {
        err(
            0,
            format!("components add up to {components} points, not 100"),
        );
    }
    let sipas = raw.sipas.unwrap_or_else(|| SipasSources {
        weighting: by_answers(),
        ..SipasSources::default()
    });
    if !SIPAS_WEIGHTINGS.contains(&sipas.weighting.as_str()) {
        err(
            0,
            format!(
                "[sipas] weighting '{}' is not one of {}",
                sipas.weighting,
                SIPAS_WEIGHTINGS.join(", ")
            ),
        );
    }
    if let Some(t) = &raw.top20 {
        if t.threshold_low > t.threshold_high || t.note.trim().is_empty() {
            err(
                0,
                "[top20] needs threshold_low ≤ threshold_high and a note saying where they come from"
                    .into(),
            );
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(ParTree {
        sipas,
        top20: raw.top20,
        against: None,
        id: raw.id,
        title: raw.title,
        published_total,
        published_rank: raw.published_rank,
        provinces: raw.provinces,
        target_total,
        target_note: raw.target_note,
        owner: raw.owner,
        sources: raw
            .sources
            .into_iter()
            .map(|(method, ids)| {
                let ids = match ids {
                    OneOrMany::One(id) => vec![id],
                    OneOrMany::Many(ids) => ids,
                };
                (method, ids)
            })
            .collect(),
        components: raw.component,
        fields: raw.field,
        criteria,
        file: file.to_string(),
    })
}

/// A source written as one survey id or a list of them.
#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn shipped() -> String {
        include_str!("../../surveys/trees/parindex-2022.toml").to_string()
    }

    /// The problem the tree `text` is refused with that says `says`; fails showing every
    /// problem when none does.
    #[track_caller]
    fn refused(text: &str, says: &str) -> DefinitionError {
        let e = parse_tree("p.toml", text).unwrap_err();
        e.iter()
            .find(|e| e.message.contains(says))
            .cloned()
            .unwrap_or_else(|| panic!("no problem says {says:?}: {e:?}"))
    }

    #[test]
    fn the_can_tho_tree_loads_with_its_published_headline() {
        let t = parse_tree("p.toml", &shipped()).unwrap();
        assert_eq!(t.published_total, Decimal::new(8611, 2));
        assert_eq!((t.published_rank, t.provinces), (26, 63));
        let survey: Decimal = t
            .criteria
            .iter()
            .filter(|c| c.method == "officials_survey")
            .map(|c| c.points_2022)
            .sum();
        assert_eq!(survey, Decimal::from_str("17.1138").unwrap());
        assert_eq!(
            t.criteria
                .iter()
                .filter(|c| c.method == "officials_survey")
                .count(),
            22
        );
    }

    #[test]
    fn rejects_a_criterion_coded_twice_and_a_missing_owner() {
        let bad = shipped().replacen("code = \"2.4.2\"", "code = \"2.4.1\"", 1);
        assert!(refused(&bad, "criterion '2.4.1' appears twice").line > 1);
        let bad = shipped().replacen("owner = \"Sở Tư pháp\"\n", "", 1);
        refused(&bad, "has no owner");
    }

    #[test]
    fn rejects_group_points_that_do_not_add_up() {
        let bad = shipped().replacen("points_2022 = \"0.8219\"", "points_2022 = \"0.8220\"", 1);
        refused(&bad, "the parts of '2.4' give 3.2048");
    }
}
