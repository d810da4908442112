//! The team's "Webhooks" page (`/teams/{id}/webhooks`, team owners, signed in): each hook with
//! its URL, the events it gets in words, whether it is on, how its last delivery went, and its
//! delivery log; and plain forms to add one (its secret is shown once, on the page the form
//! returns), change its events or switch it off, rotate its secret, delete it (a box to tick
//! says it is meant) and send it a test delivery. The use cases are
//! [`crate::service::webhooks`], as the REST API's.
//!
//! Each form redirects back to the page with what was done (`?done=…`) or with an error beside
//! the field it is about (`?field=…&error=…`, and the URL typed, so it is not lost). Requests
//! from other sites are refused by [`crate::security::same_origin`], as for every form.

use axum::Extension;
use axum::extract::{Path as ApiPath, Query, State};
use axum::http::Method;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{MethodRouter, get, post};
use serde::Deserialize;
use store::auth::Actor;

use crate::chrome::Chrome;
use crate::error::AppError;
use crate::service::webhooks::{self as hooks, Delivery, EVENTS, Webhook, WebhookInput};
use crate::state::AppState;

/// The routes, with their methods.
pub fn routes() -> Vec<(Method, String, MethodRouter<AppState>)> {
    [
        (Method::GET, "/teams/{id}/webhooks", get(page)),
        (Method::POST, "/teams/{id}/webhooks", post(add)),
        (Method::POST, "/teams/{id}/webhooks/{hook}", post(change)),
        (
            Method::POST,
            "/teams/{id}/webhooks/{hook}/rotate",
            post(rotate),
        ),
        (
            Method::POST,
            "/teams/{id}/webhooks/{hook}/delete",
            post(delete),
        ),
        (Method::POST, "/teams/{id}/webhooks/{hook}/test", post(test)),
    ]
    .into_iter()
    .map(|(m, p, h)| (m, p.to_owned(), h))
    .collect()
}

/// The page's address.
fn page_of(team: &str) -> String {
    format!("/teams/{team}/webhooks")
}

/// Back to the page with `query` (pairs), at `anchor`.
fn back(team: &str, query: &[(&str, &str)], anchor: &str) -> Response {
    let query = serde_urlencoded::to_string(query).unwrap_or_default();
    Redirect::to(&format!("{}?{query}#{anchor}", page_of(team))).into_response()
}

/// A signed-in session: an API token manages no webhooks through the pages.
fn session(actor: Actor) -> Result<Actor, AppError> {
    match actor {
        Actor::Token { .. } => Err(AppError::Forbidden(
            "Webhooks are managed on this page by a signed-in owner, or through the REST API."
                .into(),
        )),
        Actor::Anonymous => Err(AppError::Unauthorized),
        session => Ok(session),
    }
}

/// A refusal of a field (`field: why`, as the service words it), back beside that field of the
/// form `form` (`add`, or a hook's id); anything else is the error it is.
fn refused(team: &str, form: &str, e: AppError, url: &str) -> Result<Response, AppError> {
    let AppError::BadInput(message) = e else {
        return Err(e);
    };
    let (field, why) = message
        .split_once(": ")
        .map_or(("url", message.as_str()), |(f, w)| (f, w));
    let field = format!("{form}-{field}");
    Ok(back(
        team,
        &[("field", &field), ("error", why), ("url", url)],
        &field,
    ))
}

/// One event as a check box of a form.
struct EventBox {
    name: &'static str,
    words: &'static str,
    checked: bool,
}

fn boxes(chosen: &[String]) -> Vec<EventBox> {
    EVENTS
        .iter()
        .map(|&(name, words)| EventBox {
            name,
            words,
            checked: chosen.iter().any(|c| c == name),
        })
        .collect()
}

/// One delivery in the log, in words.
struct LogLine {
    at: String,
    event: String,
    outcome: String,
    attempts: i64,
    duration: String,
}

fn line(d: &Delivery) -> LogLine {
    let outcome = match (d.state.as_str(), d.last_status, &d.last_error) {
        ("delivered", Some(s), _) => format!("Delivered ({s})"),
        (_, _, Some(e)) if d.state == "failed" => format!("Failed: {e}"),
        (_, Some(s), _) if d.state == "failed" => format!("Failed ({s})"),
        (_, _, Some(e)) => format!("Trying again: {e}"),
        (_, Some(s), _) => format!("Trying again ({s})"),
        _ => "Waiting to be sent".to_owned(),
    };
    LogLine {
        at: d
            .created_at
            .replace('T', " ")
            .trim_end_matches('Z')
            .to_owned(),
        event: format!("{}: {}", hooks::event_words(&d.event), d.summary),
        outcome,
        attempts: d.attempts,
        duration: d
            .tries
            .first()
            .map_or_else(String::new, |t| format!("{} ms", t.duration_ms)),
    }
}

/// A hook as the page shows it.
struct HookView {
    id: String,
    url: String,
    events: String,
    enabled: bool,
    boxes: Vec<EventBox>,
    last: String,
    log: Vec<LogLine>,
}

/// The page's query: what was done, or an error beside a field.
#[derive(Deserialize, Default)]
pub struct Shown {
    #[serde(default)]
    field: String,
    #[serde(default)]
    error: String,
    #[serde(default)]
    url: String,
    done: Option<String>,
}

#[derive(askama::Template)]
#[template(path = "webhooks.html")]
struct Page {
    team: String,
    team_name: String,
    hooks: Vec<HookView>,
    add_boxes: Vec<EventBox>,
    shown: Shown,
    masthead: String,
}

