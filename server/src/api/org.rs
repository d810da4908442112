//! The organisation over the API: a review's checklist with its team state, the caller's
//! teams and their members, invites, share links, and API tokens (from a signed-in session
//! only: a token never manages tokens). The rules are the pages' own, in
//! `crate::service::org` and the use cases it calls; these handlers only extract and shape.

use axum::Extension;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Deserializer, Serialize};
use store::auth::Actor;
use utoipa::ToSchema;

use super::error::{ApiError, ApiJson, ApiPath};
use crate::error::AppError;
use crate::service::{
    self,
    org::{
        self, ApiToken, ChecklistItemState, Member, PendingInvite, ShareLink, TeamDetail,
        TeamSummary,
    },
};
use crate::state::AppState;

/// An input error as the API's one shape: a `field: problem` message names its field in
/// `details.fields` too.
fn named(e: AppError) -> ApiError {
    match e {
        AppError::BadInput(message) => match message.split_once(": ") {
            Some((field, problem))
                if !field.is_empty()
                    && field.chars().all(|c| c.is_ascii_lowercase() || c == '_') =>
            {
                ApiError::fields(vec![(field.to_owned(), problem.to_owned())])
            }
            _ => ApiError::bad_input(message),
        },
        other => other.into(),
    }
}

/// A present JSON value, `null` included, as `Some` (absent fields stay `None`).
fn present<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(d).map(Some)
}

// ---- Checklist ------------------------------------------------------------------------------

/// A review's improvement checklist.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChecklistList {
    /// In the lens's order.
    pub items: Vec<ChecklistItemState>,
}

/// A team status of a checklist item.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
pub enum ItemStatus {
    /// Still to do.
    #[serde(rename = "open")]
    Open,
    /// Done.
    #[serde(rename = "done")]
    Done,
    /// The team lives with the risk instead.
    #[serde(rename = "accepted-risk")]
    AcceptedRisk,
}

impl ItemStatus {
    fn as_str(self) -> &'static str {
        match self {
            ItemStatus::Open => "open",
            ItemStatus::Done => "done",
            ItemStatus::AcceptedRisk => "accepted-risk",
        }
    }
}

/// A change to a checklist item's team state: the fields sent change, the others stay.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChecklistChange {
    /// The version read (the list's `version`); leave it out for an item never saved. A stale
    /// one is a 409 with the item as it is now.
    #[serde(default, deserialize_with = "super::dto::integral::optional")]
    #[schema(minimum = 1)]
    pub version: Option<i64>,
    /// The new status.
    pub status: Option<ItemStatus>,
    /// Who owns it (empty: nobody).
    #[schema(max_length = 200)]
    pub owner: Option<String>,
    /// When it is due, `YYYY-MM-DD`; `null` or empty clears it. Anything else is a 400 naming
    /// `due_date`.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub due_date: Option<Option<String>>,
}

/// List a review's improvement checklist: each item as the answers leave it, with the team's
/// status, owner, due date and version.
#[utoipa::path(
    get,
    path = "/api/v1/assessments/{id}/checklist",
    tag = "checklist",
    params(("id" = String, Path, description = "The assessment")),
    responses((status = 200, description = "The checklist", body = ChecklistList))
)]
pub async fn list_checklist(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath(id): ApiPath<String>,
) -> Result<axum::Json<ChecklistList>, ApiError> {
    let c = state.context(actor);
    Ok(axum::Json(ChecklistList {
        items: org::checklist_state(&c, &id).await?,
    }))
}

