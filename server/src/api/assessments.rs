//! Assessments: list (keyset pages), create, read, change the details at a version, archive and
//! restore.

use crate::service::{AppContext, NewReview, now_ms};
use axum::Extension;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use questionnaires::Workload;
use serde::Deserialize;
use store::auth::{Actor, Role};
use store::{Current, Order, PageQuery, Position, StoreError};
use utoipa::IntoParams;

use super::dto::{
    AssessmentDto, AssessmentPage, NewAssessmentBody, UpdateAssessmentBody, VersionBody,
};
use super::error::{ApiError, ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;

/// The largest page.
const MAX_LIMIT: u32 = 100;
/// The page size when none is asked for.
const DEFAULT_LIMIT: u32 = 20;

/// Which page.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// How many assessments per page.
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
    /// Where to continue: the `next_cursor` of the previous page.
    #[param(pattern = "^-?[0-9]{1,18}-[0-9A-Za-z]{1,64}$")]
    cursor: Option<String>,
    /// Include archived assessments.
    include_archived: Option<bool>,
    /// Search the names and descriptions: every word must start a word of either, case
    /// ignored (`pay api` finds "Payments API"). Punctuation only separates words.
    #[param(max_length = 200)]
    q: Option<String>,
}

/// A page cursor: the creation time and id of the page's last assessment.
fn encode_cursor(a: &AssessmentDto) -> String {
    format!("{}-{}", a.created_at, a.id)
}

fn decode_cursor(cursor: &str) -> Result<Position, ApiError> {
    let bad = || {
        ApiError::bad_input(format!(
            "cursor: `{cursor}` is not a cursor this API gave; pass the `next_cursor` of a page"
        ))
    };
    let (at, id) = cursor.rsplit_once('-').ok_or_else(bad)?;
    let created_at = at.parse::<i64>().map_err(|_| bad())?;
    if id.is_empty() || id.len() > 64 || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(bad());
    }
    Ok(Position {
        at: created_at,
        id: id.to_owned(),
    })
}

/// The team a new thing goes to: the one named, else an API token's team, else the user's only
/// team.
pub(super) async fn team_for(c: &AppContext, named: Option<&str>) -> Result<String, ApiError> {
    match named {
        Some("") => {
            return Err(ApiError::bad_input(
                "team: empty; leave it out for the default",
            ));
        }
        Some(t) if !t.trim().is_empty() => return Ok(t.trim().to_owned()),
        _ => {}
    }
    if let Actor::Token { team_id, .. } = &c.actor {
        return Ok(team_id.clone());
    }
    let user = c.user()?;
    let teams = c.store.teams_of(&user.id).await?;
    match teams.as_slice() {
        [only] => Ok(only.id.clone()),
        _ => Err(ApiError::bad_input(format!(
            "team: you are in {} teams; name the one it goes to",
            teams.len()
        ))),
    }
}

/// The workload details, checked as the review form checks them, every bad field named.
fn workload(name: &str, description: &str, environment: &str) -> Result<Workload, ApiError> {
    crate::service::check_workload(name, description, environment).map_err(ApiError::fields)
}

/// A stale version: 409 with the assessment as it is now.
fn conflict(e: StoreError) -> ApiError {
    match e {
        StoreError::Conflict(current) => match *current {
            Current::Assessment(a) => ApiError::new(
                StatusCode::CONFLICT,
                format!(
                    "version: the assessment changed since you read it; it is at version {} now",
                    a.version
                ),
            )
            .with_details(serde_json::json!({ "current": AssessmentDto::from(a) })),
            _ => ApiError::new(
                StatusCode::CONFLICT,
                "The assessment changed since you read it.",
            ),
        },
        other => other.into(),
    }
}

async fn audit(
    c: &AppContext,
    team: Option<&str>,
    target: &str,
    detail: &str,
) -> Result<(), ApiError> {
    if let Some(team) = team {
        c.store
            .audit(
                team,
                &c.actor.label(),
                "assessment",
                target,
                detail,
                now_ms(),
            )
            .await?;
    }
    Ok(())
}

