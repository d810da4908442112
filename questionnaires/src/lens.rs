//! AWS Well-Architected custom lenses: lint, import and export.
//!
//! A lens is the JSON file the AWS Well-Architected Tool imports (`schemaVersion` 2021-11-01):
//! pillars of questions, each with choices, links, improvement plans and risk rules.
//!
//! - [`lint`] reports every problem in a lens file, each with a JSON pointer, the question it
//!   concerns and a stable code. [`Severity::Error`]: AWS would refuse the lens, or Trellis cannot
//!   import it. [`Severity::Warning`]: both accept it, but it is an authoring defect, such as a
//!   risk rule no answer can ever reach (proved by trying every valid selection of choices).
//! - [`import`] turns a lens without errors into a [`Questionnaire`]: pillars become areas,
//!   questions take several answers, a choice id ending in `_no` is "None of these", and every
//!   improvement plan becomes a checklist item. It goes through the same validation as the
//!   built-in content.
//! - [`export`] writes any questionnaire, the built-in one included, as a lens AWS would accept,
//!   and says in plain sentences what the format could not carry.
//!
//! `import(export(q))` equals `q` on everything the format carries; for an imported lens that is
//! everything, so `export(import(export(x)))` is `export(x)`.

mod export;
pub mod format;
mod import;
mod lint;
mod reach;
mod read;
pub mod spec;

use serde::{Deserialize, Serialize};

use crate::model::Questionnaire;

pub use export::export;
pub use import::import;
pub use lint::lint;
pub use spec::SCHEMA_VERSION;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// AWS accepts it, and Trellis imports it, but it is an authoring defect.
    Warning,
    /// AWS would refuse the lens, or Trellis cannot import it.
    Error,
}

impl Severity {
    /// `warning` or `error`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// One problem in a lens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Error or warning.
    pub severity: Severity,
    /// Stable kebab-case code, such as `unreachable-rule` or `bad-url`.
    pub code: String,
    /// The id of the question it concerns, when there is one.
    pub question: Option<String>,
    /// Where it is, as a JSON pointer (`/pillars/0/questions/3/riskRules/1`); empty for the
    /// whole document.
    pub pointer: String,
    /// What is wrong, naming the values.
    pub message: String,
}

impl Finding {
    /// A finding. What it quotes of the lens is bounded ([`crate::excerpt`]): a 100 KB id, key,
    /// URL or condition shows as an excerpt, in the message, the pointer and the question.
    pub(crate) fn new(
        severity: Severity,
        code: &str,
        question: Option<&str>,
        pointer: String,
        message: String,
    ) -> Finding {
        use crate::excerpt::excerpt;
        Finding {
            severity,
            code: code.to_owned(),
            question: question.map(|q| {
                if q.chars().count() > spec::ID_MAX {
                    excerpt(q).into_owned()
                } else {
                    q.to_owned()
                }
            }),
            pointer: pointer
                .split('/')
                .map(excerpt)
                .collect::<Vec<_>>()
                .join("/"),
            message: crate::excerpt::message(&message).into_owned(),
        }
    }

    /// The index of the risk rule it concerns (0-based), read from the pointer.
    pub fn rule(&self) -> Option<usize> {
        let rest = self.pointer.split("/riskRules/").nth(1)?;
        rest.split('/').next()?.parse().ok()
    }

    /// Whether it is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} [{}]", self.severity.as_str(), self.code)?;
        if let Some(q) = &self.question {
            write!(f, " question {q}")?;
        }
        if !self.pointer.is_empty() {
            write!(f, " at {}", self.pointer)?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Whether any finding is an error.
pub fn has_errors(findings: &[Finding]) -> bool {
    findings.iter().any(Finding::is_error)
}

/// A lens read into a questionnaire.
#[derive(Debug, Clone)]
pub struct Imported {
    /// The questionnaire, with the id and version given to [`import`].
    pub questionnaire: Questionnaire,
    /// What the linter warns about: the lens imported all the same.
    pub warnings: Vec<Finding>,
    /// The lens name (also the questionnaire title).
    pub name: String,
}

/// A questionnaire written as a lens.
#[derive(Debug, Clone, PartialEq)]
pub struct Exported {
    /// The lens JSON; pretty-printed, it is the file to download.
    pub json: serde_json::Value,
    /// What the lens format could not carry, one sentence each.
    pub omitted: Vec<String>,
}

impl Exported {
    /// The lens as pretty-printed JSON text.
    pub fn to_pretty(&self) -> String {
        serde_json::to_string_pretty(&self.json).unwrap_or_default()
    }
}
