//! The questionnaires an assessment can run on: the built-in review and the AWS Well-Architected
//! custom lenses teams import. An imported version never changes; the parsed questionnaire is
//! kept in a small cache keyed by lens id and content hash.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use questionnaires::Questionnaire;
use questionnaires::lens::{self, Finding};

use super::{AppContext, now_ms};
use crate::error::AppError;
use store::auth::{Actor, Role};
use store::{Assessment, LensRow, StoreError};

/// The largest lens accepted, as AWS's own tool: "A custom lens cannot exceed 500 KB in size."
pub const MAX_LENS_BYTES: usize = 500 * 1024;

/// Lens versions one team may store (each up to 500 KB): a bound on what one team's imports
/// can take of the database and of the caches.
pub const MAX_LENS_VERSIONS_PER_TEAM: i64 = 200;

/// Parsed lens versions kept at most before the cache starts over.
const CACHED: usize = 64;

/// A lens version by (id, content hash).
type Key = (String, String);

/// Parsed lens versions, shared by every request.
#[derive(Clone, Default)]
pub struct Lenses {
    parsed: Arc<Mutex<HashMap<Key, Arc<Questionnaire>>>>,
}

/// The built-in questionnaire, shared like an imported one.
pub fn builtin() -> Arc<Questionnaire> {
    static CELL: OnceLock<Arc<Questionnaire>> = OnceLock::new();
    CELL.get_or_init(|| Arc::new(questionnaires::builtin().clone()))
        .clone()
}

/// The questionnaire version string of a lens version.
pub fn version_label(version: i64) -> String {
    format!("v{version}")
}

impl Lenses {
    fn get(&self, key: &Key) -> Option<Arc<Questionnaire>> {
        self.parsed.lock().ok()?.get(key).cloned()
    }

    fn put(&self, key: Key, q: Arc<Questionnaire>) {
        if let Ok(mut map) = self.parsed.lock() {
            if map.len() >= CACHED {
                map.clear();
            }
            map.insert(key, q);
        }
    }
}

/// Parses a stored lens version, and renders its help into the Markdown cache: CPU work, run on
/// the blocking pool ([`super::heavy`]). It was linted when imported, so a failure is our
/// defect.
fn parse(row: &LensRow, source: &str) -> Result<Questionnaire, AppError> {
    lens::import(source, &row.id, &version_label(row.version))
        .map(|i| {
            super::warm_markdown(&i.questionnaire);
            i.questionnaire
        })
        .map_err(|findings| {
            AppError::Internal(format!(
                "stored lens {} v{} no longer imports: {}",
                row.id,
                row.version,
                findings
                    .iter()
                    .map(|f| f.message.as_str())
                    .collect::<Vec<_>>()
                    .join("; ")
            ))
        })
}

impl AppContext {
    /// The questionnaire an assessment runs on.
    pub async fn questionnaire_of(&self, a: &Assessment) -> Result<Arc<Questionnaire>, AppError> {
        self.questionnaire_by(&a.questionnaire_id, &a.questionnaire_hash)
            .await
    }

    /// A questionnaire by id and content hash. The built-in one is always its current content.
    pub async fn questionnaire_by(
        &self,
        id: &str,
        hash: &str,
    ) -> Result<Arc<Questionnaire>, AppError> {
        if id == self.builtin.id {
            return Ok(builtin());
        }
        let key = (id.to_owned(), hash.to_owned());
        if let Some(q) = self.lenses.get(&key) {
            super::portfolio::remember(id, hash, &q);
            return Ok(q);
        }
        let (row, source) = self
            .store
            .lens_by_hash(id, hash)
            .await
            .map_err(|e| match e {
                StoreError::NotFound(_) => AppError::Internal(format!(
                    "the questionnaire {id} ({hash}) of an assessment is missing"
                )),
                other => other.into(),
            })?;
        let q = Arc::new(
            self.heavy
                .run("parsing a stored lens", move || parse(&row, &source))
                .await??,
        );
        super::portfolio::remember(id, hash, &q);
        self.lenses.put(key, q.clone());
        Ok(q)
    }

    /// The teams whose lenses the actor sees: an API token sees its own team's only.
    pub async fn lens_teams(&self) -> Result<Vec<String>, AppError> {
        let user = self.user()?;
        Ok(match &self.actor {
            Actor::Token { team_id, .. } => vec![team_id.clone()],
            _ => self
                .store
                .teams_of(&user.id)
                .await?
                .into_iter()
                .map(|t| t.id)
                .collect(),
        })
    }

    /// Every version of a lens the actor may read with at least `need`: 404 otherwise.
    pub async fn lens_versions(&self, id: &str, need: Role) -> Result<Vec<LensRow>, AppError> {
        let rows = self.store.lens_versions(id).await?;
        let not_found = || AppError::NotFound(format!("There is no questionnaire `{id}`."));
        let team = rows
            .first()
            .map(|r| r.team_id.clone())
            .ok_or_else(not_found)?;
        self.team(&team, need).await.map_err(|e| match e {
            AppError::NotFound(_) => not_found(),
            other => other,
        })?;
        Ok(rows)
    }