/// List the assessments the caller can see, newest first, a page at a time; `q` searches their
/// names and descriptions.
#[utoipa::path(
    get,
    path = "/api/v1/assessments",
    tag = "assessments",
    params(ListQuery),
    responses((status = 200, description = "A page of assessments", body = AssessmentPage))
)]
pub async fn list_assessments(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<axum::Json<AssessmentPage>, ApiError> {
    let c = state.context(actor);
    let user = c.user()?.clone();
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::bad_input(format!(
            "limit: {limit} is not from 1 to {MAX_LIMIT}"
        )));
    }
    let after = q.cursor.as_deref().map(decode_cursor).transpose()?;
    let search = q.q.as_deref().unwrap_or_default();
    if search.chars().count() > 200 {
        return Err(ApiError::bad_input("q: at most 200 characters"));
    }
    let only = match &c.actor {
        Actor::Token { team_id, .. } => Some(team_id.as_str()),
        _ => None,
    };
    let (rows, more) = c
        .store
        .assessments_page(&PageQuery {
            user_id: &user.id,
            team_id: only,
            include_archived: q.include_archived.unwrap_or(false),
            search,
            order: Order::Created,
            after: after.as_ref(),
            limit,
        })
        .await?;
    let items: Vec<AssessmentDto> = rows.into_iter().map(AssessmentDto::from).collect();
    let next_cursor = if more {
        items.last().map(encode_cursor)
    } else {
        None
    };
    Ok(axum::Json(AssessmentPage { items, next_cursor }))
}

/// Create an assessment: blank, or from a review or milestone, on any questionnaire.
#[utoipa::path(
    post,
    path = "/api/v1/assessments",
    tag = "assessments",
    request_body = NewAssessmentBody,
    responses(
        (status = 201, description = "Created", body = AssessmentDto,
         headers(("location" = String, description = "The new assessment's address in the API")))
    )
)]
pub async fn create_assessment(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiJson(body): ApiJson<NewAssessmentBody>,
) -> Result<Response, ApiError> {
    let c = state.context(actor);
    c.user()?;
    workload(&body.name, &body.description, &body.environment)?;
    let team = team_for(&c, body.team.as_deref()).await?;
    let a = crate::service::create_assessment_in(
        &c,
        NewReview {
            team: &team,
            name: &body.name,
            description: &body.description,
            environment: &body.environment,
            from: body.from.trim(),
            questionnaire: &body.questionnaire,
        },
    )
    .await?;
    let mut res = (
        StatusCode::CREATED,
        axum::Json(AssessmentDto::from(a.clone())),
    )
        .into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("/api/v1/assessments/{}", a.id)) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    Ok(res)
}

/// Read an assessment.
#[utoipa::path(
    get,
    path = "/api/v1/assessments/{id}",
    tag = "assessments",
    params(("id" = String, Path, description = "The assessment")),
    responses((status = 200, description = "The assessment", body = AssessmentDto))
)]
pub async fn get_assessment(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath(id): ApiPath<String>,
) -> Result<axum::Json<AssessmentDto>, ApiError> {
    let c = state.context(actor);
    let (a, _) = c.assessment(&id, Role::Viewer).await?;
    Ok(axum::Json(a.into()))
}

/// Change an assessment's name, description or environment, at the version read.
#[utoipa::path(
    patch,
    path = "/api/v1/assessments/{id}",
    tag = "assessments",
    params(("id" = String, Path, description = "The assessment")),
    request_body = UpdateAssessmentBody,
    responses(
        (status = 200, description = "Changed", body = AssessmentDto),
        (status = 409, description = "The version is stale: `details.current` is the assessment now", body = super::error::ErrorBody)
    )
)]
pub async fn update_assessment(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<UpdateAssessmentBody>,
) -> Result<axum::Json<AssessmentDto>, ApiError> {
    let c = state.context(actor);
    let (current, _) = c.assessment(&id, Role::Editor).await?;
    let w = workload(
        body.name.as_deref().unwrap_or(&current.name),
        body.description.as_deref().unwrap_or(&current.description),
        body.environment.as_deref().unwrap_or(&current.environment),
    )?;
    let updated = c
        .store
        .update_assessment(&id, &w, body.version, now_ms())
        .await
        .map_err(conflict)?;
    if updated.name != current.name {
        audit(
            &c,
            current.team_id.as_deref(),
            &current.name,
            &format!("renamed to {}", updated.name),
        )
        .await?;
    } else {
        audit(
            &c,
            current.team_id.as_deref(),
            &current.name,
            "details changed",
        )
        .await?;
    }
    Ok(axum::Json(updated.into()))
}

