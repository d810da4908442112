//! The organisation's use cases that the pages and the REST API share: a review's checklist with
//! its team state, making a team, a team's members, invites, share links and API tokens. Each
//! rule is kept once, here or in the use case it calls (`teams::set_member`,
//! `sharing::revoke_invite`, `results::revoke_share_link`, `teams::revoke_api_token`,
//! `checklist::save_checklist_item`); the page handlers in `crate::accounts` and the REST
//! handlers in `crate::api::org` only shape what comes back.

use serde::Serialize;
use store::auth::{self, NewSecret, Role};
use utoipa::ToSchema;

use super::{AppContext, evaluation_of, now_ms, teams};
use crate::error::AppError;

/// How long an invite link works, in days.
pub const INVITE_DAYS: i64 = 7;
/// A day, in milliseconds.
pub const DAY_MS: i64 = 86_400_000;

/// A checklist item of a review: what the answers say of it, and the team's state of it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChecklistItemState {
    /// The item's id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// The id of its area.
    pub area: String,
    /// What the answers say: `done`, `open` or `not_applicable`.
    pub derived: String,
    /// How urgent it is, from the risks of its questions.
    pub priority: String,
    /// The team's status: `open`, `done` or `accepted-risk` (`open` until someone saves one).
    pub status: String,
    /// Who owns it (empty: nobody yet).
    pub owner: String,
    /// When it is due, `YYYY-MM-DD`.
    pub due_date: Option<String>,
    /// Who saved its state last.
    pub updated_by: Option<String>,
    /// When, in Unix milliseconds.
    pub updated_at: Option<i64>,
    /// The version to send with the next change (`null`: never saved, send none).
    pub version: Option<i64>,
}

/// A review's improvement checklist with each item's team state (members of its team).
pub async fn checklist_state(
    c: &AppContext,
    id: &str,
) -> Result<Vec<ChecklistItemState>, AppError> {
    let (assessment, _) = c.assessment(id, Role::Viewer).await?;
    let evaluation = evaluation_of(c, &assessment).await?;
    let stored = c.store.checklist(id).await?;
    Ok(evaluation
        .checklist
        .iter()
        .map(|entry| {
            let saved = stored.iter().find(|s| s.item_id == entry.id.as_str());
            ChecklistItemState {
                id: entry.id.to_string(),
                title: entry.title.to_string(),
                area: entry.area.to_string(),
                derived: snake(&entry.state),
                priority: snake(&entry.priority),
                status: saved.map_or_else(|| "open".to_owned(), |s| s.status.clone()),
                owner: saved.map(|s| s.owner.clone()).unwrap_or_default(),
                due_date: saved.and_then(|s| s.due_date.clone()),
                updated_by: saved.map(|s| s.updated_by.clone()),
                updated_at: saved.map(|s| s.updated_at),
                version: saved.map(|s| s.version),
            }
        })
        .collect())
}

/// A value's serde name (`not_applicable`, `high`).
fn snake(value: &impl Serialize) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// A team of the caller's, with their role in it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TeamSummary {
    /// The team's id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// The caller's role: `owner`, `editor` or `viewer`.
    pub role: String,
}

/// The caller's teams (a token's: its one team), by name.
pub async fn my_teams(c: &AppContext) -> Result<Vec<TeamSummary>, AppError> {
    let user = c.user()?;
    Ok(c.store
        .teams_of(&user.id)
        .await?
        .into_iter()
        .filter(|t| c.actor.reaches(&t.id))
        .map(|t| TeamSummary {
            id: t.id,
            name: t.name,
            role: t.role,
        })
        .collect())
}

/// Makes a team whose only member, its owner, is the signed-in user. A token acts in one team
/// and makes none: teams are made from a signed-in session.
pub async fn create_team(c: &AppContext, name: &str) -> Result<TeamSummary, AppError> {
    let user = match &c.actor {
        store::auth::Actor::Token { .. } => {
            return Err(AppError::Forbidden(
                "An API token acts in its one team and cannot make teams: make them from a signed-in session.".into(),
            ));
        }
        _ => c.user()?.clone(),
    };
    let name = teams::team_name(name)?;
    let now = now_ms();
    let id = c.store.create_team(&name, &user.id, now).await?;
    c.store
        .audit(
            &id,
            &c.actor.label(),
            "team",
            "name",
            &format!("made as {name}"),
            now,
        )
        .await?;
    Ok(TeamSummary {
        id,
        name,
        role: Role::Owner.as_str().to_owned(),
    })
}

