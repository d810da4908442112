//! What the pages need from the server, as one interface (server only).
//!
//! The server functions in [`crate::api`] are thin: each reads the [`Backend`] from the Leptos
//! context and calls one method. The `server` crate implements it on its use cases and storage
//! and provides it per request, so this crate holds no SQL and no business rules, and an edit to
//! either does not recompile the views.

use std::sync::Arc;

use leptos::prelude::use_context;

use crate::api::{
    AccountData, AreaData, AssessmentList, InviteData, Me, MilestonesData, NewReviewForm,
    ResultsData, SaveResult, ShareData, TeamData,
};
use crate::error::Failure;

/// The use cases behind the pages, for the actor of the current request.
#[async_trait::async_trait]
pub trait Backend: Send + Sync {
    /// Saves an area's form as the user types (the urlencoded form).
    async fn autosave(
        &self,
        id: &str,
        area: &str,
        form: &str,
        mine: bool,
    ) -> Result<SaveResult, Failure>;
    /// A page of the reviews the user can see.
    async fn list_assessments(
        &self,
        include_archived: bool,
        search: &str,
        after: Option<&str>,
    ) -> Result<AssessmentList, Failure>;
    /// Creates a review; the address of its first area.
    async fn create_assessment(&self, review: NewReviewForm) -> Result<String, Failure>;
    /// What a new review can start from, as (`from` value, label).
    async fn template_sources(&self, from: &str) -> Result<Vec<(String, String)>, Failure>;
    /// The questionnaires a new review can run on, as (form value, label).
    async fn questionnaire_choices(&self) -> Result<Vec<(String, String)>, Failure>;
    /// Renames a review.
    async fn rename_assessment(&self, id: &str, name: &str, version: i64) -> Result<(), Failure>;
    /// Duplicates a review.
    async fn duplicate_assessment(&self, id: &str) -> Result<(), Failure>;
    /// Archives or restores a review.
    async fn archive_assessment(
        &self,
        id: &str,
        version: i64,
        archive: bool,
    ) -> Result<(), Failure>;
    /// One area of the review page (`mine`: respondent mode).
    async fn area_page(
        &self,
        id: &str,
        area: &str,
        flash: Option<&str>,
        mine: bool,
    ) -> Result<AreaData, Failure>;
    /// The results page.
    async fn results_page(&self, id: &str) -> Result<ResultsData, Failure>;
    /// Saves a checklist item's team state; its new version.
    async fn save_checklist_item(
        &self,
        id: &str,
        item: &str,
        status: &str,
        owner: &str,
        due_date: &str,
        version: Option<i64>,
    ) -> Result<i64, Failure>;
    /// Accepts the risk a question raises, at the level the editor saw (when given).
    async fn accept_risk(
        &self,
        id: &str,
        question: &str,
        level: Option<&str>,
        reason: &str,
    ) -> Result<(), Failure>;
    /// Withdraws the acceptance of a question's risk.
    async fn withdraw_risk(&self, id: &str, question: &str) -> Result<(), Failure>;
    /// Approves the design as it stands, with why each blocker is accepted (by its id).
    async fn approve_design(
        &self,
        id: &str,
        reasons: &std::collections::BTreeMap<String, String>,
        milestone: Option<&str>,
    ) -> Result<(), Failure>;
    /// The signed-in user, if any.
    async fn whoami(&self) -> Result<Option<Me>, Failure>;
    /// How many things need the signed-in user (0 for nobody).
    async fn needs_me(&self) -> Result<usize, Failure>;
    /// The results a share link opens.
    async fn shared_results(&self, token: &str) -> Result<ResultsData, Failure>;
    /// A team's page.
    async fn team_page(&self, id: &str) -> Result<TeamData, Failure>;
    /// Changes a member's role, or removes them (`remove`).
    async fn set_member(&self, team: &str, user: &str, role: &str) -> Result<(), Failure>;
    /// Renames a team.
    async fn rename_team(&self, team: &str, name: &str) -> Result<(), Failure>;
    /// Revokes a share link.
    async fn revoke_share_link(&self, id: &str, link: &str) -> Result<(), Failure>;
    /// Revokes an invite nobody has used yet.
    async fn revoke_invite(&self, team: &str, invite: &str) -> Result<(), Failure>;
    /// What an invite link leads to.
    async fn invite_page(&self, token: &str) -> Result<InviteData, Failure>;
    /// A review's Share page.
    async fn share_page(&self, id: &str) -> Result<ShareData, Failure>;
    /// Whether no account exists yet.
    async fn first_run(&self) -> Result<bool, Failure>;
    /// How people sign in and sign up here.
    async fn sign_in_options(&self) -> Result<crate::api::SignInWays, Failure> {
        Ok(crate::api::SignInWays {
            passwords: true,
            ..Default::default()
        })
    }
    /// The account page.
    async fn account_page(&self) -> Result<AccountData, Failure>;
    /// Revokes an API token.
    async fn revoke_api_token(&self, token: &str) -> Result<(), Failure>;
    /// The milestones page.
    async fn milestones_page(
        &self,
        id: &str,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<MilestonesData, Failure>;
    /// The results as a milestone saved them.
    async fn milestone_results(&self, id: &str, milestone: &str) -> Result<ResultsData, Failure>;
    /// Saves a milestone.
    async fn create_milestone(&self, id: &str, name: &str) -> Result<(), Failure>;
}

/// The backend of the current request, from the Leptos context.
pub fn backend() -> Result<Arc<dyn Backend>, Failure> {
    use_context::<Arc<dyn Backend>>().ok_or_else(|| Failure {
        status: 500,
        message: "Something went wrong on our side.".into(),
    })
}
