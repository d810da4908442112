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
//!
//! The budget is counted in terms: every condition node visited, whether collecting the choices
//! the rules name or evaluating a rule for one selection, plus one for each selection tried.
//! Before each step the analysis makes sure the budget covers the most that step can visit, so
//! the terms spent never exceed the budget, whatever the size or shape of the rules: the work
//! of the whole analysis is bounded by the budget, not by the number of evaluations times the
//! size of a rule.

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

    /// The number of nodes: the most terms one evaluation visits.
    pub fn size(&self) -> u64 {
        match self {
            B::True | B::Var(_) => 1,
            B::Not(inner) => 1 + inner.size(),
            B::And(es) | B::Or(es) => 1 + es.iter().map(B::size).sum::<u64>(),
        }
    }

    /// Marks the choices it names in `named`.
    fn vars(&self, named: &mut [bool]) {
        match self {
            B::True => {}
            B::Var(v) => {
                if let Some(n) = named.get_mut(*v) {
                    *n = true;
                }
            }
            B::Not(inner) => inner.vars(named),
            B::And(es) | B::Or(es) => es.iter().for_each(|e| e.vars(named)),
        }
    }

    /// Evaluates with `bit[choice]` giving the position of each choice in `mask`, adding the
    /// nodes it visits to `terms`.
    fn eval(&self, bit: &[u32], mask: u32, terms: &mut u64) -> bool {
        *terms += 1;
        match self {
            B::True => true,
            B::Var(v) => bit.get(*v).is_some_and(|b| mask & (1 << b) != 0),
            B::Not(inner) => !inner.eval(bit, mask, terms),
            B::And(es) => es.iter().all(|e| e.operand(bit, mask, terms)),
            B::Or(es) => es.iter().any(|e| e.operand(bit, mask, terms)),
        }
    }

    /// [`B::eval`] of an operand, without a call for a choice: most operands are one.
    #[inline(always)]
    fn operand(&self, bit: &[u32], mask: u32, terms: &mut u64) -> bool {
        match self {
            B::Var(v) => {
                *terms += 1;
                bit.get(*v).is_some_and(|b| mask & (1 << b) != 0)
            }
            _ => self.eval(bit, mask, terms),
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

/// Why a rule was not checked once the budget is spent.
const SPENT: &str = "the lens has too many combinations of choices to try them all (the linter \
                     stops after a fixed amount of work per lens)";

/// Analyses every rule of a question with `nones[i]` telling whether choice `i` is "None of
/// these". `budget` is the number of terms (condition nodes visited, see the module) left for
/// the whole lens; what the analysis visits is taken from it, and never more than it holds.
pub(crate) fn analyse(nones: &[bool], rules: &[Rule], budget: &mut u64) -> Vec<Outcome> {
    let choices = nones.len();
    let mut out = Vec::with_capacity(rules.len());
    let mut default_at = None;
    let mut malformed = false;
    // The rules so far, the choices they name and their nodes, kept as the rules go so that
    // rule `k` costs its own nodes to set up, not those of every rule before it.
    let mut conds: Vec<&B> = Vec::new();
    let mut named = vec![false; choices];
    let mut nodes = 0u64;
    let mut spent = false;
    for (k, rule) in rules.iter().enumerate() {
        if let Some(d) = default_at {
            out.push(Outcome::AfterDefault(d));
            continue;
        }
        if rule.default {
            default_at = Some(k);
        }
        let Some(cond) = &rule.cond else {
            malformed = true;
            out.push(Outcome::Skipped);
            continue;
        };
        if malformed || choices == 0 {
            out.push(Outcome::Skipped);
            continue;
        }
        if spent {
            out.push(Outcome::Unchecked(SPENT.to_owned()));
            continue;
        }
        // Setting up visits the rule's nodes once and every choice once.
        let size = cond.size();
        let setup = size.saturating_add(choices as u64);
        if setup > *budget {
            // Every later rule needs this one set up too: none of them can be checked.
            spent = true;
            out.push(Outcome::Unchecked(SPENT.to_owned()));
            continue;
        }
        *budget -= setup;
        cond.vars(&mut named);
        conds.push(cond);
        nodes = nodes.saturating_add(size);
        out.push(one(nones, &named, &conds, nodes, budget));
    }
    out
}

/// Whether the last of `conds` (`nodes` nodes together, naming the choices marked in `named`)
/// can fire.
fn one(nones: &[bool], named: &[bool], conds: &[&B], nodes: u64, budget: &mut u64) -> Outcome {
    let Some((target, earlier)) = conds.split_last() else {
        return Outcome::Skipped;
    };
    let vars: Vec<usize> = (0..named.len()).filter(|&v| named[v]).collect();
    if vars.len() > spec::ENUMERATE_MAX {
        return Outcome::Unchecked(format!(
            "the rules up to it name {} choices; the linter tries every selection only up to {}",
            vars.len(),
            spec::ENUMERATE_MAX
        ));
    }
    let combinations = 1u64 << vars.len();
    // The most one selection can cost: the validity check, and every node of every rule.
    let per_selection = nodes.saturating_add(1);

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
    // The earlier rules that were the first true one for a selection making the last one true,
    // one bit each.
    let mut first = vec![0u64; earlier.len().div_ceil(64)];
    let mut terms = 0u64;
    let mut outcome = None;
    for mask in 0..combinations {
        if terms.saturating_add(per_selection) > *budget {
            outcome = Some(Outcome::Unchecked(SPENT.to_owned()));
            break;
        }
        terms += 1;
        let mask = mask as u32;
        let valid = if mask & none_mask != 0 {
            mask.count_ones() == 1
        } else {
            mask != 0 || empty_valid
        };
        if !valid || !target.eval(&bit, mask, &mut terms) {
            continue;
        }
        ever_true = true;
        match earlier.iter().position(|c| c.eval(&bit, mask, &mut terms)) {
            None => {
                outcome = Some(Outcome::Reachable);
                break;
            }
            Some(j) => {
                if let Some(word) = first.get_mut(j / 64) {
                    *word |= 1 << (j % 64);
                }
            }
        }
    }
    *budget -= terms;
    match outcome {
        Some(outcome) => outcome,
        None if ever_true => Outcome::Covered(
            (0..earlier.len())
                .filter(|j| first.get(j / 64).is_some_and(|w| w & (1 << (j % 64)) != 0))
                .collect(),
        ),
        None => Outcome::NeverTrue,
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

    /// Three rules over six choices, one of them "None of these": some reachable, some covered,
    /// one never true, with long `||`s so the terms of one selection vary.
    fn mixed() -> (Vec<bool>, Vec<Rule>) {
        let nones = vec![false, false, false, false, false, true];
        let long_or = |n: usize| B::Or((0..n).map(|_| B::Var(4)).chain([B::Var(0)]).collect());
        let rules = vec![
            rule(B::And(vec![long_or(7), B::Var(1)])),
            rule(B::And(vec![B::Var(5), B::Var(2)])),
            rule(B::And(vec![long_or(3), B::Var(1), B::Var(3)])),
            rule(B::Or(vec![B::Var(0), not(B::Var(3))])),
            default(),
        ];
        (nones, rules)
    }

    #[test]
    fn the_budget_counts_terms_and_is_never_overspent() {
        let (nones, rules) = mixed();
        let mut unlimited = u64::MAX;
        let full = analyse(&nones, &rules, &mut unlimited);
        let cost = u64::MAX - unlimited;
        assert_eq!(
            full,
            [
                Outcome::Reachable,
                Outcome::NeverTrue,
                Outcome::Covered(vec![0]),
                Outcome::Reachable,
                Outcome::Reachable,
            ]
        );
        // With any smaller budget: never more spent than given, and each rule either gets the
        // same answer or is reported as not checked; never a different claim.
        for budget in 0..=cost {
            let mut left = budget;
            let got = analyse(&nones, &rules, &mut left);
            assert!(left <= budget);
            for (g, f) in got.iter().zip(&full) {
                assert!(
                    g == f || matches!(g, Outcome::Unchecked(_)),
                    "{budget}: {g:?}"
                );
            }
            if budget < cost {
                assert!(got.iter().any(|g| matches!(g, Outcome::Unchecked(_))));
            }
        }
        // A selection is only tried when the budget covers the most it can visit: with that
        // much to spare, everything is checked.
        let most: u64 = 1 + rules
            .iter()
            .filter_map(|r| r.cond.as_ref())
            .map(B::size)
            .sum::<u64>();
        let mut left = cost + most;
        assert_eq!(analyse(&nones, &rules, &mut left), full);
    }

    #[test]
    fn a_long_rule_costs_its_length_for_every_selection() {
        // `(c14 || c14 || … || c0 || … || c13) && c0 && !c0` over 15 choices: never true, so
        // all 32,768 selections are tried, half of them walking the whole `||`.
        let long = |n: usize| {
            B::And(vec![
                B::Or(
                    (0..n)
                        .map(|_| B::Var(14))
                        .chain((0..14).map(B::Var))
                        .collect(),
                ),
                B::Var(0),
                not(B::Var(0)),
            ])
        };
        let nones = vec![false; 15];
        let spend = |n: usize| {
            let mut left = u64::MAX;
            let got = analyse(&nones, &[rule(long(n))], &mut left);
            assert_eq!(got, [Outcome::NeverTrue]);
            u64::MAX - left
        };
        let (short, long_cost) = (spend(1), spend(100));
        assert!(long_cost > short * 5, "{short} {long_cost}");
        assert!(long_cost > (1 << 15) * 50, "{long_cost}");
        // Too little for it: not checked, and nothing overspent.
        let mut left = long_cost - 1;
        let got = analyse(&nones, &[rule(long(100))], &mut left);
        assert!(matches!(got[0], Outcome::Unchecked(_)));
    }
}
