//! Server functions and the data they carry between server and browser.
//!
//! Every server function has an explicit endpoint (`/api/<name>`), so its URL does not depend
//! on the build. Reads return view models built on the server; writes post plain forms, so they
//! work with JavaScript off (the server answers with a redirect).

#![expect(
    missing_docs,
    reason = "#[server] generates argument structs without docs"
)]

use leptos::prelude::*;
use questionnaires::Evaluation;
use serde::{Deserialize, Serialize};

pub use crate::error::Failure;

mod approvals;
pub use approvals::{
    APPROVE_FIELD, ApproveDesign, approval_errors, approve_design, blocker_field, blocker_input_id,
};
mod risks;
pub use risks::{
    AcceptRisk, AcceptanceView, WithdrawRisk, accept_risk, reason_field, withdraw_risk,
};

/// One row of the assessments list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssessmentSummary {
    /// Assessment id.
    pub id: String,
    /// Workload name.
    pub name: String,
    /// Workload description.
    pub description: String,
    /// Environment.
    pub environment: String,
    /// Questions answered.
    pub answered: usize,
    /// Questions that apply.
    pub applicable: usize,
    /// Carried-over answers still to confirm.
    pub to_confirm: usize,
    /// Overall score.
    pub overall: Option<f64>,
    /// The verdict's label ("Fits, with blockers"), for lens-free reviews.
    pub verdict: String,
    /// High risks.
    pub high: usize,
    /// Medium risks.
    pub medium: usize,
    /// Unix ms.
    pub updated_at: i64,
    /// Version, for renames and archiving.
    pub version: i64,
    /// Whether it is archived.
    pub archived: bool,
    /// Its tags, sorted.
    pub tags: Vec<String>,
}

/// A page of the home list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssessmentList {
    /// The reviews shown, most recently changed first.
    pub rows: Vec<AssessmentSummary>,
    /// The address of the next page (same search and archived toggle), when more follow.
    pub older: Option<String>,
    /// Whether this is the first page.
    pub first_page: bool,
}

/// An area in the progress rail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RailArea {
    /// Area id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Answered.
    pub answered: usize,
    /// Applicable.
    pub applicable: usize,
    /// Carried-over answers still to confirm.
    pub to_confirm: usize,
}

/// One choice, ready to render.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChoiceView {
    /// Choice id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Sanitized HTML help.
    pub help_html: String,
    /// Whether it is selected.
    pub selected: bool,
    /// "None of these".
    pub none_of_these: bool,
}

/// One question on the review page, with its current answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuestionView {
    /// Question id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Sanitized HTML help.
    pub help_html: String,
    /// What kind of answer it takes: the input the page draws.
    pub kind: questionnaires::model::QuestionKind,
    /// Unit, for numbers.
    pub unit: Option<String>,
    /// Range, for numbers.
    pub min: Option<f64>,
    /// Range, for numbers.
    pub max: Option<f64>,
    /// Choices.
    pub choices: Vec<ChoiceView>,
    /// Current number or text, as typed.
    pub value: String,
    /// Answered "not applicable".
    pub not_applicable: bool,
    /// Its reason.
    pub na_reason: String,
    /// The team's note.
    pub note: String,
    /// Stored version (`None`: never answered).
    pub version: Option<i64>,
    /// Whether it is a follow-up.
    pub follow_up: bool,
    /// Whether it currently applies (follow-ups can be hidden).
    pub visible: bool,
    /// Current risk, when answered: `high`, `medium` or `none`.
    pub risk: Option<String>,
    /// Who changed it last, and when (unix ms).
    pub changed: Option<(String, i64)>,
    /// Carried over from a template, and still to confirm.
    pub to_confirm: bool,
    /// Where the latest import from infrastructure code found its answer, as people read it
    /// ("From template.yaml line 12, Resource ApiFunction, Properties.MemorySize").
    pub evidence: Vec<String>,
    /// Why the last form post's answer to it was refused, in words (the page shows what was
    /// posted, beside this message).
    pub error: Option<String>,
    /// Its comments (not deleted).
    pub comments: usize,
    /// Who answers it: the question's assignee, or else its area's (a name).
    pub assignee: Option<String>,
    /// Its page: the discussion and the assignee.
    pub discussion_href: String,
}

