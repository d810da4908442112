//! A team's outbound webhooks: managing them (team owners only), the events the write paths
//! raise (each written to the outbox in the transaction of its change: see
//! `store::webhooks`), "send test", and the delivery log. The wire (SSRF rules, signing,
//! sending) is [`crate::webhooks`].

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use store::auth::Role;
use store::{Assessment, DeliveryRow, OutboxEvent, WebhookRow};
use utoipa::ToSchema;

use super::{AppContext, now_ms};
use crate::error::AppError;
use crate::report::export::rfc3339;

/// The events a hook can subscribe to: name, and the words the pages use.
pub const EVENTS: [(&str, &str); 6] = [
    ("risk_opened", "Risk opened"),
    ("risk_closed", "Risk closed"),
    ("blockers_changed", "Blockers changed"),
    ("checklist_item_changed", "Checklist item changed"),
    ("milestone_saved", "Milestone saved"),
    ("review_archived", "Review archived"),
];

/// The event "send test" delivers.
pub const TEST_EVENT: &str = "test";

/// The words of an event's name.
pub fn event_words(name: &str) -> &str {
    if name == TEST_EVENT {
        return "Test";
    }
    EVENTS
        .iter()
        .find(|(n, _)| *n == name)
        .map_or(name, |(_, words)| words)
}

/// How many deliveries the log shows.
const LOG_SHOWN: i64 = 50;

/// A hook as the API and the page show it (never its secret).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Webhook {
    /// Its id.
    pub id: String,
    /// Where deliveries go.
    pub url: String,
    /// The events it subscribes to.
    pub events: Vec<String>,
    /// Whether deliveries are sent (a paused hook gets none).
    pub enabled: bool,
    /// Who made it.
    pub created_by: String,
    /// When (RFC 3339).
    pub created_at: String,
    /// When last changed (RFC 3339).
    pub updated_at: String,
}

/// A hook with its secret: shown once, when made or when the secret is rotated.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WebhookWithSecret {
    /// The hook.
    #[serde(flatten)]
    pub hook: Webhook,
    /// The signing secret: verify `Trellis-Signature` with it. It is not shown again.
    pub secret: String,
}

/// A new hook, or changes to one (absent fields stay as they are).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookInput {
    /// An `https://` URL whose host resolves only to public addresses.
    pub url: Option<String>,
    /// Event names (see the `events` of the API's description); at least one.
    pub events: Option<Vec<String>>,
    /// On (default) or paused.
    pub enabled: Option<bool>,
    /// Make a new secret (the old one stops working at once). Only when changing a hook.
    #[serde(default)]
    pub rotate_secret: bool,
}

/// One delivery in the log.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Delivery {
    /// Its id: the event's id, a dot, the hook's id.
    pub id: String,
    /// The event's id (`Idempotency-Key`).
    pub event_id: String,
    /// The event's name.
    pub event: String,
    /// The event in words.
    pub summary: String,
    /// `pending` (due again at `next_at`), `delivered` or `failed` (no more tries).
    pub state: String,
    /// Tries so far.
    pub attempts: i64,
    /// The last try's HTTP status.
    pub last_status: Option<i64>,
    /// Why the last try failed.
    pub last_error: Option<String>,
    /// When the event was raised (RFC 3339).
    pub created_at: String,
    /// When it is due again, while pending (RFC 3339).
    pub next_at: Option<String>,
    /// Each try, newest first.
    pub tries: Vec<Try>,
}

/// One try of a delivery.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Try {
    /// 1 for the first.
    pub attempt: i64,
    /// The HTTP status, when there was an answer.
    pub status: Option<i64>,
    /// Why it failed, when it did.
    pub error: Option<String>,
    /// How long it took.
    pub duration_ms: i64,
    /// When (RFC 3339).
    pub at: String,
}

fn hook_of(row: &WebhookRow) -> Webhook {
    Webhook {
        id: row.id.clone(),
        url: row.url.clone(),
        events: row
            .events
            .split(',')
            .filter(|e| !e.is_empty())
            .map(str::to_owned)
            .collect(),
        enabled: row.enabled == 1,
        created_by: row.created_by.clone(),
        created_at: rfc3339(row.created_at),
        updated_at: rfc3339(row.updated_at),
    }
}

/// The events field, checked: known names, at least one, stored between commas.
fn events_field(events: &[String]) -> Result<String, AppError> {
    let mut names: Vec<&str> = Vec::new();
    for e in events {
        let e = e.trim();
        if !EVENTS.iter().any(|(n, _)| *n == e) {
            return Err(AppError::BadInput(format!(
                "events: `{e}` is not an event; the events are {}",
                EVENTS.map(|(n, _)| n).join(", ")
            )));
        }
        if !names.contains(&e) {
            names.push(e);
        }
    }
    if names.is_empty() {
        return Err(AppError::BadInput(
            "events: choose at least one event".into(),
        ));
    }
    names.sort_by_key(|n| EVENTS.iter().position(|(e, _)| e == n));
    Ok(format!(",{},", names.join(",")))
}

