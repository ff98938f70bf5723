//! Who holds the plan's tasks now: the 2025 reorganisation of agencies as data. Each
//! `[[succession]]` of the plan file says that, from a period on, what a 2023 agency held is
//! held by another (several old agencies may fold into one; one split in several names, per
//! successor, the items it took). Every entry cites its source or says it is unconfirmed.
//! Pages name today's holder with the 2023 agency it comes from; periods before an entry's
//! keep the plan's owners as written.

use super::plan::{Agency, Plan, Task};
use super::source::Source;
use super::DefinitionError;
use serde::{Deserialize, Serialize};
use toml::Spanned;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Succession {
    /// The agency of the 2023 plan whose work moved.
    pub from: String,
    /// The agency that holds it from `period` on.
    pub to: String,
    /// The first period (year) the successor holds it.
    pub period: i32,
    /// For an agency split in several: the part of its work this successor took.
    #[serde(default)]
    pub part: Option<String>,
    /// The items this entry covers: a plan task ("III II.2", appendix and row), a criterion
    /// or an index node ("papi-aligned 2.2", definition id and code). Empty: everything of
    /// `from`, unless the entry names a `part` (then it covers no item of the plan); only one
    /// entry of an agency may cover everything.
    #[serde(default)]
    pub items: Vec<String>,
    /// The text that moved the work (a decree, a decision of the city).
    #[serde(default)]
    pub source: Option<String>,
    /// `false`: the lineage is not confirmed for the city (pages say so).
    #[serde(default)]
    pub confirmed: Option<bool>,
    #[serde(default)]
    pub note: Option<String>,
}

impl Succession {
    pub fn is_confirmed(&self) -> bool {
        self.confirmed != Some(false)
    }

    /// Covers every item of `from` not named by another entry.
    fn whole(&self) -> bool {
        self.items.is_empty() && self.part.is_none()
    }
}

/// Who holds one owner named in a text, in a period.
#[derive(Debug, Clone)]
pub struct Held<'a> {
    /// Today's holder; `None` where the former agency was split and this item was given to
    /// none of its successors.
    pub now: Option<&'a Agency>,
    /// The agencies of the plan it comes from (empty when the holder is the one written),
    /// each with the entry that moved it.
    pub former: Vec<(&'a Agency, &'a Succession)>,
}

impl Held<'_> {
    /// Every step from a former agency is confirmed.
    pub fn confirmed(&self) -> bool {
        self.former.iter().all(|(_, s)| s.is_confirmed())
    }
}

/// How a task is named in `items`: its appendix and row ("III II.2").
pub fn task_key(t: &Task) -> String {
    format!("{} {}", t.appendix, t.row)
}

impl Plan {
    /// The entries moving `code`'s work that are in force in `period`.
    fn moved(&self, code: &str, period: i32) -> Vec<&Succession> {
        self.successions
            .iter()
            .filter(|s| s.from == code && s.period <= period)
            .collect()
    }

    /// Where `a`'s part of `item` is in `period`: itself (None), a successor, or nobody
    /// (Some(None): split, not attributed).
    fn successor_of(&self, a: &Agency, item: &str, period: i32) -> Option<Option<&Succession>> {
        let moved = self.moved(&a.code, period);
        if moved.is_empty() {
            return None;
        }
        let named = moved.iter().find(|s| s.items.iter().any(|i| i == item));
        let whole: Vec<&&Succession> = moved.iter().filter(|s| s.whole()).collect();
        Some(match (named, whole.as_slice()) {
            (Some(s), _) => Some(*s),
            (None, [one]) => Some(**one),
            _ => None,
        })
    }

