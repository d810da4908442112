//! The use cases: what a signed-in actor may read and change, on top of [`store`]. The pages reach
//! them through `app::Backend` (implemented in [`crate::pages`]), the REST API and the reports
//! call them directly; each takes the request's [`AppContext`] and returns view models or
//! [`AppError`].
//!
//! This file holds [`AppContext`] (who is asking, and the checks of what they may do), the timed
//! [`evaluate`] and the small helpers the use cases share. The use cases, by file:
//!
//! - `service/reviews.rs`: the home list of reviews and its cursor; creating, renaming,
//!   duplicating and archiving a review.
//! - `service/areas.rs`: an area's page; saving its form (Save and autosave), the form's parsing,
//!   conflicts and audit entries.
//! - `service/results.rs`: the results page, shared results and share links, a milestone's
//!   results, the evaluation for reports.
//! - `service/checklist.rs`: saving a checklist item's team state.
//! - `service/risks.rs`: accepting a raised risk, withdrawing the acceptance, and the
//!   acceptances with whether they still hold.
//! - `service/teams.rs`: whoami, whether the installation is fresh, a team's page, members, team
//!   names, the account page and its API tokens.
//! - `service/org.rs`: what the pages and the REST API share of the organisation: a review's
//!   checklist with its team state, making a team, members, invites, share links, API tokens.
//! - `service/sharing.rs`: a review's Share page (people, invites, share links), an invite link's
//!   page, revoking an invite.
//! - `service/approvals.rs`: an owner's sign-off of a review (with its milestone), the
//!   approvals, and the sign-off a report carries.
//! - `service/milestones.rs`: the milestones page, saving a milestone, and diffs between
//!   snapshots.
//! - `service/discussion.rs`: comments under questions, mentions, assignees and the
//!   respondent view; `service/inbox.rs`: what needs the signed-in member.
//! - `service/markdown.rs`: help Markdown rendered, sanitized and cached.
//! - `service/templates.rs`: starting a review from another review or milestone.
//! - `service/lenses.rs`: imported lenses and the questionnaire of a review.
//! - `service/upgrade.rs`: moving a review to the newest version of its lens.
//! - `service/portfolio.rs`: the portfolio of every review the actor sees, from the summaries
//!   every write stores; review tags.
//! - `service/heavy.rs`: the slots for CPU-heavy work.
//! - `service/webhooks.rs`: a team's outbound webhooks, the events the writes raise, the
//!   delivery log.
//! - `service/evidence.rs`: importing infrastructure code into a review: answers filled, drift
//!   and the team's choices on it, evidence under questions, template findings.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use questionnaires::{Answers, Evaluation, Questionnaire};

use crate::error::AppError;
use store::auth::{Actor, Role, User};
use store::{Assessment, Missing, Store, StoreError};

pub mod evidence;
pub mod heavy;
pub mod lenses;
pub mod portfolio;

mod approvals;
mod areas;
mod checklist;
pub mod discussion;
pub mod inbox;
mod markdown;
mod milestones;
pub mod org;
mod results;
mod reviews;
mod risks;
mod sharing;
mod teams;
mod upgrade;
pub mod webhooks;

pub use approvals::{Approvals, Approve, approvals, approve, report_sign_off, sign_off_of};
pub use areas::{Flash, area_page, audit_target, autosave, describe, save_area_form};
pub use checklist::{progress_map, save_checklist_item};
pub use markdown::{MARKDOWN_CACHE_BYTES, markdown, warm_markdown};
pub use milestones::{create_milestone, diff_of, milestones_page, state_of};
pub use results::{
    evaluation_of, milestone_results, results_page, revoke_share_link, shared_assessment,
    shared_results,
};
pub use reviews::{
    HOME_PAGE_SIZE, NewReview, archive_assessment, check_workload, create_assessment,
    create_assessment_in, duplicate_assessment, home_cursor, list_assessments, read_home_cursor,
    rename_assessment,
};
pub use risks::{AcceptanceNow, accept_risk, acceptance_map, acceptances, withdraw_risk};
pub use sharing::{invite_info, invite_page, revoke_invite, share_page};
pub use teams::{
    account_page, first_run, rename_team, revoke_api_token, set_member, team_name, team_page,
    whoami,
};
pub use upgrade::{AddedQuestion, DroppedAnswer, LensUpgrade, preview_upgrade, upgrade_lens};

/// How long the engine took for each evaluation a request needed, in seconds: read by
/// `/metrics` (server/src/observe.rs), which registers it. One histogram per process, as
/// Prometheus counts.
pub static EVALUATION_SECONDS: std::sync::LazyLock<
    prometheus_client::metrics::histogram::Histogram,
