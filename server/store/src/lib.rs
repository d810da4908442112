//! Storage: every SQL statement Trellis runs, behind one type, and the accounts it keeps
//! (passwords, sessions, API tokens: [`auth`]). It knows nothing of the web: the `server` crate's
//! `service` module runs the use cases on it, and the pages reach those through `app::Backend`.
//!
//! sqlx's `AnyPool` with runtime queries, so `DATABASE_URL` picks SQLite (the default, one file)
//! or Postgres. The SQL is portable: `$n` placeholders, times as unix milliseconds, JSON as text.
//! Writes that can race carry a version: an update names the version it read, and a stale one
//! gets [`StoreError::Conflict`] with the current row instead of silently overwriting it.
//!
//! This file holds [`Store`] (connecting, migrations, the pools, the caches and the revision
//! count), [`StoreError`], [`Missing`] and the row types the tables share. The SQL, by file:
//!
//! - `assessments.rs`: the `assessments` table, one review at a time (create, read, rename,
//!   archive, duplicate).
//! - `listing.rs`: keyset pages of assessments, with full-text search, and the answers of the
//!   reviews a page shows.
//! - `answers.rs`: the `answers` table (read, save at a version, confirm, copy), and
//!   [`AnswersWrite`], several answer writes in one transaction; `answers/area.rs`: a form's
//!   save as one write ([`Store::save_area`]); `answers/sql.rs`: the statements of answer
//!   writes, for the pool and for SQLite's writer thread.
//! - `batch.rs`: the REST API's answer writes, all together or not at all.
//! - `checklist.rs`: the `checklist_items` table.
//! - `discussion.rs`: comments under questions, their mentions, assignments, and what needs a
//!   member.
//! - `evidence.rs`: the `evidence_imports` table, written with the answers an import fills.
//! - `acceptances.rs`: the `risk_acceptances` table (accepted risks).
//! - `milestones.rs`: the `milestones` table.
//! - `approvals.rs`: the `approvals` table (sign-offs, each with its milestone).
//! - `summary.rs`: the per-review summary the portfolio reads, written with every change;
//!   `tags.rs`: a review's tags, and the portfolio's reads.
//! - `templates.rs`: a new assessment started from another's answers or a milestone's.
//! - `lenses.rs`: imported lens versions.
//! - `accounts.rs`: users, sessions, teams, members, invites, share links, API tokens and the
//!   audit log ([`auth`]: who is asking, and the secrets).
//! - `portable.rs`: a whole installation exported and imported as one JSON document.
//! - `webhooks.rs`: a team's outbound webhooks, the outbox of deliveries (written with the
//!   change that raised each event) and the log of tries.
//! - `writer.rs`: the write pool; `writer/group.rs`: SQLite's writer thread, which commits the
//!   saves of answers that wait together (group commit).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use questionnaires::{Answer, Workload};

use crate::auth::{Role, User};

mod acceptances;
mod accounts;
mod answers;
mod approvals;
mod assessments;
pub mod auth;
mod batch;
mod checklist;
mod discussion;
mod evidence;
mod lenses;
mod listing;
mod milestones;
mod portable;
pub mod sso;
mod summary;
mod tags;
mod templates;
mod webhooks;
mod writer;
pub use acceptances::{AuditEntry, StoredAcceptance};
pub use accounts::{
    AuditRow, InviteDetails, InviteRow, InviteState, MemberRow, PendingInviteRow, ShareLinkRow,
    TeamRow, TokenRow,
};
pub use answers::{AnswersWrite, AreaChange, AreaSave, AreaSaved};
pub use approvals::{AcceptedBlocker, Approval, Approved};
pub use batch::{AnswerWrite, AuditEntries, BatchAudit, BatchError, BatchResult, Changed, Expect};
pub use discussion::{AssignmentRow, CommentRow, CommentWrite, MentionRow, MyAssignmentRow};
pub use evidence::{EvidenceChange, EvidenceError, EvidenceRow, NewEvidence};
pub use lenses::LensRow;
pub use listing::{Order, PageQuery, Position, SearchRoute, search_terms};
pub use milestones::{Milestone, MilestoneRow};
pub use portable::{Counts, FORMAT, PortableError, VERSION};
use serde::{Deserialize, Serialize};
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Executor, FromRow};
pub use summary::{
    AreaScore, Evaluated, OpenItem, OpenRisk, RiskEntry, Summarizer, SummaryChange, SummaryInput,
    install_summarizer,
};
pub use tags::{
    MAX_TAG_CHARS, MAX_TAGS, PortfolioFilter, PortfolioRow, TagError, Trend, normalise_tags,
};
pub use templates::Template;
pub use webhooks::{AttemptRow, DeliveryRow, LOG_KEPT, OutboxEvent, TryOutcome, WebhookRow};
use writer::{GroupWriter, WriteTx, Writer};
pub use writer::{WriteError, WriterStats};

