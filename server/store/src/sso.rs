//! The SQL of single sign-on and of the accounts an administrator runs: the instance's settings
//! (invite-only sign-up, single sign-on only), sign-ins in flight at an OpenID provider, the
//! accounts' identities there (issuer and subject), the memberships a groups mapping grants, a
//! password change and "sign out everywhere".
//!
//! Each change is one transaction: a sign-in through the provider finds or makes the account,
//! applies the mapping and starts the session together, or does none of it.

use sqlx::AnyConnection;

use super::accounts::{InviteRow, insert_account, insert_session};
use super::{Missing, Store, StoreError};
use crate::auth::{self, Role, User};

/// The instance's settings, changed by its administrator.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InstanceSettings {
    /// After the first account, sign-up needs an invite link.
    pub invite_only: bool,
    /// Passwords are off: sign-in and sign-up go through the OpenID provider only.
    pub sso_only: bool,
    /// Unix ms of the last change (0: never changed).
    pub updated_at: i64,
    /// Who changed them last.
    pub updated_by: String,
}

/// A sign-in in flight at the provider, as stored when it started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoAttempt {
    /// The nonce the ID token must carry.
    pub nonce: String,
    /// The PKCE code verifier.
    pub pkce_verifier: String,
    /// Where to go once signed in.
    pub next: String,
}

/// Who the provider says signed in, and what the groups mapping gives them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoIdentity {
    /// The provider's issuer URL.
    pub issuer: String,
    /// The subject: the provider's id of the person.
    pub subject: String,
    /// The email, lowercased (may be empty when the provider sends none).
    pub email: String,
    /// Whether the provider vouches for the email (`email_verified`).
    pub email_verified: bool,
    /// The display name.
    pub name: String,
    /// The teams (by name) and roles the groups mapping gives, when a mapping is configured
    /// (`None`: no mapping, memberships are left alone).
    pub teams: Option<Vec<(String, Role)>>,
}

/// What a sign-in through the provider did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoOutcome {
    /// The account.
    pub user: User,
    /// Made by this sign-in.
    pub created: bool,
    /// Linked to an account that had only a password until now.
    pub linked: bool,
}

/// Why a sign-in through the provider was refused.
pub const EMAIL_NOT_VERIFIED: &str = "An account with this email exists already, and the provider does not say the email is verified, so the two were not joined. Sign in with the password, or ask the provider's administrator to verify the email.";
/// The provider sent no email, and the account would need one.
pub const NO_EMAIL: &str = "The provider did not send an email address for this account (ask for the `email` scope), so no account could be made.";

fn flag(b: bool) -> i64 {
    i64::from(b)
}

impl Store {
    /// The instance's settings.
    pub async fn instance_settings(&self) -> Result<InstanceSettings, StoreError> {
        let row: Option<(i64, i64, i64, String)> = sqlx::query_as(
            "SELECT invite_only, sso_only, updated_at, updated_by FROM instance_settings WHERE id = 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        Ok(
            row.map_or_else(InstanceSettings::default, |(i, s, at, by)| {
                InstanceSettings {
                    invite_only: i != 0,
                    sso_only: s != 0,
                    updated_at: at,
                    updated_by: by,
                }
            }),
        )
    }

    /// Changes the instance's settings.
    pub async fn set_instance_settings(
        &self,
        invite_only: bool,
        sso_only: bool,
        by: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        self.writer
            .execute(
                sqlx::query(
                    "UPDATE instance_settings SET invite_only = $1, sso_only = $2, updated_at = $3, \
                     updated_by = $4 WHERE id = 1",
                )
                .bind(flag(invite_only))
                .bind(flag(sso_only))
                .bind(now)
                .bind(by),
            )
            .await?;
        Ok(())
    }