> = std::sync::LazyLock::new(|| {
    prometheus_client::metrics::histogram::Histogram::new(
        prometheus_client::metrics::histogram::exponential_buckets(0.000_005, 2.0, 14),
    )
});

/// The engine's evaluation, timed into [`EVALUATION_SECONDS`].
pub fn evaluate(q: &Questionnaire, answers: &Answers) -> Evaluation {
    let started = std::time::Instant::now();
    let e = questionnaires::evaluate(q, answers);
    EVALUATION_SECONDS.observe(started.elapsed().as_secs_f64());
    e
}
mod templates;
pub(crate) use templates::template_sources;

/// What every server function and handler can reach.
#[derive(Clone)]
pub struct AppContext {
    /// Storage.
    pub store: Store,
    /// The built-in questionnaire.
    pub builtin: &'static Questionnaire,
    /// Imported lenses, parsed.
    pub lenses: lenses::Lenses,
    /// The slots for CPU-heavy work, shared by every request.
    pub heavy: heavy::Heavy,
    /// Who is asking (set per request).
    pub actor: Actor,
    /// Single sign-on's button label, when a provider is configured ([`crate::sso`]).
    pub sso: Option<String>,
    /// How webhooks are checked and sent.
    pub webhooks: crate::webhooks::Settings,
}

impl AppContext {
    /// The signed-in user, or 401.
    pub fn user(&self) -> Result<&User, AppError> {
        self.actor.user().ok_or(AppError::Unauthorized)
    }

    /// The signed-in user of a browser session: an API token (scoped to one team) may not
    /// manage the account's tokens, for that team or any other.
    pub fn session_user(&self) -> Result<&User, AppError> {
        match &self.actor {
            Actor::Token { .. } => Err(AppError::Forbidden(
                "An API token cannot see or manage API tokens: tokens are managed from a signed-in session (sign in to your account).".into(),
            )),
            _ => self.user(),
        }
    }

    /// A team the actor belongs to with at least the role `need`: 404 to non-members (a team's
    /// existence is not revealed), 403 to members whose role is too low.
    pub async fn team(&self, team_id: &str, need: Role) -> Result<Role, AppError> {
        let user = self.user()?;
        let role = if self.actor.reaches(team_id) {
            self.store.role(&user.id, team_id).await?
        } else {
            None
        };
        let role = role.ok_or_else(|| AppError::NotFound("There is no such team.".into()))?;
        if role < need {
            return Err(AppError::Forbidden(format!(
                "This needs the {} role in the team; you are {} {}.",
                need.as_str(),
                if role == Role::Owner { "an" } else { "a" },
                role.as_str()
            )));
        }
        Ok(role)
    }

    /// An assessment the actor may act on with the role `need`, and the actor's role.
    pub async fn assessment(&self, id: &str, need: Role) -> Result<(Assessment, Role), AppError> {
        self.user()?;
        let not_found = || AppError::from(StoreError::NotFound(Missing::Review));
        let a = self.store.assessment(id).await?;
        let team = a.team_id.clone().ok_or_else(not_found)?;
        let role = self.team(&team, need).await.map_err(|e| match e {
            AppError::NotFound(_) => not_found(),
            other => other,
        })?;
        Ok((a, role))
    }

    /// Appends to the audit log of the assessment's team.
    async fn audit(
        &self,
        a: &Assessment,
        action: &str,
        target: &str,
        detail: &str,
    ) -> Result<(), AppError> {
        if let Some(team) = &a.team_id {
            self.store
                .audit(team, &self.actor.label(), action, target, detail, now_ms())
                .await?;
        }
        Ok(())
    }
}

/// Unix milliseconds now.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

async fn answers_of(
    store: &Store,
    q: &Questionnaire,
    id: &str,
) -> Result<(Answers, BTreeMap<String, store::StoredAnswer>), AppError> {
    Ok(answers_by_id(q, store.answers(id).await?))
}

/// Stored answers by question id, with the engine's [`Answers`] of them.
fn answers_by_id(
    q: &Questionnaire,
    stored: Vec<store::StoredAnswer>,
) -> (Answers, BTreeMap<String, store::StoredAnswer>) {
    let by_id: BTreeMap<String, store::StoredAnswer> = stored
        .into_iter()
        .map(|s| (s.question_id.clone(), s))
        .collect();
    (answers_in(q, &by_id), by_id)
}

/// The answers to the questions of `q` among stored ones, for the engine.
fn answers_in(q: &Questionnaire, stored: &BTreeMap<String, store::StoredAnswer>) -> Answers {
    let mut answers = Answers::new();
    for s in stored.values() {
        if let Some(question) = q.question(&s.question_id) {
            answers.insert(question.id.clone(), s.answer.clone());
        }
    }
    answers
}

fn format_number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 9.0e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}