/// Change a checklist item's team state (editors), at the version read: as the results page
/// saves it, raising the `checklist_item_changed` webhook event and refreshing the portfolio.
#[utoipa::path(
    patch,
    path = "/api/v1/assessments/{id}/checklist/{item}",
    tag = "checklist",
    params(("id" = String, Path, description = "The assessment"), ("item" = String, Path, description = "The checklist item")),
    request_body = ChecklistChange,
    responses(
        (status = 200, description = "Saved: the item as it is now", body = ChecklistItemState),
        (status = 400, description = "A bad status, owner or due date, named", body = super::error::ErrorBody),
        (status = 409, description = "Stale `version`: `details.current` is the item as it is now", body = super::error::ErrorBody)
    )
)]
pub async fn update_checklist_item(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath((id, item)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<ChecklistChange>,
) -> Result<axum::Json<ChecklistItemState>, ApiError> {
    let c = state.context(actor);
    let find = |items: Vec<ChecklistItemState>| items.into_iter().find(|i| i.id == item);
    let now = find(org::checklist_state(&c, &id).await?)
        .ok_or_else(|| ApiError::not_found("There is no such checklist item in this review."))?;
    let status = match body.status {
        Some(status) => status.as_str(),
        None => now.status.as_str(),
    };
    let owner = body.owner.as_deref().unwrap_or(&now.owner);
    let due = match &body.due_date {
        Some(due) => due.as_deref().unwrap_or_default(),
        None => now.due_date.as_deref().unwrap_or_default(),
    };
    match service::save_checklist_item(&c, &id, &item, status, owner, due, body.version).await {
        Ok(_) => {}
        Err(AppError::Conflict(message)) => {
            let current = find(org::checklist_state(&c, &id).await?);
            return Err(
                ApiError::new(StatusCode::CONFLICT, format!("version: {message}"))
                    .with_details(serde_json::json!({ "current": current })),
            );
        }
        Err(e) => return Err(named(e)),
    }
    find(org::checklist_state(&c, &id).await?)
        .map(axum::Json)
        .ok_or_else(|| ApiError::not_found("There is no such checklist item in this review."))
}

// ---- Teams and members ----------------------------------------------------------------------

/// The caller's teams.
#[derive(Debug, Serialize, ToSchema)]
pub struct TeamList {
    /// By name.
    pub items: Vec<TeamSummary>,
}

/// A new team.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTeam {
    /// Its name: 1 to 100 characters.
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
}

/// A role in a team.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TeamRole {
    /// Manages the team, its people, links and webhooks.
    Owner,
    /// Answers and changes reviews.
    Editor,
    /// Reads.
    Viewer,
}

impl TeamRole {
    fn as_str(self) -> &'static str {
        match self {
            TeamRole::Owner => "owner",
            TeamRole::Editor => "editor",
            TeamRole::Viewer => "viewer",
        }
    }
}

/// A member's new role.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleChange {
    /// The role.
    pub role: TeamRole,
}

/// List the caller's teams (an API token's: its one team), with the caller's role in each.
#[utoipa::path(
    get,
    path = "/api/v1/teams",
    tag = "teams",
    responses((status = 200, description = "The teams", body = TeamList))
)]
pub async fn list_teams(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
) -> Result<axum::Json<TeamList>, ApiError> {
    let c = state.context(actor);
    Ok(axum::Json(TeamList {
        items: org::my_teams(&c).await?,
    }))
}

/// Make a team, with the caller as its owner (a signed-in session: a token acts in its one
/// team and makes none).
#[utoipa::path(
    post,
    path = "/api/v1/teams",
    tag = "teams",
    request_body = NewTeam,
    responses(
        (status = 201, description = "Made", body = TeamSummary),
        (status = 400, description = "A bad name, named", body = super::error::ErrorBody),
        (status = 403, description = "An API token", body = super::error::ErrorBody)
    )
)]
pub async fn create_team(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiJson(body): ApiJson<NewTeam>,
) -> Result<(StatusCode, axum::Json<TeamSummary>), ApiError> {
    let c = state.context(actor);
    let team = org::create_team(&c, &body.name).await.map_err(named)?;
    Ok((StatusCode::CREATED, axum::Json(team)))
}

/// Read a team with its members (any member).
#[utoipa::path(
    get,
    path = "/api/v1/teams/{id}",
    tag = "teams",
    params(("id" = String, Path, description = "The team")),
    responses((status = 200, description = "The team", body = TeamDetail))
)]
pub async fn get_team(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath(team): ApiPath<String>,
) -> Result<axum::Json<TeamDetail>, ApiError> {
    let c = state.context(actor);
    Ok(axum::Json(org::team_detail(&c, &team).await?))
}

/// Change a member's role (owners). A team keeps at least one owner: demoting the last is a
/// 400 naming `role`.
#[utoipa::path(
    patch,
    path = "/api/v1/teams/{id}/members/{user}",
    tag = "teams",
    params(("id" = String, Path, description = "The team"), ("user" = String, Path, description = "The member's user id")),
    request_body = RoleChange,
    responses(
        (status = 200, description = "Changed: the member as they are now", body = Member),
        (status = 400, description = "The last owner, named as `role`", body = super::error::ErrorBody)
    )
)]
pub async fn update_member(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath((team, user)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<RoleChange>,
) -> Result<axum::Json<Member>, ApiError> {
    let c = state.context(actor);
    service::set_member(&c, &team, &user, body.role.as_str())
        .await
        .map_err(named)?;
    Ok(axum::Json(org::member(&c, &team, &user).await?))
}

/// Remove a member from a team (owners). The last owner stays: removing them is a 400 naming
/// `role`.
#[utoipa::path(
    delete,
    path = "/api/v1/teams/{id}/members/{user}",
    tag = "teams",
    params(("id" = String, Path, description = "The team"), ("user" = String, Path, description = "The member's user id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 400, description = "The last owner, named as `role`", body = super::error::ErrorBody)
    )
)]
pub async fn remove_member(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath((team, user)): ApiPath<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let c = state.context(actor);
    service::set_member(&c, &team, &user, "remove")
        .await
        .map_err(named)?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- Invites --------------------------------------------------------------------------------

/// A team's invites still waiting to be used.
#[derive(Debug, Serialize, ToSchema)]
pub struct InviteList {
    /// Newest first.
    pub items: Vec<PendingInvite>,
}

/// A new invite.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInvite {
    /// The role it grants.
    pub role: TeamRole,
}

