//! The catalog contract: `trellis catalog --format json` and `GET /api/v1/catalog`.
//!
//! A stable, documented shape that tools can rely on: areas with their questions (id, kind,
//! choices) and the patterns (id, name). It is built from the domain model, never by hand.

use questionnaires::Questionnaire;
use questionnaires::model::{NumberSpec, PatternKind, QuestionKind};
use serde::Serialize;

/// The whole catalog.
#[derive(Debug, Serialize)]
pub struct Catalog {
    /// Questionnaire id.
    pub id: String,
    /// Content version.
    pub version: String,
    /// Content hash.
    pub content_hash: String,
    /// Title.
    pub title: String,
    /// Areas in order.
    pub areas: Vec<CatalogArea>,
    /// Patterns in catalog order.
    pub patterns: Vec<CatalogPattern>,
}

/// One area.
#[derive(Debug, Serialize)]
pub struct CatalogArea {
    /// Area id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Questions in order.
    pub questions: Vec<CatalogQuestion>,
}

/// One question.
#[derive(Debug, Serialize)]
pub struct CatalogQuestion {
    /// Question id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Answer kind.
    pub kind: QuestionKind,
    /// Unit and range, for number questions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<NumberSpec>,
    /// Condition under which it is asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub applies_when: Option<String>,
    /// Choices.
    pub choices: Vec<CatalogChoice>,
}

/// One choice.
#[derive(Debug, Serialize)]
pub struct CatalogChoice {
    /// Choice id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Whether it means "none of these".
    pub none_of_these: bool,
}

/// One pattern.
#[derive(Debug, Serialize)]
pub struct CatalogPattern {
    /// Pattern id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Serverless or containers.
    pub kind: PatternKind,
    /// Services involved.
    pub services: Vec<String>,
    /// Whether a starter project exists.
    pub scaffold: bool,
}

impl Catalog {
    /// Builds the catalog of a questionnaire.
    pub fn of(q: &Questionnaire) -> Catalog {
        Catalog {
            id: q.id.clone(),
            version: q.version.clone(),
            content_hash: q.content_hash.clone(),
            title: q.title.clone(),
            areas: q
                .areas
                .iter()
                .map(|a| CatalogArea {
                    id: a.id.to_string(),
                    title: a.title.to_string(),
                    questions: a
                        .questions
                        .iter()
                        .map(|&i| {
                            let question = &q.questions[i];
                            CatalogQuestion {
                                id: question.id.to_string(),
                                title: question.title.to_string(),
                                kind: question.kind,
                                number: question.number.clone(),
                                applies_when: question
                                    .applies_when
                                    .as_ref()
                                    .map(|c| c.source().to_owned()),
                                choices: question
                                    .choices
                                    .iter()
                                    .map(|c| CatalogChoice {
                                        id: c.id.to_string(),
                                        title: c.title.clone(),
                                        none_of_these: c.none_of_these,
                                    })
                                    .collect(),
                            }
                        })
                        .collect(),
                })
                .collect(),
            patterns: q
                .patterns
                .iter()
                .map(|p| CatalogPattern {
                    id: p.id.to_string(),
                    name: p.name.to_string(),
                    kind: p.kind,
                    services: p.services.clone(),
                    scaffold: p.scaffold,
                })
                .collect(),
        }
    }
}
