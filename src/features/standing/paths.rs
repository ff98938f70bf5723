//! Each index's path since the plan's baseline: the years published since 2022 and this year's
//! estimate from the city's own forms, read against the newest rank-20 line.

use crate::features::standing::service::Scored;
use crate::report::ParReport;
use crate::survey::published::{Published, ThisYear, Trajectory};
use crate::ui::trajectory::{of_root, BASELINE_YEAR};

/// The PAR INDEX path, ending with this year's projection once something was measured or
/// entered (before that the projection is 2022's total, not an estimate).
pub fn par_path(published: &Published, r: &ParReport) -> Trajectory {
    let p = &r.projection;
    let measured = p.measured_share > 0.0 || p.entered_share > 0.0;
    let now = measured
        .then(|| {
            Some(ThisYear {
                year: r.period,
                value: p.total.parse().ok()?,
                low: p.ci_low.parse().ok(),
                high: p.ci_high.parse().ok(),
                n: None,
            })
        })
        .flatten();
    published.trajectory("parindex", BASELINE_YEAR, now)
}

/// The three paths of the standing pages: PAR INDEX, SIPAS (the SIPAS form with the most
/// answers this year), PAPI.
pub fn paths(published: &Published, r: &ParReport, surveys: &[Scored]) -> Vec<Trajectory> {
    let root = |instrument: &str| {
        surveys
            .iter()
            .filter(|s| s.instrument == instrument)
            .max_by_key(|s| s.scores.responses)
            .and_then(|s| s.scores.nodes.first())
    };
    vec![
        par_path(published, r),
        of_root(published, "sipas", r.period, root("sipas")),
        of_root(published, "papi", r.period, root("papi")),
    ]
}
