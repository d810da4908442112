//! `trellis export-all` and `trellis import-all`: a whole installation as one JSON document, to
//! move it between SQLite and Postgres (or keep it) with nothing lost.
//!
//! The document, one row per line:
//!
//! ```text
//! {"format":"trellis-export","version":1,"schema":7,"exported_at":1767225600000,"tables":{
//! "users":[
//! {"id":"…","email":"ana@example.com","name":"Ana","password_hash":"…","is_admin":1,"created_at":1767225600000}
//! ],
//! "teams":[
//! …
//! ],
//! "lenses":[]
//! }}
//! ```
//!
//! - `version` is the document format's version (1), `schema` the latest migration of the
//!   database it came from, `exported_at` unix milliseconds.
//! - `tables` holds every table but `_sqlx_migrations`, parents before children (the list is in
//!   `portable/tables.rs`). Each is an array of rows in primary-key order (byte order on both
//!   databases); each row an object with every column in table order: integers as JSON integers,
//!   text as strings (answer values, milestone snapshots and lens files stay the text they are
//!   stored as), NULL as `null`. So two exports of the same data are byte-identical but for
//!   `exported_at`, whichever database they come from.
//!
//! The export reads one consistent snapshot (a transaction; `REPEATABLE READ` on Postgres) and
//! streams rows to its writer. The import reads the whole document and checks all of it before
//! it writes anything: every table and column known and present, every value of its column's
//! type, no primary key twice, every reference to a parent row that the document holds. Then it
//! fills an **empty** database in one transaction, parents first: all or nothing. It refuses
//! another format version, and a `schema` other than this binary's: export an older installation
//! with this binary (which migrates it first) instead. Ids are random text and no table has a
//! sequence, so there is nothing to reset on Postgres afterwards.

use std::fmt;
use std::io::{Read, Write};
use std::sync::Arc;

use futures_util::TryStreamExt;
use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Row};

use super::{Backend, POSTGRES, SQLITE, Store};

mod check;
mod tables;
use check::{check_header, check_rows, rows_of};
use tables::{Column, Kind, TABLES, Table};

/// The document's `format`.
pub const FORMAT: &str = "trellis-export";
/// The document's `version`: the shape of the document, not of the schema.
pub const VERSION: u64 = 1;

/// What went wrong exporting or importing.
#[derive(Debug, thiserror::Error)]
pub enum PortableError {
    /// The document cannot be imported (the message says where and why); nothing was written.
    #[error("{0}")]
    Invalid(String),
    /// The target database already holds data; nothing was written.
    #[error(
        "the target database is not empty: table {0} has rows (import-all only fills an empty database)"
    )]
    NotEmpty(&'static str),
    /// The database refused a row of the document; nothing was written.
    #[error("{at}: the database refused the row: {source}")]
    Refused {
        /// The row, as `tables.NAME[INDEX]`.
        at: String,
        /// Why.
        source: sqlx::Error,
    },
    /// The database's tables differ from the ones this binary knows.
    #[error("the database does not match this version of Trellis: {0}")]
    Schema(String),
    /// The database failed.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    /// Reading or writing the document failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl PortableError {
    /// Whether the document or the target database is at fault, rather than the database
    /// server or the disk.
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            PortableError::Invalid(_) | PortableError::NotEmpty(_) | PortableError::Refused { .. }
        )
    }
}

/// Rows per table, in document order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counts(pub Vec<(&'static str, u64)>);

impl Counts {
    /// Rows in all.
    pub fn total(&self) -> u64 {
        self.0.iter().map(|(_, n)| n).sum()
    }
}

impl fmt::Display for Counts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} rows (", self.total())?;
        for (i, (table, n)) in self.0.iter().enumerate() {
            write!(f, "{}{table} {n}", if i == 0 { "" } else { ", " })?;
        }
        write!(f, ")")
    }
}

