//! SQLite's writer thread: one thread owns a write connection and runs each write handed to it
//! as one job, on that thread, with no hop between threads per statement. The jobs waiting when
//! the thread is free commit together, as one group: one `BEGIN`, a `SAVEPOINT` per job, one
//! `COMMIT` (group commit).
//!
//! - A job that fails on its own (a constraint, a conflict it reports as an error) is rolled
//!   back to its savepoint: the other jobs of its group go on, and commit.
//! - A job that fails in a way that can leave the transaction or the connection in doubt (a
//!   full or failing disk, anything but a constraint), or a `COMMIT` that fails, fails every job
//!   of the group, stores none of them (the connection is closed, which rolls back whatever it
//!   held), and the next group opens a fresh connection, as `writer.rs` does for the pool.
//! - A job is answered only after its group's `COMMIT` returned: an acknowledged write is in
//!   the write-ahead log, so it survives a kill -9 of the process.
//!
//! The thread takes the same write turn as the pool's writes (see `writer.rs`), so the two
//! write connections of a SQLite file never wait in SQLite's busy handler for each other.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context, Poll, Waker};

use rusqlite::{Connection, OpenFlags};
use tokio::sync::{mpsc, oneshot};

use super::Turn;
use crate::{SQLITE_PRAGMAS, StoreError};

/// The most jobs one group holds; more wait for the next group.
const MOST_PER_GROUP: usize = 512;

/// Jobs that may wait for the thread before a new one waits to be queued.
const QUEUE: usize = 4096;

/// Why a write of the writer thread was not stored.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct WriteError {
    /// SQLite's extended result code; `None` when the writer thread has stopped.
    pub(crate) code: Option<i32>,
    message: String,
}

impl WriteError {
    fn stopped() -> WriteError {
        WriteError {
            code: None,
            message: "the database writer has stopped".into(),
        }
    }

    fn failed(message: &str) -> WriteError {
        WriteError {
            code: Some(1),
            message: message.into(),
        }
    }

    /// Whether SQLite refused the statement for a constraint of the schema: the statement
    /// changed nothing, and the transaction goes on.
    fn is_constraint(&self) -> bool {
        self.code.is_some_and(|c| c & 0xff == 19)
    }
}

impl From<rusqlite::Error> for WriteError {
    fn from(e: rusqlite::Error) -> WriteError {
        WriteError {
            code: Some(e.sqlite_error().map_or(1, |s| s.extended_code)),
            message: e.to_string(),
        }
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> StoreError {
        StoreError::Write(e.into())
    }
}

/// What a job's error says about its group.
pub(crate) trait JobError: Send + 'static {
    /// The database's error when the job failed in a way that leaves its transaction or
    /// connection in doubt, so that its whole group must fail; `None` when it failed on its own.
    fn breaks_group(&self) -> Option<&WriteError>;
    /// The error of a job whose group failed.
    fn group_failed(e: WriteError) -> Self;
}

impl JobError for StoreError {
    fn breaks_group(&self) -> Option<&WriteError> {
        match self {
            StoreError::Write(w) if !w.is_constraint() => Some(w),
            _ => None,
        }
    }

    fn group_failed(e: WriteError) -> Self {
        StoreError::Write(e)
    }
}

/// How many groups and jobs the thread committed, and its connections: for tests and metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriterStats {
    /// Groups committed.
    pub groups: u64,
    /// Jobs in the groups committed (each stored, or rolled back alone by its own failure).
    pub jobs: u64,
    /// The most jobs one committed group held.
    pub largest_group: u64,
    /// Groups that failed: none of their jobs was stored.
    pub failed_groups: u64,
    /// Connections opened (a new one after each failed group).
    pub connections: u64,
}

#[derive(Debug, Default)]
struct Counters {
    groups: AtomicU64,
    jobs: AtomicU64,
    largest_group: AtomicU64,
    failed_groups: AtomicU64,
    connections: AtomicU64,
    /// Jobs queued for the thread (or running) whose callers wait for their answer.
    waiting: AtomicU64,
}

/// Counts a caller in [`Counters::waiting`] while it lives (a cancelled request too).
struct Waiting<'a>(&'a Counters);

