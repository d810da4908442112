//! The Trellis server and command-line interface.
//!
//! - [`cli`]: the `trellis` commands (`serve`, `evaluate`, `report`, `catalog`), with stable exit
//!   codes;
//! - [`api`]: the REST API under `/api/v1`, with its OpenAPI document;
//! - [`state`]: [`state::AppState`], what every handler can read;
//! - [`web`]: the axum router, built by [`web::router`] so tests can drive it without a socket;
//! - [`bundle`]: the browser bundle under `/pkg`, embedded in the binary;
//! - [`catalog`]: the questionnaire and pattern catalog as a stable JSON contract;
//! - [`chrome`]: the shared masthead on the server's own pages and error pages;
//! - [`error`]: [`error::AppError`], the one web error, and the only place a failure becomes a
//!   response;
//! - [`service`]: the use cases (reviews, areas, results, checklist, teams, accounts, milestones,
//!   lenses) on top of the `store` crate, for the pages, the REST API and the reports alike;
//! - [`pages`]: the pages' backend, `app::backend::Backend` implemented on [`service`];
//! - [`page_cache`]: rendered results pages, reused until their assessment changes;
//! - [`observe`]: request ids, JSON logs, `/metrics`, `/healthz` and `/readyz`, time limits;
//! - [`security`]: who is asking, the cross-site request check, and the security headers;
//! - [`accounts`]: sign-up, sign-in, sign-out, invites, API tokens and share links;
//! - [`portfolio`]: the portfolio page and a review's tags page;
//! - [`discussion`]: a question's page (its comments and assignee) and "Needs me";
//! - [`evidence`]: a review's "Import from infrastructure code" page, and the upload's body limit;
//! - [`webhooks`]: outbound webhooks on the wire: SSRF rules, signatures, the sender task;
//! - [`lens_upgrade`]: a review's lens version page: what moving to a newer one would do, and
//!   the move;
//! - [`lenses`]: the questionnaires pages: import, lint and export AWS custom lenses;
//! - [`report`]: the report model rendered as a page, PDF, HTML, Markdown, JSON, CSV, ADRs and a
//!   backlog, for a review, a milestone or a share link.

// The review page's view type is deep; laying out its future needs more than the default 128.
#![recursion_limit = "256"]

pub mod account_admin;
pub mod accounts;
pub mod api;
pub mod bundle;
pub mod catalog;
pub mod chrome;
pub mod cli;
pub mod discussion;
pub mod error;
pub mod evidence;
pub mod lens_upgrade;
pub mod lenses;
pub mod observe;
pub mod page_cache;
pub mod pages;
pub mod passwords;
pub mod portfolio;
pub mod report;
pub mod scaffold;
pub mod security;
pub mod service;
pub mod sso;
pub mod state;
pub mod web;
pub mod webhook_pages;
pub mod webhooks;
