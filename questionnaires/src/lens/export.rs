//! Writing a questionnaire as a lens AWS would accept.
//!
//! Everything the format can carry is written; everything else is listed, one sentence each,
//! in [`Exported::omitted`]. Ids are made valid lens ids, a "None of these" choice gets the
//! `_no` suffix the format uses for it, texts over the limits are shortened at a word (titles at
//! the API's 512 characters, so an imported lens keeps its titles; the linter warns past the
//! specification's 128), and risk
//! rules become one rule per level with `default` last, with the same results: a rule that
//! reads other questions or numbers is the only thing dropped.

use std::collections::{BTreeMap, BTreeSet};

use sha2::{Digest, Sha256};

use crate::condition::Expr;
use crate::model::{
    ChecklistItem, Choice, Improvement, Link, Question, QuestionKind, Questionnaire, Risk, RiskRule,
};

use super::format::{self, Additional, Lens, Pillar, Resource};
use super::import::reason;
use super::lint::risk_name;
use super::{Exported, spec};

/// Exports any questionnaire, the built-in one included, as lens JSON AWS would accept
/// (`schemaVersion` 2021-11-01, the format's keys only), with what the format could not carry.
pub fn export(q: &Questionnaire) -> Exported {
    let (lens, omitted) = build(q);
    let json = serde_json::to_value(&lens).unwrap_or(serde_json::Value::Null);
    Exported { json, omitted }
}

/// SHA-256 (hex) of the lens a questionnaire exports to, in its canonical text: the content
/// hash of an imported lens, so importing an export gives the same hash.
pub(crate) fn canonical_hash(q: &Questionnaire) -> String {
    let (lens, _) = build(q);
    let text = serde_json::to_string(&lens).unwrap_or_default();
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Shortens `s` to at most `max` characters, cutting at a word and ending with "…". Whether
/// it was shortened.
pub(crate) fn shorten(s: &str, max: usize) -> (String, bool) {
    if s.chars().count() <= max {
        return (s.to_owned(), false);
    }
    let keep: String = s.chars().take(max.saturating_sub(1)).collect();
    let cut = match keep.rfind(char::is_whitespace) {
        Some(i) if keep[..i].chars().count() * 2 >= max => &keep[..i],
        _ => keep.as_str(),
    };
    (format!("{}…", cut.trim_end()), true)
}

/// What kind of object an id names, for its suffixes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum IdKind {
    Pillar,
    Question,
    Choice { none: bool },
}

/// A valid lens id for `id`, unique in `taken`: other characters become `_`, a short id gets a
/// word after it, a "None of these" choice ends in `_no` and no other choice does.
fn lens_id(id: &str, kind: IdKind, taken: &mut BTreeSet<String>) -> String {
    let mut stem: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let suffix = match kind {
        IdKind::Choice { none: true } => {
            if let Some(s) = stem.strip_suffix(spec::NONE_SUFFIX) {
                stem = s.to_owned();
            }
            spec::NONE_SUFFIX
        }
        IdKind::Choice { none: false } if stem.ends_with(spec::NONE_SUFFIX) => "_choice",
        _ => "",
    };
    if stem.len() + suffix.len() < spec::ID_MIN {
        stem.push_str(match kind {
            IdKind::Pillar => "_pillar",
            IdKind::Question => "_question",
            IdKind::Choice { .. } => "_choice",
        });
    }
    let fit = |stem: &str, tail: &str| -> String {
        let room = spec::ID_MAX - suffix.len() - tail.len();
        let s: String = stem.chars().take(room).collect();
        format!("{s}{tail}{suffix}")
    };
    let mut candidate = fit(&stem, "");
    let mut n = 2;
    while taken.contains(&candidate) {
        candidate = fit(&stem, &format!("_{n}"));
        n += 1;
    }
    taken.insert(candidate.clone());
    candidate
}

