//! Acceptance criteria: a checklist item's `done_when` condition as statements an engineer can
//! check off, in the questionnaire's words (choice labels and question titles, never ids).
//!
//! The condition's top-level conjuncts become one criterion each, so `a && b && c` is three
//! things to verify. Alternatives stay together in one criterion ("A, or B"), negations read as
//! "no longer …", and a number reads as a bound ("at least 1"). Each criterion ends with the
//! review question(s) it is checked against, since the item is done when the review's answers
//! say so.

use crate::condition::{CmpOp, Expr, Operand, grouped};
use crate::model::Questionnaire;

use super::lower_first;

/// Text to follow other words ("…, or a Lambda authorizer"): like [`lower_first`], and also an
/// article before a name, and a hyphenated first word ("On-failure destinations").
fn follow(s: &str) -> String {
    let first = s.split(' ').next().unwrap_or("");
    let article = matches!(first, "A" | "An" | "The");
    let mut rest = first.chars().skip(1);
    let hyphenated = first.contains('-') && rest.all(|c| !c.is_uppercase()) && lower_first(s) == s;
    let next_is_name = s
        .split(' ')
        .nth(1)
        .and_then(|w| w.chars().next())
        .is_some_and(char::is_uppercase);
    if article || (hyphenated && !next_is_name) {
        let mut chars = s.chars();
        chars
            .next()
            .into_iter()
            .flat_map(char::to_lowercase)
            .chain(chars)
            .collect()
    } else {
        lower_first(s)
    }
}

/// The acceptance criteria of a `done_when` condition: one statement per top-level conjunct.
pub fn of(q: &Questionnaire, done_when: &crate::condition::Condition) -> Vec<String> {
    let parts: Vec<&Expr> = match done_when.expr() {
        Expr::True => Vec::new(),
        Expr::And(es) => es.iter().collect(),
        e => vec![e],
    };
    let mut out: Vec<String> = Vec::new();
    for e in parts {
        let statement = capitalise(&phrase(q, e, true));
        if statement.is_empty() {
            continue;
        }
        let mut questions = Vec::new();
        collect(e, &mut questions);
        questions.dedup();
        let titles: Vec<String> = questions
            .iter()
            .filter_map(|i| q.questions.get(*i))
            .map(|x| format!("“{}”", x.title.trim()))
            .collect();
        // One question: the question, then the answer that settles it ("How are timeouts set?
        // From measured p99."), as answer labels often read only after their question. Several:
        // the statement, then the questions.
        let criterion = match (titles.len(), questions.first()) {
            (1, Some(i)) if !matches!(e, Expr::Compare(..)) => {
                let title = q.questions[*i].title.trim();
                let sep = if title.ends_with(['?', '.', ':']) {
                    " "
                } else {
                    ": "
                };
                format!("{title}{sep}{statement}.")
            }
            // A number names its question already.
            (0 | 1, _) => format!("{statement}."),
            _ => format!("{statement} (review questions {}).", titles.join(", ")),
        };
        if !out.contains(&criterion) {
            out.push(criterion);
        }
    }
    out
}

/// The question indexes an expression reads, in the order it reads them.
fn collect(e: &Expr, out: &mut Vec<usize>) {
    let mut push = |i: usize| {
        if !out.contains(&i) {
            out.push(i);
        }
    };
    match e {
        Expr::True => {}
        Expr::Choice { question, .. } => push(*question),
        Expr::Compare(l, _, r) => {
            for o in [l, r] {
                if let Operand::Question(i) = o {
                    push(*i);
                }
            }
        }
        Expr::Not(inner) => collect(inner, out),
        Expr::And(es) | Expr::Or(es) => es.iter().for_each(|x| collect(x, out)),
    }
}

/// A choice's label, as written in the questionnaire.
fn label(q: &Questionnaire, question: usize, choice: usize) -> String {
    q.questions
        .get(question)
        .and_then(|x| x.choices.get(choice))
        .map(|c| c.title.trim().to_owned())
        .unwrap_or_default()
}

/// One side of a comparison, in words.
fn operand(q: &Questionnaire, o: &Operand) -> String {
    match o {
        Operand::Const(v) => grouped(*v),
        Operand::Question(i) => q
            .questions
            .get(*i)
            .map(|x| format!("the answer to “{}”", x.title.trim()))
            .unwrap_or_default(),
        Operand::Calc(c) => lower_first(c.title()),
    }
}

fn op_words(op: CmpOp) -> &'static str {
    match op {
        CmpOp::Lt => "is below",
        CmpOp::Le => "is at most",
        CmpOp::Gt => "is above",
        CmpOp::Ge => "is at least",
        CmpOp::Eq => "is",
        CmpOp::Ne => "is not",
    }
}

