//! Conditions: boolean expressions over answers, and the facts that make them true.
//!
//! A condition is parsed ([`parse`]), then resolved against a questionnaire so every name points
//! at a question or choice by index. Evaluation uses three-valued logic: anything that reads an
//! unanswered or not-applicable question is *unknown*, and only a *true* condition fires a rule.
//! [`Condition::explain`] returns the literal facts behind the result, which is how every risk
//! and recommendation explains itself.

mod parse;

use serde::Serialize;

use crate::model::{ChoiceId, QuestionId, QuestionKind, Questionnaire, Text};

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
pub enum CmpOp {
    /// `<`
    #[serde(rename = "<")]
    Lt,
    /// `<=`
    #[serde(rename = "<=")]
    Le,
    /// `>`
    #[serde(rename = ">")]
    Gt,
    /// `>=`
    #[serde(rename = ">=")]
    Ge,
    /// `==`
    #[serde(rename = "==")]
    Eq,
    /// `!=`
    #[serde(rename = "!=")]
    Ne,
}

impl CmpOp {
    fn apply(self, a: f64, b: f64) -> bool {
        match self {
            CmpOp::Lt => a < b,
            CmpOp::Le => a <= b,
            CmpOp::Gt => a > b,
            CmpOp::Ge => a >= b,
            CmpOp::Eq => a == b,
            CmpOp::Ne => a != b,
        }
    }

    /// The operator as written.
    pub fn as_str(self) -> &'static str {
        match self {
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
        }
    }
}

/// A figure the engine computes from the answers, usable as `calc.<name>` in conditions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Calc {
    /// Peak RPS × average duration in seconds (Little's law).
    Concurrency,
    /// Monthly requests: answered, or average RPS × seconds per month.
    MonthlyRequests,
    /// Estimated Lambda-side monthly cost, USD.
    LambdaMonthlyUsd,
    /// Estimated container-side monthly cost, USD.
    FargateMonthlyUsd,
    /// Lambda cost divided by container cost.
    ServerlessCostRatio,
    /// Typical cold start of the chosen runtime and architecture, ms.
    ColdStartMs,
}

impl Calc {
    /// Every calc figure.
    pub const ALL: [Calc; 6] = [
        Calc::Concurrency,
        Calc::MonthlyRequests,
        Calc::LambdaMonthlyUsd,
        Calc::FargateMonthlyUsd,
        Calc::ServerlessCostRatio,
        Calc::ColdStartMs,
    ];

    /// The name after `calc.`.
    pub fn as_str(self) -> &'static str {
        match self {
            Calc::Concurrency => "concurrency",
            Calc::MonthlyRequests => "monthly_requests",
            Calc::LambdaMonthlyUsd => "lambda_monthly_usd",
            Calc::FargateMonthlyUsd => "fargate_monthly_usd",
            Calc::ServerlessCostRatio => "serverless_cost_ratio",
            Calc::ColdStartMs => "cold_start_ms",
        }
    }

    fn parse(s: &str) -> Option<Calc> {
        Calc::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// One side of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Operand {
    Const(f64),
    Question(usize),
    Calc(Calc),
}

/// A resolved expression.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expr {
    True,
    Choice { question: usize, choice: usize },
    Compare(Operand, CmpOp, Operand),
    Not(Box<Expr>),
    And(Vec<Expr>),
    Or(Vec<Expr>),
}

/// A parsed and resolved condition, with its source text.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    source: Text,
    expr: Expr,
}

/// A truth value in three-valued (Kleene) logic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tri {
    /// Holds.
    True,
    /// Does not hold.
    False,
    /// Depends on something not answered.
    Unknown,
}

impl Tri {
    fn not(self) -> Tri {
        match self {
            Tri::True => Tri::False,
            Tri::False => Tri::True,
            Tri::Unknown => Tri::Unknown,
        }
    }

    fn from_bool(b: bool) -> Tri {
        if b { Tri::True } else { Tri::False }
    }
}

/// What a condition reads its values from.
pub trait Env {
    /// Whether a choice is selected; unknown when its question is unanswered or does not apply.
    fn choice(&self, question: usize, choice: usize) -> Tri;
    /// A number answer, when there is one.
    fn number(&self, question: usize) -> Option<f64>;
    /// A computed figure, when its inputs are answered.
    fn calc(&self, calc: Calc) -> Option<f64>;
}