impl Store {
    /// Writes every row of every table to `out` as one document (see the module docs).
    pub async fn export_all(
        &self,
        mut out: impl Write,
        exported_at: i64,
    ) -> Result<Counts, PortableError> {
        let mut tx = self.pool.begin().await?;
        if self.backend == Backend::Postgres {
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .execute(&mut *tx)
                .await?;
        }
        self.check_schema(&mut tx).await?;
        write!(
            out,
            "{{\"format\":\"{FORMAT}\",\"version\":{VERSION},\"schema\":{},\"exported_at\":{exported_at},\"tables\":{{",
            schema(self.backend)
        )?;
        let mut counts = Vec::with_capacity(TABLES.len());
        for (t, table) in TABLES.iter().enumerate() {
            write!(
                out,
                "{}\n\"{}\":[",
                if t == 0 { "" } else { "," },
                table.name
            )?;
            let mut rows = sqlx::query(AssertSqlSafe(self.select_sql(table))).fetch(&mut *tx);
            let mut n = 0;
            while let Some(row) = rows.try_next().await? {
                out.write_all(if n == 0 { b"\n" } else { b",\n" })?;
                write_row(&mut out, table, &row)?;
                n += 1;
            }
            out.write_all(if n == 0 { b"]" } else { b"\n]" })?;
            counts.push((table.name, n));
        }
        out.write_all(b"\n}}\n")?;
        out.flush()?;
        tx.rollback().await?;
        Ok(Counts(counts))
    }

    /// Reads a document written by [`Store::export_all`] and stores all of it into this
    /// database, which must be empty, in one transaction. On any error nothing is written.
    pub async fn import_all(&self, input: impl Read) -> Result<Counts, PortableError> {
        let doc: Value = serde_json::from_reader(input).map_err(|e| {
            if e.is_io() {
                PortableError::Io(e.into())
            } else {
                PortableError::Invalid(format!("not a JSON document: {e}"))
            }
        })?;
        let tables = check_header(&doc, schema(self.backend))?;
        let counts = check_rows(tables)?;
        let mut tx = self.writer.begin().await?;
        self.check_schema(&mut tx).await?;
        for table in TABLES {
            let sql = format!("SELECT 1 FROM {} LIMIT 1", table.name);
            if sqlx::query(AssertSqlSafe(sql))
                .fetch_optional(&mut *tx)
                .await?
                .is_some()
            {
                return Err(PortableError::NotEmpty(table.name));
            }
        }
        for table in TABLES {
            let sql: Arc<str> = insert_sql(table).into();
            for (i, row) in rows_of(tables, table).iter().enumerate() {
                let mut query = sqlx::query(AssertSqlSafe(sql.clone()));
                for c in table.columns {
                    let value = row.get(c.name);
                    query = match c.kind {
                        Kind::Int => query.bind(value.and_then(Value::as_i64)),
                        Kind::Text => query.bind(value.and_then(Value::as_str)),
                    };
                }
                query
                    .execute(&mut *tx)
                    .await
                    .map_err(|source| PortableError::Refused {
                        at: format!("tables.{}[{i}]", table.name),
                        source,
                    })?;
            }
        }
        tx.commit().await?;
        self.access_changed();
        Ok(counts)
    }

    /// `SELECT` every column of a table in primary-key order, text keys by their bytes on both
    /// databases (Postgres would sort by its locale otherwise).
    fn select_sql(&self, table: &Table) -> String {
        let order: Vec<String> = table
            .key
            .iter()
            .map(|k| match (self.backend, column(table, k).map(|c| c.kind)) {
                (Backend::Postgres, Some(Kind::Text)) => format!("{k} COLLATE \"C\""),
                _ => (*k).to_owned(),
            })
            .collect();
        format!(
            "SELECT {} FROM {} ORDER BY {}",
            names(table),
            table.name,
            order.join(", ")
        )
    }