/// A save that lost a race: what the user sent, and what is stored now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConflictView {
    /// Question id.
    pub question: String,
    /// Question title.
    pub title: String,
    /// The value the user tried to save, as text.
    pub mine: String,
    /// The stored value, as text.
    pub theirs: String,
    /// Who stored it.
    pub theirs_by: String,
    /// The stored version, to overwrite knowingly.
    pub version: Option<i64>,
    /// The user's fields, to resubmit them.
    pub fields: Vec<(String, String)>,
}

/// Everything the review page of one area shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AreaData {
    /// Assessment id.
    pub assessment_id: String,
    /// Workload name.
    pub workload: String,
    /// What the review started from (`None`: blank).
    pub started_from: Option<String>,
    /// Area id.
    pub area_id: String,
    /// Area title.
    pub area_title: String,
    /// Sanitized HTML summary.
    pub summary_html: String,
    /// All areas with progress.
    pub rail: Vec<RailArea>,
    /// The questions of this area.
    pub questions: Vec<QuestionView>,
    /// The next area, if any.
    pub next_area: Option<String>,
    /// The previous area, if any.
    pub prev_area: Option<String>,
    /// Conflicts from the last save.
    pub conflicts: Vec<ConflictView>,
    /// Problems with the last save, by question id (each also on its question).
    pub errors: Vec<(String, String)>,
    /// Whether the last save went through.
    pub saved: bool,
    /// How many carried-over answers the last save confirmed unchanged.
    pub confirmed: usize,
    /// Whether the viewer may change answers (editors and owners).
    pub can_edit: bool,
    /// Whether the viewer may share the review: invite people, make links (owners).
    pub can_share: bool,
    /// How many questions of the review are assigned to the viewer (or in an area assigned to
    /// them), for the way into respondent mode.
    pub assigned_to_me: usize,
    /// Respondent mode (`?mine=1`): the rail, the questions and the counts hold only what is
    /// assigned to the viewer. A view, not a permission.
    pub respondent: bool,
    /// The questions of this area that apply, shown or not (respondent mode shows fewer).
    pub area_questions: usize,
}

/// A checklist item with its evaluation and its team-owned state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChecklistRow {
    /// Item id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Area title.
    pub area: String,
    /// Sanitized HTML why.
    pub why_html: String,
    /// Sanitized HTML how.
    pub how_html: String,
    /// `done`, `open` or `not_applicable` from the answers.
    pub derived: String,
    /// `open`, `done` or `accepted-risk`, as the team set it (None: never set).
    pub status: Option<String>,
    /// Owner.
    pub owner: String,
    /// Due date.
    pub due_date: String,
    /// Version of the team state.
    pub version: Option<i64>,
    /// Priority.
    pub priority: String,
}

/// The shortest password accepted.
pub const MIN_PASSWORD: usize = 12;

/// Everything the results page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResultsData {
    /// Assessment id.
    pub assessment_id: String,
    /// Workload name.
    pub workload: String,
    /// Area titles by id, in order.
    pub areas: Vec<(String, String)>,
    /// Question titles by id, with their area id.
    pub question_titles: Vec<(String, String, String)>,
    /// Each fact the page shows (as its `Display` writes it, with ids) in the user's words
    /// ([`questionnaires::condition::Fact::words`]).
    pub fact_words: Vec<(String, String)>,
    /// The evaluation.
    pub evaluation: Evaluation,
    /// Score bars (SVG).
    pub scores_svg: String,
    /// Cost chart (SVG), when costed.
    pub cost_svg: Option<String>,
    /// Diagram (SVG) of each of the top recommendations, by pattern id.
    pub diagrams: Vec<(String, String)>,
    /// The checklist.
    pub checklist: Vec<ChecklistRow>,
    /// The accepted risks, lapsed ones included (none for a milestone, which keeps no
    /// acceptances).
    pub acceptances: Vec<AcceptanceView>,
    /// The risks by level, and how many an acceptance covers now.
    pub risk_counts: questionnaires::acceptance::Counts,
    /// Limit ids with a readable label (title and value).
    pub limit_labels: Vec<(String, String)>,
    /// Whether the viewer may edit the checklist and accept risks (editors and owners).
    pub can_edit: bool,
    /// Seen through a share link: read-only.
    pub shared: bool,
    /// Where the report page and downloads live (`…/report`, `…/report.pdf`): under the review,
    /// its share link or its milestone.
    pub report_url: String,
    /// Seen as a milestone saved it (its name, when and who): read-only.
    pub as_of: Option<String>,
    /// Whether the viewer may share the review: invite people, make links (owners).
    pub can_share: bool,
    /// Carried-over answers still to confirm, for members (`None`: none left).
    pub to_confirm: Option<ToConfirm>,
    /// What a new review started from this page starts from (the home page's `from`), for
    /// members.
    pub start_from: Option<String>,
    /// The imported lens it runs on, by title (`None`: the built-in review).
    pub lens: Option<String>,
    /// Checklist items left out until their question is answered (imported lenses).
    pub checklist_waiting: usize,
    /// The executive summary, as the reports open with it (`None` on an imported lens, which
    /// has no verdict).
    pub summary: Option<questionnaires::report::Summary>,
    /// The open checklist as Now, Next and Later.
    pub roadmap: questionnaires::report::Roadmap,
    /// The roadmap as a timeline (SVG), when anything is open.
    pub roadmap_svg: Option<String>,
    /// The approval of the design: of the answers shown, or of earlier ones they changed from.
    pub sign_off: Option<questionnaires::report::ReportSignOff>,
    /// Whether the viewer may approve the design now (owners of a review with a verdict that no
    /// approval covers yet).
    pub can_approve: bool,
    /// Checks of the review's infrastructure code, from its latest import (none for a
    /// milestone, or without an import).
    pub template_findings: Vec<questionnaires::report::ReportTemplateFinding>,
}

