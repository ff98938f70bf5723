//! Where the writer's time goes: time summed per phase of storing a batch, across threads,
//! read and reset by `chiso bench`. A span costs two clock reads and two atomic adds, so it
//! stays on in production builds.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// A phase of storing a batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// A whole batch in a writer thread, from taking it to answering its callers.
    Batch,
    /// The time a writer thread was on a core for its batches (Linux; else nothing).
    BatchOnCpu,
    /// Looking up which submission ids are stored already.
    KnownIds,
    /// Response rows, answer rows and the batch's summed counts built in memory, ahead of
    /// the writer on the preparing thread.
    Prepare,
    InsertResponses,
    InsertAnswers,
    /// Count rows created where missing, so that they can be locked.
    EnsureCountRows,
    /// Count rows read (locked on PostgreSQL).
    ReadCountRows,
    /// Stored count rows decoded and added to.
    Decode,
    /// Count rows packed again.
    Encode,
    WriteCountRows,
    WriteTallies,
    Commit,
}

const PHASES: [Phase; 13] = [
    Phase::Batch,
    Phase::BatchOnCpu,
    Phase::KnownIds,
    Phase::Prepare,
    Phase::InsertResponses,
    Phase::InsertAnswers,
    Phase::EnsureCountRows,
    Phase::ReadCountRows,
    Phase::Decode,
    Phase::Encode,
    Phase::WriteCountRows,
    Phase::WriteTallies,
    Phase::Commit,
];

impl Phase {
    pub fn label(self) -> &'static str {
        match self {
            Phase::Batch => "whole batch",
            Phase::BatchOnCpu => "writer thread on a core",
            Phase::KnownIds => "look up submission ids",
            Phase::Prepare => "prepare rows, sum counts (ahead)",
            Phase::InsertResponses => "insert responses",
            Phase::InsertAnswers => "insert answers",
            Phase::EnsureCountRows => "create missing count rows",
            Phase::ReadCountRows => "read count rows",
            Phase::Decode => "decode count rows",
            Phase::Encode => "encode count rows",
            Phase::WriteCountRows => "write count rows",
            Phase::WriteTallies => "write response tallies",
            Phase::Commit => "commit",
        }
    }
}

static NANOS: [AtomicU64; PHASES.len()] = [const { AtomicU64::new(0) }; PHASES.len()];
static CALLS: [AtomicU64; PHASES.len()] = [const { AtomicU64::new(0) }; PHASES.len()];

/// Counts its own lifetime under its phase when dropped.
pub struct Span {
    phase: Phase,
    started: Instant,
}

pub fn span(phase: Phase) -> Span {
    Span {
        phase,
        started: Instant::now(),
    }
}

impl Drop for Span {
    fn drop(&mut self) {
        record(self.phase, self.started.elapsed());
    }
}

/// Adds `took` to `phase`.
pub fn record(phase: Phase, took: Duration) {
    let i = phase as usize;
    NANOS[i].fetch_add(took.as_nanos() as u64, Ordering::Relaxed);
    CALLS[i].fetch_add(1, Ordering::Relaxed);
}

/// The time the calling thread has been on a core, where Linux says (on a busy machine a
/// fairer measure of work than the time that passed).
pub fn thread_on_cpu() -> Option<Duration> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos: u64 = s.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanos))
}

/// One phase's totals since the last reset.
#[derive(Debug, Clone, Copy)]
pub struct Total {
    pub phase: Phase,
    pub time: Duration,
    pub calls: u64,
}

/// Every phase that ran since the last reset, longest first.
pub fn totals() -> Vec<Total> {
    let mut out: Vec<Total> = PHASES
        .iter()
        .map(|&phase| Total {
            phase,
            time: Duration::from_nanos(NANOS[phase as usize].load(Ordering::Relaxed)),
            calls: CALLS[phase as usize].load(Ordering::Relaxed),
        })
        .filter(|t| t.calls > 0)
        .collect();
    out.sort_by_key(|t| std::cmp::Reverse(t.time));
    out
}

pub fn reset() {
    for i in 0..PHASES.len() {
        NANOS[i].store(0, Ordering::Relaxed);
        CALLS[i].store(0, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_add_up_per_phase() {
        record(Phase::KnownIds, Duration::from_millis(3));
        {
            let _s = span(Phase::KnownIds);
        }
        let t = totals();
        let wait = t.iter().find(|t| t.phase == Phase::KnownIds).unwrap();
        assert!(wait.calls >= 2 && wait.time >= Duration::from_millis(3));
        assert!(PHASES.iter().enumerate().all(|(i, p)| *p as usize == i));
    }
}