/// A new invite with its link: the link is in this answer, and only here.
#[derive(Debug, Serialize, ToSchema)]
pub struct InviteMade {
    /// The invite's id (to revoke it).
    pub id: String,
    /// The role it grants.
    pub role: String,
    /// The link to send: it works once.
    pub url: String,
    /// The secret in the link.
    pub token: String,
    /// When it was made, in Unix milliseconds.
    pub created_at: i64,
    /// When it stops working, in Unix milliseconds.
    pub expires_at: i64,
}

/// List a team's invites that nobody has used yet (owners).
#[utoipa::path(
    get,
    path = "/api/v1/teams/{id}/invites",
    tag = "teams",
    params(("id" = String, Path, description = "The team")),
    responses((status = 200, description = "The invites", body = InviteList))
)]
pub async fn list_invites(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath(team): ApiPath<String>,
) -> Result<axum::Json<InviteList>, ApiError> {
    let c = state.context(actor);
    Ok(axum::Json(InviteList {
        items: org::pending_invites(&c, &team).await?,
    }))
}

/// Make a one-time invite link to a team (owners); it works for 7 days.
#[utoipa::path(
    post,
    path = "/api/v1/teams/{id}/invites",
    tag = "teams",
    params(("id" = String, Path, description = "The team")),
    request_body = NewInvite,
    responses((status = 201, description = "Made, with its link", body = InviteMade))
)]
pub async fn create_invite(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    headers: HeaderMap,
    ApiPath(team): ApiPath<String>,
    ApiJson(body): ApiJson<NewInvite>,
) -> Result<(StatusCode, axum::Json<InviteMade>), ApiError> {
    let c = state.context(actor);
    let made = org::create_invite(&c, &team, body.role.as_str())
        .await
        .map_err(named)?;
    Ok((
        StatusCode::CREATED,
        axum::Json(InviteMade {
            url: crate::accounts::invite_url(&headers, &state, &made.secret.token),
            id: made.secret.id,
            token: made.secret.token,
            role: made.role.as_str().to_owned(),
            created_at: made.created_at,
            expires_at: made.expires_at,
        }),
    ))
}

/// Revoke an invite nobody has used yet (owners): its link stops working.
#[utoipa::path(
    delete,
    path = "/api/v1/teams/{id}/invites/{invite}",
    tag = "teams",
    params(("id" = String, Path, description = "The team"), ("invite" = String, Path, description = "The invite")),
    responses((status = 204, description = "Revoked"))
)]
pub async fn revoke_invite(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath((team, invite)): ApiPath<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let c = state.context(actor);
    service::revoke_invite(&c, &team, &invite).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- Share links ----------------------------------------------------------------------------

/// A review's share links.
#[derive(Debug, Serialize, ToSchema)]
pub struct ShareLinkList {
    /// Newest first, revoked and expired ones too.
    pub items: Vec<ShareLink>,
}

/// A new share link.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewShareLink {
    /// How many days it works: 1 to 365, or 0 until it is revoked.
    #[serde(deserialize_with = "super::dto::integral::required")]
    #[schema(minimum = 0, maximum = 365)]
    pub days: i64,
}

/// A new share link: its address is in this answer, and only here.
#[derive(Debug, Serialize, ToSchema)]
pub struct ShareLinkMade {
    /// The link's id (to revoke it).
    pub id: String,
    /// The read-only address of the review's results.
    pub url: String,
    /// The secret in the address.
    pub token: String,
    /// When it stops working, in Unix milliseconds (`null`: never).
    pub expires_at: Option<i64>,
}

/// List a review's share links (owners).
#[utoipa::path(
    get,
    path = "/api/v1/assessments/{id}/share-links",
    tag = "sharing",
    params(("id" = String, Path, description = "The assessment")),
    responses((status = 200, description = "The links (never their secrets)", body = ShareLinkList))
)]
pub async fn list_share_links(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath(id): ApiPath<String>,
) -> Result<axum::Json<ShareLinkList>, ApiError> {
    let c = state.context(actor);
    Ok(axum::Json(ShareLinkList {
        items: org::share_links(&c, &id).await?,
    }))
}