/// Carried-over answers that nobody has confirmed yet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToConfirm {
    /// How many (of the questions that apply).
    pub count: usize,
    /// What they were carried over from.
    pub from: String,
    /// The review page of the first one, at its question.
    pub first: String,
}

/// The signed-in user, as pages see them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Me {
    /// User id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Email.
    pub email: String,
    /// The first account of the installation.
    pub is_admin: bool,
    /// Teams, with the user's role: (id, name, role).
    pub teams: Vec<(String, String, String)>,
}

/// The team page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamData {
    /// Team id.
    pub id: String,
    /// Team name.
    pub name: String,
    /// The viewer's role.
    pub role: String,
    /// Members: (user id, name, email, role).
    pub members: Vec<(String, String, String, String)>,
    /// The invites nobody has used yet, newest first (owners only).
    pub invites: Option<Vec<InviteView>>,
    /// The audit log, newest first (owners only).
    pub audit: Option<Vec<AuditView>>,
}

/// An invite still waiting to be used (its secret was shown once, when made).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InviteView {
    /// Public id.
    pub id: String,
    /// The role it grants.
    pub role: String,
    /// Who made it.
    pub created_by: String,
    /// Unix ms.
    pub created_at: i64,
    /// Unix ms.
    pub expires_at: i64,
}

/// How people sign in and sign up here: the sign-in and sign-up pages show what is on.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SignInWays {
    /// Single sign-on's button label ("Sign in with NAME"), when a provider is configured.
    pub sso: Option<String>,
    /// Whether passwords sign in and sign up (off in single-sign-on-only mode).
    pub passwords: bool,
    /// Whether sign-up needs an invite link (after the first account).
    pub invite_only: bool,
}

/// What an invite link's page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InviteData {
    /// The invite, when the link holds one.
    pub invite: Option<InviteInfo>,
    /// The signed-in user's name (`None`: nobody is signed in).
    pub signed_in_as: Option<String>,
    /// The signed-in user's role in the invite's team, when they are in it already.
    pub member_role: Option<String>,
}

/// An invite, as its link shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InviteInfo {
    /// The team's id.
    pub team_id: String,
    /// The team's name.
    pub team: String,
    /// Who made it.
    pub inviter: String,
    /// The role it grants.
    pub role: String,
    /// Unix ms.
    pub expires_at: i64,
    /// Whether it can still be accepted, and if not, why.
    pub status: InviteStatus,
}

/// What an invite link that holds no invite says.
pub const INVITE_NOT_VALID: &str =
    "This invite link is not valid. Check that you have all of it, or ask for a new one.";

impl InviteInfo {
    /// Why it cannot be accepted any more, in words (`None`: it can).
    pub fn refusal(&self) -> Option<String> {
        let ask = format!("Ask {} for a new one.", self.inviter);
        match self.status {
            InviteStatus::Open => None,
            InviteStatus::Used => Some(format!(
                "This invite was used already: an invite works once. {ask}"
            )),
            InviteStatus::Revoked => Some(format!(
                "This invite was revoked by an owner of the team. {ask}"
            )),
            InviteStatus::Expired => Some(format!(
                "This invite expired on {} UTC. {ask}",
                crate::utc(self.expires_at)
            )),
        }
    }

