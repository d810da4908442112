//! Which risk rules can ever fire.
//!
//! Rules are checked in order and the first true one sets the risk, so rule `k` fires for some
//! answer exactly when a valid selection of choices makes it true and every earlier rule false.
//! Rules `0..=k` only read the choices they name, so it is enough to try every true/false
//! assignment of those choices that some valid selection produces: exact, not sampled. A valid
//! selection is a non-empty set of regular choices, or one "None of these" choice alone.
//!
//! When the rules up to `k` name more than [`spec::ENUMERATE_MAX`] choices, or the linter's
//! budget is spent, rule `k` is reported as not checked: never claimed unreachable without proof.

use crate::condition::Expr;

use super::spec;

/// A condition over the choices of one question, by index.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum B {
    True,
    Var(usize),
    Not(Box<B>),
    And(Vec<B>),
    Or(Vec<B>),
}

impl B {
    /// From a resolved condition over the choices of one question; `None` when it reads
    /// anything else.
    pub fn from_expr(e: &Expr) -> Option<B> {
        Some(match e {
            Expr::True => B::True,
            Expr::Choice { choice, .. } => B::Var(*choice),
            Expr::Compare(..) => return None,
            Expr::Not(inner) => B::Not(Box::new(B::from_expr(inner)?)),
            Expr::And(es) => B::And(es.iter().map(B::from_expr).collect::<Option<_>>()?),
            Expr::Or(es) => B::Or(es.iter().map(B::from_expr).collect::<Option<_>>()?),
        })
    }

    fn vars(&self, out: &mut Vec<usize>) {
        match self {
            B::True => {}
            B::Var(v) => out.push(*v),
            B::Not(inner) => inner.vars(out),
            B::And(es) | B::Or(es) => es.iter().for_each(|e| e.vars(out)),
        }
    }

    /// Evaluates with `bit[choice]` giving the position of each choice in `mask`.
    fn eval(&self, bit: &[u32], mask: u32) -> bool {
        match self {
            B::True => true,
            B::Var(v) => bit.get(*v).is_some_and(|b| mask & (1 << b) != 0),
            B::Not(inner) => !inner.eval(bit, mask),
            B::And(es) => es.iter().all(|e| e.eval(bit, mask)),
            B::Or(es) => es.iter().any(|e| e.eval(bit, mask)),
        }
    }
}

/// One rule as the analysis sees it.
pub(crate) struct Rule {
    /// The condition; `None` when it is malformed (reported elsewhere).
    pub cond: Option<B>,
    /// Whether it is `default`.
    pub default: bool,
}

/// What the analysis proved about one rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Some answer makes it the first true rule.
    Reachable,
    /// No valid answer makes its condition true.
    NeverTrue,
    /// Its condition holds for some answers, but each of them makes one of these earlier rules
    /// (indexes) true first.
    Covered(Vec<usize>),
    /// It comes after the `default` rule at this index.
    AfterDefault(usize),
    /// Not checked, and why.
    Unchecked(String),
    /// It, or a rule before it, is malformed: nothing to say.
    Skipped,
}

/// Analyses every rule of a question with `nones[i]` telling whether choice `i` is "None of
/// these". `budget` is the number of rule evaluations left for the whole lens.
pub(crate) fn analyse(nones: &[bool], rules: &[Rule], budget: &mut u64) -> Vec<Outcome> {
    let choices = nones.len();
    let mut out = Vec::with_capacity(rules.len());
    let mut default_at = None;
    let mut malformed = false;
    for (k, rule) in rules.iter().enumerate() {
        if let Some(d) = default_at {
            out.push(Outcome::AfterDefault(d));
            continue;
        }
        if rule.default {
            default_at = Some(k);
        }
        if rule.cond.is_none() {
            malformed = true;
        }
        if malformed || choices == 0 {
            out.push(Outcome::Skipped);
            continue;
        }
        out.push(one(nones, &rules[..=k], budget));
    }
    out
}