/// An expression as a phrase. `first` is true when it starts the statement (its first letter
/// is kept as written, then capitalised); later alternatives follow other words.
fn phrase(q: &Questionnaire, e: &Expr, first: bool) -> String {
    let follow = |s: String| if first { s } else { follow(&s) };
    match e {
        Expr::True => String::new(),
        Expr::Choice { question, choice } => follow(label(q, *question, *choice)),
        Expr::Compare(l, op, r) => {
            format!("{} {} {}", operand(q, l), op_words(*op), operand(q, r))
        }
        Expr::Not(inner) => match inner.as_ref() {
            Expr::Choice { question, choice } => {
                format!("no longer “{}”", label(q, *question, *choice))
            }
            Expr::Or(es) => {
                let alternatives: Vec<String> = es.iter().map(|x| quoted(q, x)).collect();
                format!("neither {}", alternatives.join(" nor "))
            }
            other => format!("not ({})", phrase(q, other, false)),
        },
        Expr::And(es) => es
            .iter()
            .enumerate()
            .map(|(n, x)| phrase(q, x, first && n == 0))
            .collect::<Vec<_>>()
            .join(" and "),
        Expr::Or(es) => es
            .iter()
            .enumerate()
            .map(|(n, x)| {
                let p = phrase(q, x, first && n == 0);
                // A conjunction among alternatives is grouped, so "A, or B and C" is not misread.
                if matches!(x, Expr::And(_)) && es.len() > 1 {
                    format!("({p})")
                } else {
                    p
                }
            })
            .collect::<Vec<_>>()
            .join(", or "),
    }
}

/// A choice quoted, or any other expression as a phrase, for "neither … nor …".
fn quoted(q: &Questionnaire, e: &Expr) -> String {
    match e {
        Expr::Choice { question, choice } => format!("“{}”", label(q, *question, *choice)),
        other => phrase(q, other, false),
    }
}

/// The first letter upper-cased (a statement starts a line), the rest as written.
fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Names<'a>(&'a Questionnaire);

    impl crate::condition::Lookup for Names<'_> {
        fn question(&self, id: &str) -> Option<(usize, crate::model::QuestionKind)> {
            let i = self.0.questions.iter().position(|x| x.id.as_str() == id)?;
            Some((i, self.0.questions[i].kind))
        }

        fn choice(&self, question: usize, id: &str) -> Option<usize> {
            self.0.questions.get(question)?.choice_index(id)
        }
    }

    fn criteria(source: &str) -> Vec<String> {
        let q = crate::builtin::builtin();
        let c = crate::condition::Condition::compile(source, &Names(q), None).expect(source);
        of(q, &c)
    }

    #[test]
    fn each_conjunct_is_one_criterion_in_labels_and_titles() {
        let c = criteria("alarms.errors && alarms.throttles");
        assert_eq!(c.len(), 2, "{c:#?}");
        for x in &c {
            assert!(!x.contains("alarms."), "{x}");
            assert!(
                x.starts_with("Which alarms are in place, and who receives them? "),
                "{x}"
            );
            assert!(x.ends_with('.'), "{x}");
        }
        assert_ne!(c[0], c[1]);
    }

    #[test]
    fn alternatives_stay_together_and_negations_read_as_no_longer() {
        let c = criteria("idempotency.keys_enforced || idempotency.natural_idempotent");
        assert_eq!(c.len(), 1);
        assert!(
            c[0].starts_with("How do handlers avoid repeating side effects when an event arrives twice? Idempotency keys recorded in a durable store before side effects, or operations are naturally idempotent"),
            "{}",
            c[0]
        );
        let c = criteria("!edge_auth.open_routes && input_validation.edge_and_function");
        assert_eq!(c.len(), 2);
        assert!(
            c[0].ends_with("? No longer “Some routes accept calls with no authentication”."),
            "{}",
            c[0]
        );
        let c = criteria("backups.pitr || !(data_store.dynamodb || data_store.relational)");
        assert!(c[0].contains(", or neither “"), "{}", c[0]);
        assert!(c[0].contains("(review questions “"), "{}", c[0]);
    }

    #[test]
    fn numbers_read_as_bounds() {
        let c = criteria("reserved_concurrency > 0");
        assert_eq!(c.len(), 1);
        assert!(c[0].starts_with("The answer to “"), "{}", c[0]);
        assert!(c[0].ends_with("?” is above 0."), "{}", c[0]);
        let c = criteria("failure_paths.dlq_everywhere || failure_paths.on_failure_destinations");
        assert!(c[0].contains(", or on-failure destinations"), "{}", c[0]);
        let c = criteria("edge_auth.jwt_or_iam || edge_auth.lambda_authorizer");
        assert!(c[0].contains(", or a Lambda authorizer"), "{}", c[0]);
    }

    #[test]
    fn every_builtin_item_has_criteria_in_words() {
        let q = crate::builtin::builtin();
        for item in &q.checklist {
            let c = of(q, &item.done_when);
            assert!(!c.is_empty(), "{}", item.id);
            for x in &c {
                assert!(!x.contains('_') && !x.contains("()"), "{}: {x}", item.id);
                assert_ne!(x.trim_end_matches('.'), item.title.as_ref(), "{}", item.id);
            }
        }
    }
}
