//! Evidence import over the API: upload templates (several files, or a zip) to pre-fill an
//! assessment (`crate::service::evidence`), read the latest import, and choose, per drifted
//! question, the template's value or the current answer. Writes need the editor role.

use std::collections::BTreeMap;

use axum::Extension;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::header;
use serde::Deserialize;
use store::auth::Actor;
use utoipa::ToSchema;

use super::error::{ApiError, ApiJson, ApiPath};
use crate::error::AppError;
use crate::service::evidence::{Decision, EvidenceImport, Upload};
use crate::state::AppState;

/// The upload: templates (YAML or JSON) or zips of them.
#[derive(Debug, ToSchema)]
pub struct EvidenceUpload {
    /// Each a CloudFormation, SAM or CDK template, or a zip of them (at most 8 MiB in all).
    #[schema(value_type = Vec<String>, format = Binary)]
    pub files: Vec<Vec<u8>>,
}

/// The team's choices on the latest import's drift.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionsBody {
    /// The import the choices were made on: it must still be the latest.
    pub import_id: String,
    /// Question id → `accept` (the template's value, marked to confirm) or `keep`.
    pub decisions: BTreeMap<String, Decision>,
}

/// The files of an upload: a multipart form (every file part), or a zip as the whole body
/// (`Content-Type: application/zip`).
pub async fn read_uploads(req: Request) -> Result<Vec<Upload>, AppError> {
    let kind = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    if kind.starts_with("application/zip") || kind.starts_with("application/x-zip") {
        let bytes = axum::body::to_bytes(req.into_body(), crate::service::evidence::MAX_UPLOAD)
            .await
            .map_err(|_| too_large())?;
        return Ok(vec![Upload {
            name: "upload.zip".to_owned(),
            bytes: bytes.to_vec(),
        }]);
    }
    let mut form = Multipart::from_request(req, &()).await.map_err(|e| {
        AppError::BadInput(format!(
            "Expected a multipart form with template files (or a zip as \
             `Content-Type: application/zip`): {}",
            e.body_text()
        ))
    })?;
    let mut out = Vec::new();
    loop {
        let field = form.next_field().await.map_err(multipart_error)?;
        let Some(field) = field else { break };
        let Some(name) = field.file_name().map(str::to_owned) else {
            continue;
        };
        let bytes = field.bytes().await.map_err(multipart_error)?;
        if name.is_empty() && bytes.is_empty() {
            continue;
        }
        out.push(Upload {
            name,
            bytes: bytes.to_vec(),
        });
    }
    Ok(out)
}

fn too_large() -> AppError {
    AppError::TooLarge(format!(
        "files: more than the {} MiB one import takes",
        crate::service::evidence::MAX_UPLOAD / 1024 / 1024
    ))
}

fn multipart_error(e: axum::extract::multipart::MultipartError) -> AppError {
    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        too_large()
    } else {
        AppError::BadInput(format!("the form could not be read: {}", e.body_text()))
    }
}

/// Import templates into an assessment.
///
/// Unanswered questions are filled and marked to confirm; questions answered the same keep
/// their answer; questions answered otherwise are listed as drift and change only once chosen
/// (`…/evidence/decisions`). A template that cannot be read is a 422 naming the file and what is
/// wrong, and nothing is written.
#[utoipa::path(
    post,
    path = "/api/v1/assessments/{id}/evidence",
    tag = "evidence",
    params(("id" = String, Path, description = "The assessment")),
    request_body(content = EvidenceUpload, content_type = "multipart/form-data"),
    responses(
        (status = 200, description = "Imported: what was filled, unchanged, the drift and the template's findings", body = EvidenceImport),
        (status = 400, description = "No files, or a form that cannot be read", body = super::error::ErrorBody),
        (status = 409, description = "An answer changed while the import ran; nothing was stored", body = super::error::ErrorBody),
        (status = 413, description = "More than 8 MiB", body = super::error::ErrorBody),
        (status = 422, description = "A file is not a template that can be read (named, with why), or the assessment does not run on the built-in questionnaire", body = super::error::ErrorBody)
    )
)]
pub async fn post_evidence(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath(id): ApiPath<String>,
    req: Request,
) -> Result<axum::Json<EvidenceImport>, ApiError> {
    let c = state.context(actor);
    // Who may import is checked before the upload is read.
    c.assessment(&id, store::auth::Role::Editor).await?;
    let uploads = read_uploads(req).await?;
    Ok(axum::Json(
        crate::service::evidence::import_evidence(&c, &id, uploads).await?,
    ))
}

/// The latest import of an assessment.
#[utoipa::path(
    get,
    path = "/api/v1/assessments/{id}/evidence",
    tag = "evidence",
    params(("id" = String, Path, description = "The assessment")),
    responses(
        (status = 200, description = "The latest import", body = EvidenceImport),
        (status = 404, description = "No import yet (or no such assessment)", body = super::error::ErrorBody)
    )
)]
pub async fn get_evidence(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath(id): ApiPath<String>,
) -> Result<axum::Json<EvidenceImport>, ApiError> {
    let c = state.context(actor);
    crate::service::evidence::evidence(&c, &id)
        .await?
        .map(axum::Json)
        .ok_or_else(|| {
            ApiError::not_found("This assessment has no import from infrastructure code yet.")
        })
}

/// Choose, per drifted question of the latest import, the template's value or the current answer.
///
/// All in one transaction: accepting writes the template's value at the answer's version when the
/// import ran (marked to confirm); if any of those answers changed since, nothing is stored (409).
#[utoipa::path(
    post,
    path = "/api/v1/assessments/{id}/evidence/decisions",
    tag = "evidence",
    params(("id" = String, Path, description = "The assessment")),
    request_body = DecisionsBody,
    responses(
        (status = 200, description = "Applied: the import with its choices", body = EvidenceImport),
        (status = 400, description = "A question that is not drift of this import, or already decided", body = super::error::ErrorBody),
        (status = 409, description = "Not the latest import, or an answer changed since the import; nothing was stored", body = super::error::ErrorBody)
    )
)]
pub async fn decide_evidence(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<DecisionsBody>,
) -> Result<axum::Json<EvidenceImport>, ApiError> {
    let c = state.context(actor);
    Ok(axum::Json(
        crate::service::evidence::decide_evidence(&c, &id, &body.import_id, &body.decisions)
            .await?,
    ))
}