    /// Refuses a database with a table or column the export does not carry, or without one it
    /// does: the document must hold every column of every table.
    async fn check_schema(&self, conn: &mut AnyConnection) -> Result<(), PortableError> {
        let (tables_sql, columns_sql) = match self.backend {
            Backend::Sqlite => (
                "SELECT name FROM sqlite_master WHERE type = 'table' \
                 AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations'",
                "SELECT name FROM pragma_table_info($1)",
            ),
            Backend::Postgres => (
                "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() \
                 AND table_type = 'BASE TABLE' AND table_name <> '_sqlx_migrations'",
                "SELECT column_name::text FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = $1",
            ),
        };
        let found: Vec<String> = sqlx::query_scalar(tables_sql).fetch_all(&mut *conn).await?;
        if let Some(t) = found
            .iter()
            .find(|t| !TABLES.iter().any(|x| x.name == *t) && !derived(t))
        {
            return Err(PortableError::Schema(format!(
                "table {t} is not one export-all knows"
            )));
        }
        for table in TABLES {
            let columns: Vec<String> = sqlx::query_scalar(columns_sql)
                .bind(table.name)
                .fetch_all(&mut *conn)
                .await?;
            if let Some(c) = columns
                .iter()
                .find(|c| column(table, c).is_none() && !derived(&format!("{}.{c}", table.name)))
            {
                return Err(PortableError::Schema(format!(
                    "column {}.{c} is not one export-all knows",
                    table.name
                )));
            }
            if let Some(c) = table
                .columns
                .iter()
                .find(|c| !columns.iter().any(|x| x == c.name))
            {
                return Err(PortableError::Schema(format!(
                    "column {}.{} is missing",
                    table.name, c.name
                )));
            }
        }
        Ok(())
    }
}

/// Whether a table (or `table.column`) is derived by the database from the exported data, or
/// holds no data at all, so it is neither exported nor imported: the search index (migration
/// 0007: SQLite's FTS5 table and its shadow tables, Postgres' generated `tsvector` column),
/// rebuilt by the database's own triggers and generated columns as the rows go in; and the row
/// `/readyz` rewrites (0008), which every database gets from its migration; the instance's
/// settings row (0016), which every database also gets from its migration, so a move keeps the
/// new database's (invite-only and SSO-only are set again by the administrator); and single
/// sign-on attempts in flight, which expire within minutes.
fn derived(name: &str) -> bool {
    name == "assessments.search"
        || name == "assessments_fts"
        || name.starts_with("assessments_fts_")
        || name == "write_probe"
        || name == "instance_settings"
        || name == "sso_attempts"
}

/// The latest migration this binary has for a backend.
fn schema(backend: Backend) -> i64 {
    let migrator = match backend {
        Backend::Sqlite => &SQLITE,
        Backend::Postgres => &POSTGRES,
    };
    migrator.iter().map(|m| m.version).max().unwrap_or(0)
}

fn column<'t>(table: &'t Table, name: &str) -> Option<&'t Column> {
    table.columns.iter().find(|c| c.name == name)
}

fn names(table: &Table) -> String {
    let names: Vec<&str> = table.columns.iter().map(|c| c.name).collect();
    names.join(", ")
}

fn insert_sql(table: &Table) -> String {
    let params: Vec<String> = (1..=table.columns.len()).map(|i| format!("${i}")).collect();
    format!(
        "INSERT INTO {} ({}) VALUES ({})",
        table.name,
        names(table),
        params.join(", ")
    )
}

/// Writes one row as a JSON object, its columns in table order.
fn write_row(out: &mut impl Write, table: &Table, row: &AnyRow) -> Result<(), PortableError> {
    for (i, c) in table.columns.iter().enumerate() {
        out.write_all(if i == 0 { b"{\"" } else { b",\"" })?;
        // Column names are plain identifiers: nothing to escape.
        out.write_all(c.name.as_bytes())?;
        out.write_all(b"\":")?;
        match c.kind {
            Kind::Int => serde_json::to_writer(&mut *out, &row.try_get::<Option<i64>, _>(i)?),
            Kind::Text => serde_json::to_writer(&mut *out, &row.try_get::<Option<String>, _>(i)?),
        }
        .map_err(std::io::Error::from)?;
    }
    out.write_all(b"}")?;
    Ok(())
}
