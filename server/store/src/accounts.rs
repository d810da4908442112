//! The SQL of accounts, sessions, teams, invites, share links, API tokens and the audit log.
//!
//! Secrets arrive here already split (see [`crate::auth`]): rows are found by their public id and
//! the secret's hash is checked in constant time by the caller's helper, never in SQL.

use sqlx::FromRow;

use super::{Missing, Store, StoreError};
use crate::auth::{self, Role, User};

#[derive(FromRow)]
struct UserRow {
    id: String,
    email: String,
    name: String,
    is_admin: i64,
}

impl From<UserRow> for User {
    fn from(r: UserRow) -> User {
        User {
            id: r.id,
            email: r.email,
            name: r.name,
            is_admin: r.is_admin != 0,
        }
    }
}

/// A team with the role of the member asking.
#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct TeamRow {
    /// Random id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// The asking member's role.
    pub role: String,
}

/// A member of a team.
#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct MemberRow {
    /// User id.
    pub user_id: String,
    /// Display name.
    pub name: String,
    /// Email.
    pub email: String,
    /// Role.
    pub role: String,
}

/// A share link, without its secret.
#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct ShareLinkRow {
    /// Public id.
    pub id: String,
    /// Who made it.
    pub created_by: String,
    /// Unix ms.
    pub created_at: i64,
    /// Unix ms, if it expires.
    pub expires_at: Option<i64>,
    /// Unix ms, if revoked.
    pub revoked_at: Option<i64>,
}

/// An API token, without its secret.
#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct TokenRow {
    /// Public id.
    pub id: String,
    /// What it is for.
    pub name: String,
    /// The team it reaches.
    pub team_id: String,
    /// Unix ms.
    pub created_at: i64,
    /// Unix ms.
    pub last_used_at: Option<i64>,
    /// Unix ms, if revoked.
    pub revoked_at: Option<i64>,
}

/// One audit entry.
#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct AuditRow {
    /// Unix ms.
    pub at: i64,
    /// Who.
    pub actor: String,
    /// What kind of change (`answer`, `checklist`, `membership`, `share-link`, …).
    pub action: String,
    /// What it changed.
    pub target: String,
    /// The new value, readable.
    pub detail: String,
}

/// Where an invite leads.
#[derive(Debug, Clone, PartialEq)]
pub struct InviteRow {
    /// The team.
    pub team_id: String,
    /// The team's name.
    pub team_name: String,
    /// The role it grants.
    pub role: Role,
}

/// What became of an invite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InviteState {
    /// It still opens the team.
    Open,
    /// Someone joined with it (it works once).
    Used,
    /// An owner took it back.
    Revoked,
    /// Its time ran out.
    Expired,
}

/// An invite as its link shows it: where it leads, who made it, and what became of it.
#[derive(Debug, Clone, PartialEq)]
pub struct InviteDetails {
    /// Public id.
    pub id: String,
    /// Where it leads.
    pub invite: InviteRow,
    /// Who made it (their name, as the audit log names them).
    pub created_by: String,
    /// Unix ms.
    pub expires_at: i64,
    /// Whether it still opens the team, and if not, why.
    pub state: InviteState,
}

/// An invite nobody has used, revoked or outlived yet, without its secret.
#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct PendingInviteRow {
    /// Public id.
    pub id: String,
    /// The role it grants.
    pub role: String,
    /// Who made it.
    pub created_by: String,
    /// Unix ms.
    pub created_at: i64,
    /// Unix ms.
    pub expires_at: i64,
}

/// The columns an invite link reads.
type InviteLinkRow = (
    String,
    String,
    String,
    String,
    String,
    i64,
    Option<i64>,
    Option<i64>,
);

/// A token's hash, team and revocation, with its owner's id, email, name and admin flag.
type TokenOwnerRow = (String, String, Option<i64>, String, String, String, i64);

const USER_COLUMNS: &str = "id, email, name, is_admin";

fn uuid() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

impl Store {
    /// Creates an account with its own team (it owns it). The first account of an installation
    /// is the admin, and adopts the assessments made before accounts existed.
    pub async fn create_user(
        &self,
        email: &str,
        name: &str,
        password_hash: &str,
        now: i64,
    ) -> Result<(User, String), StoreError> {
        self.create_account(email, name, password_hash, now, None)
            .await
    }

