//! Writing merged count rows back: rows that the batch has locked, so they exist.

use super::{upsert_chunks, SliceRow, SLICE_KEY};
use crate::db::schema::slice_counts;
use crate::db::{AnyConnection, DbError};
use diesel::prelude::*;
use diesel::upsert::excluded;

/// Replaces the counts of locked rows: PostgreSQL updates them from arrays, one statement for
/// the batch (an upsert first tries an insert per row); SQLite upserts a thousand at a time.
pub(super) fn slices(conn: &mut AnyConnection, rows: &[SliceRow]) -> Result<(), DbError> {
    if rows.is_empty() {
        return Ok(());
    }
    match conn {
        AnyConnection::Sqlite(_) => upsert_chunks(conn, rows, |chunk| {
            diesel::insert_into(slice_counts::table)
                .values(chunk)
                .on_conflict(SLICE_KEY)
                .do_update()
                .set(slice_counts::counts.eq(excluded(slice_counts::counts)))
        })?,
        AnyConnection::Postgresql(c) => {
            use diesel::sql_types::{Array, Binary, Integer, Text};
            let text = |f: fn(&SliceRow) -> &str| -> Vec<&str> { rows.iter().map(f).collect() };
            let updated = diesel::sql_query(
                "UPDATE slice_counts s SET counts = v.counts \
                 FROM unnest($1::text[], $2::int4[], $3::text[], $4::text[], $5::text[], \
                 $6::text[], $7::bytea[]) \
                 AS v(survey_id, period, day, unit_code, survey_version, respondent_group, counts) \
                 WHERE s.survey_id = v.survey_id AND s.period = v.period AND s.day = v.day \
                 AND s.unit_code = v.unit_code AND s.survey_version = v.survey_version \
                 AND s.respondent_group = v.respondent_group",
            )
            .bind::<Array<Text>, _>(text(|r| &r.survey_id))
            .bind::<Array<Integer>, _>(rows.iter().map(|r| r.period).collect::<Vec<i32>>())
            .bind::<Array<Text>, _>(text(|r| &r.day))
            .bind::<Array<Text>, _>(text(|r| &r.unit_code))
            .bind::<Array<Text>, _>(text(|r| &r.survey_version))
            .bind::<Array<Text>, _>(text(|r| &r.respondent_group))
            .bind::<Array<Binary>, _>(
                rows.iter()
                    .map(|r| r.counts.as_slice())
                    .collect::<Vec<&[u8]>>(),
            )
            .execute(c)?;
            if updated != rows.len() {
                // Locked rows cannot vanish; a key listed twice would be a bug upstream.
                return Err(DbError::CountRowVanished {
                    slice: format!("{} of {} count rows", rows.len() - updated, rows.len()),
                });
            }
        }
    }
    Ok(())
}
