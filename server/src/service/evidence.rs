//! Evidence import: a review pre-filled from the team's infrastructure code (CloudFormation, SAM
//! and CDK templates, uploaded as files or a zip), read by the `iac` crate on the blocking pool.
//!
//! For each answer the import reads: an unanswered question is filled and marked to confirm
//! (as a template's answers are); a question answered the same keeps its answer; a question
//! answered otherwise is drift, and nothing changes until the team chooses, per question, the
//! template's value (marked to confirm) or its own ([`decide_evidence`]). Each import is stored
//! with the answers it fills, in one transaction; the latest one is what the pages show: the
//! evidence under each question, and the template's findings on the results page and reports.

use std::collections::BTreeMap;

use questionnaires::{Answer, AnswerValue, Questionnaire};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use store::auth::Role;
use store::{
    AnswerWrite, Assessment, BatchAudit, BatchError, EvidenceChange, EvidenceError, EvidenceRow,
    Expect, NewEvidence,
};

use super::{AppContext, audit_target, describe, now_ms};
use crate::error::AppError;

/// The most bytes one import takes, all files together (a zip counts as sent).
pub const MAX_UPLOAD: usize = 8 * 1024 * 1024;

/// The most files one import takes (a zip is one; the `iac` crate bounds what is inside).
pub const MAX_FILES: usize = 100;

/// One uploaded file.
#[derive(Debug, Clone)]
pub struct Upload {
    /// Its name, as the browser or client sent it.
    pub name: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// One piece of evidence: where an answer (or the lack of one) came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EvidenceLine {
    /// The question id.
    pub question: String,
    /// The value it supports, as an answers file writes it; absent when the question stays open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub value: Option<Value>,
    /// The file.
    pub file: String,
    /// The resource's logical id.
    pub resource: String,
    /// The property path.
    pub path: String,
    /// The line (0: a documented default, written nowhere).
    pub line: usize,
    /// Why, in one sentence.
    pub reason: String,
}

impl EvidenceLine {
    /// Where it is, as people read it: "From template.yaml line 12, Resource ApiFunction,
    /// Properties.MemorySize".
    pub fn place(&self) -> String {
        let file = self.file.rsplit(['/', '!']).next().unwrap_or(&self.file);
        let mut out = format!("From {file}");
        if self.line > 0 {
            out.push_str(&format!(" line {}", self.line));
        }
        if !self.resource.is_empty() {
            out.push_str(&format!(", Resource {}", self.resource));
        }
        if !self.path.is_empty() {
            out.push_str(&format!(", {}", self.path));
        }
        if self.line == 0 {
            out.push_str(" (not written: the documented default)");
        }
        out
    }
}

/// A finding about a template: a check with the resource and line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TemplateFinding {
    /// What kind, such as `visibility_timeout`.
    pub id: String,
    /// `high`, `medium`, `low` or `note`.
    pub severity: String,
    /// The file.
    pub file: String,
    /// The resource's logical id.
    pub resource: String,
    /// The property path.
    pub path: String,
    /// The line (0: none).
    pub line: usize,
    /// What is wrong and what to do.
    pub message: String,
}

impl TemplateFinding {
    /// Where it is: `template.yaml:12` (or the file alone).
    pub fn place(&self) -> String {
        if self.line > 0 {
            format!("{}:{}", self.file, self.line)
        } else {
            self.file.clone()
        }
    }
}

/// An answer the import filled or found already given.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ImportedAnswer {
    /// The question id.
    pub question_id: String,
    /// The question's title.
    pub title: String,
    /// Its area's title.
    pub area: String,
    /// The value, in words (choice labels, the number with its unit).
    pub value: String,
    /// Where it came from.
    pub evidence: Vec<EvidenceLine>,
}

/// A question the import read otherwise than it is answered.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Drift {
    /// The question id.
    pub question_id: String,
    /// The question's title.
    pub title: String,
    /// Its area's title.
    pub area: String,
    /// The answer when the import ran, in words.
    pub current: String,
    /// What the template says, in words.
    pub imported: String,
    /// The answer's version when the import ran: accepting the template's value writes at it.
    pub version: i64,
    /// The team's choice: `accept` (the template's value) or `keep`; absent until chosen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision: Option<String>,
    /// Where the template's value came from.
    pub evidence: Vec<EvidenceLine>,
}

