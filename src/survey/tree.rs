//! The index tree: nodes over items or child nodes, their official points, and the checks that
//! the tree is whole (known parents, no cycles, every scored item in a node, points that add up).

use super::check::Checker;
use super::questions::condition;
use super::raw::{RawItem, RawNode, RawSection};
use super::{Aggregate, IndexNode, Points, PointsRule};
use rust_decimal::Decimal;
use std::collections::{HashMap, HashSet};

impl Checker<'_> {
    pub(super) fn index(&mut self, raw: &[RawNode], sections: &[RawSection]) -> Vec<IndexNode> {
        let items: HashMap<&str, &RawItem> = sections
            .iter()
            .flat_map(|s| s.items.iter().map(|i| (i.code.get_ref().as_str(), i)))
            .collect();
        let by_code: HashMap<&str, &RawNode> =
            raw.iter().map(|n| (n.code.get_ref().as_str(), n)).collect();
        let mut seen = HashSet::new();
        let mut used_items = HashSet::new();
        let mut nodes = Vec::new();
        for n in raw {
            let code = n.code.get_ref().clone();
            if !seen.insert(code.clone()) {
                self.err(&n.code, format!("index node '{code}' is defined twice"));
            }
            if let Some(p) = &n.parent {
                if !by_code.contains_key(p.get_ref().as_str()) {
                    self.err(
                        p,
                        format!("node '{code}' has unknown parent '{}'", p.get_ref()),
                    );
                }
            }
            let children: Vec<String> = raw
                .iter()
                .filter(|c| c.parent.as_ref().is_some_and(|p| p.get_ref() == &code))
                .map(|c| c.code.get_ref().clone())
                .collect();
            for i in &n.items {
                if !items.contains_key(i.get_ref().as_str()) {
                    self.err(
                        i,
                        format!("node '{code}' lists unknown item '{}'", i.get_ref()),
                    );
                }
                used_items.insert(i.get_ref().clone());
            }
            if n.items.is_empty() == children.is_empty() {
                self.err(
                    &n.code,
                    format!("node '{code}' must aggregate either items or child nodes, not both or neither"),
                );
            }
            let aggregate = match n.aggregate.as_ref().map(|a| a.get_ref().as_str()) {
                None | Some("mean") => Aggregate::Mean,
                Some("sum") => Aggregate::Sum,
                Some(other) => {
                    self.err(
                        n.aggregate.as_ref().unwrap_or(&n.code),
                        format!("node '{code}': aggregate '{other}' is not 'mean' or 'sum'"),
                    );
                    Aggregate::Mean
                }
            };
            if n.owner.as_deref().is_none_or(|o| o.trim().is_empty()) {
                self.err(
                    &n.code,
                    format!("node '{code}' has no owner (the lead agency responsible for it)"),
                );
            }
            if let Some(k) = &n.papi_k {
                if *k.get_ref() == 0 {
                    self.err(k, format!("node '{code}': papi_k must be at least 1"));
                }
                if n.items.is_empty() {
                    self.err(k, format!("PAPI sub-dimension '{code}' has no item"));
                }
            }
            let baseline = n
                .baseline
                .as_ref()
                .and_then(|b| self.decimal(b, "baseline"));
            let target = n.target.as_ref().and_then(|b| self.decimal(b, "target"));
            let points = self.points(n, &children, &by_code);
            nodes.push(IndexNode {
                code,
                name: n.name.clone(),
                name_en: n.name_en.clone(),
                parent: n.parent.as_ref().map(|p| p.get_ref().clone()),
                aggregate,
                items: n.items.iter().map(|i| i.get_ref().clone()).collect(),
                children,
                baseline,
                baseline_note: n.baseline_note.clone(),
                target,
                target_note: n.target_note.clone(),
                owner: n.owner.clone(),
                points,
                papi_k: n.papi_k.as_ref().map(|k| *k.get_ref()),
                count_if: n.count_if.as_ref().map(condition),
            });
        }
        self.cycles(raw, &by_code);
        // In the definition's order, so that the same file always gives the same report.
        for item in sections.iter().flat_map(|s| &s.items) {
            let code = item.code.get_ref().as_str();
            if item.scored && !used_items.contains(code) {
                self.err(
                    &item.code,
                    format!("item '{code}' is in no index node (mark it `scored = false` if it feeds none)"),
                );
            }
        }
        nodes
    }

    fn points(
        &mut self,
        n: &RawNode,
        children: &[String],
        by_code: &HashMap<&str, &RawNode>,
    ) -> Option<Points> {
        let code = n.code.get_ref();
        let Some(rule) = &n.points else {
            if n.points_max.is_some() || n.points_baseline.is_some() {
                self.err(
                    &n.code,
                    format!(
                        "node '{code}' gives points_max or points_baseline but no `points` rule"
                    ),
                );
            }
            return None;
        };
        let rule_kind = match rule.get_ref().as_str() {
            "percent_of_max" => PointsRule::PercentOfMax,
            "share_of_max" => PointsRule::ShareOfMax,
            "sum_of_children" => PointsRule::SumOfChildren,
            other => {
                self.err(rule, format!("node '{code}': points rule '{other}' is not 'percent_of_max', 'share_of_max' or 'sum_of_children'"));
                return None;
            }
        };
        let Some(max_raw) = &n.points_max else {
            self.err(
                rule,
                format!("node '{code}' converts to points but has no points_max"),
            );
            return None;
        };
        let max = self.decimal(max_raw, "points_max")?;
        let baseline = n
            .points_baseline
            .as_ref()
            .and_then(|b| self.decimal(b, "points_baseline"));
        if let PointsRule::SumOfChildren = rule_kind {
            let kids: Vec<&RawNode> = children
                .iter()
                .filter_map(|c| by_code.get(c.as_str()).copied())
                .collect();
            let mut sum_max = Decimal::ZERO;
            let mut sum_base = Some(Decimal::ZERO);
            for k in &kids {
                match (&k.points, &k.points_max) {
                    (Some(_), Some(m)) => {
                        sum_max += m.get_ref().decimal().unwrap_or_default();
                        sum_base = match (&k.points_baseline, sum_base) {
                            (Some(b), Some(s)) => b.get_ref().decimal().map(|b| s + b),
                            _ => None,
                        };
                    }
                    _ => self.err(
                        &k.code,
                        format!(
                            "node '{}' is summed into the points of '{code}' but has no points",
                            k.code.get_ref()
                        ),
                    ),
                }
            }
            if sum_max != max {
                self.err(
                    max_raw,
                    format!("points do not add up: the children of '{code}' give {sum_max}, points_max says {max}"),
                );
            }
            if let (Some(b), Some(s), Some(raw)) = (baseline, sum_base, &n.points_baseline) {
                if b != s {
                    self.err(
                        raw,
                        format!("2022 points do not add up: the children of '{code}' give {s}, points_baseline says {b}"),
                    );
                }
            }
        }
        Some(Points {
            code: n.points_code.clone(),
            rule: rule_kind,
            max,
            baseline,
        })
    }

    fn cycles(&mut self, raw: &[RawNode], by_code: &HashMap<&str, &RawNode>) {
        for n in raw {
            let mut at = n;
            for _ in 0..=raw.len() {
                match at
                    .parent
                    .as_ref()
                    .and_then(|p| by_code.get(p.get_ref().as_str()))
                {
                    Some(p) => at = p,
                    None => break,
                }
                if std::ptr::eq(at, n) {
                    self.err(
                        &n.code,
                        format!("node '{}' is its own ancestor", n.code.get_ref()),
                    );
                    break;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::survey::fixture::{assert_refused, errors, GOOD};

    #[test]
    fn items_in_no_index_are_reported_in_the_definitions_order() {
        let bad = GOOD.replace("items = [\"A1\", \"A2\"]", "items = []");
        let found: Vec<String> = errors(&bad)
            .into_iter()
            .filter(|m| m.contains("is in no index node"))
            .collect();
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(
            found[0].contains("'A1'") && found[1].contains("'A2'"),
            "{found:?}"
        );
    }

    #[test]
    fn rejects_item_in_no_index() {
        assert_refused(
            "items = [\"A1\", \"A2\"]",
            "items = [\"A1\"]",
            "item 'A2' is in no index node",
        );
    }

    #[test]
    fn rejects_points_that_do_not_add_up() {
        assert_refused(
            "points_max = \"3\"",
            "points_max = \"10\"",
            "points do not add up",
        );
    }

    #[test]
    fn rejects_a_node_without_owner() {
        assert_refused("owner = \"Sở Nội vụ\"\n", "", "node 'ROOT' has no owner");
    }
}
