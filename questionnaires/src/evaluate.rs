//! `evaluate`: answers in, a full, explained evaluation out.
//!
//! Deterministic: the same questionnaire and answers always give the same value (no clock, no
//! randomness, ordered maps).
//!
//! # Scores
//!
//! Each answered, applicable question earns points from its risk: none 100, medium 50, high 0.
//! - area score = Σ(question weight × points) ÷ Σ(question weight), over the area's answered,
//!   applicable questions (text questions included: their rules decide their risk);
//! - overall score = Σ(area weight × area score) ÷ Σ(area weight), over areas with a score.
//!
//! Unanswered and not-applicable questions are left out, not counted as zero; progress is reported
//! separately, so a half-finished review is visibly half-finished rather than silently low.
//! Scores are rounded to one decimal.
//!
//! Under 80 % coverage the scores are provisional, and any blocker (a high risk or a failed
//! check) caps the overall score at 59: see [`crate::verdict`] for the rule.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::answers::{AnswerValue, Answers};
use crate::checks::{self, CheckResult, SkippedCheck};
use crate::condition::{Calc, Env, Fact, Tri};
use crate::cost::{self, CostEstimate};
use crate::model::{
    AreaId, ConditionInput, Improvement, ItemId, NumberInput, PatternId, QuestionId, Questionnaire,
    Risk, Text,
};
use crate::recommend::{self, Design, Recommendation};
use crate::verdict::{self, Verdict};

/// Which questionnaire produced an evaluation.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Source {
    /// Questionnaire id.
    pub id: String,
    /// Its version.
    pub version: String,
    /// Its content hash.
    pub content_hash: String,
}

/// The complete result of a review.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Evaluation {
    /// What produced it.
    pub questionnaire: Source,
    /// How far the review has got.
    pub progress: Progress,
    /// Overall and per-area scores.
    pub scores: Scores,
    /// Per-area details, in questionnaire order.
    pub areas: Vec<AreaResult>,
    /// Every question's status and risk, in questionnaire order.
    pub questions: Vec<QuestionResult>,
    /// High, then medium risks, each explained.
    pub risks: Vec<RiskItem>,
    /// Patterns, the backbone first, then by score.
    pub recommendations: Vec<Recommendation>,
    /// The backbone and its add-ons.
    #[serde(default)]
    pub design: Design,
    /// Whether serverless fits, what blocks it, in one sentence.
    pub verdict: Verdict,
    /// Answers that contradict each other.
    #[serde(default)]
    pub inconsistencies: Vec<Inconsistency>,
    /// Quantitative checks that ran.
    pub checks: Vec<CheckResult>,
    /// Checks that need more answers.
    pub skipped_checks: Vec<SkippedCheck>,
    /// Lambda against Fargate, when the inputs are answered.
    pub cost: Option<CostEstimate>,
    /// The improvement checklist with states derived from the answers.
    pub checklist: Vec<ChecklistEntry>,
    /// Questions that do not apply, and why.
    pub not_applicable: Vec<NotApplicable>,
}

/// Answered out of applicable.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, serde::Deserialize)]
pub struct Progress {
    /// Answered (including not applicable with a reason).
    pub answered: usize,
    /// Questions that apply (follow-ups whose condition fails are left out).
    pub applicable: usize,
    /// All questions.
    pub total: usize,
}

/// Scores out of 100.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Scores {
    /// The overall score, when any area has one; capped at 59 when anything blocks.
    pub overall: Option<f64>,
    /// Area id → score (null when nothing in it is answered).
    pub areas: BTreeMap<AreaId, Option<f64>>,
    /// Answered ÷ applicable questions, 0–1.
    #[serde(default)]
    pub coverage: f64,
    /// True under 80 % coverage: no score is final yet.
    #[serde(default)]
    pub provisional: bool,
    /// The overall score before the blocker cap, when the cap lowered it.
    #[serde(default)]
    pub uncapped: Option<f64>,
}

