//! The REST API under `/api/v1`, for CI pipelines, dashboards and scripts, authenticated with an
//! API token (`Authorization: Bearer …`) or a session, and described by the OpenAPI 3.1 document
//! at `/api/v1/openapi.json`. The handlers are thin: they extract, call `app::server`,
//! `AppContext` and the store, and return the API's own JSON types ([`dto`]).
//!
//! - [`assessments`]: list (keyset pages), create, read, update, archive, restore, move to the
//!   newest version of its lens;
//! - [`answers`]: read all, write one, clear one, write many;
//! - [`answers_file`]: apply a whole answers file (what `trellis push` sends);
//! - [`evidence`]: import templates to pre-fill answers, read the latest import, choose on
//!   its drift;
//! - [`discussion`]: comments under questions, assignees, what needs me;
//! - [`risks`]: accepted risks: list, accept, withdraw;
//! - [`approvals`]: sign-off: list a review's approvals, approve it;
//! - [`exports`]: the evaluation, the report in every format, the starter zip, milestones and
//!   diffs;
//! - [`webhooks`]: a team's outbound webhooks, a test delivery, the delivery log;
//! - [`org`]: a review's checklist state; teams, members and invites; share links; API tokens
//!   (from a signed-in session only);
//! - [`portfolio`]: the portfolio of every review (JSON or CSV), a review's tags;
//! - [`questionnaires`]: list, read, export, import and lint lenses, and the catalog;
//! - [`error`]: the one error shape every `/api/v1` response uses;
//! - [`docs`]: the OpenAPI document and the `/api` page.

pub mod answers;
pub mod answers_file;
pub mod approvals;
pub mod assessments;
pub mod discussion;
pub mod docs;
pub mod dto;
pub mod error;
pub mod evidence;
pub mod exports;
pub mod org;
pub mod portfolio;
pub mod questionnaires;
pub mod risks;
pub mod webhooks;

use axum::Router;
use utoipa::openapi::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use docs::openapi;
pub use error::{ApiError, ErrorMessage, is_api, json_errors};

use crate::state::AppState;

/// The API: every operation, declared once by its handler's `#[utoipa::path]` (method, path,
/// parameters, responses) and listed once here, which gives both the routes and the OpenAPI
/// document's paths; plus the report downloads, one per format (documented by
/// [`docs::openapi`] from the same formats).
pub fn router() -> (Router<AppState>, OpenApi) {
    let (router, doc) = OpenApiRouter::with_openapi(docs::base())
        .routes(routes!(assessments::list_assessments))
        .routes(routes!(assessments::create_assessment))
        .routes(routes!(assessments::get_assessment))
        .routes(routes!(assessments::update_assessment))
        .routes(routes!(assessments::archive_assessment))
        .routes(routes!(assessments::restore_assessment))
        .routes(routes!(assessments::upgrade_lens))
        .routes(routes!(answers::list_answers))
        .routes(routes!(answers::put_answers))
        .routes(routes!(answers::put_answer))
        .routes(routes!(answers::delete_answer))
        .routes(routes!(answers_file::put_answers_file))
        .routes(routes!(evidence::post_evidence, evidence::get_evidence))
        .routes(routes!(evidence::decide_evidence))
        .routes(routes!(risks::list_acceptances))
        .routes(routes!(risks::accept_risk))
        .routes(routes!(risks::withdraw_risk))
        .routes(routes!(approvals::list_approvals, approvals::approve))
        .routes(routes!(discussion::list_comments, discussion::post_comment))
        .routes(routes!(
            discussion::patch_comment,
            discussion::delete_comment
        ))
        .routes(routes!(
            discussion::list_assignees,
            discussion::put_assignee,
            discussion::delete_assignee
        ))
        .routes(routes!(discussion::get_inbox))
        .routes(routes!(exports::get_evaluation))
        .routes(routes!(exports::get_scaffold))
        .routes(routes!(exports::list_milestones))
        .routes(routes!(exports::create_milestone))
        .routes(routes!(exports::get_milestone))
        .routes(routes!(exports::get_diff))
        .routes(routes!(exports::get_diff_markdown))
        .routes(routes!(questionnaires::list_questionnaires))
        .routes(routes!(questionnaires::import_questionnaire))
        .routes(routes!(questionnaires::get_questionnaire))
        .routes(routes!(questionnaires::export_questionnaire))
        .routes(routes!(questionnaires::import_version))
        .routes(routes!(questionnaires::lint_lens))
        .routes(routes!(questionnaires::get_catalog))
        .routes(routes!(webhooks::list_webhooks, webhooks::create_webhook))
        .routes(routes!(
            webhooks::get_webhook,
            webhooks::update_webhook,
            webhooks::delete_webhook
        ))
        .routes(routes!(webhooks::test_webhook))
        .routes(routes!(webhooks::list_deliveries))
        .routes(routes!(portfolio::get_portfolio))
        .routes(routes!(portfolio::get_tags, portfolio::put_tags))
        .routes(routes!(org::list_checklist))
        .routes(routes!(org::update_checklist_item))
        .routes(routes!(org::list_teams, org::create_team))
        .routes(routes!(org::get_team))
        .routes(routes!(org::update_member, org::remove_member))
        .routes(routes!(org::list_invites, org::create_invite))
        .routes(routes!(org::revoke_invite))
        .routes(routes!(org::list_share_links, org::create_share_link))
        .routes(routes!(org::revoke_share_link))
        .routes(routes!(org::list_tokens, org::create_token))
        .routes(routes!(org::revoke_token))
        .routes(routes!(docs::get_openapi))
        .split_for_parts();
    let router = exports::report_routes()
        .into_iter()
        .fold(router, |r, (path, handler)| r.route(&path, handler));
    (router, doc)
}
