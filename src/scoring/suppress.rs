//! Secondary suppression, as statistical offices do it: where a cell of a table is withheld
//! because it rests on too few answers, enough other cells of the same table are withheld
//! that none can be worked out by subtracting the published cells from the published total.

/// One cell of a table: how many forms it holds, and whether it is withheld on its own
/// (primary suppression: fewer answers than the smallest cell).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cell {
    pub forms: i64,
    pub small: bool,
}

/// What to withhold in one table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Withheld {
    /// One flag per cell, in the table's order.
    pub cells: Vec<bool>,
    /// The total too: its cells alone could not hide what a withheld one holds.
    pub total: bool,
}

/// Which cells of a table to withhold. `total` is the forms of the whole the cells break down
/// (any forms no cell holds — a unit's own, a form without a field — are a hidden cell of
/// their own); `total_withheld` says the whole is withheld already (by a table above it), and
/// then every cell is, so that the cells cannot add up to it.
///
/// The rule: the withheld cells of a published total, together with what no cell holds, hold
/// either no form or at least `min_cell`; a withheld cell below `min_cell` is therefore never
/// alone beside a published total. Cells are added from the smallest up (least is lost); when
/// none is left, the total is withheld as well — a cell holding every form is withheld with
/// the whole, or neither is.
pub fn withhold(cells: &[Cell], total: i64, total_withheld: bool, min_cell: i64) -> Withheld {
    if total_withheld {
        return Withheld {
            cells: vec![true; cells.len()],
            total: true,
        };
    }
    let mut withheld: Vec<bool> = cells.iter().map(|c| c.small).collect();
    let held: i64 = cells.iter().map(|c| c.forms.max(0)).sum();
    let unheld = (total - held).max(0);
    loop {
        let hidden: i64 = unheld
            + cells
                .iter()
                .zip(&withheld)
                .filter(|(_, w)| **w)
                .map(|(c, _)| c.forms.max(0))
                .sum::<i64>();
        if hidden == 0 || hidden >= min_cell {
            return Withheld {
                cells: withheld,
                total: false,
            };
        }
        let next = cells
            .iter()
            .enumerate()
            .filter(|(i, c)| c.forms > 0 && !withheld.get(*i).copied().unwrap_or(true))
            .min_by_key(|(_, c)| c.forms)
            .map(|(i, _)| i);
        match next.and_then(|i| withheld.get_mut(i)) {
            Some(w) => *w = true,
            None => {
                return Withheld {
                    cells: vec![true; cells.len()],
                    total: true,
                }
            }
        }
    }
}

