//! The report model: everything a report says, as one plain, serializable value.
//!
//! Every export (the report page, the self-contained HTML, PDF, Markdown, JSON, CSV, ADRs and
//! backlog issues) renders a [`Report`], so they cannot disagree. Its JSON form is a documented,
//! versioned contract: `format` names the version ([`FORMAT`]), and `server/schema/` holds the
//! JSON Schema it validates against. New optional fields may appear within a version; a field is
//! never renamed or removed without a new `format`.
//!
//! The model is built from a questionnaire, the answers, their evaluation, the team's
//! checklist progress and the risks it accepted. It has no clock: the time it was generated is
//! passed in.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::acceptance::Acceptance;
use crate::evaluate::{ItemState, Priority};
use crate::model::{Diagram, PatternKind};
use crate::recommend::Fit;
use crate::{Answers, Evaluation, Questionnaire, Risk, Workload};

mod criteria;
mod roadmap;
mod sign_off;
mod summary;
mod template_findings;

pub use roadmap::{Roadmap, Step};
pub use sign_off::{AcceptedBlocker, ReportSignOff};
pub use summary::{Summary, SummaryCost, usd, volume};
pub use template_findings::ReportTemplateFinding;

/// The version of the report format, carried in every JSON export.
pub const FORMAT: &str = "trellis-report/1";

/// At most this many decisions are drawn from one review.
const MAX_DECISIONS: usize = 3;

/// At most this many other patterns are weighed in each decision.
const MAX_OPTIONS: usize = 4;

/// A complete report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The format version, [`FORMAT`].
    pub format: String,
    /// When it was generated (RFC 3339, UTC).
    pub generated_at: String,
    /// Which state of the review it shows.
    pub snapshot: Snapshot,
    /// The questionnaire that produced it.
    pub questionnaire: QuestionnaireRef,
    /// The workload under review.
    pub workload: Workload,
    /// The executive summary: the conclusion, the cost of each option, what blocks the design,
    /// the top risks and the decisions asked of the reader.
    #[serde(default)]
    pub summary: Summary,
    /// Answered out of applicable questions.
    pub progress: ReportProgress,
    /// Overall score out of 100, when any area has one; capped at 59 while anything blocks.
    pub overall_score: Option<f64>,
    /// The score before the blocker cap, when the cap lowered it.
    #[serde(default)]
    pub uncapped_score: Option<f64>,
    /// True under 80 % coverage: the scores and the verdict are not final.
    #[serde(default)]
    pub provisional: bool,
    /// Whether serverless fits, and what blocks the design.
    pub verdict: ReportVerdict,
    /// The design: a backbone and the patterns that combine with it.
    #[serde(default)]
    pub design: ReportDesign,
    /// Answers that contradict each other, in words.
    #[serde(default)]
    pub inconsistencies: Vec<String>,
    /// Per-area scores, in questionnaire order.
    pub areas: Vec<ReportArea>,
    /// High, then medium risks, each explained.
    pub risks: Vec<ReportRisk>,
    /// Every pattern, best first.
    pub recommendations: Vec<ReportPattern>,
    /// The pattern decisions this review supports, one architecture decision record each.
    pub decisions: Vec<Decision>,
    /// Quantitative checks that ran.
    pub checks: Vec<ReportCheck>,
    /// Checks that need more answers.
    pub skipped_checks: Vec<SkippedCheck>,
    /// Serverless against containers, when the inputs are answered.
    pub cost: Option<ReportCost>,
    /// The improvement checklist, with the team's progress.
    pub checklist: Vec<ReportItem>,
    /// The open checklist as Now, Next and Later.
    #[serde(default)]
    pub roadmap: Roadmap,
    /// Every question that applies, with its answer.
    pub answers: Vec<ReportAnswer>,
    /// The recorded approval of the design: of this state, or of an earlier one the answers
    /// changed from (`changed_since`). None until an owner approves the review.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sign_off: Option<ReportSignOff>,
    /// Checks of the review's infrastructure code (its latest import), most severe first; none
    /// without an import.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub template_findings: Vec<ReportTemplateFinding>,
}

/// Which state of the review a report shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// `current`, or `milestone`.
    pub kind: String,
    /// The milestone's name, or "Current answers".
    pub label: String,
    /// When the milestone was saved (RFC 3339), for milestones.
    pub saved_at: Option<String>,
}

impl Snapshot {
    /// The review as it is now.
    pub fn current() -> Snapshot {
        Snapshot {
            kind: "current".to_owned(),
            label: "Current answers".to_owned(),
            saved_at: None,
        }
    }

