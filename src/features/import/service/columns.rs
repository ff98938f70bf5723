//! The header of a file of forms, read: what each column holds, and what is wrong with it.

use super::options::{REASONS_COLUMN, RESERVED_COLUMNS};
use super::report::{ImportError, RowError};
use super::rows::Plan;
use std::collections::HashSet;

/// What a column of the file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Col {
    Unit,
    Period,
    Date,
    Group,
    SubmissionId,
    Serial,
    Reasons,
    Open,
    Background,
    Item,
}

/// The header, read: what each column holds.
pub(super) struct Columns {
    pub(super) names: Vec<String>,
    pub(super) kinds: Vec<Col>,
    /// The `loi` column of a file of rejected rows.
    pub(super) reasons: Option<usize>,
    pub(super) problems: Vec<RowError>,
}

impl Columns {
    pub(super) fn has(&self, kind: Col) -> bool {
        self.kinds.contains(&kind)
    }

    /// The column an explicit form id comes from.
    pub(super) fn id_column(&self) -> &'static str {
        if self.has(Col::SubmissionId) {
            "submission_id"
        } else {
            "serial"
        }
    }

    fn index(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    pub(super) fn cell<'c>(&self, cells: &'c [String], name: &str) -> &'c str {
        self.index(name)
            .and_then(|i| cells.get(i))
            .map_or("", |c| c.trim())
    }
}

impl Plan<'_> {
    pub(super) fn header(&self, cells: &[String]) -> Result<Columns, ImportError> {
        let def = self.survey;
        let names: Vec<String> = cells.iter().map(|c| c.trim().to_string()).collect();
        let mut kinds = Vec::with_capacity(names.len());
        let mut problems = Vec::new();
        let mut reasons = None;
        // Each name is looked up once: a header of many columns is read in linear time.
        let mut named: HashSet<&str> = HashSet::with_capacity(names.len());
        let header_problem = |column: &str, reason: String| RowError {
            row: 1,
            column: column.to_string(),
            value: String::new(),
            reason,
        };
        for (i, name) in names.iter().enumerate() {
            let kind = match name.as_str() {
                "unit" => Col::Unit,
                "period" => Col::Period,
                "date" => Col::Date,
                "group" => Col::Group,
                "submission_id" => Col::SubmissionId,
                "serial" => Col::Serial,
                REASONS_COLUMN => {
                    reasons = Some(i);
                    Col::Reasons
                }
                code if def.open.iter().any(|o| o.code == code) => Col::Open,
                code if def.background.iter().any(|b| b.code == code) => Col::Background,
                code if def.item(code).is_some() => Col::Item,
                "" => {
                    problems.push(header_problem(
                        &format!("{}", i + 1),
                        "a column without a name: the first row must name every column".into(),
                    ));
                    Col::Reasons
                }
                other => {
                    problems.push(header_problem(
                        other,
                        format!(
                            "unknown column: neither a question of {} nor one of {}, {REASONS_COLUMN}",
                            def.id,
                            RESERVED_COLUMNS.join(", ")
                        ),
                    ));
                    Col::Reasons
                }
            };
            if !name.is_empty() && !named.insert(name.as_str()) {
                problems.push(header_problem(name, "this column appears twice".into()));
            }
            kinds.push(kind);
        }
        let mut missing = |name: &str, why: &str| {
            if !names.iter().any(|n| n == name) {
                problems.push(header_problem(name, format!("missing column: {why}")));
            }
        };
        if self.opts.unit.is_none() {
            missing("unit", "every form needs its unit (or give --unit)");
        }
        if self.opts.period.is_none() {
            missing("period", "every form needs its period (or give --period)");
        }
        for b in def.background.iter().filter(|b| b.required) {
            missing(&b.code, "a required background question of the survey");
        }
        for item in def.items().filter(|i| i.required) {
            missing(&item.code, "a required question of the survey");
        }
        Ok(Columns {
            names,
            kinds,
            reasons,
            problems,
        })
    }
}
