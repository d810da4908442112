//! CPU-heavy work a request can ask for: linting and importing lenses (and parsing a stored one),
//! rendering PDFs, zips and whole reports. It runs on tokio's blocking pool, never on the async
//! workers, so `/healthz` and every other request keep answering while it runs; and only a few
//! jobs run at once, so a burst of them (anyone can sign up and upload lenses) cannot take every
//! core. A request that finds every slot taken waits a bounded time for one, then gets a 503
//! saying the server is busy.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::Semaphore;

use super::AppError;

/// Heavy jobs that run at once, by default.
pub const DEFAULT_JOBS: usize = 2;

/// How long a request waits for a slot, by default, before it is answered 503.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(10);

/// The `Retry-After` of a busy answer, in seconds.
pub const RETRY_AFTER_SECONDS: &str = "5";

/// What a busy server says: plain words, with no cause to hide.
pub const BUSY: &str = "Trellis is busy with other heavy requests (checking lenses, rendering reports); try again \
     in a moment.";

/// The slots for heavy jobs, shared by every request (clones share them).
#[derive(Debug, Clone)]
pub struct Heavy {
    slots: Arc<Semaphore>,
    jobs: usize,
    wait: Duration,
    waiting: Arc<AtomicUsize>,
    refused: Arc<AtomicUsize>,
}

impl Default for Heavy {
    fn default() -> Heavy {
        Heavy::new(DEFAULT_JOBS, DEFAULT_WAIT)
    }
}

/// Counts a request waiting for a slot while it lives.
struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    fn start(count: &'a AtomicUsize) -> Waiting<'a> {
        count.fetch_add(1, Ordering::Relaxed);
        Waiting(count)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Heavy {
    /// `jobs` at once (at least one); a request waits at most `wait` for a slot.
    pub fn new(jobs: usize, wait: Duration) -> Heavy {
        let jobs = jobs.max(1);
        Heavy {
            slots: Arc::new(Semaphore::new(jobs)),
            jobs,
            wait,
            waiting: Arc::default(),
            refused: Arc::default(),
        }
    }

    /// How many jobs may run at once.
    pub fn jobs(&self) -> usize {
        self.jobs
    }

    /// How many jobs are running now.
    pub fn running(&self) -> usize {
        self.jobs.saturating_sub(self.slots.available_permits())
    }

    /// How many requests are waiting for a slot now.
    pub fn waiting(&self) -> usize {
        self.waiting.load(Ordering::Relaxed)
    }

    /// How many requests were refused because no slot came free in time, since the start.
    pub fn refused(&self) -> usize {
        self.refused.load(Ordering::Relaxed)
    }

    /// Runs `job` on the blocking pool once a slot is free: [`AppError::Busy`] when none comes
    /// free within the wait. The slot is held until the job ends, even when the request is
    /// dropped meanwhile (a time limit, a client gone), so the limit holds for the CPU too.
    pub async fn run<T, F>(&self, what: &str, job: F) -> Result<T, AppError>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let slot = {
            let _waiting = Waiting::start(&self.waiting);
            tokio::time::timeout(self.wait, self.slots.clone().acquire_owned()).await
        };
        let slot = match slot {
            Ok(Ok(slot)) => slot,
            Ok(Err(closed)) => return Err(AppError::Internal(format!("{what}: {closed}"))),
            Err(_) => {
                self.refused.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(
                    job = what,
                    waited_seconds = self.wait.as_secs_f64(),
                    "every heavy-job slot stayed taken; answering 503"
                );
                return Err(AppError::Busy(BUSY.to_owned()));
            }
        };
        tokio::task::spawn_blocking(move || {
            let _slot = slot;
            job()
        })
        .await
        .map_err(|e| AppError::Internal(format!("{what} failed: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn jobs_beyond_the_slots_wait_then_are_refused() {
        let heavy = Heavy::new(1, Duration::from_millis(50));
        let (started_tx, started_rx) = std::sync::mpsc::channel();
        let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
        let h = heavy.clone();
        let first = tokio::spawn(async move {
            h.run("first", move || {
                let _ = started_tx.send(());
                let _ = release_rx.recv();
                1
            })
            .await
        });
        // The first job holds the only slot.
        tokio::task::spawn_blocking(move || started_rx.recv())
            .await
            .ok()
            .and_then(Result::ok)
            .expect("the first job started");
        assert_eq!(heavy.running(), 1);
        let second = heavy.run("second", || 2).await;
        assert!(matches!(second, Err(AppError::Busy(_))), "{second:?}");
        assert_eq!(heavy.refused(), 1);
        assert_eq!(heavy.waiting(), 0);
        let _ = release_tx.send(());
        assert_eq!(first.await.ok().and_then(Result::ok), Some(1));
        assert_eq!(heavy.running(), 0);
        assert_eq!(heavy.run("third", || 3).await.ok(), Some(3));
    }
}
