//! Group commit: every channel hands checked responses to one queue; a writer thread takes
//! whatever is waiting, commits it in one transaction and only then answers each caller. A
//! bounded queue turns overload into "busy, retry" instead of lost work.
//!
//! SQLite has one writer (its writes are serialised anyway). PostgreSQL gets two: while one
//! inserts a batch's answers the other can commit, and they lock shared count rows in one
//! order, as two servers on one database do.

use crate::counts::Layouts;
use crate::db::responses::{store_all, Pending, Stored};
use crate::db::{DbError, Pool};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use tokio::sync::oneshot;

/// What a caller gets back once its response is committed (or could not be).
pub type Ack = oneshot::Receiver<Result<Stored, DbError>>;

struct Job {
    pending: Pending,
    reply: oneshot::Sender<Result<Stored, DbError>>,
}

enum Msg {
    Job(Box<Job>),
    /// Ends one writer thread once everything queued before it is committed.
    Stop,
}

#[derive(Clone)]
pub struct Writer {
    tx: SyncSender<Msg>,
    threads: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

/// The queue is full: the caller should retry shortly.
#[derive(Debug)]
pub struct Busy;

impl Writer {
    /// Starts `threads` writer threads on one queue. `queue` bounds waiting responses;
    /// `max_batch` bounds one commit.
    pub fn start(
        pool: Pool,
        layouts: Arc<Layouts>,
        queue: usize,
        max_batch: usize,
        threads: usize,
    ) -> Writer {
        let (tx, rx) = sync_channel(queue);
        let rx = Arc::new(Mutex::new(rx));
        let handles = (0..threads.max(1))
            .filter_map(|i| {
                let (pool, layouts, rx) = (pool.clone(), layouts.clone(), rx.clone());
                std::thread::Builder::new()
                    .name(format!("chiso-writer-{i}"))
                    .spawn(move || run(&pool, &layouts, &rx, max_batch.max(1)))
                    .map_err(|e| log::error!("cannot start a writer thread: {e}"))
                    .ok()
            })
            .collect();
        Writer {
            tx,
            threads: Arc::new(Mutex::new(handles)),
        }
    }

    /// Commits what is queued, then ends the writer threads and waits for them. Called before
    /// the process exits: a writer thread still closing its database connections while the
    /// process runs its exit handlers can corrupt the TLS library's memory. Later submissions
    /// are refused as busy.
    pub fn stop(&self) {
        let handles = std::mem::take(&mut *self.threads.lock().unwrap_or_else(|p| p.into_inner()));
        for _ in &handles {
            // Fails only when every thread has already ended.
            let _ = self.tx.send(Msg::Stop);
        }
        for h in handles {
            let _ = h.join();
        }
    }

    pub fn submit(&self, pending: Pending) -> Result<Ack, Busy> {
        let (reply, ack) = oneshot::channel();
        match self.tx.try_send(Msg::Job(Box::new(Job { pending, reply }))) {
            Ok(()) => Ok(ack),
            Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => Err(Busy),
        }
    }

    /// Waits for room in the queue instead of refusing: for batch imports.
    pub fn submit_blocking(&self, pending: Pending) -> Result<Ack, Busy> {
        let (reply, ack) = oneshot::channel();
        self.tx
            .send(Msg::Job(Box::new(Job { pending, reply })))
            .map_err(|_| Busy)?;
        Ok(ack)
    }
}

/// Whatever is waiting, up to `max_batch`, and whether this thread is to stop after it.
fn next_batch(rx: &Mutex<Receiver<Msg>>, max_batch: usize) -> (Vec<Job>, bool) {
    // A poisoned lock only means another writer panicked; the queue itself is intact.
    let rx = rx.lock().unwrap_or_else(|p| p.into_inner());
    let mut jobs = Vec::new();
    // Every sender gone counts as a stop.
    let mut next = rx.recv().unwrap_or(Msg::Stop);
    loop {
        match next {
            // One stop per thread: the rest stay queued for the other threads.
            Msg::Stop => return (jobs, true),
            Msg::Job(j) => jobs.push(*j),
        }
        if jobs.len() >= max_batch {
            return (jobs, false);
        }
        next = match rx.try_recv() {
            Ok(m) => m,
            Err(_) => return (jobs, false),
        };
    }
}

fn run(pool: &Pool, layouts: &Layouts, rx: &Mutex<Receiver<Msg>>, max_batch: usize) {
    loop {
        let (jobs, stop) = next_batch(rx, max_batch);
        commit(pool, layouts, jobs);
        if stop {
            return;
        }
    }
}

fn commit(pool: &Pool, layouts: &Layouts, jobs: Vec<Job>) {
    if jobs.is_empty() {
        return;
    }
    let (pending, replies): (Vec<Pending>, Vec<_>) =
        jobs.into_iter().map(|j| (j.pending, j.reply)).unzip();
    let results = match pool.get() {
        Ok(mut conn) => store_all(&mut conn, layouts, &pending),
        Err(e) => {
            let msg = e.to_string();
            pending
                .iter()
                .map(|_| Err(DbError::Connect(msg.clone())))
                .collect()
        }
    };
    for (reply, result) in replies.into_iter().zip(results) {
        // A caller that gave up no longer listens; its response is stored all the same.
        let _ = reply.send(result);
    }
}