impl<'a> Waiting<'a> {
    fn new(counters: &'a Counters) -> Waiting<'a> {
        counters.waiting.fetch_add(1, Ordering::Relaxed);
        Waiting(counters)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.waiting.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The handle on the writer thread; cheap to clone. The thread ends when the last handle is
/// dropped, after the jobs already queued.
#[derive(Debug, Clone)]
pub(crate) struct GroupWriter {
    jobs: mpsc::Sender<Box<dyn Job>>,
    counters: Arc<Counters>,
}

impl GroupWriter {
    /// Starts the thread for the SQLite file at `path`. `unsure` is set when a group fails
    /// (see `Writer::probe`), and cleared when one commits.
    pub(crate) fn start(
        path: PathBuf,
        turn: Turn,
        unsure: Arc<AtomicBool>,
    ) -> std::io::Result<GroupWriter> {
        let (jobs, queue) = mpsc::channel(QUEUE);
        let counters = Arc::new(Counters::default());
        let thread = Thread {
            path,
            turn,
            unsure,
            counters: counters.clone(),
            conn: None,
        };
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || thread.run(queue))?;
        Ok(GroupWriter { jobs, counters })
    }

    /// Runs `work` in the next group, on the writer thread, and returns what it returned once
    /// the group committed. `Err` from `work` rolls back what it did (the group goes on, unless
    /// the error [breaks the group](JobError::breaks_group)); a failed group fails it too.
    pub(crate) async fn run<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: JobError,
        F: FnOnce(&Connection) -> Result<T, E> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job = Box::new(Pending {
            work: Some(work),
            done: None,
            reply,
        });
        let got = match self.jobs.send(job).await {
            Ok(()) => {
                let _waiting = Waiting::new(&self.counters);
                answer.await.ok()
            }
            Err(_) => None,
        };
        got.unwrap_or_else(|| Err(E::group_failed(WriteError::stopped())))
    }

    /// The counts so far.
    pub(crate) fn stats(&self) -> WriterStats {
        let c = &self.counters;
        WriterStats {
            groups: c.groups.load(Ordering::Relaxed),
            jobs: c.jobs.load(Ordering::Relaxed),
            largest_group: c.largest_group.load(Ordering::Relaxed),
            failed_groups: c.failed_groups.load(Ordering::Relaxed),
            connections: c.connections.load(Ordering::Relaxed),
        }
    }

    /// Jobs queued for the thread (or running) whose callers wait for their answer.
    #[cfg(test)]
    pub(crate) fn waiting(&self) -> u64 {
        self.counters.waiting.load(Ordering::Relaxed)
    }
}

/// Runs a future that never waits, such as statements on the writer thread's own connection
/// written once for both databases (`answers/sql.rs`), to its end, on this thread.
/// (A future that would wait fails, and with it its group.)
pub(crate) fn run_ready<T, E: JobError>(work: impl Future<Output = Result<T, E>>) -> Result<T, E> {
    let mut work = std::pin::pin!(work);
    match work.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(done) => done,
        Poll::Pending => Err(E::group_failed(WriteError::failed(
            "a write on the writer thread waited for something",
        ))),
    }
}

/// How a job ended, before its group's commit.
enum Ran {
    /// Done: its savepoint is released, it commits with the group.
    Done,
    /// Failed on its own: rolled back to its savepoint.
    Undone,
    /// Failed with an error that breaks the group (the error).
    Broke(WriteError),
}

/// A job: its work, then its answer once the group is over.
trait Job: Send {
    /// Whether the caller still waits for the answer (a cancelled request does not).
    fn wanted(&self) -> bool;
    /// Runs the work (once).
    fn run(&mut self, conn: &Connection) -> Ran;
    /// Answers the caller: the job's result, or `failed` when the group failed.
    fn answer(self: Box<Self>, failed: Option<&WriteError>);
}

struct Pending<T, E, F> {
    work: Option<F>,
    done: Option<Result<T, E>>,
    reply: oneshot::Sender<Result<T, E>>,
}

