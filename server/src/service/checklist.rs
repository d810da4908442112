//! The checklist's team state: saving an item's status, owner and due date, and reading it
//! back as the reports take it.

use std::collections::BTreeMap;

use questionnaires::report::ItemProgress;
use store::auth::Role;

use serde_json::json;

use super::{AppContext, now_ms, webhooks};
use crate::error::AppError;

const STATUSES: [&str; 3] = ["open", "done", "accepted-risk"];

/// The stored team state as the reports read it, by item id.
pub fn progress_map(items: &[store::StoredItem]) -> BTreeMap<String, ItemProgress> {
    items
        .iter()
        .map(|i| {
            (
                i.item_id.clone(),
                ItemProgress {
                    status: i.status.clone(),
                    owner: i.owner.clone(),
                    due_date: i.due_date.clone(),
                },
            )
        })
        .collect()
}

/// Saves a checklist item's team state (editors); its new version.
pub async fn save_checklist_item(
    c: &AppContext,
    id: &str,
    item: &str,
    status: &str,
    owner: &str,
    due_date: &str,
    version: Option<i64>,
) -> Result<i64, AppError> {
    let (assessment, _) = c.assessment(id, Role::Editor).await?;
    let q = c.questionnaire_of(&assessment).await?;
    let Some(title) = q
        .checklist
        .iter()
        .find(|i| i.id.as_str() == item)
        .map(|i| i.title.to_string())
    else {
        return Err(AppError::BadInput(format!(
            "item: unknown checklist item `{item}`"
        )));
    };
    if !STATUSES.contains(&status) {
        return Err(AppError::BadInput(format!(
            "status: `{status}` is not one of open, done, accepted-risk"
        )));
    }
    if owner.chars().count() > 200 {
        return Err(AppError::BadInput("owner: at most 200 characters".into()));
    }
    let due = due_date.trim();
    let valid_date = due.is_empty()
        || (due.len() == 10
            && due.as_bytes()[4] == b'-'
            && due.as_bytes()[7] == b'-'
            && due.chars().filter(char::is_ascii_digit).count() == 8);
    if !valid_date {
        return Err(AppError::BadInput(format!(
            "due_date: `{due}` is not a date (YYYY-MM-DD)"
        )));
    }
    let now = now_ms();
    let due = (!due.is_empty()).then_some(due);
    let event = webhooks::review_event(
        &assessment,
        "checklist_item_changed",
        format!("{title}: {status}"),
        json!({"item": {"id": item, "title": title}, "status": status, "owner": owner.trim(), "due_date": due}),
        now,
    );
    let saved = c
        .store
        .save_item_raising(
            id,
            item,
            (status, owner.trim(), due),
            version,
            &c.actor.label(),
            now,
            event.as_slice(),
        )
        .await?;
    let detail = format!(
        "{status}{}{}",
        if saved.owner.is_empty() {
            String::new()
        } else {
            format!(", owner {}", saved.owner)
        },
        saved
            .due_date
            .as_deref()
            .map(|d| format!(", due {d}"))
            .unwrap_or_default()
    );
    c.audit(&assessment, "checklist", item, &detail).await?;
    Ok(saved.version)
}