/// [`withhold`] where some cells are withheld already by another table (`given`: a unit's
/// group withheld because the same group one unit up, minus it, would give a smaller one).
/// Such a cell is withheld whatever it holds, and is never the only withheld cell holding
/// forms beside a published total: the total minus the others would give it back. Where no
/// other cell is left to withhold with it, the total goes too.
pub fn withhold_given(
    cells: &[Cell],
    given: &[bool],
    total: i64,
    total_withheld: bool,
    min_cell: i64,
) -> Withheld {
    let marked: Vec<Cell> = cells
        .iter()
        .enumerate()
        .map(|(i, c)| Cell {
            forms: c.forms,
            small: c.small || given.get(i).copied().unwrap_or(false),
        })
        .collect();
    let mut w = withhold(&marked, total, total_withheld, min_cell);
    let held: i64 = cells.iter().map(|c| c.forms.max(0)).sum();
    let unheld = (total - held).max(0);
    loop {
        if w.total {
            return w;
        }
        let hiding: Vec<usize> = (0..cells.len())
            .filter(|i| w.cells.get(*i).copied().unwrap_or(false))
            .filter(|i| cells.get(*i).is_some_and(|c| c.forms > 0))
            .collect();
        let alone = unheld == 0
            && matches!(hiding.as_slice(), [one] if given.get(*one).copied().unwrap_or(false));
        if !alone {
            return w;
        }
        let next = cells
            .iter()
            .enumerate()
            .filter(|(i, c)| c.forms > 0 && !w.cells.get(*i).copied().unwrap_or(true))
            .min_by_key(|(_, c)| c.forms)
            .map(|(i, _)| i);
        match next.and_then(|i| w.cells.get_mut(i)) {
            Some(h) => *h = true,
            None => {
                return Withheld {
                    cells: vec![true; cells.len()],
                    total: true,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn cell(forms: i64, min_cell: i64) -> Cell {
        Cell {
            forms,
            small: forms < min_cell,
        }
    }

    #[test]
    fn one_small_unit_takes_the_next_smallest_with_it() {
        // The city (6 forms): Cái Khế 5, Ninh Kiều 1, another ward none.
        let w = withhold(&[cell(5, 5), cell(1, 5), cell(0, 5)], 6, false, 5);
        // A cell with no form is withheld as small: it hides nothing and reveals nothing.
        assert_eq!(w.cells, vec![true, true, true]);
        assert!(!w.total);
        // Without the empty ward: the same two.
        let w = withhold(&[cell(5, 5), cell(1, 5), cell(9, 5)], 15, false, 5);
        assert_eq!(w.cells, vec![true, true, false]);
    }

    #[test]
    fn a_small_group_holding_every_answer_goes_with_the_whole() {
        let w = withhold(&[cell(3, 5), cell(0, 5)], 3, false, 5);
        assert_eq!(w.cells, vec![true, true]);
        assert!(w.total);
        // At or above the smallest cell both show: they are equal, and that is fine.
        let w = withhold(&[cell(7, 5), cell(0, 5)], 7, false, 5);
        assert_eq!(w.cells, vec![false, true]);
        assert!(!w.total);
    }

    #[test]
    fn forms_no_cell_holds_count_as_hidden() {
        // 2 forms at the unit itself and 1 below it: both under 5, so the 9 go too.
        let w = withhold(&[cell(1, 5), cell(9, 5)], 12, false, 5);
        assert_eq!(w.cells, vec![true, true]);
        // 6 forms at the unit itself already hide the one below.
        let w = withhold(&[cell(1, 5), cell(9, 5)], 16, false, 5);
        assert_eq!(w.cells, vec![true, false]);
    }

    #[test]
    fn a_withheld_total_withholds_every_cell() {
        let w = withhold(&[cell(9, 5), cell(0, 5)], 9, true, 5);
        assert_eq!(w.cells, vec![true, true]);
    }

    #[test]
    fn a_cell_withheld_by_another_table_never_stands_alone() {
        // Deputies 6 (withheld one unit up), officials 9, the unit 15: the 9 go with the 6.
        let w = withhold_given(&[cell(6, 5), cell(9, 5)], &[true, false], 15, false, 5);
        assert_eq!(w.cells, vec![true, true]);
        assert!(!w.total);
        // The only group: the whole goes with it.
        let w = withhold_given(&[cell(6, 5), cell(0, 5)], &[true, false], 6, false, 5);
        assert!(w.total);
        // Forms no cell holds already hide it.
        let w = withhold_given(&[cell(6, 5), cell(9, 5)], &[true, false], 20, false, 5);
        assert_eq!(w.cells, vec![true, false]);
        // Nothing given: the plain rule.
        let w = withhold_given(&[cell(6, 5), cell(9, 5)], &[false, false], 15, false, 5);
        assert_eq!(w.cells, vec![false, false]);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn no_withheld_cell_can_be_derived(
            forms in proptest::collection::vec(0i64..12, 0..8),
            unheld in 0i64..8,
            min_cell in 1i64..8,
            above in any::<bool>(),
        ) {
            let cells: Vec<Cell> = forms.iter().map(|f| cell(*f, min_cell)).collect();
            let total = forms.iter().sum::<i64>() + unheld;
            let w = withhold(&cells, total, above, min_cell);
            prop_assert_eq!(w.cells.len(), cells.len());
            // Every small cell is withheld.
            for (c, h) in cells.iter().zip(&w.cells) {
                prop_assert!(!c.small || *h);
            }
            if w.total {
                // Nothing to subtract from; and no published cell may rebuild the whole.
                prop_assert!(w.cells.iter().all(|h| *h));
            } else {
                let hidden: i64 = unheld + cells.iter().zip(&w.cells)
                    .filter(|(_, h)| **h).map(|(c, _)| c.forms).sum::<i64>();
                prop_assert!(hidden == 0 || hidden >= min_cell,
                    "published total {} leaves {} hidden forms", total, hidden);
                let alone = cells.iter().zip(&w.cells)
                    .filter(|(c, h)| **h && c.forms > 0).count();
                prop_assert!(!(alone == 1 && unheld == 0 && hidden < min_cell));
            }
            // Secondary cells are withheld only when needed: a table with nothing small and
            // nothing hidden publishes every cell.
            if !above && unheld == 0 && cells.iter().all(|c| !c.small) {
                prop_assert!(w.cells.iter().all(|h| !*h) && !w.total);
            }
        }
    }
}