/// Renders a condition over one question's choices in the lens grammar, with negations pushed
/// down to the choices (`!(a && b)` becomes `!a || !b`). `None` when it reads anything else.
fn render(e: &Expr, negated: bool, name: &dyn Fn(usize) -> Option<String>) -> Option<String> {
    /// Operator precedence: `||` 0, `&&` 1, a choice 2.
    fn go(e: &Expr, negated: bool, name: &dyn Fn(usize) -> Option<String>) -> Option<(String, u8)> {
        match e {
            Expr::True | Expr::Compare(..) => None,
            Expr::Choice { choice, .. } => {
                let id = name(*choice)?;
                Some((if negated { format!("!{id}") } else { id }, 2))
            }
            Expr::Not(inner) => go(inner, !negated, name),
            Expr::And(es) | Expr::Or(es) => {
                let and = matches!(e, Expr::And(_)) != negated;
                let (op, prec) = if and { (" && ", 1) } else { (" || ", 0) };
                // Any group inside another operator gets parentheses: the format does not say
                // whether `&&` binds tighter than `||`.
                let parts = es
                    .iter()
                    .map(|c| {
                        let (s, p) = go(c, negated, name)?;
                        Some(if p != prec && p < 2 {
                            format!("({s})")
                        } else {
                            s
                        })
                    })
                    .collect::<Option<Vec<_>>>()?;
                Some((parts.join(op), prec))
            }
        }
    }
    go(e, negated, name).map(|(s, _)| s)
}

/// The words of a risk level, in sentences.
fn level_words(r: Risk) -> &'static str {
    match r {
        Risk::High => "high risk",
        Risk::Medium => "medium risk",
        Risk::None => "no risk",
    }
}

/// A question's choices as exported: the lens id of each kept choice, by index.
struct ChoiceIds {
    ids: Vec<Option<String>>,
    renamed: bool,
}

impl ChoiceIds {
    fn name(&self, i: usize) -> Option<String> {
        self.ids.get(i).cloned().flatten()
    }
}

struct Writer<'q> {
    q: &'q Questionnaire,
    omitted: Vec<String>,
}