async fn url_field(c: &AppContext, url: &str) -> Result<String, AppError> {
    if url.chars().count() > 2000 {
        return Err(AppError::BadInput("url: at most 2000 characters".into()));
    }
    crate::webhooks::check_target(url, c.webhooks.allow_private)
        .await
        .map(|t| t.url)
        .map_err(|why| AppError::BadInput(format!("url: {why}")))
}

fn new_secret() -> String {
    store::auth::new_secret("whsec").token
}

/// A team's hooks (owners).
pub async fn webhooks(c: &AppContext, team: &str) -> Result<Vec<Webhook>, AppError> {
    c.team(team, Role::Owner).await?;
    Ok(c.store.webhooks(team).await?.iter().map(hook_of).collect())
}

async fn hook_row(c: &AppContext, team: &str, hook: &str) -> Result<WebhookRow, AppError> {
    c.team(team, Role::Owner).await?;
    c.store
        .webhook(team, hook)
        .await?
        .ok_or_else(|| AppError::NotFound("There is no such webhook.".into()))
}

/// One hook of a team (owners).
pub async fn webhook(c: &AppContext, team: &str, hook: &str) -> Result<Webhook, AppError> {
    Ok(hook_of(&hook_row(c, team, hook).await?))
}

/// Makes a hook (owners): its secret is in the answer, and only there.
pub async fn create_webhook(
    c: &AppContext,
    team: &str,
    input: &WebhookInput,
) -> Result<WebhookWithSecret, AppError> {
    c.team(team, Role::Owner).await?;
    let url = url_field(c, input.url.as_deref().unwrap_or_default()).await?;
    let events = events_field(input.events.as_deref().unwrap_or_default())?;
    let now = now_ms();
    let row = WebhookRow {
        id: uuid::Uuid::new_v4().simple().to_string(),
        team_id: team.to_owned(),
        url,
        secret: new_secret(),
        events,
        enabled: i64::from(input.enabled.unwrap_or(true)),
        created_by: c.actor.label(),
        created_at: now,
        updated_at: now,
    };
    c.store.create_webhook(&row).await?;
    c.store
        .audit(team, &c.actor.label(), "webhook", &row.url, "added", now)
        .await?;
    Ok(WebhookWithSecret {
        hook: hook_of(&row),
        secret: row.secret,
    })
}

/// Changes a hook (owners): the new secret is in the answer when it was rotated.
pub async fn update_webhook(
    c: &AppContext,
    team: &str,
    hook: &str,
    input: &WebhookInput,
) -> Result<(Webhook, Option<String>), AppError> {
    let mut row = hook_row(c, team, hook).await?;
    if let Some(url) = &input.url {
        row.url = url_field(c, url).await?;
    }
    if let Some(events) = &input.events {
        row.events = events_field(events)?;
    }
    if let Some(enabled) = input.enabled {
        row.enabled = i64::from(enabled);
    }
    let secret = input.rotate_secret.then(new_secret);
    if let Some(s) = &secret {
        row.secret.clone_from(s);
    }
    row.updated_at = now_ms();
    if !c.store.update_webhook(&row).await? {
        return Err(AppError::NotFound("There is no such webhook.".into()));
    }
    let what = if secret.is_some() {
        "changed, secret rotated"
    } else {
        "changed"
    };
    c.store
        .audit(
            team,
            &c.actor.label(),
            "webhook",
            &row.url,
            what,
            row.updated_at,
        )
        .await?;
    Ok((hook_of(&row), secret))
}

/// Deletes a hook with its log (owners).
pub async fn delete_webhook(c: &AppContext, team: &str, hook: &str) -> Result<(), AppError> {
    let row = hook_row(c, team, hook).await?;
    if !c.store.delete_webhook(team, hook).await? {
        return Err(AppError::NotFound("There is no such webhook.".into()));
    }
    c.store
        .audit(
            team,
            &c.actor.label(),
            "webhook",
            &row.url,
            "deleted",
            now_ms(),
        )
        .await?;
    Ok(())
}

/// Queues a test delivery to one hook (owners), sent like any other: its id.
pub async fn send_test(c: &AppContext, team: &str, hook: &str) -> Result<String, AppError> {
    hook_row(c, team, hook).await?;
    let now = now_ms();
    let id = uuid::Uuid::new_v4().simple().to_string();
    let event = OutboxEvent {
        id: id.clone(),
        event: TEST_EVENT.to_owned(),
        team_id: team.to_owned(),
        summary: "A test delivery".to_owned(),
        payload: json!({
            "id": id,
            "type": TEST_EVENT,
            "time": rfc3339(now),
            "team": team,
            "review": Value::Null,
            "summary": "A test delivery",
            "details": {"requested_by": c.actor.label()},
        })
        .to_string(),
    };
    if !c.store.enqueue_to(hook, &event, now).await? {
        return Err(AppError::NotFound("There is no such webhook.".into()));
    }
    Ok(format!("{id}.{hook}"))
}