/// Two answers that cannot both be right.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Inconsistency {
    /// The questions involved.
    pub questions: Vec<QuestionId>,
    /// What does not add up.
    pub message: String,
}

/// One area's result.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct AreaResult {
    /// Area id.
    pub id: AreaId,
    /// Title.
    pub title: Text,
    /// Score out of 100.
    pub score: Option<f64>,
    /// Progress within the area.
    pub progress: Progress,
    /// High risks in it.
    pub high: usize,
    /// Medium risks in it.
    pub medium: usize,
}

/// Where a question stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Not answered yet.
    Unanswered,
    /// Answered.
    Answered,
    /// Answered "not applicable", with a reason.
    NotApplicable,
    /// A follow-up whose condition does not hold: not shown.
    Hidden,
}

/// One question's result.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct QuestionResult {
    /// Question id.
    pub id: QuestionId,
    /// Area id.
    pub area: AreaId,
    /// Status.
    pub status: Status,
    /// Risk, when answered.
    pub risk: Option<Risk>,
    /// The reason of the rule that set the risk.
    pub reason: Option<Text>,
    /// The condition of that rule.
    pub rule: Option<Text>,
    /// The answers behind it.
    pub facts: Vec<Fact>,
}

/// A high or medium risk, explained.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct RiskItem {
    /// Question id.
    pub question: QuestionId,
    /// Question title: the context of the problem.
    pub title: Text,
    /// What is wrong, in a few words: the fired rule's problem title, or the question's title
    /// when the rule has none (imported lenses). Empty only in evaluations stored before risks
    /// had problem titles (see [`RiskItem::heading`]).
    #[serde(default)]
    pub problem: Text,
    /// Area id.
    pub area: AreaId,
    /// `high` or `medium`.
    pub level: Risk,
    /// Why it matters: the impact.
    pub reason: Text,
    /// The rule that fired.
    pub rule: Text,
    /// The answers behind it.
    pub facts: Vec<Fact>,
    /// The improvement of the rule that fired, when it has one, then the improvements of the
    /// good-practice choices not selected.
    pub improvements: Vec<Improvement>,
}

impl RiskItem {
    /// The risk's heading: its problem, or its question's title where an evaluation stored
    /// before problem titles has none.
    pub fn heading(&self) -> &Text {
        if self.problem.is_empty() {
            &self.title
        } else {
            &self.problem
        }
    }
}

/// The state of a checklist item, derived from the answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemState {
    /// The answers say it is in place.
    Done,
    /// Still to do (or not yet known).
    Open,
    /// Does not apply to this workload.
    NotApplicable,
}

/// How urgent a checklist item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// Linked to no risk.
    Low,
    /// Linked to a medium risk.
    Medium,
    /// Linked to a high risk.
    High,
}

/// One checklist item with its derived state.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct ChecklistEntry {
    /// Item id.
    pub id: ItemId,
    /// Title.
    pub title: Text,
    /// Area id.
    pub area: AreaId,
    /// State derived from the answers.
    pub state: ItemState,
    /// Whether the answers decide the state (false: open because unanswered).
    pub decided: bool,
    /// Priority from the risks of its questions.
    pub priority: Priority,
    /// Why it matters.
    pub why: Text,
    /// How to do it.
    pub how: Text,
    /// A page about it.
    pub url: Option<Text>,
    /// Top-ranked patterns that require it.
    pub required_by: Vec<PatternId>,
    /// The answers behind the state.
    pub facts: Vec<Fact>,
}

/// A question that does not apply.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct NotApplicable {
    /// Question id.
    pub question: QuestionId,
    /// Why: the team's reason, or the follow-up condition that does not hold.
    pub reason: Text,
    /// `team` or `condition`.
    pub by: Text,
}

static TEAM: std::sync::LazyLock<Text> = std::sync::LazyLock::new(|| Text::from("team"));
static CONDITION: std::sync::LazyLock<Text> = std::sync::LazyLock::new(|| Text::from("condition"));

