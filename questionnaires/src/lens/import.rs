//! Importing a lens: lint it, then hand the loader the same raw structs the TOML content reads
//! into, so an imported lens passes exactly the validation the built-in content does.

use crate::load::raw::{
    ChecklistFile, Manifest, RawArea, RawChoice, RawItem, RawKind, RawLink, RawQuestion,
    RawRiskRule,
};
use crate::load::{Parsed, build, manifest_errors};
use crate::model::Risk;

use super::export::canonical_hash;
use super::format::{Choice, Lens, Question, Resource};
use super::lint::{Analysis, analyze, meaningful, risk_of, usable_url};
use super::{Finding, Imported, Severity, has_errors, spec};

/// The reason Trellis shows with a lens risk: lenses give none, so it names the rule.
pub(crate) fn reason(risk: Risk, condition: &str) -> String {
    let level = match risk {
        Risk::High => "high risk",
        Risk::Medium => "medium risk",
        Risk::None => "no risk",
    };
    if condition.trim() == spec::DEFAULT_CONDITION {
        format!("The lens rates this answer {level}: none of its other rules matched.")
    } else {
        format!(
            "The lens rates this answer {level}: its rule \u{201c}{}\u{201d} matched.",
            condition.trim()
        )
    }
}

/// Imports lens JSON text as questionnaire `id`, version `version`. A lens with an error
/// finding is refused with all its findings; otherwise the warnings come back with it.
pub fn import(json: &str, id: &str, version: &str) -> Result<Imported, Vec<Finding>> {
    let Analysis { lens, findings, .. } = analyze(json);
    let lens = match lens {
        Some(lens) if !has_errors(&findings) => lens,
        _ => return Err(findings),
    };
    let parsed = parsed(&lens, id, version);
    let errors = manifest_errors(&parsed.manifest);
    match build(parsed, String::new(), errors) {
        Ok(mut questionnaire) => {
            questionnaire.content_hash = canonical_hash(&questionnaire);
            Ok(Imported {
                questionnaire,
                warnings: findings,
                name: lens.name,
            })
        }
        Err(e) => {
            let mut all = findings;
            all.extend(e.0.into_iter().map(|e| {
                // Area errors carry the pillar's pointer as their file name.
                let pointer = if e.file.starts_with('/') {
                    e.file.clone()
                } else {
                    String::new()
                };
                let message = match &e.id {
                    Some(id) => format!("{id}: {}", e.message),
                    None => e.message.clone(),
                };
                Finding::new(Severity::Error, "not-importable", None, pointer, message)
            }));
            Err(all)
        }
    }
}

/// A lens link as the loader reads it: the URL Trellis keeps, and text (the URL itself when the
/// lens gives none). `None` when there is neither.
fn link(res: &Resource) -> Option<RawLink> {
    let url = res.link().and_then(usable_url).map(str::to_owned);
    let text = if res.display_text.trim().is_empty() {
        url.clone()?
    } else {
        res.display_text.clone()
    };
    Some(RawLink { text, url })
}

fn question_link(q: &Question) -> Option<RawLink> {
    let mut l = q.helpful_resource.as_ref().and_then(link);
    let extra = q.url.as_deref().and_then(usable_url);
    match (&mut l, extra) {
        (Some(l), Some(u)) if l.url.is_none() => l.url = Some(u.to_owned()),
        (None, Some(u)) => {
            l = Some(RawLink {
                text: u.to_owned(),
                url: Some(u.to_owned()),
            });
        }
        _ => {}
    }
    l
}

/// A choice's `description`, when it adds something: not empty, not a placeholder, not a copy
/// of its helpful resource.
fn choice_help(c: &Choice) -> String {
    let Some(d) = c.description.as_deref() else {
        return String::new();
    };
    let same = c
        .helpful_resource
        .as_ref()
        .is_some_and(|r| r.display_text.trim() == d.trim());
    if meaningful(d) && !same {
        d.to_owned()
    } else {
        String::new()
    }
}