    /// An account's password hash (empty for an account that signs in through the provider
    /// only).
    pub async fn password_hash(&self, user_id: &str) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
                .bind(user_id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Sets an account's password and ends its other sessions (all but `keep`), in one
    /// transaction; returns how many sessions ended.
    pub async fn change_password(
        &self,
        user_id: &str,
        hash: &str,
        keep: Option<&str>,
    ) -> Result<u64, StoreError> {
        let mut tx = self.writer.begin().await?;
        let done = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(hash)
            .bind(user_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if done == 0 {
            return Err(StoreError::NotFound(Missing::Team));
        }
        let ended = end_sessions(&mut tx, user_id, keep).await?;
        tx.commit().await?;
        self.access_changed();
        Ok(ended)
    }

    /// Ends every session of an account but `keep` (none: all of them); returns how many.
    /// API tokens are not sessions, and go on working.
    pub async fn end_sessions(&self, user_id: &str, keep: Option<&str>) -> Result<u64, StoreError> {
        let mut tx = self.writer.begin().await?;
        let ended = end_sessions(&mut tx, user_id, keep).await?;
        tx.commit().await?;
        self.access_changed();
        Ok(ended)
    }

    /// Records a sign-in that starts at the provider; expired ones are swept away on the way.
    pub async fn begin_sso(
        &self,
        state_hash: &str,
        attempt: &SsoAttempt,
        now: i64,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.writer.begin().await?;
        sqlx::query("DELETE FROM sso_attempts WHERE expires_at <= $1")
            .bind(now)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO sso_attempts (state_hash, nonce, pkce_verifier, next, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(state_hash)
        .bind(&attempt.nonce)
        .bind(&attempt.pkce_verifier)
        .bind(&attempt.next)
        .bind(now)
        .bind(expires_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Takes a sign-in in flight by its state's hash: once only (a second callback with the same
    /// state finds nothing), and only while it is live.
    pub async fn take_sso_attempt(
        &self,
        state_hash: &str,
        now: i64,
    ) -> Result<Option<SsoAttempt>, StoreError> {
        let mut tx = self.writer.begin().await?;
        let row: Option<(String, String, String, i64)> = sqlx::query_as(
            "DELETE FROM sso_attempts WHERE state_hash = $1 \
             RETURNING nonce, pkce_verifier, next, expires_at",
        )
        .bind(state_hash)
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(row
            .filter(|r| r.3 > now)
            .map(|(nonce, pkce_verifier, next, _)| SsoAttempt {
                nonce,
                pkce_verifier,
                next,
            }))
    }

    /// Signs in the person the provider vouched for, in one transaction: finds their account by
    /// issuer and subject; else links the account with the same email when the provider says the
    /// email is verified; else makes one (with no password). Then applies the groups mapping and
    /// starts the session `secret`.
    pub async fn sso_sign_in(
        &self,
        who: &SsoIdentity,
        secret: &auth::NewSecret,
        now: i64,
        expires_at: i64,
    ) -> Result<SsoOutcome, StoreError> {
        let mut tx = self.writer.begin().await?;
        let known: Option<String> = sqlx::query_scalar(
            "SELECT user_id FROM user_identities WHERE issuer = $1 AND subject = $2",
        )
        .bind(&who.issuer)
        .bind(&who.subject)
        .fetch_optional(&mut *tx)
        .await?;
        let (user_id, created, linked) = if let Some(id) = known {
            sqlx::query(
                "UPDATE user_identities SET last_sign_in_at = $1, email = $2 \
                 WHERE issuer = $3 AND subject = $4",
            )
            .bind(now)
            .bind(&who.email)
            .bind(&who.issuer)
            .bind(&who.subject)
            .execute(&mut *tx)
            .await?;
            (id, false, false)
        } else {
            if who.email.is_empty() {
                return Err(StoreError::Refused(NO_EMAIL));
            }
            let existing: Option<String> =
                sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
                    .bind(&who.email)
                    .fetch_optional(&mut *tx)
                    .await?;
            let (id, created, linked) = match existing {
                Some(_) if !who.email_verified => {
                    return Err(StoreError::Refused(EMAIL_NOT_VERIFIED));
                }
                Some(id) => (id, false, true),
                None => {
                    let name = if who.name.trim().is_empty() {
                        who.email.split('@').next().unwrap_or("").to_owned()
                    } else {
                        who.name.trim().chars().take(100).collect()
                    };
                    let (user, _) = insert_account(&mut tx, &who.email, &name, "", now).await?;
                    (user.id, true, false)
                }
            };
            sqlx::query(
                "INSERT INTO user_identities (issuer, subject, user_id, email, created_at, last_sign_in_at) \
                 VALUES ($1, $2, $3, $4, $5, $5)",
            )
            .bind(&who.issuer)
            .bind(&who.subject)
            .bind(&id)
            .bind(&who.email)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            (id, created, linked)
        };
        if let Some(teams) = &who.teams {
            apply_mapping(&mut tx, &user_id, teams, now).await?;
        }
        insert_session(&mut tx, secret, &user_id, now, expires_at).await?;
        let (id, email, name, is_admin): (String, String, String, i64) =
            sqlx::query_as("SELECT id, email, name, is_admin FROM users WHERE id = $1")
                .bind(&user_id)
                .fetch_one(&mut *tx)
                .await?;
        tx.commit().await?;
        self.access_changed();
        Ok(SsoOutcome {
            user: User {
                id,
                email,
                name,
                is_admin: is_admin != 0,
            },
            created,
            linked,
        })
    }
}

async fn end_sessions(
    conn: &mut AnyConnection,
    user_id: &str,
    keep: Option<&str>,
) -> Result<u64, StoreError> {
    Ok(
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id <> $2")
            .bind(user_id)
            .bind(keep.unwrap_or(""))
            .execute(&mut *conn)
            .await?
            .rows_affected(),
    )
}

/// Sign-up's rule, in the sign-up's transaction: with invite-only sign-up and an account already
/// there, a sign-up needs a live `invite`, which is used up here (a second sign-up with it, even
/// a parallel one, is refused).
pub(crate) async fn admit(
    conn: &mut AnyConnection,
    invite: Option<(&str, &InviteRow)>,
    now: i64,
) -> Result<(), StoreError> {
    let invite_only: i64 =
        sqlx::query_scalar("SELECT invite_only FROM instance_settings WHERE id = 1")
            .fetch_optional(&mut *conn)
            .await?
            .unwrap_or(0);
    let users: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM (SELECT 1 FROM users LIMIT 1) AS one")
            .fetch_one(&mut *conn)
            .await?;
    let Some((id, _)) = invite else {
        return if invite_only != 0 && users > 0 {
            Err(StoreError::Refused(INVITE_NEEDED))
        } else {
            Ok(())
        };
    };
    let used = sqlx::query(
        "UPDATE invites SET used_at = $1 \
         WHERE id = $2 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $1",
    )
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if used == 0 {
        return Err(StoreError::NotFound(Missing::Invite));
    }
    Ok(())
}

/// Why a sign-up without an invite was refused.
pub const INVITE_NEEDED: &str =
    "Sign-up here needs an invite: ask a team owner for an invite link, and open it to sign up.";

/// Marks the invite `invite_id` (used up by [`admit`]) as used by the new account, which joins
/// its team.
pub(crate) async fn join(
    conn: &mut AnyConnection,
    invite_id: &str,
    invite: &InviteRow,
    user_id: &str,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE invites SET used_by = $1 WHERE id = $2")
        .bind(user_id)
        .bind(invite_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO memberships (team_id, user_id, role, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (team_id, user_id) DO NOTHING",
    )
    .bind(&invite.team_id)
    .bind(user_id)
    .bind(invite.role.as_str())
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Applies the groups mapping: the user is in each mapped team (by name; made when no team has
/// that name) with the mapped role, and leaves the teams an earlier mapping put them in and this
/// one does not. A membership an owner granted by hand is left as it is.
async fn apply_mapping(
    conn: &mut AnyConnection,
    user_id: &str,
    teams: &[(String, Role)],
    now: i64,
) -> Result<(), StoreError> {
    let mut wanted: Vec<(String, Role)> = Vec::new();
    for (name, role) in teams {
        let found: Option<String> = sqlx::query_scalar(
            "SELECT id FROM teams WHERE name = $1 ORDER BY created_at, id LIMIT 1",
        )
        .bind(name)
        .fetch_optional(&mut *conn)
        .await?;
        let team = match found {
            Some(id) => id,
            None => {
                let id = uuid::Uuid::new_v4().simple().to_string();
                sqlx::query("INSERT INTO teams (id, name, created_at) VALUES ($1, $2, $3)")
                    .bind(&id)
                    .bind(name)
                    .bind(now)
                    .execute(&mut *conn)
                    .await?;
                id
            }
        };
        // Two groups naming one team: the higher role wins.
        match wanted.iter_mut().find(|(t, _)| *t == team) {
            Some(w) => w.1 = w.1.max(*role),
            None => wanted.push((team, *role)),
        }
    }
    let mapped: Vec<String> =
        sqlx::query_scalar("SELECT team_id FROM sso_memberships WHERE user_id = $1")
            .bind(user_id)
            .fetch_all(&mut *conn)
            .await?;
    for team in mapped
        .iter()
        .filter(|t| !wanted.iter().any(|(w, _)| w == *t))
    {
        sqlx::query("DELETE FROM memberships WHERE team_id = $1 AND user_id = $2")
            .bind(team)
            .bind(user_id)
            .execute(&mut *conn)
            .await?;
        sqlx::query("DELETE FROM sso_memberships WHERE team_id = $1 AND user_id = $2")
            .bind(team)
            .bind(user_id)
            .execute(&mut *conn)
            .await?;
    }
    for (team, role) in &wanted {
        let current: Option<String> =
            sqlx::query_scalar("SELECT role FROM memberships WHERE team_id = $1 AND user_id = $2")
                .bind(team)
                .bind(user_id)
                .fetch_optional(&mut *conn)
                .await?;
        let by_mapping = mapped.contains(team);
        match current {
            // Granted by hand: the owner's choice stands.
            Some(_) if !by_mapping => continue,
            Some(_) => {
                sqlx::query("UPDATE memberships SET role = $1 WHERE team_id = $2 AND user_id = $3")
                    .bind(role.as_str())
                    .bind(team)
                    .bind(user_id)
                    .execute(&mut *conn)
                    .await?;
            }
            None => {
                sqlx::query(
                    "INSERT INTO memberships (team_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)",
                )
                .bind(team)
                .bind(user_id)
                .bind(role.as_str())
                .bind(now)
                .execute(&mut *conn)
                .await?;
            }
        }
        if !by_mapping {
            sqlx::query("INSERT INTO sso_memberships (team_id, user_id) VALUES ($1, $2)")
                .bind(team)
                .bind(user_id)
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok(())
}