/// The answers as the engine reads them: per question index.
pub(crate) struct State<'q> {
    pub q: &'q Questionnaire,
    pub status: Vec<Status>,
    pub choices: Vec<u64>,
    pub numbers: Vec<Option<f64>>,
    pub calc: [Option<f64>; Calc::ALL.len()],
    pub cost_model: Option<cost::Model>,
}

impl Env for State<'_> {
    fn choice(&self, question: usize, choice: usize) -> Tri {
        if self.status[question] == Status::Answered {
            if self.choices[question] & (1 << choice) != 0 {
                Tri::True
            } else {
                Tri::False
            }
        } else {
            Tri::Unknown
        }
    }

    fn number(&self, question: usize) -> Option<f64> {
        if self.status[question] == Status::Answered {
            self.numbers[question]
        } else {
            None
        }
    }

    fn calc(&self, calc: Calc) -> Option<f64> {
        self.calc[calc as usize]
    }
}

impl State<'_> {
    /// A number input's value, when mapped and answered.
    pub fn input(&self, n: NumberInput) -> Option<f64> {
        self.q.inputs.numbers.get(&n).and_then(|&i| self.number(i))
    }

    /// A condition input's value: unknown when unmapped or unanswered.
    pub fn when(&self, c: ConditionInput) -> Tri {
        self.q
            .inputs
            .conditions
            .get(&c)
            .map_or(Tri::Unknown, |cond| cond.eval(self))
    }

    /// The question a number input reads, if mapped.
    pub fn input_question(&self, n: NumberInput) -> Option<&QuestionId> {
        self.q
            .inputs
            .numbers
            .get(&n)
            .map(|&i| &self.q.questions[i].id)
    }
}

