//! The relational API starter's database files: `migrations/001_items.sql` (the items table with
//! its unique (caller, idempotency key) constraint, the app user's role, grants and statement
//! timeout) and `scripts/migrate.sh`, which applies the migrations once each through the RDS Data
//! API and sets the app user's password from its secret.

use askama::Template;
use questionnaires::scaffold::{Auth, Plan, Relational};

use super::Files;

/// `migrations/001_items.sql`.
#[derive(Template)]
#[template(path = "scaffold/sam/relational/001_items.sql", escape = "none")]
struct Schema<'a> {
    plan: &'a Plan,
    db: &'a Relational,
}

impl Schema<'_> {
    /// Whether callers sign with IAM, so the caller column holds their ARN.
    fn iam(&self) -> bool {
        self.plan.api.as_ref().is_some_and(|a| a.auth == Auth::Iam)
    }
}

/// `scripts/migrate.sh`.
#[derive(Template)]
#[template(path = "scaffold/sam/relational/migrate.sh", escape = "none")]
struct Migrate<'a> {
    db: &'a Relational,
}

/// Adds the migration and the script that applies it.
pub(super) fn files(plan: &Plan, out: &mut Files) -> Result<(), String> {
    let db = plan
        .relational
        .as_ref()
        .ok_or("the relational_api plan has no database settings")?;
    out.add("migrations/001_items.sql", &Schema { plan, db })?;
    out.script("scripts/migrate.sh", &Migrate { db })
}