fn choice(c: &Choice) -> RawChoice {
    let plan = c
        .improvement_plan
        .as_ref()
        .filter(|p| !p.display_text.trim().is_empty());
    let mut more_resources = Vec::new();
    let mut more_improvements = Vec::new();
    for add in &c.additional_resources {
        let into = match add.kind.as_str() {
            spec::HELPFUL_RESOURCE => &mut more_resources,
            spec::IMPROVEMENT_PLAN => &mut more_improvements,
            _ => continue,
        };
        into.extend(add.content.iter().filter_map(link));
    }
    RawChoice {
        id: c.id.clone(),
        title: c.title.clone(),
        help: choice_help(c),
        improvement: plan.map(|p| p.display_text.clone()),
        improvement_url: plan
            .and_then(|p| p.link())
            .and_then(usable_url)
            .map(str::to_owned),
        none_of_these: c.id.ends_with(spec::NONE_SUFFIX),
        resource: c.helpful_resource.as_ref().and_then(link),
        more_resources,
        more_improvements,
    }
}

fn question(q: &Question) -> RawQuestion {
    let mut risk_rules = Vec::new();
    for r in &q.risk_rules {
        let when = r.condition.trim().to_owned();
        let risk = risk_of(&r.risk).unwrap_or(Risk::High);
        let default = when == spec::DEFAULT_CONDITION;
        risk_rules.push(RawRiskRule {
            reason: reason(risk, &when),
            when,
            risk,
            // A lens has no problem titles: its risks are titled by their questions.
            problem: None,
            improvement: None,
            improvement_url: None,
        });
        if default {
            break; // the rules after it never fire
        }
    }
    RawQuestion {
        id: q.id.clone(),
        title: q.title.clone(),
        help: q.description.clone(),
        kind: RawKind::Multi,
        weight: 1.0,
        applies_when: None,
        unit: None,
        min: None,
        max: None,
        choices: q.choices.iter().map(choice).collect(),
        risk_rules,
        resource: question_link(q),
    }
}

/// Checklist items: one per choice with an improvement plan worth doing, in lens order.
fn checklist(lens: &Lens) -> ChecklistFile {
    let mut items = Vec::new();
    let mut ids = std::collections::BTreeSet::new();
    for pillar in &lens.pillars {
        for q in &pillar.questions {
            for c in &q.choices {
                let Some(plan) = &c.improvement_plan else {
                    continue;
                };
                if c.id.ends_with(spec::NONE_SUFFIX) || !meaningful(&plan.display_text) {
                    continue;
                }
                let mut id = format!("{}__{}", q.id, c.id);
                if id.len() > spec::ID_MAX || ids.contains(&id) {
                    id = format!("item_{}", items.len() + 1);
                }
                ids.insert(id.clone());
                let why = match &c.helpful_resource {
                    Some(r) if meaningful(&r.display_text) => r.display_text.clone(),
                    _ => format!("A practice the lens asks about in “{}”.", q.title.trim()),
                };
                items.push(RawItem {
                    id,
                    title: c.title.clone(),
                    area: pillar.id.clone(),
                    why,
                    how: plan.display_text.clone(),
                    url: plan.link().and_then(usable_url).map(str::to_owned),
                    questions: vec![q.id.clone()],
                    applies_when: None,
                    done_when: format!("{}.{}", q.id, c.id),
                    effort: None,
                    after: Vec::new(),
                });
            }
        }
    }
    ChecklistFile { items }
}

fn parsed(lens: &Lens, id: &str, version: &str) -> Parsed {
    let areas = lens
        .pillars
        .iter()
        .enumerate()
        .map(|(i, p)| {
            (
                format!("/pillars/{i}"),
                RawArea {
                    id: p.id.clone(),
                    title: p.name.clone(),
                    summary: String::new(),
                    weight: 1.0,
                    questions: p.questions.iter().map(question).collect(),
                },
            )
        })
        .collect::<Vec<_>>();
    Parsed {
        manifest: Manifest {
            id: id.to_owned(),
            version: version.to_owned(),
            title: lens.name.clone(),
            description: lens.description.clone(),
            areas: areas.iter().map(|(name, _)| name.clone()).collect(),
            inputs: Default::default(),
            runtimes: Vec::new(),
        },
        areas,
        limits: None,
        checklist: Some(checklist(lens)),
        patterns: None,
    }
}
