//! The questionnaires' JSON: lists, details with areas, questions and choices, lens versions,
//! linter findings and import results, and the schema of the catalog contract.

use questionnaires::lens::{Finding, Severity};
use serde::Serialize;
use utoipa::ToSchema;

/// A linter finding.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FindingDto {
    /// `error` (AWS would reject the lens, or Trellis cannot import it) or `warning`.
    #[schema(value_type = String, pattern = "^(error|warning)$")]
    pub severity: &'static str,
    /// A stable kebab-case code, such as `unreachable-rule` or `missing-default`.
    pub code: String,
    /// The question it concerns, when there is one.
    pub question: Option<String>,
    /// Where, as a JSON pointer into the lens.
    pub pointer: String,
    /// What is wrong, naming the values.
    pub message: String,
}

impl From<&Finding> for FindingDto {
    fn from(f: &Finding) -> Self {
        FindingDto {
            severity: match f.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            },
            code: f.code.clone(),
            question: f.question.clone(),
            pointer: f.pointer.clone(),
            message: f.message.clone(),
        }
    }
}

/// What the linter found.
#[derive(Debug, Serialize, ToSchema)]
pub struct LintResult {
    /// How many errors: with any, the lens cannot be imported.
    pub errors: usize,
    /// How many warnings.
    pub warnings: usize,
    /// Every finding.
    pub findings: Vec<FindingDto>,
}

impl LintResult {
    /// The counts and findings of a lint.
    pub fn of(findings: &[Finding]) -> LintResult {
        let errors = findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count();
        LintResult {
            errors,
            warnings: findings.len() - errors,
            findings: findings.iter().map(FindingDto::from).collect(),
        }
    }
}

/// A questionnaire in a list: the built-in one, or the latest version of an imported lens.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuestionnaireSummary {
    /// Its id: what `questionnaire` names when creating an assessment.
    pub id: String,
    /// Its title (a lens's name).
    pub title: String,
    /// Its version: the built-in content version, or `vN` for a lens.
    pub version: String,
    /// Whether it is the built-in review.
    pub builtin: bool,
    /// The content hash.
    pub content_hash: String,
    /// How many questions it asks.
    pub questions: usize,
    /// The team that imported it (lenses only).
    pub team_id: Option<String>,
    /// Who imported this version (lenses only).
    pub created_by: Option<String>,
    /// Unix milliseconds (lenses only).
    pub created_at: Option<i64>,
}

/// The questionnaires the caller can run a review on.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuestionnaireList {
    /// The built-in review first, then each lens by name.
    pub items: Vec<QuestionnaireSummary>,
}

/// A version of an imported lens.
#[derive(Debug, Serialize, ToSchema)]
pub struct LensVersionDto {
    /// 1, 2, …
    pub version: i64,
    /// The lens's name in that version.
    pub name: String,
    /// Its content hash.
    pub content_hash: String,
    /// Who imported it.
    pub created_by: String,
    /// Unix milliseconds.
    pub created_at: i64,
}

/// A questionnaire with its areas, questions and choices.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuestionnaireDetail {
    /// The questionnaire.
    pub questionnaire: QuestionnaireSummary,
    /// Its Markdown description.
    pub description: String,
    /// Areas (a lens's pillars) in order, with their questions and choices.
    #[schema(value_type = Vec<CatalogAreaDoc>)]
    pub areas: Vec<crate::catalog::CatalogArea>,
    /// Every version, newest first (lenses only).
    pub versions: Vec<LensVersionDto>,
    /// The linter's warnings when this version was imported (lenses only).
    pub warnings: Vec<FindingDto>,
    /// What the lens export leaves out, each a sentence.
    pub omitted: Vec<String>,
}

/// What an import did.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportResult {
    /// The lens version, new or (when the file is the latest version already) unchanged.
    pub questionnaire: QuestionnaireSummary,
    /// Whether the file was the latest version already, so no version was added.
    pub unchanged: bool,
    /// The linter's warnings.
    pub warnings: Vec<FindingDto>,
}

/// The question and pattern catalog of the built-in review.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Catalog)]
pub struct CatalogDoc {
    /// Questionnaire id.
    pub id: String,
    /// Content version.
    pub version: String,
    /// Content hash.
    pub content_hash: String,
    /// Title.
    pub title: String,
    /// Areas in order.
    pub areas: Vec<CatalogAreaDoc>,
    /// Patterns in catalog order.
    pub patterns: Vec<CatalogPatternDoc>,
}

/// An area with its questions.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = CatalogArea)]
pub struct CatalogAreaDoc {
    /// Area id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Questions in order.
    pub questions: Vec<CatalogQuestionDoc>,
}

/// A question with its choices.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = CatalogQuestion)]
pub struct CatalogQuestionDoc {
    /// Question id.
    pub id: String,
    /// Title.
    pub title: String,
    /// The answer it takes.
    #[schema(value_type = String, pattern = "^(single|multi|number|text)$")]
    pub kind: String,
    /// Unit and range, for number questions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<NumberSpecDoc>,
    /// The condition under which it is asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub applies_when: Option<String>,
    /// Choices, for choice questions.
    pub choices: Vec<CatalogChoiceDoc>,
}

/// The unit and range of a number question.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = NumberSpec)]
pub struct NumberSpecDoc {
    /// Unit.
    pub unit: String,
    /// Smallest accepted value.
    pub min: f64,
    /// Largest accepted value.
    pub max: f64,
}

/// A choice.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = CatalogChoice)]
pub struct CatalogChoiceDoc {
    /// Choice id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Whether it means "none of these".
    pub none_of_these: bool,
}

/// A pattern.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = CatalogPattern)]
pub struct CatalogPatternDoc {
    /// Pattern id.
    pub id: String,
    /// Name.
    pub name: String,
    /// `serverless` or `containers`.
    #[schema(value_type = String, pattern = "^(serverless|containers)$")]
    pub kind: String,
    /// Services involved.
    pub services: Vec<String>,
    /// Whether a starter project exists.
    pub scaffold: bool,
}
