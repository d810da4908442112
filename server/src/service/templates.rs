//! Templates: a new review that starts from another review's current answers, or from one of
//! its milestones. The answers it carries over are marked to confirm until someone saves them,
//! or saves the page that shows them (see [`super::save_area_form`]).

use std::collections::BTreeMap;

use questionnaires::evaluate::Status;
use questionnaires::{Evaluation, Questionnaire};

use super::AppContext;
use super::milestones::milestone_of;
use super::reviews::visible_page;
use crate::error::AppError;
use store::auth::Role;
use store::{Assessment, NewAssessment, StoredAnswer, Template};

/// What a form names as the start of a new review: `ID` for that review's current answers,
/// `ID/MILESTONE` for one of its milestones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Source<'a> {
    assessment: &'a str,
    milestone: Option<&'a str>,
}

impl<'a> Source<'a> {
    /// Reads a `from` field: `None` when it is empty (a blank review).
    pub(crate) fn parse(text: &'a str) -> Result<Option<Source<'a>>, AppError> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(None);
        }
        let id = |s: &str| {
            !s.is_empty() && s.len() <= 64 && s.chars().all(|c| c.is_ascii_alphanumeric())
        };
        match text.split_once('/') {
            None if id(text) => Ok(Some(Source {
                assessment: text,
                milestone: None,
            })),
            Some((a, m)) if id(a) && id(m) => Ok(Some(Source {
                assessment: a,
                milestone: Some(m),
            })),
            _ => Err(AppError::BadInput(format!(
                "from: `{text}` is neither a review's id nor a review's id and a milestone's id \
                 (REVIEW/MILESTONE)"
            ))),
        }
    }

    /// The value a form posts for it.
    pub(crate) fn value(assessment: &str, milestone: Option<&str>) -> String {
        match milestone {
            Some(m) => format!("{assessment}/{m}"),
            None => assessment.to_owned(),
        }
    }
}

/// Creates the assessment `new` from `source`, which the actor must be able to read (404
/// otherwise, and nothing is created).
pub(super) async fn create_from(
    c: &AppContext,
    mut new: NewAssessment,
    id: &str,
    source: Source<'_>,
    now: i64,
) -> Result<Assessment, AppError> {
    let (a, _) = c.assessment(source.assessment, Role::Viewer).await?;
    // The answers only make sense on the questionnaire they were given to.
    new.questionnaire_id.clone_from(&a.questionnaire_id);
    new.questionnaire_hash.clone_from(&a.questionnaire_hash);
    let new = &new;
    let who = c.actor.label();
    let created = match source.milestone {
        None => {
            c.store
                .create_from_template(new, id, Template::Assessment(&a.id), &a.name, &who, now)
                .await
        }
        Some(milestone) => {
            let m = milestone_of(c, &a.id, milestone).await?;
            let label = format!("{} · milestone \u{201c}{}\u{201d}", a.name, m.row.name);
            c.store
                .create_from_template(new, id, Template::Answers(&m.answers), &label, &who, now)
                .await
        }
    };
    Ok(created?)
}

/// How many of the most recently changed reviews the "Start from" choice offers.
const SOURCE_REVIEWS: u32 = 50;

/// What the signed-in user can start a review from, most recently changed review first: the
/// [`SOURCE_REVIEWS`] latest reviews and their milestones, and the review `from` names (a link
/// can preselect an older one): (the `from` value, its label).
pub async fn template_sources(
    c: &AppContext,
    from: &str,
) -> Result<Vec<(String, String)>, AppError> {
    let (mut reviews, _) = visible_page(c, true, "", None, SOURCE_REVIEWS).await?;
    if let Ok(Some(source)) = Source::parse(from)
        && !reviews.iter().any(|a| a.id == source.assessment)
        && let Ok((a, _)) = c.assessment(source.assessment, Role::Viewer).await
    {
        reviews.push(a);
    }
    let ids: Vec<&str> = reviews.iter().map(|a| a.id.as_str()).collect();
    let mut milestones = c.store.milestones_of(&ids).await?;
    let mut out = Vec::new();
    for a in reviews {
        let archived = if a.archived_at.is_some() {
            " (archived)"
        } else {
            ""
        };
        out.push((
            Source::value(&a.id, None),
            format!("{}{archived}: its current answers", a.name),
        ));
        for m in milestones.remove(&a.id).unwrap_or_default() {
            out.push((
                Source::value(&a.id, Some(&m.id)),
                format!(
                    "{}{archived}: milestone \u{201c}{}\u{201d} ({} UTC)",
                    a.name,
                    m.name,
                    app::utc(m.created_at)
                ),
            ));
        }
    }
    Ok(out)
}

/// The questions whose answer was carried over and is still to confirm, in questionnaire
/// order: only those that apply (a hidden follow-up waits until it shows again).
pub(crate) fn to_confirm(
    q: &Questionnaire,
    e: &Evaluation,
    stored: &BTreeMap<String, StoredAnswer>,
) -> Vec<usize> {
    q.questions
        .iter()
        .enumerate()
        .filter(|&(i, question)| {
            e.questions[i].status != Status::Hidden
                && stored
                    .get(question.id.as_str())
                    .is_some_and(|s| s.to_confirm)
        })
        .map(|(i, _)| i)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::Source;

    #[test]
    fn a_source_is_a_review_or_a_review_and_a_milestone() {
        assert_eq!(Source::parse(" ").unwrap(), None);
        assert_eq!(
            Source::parse("abc123").unwrap(),
            Some(Source {
                assessment: "abc123",
                milestone: None
            })
        );
        assert_eq!(
            Source::parse("abc/m1").unwrap(),
            Some(Source {
                assessment: "abc",
                milestone: Some("m1")
            })
        );
        for bad in ["a/b/c", "/m1", "abc/", "a b", "../etc"] {
            let err = Source::parse(bad).unwrap_err().to_string();
            assert!(err.starts_with("from: "), "{bad}: {err}");
        }
        assert_eq!(Source::value("abc", Some("m1")), "abc/m1");
    }
}