    /// A saved milestone.
    pub fn milestone(name: &str, saved_at: String) -> Snapshot {
        Snapshot {
            kind: "milestone".to_owned(),
            label: name.to_owned(),
            saved_at: Some(saved_at),
        }
    }
}

/// The questionnaire behind a report: enough to reproduce it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuestionnaireRef {
    /// Its id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Its version.
    pub version: String,
    /// SHA-256 of its content.
    pub content_hash: String,
}

/// Answered out of applicable questions.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ReportProgress {
    /// Answered, including "not applicable" with a reason.
    pub answered: usize,
    /// Questions that apply.
    pub applicable: usize,
}

/// Whether serverless fits, and what blocks the design.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportVerdict {
    /// `fits`, `fits_with_blockers`, `does_not_fit` or `incomplete`.
    #[serde(default)]
    pub status: String,
    /// The status for people ("Fits, with blockers").
    #[serde(default)]
    pub label: String,
    /// False when the best fit is containers, or nothing fits yet.
    pub serverless_fits: bool,
    /// The sentence to show.
    pub message: String,
    /// The sentence without its leading status label, for layouts that show the label beside it.
    #[serde(default)]
    pub detail: String,
    /// Every high risk and failed check.
    #[serde(default)]
    pub blockers: Vec<ReportBlocker>,
}

/// Something that must be dealt with before the design can be approved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportBlocker {
    /// `risk` or `check`.
    pub kind: String,
    /// The question or check id.
    pub id: String,
    /// The risk's problem, or the check's title.
    pub title: String,
    /// What is wrong.
    pub message: String,
}

/// The design: a backbone and its add-ons.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReportDesign {
    /// The pattern that carries the requests (its id), the first recommendation; none yet when
    /// no pattern fits.
    pub backbone: Option<String>,
    /// The backbone's name.
    pub backbone_name: Option<String>,
    /// Patterns that combine with it, best first.
    pub add_ons: Vec<ReportAddOn>,
}

/// A pattern that combines with the backbone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportAddOn {
    /// Pattern id.
    pub pattern: String,
    /// Pattern name.
    pub name: String,
    /// `strong` or `good`.
    pub fit: String,
    /// What it adds to the design.
    pub addresses: String,
    /// The answers that call for it.
    pub reasons: Vec<String>,
}

/// One area's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportArea {
    /// Area id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Score out of 100, when anything in it is answered.
    pub score: Option<f64>,
    /// Questions answered in it.
    pub answered: usize,
    /// Questions that apply in it.
    pub applicable: usize,
    /// High risks in it.
    pub high: usize,
    /// Medium risks in it.
    pub medium: usize,
}

/// A high or medium risk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportRisk {
    /// Question id.
    pub question: String,
    /// Question title: the context of the problem.
    pub title: String,
    /// What is wrong, in a few words: the risk's title (see
    /// [`crate::evaluate::RiskItem::problem`]).
    #[serde(default)]
    pub problem: String,
    /// Area id.
    pub area: String,
    /// Area title.
    pub area_title: String,
    /// `high` or `medium`.
    pub level: String,
    /// Why it is a risk.
    pub reason: String,
    /// The answers behind it, in words ("question title — “choice label”").
    pub facts: Vec<String>,
    /// How to improve, from the good-practice choices not selected.
    pub improvements: Vec<ReportLink>,
    /// The team's acceptance of the risk, if any (lapsed or not).
    #[serde(default)]
    pub accepted: Option<ReportAcceptance>,
}

/// A team's acceptance of a risk, as a report tells it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportAcceptance {
    /// Who accepted it, by name.
    pub by: String,
    /// When (RFC 3339, UTC).
    pub at: String,
    /// Why the team lives with it.
    pub reason: String,
    /// The level accepted: `high` or `medium`.
    pub level: String,
    /// The answers now raise the risk above the level accepted: the acceptance no longer
    /// covers it.
    pub lapsed: bool,
}

impl ReportRisk {
    /// The question, as the context of the problem: none when the problem is the question's
    /// title (an imported lens names no problems).
    pub fn context(&self) -> Option<&str> {
        (self.problem != self.title).then_some(self.title.as_str())
    }

    /// The acceptance that covers the risk now (not a lapsed one).
    pub fn accepted_now(&self) -> Option<&ReportAcceptance> {
        self.accepted.as_ref().filter(|a| !a.lapsed)
    }

