//! Group commit: every channel hands checked responses to one queue; a preparing thread
//! takes whatever is waiting and works out its rows and summed counts while a writer thread
//! commits the batch before; the writer then stores the batch in one transaction and only
//! after its commit answers each caller. A bounded queue turns overload into "busy, retry"
//! instead of lost work.
//!
//! SQLite has one writer (its writes are serialised anyway). PostgreSQL gets two: while one
//! inserts a batch's answers the other can commit, and they lock shared count rows in one
//! order, as two servers on one database do. The writers keep the count rows they wrote
//! decoded (`RowCache`), checked against the stored bytes under the batch's lock.

use crate::counts::Layouts;
use crate::db::counts::RowCache;
use crate::db::responses::{prepare, store_prepared, Pending, Prepared, Stored};
use crate::db::{DbError, Pool};
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;
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
    /// Starts a thread that takes what is waiting and prepares it, and `threads` threads that
    /// store prepared batches. `queue` bounds waiting responses; `max_batch` bounds one commit.
    pub fn start(
        pool: Pool,
        layouts: Arc<Layouts>,
        queue: usize,
        max_batch: usize,
        threads: usize,
    ) -> Writer {
        let (tx, rx) = sync_channel(queue);
        // A prepared batch is handed over only when a writer is free to take it: meanwhile
        // what arrives waits in the queue and joins the next batch.
        let (ready_tx, ready_rx) = sync_channel::<Ready>(0);
        let ready_rx = Arc::new(Mutex::new(ready_rx));
        // One for the server's writers: each checks an entry against the stored row it locked.
        let cache = Arc::new(RowCache::new());
        let preparer = {
            let layouts = layouts.clone();
            std::thread::Builder::new()
                .name("chiso-prepare".into())
                .spawn(move || prepare_all(&layouts, &rx, &ready_tx, max_batch.max(1)))
                .map_err(|e| log::error!("cannot start the preparing thread: {e}"))
                .ok()
        };
        let writers = (0..threads.max(1)).filter_map(|i| {
            let (pool, layouts, ready_rx) = (pool.clone(), layouts.clone(), ready_rx.clone());
            let cache = cache.clone();
            std::thread::Builder::new()
                .name(format!("chiso-writer-{i}"))
                .spawn(move || store_all(&pool, &layouts, &cache, &ready_rx))
                .map_err(|e| log::error!("cannot start a writer thread: {e}"))
                .ok()
        });
        Writer {
            tx,
            threads: Arc::new(Mutex::new(preparer.into_iter().chain(writers).collect())),
        }
    }

    /// Commits what is queued, then ends the writer threads and waits for them. Called before
    /// the process exits: a writer thread still closing its database connections while the
    /// process runs its exit handlers can corrupt the TLS library's memory. Later submissions
    /// are refused as busy.
    pub fn stop(&self) {
        let handles = std::mem::take(&mut *self.threads.lock().unwrap_or_else(|p| p.into_inner()));
        if handles.is_empty() {
            return;
        }
        // Fails only when the preparing thread has already ended. The writers end once it
        // has, having stored what it handed them.
        let _ = self.tx.send(Msg::Stop);
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

/// A prepared batch and the callers waiting for it.
struct Ready {
    prepared: Prepared,
    replies: Vec<oneshot::Sender<Result<Stored, DbError>>>,
}

/// Whatever is waiting (at least one message), up to `max_batch`, and whether to stop after it.
fn next_batch(rx: &Receiver<Msg>, max_batch: usize) -> (Vec<Job>, bool) {
    // Every sender gone counts as a stop.
    more_jobs(rx.recv().unwrap_or(Msg::Stop), rx, max_batch)
}

/// The preparing thread: takes what is waiting and works out its rows and counts while the
/// writers store the batch before; until one of them is free it keeps adding what arrives
/// meanwhile, so a batch holds everything that waited, as if it had been taken at once.
fn prepare_all(layouts: &Layouts, rx: &Receiver<Msg>, ready: &SyncSender<Ready>, max_batch: usize) {
    loop {
        let (jobs, mut stop) = next_batch(rx, max_batch);
        let (pending, mut replies) = split(jobs);
        let mut prepared = prepare(layouts, pending);
        while !prepared.is_empty() {
            match ready.try_send(Ready { prepared, replies }) {
                Ok(()) => break,
                // Every writer has ended (each panicked): the callers are told it is busy.
                Err(TrySendError::Disconnected(_)) => return,
                Err(TrySendError::Full(back)) => {
                    (prepared, replies) = (back.prepared, back.replies)
                }
            }
            if stop || prepared.len() >= max_batch {
                // Nothing more to add: wait for a writer.
                if ready.send(Ready { prepared, replies }).is_err() {
                    return;
                }
                break;
            }
            // Writers busy: take what arrives meanwhile (briefly, then look again).
            match rx.recv_timeout(WAIT_FOR_MORE) {
                Ok(first) => {
                    let (more, ends) = more_jobs(first, rx, max_batch - prepared.len());
                    stop = ends;
                    let (pending, more_replies) = split(more);
                    prepared.add(layouts, pending);
                    replies.extend(more_replies);
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => stop = true,
            }
        }
        if stop {
            return;
        }
    }
}

/// The responses of `jobs`, and apart from them whom to answer for each.
fn split(jobs: Vec<Job>) -> (Vec<Pending>, Vec<oneshot::Sender<Result<Stored, DbError>>>) {
    jobs.into_iter().map(|j| (j.pending, j.reply)).unzip()
}

/// How long the preparing thread waits for more before it looks whether a writer is free.
const WAIT_FOR_MORE: Duration = Duration::from_micros(200);

/// `first` and whatever else is waiting, up to `room` jobs, and whether a stop came.
fn more_jobs(first: Msg, rx: &Receiver<Msg>, room: usize) -> (Vec<Job>, bool) {
    let mut jobs = Vec::new();
    let mut next = first;
    loop {
        match next {
            Msg::Stop => return (jobs, true),
            Msg::Job(j) => jobs.push(*j),
        }
        if jobs.len() >= room {
            return (jobs, false);
        }
        next = match rx.try_recv() {
            Ok(m) => m,
            Err(_) => return (jobs, false),
        };
    }
}

/// A writer thread: stores prepared batches until the preparing thread ends.
fn store_all(pool: &Pool, layouts: &Layouts, cache: &RowCache, ready: &Mutex<Receiver<Ready>>) {
    loop {
        // A poisoned lock only means another writer panicked; the channel itself is intact.
        let next = ready.lock().unwrap_or_else(|p| p.into_inner()).recv();
        let Ok(batch) = next else { return };
        commit(pool, layouts, cache, batch);
    }
}

fn commit(pool: &Pool, layouts: &Layouts, cache: &RowCache, batch: Ready) {
    let _batch = crate::profile::span(crate::profile::Phase::Batch);
    let on_cpu = crate::profile::thread_on_cpu();
    let Ready { prepared, replies } = batch;
    let results = match pool.get() {
        Ok(mut conn) => store_prepared(&mut conn, layouts, &prepared, Some(cache)),
        Err(e) => {
            let msg = e.to_string();
            replies
                .iter()
                .map(|_| Err(DbError::Connect(msg.clone())))
                .collect()
        }
    };
    for (reply, result) in replies.into_iter().zip(results) {
        // A caller that gave up no longer listens; its response is stored all the same.
        let _ = reply.send(result);
    }
    if let (Some(before), Some(after)) = (on_cpu, crate::profile::thread_on_cpu()) {
        crate::profile::record(
            crate::profile::Phase::BatchOnCpu,
            after.saturating_sub(before),
        );
    }
}
