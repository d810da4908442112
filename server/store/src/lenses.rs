//! The SQL of imported lenses: each version is inserted once and never changed.

use sqlx::FromRow;

use super::{Missing, Store, StoreError};

/// One version of an imported lens, without its JSON.
#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct LensRow {
    /// Public id, shared by every version; it is the questionnaire id of assessments on it.
    pub id: String,
    /// 1, 2, …
    pub version: i64,
    /// The team that imported it.
    pub team_id: String,
    /// The lens's name.
    pub name: String,
    /// The imported questionnaire's content hash.
    pub hash: String,
    /// The linter's warnings at import, as JSON.
    pub warnings: String,
    /// Who imported it.
    pub created_by: String,
    /// Unix ms.
    pub created_at: i64,
}

const COLUMNS: &str = "id, version, team_id, name, hash, warnings, created_by, created_at";

impl Store {
    /// Adds a lens version. A version number taken meanwhile by another import is a conflict.
    pub async fn insert_lens(&self, row: &LensRow, source: &str) -> Result<(), StoreError> {
        let done = self.writer.execute(sqlx::query(
            "INSERT INTO lenses (id, version, team_id, name, hash, source, warnings, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id, version) DO NOTHING",
        )
        .bind(&row.id)
        .bind(row.version)
        .bind(&row.team_id)
        .bind(&row.name)
        .bind(&row.hash)
        .bind(source)
        .bind(&row.warnings)
        .bind(&row.created_by)
        .bind(row.created_at)
        )
        .await?;
        if done.rows_affected() == 1 {
            Ok(())
        } else {
            Err(StoreError::Taken)
        }
    }

    /// How many lens versions a team stores.
    pub async fn lens_version_count(&self, team_id: &str) -> Result<i64, StoreError> {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM lenses WHERE team_id = $1")
            .bind(team_id)
            .fetch_one(&self.pool)
            .await?;
        Ok(n)
    }

    /// Every version of the lenses of these teams, by name, then newest version first.
    pub async fn lenses(&self, team_ids: &[String]) -> Result<Vec<LensRow>, StoreError> {
        let mut out = Vec::new();
        for team in team_ids {
            let sql = format!(
                "SELECT {COLUMNS} FROM lenses WHERE team_id = $1 ORDER BY id, version DESC"
            );
            out.extend(
                sqlx::query_as::<_, LensRow>(sqlx::AssertSqlSafe(sql))
                    .bind(team)
                    .fetch_all(&self.pool)
                    .await?,
            );
        }
        out.sort_by(|a, b| {
            (a.name.to_lowercase(), &a.id, -a.version).cmp(&(
                b.name.to_lowercase(),
                &b.id,
                -b.version,
            ))
        });
        Ok(out)
    }

    /// Every version of one lens, newest first.
    pub async fn lens_versions(&self, id: &str) -> Result<Vec<LensRow>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM lenses WHERE id = $1 ORDER BY version DESC");
        Ok(sqlx::query_as::<_, LensRow>(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_all(&self.pool)
            .await?)
    }

    /// One version of a lens with its JSON as uploaded.
    pub async fn lens(&self, id: &str, version: i64) -> Result<(LensRow, String), StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM lenses WHERE id = $1 AND version = $2");
        let row = sqlx::query_as::<_, LensRow>(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .bind(version)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound(Missing::Lens))?;
        let source: String =
            sqlx::query_scalar("SELECT source FROM lenses WHERE id = $1 AND version = $2")
                .bind(id)
                .bind(version)
                .fetch_one(&self.pool)
                .await?;
        Ok((row, source))
    }

    /// The version of a lens with this content hash, with its JSON.
    pub async fn lens_by_hash(
        &self,
        id: &str,
        hash: &str,
    ) -> Result<(LensRow, String), StoreError> {
        let version: i64 = sqlx::query_scalar(
            "SELECT version FROM lenses WHERE id = $1 AND hash = $2 ORDER BY version LIMIT 1",
        )
        .bind(id)
        .bind(hash)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound(Missing::Lens))?;
        self.lens(id, version).await
    }
}