    /// The acceptance in one sentence: "Accepted by Ana on 2026-11-24: why." A lapsed one says
    /// so first.
    pub fn acceptance_sentence(&self) -> Option<String> {
        let a = self.accepted.as_ref()?;
        let day = a.at.get(..10).unwrap_or(&a.at);
        let said = format!("Accepted by {} on {day}: {}", a.by, a.reason);
        Some(if a.lapsed {
            format!(
                "Lapsed: the risk is {} now, above the {} risk that was accepted. {said}",
                self.level, a.level
            )
        } else {
            said
        })
    }
}

/// A piece of advice with an optional link.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportLink {
    /// The advice (Markdown).
    pub text: String,
    /// A page about it.
    pub url: Option<String>,
}

/// A ranked pattern.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportPattern {
    /// 1-based rank.
    pub rank: usize,
    /// Pattern id.
    pub pattern: String,
    /// Pattern name.
    pub name: String,
    /// `serverless` or `containers`.
    pub kind: String,
    /// Net score: signals for, minus signals against.
    pub score: f64,
    /// `strong`, `good`, `weak` or `poor`.
    pub fit: String,
    /// What it is (Markdown).
    pub summary: String,
    /// AWS services involved.
    pub services: Vec<String>,
    /// Why it fits: the signals that fired.
    pub reasons: Vec<String>,
    /// Why it may not: the anti-signals that fired.
    pub against: Vec<String>,
    /// What you give up.
    pub tradeoffs: Vec<String>,
    /// How it breaks.
    pub failure_modes: Vec<String>,
    /// The questions whose answers fired its signals for or against (ids, in questionnaire
    /// order): the context of a decision.
    pub questions: Vec<String>,
    /// Its boxes and arrows.
    pub diagram: Diagram,
    /// The job it does in a design ("Deliver events to their consumers"): patterns with the
    /// same job are the options one decision weighs.
    #[serde(default)]
    pub job: String,
    /// It can carry this workload's requests: a candidate backbone for these answers.
    #[serde(default)]
    pub can_carry: bool,
    /// It can combine with a backbone as an add-on.
    #[serde(default)]
    pub add_on: bool,
}

/// One pattern decision: adopt a pattern, having weighed the others.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    /// 1-based number, as in the ADR file name.
    pub number: usize,
    /// The chosen pattern's id.
    pub pattern: String,
    /// The decision as a title, such as "Use SNS → SQS fan-out".
    pub title: String,
    /// The other patterns weighed, best first (ids).
    pub options: Vec<String>,
}

/// A check that ran.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportCheck {
    /// Check id.
    pub id: String,
    /// What it checks.
    pub title: String,
    /// `ok`, `warn` or `fail`.
    pub status: String,
    /// The workload's figure.
    pub value: f64,
    /// The limit it was held against.
    pub limit: f64,
    /// Unit of both.
    pub unit: String,
    /// What it means and what to do.
    pub message: String,
    /// Where the limit comes from.
    pub source: String,
}

/// A check that needs more answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkippedCheck {
    /// Check id.
    pub id: String,
    /// What it checks.
    pub title: String,
    /// The questions to answer (ids).
    pub needs: Vec<String>,
    /// The same questions by title, in the same order: what a reader is shown.
    pub needs_titles: Vec<String>,
}

/// The monthly cost comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportCost {
    /// Requests per month.
    pub monthly_requests: f64,
    /// Serverless USD per month.
    pub serverless_usd: f64,
    /// Containers USD per month.
    pub containers_usd: f64,
    /// Container tasks running.
    pub container_tasks: f64,
    /// Monthly requests where both cost the same, if they ever do.
    pub break_even_requests: Option<f64>,
    /// The same as an average request rate.
    pub break_even_avg_rps: Option<f64>,
    /// `serverless` or `containers`: cheaper at the current volume.
    pub cheaper: String,
    /// Points for the break-even chart.
    pub series: Vec<CostPoint>,
    /// What the model assumes.
    pub assumptions: Vec<String>,
    /// The serverless side, line by line.
    #[serde(default)]
    pub serverless_lines: Vec<ReportCostLine>,
    /// The containers side, line by line.
    #[serde(default)]
    pub containers_lines: Vec<ReportCostLine>,
}

/// One line of a cost estimate, with the arithmetic behind it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportCostLine {
    /// What it is.
    pub item: String,
    /// USD per month.
    pub usd: f64,
    /// The formula with its inputs.
    pub basis: String,
}

/// One point of the cost chart.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CostPoint {
    /// Requests per month.
    pub requests: f64,
    /// Serverless USD per month.
    pub serverless_usd: f64,
    /// Containers USD per month.
    pub containers_usd: f64,
}