    /// What it offers: "Ana Lopez invited you to join the team “Payments” as an editor."
    pub fn offer(&self) -> String {
        format!(
            "{} invited you to join the team \u{201c}{}\u{201d} as {}.",
            self.inviter,
            self.team,
            crate::a_role(&self.role)
        )
    }
}

/// What became of an invite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum InviteStatus {
    /// It can be accepted.
    Open,
    /// Someone joined with it already.
    Used,
    /// An owner took it back.
    Revoked,
    /// Its time ran out.
    Expired,
}

/// The Share page of a review: the people of its team and the read-only links.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShareData {
    /// Assessment id.
    pub assessment_id: String,
    /// Workload name.
    pub workload: String,
    /// The team the review belongs to: members and pending invites.
    pub team: TeamData,
    /// The live share links, newest first.
    pub links: Vec<ShareLinkView>,
}

/// One audit entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditView {
    /// Unix ms.
    pub at: i64,
    /// Who.
    pub actor: String,
    /// What kind of change.
    pub action: String,
    /// What it changed.
    pub target: String,
    /// The new value.
    pub detail: String,
}

/// The account page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountData {
    /// The user.
    pub me: Me,
    /// API tokens, newest first.
    pub tokens: Vec<TokenView>,
}

/// An API token, without its secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenView {
    /// Public id.
    pub id: String,
    /// What it is for.
    pub name: String,
    /// The team it reaches.
    pub team: String,
    /// Unix ms.
    pub created_at: i64,
    /// Unix ms.
    pub last_used_at: Option<i64>,
    /// Whether it was revoked.
    pub revoked: bool,
}

/// The milestones page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MilestonesData {
    /// Assessment id.
    pub assessment_id: String,
    /// Workload name.
    pub workload: String,
    /// Whether the viewer may save milestones.
    pub can_edit: bool,
    /// Milestones, newest first: (id, name, who, unix ms).
    pub milestones: Vec<(String, String, String, i64)>,
    /// The compared snapshots (`current` or a milestone id), with their labels.
    pub from: Option<(String, String)>,
    /// The snapshot compared against.
    pub to: (String, String),
    /// What changed, when there is something to compare.
    pub diff: Option<questionnaires::diff::Diff>,
}

/// A live share link (its secret is shown only once, when made).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShareLinkView {
    /// Public id.
    pub id: String,
    /// Who made it.
    pub created_by: String,
    /// Unix ms.
    pub created_at: i64,
    /// Unix ms, if it expires.
    pub expires_at: Option<i64>,
}

/// The new-review form, as posted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewReviewForm {
    /// The team that will own it.
    pub team: String,
    /// Workload name.
    pub name: String,
    /// Workload description.
    pub description: String,
    /// Environment.
    pub environment: String,
    /// Where its answers come from: `ID` or `ID/MILESTONE`, or empty.
    pub from: String,
    /// The questionnaire: empty for the built-in review, or a lens.
    pub questionnaire: String,
}

/// What an autosave tells the review page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SaveResult {
    /// A save lost a race: the page posts the form as it is, and the answer shows both values.
    pub conflicts: bool,
    /// The stored version of every question of the area.
    pub versions: Vec<(String, Option<i64>)>,
    /// Which questions apply now (follow-ups come and go).
    pub visible: Vec<(String, bool)>,
    /// The risk of each question now.
    pub risks: Vec<(String, Option<String>)>,
    /// Whether each question's answer is still to confirm.
    pub to_confirm: Vec<(String, bool)>,
    /// Progress across areas.
    pub rail: Vec<RailArea>,
}

/// Saves the review form as the user types (JavaScript on). `form` is the urlencoded form, the
/// same fields the plain form posts, so both paths share every check.
/// `mine`: the page is in respondent mode, and its rail counts only what is assigned to the
/// viewer.
#[server(endpoint = "autosave")]
pub async fn autosave(
    id: String,
    area: String,
    form: String,
    #[server(default)] mine: bool,
) -> Result<SaveResult, Failure> {
    crate::backend::backend()?
        .autosave(&id, &area, &form, mine)
        .await
}