/// Which database is behind the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file.
    Sqlite,
    /// A Postgres server.
    Postgres,
}

/// What a [`StoreError::NotFound`] did not find.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    /// A review (assessment).
    Review,
    /// A milestone of a review.
    Milestone,
    /// A team.
    Team,
    /// A live invite.
    Invite,
    /// A live share link.
    ShareLink,
    /// A live API token.
    ApiToken,
    /// An imported lens version.
    Lens,
    /// An accepted risk.
    Acceptance,
    /// A member of a team.
    Member,
}

impl std::fmt::Display for Missing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Missing::Review => "review",
            Missing::Milestone => "milestone",
            Missing::Team => "team",
            Missing::Invite => "invite",
            Missing::ShareLink => "share link",
            Missing::ApiToken => "API token",
            Missing::Lens => "lens",
            Missing::Acceptance => "accepted risk",
            Missing::Member => "team member",
        })
    }
}

/// Storage errors.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Someone else changed the row since it was read.
    #[error("changed by someone else since you loaded it")]
    Conflict(Box<Current>),
    /// No such row: the message names what is missing.
    #[error("There is no such {0}.")]
    NotFound(Missing),
    /// The email already has an account.
    #[error("an account with this email already exists")]
    Taken,
    /// The instance's rules refuse it; the message says which, in the user's words.
    #[error("{0}")]
    Refused(&'static str),
    /// The change would leave a team without an owner.
    #[error("a team must keep at least one owner")]
    LastOwner,
    /// The database failed.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    /// SQLite's writer thread could not store a write (nor any other of its group).
    #[error(transparent)]
    Write(WriteError),
    /// A stored value could not be read back.
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
}

impl StoreError {
    /// Whether the database could not be reached or is refusing work for now (down,
    /// restarting, out of connections), as opposed to a bad query or bad data: such a request
    /// can simply be tried again later.
    pub fn is_unavailable(&self) -> bool {
        let StoreError::Database(e) = self else {
            return matches!(self, StoreError::Write(w) if w.code.is_none());
        };
        match e {
            sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed => true,
            sqlx::Error::Protocol(_) => true,
            // Postgres: connection exceptions (08), shutting down or starting up (57P01-57P03),
            // too many connections (53300); and any FATAL error, which ends the connection
            // (a new connection refused at start, "could not write init file" on a full disk).
            sqlx::Error::Database(db) => {
                db.code().is_some_and(|c| {
                    c.starts_with("08") || matches!(&*c, "57P01" | "57P02" | "57P03" | "53300")
                }) || db
                    .try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
                    .is_some_and(|pg| {
                        matches!(
                            pg.severity(),
                            sqlx::postgres::PgSeverity::Fatal | sqlx::postgres::PgSeverity::Panic
                        )
                    })
            }
            _ => false,
        }
    }
}

impl StoreError {
    /// Whether the database could not store a write: its disk is full (SQLite `SQLITE_FULL`,
    /// Postgres 53100) or failing (SQLite `SQLITE_IOERR`, Postgres 58030). Nothing of the write
    /// was stored; it can be tried again once there is room.
    pub fn is_storage_fault(&self) -> bool {
        if let StoreError::Write(w) = self {
            return w.code.is_some_and(|c| matches!(c & 0xff, 10 | 13));
        }
        let StoreError::Database(sqlx::Error::Database(db)) = self else {
            return false;
        };
        let Some(code) = db.code() else {
            return false;
        };
        if matches!(&*code, "53100" | "58030") {
            return true;
        }
        // SQLite's extended result codes keep the primary code in their low byte.
        code.parse::<i32>()
            .is_ok_and(|c| c < 10_000 && matches!(c & 0xff, 10 | 13))
    }
}

/// The connection pool right now, for `/metrics`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    /// Open connections, idle or in use.
    pub open: u32,
    /// Open connections waiting for work.
    pub idle: u32,
    /// The most the pool opens.
    pub max: u32,
}

/// What a conflicting writer gets back: the row as it is now.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Current {
    /// The assessment as stored now.
    Assessment(Assessment),
    /// The answer as stored now (`None`: it was cleared).
    Answer(Option<StoredAnswer>),
    /// The checklist item as stored now.
    Item(Option<StoredItem>),
}