/// One literal fact behind a condition's result.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fact {
    /// A choice is, or is not, selected.
    Choice {
        /// The question.
        question: QuestionId,
        /// The choice.
        choice: ChoiceId,
        /// Whether it is selected.
        selected: bool,
    },
    /// A number compared with a bound.
    Number {
        /// `question_id` or `calc.name`.
        subject: Text,
        /// Its value.
        value: f64,
        /// The operator.
        op: CmpOp,
        /// What it was compared with, when not a plain number: a question or a calc figure.
        #[serde(skip_serializing_if = "Option::is_none")]
        against: Option<Text>,
        /// The value compared with.
        bound: f64,
        /// Whether the comparison holds.
        holds: bool,
    },
}

impl Calc {
    /// What the figure is, in words.
    pub fn title(self) -> &'static str {
        match self {
            Calc::Concurrency => "Estimated peak concurrency",
            Calc::MonthlyRequests => "Requests a month",
            Calc::LambdaMonthlyUsd => "Estimated serverless cost a month (USD)",
            Calc::FargateMonthlyUsd => "Estimated container cost a month (USD)",
            Calc::ServerlessCostRatio => "Serverless cost against containers",
            Calc::ColdStartMs => "Typical cold start (ms)",
        }
    }
}

impl Fact {
    /// The fact in the user's words: question titles and choice labels, never ids
    /// ("Which kinds of clients call the workload?: Several clients with different needs";
    /// "Peak requests per second: 2,000, above 1,000"). [`Fact`]'s `Display` keeps the ids, for
    /// the JSON and CSV exports.
    pub fn words(&self, q: &crate::model::Questionnaire) -> String {
        let subject = |id: &str| -> String {
            if let Some(calc) = id
                .strip_prefix("calc.")
                .and_then(|c| Calc::ALL.into_iter().find(|x| x.as_str() == c))
            {
                return calc.title().to_owned();
            }
            // A failed check's figure carries the check's title; a limit is named by its title.
            if let Some(check) = id.strip_prefix("check.") {
                return check.to_owned();
            }
            if let Some(limit) = q.figures.limits.get(id) {
                return limit.title.clone();
            }
            q.question(id)
                .map_or_else(|| id.replace('_', " "), |x| x.title.to_string())
        };
        match self {
            Fact::Choice {
                question,
                choice,
                selected,
            } => {
                let label = q
                    .question(question.as_str())
                    .and_then(|x| x.choices.iter().find(|c| c.id == *choice))
                    .map_or_else(|| choice.as_str().replace('_', " "), |c| c.title.clone());
                let title = subject(question.as_str());
                if *selected {
                    format!("{title} — “{label}”")
                } else {
                    format!("{title} — not “{label}”")
                }
            }
            Fact::Number {
                subject: name,
                value,
                op,
                against,
                bound,
                holds,
            } => {
                let op = match (op, holds) {
                    (CmpOp::Gt, true) | (CmpOp::Le, false) => "above",
                    (CmpOp::Ge, true) | (CmpOp::Lt, false) => "at least",
                    (CmpOp::Lt, true) | (CmpOp::Ge, false) => "below",
                    (CmpOp::Le, true) | (CmpOp::Gt, false) => "at most",
                    (CmpOp::Eq, true) | (CmpOp::Ne, false) => "equal to",
                    (CmpOp::Ne, true) | (CmpOp::Eq, false) => "other than",
                };
                let bound = match against {
                    None => grouped(*bound),
                    Some(other) => format!("{} ({})", subject(other), grouped(*bound)),
                };
                format!("{}: {}, {op} {bound}", subject(name), grouped(*value))
            }
        }
    }
}

/// A number as a person reads it: thousands grouped, at most two decimals.
pub fn grouped(v: f64) -> String {
    let text = num(v).to_string();
    let (sign, rest) = text
        .strip_prefix('-')
        .map_or(("", text.as_str()), |r| ("-", r));
    let (int, frac) = rest
        .split_once('.')
        .map_or((rest, None), |(i, f)| (i, Some(f)));
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    match frac {
        Some(f) => format!("{sign}{out}.{f}"),
        None => format!("{sign}{out}"),
    }
}

