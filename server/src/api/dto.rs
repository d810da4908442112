//! What the API sends and takes, as JSON, with the schemas the OpenAPI document publishes. The
//! API's own types, built from the store's rows and the domain's values, so the JSON contract
//! does not move when an internal type does.

use questionnaires::model::QuestionKind;
use questionnaires::{AnswerValue, Questionnaire};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use store::{Assessment, MilestoneRow, StoredAnswer};
use utoipa::ToSchema;

mod acceptance;
mod approval;
mod questionnaire;
pub use acceptance::*;
pub use approval::*;
pub use questionnaire::*;

/// Integers as JSON Schema counts them: `3` and `3.0` alike.
pub(crate) mod integral {
    use serde::{Deserialize, Deserializer, de::Error};

    fn of<E: Error>(v: &serde_json::Value) -> Result<i64, E> {
        let whole = |x: f64| x.fract() == 0.0 && x.abs() < 9.0e15;
        match v {
            serde_json::Value::Number(n) => n
                .as_i64()
                .or_else(|| n.as_f64().filter(|x| whole(*x)).map(|x| x as i64))
                .ok_or_else(|| E::custom(format!("`{n}` is not a whole number"))),
            other => Err(E::custom(format!("`{other}` is not a whole number"))),
        }
    }

    /// A required integer.
    pub fn required<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
        of(&serde_json::Value::deserialize(d)?)
    }

    /// An optional integer (`null` or absent: none).
    pub fn optional<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        match Option::<serde_json::Value>::deserialize(d)? {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(v) => of(&v).map(Some),
        }
    }
}

/// An assessment: a review of one workload.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AssessmentDto {
    /// Its id.
    pub id: String,
    /// The workload's name.
    pub name: String,
    /// What the workload does.
    pub description: String,
    /// Where it runs, such as `production`.
    pub environment: String,
    /// The questionnaire it runs on: the built-in `serverless-review` or an imported lens id.
    pub questionnaire_id: String,
    /// That questionnaire's content hash (a lens version).
    pub questionnaire_hash: String,
    /// The team it belongs to.
    pub team_id: Option<String>,
    /// The review or milestone it started from, when it did not start blank.
    pub started_from: Option<String>,
    /// Unix milliseconds.
    pub created_at: i64,
    /// Unix milliseconds of the last change to it, its answers or its checklist.
    pub updated_at: i64,
    /// Unix milliseconds, when archived.
    pub archived_at: Option<i64>,
    /// Whether it is archived.
    pub archived: bool,
    /// Its version, for optimistic concurrency: send it back to change the assessment.
    pub version: i64,
    /// Its results page in the web app.
    pub url: String,
}

impl From<Assessment> for AssessmentDto {
    fn from(a: Assessment) -> Self {
        AssessmentDto {
            url: format!("/assessments/{}/results", a.id),
            archived: a.archived_at.is_some(),
            id: a.id,
            name: a.name,
            description: a.description,
            environment: a.environment,
            questionnaire_id: a.questionnaire_id,
            questionnaire_hash: a.questionnaire_hash,
            team_id: a.team_id,
            started_from: a.started_from,
            created_at: a.created_at,
            updated_at: a.updated_at,
            archived_at: a.archived_at,
            version: a.version,
        }
    }
}

/// One page of assessments, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssessmentPage {
    /// The assessments.
    pub items: Vec<AssessmentDto>,
    /// Pass it as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// A new assessment.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAssessmentBody {
    /// The team it belongs to. Default: an API token's team, or a user's only team.
    #[schema(min_length = 1)]
    pub team: Option<String>,
    /// The workload's name.
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub name: String,
    /// What the workload does.
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub description: String,
    /// Where it runs.
    #[serde(default)]
    #[schema(max_length = 100)]
    pub environment: String,
    /// The questionnaire: `serverless-review` (the default), an imported lens's id (its latest
    /// version) or `id@version`.
    #[serde(default)]
    pub questionnaire: String,
    /// Start from a review (`ID`) or one of its milestones (`ID/MILESTONE`): its answers are
    /// carried over, to confirm.
    #[serde(default)]
    pub from: String,
}

