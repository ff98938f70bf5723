//! The chance of reaching the top 20: simulate this year's value from its estimate and its
//! uncertainty, and either the other provinces (their values in the newest published year plus a
//! year-to-year movement) or a rank-20 line known by its bounds. Seeded, so the same inputs give
//! the same chance.

mod line;

use super::NodeScore;
use crate::survey::Survey;
use crate::text::Lang::{self, En, Vi};
pub use line::line_words;
use rust_decimal::prelude::ToPrimitive;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

/// Draws per simulation.
pub const DRAWS: usize = 10_000;

/// This year's value as a normal distribution (sd 0: known exactly).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    pub mean: f64,
    pub sd: f64,
}

impl Estimate {
    /// From a 95 % interval: sd = (high − low) / (2 × 1.96).
    pub fn from_interval(mean: f64, low: Option<f64>, high: Option<f64>) -> Estimate {
        let sd = match (low, high) {
            (Some(l), Some(h)) if h.is_finite() && l.is_finite() && h >= l => (h - l) / 3.92,
            _ => 0.0,
        };
        Estimate { mean, sd }
    }
}

/// What the value must beat.
#[derive(Debug, Clone, PartialEq)]
pub enum Field {
    /// Only an estimate of the rank-`top` value is known: a range, each draw taking a
    /// threshold uniformly inside it.
    Threshold { low: f64, high: f64 },
    /// Every other province's last published value; each draw moves each of them by a normal
    /// year-to-year change of sd `movement`.
    Provinces {
        values: Vec<f64>,
        movement: f64,
        top: usize,
    },
}

/// A chance with the words that say what it rests on.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Top20 {
    /// 0–1; None where there is no basis (no estimate, or no threshold for the index).
    pub top20_chance: Option<f64>,
    /// What the chance assumes, in words (Vietnamese).
    pub top20_basis: String,
    /// The same in English.
    pub top20_basis_en: String,
}

impl Top20 {
    /// No chance, and why, in both languages.
    pub fn none(vi: String, en: String) -> Top20 {
        Top20 {
            top20_chance: None,
            top20_basis: vi,
            top20_basis_en: en,
        }
    }
}

/// A definition's note in English, or its Vietnamese note marked as such.
pub fn note_en(note: &str, note_en: Option<&str>) -> String {
    match note_en {
        Some(en) => en.to_string(),
        None => format!("(Note, in Vietnamese:) {note}"),
    }
}

/// [`Top20`]'s schema with neither field required: on a tree's nodes they are flattened in
/// on the roots only.
pub fn on_roots_only() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    use utoipa::openapi::{schema::Schema, RefOr};
    let mut schema = <Top20 as utoipa::PartialSchema>::schema();
    if let RefOr::T(Schema::Object(object)) = &mut schema {
        object.required.clear();
        object.description =
            Some("Root nodes only: the chance of reaching the top 20 and what it assumes.".into());
    }
    schema
}

/// SplitMix64: small, fast and the same on every platform and version.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in (0, 1).
    fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
    /// Two independent standard normals (Box–Muller).
    fn normals(&mut self) -> (f64, f64) {
        let r = (-2.0 * self.uniform().ln()).sqrt();
        let t = std::f64::consts::TAU * self.uniform();
        (r * t.cos(), r * t.sin())
    }
}

