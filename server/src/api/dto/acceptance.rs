//! Accepted risks as JSON: an acceptance with whether it still covers the risk, the list of an
//! assessment's, and the body that accepts one.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::service::AcceptanceNow;

/// Who accepted a risk.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AcceptedBy {
    /// Their account id.
    pub id: String,
    /// The name they were shown by when they accepted it.
    pub name: String,
}

/// A team's acceptance of the risk one question raises. Accepting changes no score: the risk
/// stays raised, and is told apart as accepted.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AcceptanceDto {
    /// The question whose risk it accepts.
    pub question_id: String,
    /// The question's title.
    pub question: String,
    /// What is wrong: the risk's title (the question's title while no risk is raised).
    pub problem: String,
    /// The level accepted.
    #[schema(value_type = String, pattern = "^(high|medium)$")]
    pub level: String,
    /// Why the team lives with the risk.
    pub reason: String,
    /// Who accepted it.
    pub accepted_by: AcceptedBy,
    /// Unix milliseconds.
    pub accepted_at: i64,
    /// The question's risk now (`high`, `medium` or `none`; null while it is unanswered or
    /// does not apply).
    #[schema(value_type = Option<String>, pattern = "^(high|medium|none)$")]
    pub current_level: Option<String>,
    /// The risk now is above the level accepted: the acceptance no longer covers it.
    pub lapsed: bool,
}

impl From<AcceptanceNow> for AcceptanceDto {
    fn from(a: AcceptanceNow) -> Self {
        AcceptanceDto {
            question_id: a.stored.question_id,
            question: a.title,
            problem: a.problem,
            level: a.stored.level,
            reason: a.stored.reason,
            accepted_by: AcceptedBy {
                id: a.stored.accepted_by,
                name: a.stored.accepted_by_name,
            },
            accepted_at: a.stored.accepted_at,
            current_level: a.current.map(|r| r.as_str().to_owned()),
            lapsed: a.lapsed,
        }
    }
}

/// An assessment's accepted risks, lapsed ones included, by question id.
#[derive(Debug, Serialize, ToSchema)]
pub struct AcceptanceList {
    /// The acceptances.
    pub items: Vec<AcceptanceDto>,
}

/// Accept the risk a question raises now.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptRiskBody {
    /// Why the team lives with the risk.
    #[schema(min_length = 1, max_length = 2000, pattern = r"\S")]
    pub reason: String,
    /// The level the caller saw (`high` or `medium`): when the risk is at another level now, the
    /// acceptance is refused (409), to be looked at again. Left out: the level now.
    #[schema(pattern = "^(high|medium)$")]
    pub level: Option<String>,
}