/// A change to an assessment's details, at the version it was read.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateAssessmentBody {
    /// The version read: a stale one gets 409 with the assessment as it is now.
    #[serde(deserialize_with = "integral::required")]
    pub version: i64,
    /// A new name.
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub name: Option<String>,
    /// A new description.
    #[schema(max_length = 5000)]
    pub description: Option<String>,
    /// A new environment.
    #[schema(max_length = 100)]
    pub environment: Option<String>,
}

/// The version an assessment was read at.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VersionBody {
    /// The version read: a stale one gets 409 with the assessment as it is now.
    #[serde(deserialize_with = "integral::required")]
    pub version: i64,
}

/// A stored answer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AnswerDto {
    /// The question.
    pub question_id: String,
    /// The value, as in an answers file: a choice id (single-choice questions), a list of
    /// choice ids (multiple-choice), a number or a text. `null` when not applicable.
    #[schema(value_type = Value)]
    pub value: Value,
    /// Why the question does not apply, when it does not.
    pub not_applicable: Option<String>,
    /// The team's note.
    pub note: Option<String>,
    /// Its version: send it back to change the answer.
    pub version: i64,
    /// Who changed it last.
    pub updated_by: String,
    /// Unix milliseconds.
    pub updated_at: i64,
    /// Carried over from another review and not confirmed since.
    pub to_confirm: bool,
}

/// The value of an answer as an answers file writes it.
pub fn file_value(q: &Questionnaire, question: &str, value: &AnswerValue) -> Value {
    match value {
        AnswerValue::Choices(ids) => {
            let single = q
                .question(question)
                .is_some_and(|x| x.kind == QuestionKind::Single);
            match ids.as_slice() {
                [one] if single => Value::String(one.to_string()),
                _ => Value::Array(ids.iter().map(|c| Value::String(c.to_string())).collect()),
            }
        }
        AnswerValue::Number(x) => {
            serde_json::Number::from_f64(*x).map_or(Value::Null, Value::Number)
        }
        AnswerValue::Text(t) => Value::String(t.clone()),
        AnswerValue::NotApplicable(_) => Value::Null,
    }
}

impl AnswerDto {
    /// A stored answer, its value written for its question.
    pub fn of(q: &Questionnaire, s: &StoredAnswer) -> AnswerDto {
        AnswerDto {
            question_id: s.question_id.clone(),
            value: file_value(q, &s.question_id, &s.answer.value),
            not_applicable: match &s.answer.value {
                AnswerValue::NotApplicable(r) => Some(r.clone()),
                _ => None,
            },
            note: s.answer.note.clone(),
            version: s.version,
            updated_by: s.updated_by.clone(),
            updated_at: s.updated_at,
            to_confirm: s.to_confirm,
        }
    }
}

/// Every answer of an assessment.
#[derive(Debug, Serialize, ToSchema)]
pub struct AnswerList {
    /// The answers, by question id.
    pub items: Vec<AnswerDto>,
}

/// An answer to store: `value` or `not_applicable`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerInput {
    /// The value, as in an answers file: a choice id, a list of choice ids, a number or a text.
    #[schema(value_type = Value)]
    pub value: Option<Value>,
    /// Why the question does not apply (instead of `value`).
    #[schema(min_length = 1, max_length = 2000)]
    pub not_applicable: Option<String>,
    /// A note, at most 5,000 characters.
    #[schema(max_length = 5000)]
    pub note: Option<String>,
    /// The version of the answer read; absent when there was no answer. A stale one gets 409 with
    /// the answer as it is now.
    #[serde(default, deserialize_with = "integral::optional")]
    pub version: Option<i64>,
}

