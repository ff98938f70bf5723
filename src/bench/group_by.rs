//! What the database itself does to count answers, timed beside the recount.

use super::{period, SURVEY};
use chiso::db::AnyConnection;
use diesel::RunQueryDsl;

#[derive(diesel::QueryableByName)]
#[allow(dead_code)]
struct GroupRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    item_code: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::SmallInt>)]
    value: Option<i16>,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// What the database itself does to count answers: GROUP BY over every raw answer, each
/// response's found by the span of numbers it keeps (as an analyst would join them).
pub(super) fn group_by(conn: &mut AnyConnection) -> Result<(), String> {
    let sql = format!(
        "SELECT a.item_code, a.value, COUNT(*) AS n FROM responses r \
         JOIN answers a ON a.seq BETWEEN r.answers_from AND r.answers_to AND a.response_id = r.id \
         WHERE r.survey_id = '{SURVEY}' AND r.period = {} GROUP BY a.item_code, a.value",
        period()
    );
    let rows: Vec<GroupRow> = diesel::sql_query(&sql)
        .load(conn)
        .map_err(|e| e.to_string())?;
    if rows.is_empty() {
        return Err("GROUP BY returned nothing".into());
    }
    Ok(())
}