fn build_state<'q>(q: &'q Questionnaire, answers: &Answers) -> State<'q> {
    let n = q.questions.len();
    let mut state = State {
        q,
        status: vec![Status::Unanswered; n],
        choices: vec![0; n],
        numbers: vec![None; n],
        calc: [None; Calc::ALL.len()],
        cost_model: None,
    };
    // Both sides sorted by id: one merge pass finds each question's answer.
    let mut found: Vec<Option<&crate::answers::Answer>> = vec![None; n];
    let mut answers_iter = answers.iter().peekable();
    for &i in &q.ids_sorted {
        let id = q.questions[i].id.as_str();
        while answers_iter.peek().is_some_and(|(k, _)| k.as_str() < id) {
            answers_iter.next();
        }
        if let Some((_, a)) = answers_iter.peek().filter(|(k, _)| k.as_str() == id) {
            found[i] = Some(*a);
        }
    }
    // Questions come in order, and follow-ups only read earlier ones (checked at load).
    for (i, question) in q.questions.iter().enumerate() {
        if let Some(cond) = &question.applies_when
            && cond.eval(&state) != Tri::True
        {
            state.status[i] = Status::Hidden;
            continue;
        }
        let Some(answer) = found[i] else {
            continue;
        };
        state.status[i] = match &answer.value {
            AnswerValue::NotApplicable(_) => Status::NotApplicable,
            AnswerValue::Choices(ids) => {
                for id in ids {
                    if let Some(ci) = question.choice_index(id.as_str()) {
                        state.choices[i] |= 1 << ci;
                    }
                }
                Status::Answered
            }
            AnswerValue::Number(x) => {
                state.numbers[i] = Some(*x);
                Status::Answered
            }
            AnswerValue::Text(_) => Status::Answered,
        };
    }
    cost::fill_calc(&mut state);
    state
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Evaluates answers against a questionnaire. Answers to unknown questions or choices are
/// ignored; check files with [`crate::parse_answers_file`] first to report them.
pub fn evaluate(q: &Questionnaire, answers: &Answers) -> Evaluation {
    let state = build_state(q, answers);

    let mut questions = Vec::with_capacity(q.questions.len());
    // The index of the rule that set each question's risk.
    let mut fired_rules: Vec<Option<usize>> = vec![None; q.questions.len()];
    let mut not_applicable = Vec::new();
    for (i, question) in q.questions.iter().enumerate() {
        let area = q.areas[question.area].id.clone();
        let mut result = QuestionResult {
            id: question.id.clone(),
            area,
            status: state.status[i],
            risk: None,
            reason: None,
            rule: None,
            facts: Vec::new(),
        };
        match state.status[i] {
            Status::Answered => {
                let fired = question
                    .risk_rules
                    .iter()
                    .position(|r| r.when.eval(&state) == Tri::True);
                fired_rules[i] = fired;
                if let Some(rule) = fired.map(|k| &question.risk_rules[k]) {
                    let (_, facts) = rule.when.explain(&state, q);
                    result.risk = Some(rule.risk);
                    result.reason = Some(rule.reason.clone());
                    result.rule = Some(rule.when.source_text());
                    result.facts = facts;
                }
            }
            Status::NotApplicable => {
                if let Some(AnswerValue::NotApplicable(reason)) =
                    answers.get(&question.id).map(|a| &a.value)
                {
                    not_applicable.push(NotApplicable {
                        question: question.id.clone(),
                        reason: reason.as_str().into(),
                        by: TEAM.clone(),
                    });
                }
            }
            Status::Hidden => {
                not_applicable.push(NotApplicable {
                    question: question.id.clone(),
                    reason: q.hidden_reasons[i].clone().unwrap_or_default(),
                    by: CONDITION.clone(),
                });
            }
            Status::Unanswered => {}
        }
        questions.push(result);
    }

    let (areas, mut scores, progress) = score(q, &questions);
    let risks = collect_risks(q, &state, &questions, &fired_rules);
    let cost = cost::estimate(&state);
    let (checks, skipped_checks) = checks::run(&state, cost.as_ref());
    let (recommendations, design) = recommend::rank(q, &state, &checks);
    let blockers = verdict::blockers(&risks, &checks);
    scores.coverage = (verdict::coverage(&progress) * 1000.0).round() / 1000.0;
    scores.provisional = verdict::coverage(&progress) < verdict::COMPLETE_AT;
    if !blockers.is_empty()
        && let Some(overall) = scores.overall.filter(|o| *o > verdict::BLOCKED_SCORE_CAP)
    {
        scores.uncapped = Some(overall);
        scores.overall = Some(verdict::BLOCKED_SCORE_CAP);
    }
    let verdict = verdict::decide(
        &recommendations,
        design.backbone.is_some(),
        blockers,
        &progress,
    );
    let inconsistencies = inconsistencies(&state);
    let checklist = checklist(q, &state, &questions, &recommendations);

    Evaluation {
        questionnaire: Source {
            id: q.id.clone(),
            version: q.version.clone(),
            content_hash: q.content_hash.clone(),
        },
        progress,
        scores,
        areas,
        questions,
        risks,
        recommendations,
        design,
        verdict,
        inconsistencies,
        checks,
        skipped_checks,
        cost,
        checklist,
        not_applicable,
    }
}

fn score(q: &Questionnaire, questions: &[QuestionResult]) -> (Vec<AreaResult>, Scores, Progress) {
    let mut areas = Vec::new();
    let mut by_id = BTreeMap::new();
    let (mut total_w, mut total_s) = (0.0, 0.0);
    let mut progress = Progress {
        answered: 0,
        applicable: 0,
        total: questions.len(),
    };
    for area in &q.areas {
        let (mut w, mut s) = (0.0, 0.0);
        let mut p = Progress {
            answered: 0,
            applicable: 0,
            total: area.questions.len(),
        };
        let (mut high, mut medium) = (0, 0);
        for &qi in &area.questions {
            let r = &questions[qi];
            match r.status {
                Status::Hidden => continue,
                Status::Answered | Status::NotApplicable => p.answered += 1,
                Status::Unanswered => {}
            }
            p.applicable += 1;
            if let Some(risk) = r.risk {
                let weight = q.questions[qi].weight;
                w += weight;
                s += weight * risk.points();
                match risk {
                    Risk::High => high += 1,
                    Risk::Medium => medium += 1,
                    Risk::None => {}
                }
            }
        }
        let score = (w > 0.0).then(|| round1(s / w));
        if let Some(sc) = score {
            total_w += area.weight;
            total_s += area.weight * sc;
        }
        progress.answered += p.answered;
        progress.applicable += p.applicable;
        by_id.insert(area.id.clone(), score);
        areas.push(AreaResult {
            id: area.id.clone(),
            title: area.title.clone(),
            score,
            progress: p,
            high,
            medium,
        });
    }
    let overall = (total_w > 0.0).then(|| round1(total_s / total_w));
    (
        areas,
        Scores {
            overall,
            areas: by_id,
            coverage: 0.0,
            provisional: true,
            uncapped: None,
        },
        progress,
    )
}

