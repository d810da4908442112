//! Teams and the signed-in user: who am I, whether this is a fresh installation, a team's page
//! (members, pending invites, audit log), its members and name, and the account page with its
//! API tokens.

use store::auth::{Role, User};

use super::{AppContext, now_ms};
use crate::error::AppError;

/// The signed-in user and their teams, if anyone is signed in.
pub async fn whoami(c: &AppContext) -> Result<Option<app::api::Me>, AppError> {
    match c.actor.user() {
        Some(user) => Ok(Some(me(c, user).await?)),
        None => Ok(None),
    }
}

async fn me(c: &AppContext, user: &User) -> Result<app::api::Me, AppError> {
    let teams = c
        .store
        .teams_of(&user.id)
        .await?
        .into_iter()
        .filter(|t| c.actor.reaches(&t.id))
        .map(|t| (t.id, t.name, t.role))
        .collect();
    Ok(app::api::Me {
        id: user.id.clone(),
        name: user.name.clone(),
        email: user.email.clone(),
        is_admin: user.is_admin,
        teams,
    })
}

/// A team's page: its members, and for owners its pending invites and audit log.
pub async fn team_page(c: &AppContext, id: &str) -> Result<app::api::TeamData, AppError> {
    let role = c.team(id, Role::Viewer).await?;
    let mut team = people(c, id, role).await?;
    if role == Role::Owner {
        team.audit = Some(
            c.store
                .audit_log(id, 200)
                .await?
                .into_iter()
                .map(|a| app::api::AuditView {
                    at: a.at,
                    actor: a.actor,
                    action: a.action,
                    target: a.target,
                    detail: a.detail,
                })
                .collect(),
        );
    }
    Ok(team)
}

/// A team's people as a member with `role` sees them: its members, and for owners the invites
/// still waiting to be used. No audit log.
pub(super) async fn people(
    c: &AppContext,
    id: &str,
    role: Role,
) -> Result<app::api::TeamData, AppError> {
    let invites = if role == Role::Owner {
        Some(
            c.store
                .pending_invites(id, now_ms())
                .await?
                .into_iter()
                .map(|i| app::api::InviteView {
                    id: i.id,
                    role: i.role,
                    created_by: i.created_by,
                    created_at: i.created_at,
                    expires_at: i.expires_at,
                })
                .collect(),
        )
    } else {
        None
    };
    Ok(app::api::TeamData {
        id: id.to_owned(),
        name: c.store.team_name(id).await?,
        role: role.as_str().to_owned(),
        members: c
            .store
            .members(id)
            .await?
            .into_iter()
            .map(|m| (m.user_id, m.name, m.email, m.role))
            .collect(),
        invites,
        audit: None,
    })
}

/// Whether no account exists yet: the welcome page then offers to create the administrator.
pub async fn first_run(c: &AppContext) -> Result<bool, AppError> {
    Ok(!c.store.has_accounts().await?)
}

/// Changes a member's role, or removes them (`role` = `remove`); owners only.
pub async fn set_member(
    c: &AppContext,
    team: &str,
    user: &str,
    role: &str,
) -> Result<(), AppError> {
    c.team(team, Role::Owner).await?;
    let new = match role {
        "remove" => None,
        other => Some(Role::parse(other).ok_or_else(|| {
            AppError::BadInput(format!(
                "role: `{other}` is not one of owner, editor, viewer, remove"
            ))
        })?),
    };
    let member = c
        .store
        .members(team)
        .await?
        .into_iter()
        .find(|m| m.user_id == user)
        .ok_or_else(|| AppError::NotFound("There is no such team member.".into()))?;
    c.store.set_member(team, user, new).await?;
    c.store
        .audit(
            team,
            &c.actor.label(),
            "membership",
            &member.name,
            new.map_or("removed", Role::as_str),
            now_ms(),
        )
        .await?;
    Ok(())
}

/// Checks a team name.
pub fn team_name(name: &str) -> Result<String, AppError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::BadInput(
            "name: a team name has 1 to 100 characters".into(),
        ));
    }
    Ok(name.to_owned())
}

/// Renames a team; owners only.
pub async fn rename_team(c: &AppContext, team: &str, name: &str) -> Result<(), AppError> {
    c.team(team, Role::Owner).await?;
    let name = team_name(name)?;
    c.store.rename_team(team, &name).await?;
    c.store
        .audit(team, &c.actor.label(), "team", "name", &name, now_ms())
        .await?;
    Ok(())
}

/// The account page: the user's teams and API tokens (a browser session only).
pub async fn account_page(c: &AppContext) -> Result<app::api::AccountData, AppError> {
    let user = c.session_user()?.clone();
    let me = me(c, &user).await?;
    let tokens = c
        .store
        .api_tokens(&user.id)
        .await?
        .into_iter()
        .map(|t| app::api::TokenView {
            team: me
                .teams
                .iter()
                .find(|(id, ..)| *id == t.team_id)
                .map(|(_, name, _)| name.clone())
                .unwrap_or_default(),
            id: t.id,
            name: t.name,
            created_at: t.created_at,
            last_used_at: t.last_used_at,
            revoked: t.revoked_at.is_some(),
        })
        .collect();
    Ok(app::api::AccountData { me, tokens })
}

/// Revokes one of the user's API tokens (a browser session only).
pub async fn revoke_api_token(c: &AppContext, token: &str) -> Result<(), AppError> {
    let user = c.session_user()?;
    c.store
        .revoke_api_token(&user.id, token, now_ms())
        .await
        .map_err(AppError::from)
}