    /// The holders in `period` of what an owner text names for `item`, each once: several
    /// old agencies folding into one give one holder with all of them as former.
    pub fn holders(&self, owner: &str, item: &str, period: i32) -> Vec<Held<'_>> {
        let mut out: Vec<Held> = Vec::new();
        for a in self.split_owner(owner).0 {
            let (now, step) = match self.successor_of(a, item, period) {
                None => (Some(a), None),
                Some(Some(s)) => (self.agency(&s.to), Some((a, s))),
                Some(None) => {
                    // Split and not attributed: the former agency, citing its split.
                    let s = self.successions.iter().find(|s| s.from == a.code);
                    out.push(Held {
                        now: None,
                        former: s.map(|s| (a, s)).into_iter().collect(),
                    });
                    continue;
                }
            };
            let Some(now) = now else { continue };
            match out
                .iter_mut()
                .find(|h| h.now.is_some_and(|x| x.code == now.code))
            {
                Some(h) => h.former.extend(step),
                None => out.push(Held {
                    now: Some(now),
                    former: step.into_iter().collect(),
                }),
            }
        }
        out
    }

    /// Whether `code` holds, in `period`, what `owner` names for `item`.
    pub fn holds(&self, code: &str, owner: &str, item: &str, period: i32) -> bool {
        self.holders(owner, item, period)
            .iter()
            .any(|h| h.now.is_some_and(|a| a.code == code))
    }

    /// The tasks `code` leads in `period`.
    pub fn tasks_held(&self, code: &str, period: i32) -> Vec<&Task> {
        self.tasks
            .iter()
            .filter(|t| self.holds(code, &t.lead, &task_key(t), period))
            .collect()
    }

    /// The agencies of `period`: the plan's, less those whose work moved, with those that
    /// began since; each with the entries that brought it former agencies' work.
    #[allow(clippy::type_complexity)]
    pub fn agencies_in(&self, period: i32) -> Vec<(&Agency, Vec<(&Agency, &Succession)>)> {
        self.agencies
            .iter()
            .filter(|a| self.exists_in(&a.code, period))
            .map(|a| {
                let from = self
                    .successions
                    .iter()
                    .filter(|s| s.to == a.code && s.period <= period)
                    .filter_map(|s| self.agency(&s.from).map(|f| (f, s)))
                    .collect();
                (a, from)
            })
            .collect()
    }

    /// Whether `code` is an agency of `period` (not moved away, begun by then).
    pub fn exists_in(&self, code: &str, period: i32) -> bool {
        self.agency(code).is_some_and(|a| {
            a.since.is_none_or(|s| s <= period) && self.moved(code, period).is_empty()
        })
    }

    /// A free text (partners, a task's wording) with each agency whose work moved by
    /// `period` named as its holder, then "(trước đây: …)" / "(formerly …)"; a split agency
    /// whose part cannot be told from the text is named as dissolved.
    pub fn renamed(&self, text: &str, period: i32, vi: bool) -> String {
        let mut names: Vec<(&str, &Agency)> = self
            .agencies
            .iter()
            .filter(|a| !self.moved(&a.code, period).is_empty())
            .flat_map(|a| {
                std::iter::once(a.name.as_str())
                    .chain(a.aliases.iter().map(String::as_str))
                    .map(move |n| (n, a))
            })
            // A blank name (refused on loading) would match everywhere, for ever.
            .filter(|(n, _)| !n.trim().is_empty())
            .collect();
        names.sort_by_key(|(n, _)| std::cmp::Reverse(n.len()));
        // Longest names first; what is replaced is kept out of later matches by a marker.
        let mut parts: Vec<(usize, usize, String)> = Vec::new();
        let mut blank = text.to_string();
        for (name, a) in names {
            while let Some(at) = blank.find(name) {
                let moved = self.moved(&a.code, period);
                let whole: Vec<&&Succession> = moved.iter().filter(|s| s.whole()).collect();
                let instead = match whole.as_slice() {
                    [one] => {
                        let to = self
                            .agency(&one.to)
                            .map_or(one.to.as_str(), |x| x.name.as_str());
                        let mark = if one.is_confirmed() {
                            ""
                        } else if vi {
                            ", chưa xác nhận"
                        } else {
                            ", unconfirmed"
                        };
                        if vi {
                            format!("{to} (trước đây: {name}{mark})")
                        } else {
                            format!("{to} (formerly {name}{mark})")
                        }
                    }
                    _ if vi => format!("(trước đây: {name}, đã giải thể)"),
                    _ => format!("(formerly {name}, dissolved)"),
                };
                parts.push((at, name.len(), instead));
                blank.replace_range(at..at + name.len(), &"\u{1}".repeat(name.len()));
            }
        }
        parts.sort_by_key(|p| std::cmp::Reverse(p.0));
        let mut out = text.to_string();
        for (at, len, instead) in parts {
            out.replace_range(at..at + len, &instead);
        }
        out
    }
}

