//! A batch's answer rows: numbered in the order they are stored and appended, each response
//! keeping the span of numbers its answers took ([`AnswerSpan`]).

use super::{answers, Pending};
use crate::db::AnyConnection;
use diesel::prelude::*;

/// A batch's answers, column by column (PostgreSQL receives them as arrays), and where each
/// response's answers end.
#[derive(Default)]
pub(super) struct AnswerRows {
    response_ids: Vec<String>,
    item_codes: Vec<String>,
    values: Vec<Option<i16>>,
    ends: Vec<usize>,
}

impl AnswerRows {
    /// The answers of `p`, stored as response `id`.
    pub(super) fn push(&mut self, id: &str, p: &Pending) {
        for (item, value) in &p.valid.answers {
            self.response_ids.push(id.to_string());
            self.item_codes.push(item.clone());
            self.values.push(*value);
        }
        self.ends.push(self.values.len());
    }

    /// The first and last of `numbers` (one per row, ascending) that each response's answers
    /// took, in the order the responses were pushed.
    fn spans(&self, numbers: &[i64]) -> Vec<AnswerSpan> {
        let mut start = 0;
        (self.ends.iter())
            .map(|&end| {
                let own = &numbers[start..end];
                start = end;
                (own.first().copied(), own.last().copied())
            })
            .collect()
    }
}

/// The numbers of a response's first and last answer rows (none without answers). Its answers
/// lie between them; on PostgreSQL another server's may too, so a read also checks the id.
pub type AnswerSpan = (Option<i64>, Option<i64>);

#[derive(Insertable)]
#[diesel(table_name = answers, treat_none_as_default_value = false)]
struct NewAnswer<'a> {
    seq: i64,
    response_id: &'a str,
    item_code: &'a str,
    value: Option<i16>,
}

/// A batch's answer numbers, one per row in row order, and the span each response's took.
pub(super) struct Numbered {
    pub numbers: Vec<i64>,
    pub spans: Vec<AnswerSpan>,
}

/// Numbers a batch's answers before anything is written, so that each response row can name
/// its span: the writer then inserts responses before answers, the order in which `recount
/// --fix` locks the tables on PostgreSQL (taking a number locks no table).
pub(super) fn number_answers(conn: &mut AnyConnection, rows: &AnswerRows) -> QueryResult<Numbered> {
    let numbers = answer_numbers(conn, rows.values.len())?;
    let spans = rows.spans(&numbers);
    Ok(Numbered { numbers, spans })
}

/// Inserts a batch's answers under the `numbers` [`number_answers`] gave them. PostgreSQL
/// takes them by `COPY` (binary): a statement with a VALUES row per answer takes longer to
/// parse and plan than to run, and arrays passed to `unnest` are materialised once more on the
/// server.
pub(super) fn insert_answers(
    conn: &mut AnyConnection,
    rows: &AnswerRows,
    numbers: &[i64],
) -> QueryResult<()> {
    if numbers.is_empty() {
        return Ok(());
    }
    let all: Vec<NewAnswer> = (numbers.iter())
        .zip(&rows.response_ids)
        .zip(&rows.item_codes)
        .zip(&rows.values)
        .map(|(((seq, id), item), value)| NewAnswer {
            seq: *seq,
            response_id: id,
            item_code: item,
            value: *value,
        })
        .collect();
    match conn {
        AnyConnection::Sqlite(c) => {
            // Chunks stay under SQLite's limit on bound parameters.
            for chunk in all.chunks(4000) {
                diesel::insert_into(answers::table)
                    .values(chunk)
                    .execute(c)?;
            }
        }
        AnyConnection::Postgresql(c) => {
            diesel::copy_from(answers::table)
                .from_insertable(&all)
                .execute(c)?;
        }
    }
    Ok(())
}

/// `n` numbers for new answer rows, ascending, each above every stored one. On SQLite the
/// write transaction holds the only write lock, so they follow the last stored; on PostgreSQL
/// the table's sequence hands them out, and two servers may interleave theirs.
fn answer_numbers(conn: &mut AnyConnection, n: usize) -> QueryResult<Vec<i64>> {
    if n == 0 {
        return Ok(Vec::new());
    }
    match conn {
        AnyConnection::Sqlite(c) => {
            use diesel::dsl::max;
            let last: Option<i64> = answers::table.select(max(answers::seq)).first(c)?;
            let first = last.unwrap_or(0) + 1;
            Ok((first..first + n as i64).collect())
        }
        AnyConnection::Postgresql(c) => {
            #[derive(QueryableByName)]
            struct Number {
                #[diesel(sql_type = diesel::sql_types::BigInt)]
                n: i64,
            }
            let mut numbers: Vec<i64> = diesel::sql_query(
                "SELECT nextval('answers_seq_seq') AS n FROM generate_series(1, $1)",
            )
            .bind::<diesel::sql_types::Integer, _>(n as i32)
            .load::<Number>(c)?
            .into_iter()
            .map(|r| r.n)
            .collect();
            numbers.sort_unstable();
            Ok(numbers)
        }
    }
}
