//! The sign-off on the results page: a banner saying who approved the design and when, with
//! what was accepted and why (or that the answers changed since the approval), and, for owners,
//! "Approve this design": a plain form listing each blocker with a box for the reason it is
//! accepted. A refused approval comes back with each blocker's problem beside its box.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use questionnaires::report::ReportSignOff;
use questionnaires::verdict::BlockerKind;

use super::risks::FieldError;
use crate::api::{
    APPROVE_FIELD, ApproveDesign, ResultsData as Page, approval_errors, blocker_field,
    blocker_input_id,
};

/// The banner and, for owners, the approval form.
#[component]
pub fn SignOff(page: Page, error: FieldError) -> impl IntoView {
    let banner = page.sign_off.clone().map(|s| view! { <Banner s /> });
    let form = page.can_approve.then(|| {
        let error = error.filter(|(f, _)| f == APPROVE_FIELD).map(|(_, m)| m);
        view! { <ApproveForm page=page.clone() error /> }
    });
    (banner.is_some() || form.is_some()).then(|| {
        view! { <div id="sign-off" class="sign-off">{banner}{form}</div> }
    })
}

/// "Approved by … on …" with the accepted blockers and their reasons, or "Changed since
/// approval by … on …".
#[component]
fn Banner(s: ReportSignOff) -> impl IntoView {
    let class = if s.changed_since {
        "notice approval changed"
    } else {
        "notice approval"
    };
    let title = if s.changed_since {
        format!("Changed since approval by {} on {}.", s.by, s.day())
    } else {
        format!("Approved by {} on {}.", s.by, s.day())
    };
    let detail = if s.changed_since {
        format!(
            "The answers differ from those approved as the milestone \u{201c}{}\u{201d}: the approval does not cover these results.",
            s.milestone
        )
    } else {
        format!(
            "Verdict then: {}. Saved as the milestone \u{201c}{}\u{201d}.",
            s.verdict_label, s.milestone
        )
    };
    let accepted = s.accepted.clone();
    let n = accepted.len();
    view! {
        <div class=class role="note">
            <p><strong>{title}</strong>" "{detail}</p>
            {(n > 0).then(|| view! {
                <details open=!s.changed_since>
                    <summary>{if n == 1 { "1 blocker accepted".to_owned() } else { format!("{n} blockers accepted") }}</summary>
                    <ul>{accepted.into_iter().map(|a| view! {
                        <li><strong>{a.title}</strong>": "{a.reason}</li>
                    }).collect_view()}</ul>
                </details>
            })}
        </div>
    }
}

/// "Approve this design": a reason box for each blocker (filled with the reason of a risk the
/// team accepted), the milestone's name, and the errors of a refused approval beside their box.
#[component]
fn ApproveForm(page: Page, error: Option<String>) -> impl IntoView {
    let e = &page.evaluation;
    let (by_blocker, mut general) = error.as_deref().map(approval_errors).unwrap_or_default();
    for (id, m) in &by_blocker {
        if !e.verdict.blockers.iter().any(|b| b.id == *id) {
            general.push(m.clone());
        }
    }
    let invalid = error.is_some();
    let blockers: Vec<(String, String, String, Option<String>)> = e
        .verdict
        .blockers
        .iter()
        .map(|b| {
            let (tag, title) = match b.kind {
                BlockerKind::Risk => (
                    "high risk",
                    e.risks
                        .iter()
                        .find(|r| r.question.as_str() == b.id)
                        .map(|r| r.heading().to_string()),
                ),
                BlockerKind::Check => (
                    "failed check",
                    e.checks
                        .iter()
                        .find(|c| *c.id == b.id)
                        .map(|c| c.title.to_string()),
                ),
            };
            let standing = page
                .acceptances
                .iter()
                .find(|a| a.question == b.id && !a.lapsed)
                .map(|a| a.reason.clone());
            (
                b.id.clone(),
                format!("{} ({tag})", title.unwrap_or_else(|| b.message.clone())),
                standing.unwrap_or_default(),
                by_blocker.get(&b.id).map(|m| sentence(m)),
            )
        })
        .collect();
    let again = page.sign_off.as_ref().is_some_and(|s| s.changed_since);
    view! {
        <details class="approve" open=invalid>
            <summary>{if again { "Approve this design again" } else { "Approve this design" }}</summary>
            <form method="post" action=ApproveDesign::url() class="accept-form approve-form">
                <input type="hidden" name="id" value=page.assessment_id.clone() />
                {(!general.is_empty()).then(|| view! {
                    <div class="notice error" role="alert">{general.into_iter().map(|m| view! { <p>{sentence(&m)}</p> }).collect_view()}</div>
                })}
                <p class="small">{if blockers.is_empty() {
                    "Nothing blocks this design. Approving records you as the approver of the verdict and the answers as they are now.".to_owned()
                } else {
                    format!(
                        "Approving accepts {}: say why for each. The approval, with the verdict and the answers as they are now, is saved as a milestone.",
                        if blockers.len() == 1 { "the blocker".to_owned() } else { format!("all {} blockers", blockers.len()) }
                    )
                }}</p>
                {blockers.into_iter().map(|(id, label, standing, message)| {
                    let input = blocker_input_id(&id);
                    let error_id = format!("{input}-error");
                    let bad = message.is_some();
                    view! {
                        <label for=input.clone()>{label}</label>
                        <textarea
                            id=input
                            name=blocker_field(&id)
                            rows="2"
                            maxlength="2000"
                            required
                            aria-invalid=bad.then_some("true")
                            aria-describedby=bad.then(|| error_id.clone())
                        >{standing}</textarea>
                        {message.map(|m| view! { <p class="field-error" id=error_id role="alert">{m}</p> })}
                    }
                }).collect_view()}
                <label for="approve-milestone">"Milestone name (optional)"</label>
                <input id="approve-milestone" name="milestone" type="text" maxlength="100" placeholder="Approved by you" />
                <button type="submit">"Approve this design"</button>
            </form>
        </details>
    }
}

/// A message of the service as a sentence of its own: capitalised, with a full stop.
fn sentence(m: &str) -> String {
    let mut chars = m.chars();
    let s: String = chars
        .next()
        .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect());
    if s.ends_with(['.', '!', '?']) {
        s
    } else {
        format!("{s}.")
    }
}