/// An import, as the pages and the API show it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct EvidenceImport {
    /// The import's id (choices name it).
    pub id: String,
    /// The files uploaded.
    pub files: Vec<String>,
    /// Who imported.
    pub imported_by: String,
    /// When (unix ms).
    pub imported_at: i64,
    /// Questions it answered, each marked to confirm.
    pub filled: Vec<ImportedAnswer>,
    /// Questions already answered as the template says.
    pub unchanged: Vec<ImportedAnswer>,
    /// Questions answered otherwise.
    pub drift: Vec<Drift>,
    /// The template's findings, most severe first.
    pub findings: Vec<TemplateFinding>,
    /// What the import could not read or skipped.
    pub notes: Vec<TemplateFinding>,
}

/// The team's choice on a drifted question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// The template's value, marked to confirm.
    Accept,
    /// The answer as it is.
    Keep,
}

impl Decision {
    fn as_str(self) -> &'static str {
        match self {
            Decision::Accept => "accept",
            Decision::Keep => "keep",
        }
    }

    /// Reads `accept` or `keep`.
    pub fn parse(text: &str) -> Option<Decision> {
        match text {
            "accept" => Some(Decision::Accept),
            "keep" => Some(Decision::Keep),
            _ => None,
        }
    }
}

/// What an import read, as stored (the `iac::Import` JSON, the parts shown).
#[derive(Debug, Default, Serialize, Deserialize)]
struct Content {
    #[serde(default)]
    answers: BTreeMap<String, Value>,
    #[serde(default)]
    evidence: Vec<EvidenceLine>,
    #[serde(default)]
    findings: Vec<TemplateFinding>,
}

/// What an import did to the answers, as stored.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Outcome {
    filled: Vec<String>,
    unchanged: Vec<String>,
    drift: Vec<DriftRecord>,
}

#[derive(Debug, Serialize, Deserialize)]
struct DriftRecord {
    question: String,
    current: AnswerValue,
    version: i64,
}

/// The inputs of the `iac` crate from uploaded files: a zip is expanded by the crate, within
/// its limits; a YAML, JSON or Terraform file is named by the user, so its errors stop the import.
fn inputs(uploads: Vec<Upload>) -> Result<Vec<iac::Input>, iac::Error> {
    let mut out = Vec::new();
    for u in uploads {
        let lower = u.name.to_ascii_lowercase();
        if lower.ends_with(".zip") {
            out.extend(iac::source::unzip(&u.bytes, &u.name)?);
            continue;
        }
        let text = String::from_utf8(u.bytes).map_err(|_| iac::Error::Io {
            file: u.name.clone(),
            message: "not UTF-8 text".to_owned(),
        })?;
        out.push(if lower.ends_with(".tf") {
            iac::Input::Terraform {
                name: u.name,
                text,
                explicit: true,
            }
        } else {
            iac::Input::Document {
                name: u.name,
                text,
                explicit: true,
            }
        });
    }
    Ok(out)
}

/// A file name as shown: its last component, at most 200 characters, never empty.
fn shown_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or(name).trim();
    let short: String = last.chars().take(200).collect();
    if short.is_empty() {
        "upload".to_owned()
    } else {
        short
    }
}

/// The review, which must run on the built-in questionnaire (the one templates answer).
async fn review(
    c: &AppContext,
    id: &str,
    need: Role,
) -> Result<(Assessment, std::sync::Arc<Questionnaire>), AppError> {
    let (a, _) = c.assessment(id, need).await?;
    let q = c.questionnaire_of(&a).await?;
    if q.id != c.builtin.id {
        return Err(AppError::Unprocessable(format!(
            "This review runs on the questionnaire “{}”; an import from infrastructure code \
             answers the built-in serverless review only.",
            q.title
        )));
    }
    Ok((a, q))
}

/// The audit entries of an evidence write: one per changed answer.
fn audit(
    q: &std::sync::Arc<Questionnaire>,
    a: &Assessment,
    how: &'static str,
) -> Option<BatchAudit> {
    let (q, review) = (q.clone(), a.name.clone());
    a.team_id.clone().map(|team_id| BatchAudit {
        team_id,
        entries: Box::new(move |changed| {
            changed
                .iter()
                .map(|c| {
                    (
                        audit_target(&q, &review, &c.question_id),
                        format!(
                            "{} ({how})",
                            describe(&q, &c.question_id, c.answer.as_ref())
                        ),
                    )
                })
                .collect()
        }),
    })
}