/// One answer of a batch.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchItem {
    /// The question.
    pub question_id: String,
    /// The value, as in an answers file (or `not_applicable`, or `clear`).
    #[schema(value_type = Value)]
    pub value: Option<Value>,
    /// Why the question does not apply.
    #[schema(min_length = 1, max_length = 2000)]
    pub not_applicable: Option<String>,
    /// A note.
    #[schema(max_length = 5000)]
    pub note: Option<String>,
    /// `true` clears the answer (give neither `value` nor `not_applicable`).
    #[serde(default)]
    pub clear: bool,
    /// The version of the answer read; absent when there was no answer.
    #[serde(default, deserialize_with = "integral::optional")]
    pub version: Option<i64>,
}

/// Several answers, stored together or not at all.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchBody {
    /// The answers, each question at most once.
    #[schema(max_items = 1000)]
    pub answers: Vec<BatchItem>,
}

/// What a batch or an answers file did.
#[derive(Debug, Serialize, ToSchema)]
pub struct WriteResult {
    /// How many answers were saved with a new value or cleared.
    pub changed: usize,
    /// The answers of the questions written, as stored now.
    pub answers: Vec<AnswerDto>,
    /// The questions that now have no answer.
    pub cleared: Vec<String>,
}

/// An answers file (the JSON form of what `trellis evaluate` reads).
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"questionnaire": "serverless-review", "workload": {"name": "Orders"}, "answers": {"peak_rps": 120}}))]
pub struct AnswersFileBody {
    /// The questionnaire id it answers: the assessment's.
    pub questionnaire: String,
    /// The workload; it is checked, not applied (change it with `PATCH`).
    #[schema(value_type = Object)]
    pub workload: Value,
    /// Answers keyed by question id: a value, or `{ "value": …, "note": … }`, or
    /// `{ "not_applicable": "why" }`.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub answers: Value,
}

/// A milestone: the answers and their evaluation, saved.
#[derive(Debug, Serialize, ToSchema)]
pub struct MilestoneDto {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Who saved it.
    pub created_by: String,
    /// Unix milliseconds.
    pub created_at: i64,
    /// The questionnaire content it was evaluated with.
    pub questionnaire_hash: String,
}

impl From<MilestoneRow> for MilestoneDto {
    fn from(m: MilestoneRow) -> Self {
        MilestoneDto {
            id: m.id,
            name: m.name,
            created_by: m.created_by,
            created_at: m.created_at,
            questionnaire_hash: m.questionnaire_hash,
        }
    }
}

/// An assessment's milestones, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct MilestoneList {
    /// The milestones.
    pub items: Vec<MilestoneDto>,
}

/// A new milestone of the answers as they are now.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMilestoneBody {
    /// Its name.
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub name: String,
}

/// An answer as a milestone saved it.
#[derive(Debug, Serialize, ToSchema)]
pub struct SavedAnswer {
    /// The question.
    pub question_id: String,
    /// The value, as in an answers file; `null` when not applicable.
    #[schema(value_type = Value)]
    pub value: Value,
    /// Why the question does not apply, when it does not.
    pub not_applicable: Option<String>,
    /// The note.
    pub note: Option<String>,
}

/// A milestone with what it saved.
#[derive(Debug, Serialize, ToSchema)]
pub struct MilestoneDetail {
    /// The milestone.
    pub milestone: MilestoneDto,
    /// The answers then.
    pub answers: Vec<SavedAnswer>,
    /// Their evaluation then (see the evaluation operation).
    #[schema(value_type = Object)]
    pub evaluation: Value,
}

/// One side of a comparison.
#[derive(Debug, Serialize, ToSchema)]
pub struct DiffSide {
    /// `current` or a milestone id.
    pub id: String,
    /// As people read it: `now`, or the milestone's name and date.
    pub label: String,
}

/// What changed between two snapshots.
#[derive(Debug, Serialize, ToSchema)]
pub struct DiffDto {
    /// The earlier side.
    pub from: DiffSide,
    /// The later side.
    pub to: DiffSide,
    /// Answers that differ, risks that appeared, resolved or changed level, score deltas, rank
    /// changes and checklist progress.
    #[schema(value_type = Object)]
    pub diff: Value,
}