/// An assessment row.
#[derive(Debug, Clone, PartialEq, Serialize, FromRow)]
pub struct Assessment {
    /// Random id.
    pub id: String,
    /// Workload name.
    pub name: String,
    /// Workload description.
    pub description: String,
    /// Environment, such as "production".
    pub environment: String,
    /// The questionnaire it runs on.
    pub questionnaire_id: String,
    /// That questionnaire's content hash when the assessment was created.
    pub questionnaire_hash: String,
    /// Unix ms.
    pub created_at: i64,
    /// Unix ms.
    pub updated_at: i64,
    /// Unix ms, when archived.
    pub archived_at: Option<i64>,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// The team it belongs to (`None` only for assessments made before accounts existed).
    pub team_id: Option<String>,
    /// What it started from, as people read it (`None`: it started blank).
    pub started_from: Option<String>,
}

impl Assessment {
    /// The workload, as the domain sees it.
    pub fn workload(&self) -> Workload {
        Workload {
            name: self.name.clone(),
            description: self.description.clone(),
            environment: self.environment.clone(),
        }
    }
}

/// A stored answer with who changed it and when.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredAnswer {
    /// Question id.
    pub question_id: String,
    /// The answer.
    pub answer: Answer,
    /// Who changed it last.
    pub updated_by: String,
    /// Unix ms.
    pub updated_at: i64,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// Carried over from a template and not confirmed since (any save confirms it).
    pub to_confirm: bool,
}

/// A checklist item's team-owned state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, FromRow)]
pub struct StoredItem {
    /// Checklist item id.
    pub item_id: String,
    /// `open`, `done` or `accepted-risk`.
    pub status: String,
    /// Who owns it.
    pub owner: String,
    /// `YYYY-MM-DD`.
    pub due_date: Option<String>,
    /// Who changed it last.
    pub updated_by: String,
    /// Unix ms.
    pub updated_at: i64,
    /// Optimistic-concurrency version.
    pub version: i64,
}

/// A new assessment.
#[derive(Debug, Clone)]
pub struct NewAssessment {
    /// The workload.
    pub workload: Workload,
    /// Questionnaire id.
    pub questionnaire_id: String,
    /// Questionnaire content hash.
    pub questionnaire_hash: String,
    /// The team it belongs to.
    pub team_id: String,
}

/// The storage handle; cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    /// Where reads go.
    pool: AnyPool,
    /// Where writes go. On SQLite, one connection of its own: SQLite lets one connection write
    /// at a time, and a connection that finds the write lock taken sleeps in SQLite's busy
    /// handler (1, 2, 5, 10, … ms, whether or not the lock is free meanwhile), so concurrent
    /// writers on several connections wait far longer than their writes take. On one connection
    /// they queue for it in the pool instead, and each starts the moment the last one is done.
    /// This process is the only writer of the file (see [`Store::lock_file`]). On Postgres,
    /// which lets writers run side by side, the same pool as reads. Either way, a connection
    /// a write failed on is closed, never lent again (see [`writer`]).
    writer: Writer,
    /// SQLite (a file): the writer thread, where saves of answers run, each as one job, and
    /// commit in groups. It takes turns with [`Store::writer`]. `None` on Postgres, where those
    /// saves go through [`Store::writer`] like every other write.
    group: Option<GroupWriter>,
    backend: Backend,
    /// How many writes this process committed to each assessment (see [`Store::revision`]).
    commits: Arc<Mutex<HashMap<String, i64>>>,
    /// Sessions and roles read on every request (SQLite only, see [`Store::revision`]).
    access: Arc<Mutex<AccessCache>>,
}

/// What a request needs to know about its actor, kept between requests on SQLite, where this
/// process is the only writer: any write to sessions, memberships, links or tokens clears it.
#[derive(Debug, Default)]
struct AccessCache {
    sessions: HashMap<String, (String, User, i64)>,
    roles: HashMap<(String, String), Option<Role>>,
}

/// Entries kept at most, per kind, before the cache starts over.
const ACCESS_CACHE: usize = 10_000;

static SQLITE: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/sqlite");
static POSTGRES: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/postgres");