/// A member of a team.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Member {
    /// The user's id.
    pub user_id: String,
    /// Their name.
    pub name: String,
    /// Their email.
    pub email: String,
    /// Their role: `owner`, `editor` or `viewer`.
    pub role: String,
}

/// An invite nobody has used yet (its link was shown once, when it was made).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PendingInvite {
    /// The invite's id.
    pub id: String,
    /// The role it grants.
    pub role: String,
    /// Who made it.
    pub created_by: String,
    /// When, in Unix milliseconds.
    pub created_at: i64,
    /// When it stops working, in Unix milliseconds.
    pub expires_at: i64,
}

/// A team with its members, as a member sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TeamDetail {
    /// The team's id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// The caller's role.
    pub role: String,
    /// Owners first, then editors, then viewers; by name.
    pub members: Vec<Member>,
}

/// A team with its members (any member), as the team page lists them.
pub async fn team_detail(c: &AppContext, id: &str) -> Result<TeamDetail, AppError> {
    let role = c.team(id, Role::Viewer).await?;
    let people = teams::people(c, id, role).await?;
    Ok(TeamDetail {
        id: people.id,
        name: people.name,
        role: people.role,
        members: people
            .members
            .into_iter()
            .map(|(user_id, name, email, role)| Member {
                user_id,
                name,
                email,
                role,
            })
            .collect(),
    })
}

/// One member of a team as it is now (after a change of role).
pub async fn member(c: &AppContext, team: &str, user: &str) -> Result<Member, AppError> {
    team_detail(c, team)
        .await?
        .members
        .into_iter()
        .find(|m| m.user_id == user)
        .ok_or_else(|| AppError::NotFound("There is no such team member.".into()))
}

/// A team's invites still waiting to be used (owners).
pub async fn pending_invites(c: &AppContext, team: &str) -> Result<Vec<PendingInvite>, AppError> {
    c.team(team, Role::Owner).await?;
    Ok(c.store
        .pending_invites(team, now_ms())
        .await?
        .into_iter()
        .map(|i| PendingInvite {
            id: i.id,
            role: i.role,
            created_by: i.created_by,
            created_at: i.created_at,
            expires_at: i.expires_at,
        })
        .collect())
}

/// A new invite: its secret (shown once) and what it grants.
pub struct NewInvite {
    /// The secret; its token goes in the link.
    pub secret: NewSecret,
    /// The role it grants.
    pub role: Role,
    /// The team's name.
    pub team_name: String,
    /// Unix milliseconds.
    pub created_at: i64,
    /// Unix milliseconds.
    pub expires_at: i64,
}

/// Makes a one-time invite to a team for a new member with `role` (owners), working for
/// [`INVITE_DAYS`] days, and says so in the audit log.
pub async fn create_invite(c: &AppContext, team: &str, role: &str) -> Result<NewInvite, AppError> {
    c.team(team, Role::Owner).await?;
    let role = Role::parse(role).ok_or_else(|| {
        AppError::BadInput(format!(
            "role: `{role}` is not one of owner, editor, viewer"
        ))
    })?;
    let team_name = c.store.team_name(team).await?;
    let secret = auth::new_secret("inv");
    let now = now_ms();
    let expires_at = now + INVITE_DAYS * DAY_MS;
    let by = c.actor.label();
    c.store
        .create_invite(&secret, team, role, &by, now, expires_at)
        .await?;
    c.store
        .audit(
            team,
            &by,
            "membership",
            "invite link",
            &format!("made for a new {}", role.as_str()),
            now,
        )
        .await?;
    Ok(NewInvite {
        secret,
        role,
        team_name,
        created_at: now,
        expires_at,
    })
}

