//! The pages' backend: [`app::backend::Backend`] implemented on the use cases of
//! [`crate::service`], for the actor of the request being rendered or called.
//!
//! This is where a use case's [`AppError`] becomes the page's [`Failure`]: the cause of a 5xx is
//! logged here, once, and the status (with `Retry-After` when busy) is set on the response.

use app::api::{
    AccountData, AreaData, AssessmentList, InviteData, Me, MilestonesData, NewReviewForm,
    ResultsData, SaveResult, ShareData, TeamData,
};
use app::error::Failure;
use leptos::prelude::use_context;
use store::auth::Actor;

use crate::error::AppError;
use crate::service::{self, AppContext, NewReview};

/// The backend of every page: the app's context, given the request's actor per call.
pub struct Pages {
    context: AppContext,
}

impl Pages {
    /// A backend on the app's context (its actor is replaced per request).
    pub fn new(context: AppContext) -> Pages {
        Pages { context }
    }

    /// The context of the request being served: the app's, with the request's actor.
    fn ctx(&self) -> AppContext {
        let mut c = self.context.clone();
        c.actor = use_context::<axum::http::request::Parts>()
            .and_then(|p| p.extensions.get::<Actor>().cloned())
            .unwrap_or_default();
        c
    }
}

/// The page's form of a use case's error. Logs the cause of a 5xx and sets the response's
/// status (during server rendering and server-function calls).
pub fn failure(e: AppError) -> Failure {
    e.log();
    // A plain form post (no JavaScript) is sent back to its page with the error in the address
    // (server_fn's redirect); a status set here would replace that redirect with a bare error.
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>().filter(|_| !plain_form_post())
    {
        res.set_status(e.status());
        if let Some(retry) = e.retry_after() {
            res.insert_header(axum::http::header::RETRY_AFTER, retry);
        }
    }
    Failure {
        status: e.status().as_u16(),
        message: e.to_string(),
    }
}

/// Whether the request being served is a form posted without JavaScript (which server_fn
/// answers with a redirect back to the page), not a call from the browser bundle.
fn plain_form_post() -> bool {
    use_context::<axum::http::request::Parts>().is_some_and(|p| {
        p.method == axum::http::Method::POST
            && p.headers.contains_key(axum::http::header::REFERER)
            && p.headers
                .get(axum::http::header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.contains("text/html"))
    })
}

/// `Ok` of a use case, or its [`failure`].
fn page<T>(r: Result<T, AppError>) -> Result<T, Failure> {
    r.map_err(failure)
}

#[async_trait::async_trait]
impl app::backend::Backend for Pages {
    async fn autosave(
        &self,
        id: &str,
        area: &str,
        form: &str,
        mine: bool,
    ) -> Result<SaveResult, Failure> {
        page(service::autosave(&self.ctx(), id, area, form, mine).await)
    }

    async fn list_assessments(
        &self,
        include_archived: bool,
        search: &str,
        after: Option<&str>,
    ) -> Result<AssessmentList, Failure> {
        page(service::list_assessments(&self.ctx(), include_archived, search, after).await)
    }

    async fn create_assessment(&self, r: NewReviewForm) -> Result<String, Failure> {
        let review = NewReview {
            team: &r.team,
            name: &r.name,
            description: &r.description,
            environment: &r.environment,
            from: &r.from,
            questionnaire: &r.questionnaire,
        };
        page(service::create_assessment(&self.ctx(), review).await)
    }

    async fn template_sources(&self, from: &str) -> Result<Vec<(String, String)>, Failure> {
        page(service::template_sources(&self.ctx(), from).await)
    }

    async fn questionnaire_choices(&self) -> Result<Vec<(String, String)>, Failure> {
        page(service::lenses::questionnaire_choices(&self.ctx()).await)
    }

    async fn rename_assessment(&self, id: &str, name: &str, version: i64) -> Result<(), Failure> {
        page(service::rename_assessment(&self.ctx(), id, name, version).await)
    }

    async fn duplicate_assessment(&self, id: &str) -> Result<(), Failure> {
        page(service::duplicate_assessment(&self.ctx(), id).await)
    }

    async fn archive_assessment(
        &self,
        id: &str,
        version: i64,
        archive: bool,
    ) -> Result<(), Failure> {
        page(service::archive_assessment(&self.ctx(), id, version, archive).await)
    }