impl Store {
    /// Connects and brings the schema up to date.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        install_default_drivers();
        let backend = if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        };
        let pool = pool_options(backend, if backend == Backend::Sqlite { 4 } else { 16 })
            .connect(url)
            .await?;
        let migrator = match backend {
            Backend::Sqlite => &SQLITE,
            Backend::Postgres => &POSTGRES,
        };
        migrator
            .run(&pool)
            .await
            .map_err(|e| StoreError::Database(e.into()))?;
        let (writer, group) = match backend {
            Backend::Sqlite => {
                let writer = pool_options(backend, 1)
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            // Checkpoints run beside the writes (below), not in them.
                            conn.execute(SQLITE_PRAGMAS).await?;
                            conn.execute("PRAGMA wal_autocheckpoint = 0").await?;
                            Ok(())
                        })
                    })
                    .connect(url)
                    .await?;
                tokio::spawn(checkpoints(pool.clone()));
                let turn = writer::Turn::default();
                let writer = Writer::new(writer, Some(turn.clone()));
                let group = match sqlite_file(url) {
                    Some(path) => Some(
                        GroupWriter::start(path, turn, writer.unsure())
                            .map_err(|e| StoreError::Database(sqlx::Error::Io(e)))?,
                    ),
                    None => None,
                };
                (writer, group)
            }
            Backend::Postgres => (Writer::new(pool.clone(), None), None),
        };
        Ok(Store {
            pool,
            writer,
            group,
            backend,
            commits: Arc::default(),
            access: Arc::default(),
        })
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// One round trip to the database: reads answer.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Commits a one-row write: `Ok` when writes are being stored right now (not when the disk
    /// is full or the database refuses them). For `/readyz`.
    pub async fn write_probe(&self, now: i64) -> Result<(), StoreError> {
        self.writer.probe(now).await
    }

    /// What SQLite's writer thread did so far (`None`: there is none, on Postgres).
    pub fn writer_stats(&self) -> Option<WriterStats> {
        self.group.as_ref().map(GroupWriter::stats)
    }

    /// The connection pool's use right now.
    pub fn pool_stats(&self) -> PoolStats {
        PoolStats {
            open: self.pool.size(),
            idle: u32::try_from(self.pool.num_idle()).unwrap_or(u32::MAX),
            max: self.pool.options().get_max_connections(),
        }
    }

    /// A number that changes whenever the assessment, one of its answers, one of its checklist
    /// items or one of its accepted risks changes, so that what was rendered from it can be reused until then.
    ///
    /// On Postgres, several instances may write: this is the `revision` column, one indexed
    /// read. A SQLite file has one writer, the `trellis serve` that holds it (see
    /// [`Store::lock_file`]), so this process's own count of its commits is complete, and no
    /// query is needed: the count lives only as long as the process, as does anything rendered.
    pub async fn revision(&self, id: &str) -> Result<i64, StoreError> {
        match self.backend {
            Backend::Sqlite => Ok(self.commits().get(id).copied().unwrap_or(0)),
            Backend::Postgres => {
                sqlx::query_scalar::<_, i64>("SELECT revision FROM assessments WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?
                    .ok_or(StoreError::NotFound(Missing::Review))
            }
        }
    }

    fn commits(&self) -> std::sync::MutexGuard<'_, HashMap<String, i64>> {
        self.commits.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn access_cache(&self) -> Option<std::sync::MutexGuard<'_, AccessCache>> {
        (self.backend == Backend::Sqlite)
            .then(|| self.access.lock().unwrap_or_else(|e| e.into_inner()))
    }

    fn cached_session(&self, id: &str) -> Option<(String, User, i64)> {
        self.access_cache()?.sessions.get(id).cloned()
    }

    fn cache_session(&self, id: &str, entry: (String, User, i64)) {
        if let Some(mut c) = self.access_cache() {
            if c.sessions.len() >= ACCESS_CACHE {
                c.sessions.clear();
            }
            c.sessions.insert(id.to_owned(), entry);
        }
    }

    fn cached_role(&self, user_id: &str, team_id: &str) -> Option<Option<Role>> {
        self.access_cache()?
            .roles
            .get(&(user_id.to_owned(), team_id.to_owned()))
            .copied()
    }

    fn cache_role(&self, user_id: &str, team_id: &str, role: Option<Role>) {
        if let Some(mut c) = self.access_cache() {
            if c.roles.len() >= ACCESS_CACHE {
                c.roles.clear();
            }
            c.roles
                .insert((user_id.to_owned(), team_id.to_owned()), role);
        }
    }

    /// Forgets every cached session and role, after a write that can change them.
    fn access_changed(&self) {
        if let Some(mut c) = self.access_cache() {
            c.sessions.clear();
            c.roles.clear();
        }
    }

    /// Records a committed write to an assessment (see [`Store::revision`]).
    fn committed(&self, assessment_id: &str) {
        *self.commits().entry(assessment_id.to_owned()).or_default() += 1;
    }

    /// Commits a write to an assessment's answers, checklist or accepted risks: when it `changed` anything, the
    /// assessment's `updated_at` and revision move with it, in the same transaction.
    async fn finish_write(
        &self,
        mut tx: WriteTx,
        assessment_id: &str,
        changed: bool,
        now: i64,
    ) -> Result<(), StoreError> {
        if changed {
            sqlx::query(
                "UPDATE assessments SET updated_at = $1, revision = revision + 1 WHERE id = $2",
            )
            .bind(now)
            .bind(assessment_id)
            .execute(&mut *tx)
            .await?;
            self.refresh_in(&mut tx, assessment_id, now).await?;
        }
        tx.commit().await?;
        if changed {
            self.committed(assessment_id);
        }
        Ok(())
    }

    /// For a SQLite database, locks its file for this process, so that a second `trellis serve`
    /// on the same file stops with a clear error instead of serving pages the other one changed.
    /// The lock (an advisory `flock`, which SQLite's own locks do not use) lasts as long as the
    /// returned file stays open. `None` for Postgres and in-memory databases.
    pub fn lock_file(url: &str) -> Result<Option<std::fs::File>, String> {
        let Some(rest) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        else {
            return Ok(None);
        };
        let path = rest.split('?').next().unwrap_or_default();
        if path.is_empty() || path.starts_with(":memory:") {
            return Ok(None);
        }
        let file = std::fs::File::open(path).map_err(|e| format!("opening {path}: {e}"))?;
        match file.try_lock() {
            Ok(()) => Ok(Some(file)),
            Err(std::fs::TryLockError::WouldBlock) => Err(format!(
                "{path} is in use by another Trellis server; a SQLite database serves one \
                 instance (use Postgres to run several)"
            )),
            Err(std::fs::TryLockError::Error(e)) => Err(format!("locking {path}: {e}")),
        }
    }
}

