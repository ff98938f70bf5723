//! Password hashing and checking on a few threads of their own.
//!
//! An argon2id hash takes ~19 MiB. Run on actix's many blocking threads, each thread's
//! allocator arena kept its peak, and resident memory grew by that much per thread that ever
//! hashed (a fresh server held 235 MB after 20 sign-ins). A small fixed set of threads bounds
//! it, and a bounded queue turns a flood of sign-ins into "busy" instead of memory.

use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use tokio::sync::oneshot;

type Task = Box<dyn FnOnce() + Send>;

/// Threads that hash passwords.
#[derive(Clone)]
pub struct PasswordWorkers {
    tx: SyncSender<Option<Task>>,
    threads: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

/// Every worker is occupied and the queue is full, or the workers have stopped.
#[derive(Debug, thiserror::Error)]
#[error("password checks are busy; retry in a moment")]
pub struct PasswordsBusy;

impl PasswordWorkers {
    /// `threads` workers sharing a queue of at most `queue` waiting tasks.
    pub fn start(threads: usize, queue: usize) -> PasswordWorkers {
        let (tx, rx) = sync_channel::<Option<Task>>(queue);
        let rx = Arc::new(Mutex::new(rx));
        let handles = (0..threads.max(1))
            .filter_map(|i| {
                let rx = rx.clone();
                std::thread::Builder::new()
                    .name(format!("chiso-password-{i}"))
                    .spawn(move || work(&rx))
                    .map_err(|e| log::error!("cannot start a password thread: {e}"))
                    .ok()
            })
            .collect();
        PasswordWorkers {
            tx,
            threads: Arc::new(Mutex::new(handles)),
        }
    }

    /// Runs `task` on a password thread and waits for its result.
    pub async fn run<T, F>(&self, task: F) -> Result<T, PasswordsBusy>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let (reply, result) = oneshot::channel();
        let task: Task = Box::new(move || {
            let _ = reply.send(task());
        });
        match self.tx.try_send(Some(task)) {
            Ok(()) => result.await.map_err(|_| PasswordsBusy),
            Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => Err(PasswordsBusy),
        }
    }

    /// Ends the threads once the tasks queued before have run.
    pub fn stop(&self) {
        let handles = std::mem::take(&mut *self.threads.lock().unwrap_or_else(|p| p.into_inner()));
        for _ in &handles {
            let _ = self.tx.send(None);
        }
        for h in handles {
            let _ = h.join();
        }
    }
}

fn work(rx: &Mutex<Receiver<Option<Task>>>) {
    loop {
        // A task already waiting runs in the working memory of the one before. With none (or the
        // queue held by a thread waiting for one), the memory goes back before this thread
        // waits: after a burst of sign-ins the server returns to its size. The lock is held only
        // while taking a task, not while running it.
        let queued = rx.try_lock().ok().and_then(|rx| rx.try_recv().ok());
        let next = match queued {
            Some(task) => Ok(task),
            None => {
                crate::secrets::release_work_memory();
                rx.lock().unwrap_or_else(|p| p.into_inner()).recv()
            }
        };
        match next {
            Ok(Some(task)) => task(),
            Ok(None) | Err(_) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[actix_web::test]
    async fn tasks_run_on_the_password_threads_and_stop_ends_them() {
        let workers = PasswordWorkers::start(2, 8);
        let name = workers
            .run(|| std::thread::current().name().map(str::to_string))
            .await
            .unwrap();
        assert!(name.unwrap().starts_with("chiso-password-"));
        workers.stop();
        assert!(workers.run(|| 1).await.is_err());
    }
}
