//! The checked forms of a file, kept from the first pass to the second in a compact form: the
//! strings that repeat from form to form (units, days, codes) once, answers as small numbers.
//! The second pass stores them without reading or checking the file again, and in the order of
//! their count slices (unit, day), so that each chunk rewrites as few slice rows as possible
//! however the file is ordered.

use super::ids::seeded;
use super::report::{ImportError, Problem};
use crate::db::responses::Pending;
use crate::ingest::Intake;
use crate::secrets::keyed_submission;
use crate::survey::ValidSubmission;
use std::collections::{BTreeMap, HashMap};

/// Strings kept once, each known by its number.
#[derive(Default)]
struct Strings {
    numbers: HashMap<Box<str>, u32>,
    all: Vec<Box<str>>,
}

impl Strings {
    fn number(&mut self, s: &str) -> u32 {
        if let Some(&n) = self.numbers.get(s) {
            return n;
        }
        let n = self.all.len() as u32;
        self.all.push(s.into());
        self.numbers.insert(s.into(), n);
        n
    }

    fn get(&self, n: u32) -> &str {
        self.all.get(n as usize).map_or("", |s| s)
    }
}

/// "No opinion" among the answers' values.
const NO_OPINION: i16 = i16::MIN;

/// A form that passed every check, as stored later.
struct Form {
    /// Its row in the file.
    number: u64,
    unit: u32,
    day: u32,
    period: i32,
    channel: u32,
    status: u32,
    group: Option<u32>,
    submission_id: u128,
    /// Derived from the file's contents before the import knew its seed.
    derived: bool,
    serial: Option<Box<str>>,
    /// (item code, value), [`NO_OPINION`] for none: four bytes an answer.
    answers: Box<[(u16, i16)]>,
    background: Box<[(u32, u32)]>,
    comments: Box<[(u32, Box<str>)]>,
}

/// Every checked form of a file.
#[derive(Default)]
pub(super) struct Forms {
    strings: Strings,
    /// Item codes, from the survey's definition: a few hundred at most.
    codes: Strings,
    forms: Vec<Form>,
}

impl Forms {
    /// Keeps a form that passed the checks of its row `number`.
    pub(super) fn keep(
        &mut self,
        number: u64,
        pending: &Pending,
        serial: Option<String>,
        derived: bool,
    ) -> Result<(), ImportError> {
        let s = &mut self.strings;
        let v = &pending.valid;
        let codes = &mut self.codes;
        let answers = v
            .answers
            .iter()
            .map(|(code, value)| {
                let code = u16::try_from(codes.number(code)).map_err(|_| {
                    Problem::new(
                        "more item codes than an import can hold",
                        "quá nhiều mã câu hỏi cho một lần nhập",
                    )
                })?;
                Ok((code, value.unwrap_or(NO_OPINION)))
            })
            .collect::<Result<_, Problem>>()?;
        let form = Form {
            number,
            unit: s.number(&pending.unit),
            day: s.number(&pending.day),
            period: pending.period,
            channel: s.number(&pending.channel),
            status: s.number(&pending.status),
            group: v.group.as_deref().map(|g| s.number(g)),
            submission_id: uuid::Uuid::parse_str(&pending.submission_id).map_or(0, |u| u.as_u128()),
            derived,
            serial: serial.map(String::into_boxed_str),
            answers,
            background: v
                .background
                .iter()
                .map(|(k, o)| (s.number(k), s.number(o)))
                .collect(),
            comments: v
                .comments
                .iter()
                .map(|(k, c)| (s.number(k), c.as_str().into()))
                .collect(),
        };
        self.forms.push(form);
        Ok(())
    }

    /// The forms in the order they are stored: by unit and day, so that a chunk's forms fall
    /// into few count slices; in file order within a slice.
    pub(super) fn in_slice_order(&mut self) {
        let s = &self.strings;
        self.forms.sort_by(|a, b| {
            (s.get(a.unit), a.period, s.get(a.day), a.number).cmp(&(
                s.get(b.unit),
                b.period,
                s.get(b.day),
                b.number,
            ))
        });
    }

    pub(super) fn len(&self) -> usize {
        self.forms.len()
    }

    /// The forms `range` of the store order, as the store path takes them (with their serial),
    /// skipping those whose row `skip` says.
    pub(super) fn pending(
        &self,
        range: std::ops::Range<usize>,
        intake: &Intake,
        survey_id: &str,
        id_seed: &str,
        skip: &dyn Fn(u64) -> bool,
    ) -> Vec<(Option<String>, Pending)> {
        let (s, codes) = (&self.strings, &self.codes);
        let layout = intake.layouts.get(survey_id);
        self.forms
            .get(range)
            .unwrap_or_default()
            .iter()
            .filter(|f| !skip(f.number))
            .map(|f| {
                let answers: Vec<(String, Option<i16>)> = f
                    .answers
                    .iter()
                    .map(|&(code, v)| {
                        let code = codes.get(u32::from(code)).to_string();
                        (code, (v != NO_OPINION).then_some(v))
                    })
                    .collect();
                let background: BTreeMap<String, String> = f
                    .background
                    .iter()
                    .map(|&(k, o)| (s.get(k).to_string(), s.get(o).to_string()))
                    .collect();
                let id = uuid::Uuid::from_u128(f.submission_id)
                    .hyphenated()
                    .to_string();
                let submission_id = if f.derived { seeded(id_seed, &id) } else { id };
                let pending = Pending {
                    contribution: layout
                        .map(|l| l.contribution(&answers, &background))
                        .unwrap_or_default(),
                    survey_id: survey_id.to_string(),
                    unit: s.get(f.unit).to_string(),
                    channel: s.get(f.channel).to_string(),
                    period: f.period,
                    day: s.get(f.day).to_string(),
                    stored_submission: keyed_submission(intake.submission_key, &submission_id),
                    submission_id,
                    status: s.get(f.status).to_string(),
                    keyed_by: None,
                    valid: ValidSubmission {
                        answers,
                        background,
                        comments: f
                            .comments
                            .iter()
                            .map(|(k, c)| (s.get(*k).to_string(), c.to_string()))
                            .collect(),
                        group: f.group.map(|g| s.get(g).to_string()),
                    },
                };
                (f.serial.as_deref().map(str::to_string), pending)
            })
            .collect()
    }
}