/// The plan's checks of its successions: known agencies, a source or `confirmed = false`,
/// a split agency's entries each naming their items, known task items. Items naming a
/// definition are checked where definitions are loaded together.
pub fn check(plan: &Plan, raw: &[Spanned<Succession>], source: &Source) -> Vec<DefinitionError> {
    let mut errors = Vec::new();
    for s in raw {
        let at = s.span().start;
        let s = s.get_ref();
        let name = format!("succession {} → {}", s.from, s.to);
        for code in [&s.from, &s.to] {
            if plan.agency(code).is_none() {
                errors.push(source.error(
                    at,
                    format!("{name}: '{code}' is not an [[agency]] of the plan"),
                ));
            }
        }
        if s.from == s.to {
            errors.push(source.error(at, format!("{name}: an agency cannot succeed itself")));
        }
        let sourced = s.source.as_deref().is_some_and(|t| !t.trim().is_empty());
        if !sourced && s.confirmed != Some(false) {
            errors.push(source.error(
                at,
                format!(
                    "{name}: give its source (the decree or the city's decision) or mark it confirmed = false"
                ),
            ));
        }
        if !(2000..=2100).contains(&s.period) {
            errors.push(source.error(at, format!("{name}: period {} is not a year", s.period)));
        }
        let whole = raw
            .iter()
            .filter(|o| o.get_ref().from == s.from && o.get_ref().whole())
            .count();
        if s.whole() && whole > 1 {
            errors.push(source.error(
                at,
                format!(
                    "{name}: '{}' has several successors, so each entry must name its items or its part",
                    s.from
                ),
            ));
        }
        for item in &s.items {
            if !item.contains(' ') {
                errors.push(source.error(
                    at,
                    format!(
                        "{name}: item '{item}' must be \"appendix row\" or \"definition code\""
                    ),
                ));
            }
            let is_task = item
                .split_once(' ')
                .is_some_and(|(a, _)| super::plan::APPENDICES.contains(&a));
            if is_task && !plan.tasks.iter().any(|t| task_key(t) == *item) {
                errors.push(source.error(
                    at,
                    format!("{name}: item '{item}' is no task of the plan (appendix and row)"),
                ));
            }
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use crate::survey::plan::parse_plan;

    const PLAN: &str = r#"
id = "p"
title = "Kế hoạch"
source = "bản quét"
[[agency]]
code = "A"
name = "Sở A"
[[agency]]
code = "B"
name = "Sở B"
[[agency]]
code = "L"
name = "Sở L"
[[agency]]
code = "AB"
name = "Sở AB"
since = 2025
[[task]]
appendix = "I"
row = "1"
index = "parindex"
refers = "1"
lead = "Sở A, Sở B"
partners = "Sở B; Sở L"
text = "Việc của Sở A."
[[task]]
appendix = "I"
row = "2"
index = "parindex"
refers = "2"
lead = "Sở L"
text = "Việc một."
[[task]]
appendix = "I"
row = "3"
index = "parindex"
refers = "3"
lead = "Sở L"
text = "Việc hai."
[[succession]]
from = "A"
to = "AB"
period = 2025
source = "Nghị định"
[[succession]]
from = "B"
to = "AB"
period = 2025
confirmed = false
[[succession]]
from = "L"
to = "A"
period = 2025
part = "phần một"
items = ["I 2"]
source = "Nghị định"
[[succession]]
from = "L"
to = "B"
period = 2025
part = "phần khác"
source = "Nghị định"
"#;

    #[test]
    fn old_agencies_fold_into_one_and_a_split_one_goes_where_its_items_went() {
        let p = parse_plan("p.toml", PLAN).unwrap();
        // Before 2025 the owners as written.
        let h = p.holders("Sở A, Sở B", "I 1", 2024);
        assert_eq!(h.len(), 2);
        assert!(h.iter().all(|h| h.former.is_empty()));
        // From 2025 the two fold into one holder, once, with both as former.
        let h = p.holders("Sở A, Sở B", "I 1", 2025);
        assert_eq!(h.len(), 1);
        assert_eq!(h[0].now.map(|a| a.code.as_str()), Some("AB"));
        assert_eq!(h[0].former.len(), 2);
        assert!(!h[0].confirmed(), "B's step is unconfirmed");
        // The split agency: its named item to A; another item to nobody.
        assert_eq!(p.tasks_held("A", 2025).len(), 1);
        let h = p.holders("Sở L", "I 3", 2025);
        assert!(h[0].now.is_none());
        assert_eq!(h[0].former[0].0.code, "L");
        // Today's agencies.
        let codes: Vec<&str> = p
            .agencies_in(2025)
            .iter()
            .map(|a| a.0.code.as_str())
            .collect();
        assert_eq!(codes, ["AB"]);
        let codes: Vec<&str> = p
            .agencies_in(2024)
            .iter()
            .map(|a| a.0.code.as_str())
            .collect();
        assert_eq!(codes, ["A", "B", "L"]);
        // Free text: a whole successor is named; a split one is said dissolved.
        assert_eq!(
            p.renamed("Sở B; Sở L", 2025, true),
            "Sở AB (trước đây: Sở B, chưa xác nhận); (trước đây: Sở L, đã giải thể)"
        );
        assert_eq!(p.renamed("Sở B; Sở L", 2024, true), "Sở B; Sở L");
    }

    #[test]
    fn a_succession_without_a_source_or_to_an_unknown_agency_is_refused_at_its_line() {
        let bad = PLAN.replace("period = 2025\nconfirmed = false\n", "period = 2025\n");
        let e = parse_plan("p.toml", &bad).unwrap_err();
        assert!(
            e.iter()
                .any(|e| e.message.starts_with("succession B → AB: give its source")),
            "{e:?}"
        );
        let bad = PLAN.replace("to = \"AB\"", "to = \"ZZ\"");
        let e = parse_plan("p.toml", &bad).unwrap_err();
        assert!(
            e.iter().any(|e| e.message
                == "succession A → ZZ: 'ZZ' is not an [[agency]] of the plan"
                && e.line == 40),
            "{e:?}"
        );
        let bad = PLAN.replace("part = \"phần khác\"\n", "");
        let bad = bad.replace("part = \"phần một\"\nitems = [\"I 2\"]\n", "");
        let e = parse_plan("p.toml", &bad).unwrap_err();
        assert!(
            e.iter().any(|e| e.message.contains("several successors")),
            "{e:?}"
        );
    }
}