/// A page of the assessments, most recently changed first: those matching `q` (every word
/// starts a word of the name or description) when given, after the cursor `after` of an
/// "Older reviews" link.
#[server(endpoint = "list_assessments")]
pub async fn list_assessments(
    include_archived: bool,
    q: Option<String>,
    after: Option<String>,
) -> Result<AssessmentList, Failure> {
    crate::backend::backend()?
        .list_assessments(
            include_archived,
            q.as_deref().unwrap_or_default(),
            after.as_deref(),
        )
        .await
}

/// Creates an assessment and opens its first area. `from` (optional) starts it from a review's
/// current answers (`ID`) or from one of its milestones (`ID/MILESTONE`): the answers are
/// carried over, to confirm.
#[server(endpoint = "create_assessment")]
pub async fn create_assessment(
    team: String,
    name: String,
    description: String,
    environment: String,
    from: Option<String>,
    questionnaire: Option<String>,
) -> Result<(), Failure> {
    let to = crate::backend::backend()?
        .create_assessment(NewReviewForm {
            team,
            name,
            description,
            environment,
            from: from.unwrap_or_default(),
            questionnaire: questionnaire.unwrap_or_default(),
        })
        .await?;
    leptos_axum::redirect(&to);
    Ok(())
}

/// What a new review can start from: the latest reviews the user can see (their current
/// answers) and their milestones, and the review `from` names, as (`from` value, label), most
/// recently changed review first.
#[server(endpoint = "template_sources")]
pub async fn template_sources(from: Option<String>) -> Result<Vec<(String, String)>, Failure> {
    crate::backend::backend()?
        .template_sources(from.as_deref().unwrap_or_default())
        .await
}

/// The questionnaires a new review can run on, as (form value, label): the built-in review
/// first, then the latest version of each imported lens.
#[server(endpoint = "questionnaire_choices")]
pub async fn questionnaire_choices() -> Result<Vec<(String, String)>, Failure> {
    crate::backend::backend()?.questionnaire_choices().await
}

/// Renames an assessment.
#[server(endpoint = "rename_assessment")]
pub async fn rename_assessment(id: String, name: String, version: i64) -> Result<(), Failure> {
    crate::backend::backend()?
        .rename_assessment(&id, &name, version)
        .await
}

/// Duplicates an assessment with its answers and checklist.
#[server(endpoint = "duplicate_assessment")]
pub async fn duplicate_assessment(id: String) -> Result<(), Failure> {
    crate::backend::backend()?.duplicate_assessment(&id).await
}

/// Archives, or restores, an assessment.
#[server(endpoint = "archive_assessment")]
pub async fn archive_assessment(id: String, version: i64, archive: bool) -> Result<(), Failure> {
    crate::backend::backend()?
        .archive_assessment(&id, version, archive)
        .await
}

/// The outcome of a review form post that was not saved as sent (a conflict, or an answer
/// that is wrong), as JSON. The server renders the review page with it in context, in answer to
/// that post: it is never read from an address, so no link can plant one.
#[derive(Debug, Clone)]
pub struct PostedFlash(pub String);

