//! A page's breakdowns: the headline scores of the whole period and the count rows the tables
//! are worked out from, read for [`crate::breakdown::assemble`].

use super::{scope, scores, ReportError, ScoreQuery};
use crate::breakdown::{assemble, place, Breakdowns, FieldChannelRows, Rows};
use crate::counts::{FIELD_CHANNEL_BUCKET, MONTH_BUCKET};
use crate::db::counts::{self, Filter};
use crate::db::AnyConnection;
use crate::survey::{Catalog, FieldError, UnitTree};

/// Every breakdown of the query's survey, period and unit (on its map). Breakdowns are of
/// the whole period: `from` and `to` are refused. Cells under `min_n` answers are withheld.
pub fn breakdowns(
    conn: &mut AnyConnection,
    catalog: &Catalog,
    units: &UnitTree,
    q: &ScoreQuery,
    min_n: i64,
) -> Result<Breakdowns, ReportError> {
    let min_n = min_n.max(1);
    let survey = catalog.get(&q.survey).ok_or_else(|| {
        ReportError::Invalid(FieldError::new(
            "survey",
            format!("unknown survey '{}'", q.survey),
        ))
    })?;
    let whole = ScoreQuery {
        from: None,
        to: None,
        ..q.clone()
    };
    let scores = scores(conn, catalog, units, &whole, min_n)?;
    let (map, _, codes) = scope(units, &whole)?;
    let filter = Filter {
        survey_id: survey.id.clone(),
        period: q.period,
        units: codes.clone(),
        from: None,
        to: None,
    };
    let by_unit = counts::load_by_unit(
        conn,
        &Filter {
            units: None,
            ..filter.clone()
        },
    )?;
    let unit = q.unit.clone().unwrap_or_default();
    let unit_rows = codes.as_deref();
    let months = counts::load_buckets(conn, &survey.id, q.period, unit_rows, MONTH_BUCKET)?;
    let (_, parent) = place(units, map.as_deref(), &unit);
    let field_channel = if parent.is_some() && codes.is_some() {
        FieldChannelRows::ByUnit(counts::load_buckets_by_unit(
            conn,
            &survey.id,
            q.period,
            FIELD_CHANNEL_BUCKET,
        )?)
    } else {
        FieldChannelRows::Together(counts::load_buckets(
            conn,
            &survey.id,
            q.period,
            unit_rows,
            FIELD_CHANNEL_BUCKET,
        )?)
    };
    Ok(assemble(
        survey,
        units,
        map.as_deref(),
        codes.as_deref(),
        q.period,
        &unit,
        scores,
        Rows {
            by_unit,
            months,
            field_channel,
        },
        min_n,
    ))
}