/// How far a monthly volume may stray from the average rate × a month before it is flagged.
const VOLUME_TOLERANCE: f64 = 2.0;

/// Answers that contradict each other: they are flagged, and the engine still uses them as given.
fn inconsistencies(state: &State<'_>) -> Vec<Inconsistency> {
    use crate::condition::num;
    let mut out = Vec::new();
    let mut flag = |inputs: &[NumberInput], message: String| {
        out.push(Inconsistency {
            questions: inputs
                .iter()
                .filter_map(|n| state.input_question(*n).cloned())
                .collect(),
            message,
        });
    };
    if let (Some(avg), Some(peak)) = (
        state.input(NumberInput::AvgRps),
        state.input(NumberInput::PeakRps),
    ) && avg > peak
    {
        flag(
            &[NumberInput::AvgRps, NumberInput::PeakRps],
            format!(
                "The average rate ({} req/s) is above the peak ({} req/s): one of them is wrong, and the concurrency check and the cost model read both.",
                num(avg),
                num(peak)
            ),
        );
    }
    if let (Some(monthly), Some(avg)) = (
        state.input(NumberInput::MonthlyRequests),
        state.input(NumberInput::AvgRps),
    ) {
        let seconds = state
            .q
            .figures
            .assumptions
            .get("seconds_per_month")
            .map_or(2_592_000.0, |f| f.value);
        let implied = avg * seconds;
        if implied > 0.0
            && monthly > 0.0
            && (monthly / implied > VOLUME_TOLERANCE || implied / monthly > VOLUME_TOLERANCE)
        {
            flag(
                &[NumberInput::MonthlyRequests, NumberInput::AvgRps],
                format!(
                    "{} requests a month is far from the average rate of {} req/s, which makes about {} a month: the cost model uses the monthly figure.",
                    num(monthly),
                    num(avg),
                    num(implied.round())
                ),
            );
        }
    }
    if let (Some(avg), Some(p99)) = (
        state.input(NumberInput::AvgDurationMs),
        state.input(NumberInput::P99DurationMs),
    ) && avg > p99
    {
        flag(
            &[NumberInput::AvgDurationMs, NumberInput::P99DurationMs],
            format!(
                "The average duration ({} ms) is above the p99 duration ({} ms), which cannot be.",
                num(avg),
                num(p99)
            ),
        );
    }
    out
}

fn collect_risks(
    q: &Questionnaire,
    state: &State<'_>,
    questions: &[QuestionResult],
    fired_rules: &[Option<usize>],
) -> Vec<RiskItem> {
    let mut risks: Vec<RiskItem> = questions
        .iter()
        .enumerate()
        .filter_map(|(qi, r)| {
            let level = r.risk.filter(|r| *r != Risk::None)?;
            let question = &q.questions[qi];
            // The fired rule's own step first, then the good practices not selected.
            let fired = fired_rules[qi].map(|k| &question.risk_rules[k]);
            let own = fired.and_then(|rule| rule.improvement.clone());
            let improvements = own
                .into_iter()
                .chain(
                    question
                        .choices
                        .iter()
                        .enumerate()
                        .filter(|(ci, _)| state.choice(qi, *ci) == Tri::False)
                        .filter_map(|(_, c)| c.improvement.clone()),
                )
                .collect();
            Some(RiskItem {
                question: r.id.clone(),
                title: question.title.clone(),
                problem: fired
                    .and_then(|rule| rule.problem.clone())
                    .unwrap_or_else(|| question.title.clone()),
                area: r.area.clone(),
                level,
                reason: r.reason.clone().unwrap_or_else(|| Text::from("")),
                rule: r.rule.clone().unwrap_or_else(|| Text::from("")),
                facts: r.facts.clone(),
                improvements,
            })
        })
        .collect();
    // Stable: high before medium, then questionnaire order.
    risks.sort_by_key(|r| std::cmp::Reverse(r.level));
    risks
}