impl std::fmt::Display for Fact {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Fact::Choice {
                question,
                choice,
                selected: true,
            } => write!(f, "{question} = {choice}"),
            Fact::Choice {
                question,
                choice,
                selected: false,
            } => write!(f, "{question} ≠ {choice}"),
            Fact::Number {
                subject,
                value,
                op,
                against,
                bound,
                holds,
            } => {
                let op = if *holds { op.as_str() } else { "not" };
                match against {
                    None => write!(f, "{subject} = {} ({op} {})", num(*value), num(*bound)),
                    Some(name) => write!(
                        f,
                        "{subject} = {} ({op} {name} = {})",
                        num(*value),
                        num(*bound)
                    ),
                }
            }
        }
    }
}

/// Formats a number without a trailing `.0` and with at most two decimals.
pub(crate) fn num(v: f64) -> Num {
    Num(v)
}

/// A number as [`num`] prints it, written straight into whatever formats it: no allocation.
#[derive(Clone, Copy)]
pub(crate) struct Num(f64);

impl std::fmt::Display for Num {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let v = self.0;
        // Display prints the shortest round-trip form, which is far cheaper than fixed precision.
        if v.fract() == 0.0 && v.abs() < 9.0e15 {
            write!(f, "{}", v as i64)
        } else {
            write!(f, "{}", (v * 100.0).round() / 100.0)
        }
    }
}

/// Checks that `source` is a well-formed condition, resolving no name: the grammar only, with
/// `default` accepted. For fuzzers and linters.
pub fn syntax(source: &str) -> Result<(), String> {
    if source.trim() == "default" {
        return Ok(());
    }
    parse::parse(source).map(|_| ())
}

/// What a well-formed condition names: its words and its comparisons, in order.
#[derive(Debug, Default)]
pub(crate) struct Shape {
    /// Every word that stands alone (a choice, `question.choice` or a question).
    pub words: Vec<String>,
    /// Every comparison, as written (`a > 1`).
    pub comparisons: Vec<String>,
}

/// Parses `source` and lists what it names, without resolving anything.
pub(crate) fn shape(source: &str) -> Result<Shape, String> {
    fn walk(raw: &parse::Raw, out: &mut Shape) {
        match raw {
            parse::Raw::Word(w) => out.words.push(w.clone()),
            parse::Raw::Compare(l, op, r) => {
                out.comparisons.push(format!("{l} {} {r}", op.as_str()));
            }
            parse::Raw::Not(e) => walk(e, out),
            parse::Raw::And(es) | parse::Raw::Or(es) => es.iter().for_each(|e| walk(e, out)),
        }
    }
    let raw = parse::parse(source)?;
    let mut out = Shape::default();
    walk(&raw, &mut out);
    Ok(out)
}

/// What names resolve against while loading.
pub(crate) trait Lookup {
    /// A question's index and kind.
    fn question(&self, id: &str) -> Option<(usize, QuestionKind)>;
    /// A choice's index within a question.
    fn choice(&self, question: usize, id: &str) -> Option<usize>;
}

impl Condition {
    /// The always-true `default` condition.
    pub fn always() -> Condition {
        Condition {
            source: Text::from("default"),
            expr: Expr::True,
        }
    }

    /// Parses and resolves `source`. `scope` is the question whose bare choice ids are in scope
    /// (risk rules); elsewhere choices must be named `question.choice`. All unknown names are
    /// reported together.
    pub(crate) fn compile(
        source: &str,
        lookup: &dyn Lookup,
        scope: Option<usize>,
    ) -> Result<Condition, Vec<String>> {
        if source.trim() == "default" {
            return Ok(Condition::always());
        }
        let raw = parse::parse(source).map_err(|e| vec![e])?;
        let mut errors = Vec::new();
        let expr = resolve(&raw, lookup, scope, &mut errors);
        if errors.is_empty() {
            Ok(Condition {
                source: Text::from(source.trim()),
                expr,
            })
        } else {
            Err(errors)
        }
    }