/// A share link of a review (never its secret).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ShareLink {
    /// The link's id.
    pub id: String,
    /// Who made it.
    pub created_by: String,
    /// When, in Unix milliseconds.
    pub created_at: i64,
    /// When it stops working, in Unix milliseconds (`null`: never).
    pub expires_at: Option<i64>,
    /// When it was revoked, in Unix milliseconds.
    pub revoked_at: Option<i64>,
    /// `live`, `revoked` or `expired`.
    pub state: String,
}

/// A review's share links, newest first, revoked and expired ones too (owners, as the Share
/// page).
pub async fn share_links(c: &AppContext, id: &str) -> Result<Vec<ShareLink>, AppError> {
    c.assessment(id, Role::Owner).await?;
    let now = now_ms();
    Ok(c.store
        .share_links(id)
        .await?
        .into_iter()
        .map(|l| ShareLink {
            state: if l.revoked_at.is_some() {
                "revoked"
            } else if l.expires_at.is_some_and(|e| e <= now) {
                "expired"
            } else {
                "live"
            }
            .to_owned(),
            id: l.id,
            created_by: l.created_by,
            created_at: l.created_at,
            expires_at: l.expires_at,
            revoked_at: l.revoked_at,
        })
        .collect())
}

/// Makes a read-only share link of a review (owners) that works for `days` days (0: until
/// revoked), and says so in the audit log; its secret, shown once, and when it expires.
pub async fn create_share_link(
    c: &AppContext,
    id: &str,
    days: i64,
) -> Result<(NewSecret, Option<i64>), AppError> {
    let (assessment, _) = c.assessment(id, Role::Owner).await?;
    if !(0..=365).contains(&days) {
        return Err(AppError::BadInput("days: 0 (never) to 365".into()));
    }
    let secret = auth::new_secret("shr");
    let now = now_ms();
    let expires = (days > 0).then(|| now + days * DAY_MS);
    let by = c.actor.label();
    c.store
        .create_share_link(&secret, id, &by, now, expires)
        .await?;
    if let Some(team) = &assessment.team_id {
        c.store
            .audit(team, &by, "share-link", &assessment.name, "made", now)
            .await?;
    }
    Ok((secret, expires))
}

/// One of the signed-in user's API tokens (never its secret).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApiToken {
    /// The token's id.
    pub id: String,
    /// What it is for.
    pub name: String,
    /// The team it acts in.
    pub team_id: String,
    /// That team's name.
    pub team: String,
    /// When it was made, in Unix milliseconds.
    pub created_at: i64,
    /// When it was last used, to the minute.
    pub last_used_at: Option<i64>,
    /// When it was revoked.
    pub revoked_at: Option<i64>,
}

/// The signed-in user's API tokens, newest first (a browser session only).
pub async fn api_tokens(c: &AppContext) -> Result<Vec<ApiToken>, AppError> {
    let user = c.session_user()?.clone();
    let teams = c.store.teams_of(&user.id).await?;
    Ok(c.store
        .api_tokens(&user.id)
        .await?
        .into_iter()
        .map(|t| ApiToken {
            team: teams
                .iter()
                .find(|team| team.id == t.team_id)
                .map(|team| team.name.clone())
                .unwrap_or_default(),
            id: t.id,
            name: t.name,
            team_id: t.team_id,
            created_at: t.created_at,
            last_used_at: t.last_used_at,
            revoked_at: t.revoked_at,
        })
        .collect())
}

/// Makes an API token named `name` for one of the user's teams (a browser session only: a
/// token never makes tokens); its secret, shown once.
pub async fn create_api_token(
    c: &AppContext,
    team: &str,
    name: &str,
) -> Result<(NewSecret, String, i64), AppError> {
    let user = c.session_user()?.clone();
    c.team(team, Role::Viewer).await?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::BadInput("name: 1 to 100 characters".into()));
    }
    let secret = auth::new_secret("trl");
    let now = now_ms();
    c.store
        .create_api_token(&secret, &user.id, team, name, now)
        .await?;
    Ok((secret, name.to_owned(), now))
}