impl Writer<'_> {
    fn note(&mut self, s: String) {
        self.omitted.push(s);
    }

    fn text(&mut self, s: &str, max: usize, what: impl FnOnce() -> String) -> String {
        let (out, cut) = shorten(s, max);
        if cut {
            let what = what();
            self.note(format!(
                "{what} is shortened to {max} characters, the lens format's limit."
            ));
        }
        out
    }

    fn link(&mut self, l: &Link, what: impl FnOnce() -> String) -> Resource {
        Resource {
            display_text: self.text(&l.text, spec::DISPLAY_TEXT_MAX, what),
            url: l.url.as_deref().map(str::to_owned),
            url_capitalized: None,
        }
    }

    fn improvement(&mut self, i: &Improvement, what: impl FnOnce() -> String) -> Resource {
        Resource {
            display_text: self.text(&i.text, spec::DISPLAY_TEXT_MAX, what),
            url: i.url.as_deref().map(str::to_owned),
            url_capitalized: None,
        }
    }

    fn lens(&mut self) -> Lens {
        let q = self.q;
        let title = if q.title.trim().is_empty() {
            q.id.as_str()
        } else {
            q.title.as_str()
        };
        let name = self.text(title, spec::NAME_MAX, || "The title".to_owned());
        let description = self.text(&q.description, spec::DESCRIPTION_MAX, || {
            "The description".to_owned()
        });
        let mut pillar_ids = BTreeSet::new();
        let mut question_ids = BTreeSet::new();
        let mut pillars = Vec::new();
        let mut single = Vec::new();
        for area in &q.areas {
            let exportable: Vec<usize> = area
                .questions
                .iter()
                .copied()
                .filter(|&qi| {
                    let question = &q.questions[qi];
                    match question.kind {
                        QuestionKind::Single | QuestionKind::Multi => true,
                        QuestionKind::Number | QuestionKind::Text => {
                            let kind = if question.kind == QuestionKind::Number {
                                "a number"
                            } else {
                                "free text"
                            };
                            self.note(format!(
                                "Question `{}` (“{}”) is left out: it takes {kind}, and lens \
                                 questions only take choices.",
                                question.id, question.title
                            ));
                            false
                        }
                    }
                })
                .collect();
            if exportable.is_empty() {
                self.note(format!(
                    "Area `{}` (“{}”) is left out: none of its questions can be written as a \
                     lens question.",
                    area.id, area.title
                ));
                continue;
            }
            if pillars.len() == spec::PILLARS_MAX {
                self.note(format!(
                    "Area `{}` (“{}”) is left out: a lens has at most {} pillars.",
                    area.id,
                    area.title,
                    spec::PILLARS_MAX
                ));
                continue;
            }
            let id = lens_id(area.id.as_str(), IdKind::Pillar, &mut pillar_ids);
            if id != area.id.as_str() {
                self.note(format!(
                    "Area `{}` is exported as pillar `{id}`: lens ids are {} to {} letters, \
                     digits and `_`.",
                    area.id,
                    spec::ID_MIN,
                    spec::ID_MAX
                ));
            }
            let name = self.text(&area.title, spec::PILLAR_NAME_MAX, || {
                format!("The title of area `{}`", area.id)
            });
            let mut questions = Vec::new();
            for qi in exportable {
                let question = &q.questions[qi];
                if questions.len() == spec::QUESTIONS_MAX {
                    self.note(format!(
                        "Question `{}` is left out: a lens pillar has at most {} questions.",
                        question.id,
                        spec::QUESTIONS_MAX
                    ));
                    continue;
                }
                if question.kind == QuestionKind::Single {
                    single.push(question.id.to_string());
                }
                questions.push(self.question(qi, question, &mut question_ids));
            }
            pillars.push(Pillar {
                id,
                name,
                questions,
            });
        }
        if !single.is_empty() {
            let n = single.len();
            self.note(format!(
                "{n} question{} take{} exactly one answer in Trellis (`{}`); every lens question \
                 accepts several, so that restriction is left out.",
                if n == 1 { "" } else { "s" },
                if n == 1 { "s" } else { "" },
                single.join("`, `")
            ));
        }
        self.questionnaire_notes();
        Lens {
            schema_version: spec::SCHEMA_VERSION.to_owned(),
            name,
            description,
            pillars,
        }
    }

    fn questionnaire_notes(&mut self) {
        let q = self.q;
        if q.areas.iter().any(|a| !a.summary.trim().is_empty()) {
            self.note("Area summaries are left out: a lens pillar has only a name.".to_owned());
        }
        if q.areas.iter().any(|a| a.weight != 1.0) || q.questions.iter().any(|x| x.weight != 1.0) {
            self.note(
                "Area and question weights are left out: lenses do not weigh their questions, so \
                 scores from the lens may differ."
                    .to_owned(),
            );
        }
        if !q.patterns.is_empty() {
            self.note(format!(
                "The pattern catalog ({} patterns) and its recommendations are left out: the \
                 lens format has no place for them.",
                q.patterns.len()
            ));
        }
        let own = q.checklist.iter().filter(|i| !derived(q, i)).count();
        if own > 0 {
            self.note(format!(
                "{own} checklist item{} left out: a lens carries improvements only as the \
                 improvement plans of its choices.",
                if own == 1 { " is" } else { "s are" }
            ));
        }
        let f = &q.figures;
        if !f.limits.is_empty()
            || !f.prices.is_empty()
            || !f.assumptions.is_empty()
            || !q.inputs.numbers.is_empty()
            || !q.inputs.conditions.is_empty()
            || !q.runtimes.is_empty()
        {
            self.note(
                "Quotas, prices, cost assumptions, runtimes and the inputs of the quantitative \
                 checks are left out: the lens format has no place for them, so the checks and \
                 the cost estimate do not run on the lens."
                    .to_owned(),
            );
        }
        let generated = q.questions.iter().all(|question| {
            question
                .risk_rules
                .iter()
                .all(|r| r.reason.as_ref() == reason(r.risk, r.when.source()).as_str())
        });
        if !generated {
            self.note(
                "The reasons given with each risk are left out: a lens risk rule has only a \
                 condition and a level."
                    .to_owned(),
            );
        }
    }

    fn question(
        &mut self,
        qi: usize,
        question: &Question,
        taken: &mut BTreeSet<String>,
    ) -> format::Question {
        let qid = question.id.as_str();
        let id = lens_id(qid, IdKind::Question, taken);
        if id != qid {
            self.note(format!(
                "Question `{qid}` is exported as `{id}`: lens ids are {} to {} letters, digits \
                 and `_`.",
                spec::ID_MIN,
                spec::ID_MAX
            ));
        }
        if let Some(c) = &question.applies_when {
            self.note(format!(
                "Question `{qid}` is always shown in the lens: lenses have no follow-up \
                 questions, so its condition `{}` is left out.",
                c.source()
            ));
        }
        let title = self.text(&question.title, spec::TITLE_API_MAX, || {
            format!("The title of question `{qid}`")
        });
        let description = self.text(&question.help, spec::DESCRIPTION_MAX, || {
            format!("The help of question `{qid}`")
        });
        let helpful_resource = question
            .resource
            .as_ref()
            .map(|l| self.link(l, || format!("The helpful resource of question `{qid}`")));

        // Which choices fit: at most 15, keeping "None of these".
        let mut keep: Vec<usize> = (0..question.choices.len()).collect();
        if keep.len() > spec::CHOICES_MAX {
            let none = question.choices.iter().position(|c| c.none_of_these);
            let mut kept: Vec<usize> = keep
                .iter()
                .copied()
                .filter(|&i| Some(i) != none)
                .take(spec::CHOICES_MAX - usize::from(none.is_some()))
                .collect();
            kept.extend(none);
            kept.sort_unstable();
            for &i in keep.iter().filter(|i| !kept.contains(i)) {
                self.note(format!(
                    "Choice `{}` of question `{qid}` is left out: a lens question has at most \
                     {} choices.",
                    question.choices[i].id,
                    spec::CHOICES_MAX
                ));
            }
            keep = kept;
        }
        let mut choice_ids = ChoiceIds {
            ids: vec![None; question.choices.len()],
            renamed: false,
        };
        let mut taken_choices = BTreeSet::new();
        for &i in &keep {
            let c = &question.choices[i];
            let id = lens_id(
                c.id.as_str(),
                IdKind::Choice {
                    none: c.none_of_these,
                },
                &mut taken_choices,
            );
            if id != c.id.as_str() {
                choice_ids.renamed = true;
                let why = if c.none_of_these && !c.id.as_str().ends_with(spec::NONE_SUFFIX) {
                    "a `_no` suffix makes a lens choice “None of these”".to_owned()
                } else if c.id.as_str().ends_with(spec::NONE_SUFFIX) && !c.none_of_these {
                    "in a lens a `_no` suffix would make it “None of these”".to_owned()
                } else {
                    format!(
                        "lens ids are {} to {} letters, digits and `_`",
                        spec::ID_MIN,
                        spec::ID_MAX
                    )
                };
                self.note(format!(
                    "Choice `{}` of question `{qid}` is exported as `{id}`: {why}.",
                    c.id
                ));
            }
            choice_ids.ids[i] = Some(id);
        }
        let choices = keep
            .iter()
            .map(|&i| {
                let id = choice_ids.name(i).unwrap_or_default();
                self.choice(question, &question.choices[i], id)
            })
            .collect();
        let risk_rules = self.rules(qi, question, &choice_ids);
        format::Question {
            id,
            title,
            description,
            helpful_resource,
            url: None,
            choices,
            risk_rules,
        }
    }

    fn choice(&mut self, question: &Question, c: &Choice, id: String) -> format::Choice {
        let qid = question.id.as_str();
        let cid = c.id.as_str();
        let title = self.text(&c.title, spec::TITLE_API_MAX, || {
            format!("The title of choice `{cid}` of question `{qid}`")
        });
        let helpful_resource = match &c.resource {
            Some(l) => {
                if !c.help.trim().is_empty() && c.help.trim() != l.text.trim() {
                    self.note(format!(
                        "The help of choice `{cid}` of question `{qid}` is left out: the lens \
                         format gives a choice one helpful text, and it holds the choice's \
                         helpful resource."
                    ));
                }
                Some(self.link(l, || {
                    format!("The helpful resource of choice `{cid}` of question `{qid}`")
                }))
            }
            None if !c.help.trim().is_empty() => Some(Resource {
                display_text: self.text(&c.help, spec::DISPLAY_TEXT_MAX, || {
                    format!("The help of choice `{cid}` of question `{qid}`")
                }),
                url: None,
                url_capitalized: None,
            }),
            None => None,
        };
        let improvement_plan = match &c.improvement {
            Some(i) => Some(self.improvement(i, || {
                format!("The improvement of choice `{cid}` of question `{qid}`")
            })),
            None if c.none_of_these => None,
            None => Some(Resource {
                display_text: no_improvement(question),
                url: None,
                url_capitalized: None,
            }),
        };
        let mut additional_resources = Vec::new();
        let extra: [(&str, Vec<Link>); 2] = [
            (spec::HELPFUL_RESOURCE, c.more_resources.clone()),
            (
                spec::IMPROVEMENT_PLAN,
                c.more_improvements
                    .iter()
                    .map(|i| Link {
                        text: i.text.clone(),
                        url: i.url.clone(),
                    })
                    .collect(),
            ),
        ];
        for (kind, links) in extra {
            if links.is_empty() {
                continue;
            }
            if links.len() > spec::ADDITIONAL_MAX {
                self.note(format!(
                    "{} of the extra links of choice `{cid}` of question `{qid}` are left out: \
                     a lens choice has at most {} of each kind.",
                    links.len() - spec::ADDITIONAL_MAX,
                    spec::ADDITIONAL_MAX
                ));
            }
            let content = links
                .iter()
                .take(spec::ADDITIONAL_MAX)
                .map(|l| {
                    self.link(l, || {
                        format!("An extra link of choice `{cid}` of question `{qid}`")
                    })
                })
                .collect();
            additional_resources.push(Additional {
                kind: kind.to_owned(),
                content,
            });
        }
        format::Choice {
            id,
            title,
            description: None,
            helpful_resource,
            improvement_plan,
            additional_resources,
        }
    }

    /// One rule per risk level, `default` last, giving the same risk as the question's rules
    /// for every answer; rules that read other questions or numbers are dropped.
    fn rules(&mut self, qi: usize, question: &Question, ids: &ChoiceIds) -> Vec<format::RiskRule> {
        let qid = question.id.as_str();
        let name = |c: usize| ids.name(c);
        let Some((default, rest)) = question.risk_rules.split_last() else {
            return Vec::new();
        };
        for (i, r) in question.risk_rules.iter().enumerate() {
            if r.improvement.is_some() {
                self.note(format!(
                    "The improvement of rule {} of question `{qid}` is left out: a lens risk rule \
                     carries no improvement plan, only its choices do.",
                    i + 1
                ));
            }
        }
        // Rules the lens can express, with their rendered text.
        let mut kept: Vec<(usize, &RiskRule)> = Vec::new();
        for (i, r) in rest.iter().enumerate() {
            let expressible =
                r.when.reads_only_choices_of(qi) && render(r.when.expr(), false, &name).is_some();
            if expressible {
                kept.push((i, r));
            } else {
                self.note(format!(
                    "Rule {} of question `{qid}` ({}, `{}`) is left out: it reads other questions \
                     or numbers, and a lens condition reads only the question's own choices.",
                    i + 1,
                    level_words(r.risk),
                    r.when.source()
                ));
            }
        }
        let fallback = default.risk;
        let mut levels: Vec<Risk> = Vec::new();
        for (_, r) in &kept {
            if r.risk != fallback && !levels.contains(&r.risk) {
                levels.push(r.risk);
            }
        }
        let mut out = Vec::new();
        let mut rewritten = Vec::new();
        for (li, &level) in levels.iter().enumerate() {
            let earlier = &levels[..li];
            // Rule i holds first, unless a rule before it of a level still to come (or of the
            // default's level) holds; rules of earlier levels are checked before this one.
            let terms: Vec<(&RiskRule, Vec<&RiskRule>)> = kept
                .iter()
                .enumerate()
                .filter(|(_, (_, r))| r.risk == level)
                .map(|(k, (_, r))| {
                    let negs = kept[..k]
                        .iter()
                        .map(|(_, j)| *j)
                        .filter(|j| j.risk != level && !earlier.contains(&j.risk))
                        .collect();
                    (*r, negs)
                })
                .collect();
            let condition = match terms.as_slice() {
                [(r, negs)] if negs.is_empty() => {
                    // The text as written, unless ids change: an imported lens keeps its
                    // conditions word for word.
                    let plain = !ids.renamed && !r.when.source().contains('.');
                    if plain {
                        r.when.source().to_owned()
                    } else {
                        render(r.when.expr(), false, &name).unwrap_or_default()
                    }
                }
                _ => {
                    let expr = Expr::Or(
                        terms
                            .iter()
                            .map(|(r, negs)| {
                                let mut all = vec![r.when.expr().clone()];
                                all.extend(
                                    negs.iter()
                                        .map(|n| Expr::Not(Box::new(n.when.expr().clone()))),
                                );
                                if all.len() == 1 {
                                    all.remove(0)
                                } else {
                                    Expr::And(all)
                                }
                            })
                            .collect(),
                    );
                    let expr = match expr {
                        Expr::Or(mut es) if es.len() == 1 => es.remove(0),
                        e => e,
                    };
                    rewritten.push(level);
                    render(&expr, false, &name).unwrap_or_default()
                }
            };
            out.push(format::RiskRule {
                condition,
                risk: risk_name(level).to_owned(),
            });
        }
        if kept.iter().any(|(_, r)| r.risk == fallback) || !rewritten.is_empty() {
            let numbers: Vec<String> = kept.iter().map(|(i, _)| (i + 1).to_string()).collect();
            self.note(format!(
                "The risk rules of question `{qid}` (rules {} before `default`) are rewritten as \
                 one rule per risk level, as a lens requires; they give the same risk for every \
                 answer.",
                numbers.join(", ")
            ));
        }
        out.push(format::RiskRule {
            condition: spec::DEFAULT_CONDITION.to_owned(),
            risk: risk_name(fallback).to_owned(),
        });
        out
    }
}