/// The words of a refused evidence write.
fn refused(q: &Questionnaire, e: EvidenceError, again: &str) -> AppError {
    match e {
        EvidenceError::Answers(BatchError::Conflict(list)) => {
            let titles: Vec<String> = list
                .iter()
                .map(|(qid, _)| {
                    q.question(qid)
                        .map_or_else(|| qid.clone(), |x| format!("“{}”", x.title))
                })
                .collect();
            AppError::Conflict(format!(
                "Nothing was saved: {} changed meanwhile; {again}.",
                titles.join(", ")
            ))
        }
        EvidenceError::Answers(BatchError::Store(e)) => e.into(),
        EvidenceError::Stale => AppError::Conflict(format!(
            "Nothing was saved: another import or another choice came first; {again}."
        )),
    }
}

/// Imports uploaded templates into a review (editors): fills what is unanswered, marked to
/// confirm, and lists the drift. A template that cannot be read is a 422 naming the file, and
/// nothing is written.
pub async fn import_evidence(
    c: &AppContext,
    id: &str,
    uploads: Vec<Upload>,
) -> Result<EvidenceImport, AppError> {
    let (a, q) = review(c, id, Role::Editor).await?;
    if uploads.is_empty() {
        return Err(AppError::BadInput(
            "files: choose at least one template (YAML or JSON) or a zip of them".into(),
        ));
    }
    if uploads.len() > MAX_FILES {
        return Err(AppError::BadInput(format!(
            "files: {} files, more than the {MAX_FILES} one import takes (send a zip)",
            uploads.len()
        )));
    }
    let total: usize = uploads.iter().map(|u| u.bytes.len()).sum();
    if total > MAX_UPLOAD {
        return Err(AppError::TooLarge(format!(
            "files: {total} bytes, more than the {} MiB one import takes",
            MAX_UPLOAD / 1024 / 1024
        )));
    }
    let uploads: Vec<Upload> = uploads
        .into_iter()
        .map(|u| Upload {
            name: shown_name(&u.name),
            bytes: u.bytes,
        })
        .collect();
    let files: Vec<String> = uploads.iter().map(|u| u.name.clone()).collect();
    let workload = a.name.clone();
    // CPU work on hostile input: on the blocking pool, a few at a time.
    let read = c
        .heavy
        .run("importing infrastructure code", move || {
            iac::import(&inputs(uploads)?, &workload)
        })
        .await?
        .map_err(|e| AppError::Unprocessable(e.to_string()))?;
    let content = serde_json::to_string(&read)
        .map_err(|e| AppError::Internal(format!("an import as JSON: {e}")))?;
    let (_, stored) = super::answers_of(&c.store, &q, &a.id).await?;
    let mut outcome = Outcome::default();
    let mut writes = Vec::new();
    for (qid, value) in &read.answers {
        let Some(question) = q.question(qid) else {
            continue;
        };
        let Ok(value) = questionnaires::answers::check_value(question, value) else {
            continue;
        };
        match stored.get(qid) {
            None => {
                writes.push(AnswerWrite {
                    question_id: qid.clone(),
                    answer: Some(Answer::new(value)),
                    expect: Expect::Nothing,
                });
                outcome.filled.push(qid.clone());
            }
            Some(s) if s.answer.value == value => outcome.unchanged.push(qid.clone()),
            Some(s) => outcome.drift.push(DriftRecord {
                question: qid.clone(),
                current: s.answer.value.clone(),
                version: s.version,
            }),
        }
    }
    let row_id = uuid::Uuid::new_v4().simple().to_string();
    let new = NewEvidence {
        id: row_id,
        files: serde_json::to_string(&files).unwrap_or_else(|_| "[]".into()),
        content,
        outcome: serde_json::to_string(&outcome)
            .map_err(|e| AppError::Internal(format!("an import's outcome as JSON: {e}")))?,
    };
    c.store
        .write_evidence(
            &a.id,
            &writes,
            &outcome.filled,
            EvidenceChange::Import(new),
            &c.actor.label(),
            now_ms(),
            audit(&q, &a, "imported from infrastructure code"),
        )
        .await
        .map_err(|e| refused(&q, e, "import again"))?;
    latest(c, &a, &q)
        .await?
        .ok_or_else(|| AppError::Internal("an import is missing after its write".into()))
}

/// The latest import of a review (readers), if any.
pub async fn evidence(c: &AppContext, id: &str) -> Result<Option<EvidenceImport>, AppError> {
    let (a, _) = c.assessment(id, Role::Viewer).await?;
    let q = c.questionnaire_of(&a).await?;
    latest(c, &a, &q).await
}

