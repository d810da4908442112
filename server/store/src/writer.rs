//! Where every write goes: a pool that never lends out a connection whose transaction state is
//! unknown.
//!
//! sqlx keeps its own count of how deep a connection is in transactions and moves it only when
//! a `BEGIN`, `COMMIT` or `ROLLBACK` succeeds. When SQLite fails a statement or a `COMMIT` with
//! `SQLITE_FULL` it may roll the transaction back itself, so the `ROLLBACK` sqlx sends when the
//! transaction is dropped fails ("no transaction is active") and the count stays at 1 on a
//! connection that is not in a transaction at all. The next transaction on it then starts with
//! `SAVEPOINT _sqlx_savepoint_1` instead of `BEGIN`; when that one fails too, sqlx's
//! `ROLLBACK TO SAVEPOINT` undoes its work but, as SQLite defines it, leaves the transaction
//! open. From then on every write on that connection (the only writer of a SQLite file) lands
//! inside a transaction that nothing ever commits: each is acknowledged, none is stored, and a
//! restart shows them gone.
//!
//! So writes here take no sqlx `Transaction`: [`WriteTx`] sends `BEGIN` and `COMMIT` itself,
//! and a connection on which anything failed, or whose transaction was dropped before its
//! commit (an error, a cancelled request), is closed instead of returned to the pool. Closing
//! rolls back whatever it held (on both databases), and the pool opens a fresh connection for the
//! next write. A write is acknowledged only after its `COMMIT` returned.
//!
//! On SQLite the saves of answers (a form, an autosave, the REST API's answer writes) go to a
//! thread of their own instead, with the same rules, where the saves that wait commit together
//! (`writer/group.rs`). That thread and this pool take turns ([`Turn`]): one writes at a time,
//! so neither waits in SQLite's busy handler for the other.
//!
//! [`Writer::probe`] commits a write, so `/readyz` tells whether writes can be stored right now
//! (a full disk, a read-only or failing volume) rather than only whether the database answers.
//! After a write transaction ended without its commit, the probe writes as much as a large
//! write does (a one-row update can still fit in a write-ahead log that a larger write no
//! longer does), until one commits.

use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use sqlx::any::AnyQueryResult;
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool, Executor, IntoArguments};
use tokio::sync::OwnedMutexGuard;

use super::StoreError;

mod group;
pub(crate) use group::{GroupWriter, JobError, run_ready};
pub use group::{WriteError, WriterStats};

/// The right to write to a SQLite file, taken by a write transaction of the pool for its whole
/// length and by the writer thread for each group.
pub(crate) type Turn = Arc<tokio::sync::Mutex<()>>;

/// How long a write waits for its turn before it is told the database is not answering, as
/// long as a request waits for a pool's connection.
const TURN_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// The pool writes go through (see the module documentation).
#[derive(Debug, Clone)]
pub(crate) struct Writer {
    pool: AnyPool,
    /// Set when a write transaction ended without its commit (a failed statement or commit,
    /// a cancelled request, a failed group of the writer thread); cleared when one commits.
    unsure: Arc<AtomicBool>,
    /// SQLite: the turn shared with the writer thread.
    turn: Option<Turn>,
}

/// What the probe writes after a write ended without its commit: as much as a large write.
const LARGE_WRITE: usize = 64 * 1024;

impl Writer {
    pub(crate) fn new(pool: AnyPool, turn: Option<Turn>) -> Writer {
        Writer {
            pool,
            unsure: Arc::default(),
            turn,
        }
    }

    /// The flag of writes that ended without their commit, for the writer thread to share.
    pub(crate) fn unsure(&self) -> Arc<AtomicBool> {
        self.unsure.clone()
    }

    /// Begins a transaction on a connection of its own.
    pub(crate) async fn begin(&self) -> Result<WriteTx, sqlx::Error> {
        let turn = match &self.turn {
            Some(turn) => Some(
                tokio::time::timeout(TURN_TIMEOUT, turn.clone().lock_owned())
                    .await
                    .map_err(|_| sqlx::Error::PoolTimedOut)?,
            ),
            None => None,
        };
        let conn = self.pool.acquire().await?;
        let mut tx = WriteTx {
            conn,
            finished: false,
            unsure: self.unsure.clone(),
            _turn: turn,
        };
        // A failed BEGIN drops `tx` unfinished: the connection is closed.
        tx.conn.execute("BEGIN").await?;
        Ok(tx)
    }

    /// Runs one statement in a transaction of its own and commits it.
    pub(crate) async fn execute<'q, A>(
        &self,
        query: sqlx::query::Query<'q, Any, A>,
    ) -> Result<AnyQueryResult, sqlx::Error>
    where
        A: 'q + IntoArguments<Any> + Send,
    {
        let mut tx = self.begin().await?;
        let done = query.execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(done)
    }

    /// Commits a write to the one row of `write_probe`: `Ok` when the database stores writes
    /// right now. For `/readyz`. A one-row update, or as much as a large write while the last
    /// write transaction ended without its commit.
    pub(crate) async fn probe(&self, now: i64) -> Result<(), StoreError> {
        let pad = if self.unsure.load(Ordering::SeqCst) {
            // Random, so no database can store it compressed into a few bytes.
            (0..LARGE_WRITE / 32)
                .map(|_| uuid::Uuid::new_v4().simple().to_string())
                .collect()
        } else {
            String::new()
        };
        self.execute(
            sqlx::query("UPDATE write_probe SET probed_at = $1, pad = $2 WHERE id = 1")
                .bind(now)
                .bind(pad),
        )
        .await?;
        Ok(())
    }
}

/// A write transaction (see [`Writer::begin`]). Statements run on it through `&mut *tx`; nothing
/// is stored until [`WriteTx::commit`] returns `Ok`. Dropped without a commit or a rollback (on
/// an error, or a cancelled request), its connection is closed, which undoes its statements.
#[must_use = "a write transaction stores nothing until it is committed"]
pub(crate) struct WriteTx {
    conn: PoolConnection<Any>,
    /// Committed or rolled back: the connection can go back to the pool.
    finished: bool,
    unsure: Arc<AtomicBool>,
    /// SQLite: the write turn, held until the transaction ends. (A connection closed on drop
    /// is closed in the background: until it is, SQLite's busy timeout holds the next writer.)
    _turn: Option<OwnedMutexGuard<()>>,
}

impl WriteTx {
    /// Commits. On an error the connection is closed and nothing was stored.
    pub(crate) async fn commit(mut self) -> Result<(), sqlx::Error> {
        self.conn.execute("COMMIT").await?;
        self.finished = true;
        self.unsure.store(false, Ordering::SeqCst);
        Ok(())
    }

    /// Rolls back everything the transaction did.
    pub(crate) async fn rollback(mut self) -> Result<(), sqlx::Error> {
        self.conn.execute("ROLLBACK").await?;
        self.finished = true;
        Ok(())
    }
}

impl Deref for WriteTx {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        &self.conn
    }
}

impl DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.conn
    }
}

impl Drop for WriteTx {
    fn drop(&mut self) {
        if !self.finished {
            self.conn.close_on_drop();
            self.unsure.store(true, Ordering::SeqCst);
        }
    }
}