async fn set_archived(
    state: AppState,
    actor: Actor,
    id: &str,
    version: i64,
    archive: bool,
) -> Result<axum::Json<AssessmentDto>, ApiError> {
    let c = state.context(actor);
    let (current, _) = c.assessment(id, Role::Owner).await?;
    let updated = c
        .store
        .set_archived_raising(
            id,
            archive,
            version,
            now_ms(),
            crate::service::webhooks::archive_event(&current, archive, now_ms()).as_slice(),
        )
        .await
        .map_err(conflict)?;
    let what = if archive { "archived" } else { "restored" };
    audit(&c, current.team_id.as_deref(), &current.name, what).await?;
    Ok(axum::Json(updated.into()))
}

/// Archive an assessment (owners), at the version read.
#[utoipa::path(
    post,
    path = "/api/v1/assessments/{id}/archive",
    tag = "assessments",
    params(("id" = String, Path, description = "The assessment")),
    request_body = VersionBody,
    responses(
        (status = 200, description = "Archived", body = AssessmentDto),
        (status = 409, description = "The version is stale: `details.current` is the assessment now", body = super::error::ErrorBody)
    )
)]
pub async fn archive_assessment(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<VersionBody>,
) -> Result<axum::Json<AssessmentDto>, ApiError> {
    set_archived(state, actor, &id, body.version, true).await
}

/// Restore an archived assessment (owners), at the version read.
#[utoipa::path(
    post,
    path = "/api/v1/assessments/{id}/restore",
    tag = "assessments",
    params(("id" = String, Path, description = "The assessment")),
    request_body = VersionBody,
    responses(
        (status = 200, description = "Restored", body = AssessmentDto),
        (status = 409, description = "The version is stale: `details.current` is the assessment now", body = super::error::ErrorBody)
    )
)]
pub async fn restore_assessment(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<VersionBody>,
) -> Result<axum::Json<AssessmentDto>, ApiError> {
    set_archived(state, actor, &id, body.version, false).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_strangers_are_refused() {
        let p = decode_cursor("1700000000000-abc123").map_err(|e| e.status());
        assert_eq!(
            p,
            Ok(Position {
                at: 1_700_000_000_000,
                id: "abc123".into()
            })
        );
        assert_eq!(
            decode_cursor("-5-a").map(|p| p.at).map_err(|e| e.status()),
            Ok(-5)
        );
        for bad in ["", "x", "12-", "a-b", "1-a b", "1-a;drop", "-a"] {
            assert!(decode_cursor(bad).is_err(), "{bad}");
        }
    }
}

/// Move an assessment on an imported lens to the lens's newest version (editors), at the
/// version read: a milestone of it as it was is saved first; answers the new version still holds
/// are carried, the others dropped; the response lists both and the questions added.
#[utoipa::path(
    post,
    path = "/api/v1/assessments/{id}/lens-upgrade",
    tag = "assessments",
    params(("id" = String, Path, description = "The assessment")),
    request_body = VersionBody,
    responses(
        (status = 200, description = "Moved", body = crate::service::LensUpgrade),
        (status = 400, description = "The built-in questionnaire, or already on the newest version", body = super::error::ErrorBody),
        (status = 409, description = "The version is stale", body = super::error::ErrorBody)
    )
)]
pub async fn upgrade_lens(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<VersionBody>,
) -> Result<axum::Json<crate::service::LensUpgrade>, ApiError> {
    let c = state.context(actor);
    Ok(axum::Json(
        crate::service::upgrade_lens(&c, &id, body.version).await?,
    ))
}
