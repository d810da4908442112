//! A save of an area's form (the Save button, an autosave) as one write: the answers as stored
//! are read, each changed answer is saved at the version the page showed, carried-over answers
//! are confirmed, their audit entries written, and the answers read back, all in one
//! transaction. On SQLite that is one job of the writer thread, which commits it with the saves
//! waiting beside it.

use std::collections::BTreeMap;

use questionnaires::Answer;

use super::decode_answer;
use super::sql::{AnswerSql, OnThread, Pooled, Rows, stored};
use crate::writer::run_ready;
use crate::{Store, StoreError, StoredAnswer};

/// One question of a form save.
#[derive(Debug, Clone, PartialEq)]
pub struct AreaChange {
    /// The question.
    pub question_id: String,
    /// The answer the form holds (`None`: no answer).
    pub answer: Option<Answer>,
    /// The version the page showed (`None`: it showed no answer).
    pub version: Option<i64>,
    /// Confirm the stored answer when the form holds it as it is (a press of Save on a
    /// carried-over answer).
    pub confirm: bool,
    /// The audit entry's detail when the answer is saved.
    pub detail: String,
    /// What the audit entry names (the question and the review, in words).
    pub target: String,
}

/// A save of an area's form (see [`Store::save_area`]).
#[derive(Debug, Clone, PartialEq)]
pub struct AreaSave {
    /// The assessment.
    pub assessment_id: String,
    /// The team whose audit log gets an entry per change (`None`: no log).
    pub team_id: Option<String>,
    /// Who saves.
    pub who: String,
    /// Unix ms.
    pub now: i64,
    /// The questions of the form.
    pub changes: Vec<AreaChange>,
}

/// What a form save did.
#[derive(Debug, Clone, PartialEq)]
pub struct AreaSaved {
    /// How many carried-over answers it confirmed as they are.
    pub confirmed: usize,
    /// The questions whose version was stale: not saved.
    pub lost: Vec<String>,
    /// Every answer of the assessment as the save left it, by question id.
    pub answers: BTreeMap<String, StoredAnswer>,
    /// Whether it changed anything.
    pub changed: bool,
}

impl Store {
    /// Saves an area's form in one transaction: each question whose answer differs from the
    /// stored one is saved at the version the page showed (a stale one is [lost](AreaSaved::lost),
    /// never an overwrite), each one to [confirm](AreaChange::confirm) that the form holds as
    /// stored is confirmed, and the changes get their audit entries. Returns once committed.
    pub async fn save_area(&self, save: AreaSave) -> Result<AreaSaved, StoreError> {
        let id = save.assessment_id.clone();
        let done = match &self.group {
            Some(group) => {
                group
                    .run(move |conn| run_ready(save_area(&mut OnThread(conn), &save)))
                    .await?
            }
            None => {
                let mut tx = self.writer.begin().await?;
                let done = save_area(&mut Pooled(&mut tx), &save).await?;
                tx.commit().await?;
                done
            }
        };
        if done.changed {
            self.committed(&id);
        }
        // Read here rather than in the transaction: on SQLite, off the writer thread.
        Ok(AreaSaved {
            confirmed: done.confirmed,
            lost: done.lost,
            answers: done
                .rows
                .into_values()
                .map(|row| decode_answer(row).map(|a| (a.question_id.clone(), a)))
                .collect::<Result<_, _>>()?,
            changed: done.changed,
        })
    }
}

/// What [`save_area`] did, the answers still as rows.
struct Done {
    confirmed: usize,
    lost: Vec<String>,
    rows: Rows,
    changed: bool,
}

/// [`Store::save_area`] in a transaction.
async fn save_area(sql: &mut impl AnswerSql, save: &AreaSave) -> Result<Done, StoreError> {
    let id = save.assessment_id.as_str();
    let mut rows = sql.rows(id).await?;
    let mut confirmed = 0;
    let mut lost = Vec::new();
    let mut changed = false;
    for change in &save.changes {
        let qid = change.question_id.as_str();
        let current = rows.get(qid).map(stored).transpose()?;
        let detail = if current.as_ref().map(|s| &s.answer) == change.answer.as_ref() {
            if !(change.confirm && sql.confirm(&mut rows, id, qid, &save.who, save.now).await?) {
                continue;
            }
            confirmed += 1;
            "confirmed"
        } else if sql
            .save(
                &mut rows,
                id,
                qid,
                change.answer.as_ref(),
                change.version,
                &save.who,
                save.now,
            )
            .await?
        {
            change.detail.as_str()
        } else {
            lost.push(change.question_id.clone());
            continue;
        };
        changed = true;
        if let Some(team) = &save.team_id {
            sql.audit(team, &save.who, "answer", &change.target, detail, save.now)
                .await?;
        }
    }
    if changed {
        sql.touch(id, save.now).await?;
        rows = sql.rows_after(id, rows).await?;
    }
    Ok(Done {
        confirmed,
        lost,
        rows,
        changed,
    })
}
