//! How answers become counts, with no database in sight: each survey's layout (item
//! positions, cells, scores), what one response adds, the slices counts are kept under, the
//! packed form they are stored in, and the recount that checks them against the answers.
//! `crate::scoring` turns counts into scores; the database layer above reads and writes the
//! rows.

pub mod compare;
mod dense;
mod fnv;
mod layout;
pub mod packed;
pub mod recount;
mod slice;
mod sum;

pub use dense::Dense;
pub use fnv::{FastMap, Fnv};
pub use layout::{Contribution, Layout, Layouts};
pub use slice::{
    bucket_range, split_field_channel, Deltas, SliceKey, ALL_UNITS, FIELD_CHANNEL_BUCKET,
    FIELD_QUESTION, MONTH_BUCKET, ROLLUP_DAY,
};
pub use sum::Sum;
