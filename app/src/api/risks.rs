//! Accepted risks on the results page: what the page shows of an acceptance, and the two plain
//! form posts (accept, withdraw) that work without JavaScript.
//!
//! Both come back to the risk on the results page. A refused acceptance (a blank reason, say)
//! comes back with its error in the address, as every server function's form post does, and
//! with the field it belongs to (`field`), so the page shows it beside that field.

#![expect(
    missing_docs,
    reason = "#[server] generates argument structs without docs"
)]

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::Failure;

/// A team's acceptance of a raised risk, as the results page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AcceptanceView {
    /// The question whose risk it accepts.
    pub question: String,
    /// The level accepted: `high` or `medium`.
    pub level: String,
    /// Why the team lives with it.
    pub reason: String,
    /// Who accepted it, by name.
    pub by: String,
    /// Unix ms.
    pub at: i64,
    /// The risk rose above the level accepted: the acceptance no longer covers it.
    pub lapsed: bool,
}

/// The id of the reason field of a risk's accept form.
pub fn reason_field(question: &str) -> String {
    format!("reason-{question}")
}

/// Accepts the risk a question raises, with the reason the team lives with it (editors).
/// `level` is the level the editor saw: a risk that changed since is refused.
#[server(endpoint = "accept_risk")]
pub async fn accept_risk(
    id: String,
    question: String,
    level: Option<String>,
    reason: String,
) -> Result<(), Failure> {
    let done = crate::backend::backend()?
        .accept_risk(&id, &question, level.as_deref(), &reason)
        .await;
    let field = reason_field(&question);
    back_to_risk::<AcceptRisk>(&id, &question, Some(&field), done)
}

/// Withdraws the acceptance of a question's risk (editors).
#[server(endpoint = "withdraw_risk")]
pub async fn withdraw_risk(id: String, question: String) -> Result<(), Failure> {
    let done = crate::backend::backend()?
        .withdraw_risk(&id, &question)
        .await;
    back_to_risk::<WithdrawRisk>(&id, &question, None, done)
}

/// Sends a plain form post back to the risk on the results page: on success, to the risk; on
/// failure, with the error (as `__path`/`__err`, which server functions use) and, for bad input,
/// the `field` it is shown beside. A call from code gets its result as it is.
#[cfg(feature = "ssr")]
fn back_to_risk<F: leptos::server_fn::ServerFn>(
    id: &str,
    question: &str,
    field: Option<&str>,
    done: Result<(), Failure>,
) -> Result<(), Failure> {
    use leptos::server_fn::error::ServerFnUrlError;

    let plain_form = use_context::<axum::http::request::Parts>().is_some_and(|p| {
        p.headers
            .get(axum::http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"))
    });
    let results = format!("/assessments/{}/results", crate::redirect::query_value(id));
    let anchor = format!("#risk-{}", crate::redirect::query_value(question));
    match &done {
        Ok(()) => leptos_axum::redirect(&format!("{results}{anchor}")),
        Err(failure) if plain_form => {
            // Bad input is the field's; anything else (refused, or the risk changed) is the
            // page's, shown at its top.
            let path = match field.filter(|_| failure.status == 400) {
                Some(f) => format!("{results}?field={}", crate::redirect::query_value(f)),
                None => results,
            };
            let back = ServerFnUrlError::new(F::PATH, failure.clone())
                .to_url(&format!("http://localhost{path}"))
                .map_or(path, |u| {
                    format!("{}?{}", u.path(), u.query().unwrap_or(""))
                });
            leptos_axum::redirect(&format!("{back}{anchor}"));
        }
        Err(_) => {}
    }
    done
}