/// Applies the team's choices on the latest import's drift (editors), in one transaction:
/// accepting writes the template's value at the version the import saw (a stale one refuses
/// every choice, 409), marked to confirm; keeping writes nothing. `import_id` must be the
/// latest import.
pub async fn decide_evidence(
    c: &AppContext,
    id: &str,
    import_id: &str,
    choices: &BTreeMap<String, Decision>,
) -> Result<EvidenceImport, AppError> {
    let (a, q) = review(c, id, Role::Editor).await?;
    let row = c
        .store
        .latest_evidence(&a.id)
        .await?
        .filter(|r| r.id == import_id)
        .ok_or_else(|| {
            AppError::Conflict(
                "Nothing was saved: this is not the review's latest import; reload it.".into(),
            )
        })?;
    let (content, outcome, mut decisions) = parts(&row)?;
    let mut errors = Vec::new();
    let mut writes = Vec::new();
    let mut to_confirm = Vec::new();
    let stored = c.store.answers(&a.id).await?;
    for (qid, choice) in choices {
        let Some(drift) = outcome.drift.iter().find(|d| &d.question == qid) else {
            errors.push(format!(
                "{qid}: not a question this import found answered otherwise"
            ));
            continue;
        };
        if let Some(made) = decisions.get(qid) {
            errors.push(format!("{qid}: already decided ({made})"));
            continue;
        }
        decisions.insert(qid.clone(), choice.as_str().to_owned());
        if *choice == Decision::Keep {
            continue;
        }
        let value = q
            .question(qid)
            .zip(content.answers.get(qid))
            .and_then(|(question, v)| questionnaires::answers::check_value(question, v).ok());
        let Some(value) = value else {
            errors.push(format!(
                "{qid}: the template's value no longer fits the question"
            ));
            continue;
        };
        let note = stored
            .iter()
            .find(|s| &s.question_id == qid && s.version == drift.version)
            .and_then(|s| s.answer.note.clone());
        writes.push(AnswerWrite {
            question_id: qid.clone(),
            answer: Some(Answer { value, note }),
            expect: Expect::Version(drift.version),
        });
        to_confirm.push(qid.clone());
    }
    if !errors.is_empty() {
        return Err(AppError::BadInput(errors.join("\n")));
    }
    let after = serde_json::to_string(&decisions)
        .map_err(|e| AppError::Internal(format!("choices as JSON: {e}")))?;
    c.store
        .write_evidence(
            &a.id,
            &writes,
            &to_confirm,
            EvidenceChange::Decide {
                import_id: row.id.clone(),
                before: row.decisions.clone(),
                after,
            },
            &c.actor.label(),
            now_ms(),
            audit(&q, &a, "the template's value, accepted"),
        )
        .await
        .map_err(|e| refused(&q, e, "reload the import and choose again"))?;
    latest(c, &a, &q)
        .await?
        .ok_or_else(|| AppError::Internal("an import is missing after its write".into()))
}

type Parts = (Content, Outcome, BTreeMap<String, String>);

fn parts(row: &EvidenceRow) -> Result<Parts, AppError> {
    let corrupt = |what: &str, e: serde_json::Error| {
        AppError::Internal(format!("evidence import {}: {what}: {e}", row.id))
    };
    Ok((
        serde_json::from_str(&row.content).map_err(|e| corrupt("content", e))?,
        serde_json::from_str(&row.outcome).map_err(|e| corrupt("outcome", e))?,
        serde_json::from_str(&row.decisions).map_err(|e| corrupt("decisions", e))?,
    ))
}

async fn latest(
    c: &AppContext,
    a: &Assessment,
    q: &Questionnaire,
) -> Result<Option<EvidenceImport>, AppError> {
    match c.store.latest_evidence(&a.id).await? {
        None => Ok(None),
        Some(row) => Ok(Some(view(q, &row)?)),
    }
}