/// The file of a SQLite database URL, once the pool has opened it; `None` for a database in
/// memory, which only the pool's own connections reach.
fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    use std::str::FromStr;
    let options = sqlx::sqlite::SqliteConnectOptions::from_str(url).ok()?;
    let path = options.get_filename();
    path.is_file().then(|| path.to_owned())
}

/// What every SQLite connection sets. WAL: readers never wait for the writer, and a commit is
/// one append. synchronous = NORMAL is durable across a crash of the process; only a power cut
/// can lose the last commits.
pub(crate) const SQLITE_PRAGMAS: &str = "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; \
     PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;";

/// How often the write-ahead log of a SQLite database is copied back into the database file.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(500);

/// Copies the write-ahead log of a SQLite database back into the database file, every
/// [`CHECKPOINT_EVERY`], on a read connection, as long as the pool is open. SQLite's own
/// checkpoint runs in the commit that takes the log past 1,000 pages, and again in every commit
/// after it while readers keep it from finishing: two fsyncs each, inside the one writer's
/// turn, which every other write waits for. A passive checkpoint beside the writer takes no
/// write lock, so writes go on while it runs; the log restarts from its beginning once a
/// checkpoint has copied all of it. What is committed is in the log either way: this changes
/// where the pages are, not whether a commit survives a crash.
async fn checkpoints(pool: AnyPool) {
    let mut tick = tokio::time::interval(CHECKPOINT_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if pool.is_closed() {
            return;
        }
        if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .execute(&pool)
            .await
        {
            tracing::warn!(error = %e, "checkpoint of the write-ahead log failed");
        }
    }
}

/// The options of a pool of at most `max` connections.
fn pool_options(backend: Backend, max: u32) -> AnyPoolOptions {
    AnyPoolOptions::new()
        .max_connections(max)
        // sqlx pings a connection before lending it, to find one the server hung up: a SQLite
        // connection is a file, never hung up, and its ping is one more round trip to the
        // connection's thread, in the writer's turn too. (Every return to the pool pings anyway.)
        .test_before_acquire(backend == Backend::Postgres)
        // A request waits this long for a connection before it is told the database is not
        // answering (503), rather than hanging while the database is away.
        .acquire_timeout(std::time::Duration::from_secs(5))
        .after_connect(move |conn, _| {
            Box::pin(async move {
                if backend == Backend::Sqlite {
                    conn.execute(SQLITE_PRAGMAS).await?;
                }
                Ok(())
            })
        })
}