/// Whether the last of `rules` can fire.
fn one(nones: &[bool], rules: &[Rule], budget: &mut u64) -> Outcome {
    let conds: Vec<&B> = rules.iter().filter_map(|r| r.cond.as_ref()).collect();
    let Some((target, earlier)) = conds.split_last() else {
        return Outcome::Skipped;
    };
    let mut vars = Vec::new();
    for c in &conds {
        c.vars(&mut vars);
    }
    vars.sort_unstable();
    vars.dedup();
    if vars.len() > spec::ENUMERATE_MAX {
        return Outcome::Unchecked(format!(
            "the rules up to it name {} choices; the linter tries every selection only up to {}",
            vars.len(),
            spec::ENUMERATE_MAX
        ));
    }
    let combinations = 1u64 << vars.len();
    let cost = combinations.saturating_mul(conds.len() as u64);
    if cost > *budget {
        return Outcome::Unchecked(
            "the lens has too many combinations of choices to try them all".to_owned(),
        );
    }
    *budget -= cost;

    let mut bit = vec![u32::MAX; nones.len()];
    let mut none_mask = 0u32;
    for (i, &v) in vars.iter().enumerate() {
        if let Some(b) = bit.get_mut(v) {
            *b = i as u32;
        }
        if nones.get(v).copied().unwrap_or(false) {
            none_mask |= 1 << i;
        }
    }
    // With nothing named selected, some selection must still exist: any choice not named.
    let empty_valid = vars.len() < nones.len();
    let mut ever_true = false;
    let mut first: Vec<usize> = Vec::new();
    for mask in 0..combinations {
        let mask = mask as u32;
        let valid = if mask & none_mask != 0 {
            mask.count_ones() == 1
        } else {
            mask != 0 || empty_valid
        };
        if !valid || !target.eval(&bit, mask) {
            continue;
        }
        ever_true = true;
        match earlier.iter().position(|c| c.eval(&bit, mask)) {
            None => return Outcome::Reachable,
            Some(j) => {
                if !first.contains(&j) {
                    first.push(j);
                }
            }
        }
    }
    if ever_true {
        first.sort_unstable();
        Outcome::Covered(first)
    } else {
        Outcome::NeverTrue
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(cond: B) -> Rule {
        Rule {
            cond: Some(cond),
            default: false,
        }
    }

    fn default() -> Rule {
        Rule {
            cond: Some(B::True),
            default: true,
        }
    }

    fn not(b: B) -> B {
        B::Not(Box::new(b))
    }

    #[test]
    fn all_or_any_missing_leaves_the_default_unreachable() {
        // NO_RISK if a and b, HIGH_RISK if either is missing, default MEDIUM_RISK.
        let rules = [
            rule(B::And(vec![B::Var(0), B::Var(1)])),
            rule(B::Or(vec![not(B::Var(0)), not(B::Var(1))])),
            default(),
        ];
        let mut budget = 1 << 20;
        let got = analyse(&[false, false], &rules, &mut budget);
        assert_eq!(
            got,
            [
                Outcome::Reachable,
                Outcome::Reachable,
                Outcome::Covered(vec![0, 1])
            ]
        );
    }

    #[test]
    fn none_of_these_excludes_the_others() {
        // `a && n` can never hold when `n` is "None of these".
        let rules = [rule(B::And(vec![B::Var(0), B::Var(1)])), default()];
        let mut budget = 1 << 20;
        let got = analyse(&[false, true], &rules, &mut budget);
        assert_eq!(got[0], Outcome::NeverTrue);
        let got = analyse(&[false, false], &rules, &mut budget);
        assert_eq!(got[0], Outcome::Reachable);
    }

    #[test]
    fn nothing_selected_needs_an_unnamed_choice() {
        // `!a` with a single choice `a`: the only valid answer selects it.
        let rules = [rule(not(B::Var(0))), default()];
        let mut budget = 1 << 20;
        assert_eq!(
            analyse(&[false], &rules, &mut budget)[0],
            Outcome::NeverTrue
        );
        assert_eq!(
            analyse(&[false, false], &rules, &mut budget)[0],
            Outcome::Reachable
        );
    }

    #[test]
    fn rules_after_default_and_over_budget_are_reported_as_such() {
        let rules = [default(), rule(B::Var(0))];
        let mut budget = 1 << 20;
        assert_eq!(
            analyse(&[false, false], &rules, &mut budget)[1],
            Outcome::AfterDefault(0)
        );
        let mut none = 0;
        let got = analyse(&[false, false], &[rule(B::Var(0))], &mut none);
        assert!(matches!(got[0], Outcome::Unchecked(_)));
    }
}
