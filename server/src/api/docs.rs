//! The API's OpenAPI 3.1 document, generated from the handlers by utoipa and served at
//! `/api/v1/openapi.json`, and the `/api` page that introduces the API (its operation list is
//! read from the same document, so the two never disagree).

use crate::error::AppError;
use std::sync::OnceLock;

use askama::Template as _;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use utoipa::OpenApi as _;
use utoipa::openapi::path::{
    HttpMethod, Operation, OperationBuilder, ParameterBuilder, ParameterIn,
};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr, Required, ResponseBuilder};

use super::error::{ErrorBody, code};
use super::exports;
use crate::state::AppState;

/// The generated document, before [`finish`] completes it.
#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "Trellis API",
        description = "Serverless design reviews for automation: assessments, answers with optimistic \
            concurrency, evaluations, reports, starter projects, milestones and questionnaires \
            (AWS Well-Architected custom lenses). Authenticate with an API token \
            (`Authorization: Bearer …`, made on /account) or a session. Every error is \
            `{\"error\": {\"status\", \"code\", \"message\", \"details\"}}`."
    ),
    components(schemas(ErrorBody)),
    security(("bearer" = []), ("session" = [])),
    tags(
        (name = "assessments", description = "Reviews of one workload each"),
        (name = "answers", description = "Answers, each with a version for optimistic concurrency"),
        (name = "results", description = "The evaluation and the starter project"),
        (name = "evidence", description = "Evidence import: answers pre-filled from infrastructure code (CloudFormation, SAM, CDK templates), the drift against the current answers, and the templates' findings"),
        (name = "risks", description = "Accepted risks: a team's recorded decision to live with a raised risk"),
        (name = "discussion", description = "Comments under questions, assignees of areas and questions, and what needs the caller"),
        (name = "sign-off", description = "Approvals: an owner's sign-off of a review, with each blocker accepted and why"),
        (name = "reports", description = "The report in every export format, now or as a milestone saved it"),
        (name = "milestones", description = "Saved snapshots, and what changed between two"),
        (name = "portfolio", description = "Every review the caller can see, summarised (JSON or a consolidated CSV report), and review tags"),
        (name = "questionnaires", description = "The built-in review and imported AWS custom lenses"),
        (name = "webhooks", description = "A team's outbound webhooks (team owners): signed deliveries of risk_opened, risk_closed, blockers_changed, checklist_item_changed, milestone_saved and review_archived, retried with backoff, and their log"),
        (name = "checklist", description = "A review's improvement checklist: each item as the answers leave it, and the team's status, owner and due date, changed at the version read"),
        (name = "teams", description = "The caller's teams, their members and roles (a team keeps an owner), and invites"),
        (name = "sharing", description = "Read-only share links of a review's results (owners)"),
        (name = "tokens", description = "API tokens, managed from a signed-in session only: a token never manages tokens"),
        (name = "meta", description = "This document"),
    )
)]
struct ApiDoc;

/// The document's info, tags, security and shared schemas; the paths come from the routes
/// ([`super::router`]).
pub fn base() -> OpenApi {
    ApiDoc::openapi()
}

/// The OpenAPI document, with the report operations, the security schemes and the shared error
/// responses added.
pub fn openapi() -> &'static OpenApi {
    static DOC: OnceLock<OpenApi> = OnceLock::new();
    DOC.get_or_init(|| {
        let (_, mut doc) = super::router();
        finish(&mut doc);
        doc
    })
}

/// The document as JSON text.
fn openapi_json() -> &'static str {
    static JSON: OnceLock<String> = OnceLock::new();
    JSON.get_or_init(|| {
        openapi()
            .to_pretty_json()
            .unwrap_or_else(|_| "{}".to_owned())
    })
}

/// The shared error responses: (status, component name, description).
const ERRORS: [(&str, &str, &str); 9] = [
    (
        "400",
        "BadRequest",
        "Bad input: a malformed body or parameter, or a value the questionnaire refuses. `details.fields` names each field",
    ),
    ("401", "Unauthorized", "No valid API token or session"),
    (
        "403",
        "Forbidden",
        "The caller's role is too low, or a session request failed the cross-site check",
    ),
    (
        "404",
        "NotFound",
        "No such resource, or one the caller cannot see",
    ),
    ("413", "PayloadTooLarge", "The body is larger than accepted"),
    (
        "415",
        "UnsupportedMediaType",
        "The body is not `application/json`",
    ),
    ("422", "Unprocessable", "The lens has errors"),
    (
        "500",
        "Internal",
        "Something went wrong on the server; the cause is logged, not shown",
    ),
    (
        "503",
        "Unavailable",
        "The database is not answering, or the server is busy with other heavy requests \
         (linting and importing lenses, rendering reports: `Retry-After` says when to try again)",
    ),
];