/// How many of the top-ranked patterns mark checklist items as required.
const REQUIRED_BY_TOP: usize = 3;

fn checklist(
    q: &Questionnaire,
    state: &State<'_>,
    questions: &[QuestionResult],
    recs: &[Recommendation],
) -> Vec<ChecklistEntry> {
    let top: Vec<&crate::model::Pattern> = recs
        .iter()
        .take(REQUIRED_BY_TOP)
        .filter(|r| r.score > 0.0)
        .filter_map(|r| q.pattern(r.pattern.as_str()))
        .collect();
    q.checklist
        .iter()
        .enumerate()
        .map(|(index, item)| {
            let applies = item
                .applies_when
                .as_ref()
                .is_none_or(|c| c.eval(state) != Tri::False);
            let (value, facts) = item.done_when.explain(state, q);
            let state_ = match (applies, value) {
                (false, _) => ItemState::NotApplicable,
                (true, Tri::True) => ItemState::Done,
                (true, _) => ItemState::Open,
            };
            let priority = item
                .questions
                .iter()
                .filter_map(|&qi| questions[qi].risk)
                .max()
                .map_or(Priority::Low, |r| match r {
                    Risk::High => Priority::High,
                    Risk::Medium => Priority::Medium,
                    Risk::None => Priority::Low,
                });
            let required_by = top
                .iter()
                .filter(|p| p.controls.contains(&index))
                .map(|p| p.id.clone())
                .collect();
            ChecklistEntry {
                id: item.id.clone(),
                title: item.title.clone(),
                area: q.areas[item.area].id.clone(),
                state: state_,
                decided: value != Tri::Unknown,
                priority,
                why: item.why.clone(),
                how: item.how.clone(),
                url: item.url.clone(),
                required_by,
                facts,
            }
        })
        .collect()
}

/// A score band: how a score out of 100 reads at a glance. The thresholds live here and only
/// here; the pages, charts and every report format take them from this type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Band {
    /// From [`Band::GOOD_FROM`] up.
    Good,
    /// From [`Band::FAIR_FROM`] up to good.
    Fair,
    /// Below fair.
    Poor,
}

impl Band {
    /// The lowest good score.
    pub const GOOD_FROM: f64 = 80.0;
    /// The lowest fair score.
    pub const FAIR_FROM: f64 = 50.0;

    /// The band of a score.
    pub fn of(score: f64) -> Band {
        if score >= Band::GOOD_FROM {
            Band::Good
        } else if score >= Band::FAIR_FROM {
            Band::Fair
        } else {
            Band::Poor
        }
    }