/// Make a read-only share link of a review's results (owners).
#[utoipa::path(
    post,
    path = "/api/v1/assessments/{id}/share-links",
    tag = "sharing",
    params(("id" = String, Path, description = "The assessment")),
    request_body = NewShareLink,
    responses(
        (status = 201, description = "Made, with its address", body = ShareLinkMade),
        (status = 400, description = "Bad `days`, named", body = super::error::ErrorBody)
    )
)]
pub async fn create_share_link(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    headers: HeaderMap,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<NewShareLink>,
) -> Result<(StatusCode, axum::Json<ShareLinkMade>), ApiError> {
    let c = state.context(actor);
    let (secret, expires_at) = org::create_share_link(&c, &id, body.days)
        .await
        .map_err(named)?;
    Ok((
        StatusCode::CREATED,
        axum::Json(ShareLinkMade {
            url: crate::accounts::share_url(&headers, &state, &secret.token),
            id: secret.id,
            token: secret.token,
            expires_at,
        }),
    ))
}

/// Revoke a share link of a review (owners): its address stops working at once.
#[utoipa::path(
    delete,
    path = "/api/v1/assessments/{id}/share-links/{link}",
    tag = "sharing",
    params(("id" = String, Path, description = "The assessment"), ("link" = String, Path, description = "The share link")),
    responses((status = 204, description = "Revoked"))
)]
pub async fn revoke_share_link(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath((id, link)): ApiPath<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let c = state.context(actor);
    service::revoke_share_link(&c, &id, &link).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- API tokens -----------------------------------------------------------------------------

/// The signed-in user's API tokens.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenList {
    /// Newest first, revoked ones too.
    pub items: Vec<ApiToken>,
}

/// A new API token.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    /// What it is for: 1 to 100 characters.
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// The team it acts in (one of the user's).
    pub team: String,
}

/// A new API token: its secret is in this answer, and only here.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenMade {
    /// The token's id (to revoke it).
    pub id: String,
    /// What it is for.
    pub name: String,
    /// The team it acts in.
    pub team_id: String,
    /// The secret, for `Authorization: Bearer …`.
    pub token: String,
    /// When it was made, in Unix milliseconds.
    pub created_at: i64,
}

/// List the signed-in user's API tokens (a signed-in session: a token gets 403).
#[utoipa::path(
    get,
    path = "/api/v1/tokens",
    tag = "tokens",
    responses(
        (status = 200, description = "The tokens (never their secrets)", body = TokenList),
        (status = 403, description = "An API token: tokens are managed from a signed-in session", body = super::error::ErrorBody)
    )
)]
pub async fn list_tokens(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
) -> Result<axum::Json<TokenList>, ApiError> {
    let c = state.context(actor);
    Ok(axum::Json(TokenList {
        items: org::api_tokens(&c).await?,
    }))
}

/// Make an API token for one of the user's teams (a signed-in session: a token gets 403).
#[utoipa::path(
    post,
    path = "/api/v1/tokens",
    tag = "tokens",
    request_body = NewToken,
    responses(
        (status = 201, description = "Made, with its secret", body = TokenMade),
        (status = 400, description = "A bad name, named", body = super::error::ErrorBody),
        (status = 403, description = "An API token: tokens are managed from a signed-in session", body = super::error::ErrorBody)
    )
)]
pub async fn create_token(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiJson(body): ApiJson<NewToken>,
) -> Result<(StatusCode, axum::Json<TokenMade>), ApiError> {
    let c = state.context(actor);
    let (secret, name, created_at) = org::create_api_token(&c, &body.team, &body.name)
        .await
        .map_err(named)?;
    Ok((
        StatusCode::CREATED,
        axum::Json(TokenMade {
            id: secret.id,
            name,
            team_id: body.team,
            token: secret.token,
            created_at,
        }),
    ))
}

/// Revoke one of the user's API tokens (a signed-in session: a token gets 403); it stops
/// working at once.
#[utoipa::path(
    delete,
    path = "/api/v1/tokens/{token}",
    tag = "tokens",
    params(("token" = String, Path, description = "The token's id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 403, description = "An API token: tokens are managed from a signed-in session", body = super::error::ErrorBody)
    )
)]
pub async fn revoke_token(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath(token): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    let c = state.context(actor);
    service::revoke_api_token(&c, &token).await?;
    Ok(StatusCode::NO_CONTENT)
}