fn string_param(name: &str, description: &str) -> utoipa::openapi::path::Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Path)
        .required(Required::True)
        .description(Some(description))
        .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
        .build()
}

/// `?discussion=1`: the report includes each question's comments.
fn discussion_param() -> utoipa::openapi::path::Parameter {
    ParameterBuilder::new()
        .name("discussion")
        .parameter_in(ParameterIn::Query)
        .required(Required::False)
        .description(Some(
            "`1` includes the discussion: each question's comments (author, time, text; deleted \
             ones left out) under it; a milestone's report has those written before it was \
             saved. Off (`0`, or empty) by default; `true` and `false` are read the same as `1` and `0`.",
        ))
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(["", "0", "1", "false", "true"])),
        ))
        .build()
}

/// The report download operations, one per format and scope, from the formats the routes serve.
fn report_operations(doc: &mut OpenApi) {
    for export in exports::report_formats() {
        let file = export.file();
        let suffix = file.replace(['.', '-'], "_");
        let what = match file {
            "adr.zip" => {
                "The architecture decision records (MADR), one per pattern decision, zipped"
            }
            "backlog.zip" => {
                "One issue body per open checklist item, zipped, with a script that files them on GitHub"
            }
            "jira.csv" => "The open checklist items as work items for Jira's CSV importer",
            "report.json" => "The report model as JSON",
            "report.csv" => "Risks and checklist items as CSV, with stable columns",
            "report.md" => "The report as GitHub-flavoured Markdown",
            "report.html" => "The report as one self-contained HTML file",
            "report-short.pdf" => "The report as PDF, without the answers appendix",
            _ => "The report as PDF",
        };
        let body = || {
            ContentBuilder::new()
                .schema(Some(
                    ObjectBuilder::new()
                        .schema_type(if export.content_type() == "application/json" {
                            Type::Object
                        } else {
                            Type::String
                        })
                        .build(),
                ))
                .build()
        };
        let media = export
            .content_type()
            .split(';')
            .next()
            .unwrap_or_default()
            .to_owned();
        // The formats that list the questions can carry each one's comments.
        let discussion = matches!(
            file,
            "report.md" | "report.html" | "report.pdf" | "report.json"
        )
        .then(discussion_param);
        let review = OperationBuilder::new()
            .operation_id(Some(format!("get_{suffix}")))
            .tag("reports")
            .summary(Some(format!("{what}: the review now.")))
            .parameters(Some(
                std::iter::once(string_param("id", "The assessment")).chain(discussion.clone()),
            ))
            .response(
                "200",
                ResponseBuilder::new()
                    .description(format!("`{file}`"))
                    .content(media.clone(), body()),
            )
            .build();
        let milestone = OperationBuilder::new()
            .operation_id(Some(format!("get_milestone_{suffix}")))
            .tag("reports")
            .summary(Some(format!("{what}: as a milestone saved it.")))
            .parameters(Some(
                [
                    string_param("id", "The assessment"),
                    string_param("milestone", "The milestone"),
                ]
                .into_iter()
                .chain(discussion),
            ))
            .response(
                "200",
                ResponseBuilder::new()
                    .description(format!("`{file}`"))
                    .content(media.clone(), body()),
            )
            .build();
        doc.paths.add_path_operation(
            format!("/api/v1/assessments/{{id}}/{file}"),
            vec![HttpMethod::Get],
            review,
        );
        doc.paths.add_path_operation(
            format!("/api/v1/assessments/{{id}}/milestones/{{milestone}}/{file}"),
            vec![HttpMethod::Get],
            milestone,
        );
    }
}

fn operations_mut(item: &mut utoipa::openapi::path::PathItem) -> Vec<&mut Operation> {
    [
        item.get.as_mut(),
        item.put.as_mut(),
        item.post.as_mut(),
        item.delete.as_mut(),
        item.patch.as_mut(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Completes the generated document.
fn finish(doc: &mut OpenApi) {
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    report_operations(doc);
    let components = doc.components.get_or_insert_with(Default::default);
    components.security_schemes.insert(
        "bearer".to_owned(),
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .description(Some(
                    "An API token, made on /account: it acts as its user, in one team.",
                ))
                .build(),
        ),
    );
    components.security_schemes.insert(
        "session".to_owned(),
        SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
            crate::security::SESSION_COOKIE,
            "A signed-in browser's session. State-changing requests must come from a Trellis page (Origin check).",
        ))),
    );
    for (status, name, description) in ERRORS {
        components.responses.insert(
            name.to_owned(),
            RefOr::T(
                ResponseBuilder::new()
                    .description(format!(
                        "{description}. Code `{}`.",
                        code(
                            axum::http::StatusCode::from_u16(status.parse().unwrap_or(500))
                                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
                        )
                    ))
                    .content(
                        "application/json",
                        ContentBuilder::new()
                            .schema(Some(Ref::from_schema_name("ErrorBody")))
                            .build(),
                    )
                    .build(),
            ),
        );
    }
    for (path, item) in doc.paths.paths.iter_mut() {
        let has_path_params = path.contains('{');
        let public = matches!(path.as_str(), "/api/v1/catalog" | "/api/v1/openapi.json");
        for op in operations_mut(item) {
            let has_body = op.request_body.is_some();
            let takes_lens = op
                .tags
                .as_ref()
                .is_some_and(|t| t.iter().any(|t| t == "questionnaires"))
                && has_body;
            for (status, name, _) in ERRORS {
                let wanted = match status {
                    // A path, a body or a query may name what does not exist (a team, a lens).
                    "404" => has_path_params || !public,
                    "413" | "415" => has_body,
                    "422" => takes_lens,
                    _ => true,
                };
                if wanted && !op.responses.responses.contains_key(status) {
                    op.responses
                        .responses
                        .insert(status.to_owned(), RefOr::Ref(Ref::from_response_name(name)));
                }
            }
        }
    }
}

