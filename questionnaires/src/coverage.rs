//! Which risks could reach a reader with an empty "How to improve".
//!
//! A raised risk lists the improvement of the rule that fired, then the improvements of the
//! question's choices that were not selected ([`crate::evaluate`]). A rule without its own
//! improvement therefore leaves the list empty whenever it fires on a selection that leaves no
//! choice with an improvement unselected; on a number or text question, whenever it fires at all.
//!
//! [`gaps`] finds every such rule statically, without answers. For a choice question it tries
//! every valid selection of the question's own choices (one choice for `single`; a non-empty set
//! of regular choices, or "None of these" alone, for `multi`), with everything else the rules
//! read (other questions, numbers, `calc.` figures) left unknown. Under three-valued logic that
//! over-approximates "can fire": a rule counts as able to fire on a selection unless it is false
//! there, or an earlier rule is already true there, whatever the other answers are. So a reported
//! gap may in rare cases be unreachable through the other answers, but a rule that can leave the
//! list empty is never missed.

use crate::condition::{Calc, Env, Tri};
use crate::model::{ChoiceId, Question, QuestionId, QuestionKind, Questionnaire, Risk};

/// Above this many choices a multi question's selections are not enumerated: every rule of it
/// without its own improvement is reported instead.
const ENUMERATE_MAX: usize = 16;

/// A risk rule that can fire with nothing under "How to improve".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gap {
    /// The question.
    pub question: QuestionId,
    /// The rule's position among the question's rules, from 0.
    pub rule: usize,
    /// The risk it raises.
    pub risk: Risk,
    /// Its condition.
    pub when: String,
    /// A selection of the question's own choices on which it can fire with nothing to show
    /// (empty for number and text questions).
    pub selection: Vec<ChoiceId>,
}

impl std::fmt::Display for Gap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "question `{}` rule {} ({}, `{}`)",
            self.question,
            self.rule,
            self.risk.as_str(),
            self.when
        )?;
        if !self.selection.is_empty() {
            let ids: Vec<&str> = self.selection.iter().map(ChoiceId::as_str).collect();
            write!(f, " can fire on [{}]", ids.join(", "))?;
        }
        write!(
            f,
            " with no improvement to show: give the rule an `improvement`"
        )
    }
}

/// One question answered with a given selection; everything else unknown.
struct Only {
    question: usize,
    selected: u64,
}

impl Env for Only {
    fn choice(&self, question: usize, choice: usize) -> Tri {
        if question != self.question {
            Tri::Unknown
        } else if self.selected & (1 << choice) != 0 {
            Tri::True
        } else {
            Tri::False
        }
    }

    fn number(&self, _question: usize) -> Option<f64> {
        None
    }

    fn calc(&self, _calc: Calc) -> Option<f64> {
        None
    }
}

/// Every valid selection of a choice question, as bit sets; `None` when there are too many.
fn selections(question: &Question) -> Option<Vec<u64>> {
    let n = question.choices.len();
    match question.kind {
        QuestionKind::Single => Some((0..n).map(|i| 1u64 << i).collect()),
        QuestionKind::Multi if n <= ENUMERATE_MAX => {
            let none: u64 = question
                .choices
                .iter()
                .enumerate()
                .filter(|(_, c)| c.none_of_these)
                .map(|(i, _)| 1u64 << i)
                .sum();
            let regular = ((1u64 << n) - 1) & !none;
            let mut out: Vec<u64> = (1..(1u64 << n)).filter(|s| s & !regular == 0).collect();
            out.extend((0..n).map(|i| 1u64 << i).filter(|b| b & none != 0));
            Some(out)
        }
        _ => None,
    }
}

/// Every non-`none` rule that can fire with an empty "How to improve".
pub fn gaps(q: &Questionnaire) -> Vec<Gap> {
    let mut out = Vec::new();
    for (qi, question) in q.questions.iter().enumerate() {
        let gap = |k: usize, selected: u64| {
            let rule = &question.risk_rules[k];
            Gap {
                question: question.id.clone(),
                rule: k,
                risk: rule.risk,
                when: rule.when.source().to_owned(),
                selection: question
                    .choices
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| selected & (1 << i) != 0)
                    .map(|(_, c)| c.id.clone())
                    .collect(),
            }
        };
        let open: Vec<usize> = question
            .risk_rules
            .iter()
            .enumerate()
            .filter(|(_, r)| r.risk != Risk::None && r.improvement.is_none())
            .map(|(k, _)| k)
            .collect();
        if open.is_empty() {
            continue;
        }
        let Some(selections) = selections(question) else {
            // Number and text questions (and very wide multi questions): nothing else to show.
            let env = Only {
                question: qi,
                selected: 0,
            };
            for k in open {
                if fires(question, k, &env) {
                    out.push(gap(k, 0));
                }
            }
            continue;
        };
        let with_improvement: u64 = question
            .choices
            .iter()
            .enumerate()
            .filter(|(_, c)| c.improvement.is_some())
            .map(|(i, _)| 1u64 << i)
            .sum();
        for k in open {
            let empty = selections.iter().copied().find(|&selected| {
                // Nothing to show: every choice with an improvement is selected.
                with_improvement & !selected == 0
                    && fires(
                        question,
                        k,
                        &Only {
                            question: qi,
                            selected,
                        },
                    )
            });
            if let Some(selected) = empty {
                out.push(gap(k, selected));
            }
        }
    }
    out
}

