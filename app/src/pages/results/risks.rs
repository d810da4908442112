//! The risks on the results page: each titled by its problem and level, then why it matters,
//! the answers behind it, the question as context (with a "Fix it" link for editors), how to
//! improve, and the team's acceptance. Editors accept a risk with a reason, or withdraw the
//! acceptance, by plain form posts; a refused acceptance comes back with its error beside the
//! reason field.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use questionnaires::evaluate::RiskItem;

use super::{fact_words, question_link};
use crate::api::{AcceptRisk, AcceptanceView, ResultsData as Page, WithdrawRisk, reason_field};

/// A form post's error for one field of the page: (the field's id, the message).
pub type FieldError = Option<(String, String)>;

/// At most this many improvements are listed under a risk; the report lists them all.
const SHOWN_IMPROVEMENTS: usize = 3;

/// The risks of one level.
#[component]
pub fn RiskList(
    title: &'static str,
    risks: Vec<RiskItem>,
    page: Page,
    error: FieldError,
) -> impl IntoView {
    (!risks.is_empty()).then(|| {
        view! {
            <h3 class=format!("risk-group {}", title.to_lowercase())>{title}</h3>
            <ul class="risks">
                {risks.into_iter().map(|r| {
                    let accepted = page.acceptances.iter().find(|a| a.question == r.question.as_str()).cloned();
                    view! { <Risk r accepted page=page.clone() error=error.clone() /> }
                }).collect_view()}
            </ul>
        }
    })
}

#[component]
fn Risk(
    r: RiskItem,
    accepted: Option<AcceptanceView>,
    page: Page,
    error: FieldError,
) -> impl IntoView {
    let question = r.question.to_string();
    let (_, link) = question_link(&page, &question);
    let level = r.level.as_str();
    let facts: Vec<String> = r.facts.iter().map(|f| fact_words(&page, f)).collect();
    let more = r.improvements.len().saturating_sub(SHOWN_IMPROVEMENTS);
    let can_edit = page.can_edit;
    // An acceptance that covers the risk leaves nothing to accept; a lapsed one asks again.
    let covered = accepted.as_ref().is_some_and(|a| !a.lapsed);
    let again = accepted.is_some();
    let named = r.heading() != &r.title;
    let anchor = format!("risk-{question}");
    view! {
        <li class=format!("risk-item {level}") id=anchor>
            <h4 class="risk-problem">
                <span class=format!("risk-badge {level}")>{level}</span>
                " "
                {r.heading().to_string()}
            </h4>
            <p class="impact">{r.reason.to_string()}</p>
            {(!facts.is_empty()).then(|| view! {
                <p class="facts small">"Because you answered: " {facts.join("; ")}</p>
            })}
            // The question, unless it titles the risk already (imported lenses name no problems);
            // only editors can change the answer, and nobody else gets a link to do it.
            {(named || can_edit).then(|| view! {
                <p class="context small">
                    {named.then(|| view! { "Question: " {r.title.to_string()} })}
                    {(named && can_edit).then_some(" · ")}
                    {can_edit.then(|| view! { <a href=link>"Fix it"</a> })}
                </p>
            })}
            {(!r.improvements.is_empty()).then(|| view! {
                <div class="fix small">
                    <strong>"To improve:"</strong>
                    <ul>{r.improvements.iter().take(SHOWN_IMPROVEMENTS).map(|i| view! { <li>{i.text.to_string()}</li> }).collect_view()}</ul>
                    {(more > 0).then(|| view! { <p class="muted">{format!("and {more} more in the report")}</p> })}
                </div>
            })}
            {accepted.map(|a| view! { <Accepted a level=level.to_owned() id=page.assessment_id.clone() can_edit /> })}
            {(can_edit && !covered).then(|| view! {
                <AcceptForm id=page.assessment_id.clone() question=question.clone() level=level.to_owned() error=error.clone() again />
            })}
        </li>
    }
}

/// Who accepted the risk, when and why; whether it lapsed; and, for editors, "Withdraw".
#[component]
fn Accepted(a: AcceptanceView, level: String, id: String, can_edit: bool) -> impl IntoView {
    let day = crate::pages::utc(a.at).chars().take(10).collect::<String>();
    let said = format!("Accepted by {} on {day}: {}", a.by, a.reason);
    view! {
        <div class=if a.lapsed { "accepted lapsed small" } else { "accepted small" }>
            {a.lapsed.then(|| view! {
                <p><strong>"Acceptance lapsed: "</strong>{format!(
                    "the risk is {level} now, above the {} risk that was accepted, so it counts as not accepted.",
                    a.level
                )}</p>
            })}
            <p>{said}</p>
            {can_edit.then(|| view! {
                <form method="post" action=WithdrawRisk::url() class="inline">
                    <input type="hidden" name="id" value=id />
                    <input type="hidden" name="question" value=a.question.clone() />
                    <button type="submit">"Withdraw"</button>
                </form>
            })}
        </div>
    }
}

/// The accept form: a required reason, posted as a plain form. `again`: a lapsed acceptance is
/// replaced.
#[component]
fn AcceptForm(
    id: String,
    question: String,
    level: String,
    error: FieldError,
    again: bool,
) -> impl IntoView {
    let field = reason_field(&question);
    // Beside the field, the message need not name it: a sentence of its own.
    let message = error.filter(|(f, _)| *f == field).map(|(_, m)| {
        let m = m.strip_prefix("reason: ").unwrap_or(&m);
        let mut chars = m.chars();
        let sentence: String = chars
            .next()
            .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect());
        if sentence.ends_with(['.', '!', '?']) {
            sentence
        } else {
            format!("{sentence}.")
        }
    });
    let error_id = format!("{field}-error");
    let invalid = message.is_some();
    view! {
        <details class="accept" open=invalid>
            <summary>{if again { "Accept the risk at this level" } else { "Accept risk" }}</summary>
            <form method="post" action=AcceptRisk::url() class="accept-form">
                <input type="hidden" name="id" value=id />
                <input type="hidden" name="question" value=question />
                <input type="hidden" name="level" value=level />
                <label for=field.clone()>"Why does the team accept this risk?"</label>
                <textarea
                    id=field
                    name="reason"
                    rows="3"
                    maxlength="2000"
                    required
                    aria-invalid=invalid.then_some("true")
                    aria-describedby=invalid.then(|| error_id.clone())
                ></textarea>
                {message.map(|m| view! { <p class="field-error" id=error_id role="alert">{m}</p> })}
                <p class="muted small">"Accepting keeps the risk and its score: it records that the team decided to live with it."</p>
                <button type="submit">"Accept risk"</button>
            </form>
        </details>
    }
}