    /// Its name, as CSS classes and templates use it: `good`, `fair` or `poor`.
    pub fn name(self) -> &'static str {
        match self {
            Band::Good => "good",
            Band::Fair => "fair",
            Band::Poor => "poor",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::answers::Answer;
    use crate::model::ChoiceId;

    fn choose(q: &str, choices: &[&str]) -> (QuestionId, Answer) {
        let ids = choices
            .iter()
            .map(|c| ChoiceId::parse(c).unwrap())
            .collect();
        (
            QuestionId::parse(q).unwrap(),
            Answer::new(AnswerValue::Choices(ids)),
        )
    }

    #[test]
    fn follow_ups_hide_until_their_trigger_is_answered() {
        let q = crate::builtin();
        let e = evaluate(q, &Answers::new());
        let status = |e: &Evaluation, id: &str| {
            e.questions
                .iter()
                .find(|r| r.id.as_str() == id)
                .unwrap()
                .status
        };
        assert_eq!(status(&e, "db_connections"), Status::Hidden);
        assert!(
            e.not_applicable
                .iter()
                .any(|n| n.question.as_str() == "db_connections" && &*n.by == "condition")
        );

        let answers: Answers = [choose("data_store", &["relational"])]
            .into_iter()
            .collect();
        let e = evaluate(q, &answers);
        assert_eq!(status(&e, "db_connections"), Status::Unanswered);
        assert_eq!(
            status(&e, "item_size_kb"),
            Status::Hidden,
            "DynamoDB follow-ups stay hidden"
        );
    }

    #[test]
    fn a_hidden_follow_up_answer_is_ignored_not_scored() {
        let q = crate::builtin();
        let answers: Answers = [
            choose("data_store", &["dynamodb"]),
            choose("db_connections", &["direct_many_functions"]),
        ]
        .into_iter()
        .collect();
        let e = evaluate(q, &answers);
        assert!(
            e.risks
                .iter()
                .all(|r| r.question.as_str() != "db_connections")
        );
    }

    #[test]
    fn the_fired_rule_s_improvement_comes_before_the_unselected_choices() {
        let q = crate::builtin();
        // `ordering` carries no choice improvement: only the rule's own improvement can show.
        let answers: Answers = [choose("ordering", &["global"])].into_iter().collect();
        let e = evaluate(q, &answers);
        let risk = e
            .risks
            .iter()
            .find(|r| r.question.as_str() == "ordering")
            .expect("an ordering risk");
        let question = q.question("ordering").unwrap();
        let own = question.risk_rules[0].improvement.clone().unwrap();
        assert_eq!(risk.improvements, [own]);

        // `backups = none` fires a rule without its own improvement: the unselected good
        // practices show, in choice order.
        let answers: Answers = [
            choose("data_store", &["dynamodb"]),
            choose("backups", &["none"]),
        ]
        .into_iter()
        .collect();
        let e = evaluate(q, &answers);
        let risk = e
            .risks
            .iter()
            .find(|r| r.question.as_str() == "backups")
            .expect("a backups risk");
        assert_eq!(risk.improvements.len(), 4, "{:?}", risk.improvements);

        // A rule with its own improvement lists it first, then the unselected choices.
        let answers: Answers = [
            choose("entry_point", &["http_api"]),
            choose("edge_auth", &["open_routes"]),
        ]
        .into_iter()
        .collect();
        let e = evaluate(q, &answers);
        let risk = e
            .risks
            .iter()
            .find(|r| r.question.as_str() == "edge_auth")
            .expect("an edge_auth risk");
        let rule = q.question("edge_auth").unwrap().risk_rules[1]
            .improvement
            .clone()
            .unwrap();
        assert_eq!(
            risk.improvements,
            [
                rule,
                question_choice_improvement(q, "edge_auth", "jwt_or_iam"),
                question_choice_improvement(q, "edge_auth", "webhook_signatures"),
            ]
        );
    }

    fn question_choice_improvement(q: &Questionnaire, question: &str, choice: &str) -> Improvement {
        let question = q.question(question).unwrap();
        let ci = question.choice_index(choice).unwrap();
        question.choices[ci].improvement.clone().unwrap()
    }

    #[test]
    fn risks_list_the_answers_behind_them() {
        let q = crate::builtin();
        let answers: Answers = [
            choose("duplicate_sensitivity", &["costly"]),
            choose("idempotency", &["none"]),
        ]
        .into_iter()
        .collect();
        let e = evaluate(q, &answers);
        let risk = e
            .risks
            .iter()
            .find(|r| r.question.as_str() == "idempotency")
            .expect("an idempotency risk");
        assert_eq!(risk.level, Risk::High);
        let facts: Vec<String> = risk.facts.iter().map(ToString::to_string).collect();
        assert_eq!(
            facts,
            ["idempotency = none"],
            "only the deciding answer explains it"
        );
    }
}
