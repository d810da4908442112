//! Sign-off on the results page: the plain form post by which an owner approves the design,
//! accepting each blocker with a reason. It comes back to the sign-off on the results page; a
//! refused approval comes back with its error in the address (`__err`, as every server
//! function's form post does) and `field=approve`, so the page shows each blocker's problem
//! beside its reason box.

#![expect(
    missing_docs,
    reason = "#[server] generates argument structs without docs"
)]

use std::collections::BTreeMap;

use leptos::prelude::*;

use crate::error::Failure;

/// The `field` a refused approval comes back with: its messages belong to the approval form.
pub const APPROVE_FIELD: &str = "approve";

/// The name of a blocker's reason box in the approval form (`reasons[ID]`).
pub fn blocker_field(blocker: &str) -> String {
    format!("reasons[{blocker}]")
}

/// The id of a blocker's reason box in the approval form.
pub fn blocker_input_id(blocker: &str) -> String {
    format!("approve-{blocker}")
}

/// A refused approval's message split by field: the problem of each blocker (by id), and what
/// belongs to the form as a whole. The service names each blocker's problem as
/// `reasons.ID: …`, joined by `; `.
pub fn approval_errors(message: &str) -> (BTreeMap<String, String>, Vec<String>) {
    let mut by_blocker = BTreeMap::new();
    let mut rest = Vec::new();
    let Some(parts) = message.strip_prefix("reasons.") else {
        return (by_blocker, vec![message.to_owned()]);
    };
    for part in parts.split("; reasons.") {
        match part.split_once(": ") {
            Some((id, m)) => {
                by_blocker.insert(id.to_owned(), m.to_owned());
            }
            None => rest.push(part.to_owned()),
        }
    }
    (by_blocker, rest)
}

/// Approves the design as it stands (owners): `reasons` holds why each blocker is accepted, by
/// its id; `milestone` names the milestone saved with the approval.
#[server(endpoint = "approve_design")]
pub async fn approve_design(
    id: String,
    milestone: Option<String>,
    reasons: Option<BTreeMap<String, String>>,
) -> Result<(), Failure> {
    let done = crate::backend::backend()?
        .approve_design(&id, &reasons.unwrap_or_default(), milestone.as_deref())
        .await;
    back_to_results(&id, done)
}

/// Sends a plain form post back to the sign-off on the results page: on success, to the banner;
/// on failure, with the error (as `__path`/`__err`, which server functions use) and, for a
/// refused approval (422), `field=approve`. A call from code gets its result as it is.
#[cfg(feature = "ssr")]
fn back_to_results(id: &str, done: Result<(), Failure>) -> Result<(), Failure> {
    use leptos::server_fn::ServerFn;
    use leptos::server_fn::error::ServerFnUrlError;

    let plain_form = use_context::<axum::http::request::Parts>().is_some_and(|p| {
        p.headers
            .get(axum::http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"))
    });
    let results = format!("/assessments/{}/results", crate::redirect::query_value(id));
    let anchor = "#sign-off";
    match &done {
        Ok(()) => leptos_axum::redirect(&format!("{results}{anchor}")),
        Err(failure) if plain_form => {
            let path = if failure.status == 422 {
                format!("{results}?field={APPROVE_FIELD}")
            } else {
                results
            };
            let back = ServerFnUrlError::new(ApproveDesign::PATH, failure.clone())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_approval_is_split_by_blocker() {
        let (by, rest) = approval_errors(
            "reasons.job: the blocker \u{201c}Jobs\u{201d} needs a reason: say why; it cannot be \
             blank; reasons.lambda_timeout: the blocker \u{201c}Timeout\u{201d} needs a reason: x",
        );
        assert_eq!(by.len(), 2);
        assert!(by["job"].ends_with("say why; it cannot be blank"), "{by:?}");
        assert!(by["lambda_timeout"].starts_with("the blocker"));
        assert!(rest.is_empty());
        let (by, rest) = approval_errors("milestone: at most 100 characters");
        assert!(by.is_empty());
        assert_eq!(rest, ["milestone: at most 100 characters"]);
    }
}