/// `GET /teams/{id}/webhooks`.
pub async fn page(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    chrome: Chrome,
    ApiPath(team): ApiPath<String>,
    Query(shown): Query<Shown>,
) -> Result<Response, AppError> {
    let c = state.context(session(actor)?);
    let mut views = Vec::new();
    for h in hooks::webhooks(&c, &team).await? {
        let log: Vec<LogLine> = hooks::deliveries(&c, &team, &h.id)
            .await?
            .iter()
            .map(line)
            .collect();
        views.push(view_of(h, log));
    }
    let page = Page {
        team_name: state.store.team_name(&team).await?,
        team,
        hooks: views,
        add_boxes: boxes(&[]),
        shown,
        masthead: chrome.masthead(),
    };
    crate::chrome::private_page(&page)
}

fn view_of(h: Webhook, log: Vec<LogLine>) -> HookView {
    HookView {
        events: h
            .events
            .iter()
            .map(|e| hooks::event_words(e))
            .collect::<Vec<_>>()
            .join(", "),
        boxes: boxes(&h.events),
        last: log.first().map_or_else(
            || "Nothing sent yet".to_owned(),
            |l| format!("{} ({} UTC)", l.outcome, l.at),
        ),
        id: h.id,
        url: h.url,
        enabled: h.enabled,
        log,
    }
}

/// The add and change forms: the URL (add only), the events ticked, the switch.
#[derive(Default)]
struct HookForm {
    url: String,
    events: Vec<String>,
    enabled: Option<String>,
}

/// Reads a form whose `events` may repeat (one per ticked box).
fn hook_form(body: &str) -> HookForm {
    let mut form = HookForm::default();
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(body).unwrap_or_default();
    for (k, v) in pairs {
        match k.as_str() {
            "url" => form.url = v,
            "events" => form.events.push(v),
            "enabled" => form.enabled = Some(v),
            _ => {}
        }
    }
    form
}

/// `POST /teams/{id}/webhooks`: adds a hook; the page it returns shows its secret, once.
pub async fn add(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    chrome: Chrome,
    ApiPath(team): ApiPath<String>,
    body: String,
) -> Result<Response, AppError> {
    let c = state.context(session(actor)?);
    let form = hook_form(&body);
    let input = WebhookInput {
        url: Some(form.url.trim().to_owned()),
        events: Some(form.events),
        enabled: Some(true),
        rotate_secret: false,
    };
    match hooks::create_webhook(&c, &team, &input).await {
        Ok(made) => Ok(crate::accounts::shown_once(
            chrome,
            "Webhook added",
            &format!(
                "Deliveries to {} are signed with this secret (the Trellis-Signature header).",
                made.hook.url
            ),
            &made.secret,
            &page_of(&team),
        )),
        Err(e) => refused(&team, "add", e, &form.url),
    }
}

/// `POST /teams/{id}/webhooks/{hook}`: changes a hook's events and switch.
pub async fn change(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath((team, hook)): ApiPath<(String, String)>,
    body: String,
) -> Result<Response, AppError> {
    let c = state.context(session(actor)?);
    let form = hook_form(&body);
    let input = WebhookInput {
        url: None,
        events: Some(form.events),
        enabled: Some(form.enabled.is_some()),
        rotate_secret: false,
    };
    match hooks::update_webhook(&c, &team, &hook, &input).await {
        Ok((h, _)) => Ok(back(
            &team,
            &[("done", &format!("The webhook to {} is saved.", h.url))],
            &format!("hook-{hook}"),
        )),
        Err(e) => refused(&team, &hook, e, ""),
    }
}

/// `POST /teams/{id}/webhooks/{hook}/rotate`: a new secret, shown once; the old one stops.
pub async fn rotate(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    chrome: Chrome,
    ApiPath((team, hook)): ApiPath<(String, String)>,
) -> Result<Response, AppError> {
    let c = state.context(session(actor)?);
    let input = WebhookInput {
        rotate_secret: true,
        ..WebhookInput::default()
    };
    let (h, secret) = hooks::update_webhook(&c, &team, &hook, &input).await?;
    Ok(crate::accounts::shown_once(
        chrome,
        "New webhook secret",
        &format!(
            "Deliveries to {} are signed with this secret from now on; the old one no longer verifies.",
            h.url
        ),
        &secret.unwrap_or_default(),
        &page_of(&team),
    ))
}

/// The delete form: the ticked box says it is meant.
#[derive(Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    confirm: String,
}

/// `POST /teams/{id}/webhooks/{hook}/delete`: deletes a hook and its log, once confirmed.
pub async fn delete(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath((team, hook)): ApiPath<(String, String)>,
    axum::extract::Form(form): axum::extract::Form<DeleteForm>,
) -> Result<Response, AppError> {
    let c = state.context(session(actor)?);
    if form.confirm != "yes" {
        let field = format!("{hook}-confirm");
        return Ok(back(
            &team,
            &[
                ("field", &field),
                ("error", "Tick the box to say the webhook is to go."),
            ],
            &field,
        ));
    }
    let h = hooks::webhook(&c, &team, &hook).await?;
    hooks::delete_webhook(&c, &team, &hook).await?;
    Ok(back(
        &team,
        &[("done", &format!("The webhook to {} is deleted.", h.url))],
        "hooks-h",
    ))
}

/// `POST /teams/{id}/webhooks/{hook}/test`: queues a test delivery (it shows in the log).
pub async fn test(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath((team, hook)): ApiPath<(String, String)>,
) -> Result<Response, AppError> {
    let c = state.context(session(actor)?);
    hooks::send_test(&c, &team, &hook).await?;
    Ok(back(
        &team,
        &[(
            "done",
            "A test delivery is on its way: reload to see it in the log.",
        )],
        &format!("hook-{hook}"),
    ))
}