/// One checklist item, with the team's progress.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportItem {
    /// Item id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Area id.
    pub area: String,
    /// Area title.
    pub area_title: String,
    /// `high`, `medium` or `low`.
    pub priority: String,
    /// `done`, `open` or `not_applicable`, as the answers say.
    pub derived: String,
    /// `open`, `done`, `accepted-risk` or `not_applicable`: the team's status when set, else the
    /// derived one.
    pub status: String,
    /// Who owns it.
    pub owner: String,
    /// When it is due (YYYY-MM-DD).
    pub due_date: Option<String>,
    /// Why it matters (Markdown).
    pub why: String,
    /// How to do it (Markdown).
    pub how: String,
    /// A page about it.
    pub url: Option<String>,
    /// Top-ranked patterns that require it (ids).
    pub required_by: Vec<String>,
    /// The questions it follows from (ids).
    pub questions: Vec<String>,
    /// `S`, `M` or `L`, when the content sizes the work.
    #[serde(default)]
    pub effort: Option<String>,
    /// Items to finish first (ids).
    #[serde(default)]
    pub after: Vec<String>,
    /// What "done" means, as statements to check: from the item's `done_when` condition, in
    /// the questionnaire's words.
    #[serde(default)]
    pub acceptance: Vec<String>,
}

impl ReportItem {
    /// Still to do: neither done, nor accepted as a risk, nor inapplicable.
    pub fn is_open(&self) -> bool {
        self.status == "open"
    }
}

/// One applicable question and its answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportAnswer {
    /// Question id.
    pub question: String,
    /// Area id.
    pub area: String,
    /// Question title.
    pub title: String,
    /// The answer as a person reads it; none when unanswered.
    pub answer: Option<String>,
    /// The team's note.
    pub note: Option<String>,
    /// `high`, `medium` or `none`, when answered.
    pub risk: Option<String>,
    /// The team's discussion of the question, oldest first: only in a report asked to include
    /// it (and then left out of the JSON when there is none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub comments: Vec<ReportComment>,
}

/// One comment under a question, in a report that includes the discussion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportComment {
    /// Who wrote it (their display name).
    pub author: String,
    /// When (RFC 3339, UTC).
    pub at: String,
    /// As written (Markdown): show it as text.
    pub text: String,
    /// Rendered and sanitized HTML: no script, handler, image or `javascript:` link.
    pub html: String,
}

/// The team's progress on one checklist item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemProgress {
    /// `open`, `done` or `accepted-risk`.
    pub status: String,
    /// Who owns it.
    pub owner: String,
    /// When it is due.
    pub due_date: Option<String>,
}

/// What a report is built from.
pub struct Input<'a> {
    /// The questionnaire.
    pub q: &'a Questionnaire,
    /// The workload.
    pub workload: &'a Workload,
    /// The answers.
    pub answers: &'a Answers,
    /// Their evaluation.
    pub evaluation: &'a Evaluation,
    /// The team's checklist progress, by item id.
    pub progress: &'a BTreeMap<String, ItemProgress>,
    /// The risks the team accepted, by question id.
    pub acceptances: &'a BTreeMap<String, Acceptance>,
    /// Which state of the review.
    pub snapshot: Snapshot,
    /// When (RFC 3339, UTC).
    pub generated_at: String,
}

fn level(r: Risk) -> String {
    r.as_str().to_owned()
}

fn priority(p: Priority) -> &'static str {
    match p {
        Priority::High => "high",
        Priority::Medium => "medium",
        Priority::Low => "low",
    }
}

fn state(s: ItemState) -> &'static str {
    match s {
        ItemState::Done => "done",
        ItemState::Open => "open",
        ItemState::NotApplicable => "not_applicable",
    }
}

fn fit(f: Fit) -> &'static str {
    f.as_str()
}

/// The patterns a review supports adopting: the best-ranked one, plus any other with a strong
/// fit (they usually combine, such as an API and a fan-out), at most [`MAX_DECISIONS`]. Each
/// weighs the other patterns that scored above zero.
fn decisions(recommendations: &[ReportPattern]) -> Vec<Decision> {
    let positive: Vec<&ReportPattern> = recommendations.iter().filter(|r| r.score > 0.0).collect();
    positive
        .iter()
        .enumerate()
        .filter(|(i, r)| *i == 0 || r.fit == "strong")
        .take(MAX_DECISIONS)
        .enumerate()
        .map(|(n, (_, chosen))| {
            let title = format!("Use {}", lower_first(&chosen.name));
            Decision {
                number: n + 1,
                pattern: chosen.pattern.clone(),
                title,
                options: positive
                    .iter()
                    .filter(|o| o.pattern != chosen.pattern)
                    .take(MAX_OPTIONS)
                    .map(|o| o.pattern.clone())
                    .collect(),
            }
        })
        .collect()
}