    /// Creates an account as [`Store::create_user`] does, signed in: with the session `secret`
    /// (valid until `expires_at`), in the same transaction, so a sign-up is stored whole or not
    /// at all.
    pub async fn create_user_signed_in(
        &self,
        email: &str,
        name: &str,
        password_hash: &str,
        now: i64,
        secret: &auth::NewSecret,
        expires_at: i64,
    ) -> Result<(User, String), StoreError> {
        self.create_account(email, name, password_hash, now, Some((secret, expires_at)))
            .await
    }

    async fn create_account(
        &self,
        email: &str,
        name: &str,
        password_hash: &str,
        now: i64,
        session: Option<(&auth::NewSecret, i64)>,
    ) -> Result<(User, String), StoreError> {
        self.create_account_admitted(email, name, password_hash, now, session, None)
            .await
    }

    /// Creates an account as [`Store::create_user_signed_in`] does, after the instance's sign-up
    /// rule ([`crate::sso::InstanceSettings::invite_only`]) admits it, in the same transaction:
    /// with invite-only sign-up, only the first account, or one that comes with a live invite
    /// (`invite`: its id and where it leads), which is used up and joins its team at once.
    pub async fn create_user_invited(
        &self,
        email: &str,
        name: &str,
        password_hash: &str,
        now: i64,
        session: (&auth::NewSecret, i64),
        invite: Option<(&str, &InviteRow)>,
    ) -> Result<(User, String), StoreError> {
        self.create_account_admitted(email, name, password_hash, now, Some(session), Some(invite))
            .await
    }

    async fn create_account_admitted(
        &self,
        email: &str,
        name: &str,
        password_hash: &str,
        now: i64,
        session: Option<(&auth::NewSecret, i64)>,
        admission: Option<Option<(&str, &InviteRow)>>,
    ) -> Result<(User, String), StoreError> {
        let mut tx = self.writer.begin().await?;
        if let Some(invite) = admission {
            crate::sso::admit(&mut tx, invite, now).await?;
        }
        let (user, team) = insert_account(&mut tx, email, name, password_hash, now).await?;
        if let Some(Some((invite_id, invite))) = admission {
            crate::sso::join(&mut tx, invite_id, invite, &user.id, now).await?;
        }
        if let Some((secret, expires_at)) = session {
            insert_session(&mut tx, secret, &user.id, now, expires_at).await?;
        }
        tx.commit().await?;
        self.access_changed();
        Ok((user, team))
    }

    /// Whether any account exists yet (the first one becomes the administrator).
    pub async fn has_accounts(&self) -> Result<bool, StoreError> {
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM (SELECT 1 FROM users LIMIT 1) AS one")
                .fetch_one(&self.pool)
                .await?;
        Ok(n > 0)
    }