/// Whether rule `k` can fire: it is not false, and no earlier rule is surely true.
fn fires(question: &Question, k: usize, env: &dyn Env) -> bool {
    question.risk_rules[k].when.eval(env) != Tri::False
        && question.risk_rules[..k]
            .iter()
            .all(|r| r.when.eval(env) != Tri::True)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn area(questions: &str) -> crate::Questionnaire {
        let manifest = "id = \"t\"\nversion = \"1\"\ntitle = \"T\"\nareas = [\"areas/a.toml\"]\n";
        let area = format!("id = \"a\"\ntitle = \"A\"\n{questions}");
        crate::load(&[("questionnaire.toml", manifest), ("areas/a.toml", &area)]).unwrap()
    }

    const SINGLE: &str = r#"
[[questions]]
id = "q"
title = "Q?"
kind = "single"
[[questions.choices]]
id = "good"
title = "Good"
improvement = "Do the good thing."
[[questions.choices]]
id = "bad"
title = "Bad"
[[questions.choices]]
id = "worse"
title = "Worse"
"#;

    #[test]
    fn a_rule_on_a_selection_that_leaves_the_good_choice_unselected_is_covered() {
        let q = area(&format!(
            "{SINGLE}[[questions.risk_rules]]\nwhen = \"bad || worse\"\nrisk = \"high\"\nreason = \"r\"\n\
             [[questions.risk_rules]]\nwhen = \"default\"\nrisk = \"none\"\nreason = \"r\"\n"
        ));
        assert_eq!(gaps(&q), []);
    }

    #[test]
    fn a_default_that_raises_a_risk_on_the_good_choice_is_a_gap() {
        // `good` is selected when the default fires, so nothing would be left to show.
        let q = area(&format!(
            "{SINGLE}[[questions.risk_rules]]\nwhen = \"bad\"\nrisk = \"high\"\nreason = \"r\"\n\
             [[questions.risk_rules]]\nwhen = \"default\"\nrisk = \"medium\"\nreason = \"r\"\n"
        ));
        let g = gaps(&q);
        assert_eq!(g.len(), 1, "{g:?}");
        assert_eq!(g[0].rule, 1);
        assert_eq!(g[0].selection[0].as_str(), "good");
        // Its own improvement closes the gap.
        let q = area(&format!(
            "{SINGLE}[[questions.risk_rules]]\nwhen = \"bad\"\nrisk = \"high\"\nreason = \"r\"\n\
             [[questions.risk_rules]]\nwhen = \"default\"\nrisk = \"medium\"\nreason = \"r\"\n\
             improvement = \"Fix it.\"\n"
        ));
        assert_eq!(gaps(&q), []);
    }

    #[test]
    fn number_rules_need_their_own_improvement_and_other_answers_count_as_unknown() {
        let q = area(
            r#"
[[questions]]
id = "n"
title = "N?"
kind = "number"
unit = "x"
min = 0
max = 10
[[questions.risk_rules]]
when = "n > 5"
risk = "high"
reason = "r"
[[questions.risk_rules]]
when = "n > 2"
risk = "medium"
reason = "r"
improvement = "Lower it."
[[questions.risk_rules]]
when = "default"
risk = "none"
reason = "r"
"#,
        );
        let g = gaps(&q);
        assert_eq!(g.len(), 1, "{g:?}");
        assert_eq!((g[0].rule, g[0].risk), (0, Risk::High));
        assert!(g[0].to_string().contains("n > 5"));
    }

    #[test]
    fn multi_selections_include_every_good_choice_and_none_of_these_alone() {
        let q = area(
            r#"
[[questions]]
id = "m"
title = "M?"
kind = "multi"
[[questions.choices]]
id = "a"
title = "A"
improvement = "Do A."
[[questions.choices]]
id = "b"
title = "B"
[[questions.choices]]
id = "none"
title = "None"
none_of_these = true
[[questions.risk_rules]]
when = "none"
risk = "high"
reason = "r"
[[questions.risk_rules]]
when = "b"
risk = "medium"
reason = "r"
[[questions.risk_rules]]
when = "default"
risk = "none"
reason = "r"
"#,
        );
        // `none` leaves `a` unselected; `b` fires on [a, b], where nothing is left.
        let g = gaps(&q);
        assert_eq!(g.len(), 1, "{g:?}");
        assert_eq!(g[0].rule, 1);
        let sel: Vec<&str> = g[0].selection.iter().map(ChoiceId::as_str).collect();
        assert_eq!(sel, ["a", "b"]);
    }
}