    async fn area_page(
        &self,
        id: &str,
        area: &str,
        flash: Option<&str>,
        mine: bool,
    ) -> Result<AreaData, Failure> {
        page(service::area_page(&self.ctx(), id, area, flash, mine).await)
    }

    async fn results_page(&self, id: &str) -> Result<ResultsData, Failure> {
        page(service::results_page(&self.ctx(), id).await)
    }

    async fn save_checklist_item(
        &self,
        id: &str,
        item: &str,
        status: &str,
        owner: &str,
        due_date: &str,
        version: Option<i64>,
    ) -> Result<i64, Failure> {
        let c = self.ctx();
        let saved = page(
            service::save_checklist_item(&c, id, item, status, owner, due_date, version).await,
        )?;
        if plain_form_post() {
            // Back to the row, which says it saved (its `#saved-…` mark shows when targeted),
            // rather than to the top of the page.
            leptos_axum::redirect(&format!("/assessments/{id}/results#saved-{item}"));
        }
        Ok(saved)
    }

    async fn accept_risk(
        &self,
        id: &str,
        question: &str,
        level: Option<&str>,
        reason: &str,
    ) -> Result<(), Failure> {
        let c = self.ctx();
        page(
            service::accept_risk(&c, id, question, level, reason)
                .await
                .map(drop),
        )
    }

    async fn withdraw_risk(&self, id: &str, question: &str) -> Result<(), Failure> {
        page(
            service::withdraw_risk(&self.ctx(), id, question)
                .await
                .map(drop),
        )
    }

    async fn approve_design(
        &self,
        id: &str,
        reasons: &std::collections::BTreeMap<String, String>,
        milestone: Option<&str>,
    ) -> Result<(), Failure> {
        let body = service::Approve {
            reasons: reasons.clone(),
            milestone: milestone.map(str::to_owned),
        };
        page(service::approve(&self.ctx(), id, &body).await.map(drop))
    }

    async fn whoami(&self) -> Result<Option<Me>, Failure> {
        page(service::whoami(&self.ctx()).await)
    }

    async fn needs_me(&self) -> Result<usize, Failure> {
        page(service::inbox::count(&self.ctx()).await)
    }

    async fn shared_results(&self, token: &str) -> Result<ResultsData, Failure> {
        page(service::shared_results(&self.ctx(), token).await)
    }

    async fn team_page(&self, id: &str) -> Result<TeamData, Failure> {
        page(service::team_page(&self.ctx(), id).await)
    }

    async fn set_member(&self, team: &str, user: &str, role: &str) -> Result<(), Failure> {
        page(service::set_member(&self.ctx(), team, user, role).await)
    }

    async fn rename_team(&self, team: &str, name: &str) -> Result<(), Failure> {
        page(service::rename_team(&self.ctx(), team, name).await)
    }

    async fn revoke_share_link(&self, id: &str, link: &str) -> Result<(), Failure> {
        page(service::revoke_share_link(&self.ctx(), id, link).await)
    }

    async fn revoke_invite(&self, team: &str, invite: &str) -> Result<(), Failure> {
        page(service::revoke_invite(&self.ctx(), team, invite).await)
    }

    async fn invite_page(&self, token: &str) -> Result<InviteData, Failure> {
        page(service::invite_page(&self.ctx(), token).await)
    }

    async fn share_page(&self, id: &str) -> Result<ShareData, Failure> {
        page(service::share_page(&self.ctx(), id).await)
    }

    async fn first_run(&self) -> Result<bool, Failure> {
        page(service::first_run(&self.ctx()).await)
    }

    async fn sign_in_options(&self) -> Result<app::api::SignInWays, Failure> {
        page(crate::sso::sign_in_options(&self.ctx()).await)
    }

    async fn account_page(&self) -> Result<AccountData, Failure> {
        page(service::account_page(&self.ctx()).await)
    }

    async fn revoke_api_token(&self, token: &str) -> Result<(), Failure> {
        page(service::revoke_api_token(&self.ctx(), token).await)
    }

    async fn milestones_page(
        &self,
        id: &str,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<MilestonesData, Failure> {
        page(service::milestones_page(&self.ctx(), id, from, to).await)
    }

    async fn milestone_results(&self, id: &str, milestone: &str) -> Result<ResultsData, Failure> {
        page(service::milestone_results(&self.ctx(), id, milestone).await)
    }

    async fn create_milestone(&self, id: &str, name: &str) -> Result<(), Failure> {
        page(service::create_milestone(&self.ctx(), id, name).await)
    }
}