    /// One version of a lens the actor may read, parsed, with its row.
    pub async fn lens(
        &self,
        id: &str,
        version: Option<i64>,
    ) -> Result<(LensRow, Arc<Questionnaire>), AppError> {
        let rows = self.lens_versions(id, Role::Viewer).await?;
        let row = match version {
            None => rows.into_iter().next(),
            Some(v) => rows.into_iter().find(|r| r.version == v),
        }
        .ok_or_else(|| AppError::NotFound(format!("Questionnaire `{id}` has no such version.")))?;
        let q = self.questionnaire_by(&row.id, &row.hash).await?;
        Ok((row, q))
    }

    /// Imports lens JSON into `team` as a new lens, or as the next version of the lens `into`.
    /// A file with errors changes nothing and comes back with every finding; a file identical to
    /// the latest version adds no version.
    pub async fn import_lens(
        &self,
        team: &str,
        into: Option<&str>,
        json: &str,
    ) -> Result<Import, AppError> {
        self.team(team, Role::Editor).await?;
        if json.len() > MAX_LENS_BYTES {
            return Err(AppError::BadInput(format!(
                "lens: the file is {} KB; a lens may be at most 500 KB",
                json.len().div_ceil(1024)
            )));
        }
        let stored = self.store.lens_version_count(team).await?;
        if stored >= MAX_LENS_VERSIONS_PER_TEAM {
            return Err(AppError::BadInput(format!(
                "lens: this team already stores {stored} questionnaire versions, the most a team \
                 may keep ({MAX_LENS_VERSIONS_PER_TEAM}); nothing was imported"
            )));
        }
        let previous = match into {
            Some(id) => {
                let rows = self.lens_versions(id, Role::Editor).await?;
                if rows.first().is_some_and(|r| r.team_id != team) {
                    return Err(AppError::BadInput(format!(
                        "team: questionnaire `{id}` belongs to another team"
                    )));
                }
                rows.into_iter().next()
            }
            None => None,
        };
        let id = match &previous {
            Some(p) => p.id.clone(),
            None => format!("lens-{}", &uuid::Uuid::new_v4().simple().to_string()[..12]),
        };
        let version = previous.as_ref().map_or(1, |p| p.version + 1);
        // Linting and building the questionnaire are CPU work: on the blocking pool, a few at a
        // time (see `super::heavy`).
        let (source, lens_id, label) = (json.to_owned(), id.clone(), version_label(version));
        let imported = self
            .heavy
            .run("importing a lens", move || {
                lens::import(&source, &lens_id, &label)
                    .inspect(|i| super::warm_markdown(&i.questionnaire))
            })
            .await?;
        let imported = match imported {
            Ok(i) => i,
            Err(findings) => return Ok(Import::Rejected(findings)),
        };
        let q = imported.questionnaire;
        if let Some(p) = previous.filter(|p| p.hash == q.content_hash) {
            return Ok(Import::Unchanged(p));
        }
        let warnings = serde_json::to_string(&imported.warnings)
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let user = self.user()?;
        let row = LensRow {
            id: id.clone(),
            version,
            team_id: team.to_owned(),
            name: imported.name,
            hash: q.content_hash.clone(),
            warnings,
            created_by: user.name.clone(),
            created_at: now_ms(),
        };
        self.store.insert_lens(&row, json).await.map_err(|e| match e {
            StoreError::Taken => AppError::Conflict(format!(
                "Someone imported version {version} of this questionnaire at the same time; import again to add yours after it."
            )),
            other => other.into(),
        })?;
        self.store
            .audit(
                team,
                &self.actor.label(),
                "questionnaire",
                &row.name,
                &format!("imported {id} v{version}"),
                row.created_at,
            )
            .await?;
        self.lenses.put((id, row.hash.clone()), Arc::new(q));
        Ok(Import::Imported {
            row,
            warnings: imported.warnings,
        })
    }
}

/// The questionnaires a new review can run on, as (form value, label): the built-in first
/// (value empty), then the latest version of each lens the actor sees.
pub async fn questionnaire_choices(c: &AppContext) -> Result<Vec<(String, String)>, AppError> {
    let mut out = vec![(String::new(), format!("{} (built in)", c.builtin.title))];
    let mut seen = std::collections::HashSet::new();
    for row in c.store.lenses(&c.lens_teams().await?).await? {
        if seen.insert(row.id.clone()) {
            out.push((
                row.id,
                format!("{} (imported lens, v{})", row.name, row.version),
            ));
        }
    }
    Ok(out)
}

/// What an import did.
#[derive(Debug)]
pub enum Import {
    /// A new version was stored.
    Imported {
        /// The version.
        row: LensRow,
        /// The linter's warnings.
        warnings: Vec<Finding>,
    },
    /// The file is the latest version already.
    Unchanged(LensRow),
    /// The file has errors; nothing was stored.
    Rejected(Vec<Finding>),
}
