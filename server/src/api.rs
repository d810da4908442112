//! The REST API under `/api/v1`, for CI pipelines, dashboards and scripts, authenticated with an
//! API token (`Authorization: Bearer …`) or a session, and described by the OpenAPI 3.1 document
//! at `/api/v1/openapi.json`. The handlers are thin: they extract, call `app::server`,
//! `AppContext` and the store, and return the API's own JSON types ([`dto`]).
//!
//! - [`assessments`]: list (keyset pages), create, read, update, archive, restore;
//! - [`answers`]: read all, write one, clear one, write many;
//! - [`answers_file`]: apply a whole answers file (what `trellis push` sends);
//! - [`exports`]: the evaluation, the report in every format, the starter zip, milestones and
//!   diffs;
//! - [`questionnaires`]: list, read, export, import and lint lenses, and the catalog;
//! - [`error`]: the one error shape every `/api/v1` response uses;
//! - [`docs`]: the OpenAPI document and the `/api` page.

pub mod answers;
pub mod answers_file;
pub mod assessments;
pub mod docs;
pub mod dto;
pub mod error;
pub mod exports;
pub mod questionnaires;

use axum::http::Method;
use axum::routing::{MethodRouter, delete, get, patch, post, put};

pub use docs::openapi;
pub use error::{ApiError, ErrorMessage, is_api, json_errors};

use crate::web::AppState;

/// The API's routes, each with its one method, and the `/api` page.
pub fn routes() -> Vec<(Method, String, MethodRouter<AppState>)> {
    let a = "/api/v1/assessments";
    let mut out: Vec<(Method, String, MethodRouter<AppState>)> = vec![
        (Method::GET, "/api".into(), get(docs::docs_page)),
        (
            Method::GET,
            "/api/v1/openapi.json".into(),
            get(docs::get_openapi),
        ),
        (Method::GET, a.into(), get(assessments::list_assessments)),
        (Method::POST, a.into(), post(assessments::create_assessment)),
        (
            Method::GET,
            format!("{a}/{{id}}"),
            get(assessments::get_assessment),
        ),
        (
            Method::PATCH,
            format!("{a}/{{id}}"),
            patch(assessments::update_assessment),
        ),
        (
            Method::POST,
            format!("{a}/{{id}}/archive"),
            post(assessments::archive_assessment),
        ),
        (
            Method::POST,
            format!("{a}/{{id}}/restore"),
            post(assessments::restore_assessment),
        ),
        (
            Method::GET,
            format!("{a}/{{id}}/answers"),
            get(answers::list_answers),
        ),
        (
            Method::PUT,
            format!("{a}/{{id}}/answers"),
            put(answers::put_answers),
        ),
        (
            Method::PUT,
            format!("{a}/{{id}}/answers/{{question_id}}"),
            put(answers::put_answer),
        ),
        (
            Method::DELETE,
            format!("{a}/{{id}}/answers/{{question_id}}"),
            delete(answers::delete_answer),
        ),
        (
            Method::PUT,
            format!("{a}/{{id}}/answers-file"),
            put(answers_file::put_answers_file),
        ),
        (
            Method::GET,
            format!("{a}/{{id}}/evaluation"),
            get(exports::get_evaluation),
        ),
        (
            Method::GET,
            format!("{a}/{{id}}/scaffold.zip"),
            get(exports::get_scaffold),
        ),
        (
            Method::GET,
            format!("{a}/{{id}}/milestones"),
            get(exports::list_milestones),
        ),
        (
            Method::POST,
            format!("{a}/{{id}}/milestones"),
            post(exports::create_milestone),
        ),
        (
            Method::GET,
            format!("{a}/{{id}}/milestones/{{milestone}}"),
            get(exports::get_milestone),
        ),
        (
            Method::GET,
            format!("{a}/{{id}}/diff"),
            get(exports::get_diff),
        ),
        (
            Method::GET,
            format!("{a}/{{id}}/diff.md"),
            get(exports::get_diff_markdown),
        ),
        (
            Method::GET,
            "/api/v1/questionnaires".into(),
            get(questionnaires::list_questionnaires),
        ),
        (
            Method::POST,
            "/api/v1/questionnaires".into(),
            post(questionnaires::import_questionnaire),
        ),
        (
            Method::GET,
            "/api/v1/questionnaires/{id}".into(),
            get(questionnaires::get_questionnaire),
        ),
        (
            Method::GET,
            "/api/v1/questionnaires/{id}/lens.json".into(),
            get(questionnaires::export_questionnaire),
        ),
        (
            Method::POST,
            "/api/v1/questionnaires/{id}/versions".into(),
            post(questionnaires::import_version),
        ),
        (
            Method::POST,
            "/api/v1/lint".into(),
            post(questionnaires::lint_lens),
        ),
        (
            Method::GET,
            "/api/v1/catalog".into(),
            get(questionnaires::get_catalog),
        ),
    ];
    out.extend(
        exports::report_routes()
            .into_iter()
            .map(|(path, handler)| (Method::GET, path, handler)),
    );
    out
}