    /// The resolved expression.
    pub(crate) fn expr(&self) -> &Expr {
        &self.expr
    }

    /// Whether it reads nothing but choices of `question`: true for `default` too, false when
    /// it compares numbers or reads another question.
    pub fn reads_only_choices_of(&self, question: usize) -> bool {
        fn only(e: &Expr, question: usize, top: bool) -> bool {
            match e {
                Expr::True => top,
                Expr::Choice { question: q, .. } => *q == question,
                Expr::Compare(..) => false,
                Expr::Not(inner) => only(inner, question, false),
                Expr::And(es) | Expr::Or(es) => es.iter().all(|e| only(e, question, false)),
            }
        }
        only(&self.expr, question, true)
    }

    /// The text it was written as.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The text it was written as, shared.
    pub fn source_text(&self) -> Text {
        self.source.clone()
    }

    /// Whether this is the `default` rule.
    pub fn is_default(&self) -> bool {
        self.expr == Expr::True
    }

    /// The indexes of every question it reads, sorted and unique.
    pub fn questions(&self) -> Vec<usize> {
        let mut out = Vec::new();
        collect_questions(&self.expr, &mut out);
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The calc figures it reads.
    pub fn calcs(&self) -> Vec<Calc> {
        let mut out = Vec::new();
        collect_calcs(&self.expr, &mut out);
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The choices it reads, as (question, choice) indexes.
    pub fn choices(&self) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        collect_choices(&self.expr, &mut out);
        out
    }

    /// Evaluates without collecting facts.
    pub fn eval(&self, env: &dyn Env) -> Tri {
        eval(&self.expr, env)
    }

    /// Evaluates and returns the facts that decide the result.
    pub fn explain(&self, env: &dyn Env, q: &Questionnaire) -> (Tri, Vec<Fact>) {
        let mut facts = Vec::new();
        let t = explain(&self.expr, env, q, &mut facts);
        facts.dedup();
        (t, facts)
    }
}

fn resolve(
    raw: &parse::Raw,
    lookup: &dyn Lookup,
    scope: Option<usize>,
    errors: &mut Vec<String>,
) -> Expr {
    use parse::Raw;
    match raw {
        Raw::Word(w) => resolve_choice(w, lookup, scope, errors),
        Raw::Compare(l, op, r) => Expr::Compare(
            resolve_operand(l, lookup, errors),
            *op,
            resolve_operand(r, lookup, errors),
        ),
        Raw::Not(e) => Expr::Not(Box::new(resolve(e, lookup, scope, errors))),
        Raw::And(es) => Expr::And(
            es.iter()
                .map(|e| resolve(e, lookup, scope, errors))
                .collect(),
        ),
        Raw::Or(es) => Expr::Or(
            es.iter()
                .map(|e| resolve(e, lookup, scope, errors))
                .collect(),
        ),
    }
}

fn resolve_choice(
    word: &str,
    lookup: &dyn Lookup,
    scope: Option<usize>,
    errors: &mut Vec<String>,
) -> Expr {
    let unresolved = Expr::True;
    match word.split_once('.') {
        Some(("calc", name)) => {
            errors.push(format!(
                "`calc.{name}` is a number: compare it, as in `calc.{name} > 0`"
            ));
            unresolved
        }
        Some((question, choice)) => match lookup.question(question) {
            Some((qi, QuestionKind::Single | QuestionKind::Multi)) => {
                match lookup.choice(qi, choice) {
                    Some(ci) => Expr::Choice {
                        question: qi,
                        choice: ci,
                    },
                    None => {
                        errors.push(format!("question `{question}` has no choice `{choice}`"));
                        unresolved
                    }
                }
            }
            Some(_) => {
                errors.push(format!(
                    "question `{question}` has no choices, so `{word}` names nothing"
                ));
                unresolved
            }
            None => {
                errors.push(format!("unknown question `{question}` in `{word}`"));
                unresolved
            }
        },
        None => {
            if let Some(ci) = scope.and_then(|qi| lookup.choice(qi, word)) {
                return Expr::Choice {
                    question: scope.unwrap_or_default(),
                    choice: ci,
                };
            }
            match lookup.question(word) {
                Some((_, QuestionKind::Number)) => errors.push(format!(
                    "`{word}` is a number question: compare it, as in `{word} > 0`"
                )),
                Some(_) => errors.push(format!(
                    "`{word}` is a question: name one of its choices, as in `{word}.<choice>`"
                )),
                None if scope.is_some() => errors.push(format!("unknown choice `{word}`")),
                None => errors.push(format!(
                    "unknown name `{word}`: outside a question's own risk rules, write `question.choice`"
                )),
            }
            unresolved
        }
    }
}

fn resolve_operand(word: &str, lookup: &dyn Lookup, errors: &mut Vec<String>) -> Operand {
    let starts_numeric = word.starts_with(|c: char| c.is_ascii_digit() || c == '-');
    if starts_numeric
        && let Ok(v) = word.parse::<f64>()
        && v.is_finite()
    {
        return Operand::Const(v);
    }
    if let Some(name) = word.strip_prefix("calc.") {
        if let Some(c) = Calc::parse(name) {
            return Operand::Calc(c);
        }
        let known: Vec<&str> = Calc::ALL.iter().map(|c| c.as_str()).collect();
        errors.push(format!(
            "unknown figure `{word}`; known: calc.{}",
            known.join(", calc.")
        ));
        return Operand::Const(0.0);
    }
    match lookup.question(word) {
        Some((qi, QuestionKind::Number)) => Operand::Question(qi),
        Some(_) => {
            errors.push(format!(
                "`{word}` is not a number question, so it cannot be compared"
            ));
            Operand::Const(0.0)
        }
        None if starts_numeric => {
            errors.push(format!("`{word}` is not a number"));
            Operand::Const(0.0)
        }
        None => {
            errors.push(format!("unknown number question `{word}`"));
            Operand::Const(0.0)
        }
    }
}

fn operand_value(o: &Operand, env: &dyn Env) -> Option<f64> {
    match o {
        Operand::Const(v) => Some(*v),
        Operand::Question(q) => env.number(*q),
        Operand::Calc(c) => env.calc(*c),
    }
}

fn eval(e: &Expr, env: &dyn Env) -> Tri {
    match e {
        Expr::True => Tri::True,
        Expr::Choice { question, choice } => env.choice(*question, *choice),
        Expr::Compare(l, op, r) => match (operand_value(l, env), operand_value(r, env)) {
            (Some(a), Some(b)) => Tri::from_bool(op.apply(a, b)),
            _ => Tri::Unknown,
        },
        Expr::Not(inner) => eval(inner, env).not(),
        Expr::And(es) => {
            let mut out = Tri::True;
            for e in es {
                match eval(e, env) {
                    Tri::False => return Tri::False,
                    Tri::Unknown => out = Tri::Unknown,
                    Tri::True => {}
                }
            }
            out
        }
        Expr::Or(es) => {
            let mut out = Tri::False;
            for e in es {
                match eval(e, env) {
                    Tri::True => return Tri::True,
                    Tri::Unknown => out = Tri::Unknown,
                    Tri::False => {}
                }
            }
            out
        }
    }
}

/// The name of a non-constant operand; constants are shown by value.
fn operand_name(o: &Operand, q: &Questionnaire) -> Option<Text> {
    match o {
        Operand::Const(_) => None,
        Operand::Question(i) => Some(q.questions[*i].id.text()),
        Operand::Calc(c) => Some(Text::from(format!("calc.{}", c.as_str()))),
    }
}

/// Pushes the facts that decide `e` and returns its value. For `&&` and `||` only the children
/// that decide the result contribute, so an explanation never lists irrelevant answers.
fn explain(e: &Expr, env: &dyn Env, q: &Questionnaire, facts: &mut Vec<Fact>) -> Tri {
    match e {
        Expr::True => Tri::True,
        Expr::Choice { question, choice } => {
            let t = env.choice(*question, *choice);
            if t != Tri::Unknown {
                let qu = &q.questions[*question];
                facts.push(Fact::Choice {
                    question: qu.id.clone(),
                    choice: qu.choices[*choice].id.clone(),
                    selected: t == Tri::True,
                });
            }
            t
        }
        Expr::Compare(l, op, r) => match (operand_value(l, env), operand_value(r, env)) {
            (Some(a), Some(b)) => {
                let holds = op.apply(a, b);
                facts.push(Fact::Number {
                    subject: operand_name(l, q).unwrap_or_else(|| Text::from(num(a).to_string())),
                    value: a,
                    op: *op,
                    against: operand_name(r, q),
                    bound: b,
                    holds,
                });
                Tri::from_bool(holds)
            }
            _ => Tri::Unknown,
        },
        Expr::Not(inner) => explain(inner, env, q, facts).not(),
        Expr::And(es) | Expr::Or(es) => {
            // One pass: `decisive` (false for `&&`, true for `||`) settles the result, and then
            // only that child's facts explain it.
            let decisive = if matches!(e, Expr::And(_)) {
                Tri::False
            } else {
                Tri::True
            };
            let start = facts.len();
            let mut unknown = false;
            for child in es {
                let mark = facts.len();
                match explain(child, env, q, facts) {
                    t if t == decisive => {
                        facts.drain(start..mark);
                        return decisive;
                    }
                    Tri::Unknown => unknown = true,
                    _ => {}
                }
            }
            if unknown {
                facts.truncate(start);
                Tri::Unknown
            } else {
                decisive.not()
            }
        }
    }
}

fn collect_questions(e: &Expr, out: &mut Vec<usize>) {
    match e {
        Expr::True => {}
        Expr::Choice { question, .. } => out.push(*question),
        Expr::Compare(l, _, r) => {
            for o in [l, r] {
                if let Operand::Question(q) = o {
                    out.push(*q);
                }
            }
        }
        Expr::Not(inner) => collect_questions(inner, out),
        Expr::And(es) | Expr::Or(es) => es.iter().for_each(|e| collect_questions(e, out)),
    }
}

fn collect_calcs(e: &Expr, out: &mut Vec<Calc>) {
    match e {
        Expr::True | Expr::Choice { .. } => {}
        Expr::Compare(l, _, r) => {
            for o in [l, r] {
                if let Operand::Calc(c) = o {
                    out.push(*c);
                }
            }
        }
        Expr::Not(inner) => collect_calcs(inner, out),
        Expr::And(es) | Expr::Or(es) => es.iter().for_each(|e| collect_calcs(e, out)),
    }
}

fn collect_choices(e: &Expr, out: &mut Vec<(usize, usize)>) {
    match e {
        Expr::True | Expr::Compare(..) => {}
        Expr::Choice { question, choice } => out.push((*question, *choice)),
        Expr::Not(inner) => collect_choices(inner, out),
        Expr::And(es) | Expr::Or(es) => es.iter().for_each(|e| collect_choices(e, out)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facts_read_in_titles_and_labels_never_ids() {
        let q = crate::builtin::builtin();
        let choice = Fact::Choice {
            question: crate::model::QuestionId::parse("client_types").unwrap(),
            choice: crate::model::ChoiceId::parse("one_client").unwrap(),
            selected: true,
        };
        assert_eq!(
            choice.words(q),
            "Which kinds of clients call the workload? — “One client application”"
        );
        let not = Fact::Choice {
            question: crate::model::QuestionId::parse("client_types").unwrap(),
            choice: crate::model::ChoiceId::parse("one_client").unwrap(),
            selected: false,
        };
        assert!(not.words(q).ends_with("not “One client application”"));
        let number = Fact::Number {
            subject: "calc.concurrency".into(),
            value: 1600.0,
            op: CmpOp::Ge,
            against: None,
            bound: 1000.0,
            holds: true,
        };
        assert_eq!(
            number.words(q),
            "Estimated peak concurrency: 1,600, at least 1,000"
        );
        let failed = Fact::Number {
            subject: "peak_rps".into(),
            value: 1234567.5,
            op: CmpOp::Gt,
            against: None,
            bound: 2_000_000.0,
            holds: false,
        };
        let words = failed.words(q);
        assert!(
            words.ends_with(": 1,234,567.5, at most 2,000,000"),
            "{words}"
        );
        assert!(!words.contains("peak_rps"), "{words}");
        // A failed check reads as its title against the limit's title.
        let limit = q.figures.limits.values().next().expect("a limit");
        let check = Fact::Number {
            subject: "check.Lambda maximum duration".into(),
            value: 1200.0,
            op: CmpOp::Gt,
            against: Some(limit.id.as_str().into()),
            bound: 900.0,
            holds: true,
        };
        assert_eq!(
            check.words(q),
            format!(
                "Lambda maximum duration: 1,200, above {} (900)",
                limit.title
            )
        );
    }

    /// Two questions: `q` (single: a, b, c) and `n` (number).
    struct Fixture {
        selected: Option<Vec<usize>>,
        number: Option<f64>,
    }

    impl Lookup for Fixture {
        fn question(&self, id: &str) -> Option<(usize, QuestionKind)> {
            match id {
                "q" => Some((0, QuestionKind::Multi)),
                "n" => Some((1, QuestionKind::Number)),
                _ => None,
            }
        }
        fn choice(&self, question: usize, id: &str) -> Option<usize> {
            (question == 0).then(|| ["a", "b", "c"].iter().position(|c| *c == id))?
        }
    }

    impl Env for Fixture {
        fn choice(&self, _question: usize, choice: usize) -> Tri {
            match &self.selected {
                Some(s) => Tri::from_bool(s.contains(&choice)),
                None => Tri::Unknown,
            }
        }
        fn number(&self, _question: usize) -> Option<f64> {
            self.number
        }
        fn calc(&self, _calc: Calc) -> Option<f64> {
            None
        }
    }

    fn eval_with(src: &str, selected: Option<Vec<usize>>, number: Option<f64>) -> Tri {
        let fx = Fixture { selected, number };
        Condition::compile(src, &fx, Some(0)).unwrap().eval(&fx)
    }

    #[test]
    fn lens_syntax_evaluates_like_the_aws_example() {
        let src = "((a || b) && c) || (!a && c)";
        assert_eq!(eval_with(src, Some(vec![0, 2]), None), Tri::True);
        assert_eq!(eval_with(src, Some(vec![0, 1]), None), Tri::False);
        assert_eq!(eval_with(src, Some(vec![2]), None), Tri::True);
    }

    #[test]
    fn unanswered_question_makes_a_negation_unknown_not_true() {
        assert_eq!(eval_with("!a", None, None), Tri::Unknown);
        assert_eq!(eval_with("!a && n > 5", Some(vec![]), None), Tri::Unknown);
        assert_eq!(eval_with("a || n > 5", None, Some(6.0)), Tri::True);
        assert_eq!(eval_with("a && n > 5", None, Some(1.0)), Tri::False);
    }

    #[test]
    fn numeric_comparisons_compare() {
        assert_eq!(eval_with("n >= 10", None, Some(10.0)), Tri::True);
        assert_eq!(eval_with("n < 10", None, Some(10.0)), Tri::False);
        assert_eq!(
            eval_with("q.a && n != 3", Some(vec![0]), Some(4.0)),
            Tri::True
        );
    }

    #[test]
    fn unknown_names_are_all_reported() {
        let fx = Fixture {
            selected: None,
            number: None,
        };
        let errs = Condition::compile("x.y && q.z || n > 1 && calc.bogus > 1 && q > 1", &fx, None)
            .unwrap_err();
        assert_eq!(errs.len(), 4, "{errs:?}");
        assert!(errs[0].contains("unknown question `x`"));
        assert!(errs[1].contains("no choice `z`"));
        assert!(errs[2].contains("calc.bogus"));
        assert!(errs[3].contains("not a number question"));
    }

    #[test]
    fn bare_choice_ids_need_a_question_scope() {
        let fx = Fixture {
            selected: None,
            number: None,
        };
        let errs = Condition::compile("a", &fx, None).unwrap_err();
        assert!(errs[0].contains("question.choice"), "{errs:?}");
        assert!(Condition::compile("a", &fx, Some(0)).is_ok());
    }

    #[test]
    fn referenced_questions_are_listed() {
        let fx = Fixture {
            selected: None,
            number: None,
        };
        let c = Condition::compile("q.a && n > 1 || !q.b", &fx, None).unwrap();
        assert_eq!(c.questions(), vec![0, 1]);
        assert_eq!(c.choices(), vec![(0, 0), (0, 1)]);
    }
}