/// The view of a stored import.
fn view(q: &Questionnaire, row: &EvidenceRow) -> Result<EvidenceImport, AppError> {
    let (content, outcome, decisions) = parts(row)?;
    let evidence_of = |qid: &str| -> Vec<EvidenceLine> {
        let mut out: Vec<EvidenceLine> = Vec::new();
        for e in content
            .evidence
            .iter()
            .filter(|e| e.question == qid && e.value.is_some())
        {
            // One line per place: a resource read for several facts is cited once.
            if !out.iter().any(|o| o.place() == e.place()) {
                out.push(e.clone());
            }
        }
        out
    };
    let titles = |qid: &str| -> (String, String) {
        q.question(qid).map_or_else(
            || (qid.to_owned(), String::new()),
            |x| {
                let area = q.areas.get(x.area).map(|a| a.title.to_string());
                (x.title.to_string(), area.unwrap_or_default())
            },
        )
    };
    let imported = |qid: &str| -> String {
        q.question(qid)
            .zip(content.answers.get(qid))
            .and_then(|(question, v)| questionnaires::answers::check_value(question, v).ok())
            .map_or_else(String::new, |v| questionnaires::diff::describe(q, qid, &v))
    };
    let answer = |qid: &String| {
        let (title, area) = titles(qid);
        ImportedAnswer {
            question_id: qid.clone(),
            title,
            area,
            value: imported(qid),
            evidence: evidence_of(qid),
        }
    };
    let order = |qid: &str| q.questions.iter().position(|x| x.id.as_str() == qid);
    let mut filled: Vec<ImportedAnswer> = outcome.filled.iter().map(answer).collect();
    let mut unchanged: Vec<ImportedAnswer> = outcome.unchanged.iter().map(answer).collect();
    filled.sort_by_key(|x| order(&x.question_id));
    unchanged.sort_by_key(|x| order(&x.question_id));
    let mut drift: Vec<Drift> = outcome
        .drift
        .iter()
        .map(|d| {
            let (title, area) = titles(&d.question);
            Drift {
                question_id: d.question.clone(),
                title,
                area,
                current: questionnaires::diff::describe(q, &d.question, &d.current),
                imported: imported(&d.question),
                version: d.version,
                decision: decisions.get(&d.question).cloned(),
                evidence: evidence_of(&d.question),
            }
        })
        .collect();
    drift.sort_by_key(|x| order(&x.question_id));
    let (notes, findings): (Vec<TemplateFinding>, Vec<TemplateFinding>) = content
        .findings
        .into_iter()
        .partition(|f| f.severity == "note");
    Ok(EvidenceImport {
        id: row.id.clone(),
        files: serde_json::from_str(&row.files).unwrap_or_default(),
        imported_by: row.imported_by.clone(),
        imported_at: row.imported_at,
        filled,
        unchanged,
        drift,
        findings,
        notes,
    })
}

/// The latest import's evidence for each question it answered, as people read it (for the
/// question pages).
pub async fn evidence_by_question(
    c: &AppContext,
    assessment_id: &str,
) -> Result<BTreeMap<String, Vec<String>>, AppError> {
    let Some(row) = c.store.latest_evidence(assessment_id).await? else {
        return Ok(BTreeMap::new());
    };
    let (content, _, _) = parts(&row)?;
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for e in content.evidence.iter().filter(|e| e.value.is_some()) {
        let lines = out.entry(e.question.clone()).or_default();
        let place = e.place();
        if !lines.contains(&place) {
            lines.push(place);
        }
    }
    Ok(out)
}

/// The latest import's template findings (no notes), most severe first, for the results page
/// and the reports: empty when the review has no import.
pub async fn template_findings(
    store: &store::Store,
    assessment_id: &str,
) -> Result<Vec<TemplateFinding>, AppError> {
    let Some(row) = store.latest_evidence(assessment_id).await? else {
        return Ok(Vec::new());
    };
    let (content, _, _) = parts(&row)?;
    Ok(content
        .findings
        .into_iter()
        .filter(|f| f.severity != "note")
        .collect())
}

/// The latest import's template findings as a report carries them.
pub async fn report_findings(
    store: &store::Store,
    assessment_id: &str,
) -> Result<Vec<questionnaires::report::ReportTemplateFinding>, AppError> {
    Ok(template_findings(store, assessment_id)
        .await?
        .into_iter()
        .map(|f| questionnaires::report::ReportTemplateFinding {
            id: f.id,
            severity: f.severity,
            message: f.message,
            file: f.file,
            line: f.line,
            resource: f.resource,
            path: f.path,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_place_reads_as_a_sentence() {
        let e = EvidenceLine {
            question: "memory_mb".into(),
            value: Some(serde_json::json!(512)),
            file: "upload.zip!app/template.yaml".into(),
            resource: "ApiFunction".into(),
            path: "Properties.MemorySize".into(),
            line: 12,
            reason: "r".into(),
        };
        assert_eq!(
            e.place(),
            "From template.yaml line 12, Resource ApiFunction, Properties.MemorySize"
        );
        let default = EvidenceLine { line: 0, ..e };
        assert!(
            default
                .place()
                .ends_with("(not written: the documented default)")
        );
    }

    #[test]
    fn shown_names_drop_directories_and_never_are_empty() {
        assert_eq!(shown_name("../../etc/template.yaml"), "template.yaml");
        assert_eq!(shown_name("C:\\work\\t.json"), "t.json");
        assert_eq!(shown_name("  "), "upload");
    }
}