impl<T, E, F> Job for Pending<T, E, F>
where
    T: Send + 'static,
    E: JobError,
    F: FnOnce(&Connection) -> Result<T, E> + Send + 'static,
{
    fn wanted(&self) -> bool {
        !self.reply.is_closed()
    }

    fn run(&mut self, conn: &Connection) -> Ran {
        let Some(work) = self.work.take() else {
            return Ran::Undone;
        };
        let done = std::panic::catch_unwind(AssertUnwindSafe(|| work(conn)));
        let ran = match &done {
            Err(_) => Ran::Broke(WriteError::failed("a write panicked")),
            Ok(Err(e)) => e
                .breaks_group()
                .map_or(Ran::Undone, |w| Ran::Broke(w.clone())),
            Ok(Ok(_)) => Ran::Done,
        };
        self.done = done.ok();
        ran
    }

    fn answer(self: Box<Self>, failed: Option<&WriteError>) {
        let result = match (failed, self.done) {
            // A job that failed on its own keeps its own error.
            (_, Some(Err(e))) if e.breaks_group().is_none() => Err(e),
            (None, Some(done)) => done,
            (Some(failed), _) => Err(E::group_failed(failed.clone())),
            (None, None) => Err(E::group_failed(WriteError::failed("a write did not run"))),
        };
        // The caller may be gone (a cancelled request): nobody to tell.
        let _ = self.reply.send(result);
    }
}

/// The thread's state.
struct Thread {
    path: PathBuf,
    turn: Turn,
    unsure: Arc<AtomicBool>,
    counters: Arc<Counters>,
    /// The write connection; `None` after a failed group, until the next one opens a new one.
    conn: Option<Connection>,
}

impl Thread {
    fn run(mut self, mut queue: mpsc::Receiver<Box<dyn Job>>) {
        while let Some(first) = queue.blocking_recv() {
            // The turn first, then every job that waits: the jobs that came while the pool's
            // writes or the last group held the turn join this group.
            let turn = self.turn.clone().blocking_lock_owned();
            let mut group = vec![first];
            while group.len() < MOST_PER_GROUP {
                match queue.try_recv() {
                    Ok(job) => group.push(job),
                    Err(_) => break,
                }
            }
            group.retain(|job| job.wanted());
            if group.is_empty() {
                continue;
            }
            let outcome = self.commit_group(&mut group);
            drop(turn);
            match &outcome {
                Ok(()) => {
                    let n = group.len() as u64;
                    self.counters.groups.fetch_add(1, Ordering::Relaxed);
                    self.counters.jobs.fetch_add(n, Ordering::Relaxed);
                    self.counters.largest_group.fetch_max(n, Ordering::Relaxed);
                    self.unsure.store(false, Ordering::SeqCst);
                }
                Err(e) => {
                    tracing::warn!(error = %e, jobs = group.len(), "a group of writes failed; none was stored");
                    self.counters.failed_groups.fetch_add(1, Ordering::Relaxed);
                    self.unsure.store(true, Ordering::SeqCst);
                    // Closing rolls back whatever the connection held.
                    self.conn = None;
                }
            }
            let failed = outcome.err();
            for job in group {
                job.answer(failed.as_ref());
            }
        }
    }

    /// Runs the jobs of a group in one transaction, each in a savepoint, and commits.
    fn commit_group(&mut self, group: &mut [Box<dyn Job>]) -> Result<(), WriteError> {
        let conn = match self.conn.take() {
            Some(conn) => conn,
            None => self.open()?,
        };
        let conn = self.conn.insert(conn);
        conn.execute_batch("BEGIN IMMEDIATE")?;
        for job in group.iter_mut() {
            conn.execute_batch("SAVEPOINT job")?;
            match job.run(conn) {
                Ran::Done => conn.execute_batch("RELEASE job")?,
                Ran::Undone if !conn.is_autocommit() => {
                    conn.execute_batch("ROLLBACK TO job; RELEASE job")?;
                }
                // SQLite rolled the whole transaction back: the jobs before are gone too.
                Ran::Undone => return Err(WriteError::failed("the transaction was rolled back")),
                Ran::Broke(e) => return Err(e),
            }
        }
        conn.execute_batch("COMMIT")?;
        Ok(())
    }

    /// Opens the write connection, set as every SQLite connection of the store is, with the
    /// checkpoints left to the store's own task.
    fn open(&self) -> Result<Connection, WriteError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_PRIVATE_CACHE;
        let conn = Connection::open_with_flags(&self.path, flags)?;
        conn.execute_batch(SQLITE_PRAGMAS)?;
        conn.execute_batch("PRAGMA wal_autocheckpoint = 0")?;
        conn.set_prepared_statement_cache_capacity(64);
        self.counters.connections.fetch_add(1, Ordering::Relaxed);
        Ok(conn)
    }
}

#[cfg(test)]
mod tests;
