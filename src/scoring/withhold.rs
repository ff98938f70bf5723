//! Withholding: nodes and respondent-group cells resting on too few answers are shown
//! without value or points, and enough others beside them that none can be worked out.

use super::{suppress, NodeScore};

/// Withholds every respondent-group cell resting on fewer than `k` answers, and enough
/// others beside it that none can be worked out from the node's own value
/// ([`suppress::withhold`]); a node whose groups cannot hide a small one (a group holding
/// every answer) is withheld with them. Run after [`withhold_under`]: a withheld node
/// withholds all its groups.
pub fn suppress_small_groups(nodes: &mut [NodeScore], k: i64) {
    for n in nodes {
        if !n.by_group.is_empty() {
            let cells: Vec<suppress::Cell> = n
                .by_group
                .iter()
                .map(|g| suppress::Cell {
                    forms: g.n,
                    small: g.n < k,
                })
                .collect();
            // A group withheld already (by its own chain of units) is a withheld cell here.
            let given: Vec<bool> = n.by_group.iter().map(|g| g.suppressed).collect();
            let w = suppress::withhold_given(&cells, &given, n.n, n.withheld, k);
            for (g, hide) in n.by_group.iter_mut().zip(&w.cells) {
                if *hide {
                    g.value = None;
                    g.points = None;
                    g.suppressed = true;
                }
            }
            if w.total {
                withhold_node(n);
            }
        }
        suppress_small_groups(&mut n.children, k);
    }
}

/// Withholds one node's value, points, interval and every comparison drawn from them (n is
/// kept).
pub fn withhold_node(n: &mut NodeScore) {
    n.value = None;
    n.points = None;
    n.ci_low = None;
    n.ci_high = None;
    n.delta = None;
    n.significant = None;
    n.gap_to_target = None;
    n.rank = None;
    n.withheld = true;
}

/// Withholds one respondent group on every node of a tree (withheld by its own chain of units).
pub fn withhold_group(nodes: &mut [NodeScore], group: &str) {
    for n in nodes {
        for g in n.by_group.iter_mut().filter(|g| g.group == group) {
            g.value = None;
            g.points = None;
            g.suppressed = true;
        }
        withhold_group(&mut n.children, group);
    }
}

/// Withholds every node of a tree (a slice whose figure would let a reader subtract a
/// withheld cell from a published one).
pub fn withhold_all(nodes: &mut [NodeScore]) {
    for n in nodes {
        withhold_node(n);
        for g in &mut n.by_group {
            g.value = None;
            g.points = None;
            g.suppressed = true;
        }
        withhold_all(&mut n.children);
    }
}

/// Withholds every node resting on fewer than `k` answers: its value, points, interval and
/// every comparison drawn from them. For slices narrower than the whole city and year, where
/// the few who answered may be known (one form on one day at one ward is one citizen).
pub fn withhold_under(nodes: &mut [NodeScore], k: i64) {
    for n in nodes {
        if n.n < k && (n.value.is_some() || n.points.is_some()) {
            withhold_node(n);
        }
        withhold_under(&mut n.children, k);
    }
}