/// The improvement plan of a choice that has none: the format requires one on every choice
/// but "None of these".
fn no_improvement(question: &Question) -> String {
    let guidance = question
        .help
        .split("\n\n")
        .find(|p| !p.trim().is_empty())
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .unwrap_or_default();
    let text = if guidance.is_empty() {
        format!(
            "Trellis has no improvement step for this answer; the other choices of “{}” show \
             what good looks like.",
            question.title
        )
    } else {
        format!(
            "Trellis has no improvement step for this answer. What good looks like for “{}”: \
             {guidance}",
            question.title
        )
    };
    shorten(&text, spec::DISPLAY_TEXT_MAX).0
}

/// Whether a checklist item is one import makes from a choice's improvement plan.
fn derived(q: &Questionnaire, item: &ChecklistItem) -> bool {
    let [qi] = item.questions.as_slice() else {
        return false;
    };
    let choices = item.done_when.choices();
    let [(dq, ci)] = choices.as_slice() else {
        return false;
    };
    let Some(choice) = q.questions.get(*qi).and_then(|x| x.choices.get(*ci)) else {
        return false;
    };
    dq == qi
        && item.applies_when.is_none()
        && choice.title == item.title.as_ref()
        && choice
            .improvement
            .as_ref()
            .is_some_and(|i| i.text == item.how && i.url == item.url)
}