/// A seed from text (the survey and period), so a page and the API agree.
pub fn seed_of(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Share of `draws` simulations in which the value reaches the top (beats the threshold, or
/// ranks `top` or better among the provinces; ties count against it). Seeded, so a chance
/// worked out once is kept: every page that shows a root would otherwise draw again.
pub fn chance(estimate: Estimate, field: &Field, draws: usize, seed: u64) -> f64 {
    static KNOWN: OnceLock<Mutex<HashMap<Vec<u64>, f64>>> = OnceLock::new();
    let mut key = vec![
        estimate.mean.to_bits(),
        estimate.sd.to_bits(),
        draws as u64,
        seed,
    ];
    match field {
        Field::Threshold { low, high } => key.extend([0, low.to_bits(), high.to_bits()]),
        Field::Provinces {
            values,
            movement,
            top,
        } => {
            key.extend([1, movement.to_bits(), *top as u64]);
            key.extend(values.iter().map(|v| v.to_bits()));
        }
    }
    let known = KNOWN.get_or_init(Default::default);
    let lock = || known.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(c) = lock().get(&key) {
        return *c;
    }
    let c = simulate(estimate, field, draws, seed);
    let mut kept = lock();
    // A bound on memory: a busy server sees few distinct queries, so starting over is rare.
    if kept.len() >= KNOWN_LIMIT {
        kept.clear();
    }
    kept.insert(key, c);
    c
}

/// Chances kept at most.
const KNOWN_LIMIT: usize = 4096;

/// The simulation behind [`chance`], run every time.
pub fn simulate(estimate: Estimate, field: &Field, draws: usize, seed: u64) -> f64 {
    if draws == 0 {
        return 0.0;
    }
    let mut rng = Rng(seed);
    let mut wins = 0usize;
    match field {
        Field::Threshold { low, high } => {
            for _ in 0..draws {
                let (z, _) = rng.normals();
                let v = estimate.mean + estimate.sd * z;
                let t = low + (high - low) * rng.uniform();
                if v > t {
                    wins += 1;
                }
            }
        }
        Field::Provinces {
            values,
            movement,
            top,
        } => {
            let mut spare: Option<f64> = None;
            let mut normal = |rng: &mut Rng| match spare.take() {
                Some(z) => z,
                None => {
                    let (a, b) = rng.normals();
                    spare = Some(b);
                    a
                }
            };
            for _ in 0..draws {
                let v = estimate.mean + estimate.sd * normal(&mut rng);
                let mut above = 0usize;
                for x in values {
                    let other = if *movement > 0.0 {
                        x + movement * normal(&mut rng)
                    } else {
                        *x
                    };
                    if other >= v {
                        above += 1;
                        if above >= *top {
                            break;
                        }
                    }
                }
                if above < *top {
                    wins += 1;
                }
            }
        }
    }
    wins as f64 / draws as f64
}

/// The chance for a root index of a survey, against the newest published rank-20 line of its
/// index (or the definition's own threshold where nothing is published); `seed_text` names the
/// query (survey, period, unit…) so that a page and the API draw alike.
pub fn for_root(survey: &Survey, node: &NodeScore, seed_text: &str) -> Top20 {
    let Some(setting) = &survey.top20 else {
        return Top20::none(
            "Không có cơ sở: chỉ số này không được xếp hạng giữa các tỉnh (không có ngưỡng hạng 20 hay bảng các tỉnh để so).".into(),
            "No basis: this index is not ranked among the provinces (no rank-20 line or table of the provinces to compare with).".into(),
        );
    };
    // A published line replaces the definition's own threshold, and the note that explains it.
    let (note, note_en) = match &setting.against {
        Some(a) => line_words(a, setting.movement),
        None => (
            setting.note.clone(),
            note_en(&setting.note, setting.note_en.as_deref()),
        ),
    };
    let (note, note_en) = (note.trim_end(), note_en.trim_end());
    let Some(mean) = node.value else {
        return Top20::none(
            format!("Chưa có dữ liệu năm này để ước tính. {note}"),
            format!("No data this year to estimate from yet. {note_en}"),
        );
    };
    let estimate = Estimate::from_interval(mean, node.ci_low, node.ci_high);
    let own = |lang: Lang| {
        let (mean, sd) = (lang.number(mean, 2), lang.number(estimate.sd, 2));
        let (n, draws) = (lang.count(node.n), lang.count(DRAWS as i64));
        match lang {
            Vi => format!("Giá trị năm nay theo phân phối chuẩn quanh {mean} với độ lệch chuẩn {sd} (từ khoảng tin cậy 95 %, n = {n}); {draws} lần mô phỏng."),
            En => format!("This year's value as a normal distribution around {mean} with standard deviation {sd} (from the 95 % interval, n = {n}); {draws} simulations."),
        }
    };
    let (own, own_en) = (own(Vi), own(En));
    let seed = seed_of(seed_text);
    match field_of(survey) {
        Some(field @ Field::Provinces { .. }) => {
            let provinces = match &setting.against {
                Some(a) => a.ranked.map_or(a.field.len() + 1, |n| n as usize),
                None => survey.rank_table.as_ref().map_or(0, |t| t.rows.len()) + 1,
            };
            Top20 {
                top20_chance: Some(chance(estimate, &field, DRAWS, seed)),
                top20_basis: format!(
                    "Khả năng xếp hạng {} trở lên trong {provinces} tỉnh. {own} {note}",
                    setting.rank
                ),
                top20_basis_en: format!(
                    "The chance of ranking {} or better among {provinces} provinces. {own_en} {note_en}",
                    setting.rank
                ),
            }
        }
        Some(field @ Field::Threshold { low, high }) => Top20 {
            top20_chance: Some(chance(estimate, &field, DRAWS, seed)),
            top20_basis: format!(
                "Khả năng vượt ngưỡng hạng {} ước tính {}–{} (không phải thứ hạng). {own} {note}",
                setting.rank,
                Vi.number(low, 2),
                Vi.number(high, 2),
            ),
            top20_basis_en: format!(
                "The chance of exceeding the estimated rank-{} threshold of {}–{} (not a rank). {own_en} {note_en}",
                setting.rank,
                En.number(low, 2),
                En.number(high, 2),
            ),
        },
        None => Top20::none(
            format!("Không có cơ sở: chưa biết ngưỡng hạng 20 của năm công bố gần nhất cho chỉ số này. {note}"),
            format!("No basis: the rank-20 line of the latest published year is not known for this index. {note_en}"),
        ),
    }
}

/// What a survey's root must beat: the other provinces in the published line's year where the
/// field is known and a movement is set, else the line's bounds; without a published line, the
/// definition's own rank table or threshold.
pub fn field_of(survey: &Survey) -> Option<Field> {
    let setting = survey.top20.as_ref()?;
    if let Some(a) = &setting.against {
        return Some(match setting.movement {
            Some(movement) if !a.field.is_empty() => Field::Provinces {
                values: a.field.iter().map(|r| r.1).collect(),
                movement,
                top: setting.rank,
            },
            _ => Field::Threshold {
                low: a.line.low.to_f64()?,
                high: a.line.high.to_f64()?,
            },
        });
    }
    match (&setting.threshold, setting.movement, &survey.rank_table) {
        (_, Some(movement), Some(table)) => Some(Field::Provinces {
            values: table.rows.iter().map(|r| r.1).collect(),
            movement,
            top: setting.rank,
        }),
        (Some((low, high)), _, _) => Some(Field::Threshold {
            low: *low,
            high: *high,
        }),
        _ => None,
    }
}

/// Attaches the chance to every root node of a scored survey.
pub fn attach(survey: &Survey, nodes: &mut [NodeScore], seed_text: &str) {
    for n in nodes {
        n.top20 = Some(for_root(survey, n, seed_text));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use statrs::distribution::{ContinuousCDF, Normal};

    fn phi(x: f64) -> f64 {
        Normal::new(0.0, 1.0).unwrap().cdf(x)
    }

    /// Within four standard errors of a simulated share.
    fn close(simulated: f64, exact: f64) {
        let se = (exact * (1.0 - exact) / DRAWS as f64).sqrt().max(1e-4);
        assert!(
            (simulated - exact).abs() < 4.0 * se,
            "simulated {simulated}, by hand {exact}"
        );
    }

    #[test]
    fn a_normal_estimate_against_a_fixed_threshold_is_one_minus_phi() {
        // μ = 80.6, σ = 0.9, t = 81.75: 1 − Φ(1.2778) = 0.1007.
        let e = Estimate {
            mean: 80.6,
            sd: 0.9,
        };
        let field = Field::Threshold {
            low: 81.75,
            high: 81.75,
        };
        let c = chance(e, &field, DRAWS, 7);
        close(c, 1.0 - phi((81.75 - 80.6) / 0.9));
        assert!((c - 0.1007).abs() < 0.012, "{c}");
        // The same seed gives the same chance.
        assert_eq!(c, chance(e, &field, DRAWS, 7));
    }

    #[test]
    fn a_known_value_inside_a_threshold_range_beats_the_part_below_it() {
        // Threshold uniform on 81.5–82.0, value exactly 81.6: beaten when t < 81.6, i.e. 20 %.
        let e = Estimate {
            mean: 81.6,
            sd: 0.0,
        };
        let c = chance(
            e,
            &Field::Threshold {
                low: 81.5,
                high: 82.0,
            },
            DRAWS,
            1,
        );
        close(c, 0.2);
    }

    #[test]
    fn a_tiny_papi_like_field_worked_by_hand() {
        // Three other provinces at 10, 20 and 30 that do not move; top 2. Our value N(25, 5)
        // ranks 2nd or better when it is above 20: 1 − Φ(−1) = 0.8413.
        let field = Field::Provinces {
            values: vec![10.0, 20.0, 30.0],
            movement: 0.0,
            top: 2,
        };
        let e = Estimate {
            mean: 25.0,
            sd: 5.0,
        };
        close(chance(e, &field, DRAWS, 3), 1.0 - phi(-1.0));
        // One other province at 0 moving by sd 2, our value 1 exactly; top 1:
        // P(0 + 2Z < 1) = Φ(0.5) = 0.6915.
        let field = Field::Provinces {
            values: vec![0.0],
            movement: 2.0,
            top: 1,
        };
        let e = Estimate { mean: 1.0, sd: 0.0 };
        close(chance(e, &field, DRAWS, 4), phi(0.5));
        // Both uncertain: P(N(1, 1) > N(0, 2)) = Φ(1/√5) = 0.6726.
        let e = Estimate { mean: 1.0, sd: 1.0 };
        close(chance(e, &field, DRAWS, 5), phi(1.0 / 5f64.sqrt()));
    }

    #[test]
    fn an_interval_gives_its_sd() {
        let e = Estimate::from_interval(50.0, Some(48.04), Some(51.96));
        assert!((e.sd - 1.0).abs() < 1e-9);
        assert_eq!(Estimate::from_interval(5.0, None, None).sd, 0.0);
    }

    #[test]
    fn ten_thousand_draws_among_62_provinces_are_quick() {
        let values: Vec<f64> = (0..62).map(|i| 35.0 + f64::from(i) * 0.2).collect();
        let field = Field::Provinces {
            values,
            movement: 1.2,
            top: 20,
        };
        let e = Estimate {
            mean: 44.0,
            sd: 0.8,
        };
        let started = std::time::Instant::now();
        let c = simulate(e, &field, DRAWS, 9);
        let took = started.elapsed();
        assert!((0.0..=1.0).contains(&c));
        // Kept once worked out: the same inputs give the same chance without drawing again.
        assert_eq!(chance(e, &field, DRAWS, 9), c);
        assert_eq!(chance(e, &field, DRAWS, 9), c);
        // Optimised builds take a few ms; a debug build gets more room.
        let limit = if cfg!(debug_assertions) { 400 } else { 20 };
        assert!(took.as_millis() < limit, "{took:?}");
    }
}