/// The questions behind a recommendation's fired signals, in questionnaire order.
fn fired_questions(q: &Questionnaire, r: &crate::recommend::Recommendation) -> Vec<String> {
    let mut ids = std::collections::BTreeSet::new();
    for fact in r.reasons.iter().chain(&r.against).flat_map(|x| &x.facts) {
        match fact {
            crate::condition::Fact::Choice { question, .. } => {
                ids.insert(question.to_string());
            }
            crate::condition::Fact::Number { subject, .. } => {
                ids.insert(subject.to_string());
            }
        }
    }
    q.questions
        .iter()
        .filter(|x| ids.contains(x.id.as_str()))
        .map(|x| x.id.to_string())
        .collect()
}

/// Text to follow other words: its first letter lower-cased when it starts an ordinary word,
/// and kept for names ("SQS", "S3", "EventBridge", "Step Functions").
pub fn lower_first(s: &str) -> String {
    let mut words = s.split(' ');
    let first = words.next().unwrap_or("");
    let next_is_name = words
        .next()
        .and_then(|w| w.chars().next())
        .is_some_and(char::is_uppercase);
    let mut chars = first.chars();
    let plain = chars.next().is_some_and(char::is_uppercase) && chars.all(char::is_lowercase);
    if !plain || next_is_name {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    out.extend(chars.next().into_iter().flat_map(char::to_lowercase));
    out.extend(chars);
    out
}

fn cost_lines(lines: &[crate::cost::CostLine]) -> Vec<ReportCostLine> {
    lines
        .iter()
        .map(|l| ReportCostLine {
            item: l.item.clone(),
            usd: l.usd,
            basis: l.basis.clone(),
        })
        .collect()
}

/// Builds the report.
pub fn build(input: Input<'_>) -> Report {
    let Input {
        q,
        workload,
        answers,
        evaluation: e,
        progress,
        acceptances,
        snapshot,
        generated_at,
    } = input;
    let area_title = |id: &str| {
        e.areas
            .iter()
            .find(|a| a.id.as_str() == id)
            .map(|a| a.title.to_string())
            .unwrap_or_default()
    };
    let recommendations: Vec<ReportPattern> = e
        .recommendations
        .iter()
        .map(|r| {
            let pattern = q.patterns.iter().find(|p| p.id == r.pattern);
            ReportPattern {
                rank: r.rank,
                pattern: r.pattern.to_string(),
                name: r.name.to_string(),
                kind: match r.kind {
                    PatternKind::Serverless => "serverless",
                    PatternKind::Containers => "containers",
                }
                .to_owned(),
                score: r.score,
                fit: fit(r.fit).to_owned(),
                summary: pattern.map(|p| p.summary.clone()).unwrap_or_default(),
                services: pattern.map(|p| p.services.clone()).unwrap_or_default(),
                reasons: r.reasons.iter().map(|x| x.text.to_string()).collect(),
                against: r.against.iter().map(|x| x.text.to_string()).collect(),
                tradeoffs: r.tradeoffs.to_vec(),
                failure_modes: r.failure_modes.to_vec(),
                questions: fired_questions(q, r),
                diagram: pattern.map(|p| p.diagram.clone()).unwrap_or_default(),
                job: r.job.to_string(),
                can_carry: r.can_carry,
                add_on: r.add_on,
            }
        })
        .collect();
    let mut report = Report {
        format: FORMAT.to_owned(),
        generated_at,
        snapshot,
        questionnaire: QuestionnaireRef {
            id: q.id.clone(),
            title: q.title.clone(),
            version: q.version.clone(),
            content_hash: q.content_hash.clone(),
        },
        workload: workload.clone(),
        summary: Summary::default(),
        roadmap: Roadmap::default(),
        sign_off: None,
        template_findings: Vec::new(),
        progress: ReportProgress {
            answered: e.progress.answered,
            applicable: e.progress.applicable,
        },
        overall_score: e.scores.overall,
        uncapped_score: e.scores.uncapped,
        provisional: e.scores.provisional,
        verdict: ReportVerdict {
            status: e.verdict.status.as_str().to_owned(),
            label: e.verdict.status.label().to_owned(),
            serverless_fits: e.verdict.serverless_fits,
            message: e.verdict.message.clone(),
            detail: e.verdict.detail().to_owned(),
            blockers: e
                .verdict
                .blockers
                .iter()
                .map(|b| {
                    let (kind, title) = match b.kind {
                        crate::verdict::BlockerKind::Risk => (
                            "risk",
                            e.risks
                                .iter()
                                .find(|r| r.question.as_str() == b.id)
                                .map(|r| r.heading().to_string()),
                        ),
                        crate::verdict::BlockerKind::Check => (
                            "check",
                            e.checks
                                .iter()
                                .find(|c| *c.id == b.id)
                                .map(|c| c.title.to_string()),
                        ),
                    };
                    ReportBlocker {
                        kind: kind.to_owned(),
                        id: b.id.clone(),
                        title: title.unwrap_or_else(|| b.id.clone()),
                        message: b.message.clone(),
                    }
                })
                .collect(),
        },
        inconsistencies: e
            .inconsistencies
            .iter()
            .map(|i| i.message.clone())
            .collect(),
        design: ReportDesign {
            backbone: e.design.backbone.as_ref().map(|b| b.pattern.to_string()),
            backbone_name: e.design.backbone.as_ref().map(|b| b.name.to_string()),
            add_ons: e
                .design
                .add_ons
                .iter()
                .map(|a| ReportAddOn {
                    pattern: a.pattern.to_string(),
                    name: a.name.to_string(),
                    fit: a.fit.as_str().to_owned(),
                    addresses: a.addresses.to_string(),
                    reasons: a.reasons.iter().map(|r| r.text.to_string()).collect(),
                })
                .collect(),
        },
        areas: e
            .areas
            .iter()
            .map(|a| ReportArea {
                id: a.id.to_string(),
                title: a.title.to_string(),
                score: a.score,
                answered: a.progress.answered,
                applicable: a.progress.applicable,
                high: a.high,
                medium: a.medium,
            })
            .collect(),
        risks: e
            .risks
            .iter()
            .filter(|r| r.level != Risk::None)
            .map(|r| ReportRisk {
                question: r.question.to_string(),
                title: r.title.to_string(),
                problem: r.heading().to_string(),
                area: r.area.to_string(),
                area_title: area_title(r.area.as_str()),
                level: level(r.level),
                reason: r.reason.to_string(),
                facts: r.facts.iter().map(|f| f.words(q)).collect(),
                improvements: r
                    .improvements
                    .iter()
                    .map(|i| ReportLink {
                        text: i.text.to_string(),
                        url: i.url.as_ref().map(ToString::to_string),
                    })
                    .collect(),
                accepted: acceptances
                    .get(r.question.as_str())
                    .map(|a| ReportAcceptance {
                        by: a.by.clone(),
                        at: a.at.clone(),
                        reason: a.reason.clone(),
                        level: level(a.level),
                        lapsed: a.lapsed(r.level),
                    }),
            })
            .collect(),
        decisions: decisions(&recommendations),
        recommendations,
        checks: e
            .checks
            .iter()
            .map(|c| ReportCheck {
                id: c.id.to_string(),
                title: c.title.to_string(),
                status: match c.status {
                    crate::checks::CheckStatus::Ok => "ok",
                    crate::checks::CheckStatus::Warn => "warn",
                    crate::checks::CheckStatus::Fail => "fail",
                }
                .to_owned(),
                value: c.value,
                limit: c.limit,
                unit: c.unit.clone(),
                message: c.message.clone(),
                source: c.source.clone(),
            })
            .collect(),
        skipped_checks: e
            .skipped_checks
            .iter()
            .map(|s| SkippedCheck {
                id: s.id.to_string(),
                title: s.title.to_string(),
                needs: s.missing.iter().map(ToString::to_string).collect(),
                needs_titles: s
                    .missing
                    .iter()
                    .map(|id| {
                        q.questions
                            .iter()
                            .find(|x| x.id == *id)
                            .map_or_else(|| id.to_string(), |x| x.title.to_string())
                    })
                    .collect(),
            })
            .collect(),
        cost: e.cost.as_ref().map(|c| ReportCost {
            serverless_lines: cost_lines(&c.serverless.breakdown),
            containers_lines: cost_lines(&c.containers.breakdown),
            monthly_requests: c.monthly_requests,
            serverless_usd: c.serverless.monthly_usd,
            containers_usd: c.containers.monthly_usd,
            container_tasks: c.container_tasks,
            break_even_requests: c.break_even_requests,
            break_even_avg_rps: c.break_even_avg_rps,
            cheaper: c.cheaper.to_string(),
            series: c
                .series
                .iter()
                .map(|p| CostPoint {
                    requests: p.requests,
                    serverless_usd: p.serverless_usd,
                    containers_usd: p.containers_usd,
                })
                .collect(),
            assumptions: c.assumptions.clone(),
        }),
        checklist: e
            .checklist
            .iter()
            .map(|i| {
                let team = progress.get(i.id.as_str());
                let content = q.checklist.iter().find(|c| c.id == i.id);
                let derived = state(i.state);
                let status = match team {
                    Some(t) if i.state != ItemState::NotApplicable => t.status.clone(),
                    _ => derived.to_owned(),
                };
                ReportItem {
                    id: i.id.to_string(),
                    title: i.title.to_string(),
                    area: i.area.to_string(),
                    area_title: area_title(i.area.as_str()),
                    priority: priority(i.priority).to_owned(),
                    derived: derived.to_owned(),
                    status,
                    owner: team.map(|t| t.owner.clone()).unwrap_or_default(),
                    due_date: team.and_then(|t| t.due_date.clone()),
                    why: i.why.to_string(),
                    how: i.how.to_string(),
                    url: i.url.as_ref().map(ToString::to_string),
                    required_by: i.required_by.iter().map(ToString::to_string).collect(),
                    questions: content
                        .map(|c| {
                            c.questions
                                .iter()
                                .filter_map(|n| q.questions.get(*n))
                                .map(|x| x.id.to_string())
                                .collect()
                        })
                        .unwrap_or_default(),
                    effort: content
                        .and_then(|c| c.effort)
                        .map(|e| e.as_str().to_owned()),
                    after: content
                        .map(|c| c.after.iter().map(ToString::to_string).collect())
                        .unwrap_or_default(),
                    acceptance: content
                        .map(|c| criteria::of(q, &c.done_when))
                        .unwrap_or_default(),
                }
            })
            .collect(),
        answers: e
            .questions
            .iter()
            .filter(|r| r.status != crate::evaluate::Status::Hidden)
            .filter_map(|r| {
                let question = q.question(r.id.as_str())?;
                let answer = answers.get(&r.id);
                Some(ReportAnswer {
                    question: r.id.to_string(),
                    area: r.area.to_string(),
                    title: question.title.to_string(),
                    answer: answer.map(|a| crate::diff::describe(q, r.id.as_str(), &a.value)),
                    note: answer.and_then(|a| a.note.clone()),
                    risk: r.risk.map(level),
                    comments: Vec::new(),
                })
            })
            .collect(),
    };
    report.roadmap = roadmap::of(&report);
    report.summary = summary::of(&report);
    report
}

impl Report {
    /// A pattern of this report by id.
    pub fn pattern(&self, id: &str) -> Option<&ReportPattern> {
        self.recommendations.iter().find(|p| p.pattern == id)
    }

    /// The decided patterns, in decision order.
    pub fn decided_patterns(&self) -> impl Iterator<Item = &ReportPattern> {
        self.decisions
            .iter()
            .filter_map(|d| self.pattern(&d.pattern))
    }

    /// The answer to a question, when it applies.
    pub fn answer(&self, question: &str) -> Option<&ReportAnswer> {
        self.answers.iter().find(|a| a.question == question)
    }

    /// The risks by level, and how many of them an acceptance covers now.
    pub fn risk_counts(&self) -> crate::acceptance::Counts {
        let mut c = crate::acceptance::Counts::default();
        for r in &self.risks {
            let level = match r.level.as_str() {
                "high" => Risk::High,
                "medium" => Risk::Medium,
                _ => Risk::None,
            };
            c.add(level, r.accepted_now().is_some());
        }
        c
    }

    /// The checklist items still to do, highest priority first (stable within a priority).
    pub fn open_items(&self) -> Vec<&ReportItem> {
        let rank = |p: &str| match p {
            "high" => 0,
            "medium" => 1,
            _ => 2,
        };
        let mut open: Vec<&ReportItem> = self.checklist.iter().filter(|i| i.is_open()).collect();
        open.sort_by_key(|i| rank(&i.priority));
        open
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern(id: &str, score: f64, fit: &str, kind: &str) -> ReportPattern {
        ReportPattern {
            rank: 0,
            pattern: id.to_owned(),
            name: format!("{} API", id.to_uppercase()),
            kind: kind.to_owned(),
            score,
            fit: fit.to_owned(),
            summary: String::new(),
            services: Vec::new(),
            reasons: Vec::new(),
            against: Vec::new(),
            tradeoffs: Vec::new(),
            failure_modes: Vec::new(),
            questions: Vec::new(),
            diagram: Diagram::default(),
            job: String::new(),
            can_carry: false,
            add_on: false,
        }
    }

    #[test]
    fn the_best_pattern_and_other_strong_fits_are_decisions() {
        let ranked = [
            pattern("a", 12.0, "strong", "serverless"),
            pattern("b", 5.0, "good", "serverless"),
            pattern("c", 9.0, "strong", "serverless"),
            pattern("d", 0.0, "poor", "containers"),
        ];
        let d = decisions(&ranked);
        assert_eq!(d.len(), 2);
        assert_eq!((d[0].number, d[0].pattern.as_str()), (1, "a"));
        assert_eq!(d[0].options, ["b", "c"]);
        assert_eq!((d[1].number, d[1].pattern.as_str()), (2, "c"));
        assert_eq!(d[1].options, ["a", "b"]);
        assert_eq!(d[1].title, "Use C API");
        assert_eq!(
            lower_first("Containers on AWS Fargate"),
            "containers on AWS Fargate"
        );
        for name in [
            "Step Functions orchestration",
            "S3 upload",
            "EventBridge bus",
            "SQS queue",
        ] {
            assert_eq!(lower_first(name), name);
        }
    }

    #[test]
    fn a_weak_best_fit_is_still_a_decision_but_nothing_positive_is_none() {
        let ranked = [
            pattern("fargate", 2.0, "weak", "containers"),
            pattern("a", 1.0, "weak", "serverless"),
        ];
        let d = decisions(&ranked);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].title, "Use FARGATE API");
        assert!(decisions(&[pattern("a", 0.0, "poor", "serverless")]).is_empty());
    }

    #[test]
    fn open_items_put_high_priority_first() {
        let item = |id: &str, priority: &str, status: &str| ReportItem {
            id: id.to_owned(),
            title: String::new(),
            area: String::new(),
            area_title: String::new(),
            priority: priority.to_owned(),
            derived: "open".to_owned(),
            status: status.to_owned(),
            owner: String::new(),
            due_date: None,
            why: String::new(),
            how: String::new(),
            url: None,
            required_by: Vec::new(),
            questions: Vec::new(),
            effort: None,
            after: Vec::new(),
            acceptance: Vec::new(),
        };
        let mut report = empty();
        report.checklist = vec![
            item("low", "low", "open"),
            item("done", "high", "done"),
            item("high", "high", "open"),
            item("risk", "medium", "accepted-risk"),
            item("medium", "medium", "open"),
        ];
        let ids: Vec<&str> = report.open_items().iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, ["high", "medium", "low"]);
    }

    #[test]
    fn blockers_stop_blocking_only_under_an_approval_that_covers_the_report() {
        let mut r = empty();
        assert_eq!(r.blockers_heading(), "What blocks approval");
        r.sign(sign_off::tests::sign_off(false, 1));
        assert_eq!(r.blockers_heading(), "Blockers, accepted at sign-off");
        assert!(
            r.summary
                .sign_off
                .as_deref()
                .unwrap()
                .starts_with("Approved by")
        );
        r.sign(sign_off::tests::sign_off(true, 1));
        assert_eq!(r.blockers_heading(), "What blocks approval");
        assert!(
            r.summary.decisions[0].starts_with("Approve the design again"),
            "{:?}",
            r.summary.decisions
        );
    }

    fn empty() -> Report {
        Report {
            format: FORMAT.to_owned(),
            generated_at: String::new(),
            snapshot: Snapshot::current(),
            questionnaire: QuestionnaireRef {
                id: String::new(),
                title: String::new(),
                version: String::new(),
                content_hash: String::new(),
            },
            workload: Workload::default(),
            summary: Summary::default(),
            progress: ReportProgress {
                answered: 0,
                applicable: 0,
            },
            overall_score: None,
            uncapped_score: None,
            provisional: true,
            verdict: ReportVerdict {
                status: "incomplete".to_owned(),
                label: "Incomplete".to_owned(),
                serverless_fits: false,
                message: String::new(),
                detail: String::new(),
                blockers: Vec::new(),
            },
            design: ReportDesign::default(),
            inconsistencies: Vec::new(),
            areas: Vec::new(),
            risks: Vec::new(),
            recommendations: Vec::new(),
            decisions: Vec::new(),
            checks: Vec::new(),
            skipped_checks: Vec::new(),
            cost: None,
            checklist: Vec::new(),
            roadmap: Roadmap::default(),
            answers: Vec::new(),
            sign_off: None,
            template_findings: Vec::new(),
        }
    }
}