fn build(q: &Questionnaire) -> (Lens, Vec<String>) {
    let mut w = Writer {
        q,
        omitted: Vec::new(),
    };
    let lens = w.lens();
    (lens, dedup(w.omitted))
}

/// Drops repeated sentences, keeping the first of each.
fn dedup(notes: Vec<String>) -> Vec<String> {
    let mut seen = BTreeMap::new();
    notes
        .into_iter()
        .filter(|n| seen.insert(n.clone(), ()).is_none())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortening_cuts_at_a_word_and_marks_it() {
        let (s, cut) = shorten("alpha beta gamma delta", 12);
        assert!(cut);
        assert_eq!(s, "alpha beta…");
        assert!(s.chars().count() <= 12);
        assert_eq!(shorten("short", 12), ("short".to_owned(), false));
        let (s, _) = shorten(&"x".repeat(300), 128);
        assert_eq!(s.chars().count(), 128);
    }

    #[test]
    fn ids_become_valid_and_unique() {
        let mut taken = BTreeSet::new();
        assert_eq!(
            lens_id("s3", IdKind::Choice { none: false }, &mut taken),
            "s3_choice"
        );
        assert_eq!(
            lens_id("none", IdKind::Choice { none: true }, &mut taken),
            "none_no"
        );
        assert_eq!(
            lens_id("x_no", IdKind::Choice { none: false }, &mut taken),
            "x_no_choice"
        );
        assert_eq!(
            lens_id("a-b", IdKind::Choice { none: false }, &mut taken),
            "a_b"
        );
        assert_eq!(
            lens_id("a_b", IdKind::Choice { none: false }, &mut taken),
            "a_b_2"
        );
        let long = "y".repeat(200);
        assert_eq!(lens_id(&long, IdKind::Question, &mut taken).len(), 128);
    }
}