/// The review page of one area; `saved`: the last form post saved, confirming this many
/// carried-over answers as they were; `mine`: respondent mode, only what is assigned to the
/// viewer.
#[server(endpoint = "area_page")]
pub async fn area_page(
    id: String,
    area: String,
    saved: Option<usize>,
    #[server(default)] mine: bool,
) -> Result<AreaData, Failure> {
    let flash = use_context::<PostedFlash>()
        .map(|f| f.0)
        .or_else(|| saved.map(|n| format!(r#"{{"saved":true,"confirmed":{n}}}"#)));
    crate::backend::backend()?
        .area_page(&id, &area, flash.as_deref(), mine)
        .await
}

/// The results page.
#[server(endpoint = "results_page")]
pub async fn results_page(id: String) -> Result<ResultsData, Failure> {
    crate::backend::backend()?.results_page(&id).await
}

/// Saves one checklist item's team state, and returns its new version.
#[server(endpoint = "save_checklist_item")]
pub async fn save_checklist_item(
    id: String,
    item: String,
    status: String,
    owner: String,
    due_date: String,
    version: Option<i64>,
) -> Result<i64, Failure> {
    crate::backend::backend()?
        .save_checklist_item(&id, &item, &status, &owner, &due_date, version)
        .await
}

/// The signed-in user and their teams (`None`: nobody is signed in).
#[server(endpoint = "whoami")]
pub async fn whoami() -> Result<Option<Me>, Failure> {
    crate::backend::backend()?.whoami().await
}

/// How many things need the signed-in user (assigned and unanswered, unseen mentions, checklist
/// items due): the count beside "Needs me" in the top bar; 0 for nobody.
#[server(endpoint = "needs_me")]
pub async fn needs_me() -> Result<usize, Failure> {
    crate::backend::backend()?.needs_me().await
}

/// The results of the assessment a share link opens, read-only.
#[server(endpoint = "shared_results")]
pub async fn shared_results(token: String) -> Result<ResultsData, Failure> {
    crate::backend::backend()?.shared_results(&token).await
}

/// A team: its members, and for owners the audit log.
#[server(endpoint = "team_page")]
pub async fn team_page(id: String) -> Result<TeamData, Failure> {
    crate::backend::backend()?.team_page(&id).await
}

/// Changes a member's role, or removes them (`role` = `remove`). Owners only.
#[server(endpoint = "set_member")]
pub async fn set_member(team: String, user: String, role: String) -> Result<(), Failure> {
    crate::backend::backend()?
        .set_member(&team, &user, &role)
        .await
}

/// Renames a team. Owners only.
#[server(endpoint = "rename_team")]
pub async fn rename_team(team: String, name: String) -> Result<(), Failure> {
    crate::backend::backend()?.rename_team(&team, &name).await
}

/// Revokes a share link of an assessment. Owners only.
#[server(endpoint = "revoke_share_link")]
pub async fn revoke_share_link(id: String, link: String) -> Result<(), Failure> {
    crate::backend::backend()?
        .revoke_share_link(&id, &link)
        .await
}

/// Revokes an invite nobody has used yet. Owners only.
#[server(endpoint = "revoke_invite")]
pub async fn revoke_invite(team: String, invite: String) -> Result<(), Failure> {
    crate::backend::backend()?
        .revoke_invite(&team, &invite)
        .await
}

/// What an invite link leads to, for whoever opens it (signed in or not).
#[server(endpoint = "invite_page")]
pub async fn invite_page(token: String) -> Result<InviteData, Failure> {
    crate::backend::backend()?.invite_page(&token).await
}

/// The Share page of a review: its team's people and invites, and its share links. Owners only.
#[server(endpoint = "share_page")]
pub async fn share_page(id: String) -> Result<ShareData, Failure> {
    crate::backend::backend()?.share_page(&id).await
}

/// Whether this installation has no account yet (the first one becomes its administrator).
#[server(endpoint = "first_run")]
pub async fn first_run() -> Result<bool, Failure> {
    crate::backend::backend()?.first_run().await
}

/// How people sign in and sign up here.
#[server(endpoint = "sign_in_options")]
pub async fn sign_in_options() -> Result<SignInWays, Failure> {
    crate::backend::backend()?.sign_in_options().await
}

/// The account page: the user's teams and API tokens.
#[server(endpoint = "account_page")]
pub async fn account_page() -> Result<AccountData, Failure> {
    crate::backend::backend()?.account_page().await
}

/// Revokes one of the user's API tokens.
#[server(endpoint = "revoke_api_token")]
pub async fn revoke_api_token(token: String) -> Result<(), Failure> {
    crate::backend::backend()?.revoke_api_token(&token).await
}

/// The milestones page: the assessment's milestones, and what changed between two snapshots
/// (`from` and `to` are milestone ids or `current`; by default the latest milestone and now).
#[server(endpoint = "milestones_page")]
pub async fn milestones_page(
    id: String,
    from: Option<String>,
    to: Option<String>,
) -> Result<MilestonesData, Failure> {
    crate::backend::backend()?
        .milestones_page(&id, from.as_deref(), to.as_deref())
        .await
}

/// The results as a milestone saved them, read-only.
#[server(endpoint = "milestone_results")]
pub async fn milestone_results(id: String, milestone: String) -> Result<ResultsData, Failure> {
    crate::backend::backend()?
        .milestone_results(&id, &milestone)
        .await
}

/// Saves the current answers and their evaluation as a named, immutable milestone.
#[server(endpoint = "create_milestone")]
pub async fn create_milestone(id: String, name: String) -> Result<(), Failure> {
    crate::backend::backend()?
        .create_milestone(&id, &name)
        .await
}