/// This document: the API's OpenAPI 3.1 description. Public.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    tag = "meta",
    security(()),
    responses((status = 200, description = "The OpenAPI document", body = Object))
)]
pub async fn get_openapi() -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=300"),
            ),
        ],
        openapi_json(),
    )
        .into_response()
}

/// One operation on the docs page.
struct OperationRow {
    method: String,
    path: String,
    summary: String,
}

/// The operations of one tag.
struct Group {
    name: String,
    description: String,
    operations: Vec<OperationRow>,
}

#[derive(askama::Template)]
#[template(path = "api.html")]
struct DocsPage {
    origin: String,
    groups: Vec<Group>,
    operations: usize,
    masthead: String,
}

/// The operations of the document, grouped by tag in the document's tag order.
fn groups(doc: &OpenApi) -> Vec<Group> {
    let mut groups: Vec<Group> = doc
        .tags
        .iter()
        .flatten()
        .map(|t| Group {
            name: t.name.clone(),
            description: t.description.clone().unwrap_or_default(),
            operations: Vec::new(),
        })
        .collect();
    for (path, item) in &doc.paths.paths {
        let ops = [
            ("GET", item.get.as_ref()),
            ("PUT", item.put.as_ref()),
            ("POST", item.post.as_ref()),
            ("PATCH", item.patch.as_ref()),
            ("DELETE", item.delete.as_ref()),
        ];
        for (method, op) in ops {
            let Some(op) = op else { continue };
            let tag = op
                .tags
                .as_ref()
                .and_then(|t| t.first())
                .cloned()
                .unwrap_or_default();
            let row = OperationRow {
                method: method.to_owned(),
                path: path.clone(),
                summary: op
                    .summary
                    .clone()
                    .unwrap_or_default()
                    .trim_end_matches('.')
                    .to_owned(),
            };
            match groups.iter_mut().find(|g| g.name == tag) {
                Some(g) => g.operations.push(row),
                None => groups.push(Group {
                    name: tag,
                    description: String::new(),
                    operations: vec![row],
                }),
            }
        }
    }
    groups.retain(|g| !g.operations.is_empty());
    groups
}

/// `GET /api`: what the API is, how to authenticate, every operation, and examples. Public.
pub async fn docs_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    chrome: crate::chrome::Chrome,
) -> Response {
    let groups = groups(openapi());
    let page = DocsPage {
        origin: crate::report::routes::origin(&state, &headers)
            .unwrap_or_else(|| "https://trellis.example".to_owned()),
        operations: groups.iter().map(|g| g.operations.len()).sum(),
        groups,
        masthead: chrome.masthead(),
    };
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(cause = %e, "rendering the API page failed");
            AppError::Internal("The API page could not be rendered.".into()).into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_is_openapi_3_1_and_every_operation_has_its_errors() {
        let doc = openapi();
        let json: serde_json::Value = serde_json::from_str(openapi_json()).unwrap_or_default();
        assert_eq!(json["openapi"], "3.1.0");
        for (path, item) in &doc.paths.paths {
            let mut item = item.clone();
            for op in operations_mut(&mut item) {
                for status in ["400", "401", "500"] {
                    assert!(
                        op.responses.responses.contains_key(status),
                        "{path} has no {status}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_docs_page_lists_every_operation_once() {
        let doc = openapi();
        let listed: usize = groups(doc).iter().map(|g| g.operations.len()).sum();
        let mut count = 0;
        for item in doc.paths.paths.values() {
            let mut item = item.clone();
            count += operations_mut(&mut item).len();
        }
        assert_eq!(listed, count);
        assert!(
            groups(doc)
                .iter()
                .all(|g| g.name != "meta" || g.operations.len() == 1)
        );
    }
}
