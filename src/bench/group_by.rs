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

/// What the database itself does to count answers: GROUP BY over every raw answer.
pub(super) fn group_by(conn: &mut AnyConnection) -> Result<(), String> {
    let sql = format!(
        "SELECT a.item_code, a.value, COUNT(*) AS n FROM answers a JOIN responses r ON r.id = a.response_id \
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