    /// An account and its password hash, by email.
    pub async fn user_by_email(&self, email: &str) -> Result<Option<(User, String)>, StoreError> {
        let row: Option<(String, String, String, i64, String)> = sqlx::query_as(
            "SELECT id, email, name, is_admin, password_hash FROM users WHERE email = $1",
        )
        .bind(email)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(id, email, name, is_admin, hash)| {
            (
                User {
                    id,
                    email,
                    name,
                    is_admin: is_admin != 0,
                },
                hash,
            )
        }))
    }

    /// Starts a session.
    pub async fn create_session(
        &self,
        secret: &auth::NewSecret,
        user_id: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        self.writer.execute(sqlx::query(
            "INSERT INTO sessions (id, secret_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&secret.id)
        .bind(&secret.hash)
        .bind(user_id)
        .bind(now)
        .bind(expires_at)
        )
        .await?;
        Ok(())
    }

    /// The user of a live session, if `token` is one.
    pub async fn session_user(
        &self,
        token: &str,
        now: i64,
    ) -> Result<Option<(User, String)>, StoreError> {
        let Some((id, secret)) = auth::split_secret("s", token) else {
            return Ok(None);
        };
        if let Some(hit) = self.cached_session(id) {
            return Ok((hit.2 > now && auth::secret_matches(secret, &hit.0))
                .then(|| (hit.1, id.to_owned())));
        }
        let sql = format!(
            "SELECT s.secret_hash, s.expires_at, {} FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = $1",
            USER_COLUMNS
                .split(", ")
                .map(|c| format!("u.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let row: Option<(String, i64, String, String, String, i64)> =
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        let Some((hash, expires_at, uid, email, name, is_admin)) = row else {
            return Ok(None);
        };
        let user = User {
            id: uid,
            email,
            name,
            is_admin: is_admin != 0,
        };
        self.cache_session(id, (hash.clone(), user.clone(), expires_at));
        Ok(
            (expires_at > now && auth::secret_matches(secret, &hash))
                .then(|| (user, id.to_owned())),
        )
    }

    /// Deletes the sessions that expired before `now` (they open nothing, but would stay
    /// forever); returns how many.
    pub async fn purge_expired_sessions(&self, now: i64) -> Result<u64, StoreError> {
        let done = self
            .writer
            .execute(sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(now))
            .await?;
        if done.rows_affected() > 0 {
            self.access_changed();
        }
        Ok(done.rows_affected())
    }

    /// Ends a session.
    pub async fn delete_session(&self, id: &str) -> Result<(), StoreError> {
        self.writer
            .execute(sqlx::query("DELETE FROM sessions WHERE id = $1").bind(id))
            .await?;
        self.access_changed();
        Ok(())
    }

    /// The teams of a user, with the user's role in each, by name.
    pub async fn teams_of(&self, user_id: &str) -> Result<Vec<TeamRow>, StoreError> {
        Ok(sqlx::query_as::<_, TeamRow>(
            "SELECT t.id, t.name, m.role FROM teams t JOIN memberships m ON m.team_id = t.id \
             WHERE m.user_id = $1 ORDER BY t.name, t.id",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// A user's role in a team, if a member.
    pub async fn role(&self, user_id: &str, team_id: &str) -> Result<Option<Role>, StoreError> {
        if let Some(hit) = self.cached_role(user_id, team_id) {
            return Ok(hit);
        }
        let role: Option<String> =
            sqlx::query_scalar("SELECT role FROM memberships WHERE team_id = $1 AND user_id = $2")
                .bind(team_id)
                .bind(user_id)
                .fetch_optional(&self.pool)
                .await?;
        let role = role.as_deref().and_then(Role::parse);
        self.cache_role(user_id, team_id, role);
        Ok(role)
    }

    /// A team's name.
    pub async fn team_name(&self, team_id: &str) -> Result<String, StoreError> {
        sqlx::query_scalar("SELECT name FROM teams WHERE id = $1")
            .bind(team_id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound(Missing::Team))
    }

    /// Renames a team.
    pub async fn rename_team(&self, team_id: &str, name: &str) -> Result<(), StoreError> {
        self.writer
            .execute(
                sqlx::query("UPDATE teams SET name = $1 WHERE id = $2")
                    .bind(name)
                    .bind(team_id),
            )
            .await?;
        Ok(())
    }

    /// A team's members, owners first.
    pub async fn members(&self, team_id: &str) -> Result<Vec<MemberRow>, StoreError> {
        Ok(sqlx::query_as::<_, MemberRow>(
            "SELECT u.id AS user_id, u.name, u.email, m.role FROM memberships m JOIN users u ON u.id = m.user_id \
             WHERE m.team_id = $1 ORDER BY CASE m.role WHEN 'owner' THEN 0 WHEN 'editor' THEN 1 ELSE 2 END, u.name",
        )
        .bind(team_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Makes a team with `owner` as its only member, its owner; the new team's id.
    pub async fn create_team(
        &self,
        name: &str,
        owner: &str,
        now: i64,
    ) -> Result<String, StoreError> {
        let id = uuid();
        let mut tx = self.writer.begin().await?;
        sqlx::query("INSERT INTO teams (id, name, created_at) VALUES ($1, $2, $3)")
            .bind(&id)
            .bind(name)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO memberships (team_id, user_id, role, created_at) VALUES ($1, $2, 'owner', $3)",
        )
        .bind(&id)
        .bind(owner)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.access_changed();
        Ok(id)
    }

    /// Changes a member's role, or removes them (`None`). A team always keeps an owner: the
    /// team's row is locked first (Postgres), so two owners demoted at once cannot both see
    /// the other still an owner. `NotFound` when the user is no longer a member.
    pub async fn set_member(
        &self,
        team_id: &str,
        user_id: &str,
        role: Option<Role>,
    ) -> Result<(), StoreError> {
        let mut tx = self.writer.begin().await?;
        sqlx::query("UPDATE teams SET name = name WHERE id = $1")
            .bind(team_id)
            .execute(&mut *tx)
            .await?;
        let changed = match role {
            Some(r) => {
                sqlx::query("UPDATE memberships SET role = $1 WHERE team_id = $2 AND user_id = $3")
                    .bind(r.as_str())
                    .bind(team_id)
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?
            }
            None => {
                sqlx::query("DELETE FROM memberships WHERE team_id = $1 AND user_id = $2")
                    .bind(team_id)
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?
            }
        };
        if changed.rows_affected() == 0 {
            return Err(StoreError::NotFound(Missing::Member));
        }
        let owners: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM memberships WHERE team_id = $1 AND role = 'owner'",
        )
        .bind(team_id)
        .fetch_one(&mut *tx)
        .await?;
        if owners == 0 {
            return Err(StoreError::LastOwner);
        }
        tx.commit().await?;
        self.access_changed();
        Ok(())
    }

    /// Records a one-time invite.
    pub async fn create_invite(
        &self,
        secret: &auth::NewSecret,
        team_id: &str,
        role: Role,
        by: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        self.writer.execute(sqlx::query(
            "INSERT INTO invites (id, secret_hash, team_id, role, created_by, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&secret.id)
        .bind(&secret.hash)
        .bind(team_id)
        .bind(role.as_str())
        .bind(by)
        .bind(now)
        .bind(expires_at)
        )
        .await?;
        Ok(())
    }

    /// The invite a link holds, whatever became of it (`None`: no such invite, or the secret
    /// does not match).
    pub async fn invite_details(
        &self,
        token: &str,
        now: i64,
    ) -> Result<Option<InviteDetails>, StoreError> {
        let Some((id, secret)) = auth::split_secret("inv", token) else {
            return Ok(None);
        };
        let row: Option<InviteLinkRow> = sqlx::query_as(
            "SELECT i.secret_hash, i.team_id, t.name, i.role, i.created_by, i.expires_at, i.used_at, \
             i.revoked_at FROM invites i JOIN teams t ON t.id = i.team_id WHERE i.id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        let Some((hash, team_id, team_name, role, created_by, expires_at, used_at, revoked_at)) =
            row
        else {
            return Ok(None);
        };
        let Some(role) = Role::parse(&role).filter(|_| auth::secret_matches(secret, &hash)) else {
            return Ok(None);
        };
        let state = if used_at.is_some() {
            InviteState::Used
        } else if revoked_at.is_some() {
            InviteState::Revoked
        } else if expires_at <= now {
            InviteState::Expired
        } else {
            InviteState::Open
        };
        Ok(Some(InviteDetails {
            id: id.to_owned(),
            invite: InviteRow {
                team_id,
                team_name,
                role,
            },
            created_by,
            expires_at,
            state,
        }))
    }

    /// The team an unused, unrevoked, unexpired invite leads to.
    pub async fn invite(
        &self,
        token: &str,
        now: i64,
    ) -> Result<Option<(String, InviteRow)>, StoreError> {
        Ok(self
            .invite_details(token, now)
            .await?
            .filter(|d| d.state == InviteState::Open)
            .map(|d| (d.id, d.invite)))
    }

    /// A team's invites still waiting to be used, newest first.
    pub async fn pending_invites(
        &self,
        team_id: &str,
        now: i64,
    ) -> Result<Vec<PendingInviteRow>, StoreError> {
        Ok(sqlx::query_as::<_, PendingInviteRow>(
            "SELECT id, role, created_by, created_at, expires_at FROM invites \
             WHERE team_id = $1 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $2 \
             ORDER BY created_at DESC, id",
        )
        .bind(team_id)
        .bind(now)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Revokes a team's invite that is still waiting; returns it as it was (`NotFound` when it
    /// was used, revoked or expired already, or is another team's).
    pub async fn revoke_invite(
        &self,
        team_id: &str,
        id: &str,
        now: i64,
    ) -> Result<PendingInviteRow, StoreError> {
        let pending = self
            .pending_invites(team_id, now)
            .await?
            .into_iter()
            .find(|i| i.id == id)
            .ok_or(StoreError::NotFound(Missing::Invite))?;
        // The same conditions again: an invite used in between stays used, and is not revoked.
        let done = self
            .writer
            .execute(
                sqlx::query(
                    "UPDATE invites SET revoked_at = $1 WHERE id = $2 AND team_id = $3 \
                     AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $1",
                )
                .bind(now)
                .bind(id)
                .bind(team_id),
            )
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(Missing::Invite));
        }
        Ok(pending)
    }

    /// Uses an invite once: the user joins its team (keeping a higher role they already had).
    pub async fn accept_invite(
        &self,
        invite_id: &str,
        invite: &InviteRow,
        user_id: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.writer.begin().await?;
        let used = sqlx::query(
            "UPDATE invites SET used_by = $1, used_at = $2 \
             WHERE id = $3 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $2",
        )
        .bind(user_id)
        .bind(now)
        .bind(invite_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if used == 0 {
            return Err(StoreError::NotFound(Missing::Invite));
        }
        sqlx::query(
            "INSERT INTO memberships (team_id, user_id, role, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (team_id, user_id) DO NOTHING",
        )
        .bind(&invite.team_id)
        .bind(user_id)
        .bind(invite.role.as_str())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.access_changed();
        Ok(())
    }

    /// Records a share link. The assessment's revision moves with it, in the same transaction:
    /// its results page lists the links.
    pub async fn create_share_link(
        &self,
        secret: &auth::NewSecret,
        assessment_id: &str,
        by: &str,
        now: i64,
        expires_at: Option<i64>,
    ) -> Result<(), StoreError> {
        let mut tx = self.writer.begin().await?;
        sqlx::query(
            "INSERT INTO share_links (id, secret_hash, assessment_id, created_by, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&secret.id)
        .bind(&secret.hash)
        .bind(assessment_id)
        .bind(by)
        .bind(now)
        .bind(expires_at)
        .execute(&mut *tx)
        .await?;
        self.finish_write(tx, assessment_id, true, now).await
    }

    /// An assessment's share links, newest first.
    pub async fn share_links(&self, assessment_id: &str) -> Result<Vec<ShareLinkRow>, StoreError> {
        Ok(sqlx::query_as::<_, ShareLinkRow>(
            "SELECT id, created_by, created_at, expires_at, revoked_at FROM share_links \
             WHERE assessment_id = $1 ORDER BY created_at DESC, id",
        )
        .bind(assessment_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Revokes a share link of an assessment; its revision moves with it, as for a new link.
    pub async fn revoke_share_link(
        &self,
        assessment_id: &str,
        id: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.writer.begin().await?;
        let done = sqlx::query(
            "UPDATE share_links SET revoked_at = $1 WHERE id = $2 AND assessment_id = $3 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(id)
        .bind(assessment_id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            tx.rollback().await?;
            return Err(StoreError::NotFound(Missing::ShareLink));
        }
        self.finish_write(tx, assessment_id, true, now).await?;
        self.access_changed();
        Ok(())
    }

    /// Runs a revoking `UPDATE` (`$1` now, `$2` the id, `$3` its owner): `NotFound` when nothing
    /// live matched, and cached access is forgotten when something did.
    async fn revoke(
        &self,
        what: Missing,
        sql: &'static str,
        id: &str,
        owner: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        let done = self
            .writer
            .execute(sqlx::query(sql).bind(now).bind(id).bind(owner))
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(what));
        }
        self.access_changed();
        Ok(())
    }

    /// The assessment a live share link opens.
    pub async fn shared_assessment(
        &self,
        token: &str,
        now: i64,
    ) -> Result<Option<String>, StoreError> {
        let Some((id, secret)) = auth::split_secret("shr", token) else {
            return Ok(None);
        };
        let row: Option<(String, String, Option<i64>, Option<i64>)> = sqlx::query_as(
            "SELECT secret_hash, assessment_id, expires_at, revoked_at FROM share_links WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.and_then(|(hash, assessment, expires_at, revoked_at)| {
            (auth::secret_matches(secret, &hash)
                && revoked_at.is_none()
                && expires_at.is_none_or(|e| e > now))
            .then_some(assessment)
        }))
    }

    /// Records an API token.
    pub async fn create_api_token(
        &self,
        secret: &auth::NewSecret,
        user_id: &str,
        team_id: &str,
        name: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        self.writer.execute(sqlx::query(
            "INSERT INTO api_tokens (id, secret_hash, user_id, team_id, name, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&secret.id)
        .bind(&secret.hash)
        .bind(user_id)
        .bind(team_id)
        .bind(name)
        .bind(now)
        )
        .await?;
        Ok(())
    }

    /// A user's API tokens, newest first.
    pub async fn api_tokens(&self, user_id: &str) -> Result<Vec<TokenRow>, StoreError> {
        Ok(sqlx::query_as::<_, TokenRow>(
            "SELECT id, name, team_id, created_at, last_used_at, revoked_at FROM api_tokens \
             WHERE user_id = $1 ORDER BY created_at DESC, id",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Revokes one of a user's API tokens.
    pub async fn revoke_api_token(
        &self,
        user_id: &str,
        id: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        self.revoke(
            Missing::ApiToken,
            "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL",
            id,
            user_id,
            now,
        )
        .await
    }

    /// The user and team of a live API token; notes when it was last used (to the minute).
    pub async fn token_user(
        &self,
        token: &str,
        now: i64,
    ) -> Result<Option<(User, String)>, StoreError> {
        let Some((id, secret)) = auth::split_secret("trl", token) else {
            return Ok(None);
        };
        let row: Option<TokenOwnerRow> = sqlx::query_as(
            "SELECT t.secret_hash, t.team_id, t.revoked_at, u.id, u.email, u.name, u.is_admin \
             FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        let Some((hash, team_id, revoked_at, uid, email, name, is_admin)) = row else {
            return Ok(None);
        };
        if revoked_at.is_some() || !auth::secret_matches(secret, &hash) {
            return Ok(None);
        }
        self.writer.execute(sqlx::query(
            "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $3)",
        )
        .bind(now)
        .bind(id)
        .bind(now - 60_000)
        )
        .await?;
        Ok(Some((
            User {
                id: uid,
                email,
                name,
                is_admin: is_admin != 0,
            },
            team_id,
        )))
    }

    /// Appends to a team's audit log.
    pub async fn audit(
        &self,
        team_id: &str,
        actor: &str,
        action: &str,
        target: &str,
        detail: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.writer.begin().await?;
        insert_audit(&mut tx, team_id, actor, action, target, detail, now).await?;
        Ok(tx.commit().await?)
    }

    /// A team's latest audit entries, newest first.
    pub async fn audit_log(&self, team_id: &str, limit: i64) -> Result<Vec<AuditRow>, StoreError> {
        Ok(sqlx::query_as::<_, AuditRow>(
            "SELECT at, actor, action, target, detail FROM audit_log WHERE team_id = $1 \
             ORDER BY at DESC, id LIMIT $2",
        )
        .bind(team_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }
}

/// Appends to a team's audit log on `conn` (in the caller's transaction, if it has one).
pub(super) async fn insert_audit(
    conn: &mut sqlx::AnyConnection,
    team_id: &str,
    actor: &str,
    action: &str,
    target: &str,
    detail: &str,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO audit_log (id, team_id, at, actor, action, target, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(uuid())
    .bind(team_id)
    .bind(now)
    .bind(actor)
    .bind(action)
    .bind(target)
    .bind(detail)
    .execute(conn)
    .await?;
    Ok(())
}

/// Inserts an account with its own team (it owns it), on a transaction. The first account of an
/// installation is the admin, and adopts the assessments made before accounts existed.
pub(crate) async fn insert_account(
    conn: &mut sqlx::AnyConnection,
    email: &str,
    name: &str,
    password_hash: &str,
    now: i64,
) -> Result<(User, String), StoreError> {
    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(&mut *conn)
        .await?;
    let id = uuid();
    let is_admin = users == 0;
    let inserted = sqlx::query(
        "INSERT INTO users (id, email, name, password_hash, is_admin, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (email) DO NOTHING",
    )
    .bind(&id)
    .bind(email)
    .bind(name)
    .bind(password_hash)
    .bind(i64::from(is_admin))
    .bind(now)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if inserted == 0 {
        return Err(StoreError::Taken);
    }
    let team = uuid();
    sqlx::query("INSERT INTO teams (id, name, created_at) VALUES ($1, $2, $3)")
        .bind(&team)
        .bind(format!("{name}'s team"))
        .bind(now)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO memberships (team_id, user_id, role, created_at) VALUES ($1, $2, 'owner', $3)",
    )
    .bind(&team)
    .bind(&id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    if is_admin {
        sqlx::query("UPDATE assessments SET team_id = $1 WHERE team_id IS NULL")
            .bind(&team)
            .execute(&mut *conn)
            .await?;
        sqlx::query("UPDATE review_summaries SET team_id = $1 WHERE team_id IS NULL")
            .bind(&team)
            .execute(&mut *conn)
            .await?;
    }
    Ok((
        User {
            id,
            email: email.to_owned(),
            name: name.to_owned(),
            is_admin,
        },
        team,
    ))
}

/// Inserts a session, on a transaction.
pub(crate) async fn insert_session(
    conn: &mut sqlx::AnyConnection,
    secret: &auth::NewSecret,
    user_id: &str,
    now: i64,
    expires_at: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO sessions (id, secret_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&secret.id)
    .bind(&secret.hash)
    .bind(user_id)
    .bind(now)
    .bind(expires_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