/// A hook's deliveries, newest first, each with its tries (owners).
pub async fn deliveries(c: &AppContext, team: &str, hook: &str) -> Result<Vec<Delivery>, AppError> {
    hook_row(c, team, hook).await?;
    let rows = c.store.deliveries(hook, LOG_SHOWN).await?;
    let tries = c.store.delivery_attempts(hook, store::LOG_KEPT).await?;
    Ok(rows
        .into_iter()
        .map(|d: DeliveryRow| Delivery {
            tries: tries
                .iter()
                .filter(|t| t.delivery_id == d.id)
                .map(|t| Try {
                    attempt: t.attempt,
                    status: t.status,
                    error: t.error.clone(),
                    duration_ms: t.duration_ms,
                    at: rfc3339(t.at),
                })
                .collect(),
            next_at: (d.state == "pending").then(|| rfc3339(d.next_at)),
            id: d.id,
            event_id: d.event_id,
            event: d.event,
            summary: d.summary,
            state: d.state,
            attempts: d.attempts,
            last_status: d.last_status,
            last_error: d.last_error,
            created_at: rfc3339(d.created_at),
        })
        .collect())
}

/// An event about a review, for the outbox (`None` for a review of no team: no hooks). The
/// body: `id`, `type`, `time`, `team`, `review` (`id`, `title`), `summary` and `details`.
pub fn review_event(
    a: &Assessment,
    event: &str,
    summary: String,
    details: Value,
    now: i64,
) -> Option<OutboxEvent> {
    let team = a.team_id.as_deref()?;
    Some(event_of(
        team,
        (&a.id, &a.name),
        event,
        summary,
        details,
        now,
    ))
}

/// An event about review `(id, title)` of `team`, for the outbox (see [`review_event`]).
fn event_of(
    team: &str,
    (review, title): (&str, &str),
    event: &str,
    summary: String,
    details: Value,
    now: i64,
) -> OutboxEvent {
    let id = uuid::Uuid::new_v4().simple().to_string();
    let payload = json!({
        "id": id,
        "type": event,
        "time": rfc3339(now),
        "team": team,
        "review": {"id": review, "title": title},
        "summary": summary,
        "details": details,
    })
    .to_string();
    OutboxEvent {
        id,
        event: event.to_owned(),
        team_id: team.to_owned(),
        summary,
        payload,
    }
}

/// A risk's level in words.
fn severity_words(level: &str) -> &'static str {
    match level {
        "high" => "High",
        "medium" => "Medium",
        _ => "Low",
    }
}

/// The events of a change to a review's open risks and blockers, as a write found it (see
/// `store::summary`): one `risk_opened` per risk now open, one `risk_closed` per risk no longer
/// open (answered away, or covered by an acceptance), one `blockers_changed` with both lists.
pub fn summary_events(change: &store::SummaryChange, now: i64) -> Vec<OutboxEvent> {
    let review = (change.assessment_id.as_str(), change.name.as_str());
    let risk = |r: &store::RiskEntry, event: &str, verb: &str| {
        let severity = severity_words(&r.level);
        event_of(
            &change.team_id,
            review,
            event,
            format!("{severity} risk {verb} in {}: {}", r.area, r.title),
            json!({"risk": {
                "id": r.id,
                "title": r.title,
                "severity": severity,
                "level": r.level,
                "area": r.area,
            }}),
            now,
        )
    };
    let mut events: Vec<OutboxEvent> = change
        .opened
        .iter()
        .map(|r| risk(r, "risk_opened", "opened"))
        .chain(
            change
                .closed
                .iter()
                .map(|r| risk(r, "risk_closed", "closed")),
        )
        .collect();
    if let Some((before, after)) = &change.blockers {
        let summary = match after.len() {
            0 => format!("{} has no blockers now", change.name),
            1 => format!("{} has 1 blocker now", change.name),
            n => format!("{} has {n} blockers now", change.name),
        };
        events.push(event_of(
            &change.team_id,
            review,
            "blockers_changed",
            summary,
            json!({"before": before, "after": after}),
            now,
        ));
    }
    events
}

/// "Milestone saved", with the milestone's scores.
pub fn milestone_event(
    a: &Assessment,
    row: &store::MilestoneRow,
    e: &questionnaires::Evaluation,
) -> Option<OutboxEvent> {
    review_event(
        a,
        "milestone_saved",
        format!("Milestone \"{}\" saved", row.name),
        json!({
            "milestone": {"id": row.id, "name": row.name, "saved_by": row.created_by},
            "overall": e.scores.overall,
            "risks": e.risks.len(),
            "blockers": e.verdict.blockers.len(),
        }),
        row.created_at,
    )
}

/// "Review archived" (only archiving raises it, not restoring).
pub fn archive_event(a: &Assessment, archive: bool, now: i64) -> Option<OutboxEvent> {
    if !archive {
        return None;
    }
    review_event(
        a,
        "review_archived",
        format!("{} archived", a.name),
        json!({"archived": true}),
        now,
    )
}
