//! The records of pattern decisions: the backbone, weighed against the other patterns that
//! could carry the same requests, and each add-on, weighed against the patterns that do the same
//! job in a design and against doing without it. Patterns that do other jobs (a circuit breaker
//! next to an API) are never weighed against each other.

use questionnaires::report::{Report, ReportAddOn, ReportPattern, lower_first};

use super::{Choice, Kind, MAX_OTHERS, Record, answers_of, because, confirmation};
use crate::report::md_escape::line;

/// The subject of the backbone record, and its file name.
pub const BACKBONE: &str = "Backbone that carries the requests";

fn choice(r: &Report, p: &ReportPattern, chosen: bool) -> Choice {
    Choice {
        name: line(&p.name),
        chosen,
        summary: line(&p.summary),
        standing: format!(
            "Ranked #{} of the review's patterns, a {} fit.",
            p.rank,
            line(&p.fit)
        ),
        good: p.reasons.iter().map(|x| because(x)).collect(),
        bad: p.against.iter().map(|x| because(x)).collect(),
        tradeoffs: p.tradeoffs.iter().map(|x| line(x)).collect(),
        answers: answers_of(r, p),
    }
}

/// The chosen pattern's consequences: its pros, cons, tradeoffs and failure modes.
fn consequences(p: &ReportPattern) -> Vec<String> {
    p.reasons
        .iter()
        .map(|x| format!("Good, because {}", because(x)))
        .chain(
            p.against
                .iter()
                .map(|x| format!("Bad, because {}", because(x))),
        )
        .chain(p.tradeoffs.iter().map(|x| format!("Tradeoff: {}", line(x))))
        .chain(p.failure_modes.iter().map(|x| format!("Risk: {}", line(x))))
        .collect()
}

/// The ranking of a pattern, to follow "because".
fn ranked(p: &ReportPattern) -> String {
    let first = p.reasons.first().map_or_else(
        || ", with no answer against it".to_owned(),
        |x| format!(": {}", because(x)),
    );
    format!(
        "it ranked #{} of the review's patterns with a {} fit{first}",
        p.rank,
        line(&p.fit)
    )
}

/// The backbone record: the design's backbone against the other patterns that can carry the
/// requests and that the answers speak for, best first.
pub fn backbone(r: &Report) -> Option<Record> {
    let chosen = r.pattern(r.design.backbone.as_deref()?)?;
    let candidates: Vec<&ReportPattern> = r
        .recommendations
        .iter()
        .filter(|p| p.can_carry && p.pattern != chosen.pattern)
        .collect();
    // The candidates the answers speak for; failing any, the best of the rest, so the record
    // still weighs an alternative.
    let mut others: Vec<&ReportPattern> = candidates
        .iter()
        .copied()
        .filter(|p| p.score > 0.0)
        .take(MAX_OTHERS)
        .collect();
    if others.is_empty() {
        others.extend(candidates.first());
    }
    let mut options = vec![choice(r, chosen, true)];
    options.extend(others.iter().map(|p| choice(r, p, false)));
    Some(Record {
        number: 0,
        kind: Kind::Backbone,
        title: BACKBONE.to_owned(),
        chosen: line(&chosen.name),
        pattern: Some(chosen.pattern.clone()),
        provisional: r.provisional,
        question: "Which pattern should carry the workload's requests, from where they enter to where their data is kept? The options are the patterns that can carry these requests; the add-ons recorded next combine with the one chosen.".to_owned(),
        facts: answers_of(r, chosen),
        missing: Vec::new(),
        drivers: chosen.reasons.iter().map(|x| line(x)).collect(),
        options,
        because: ranked(chosen),
        outcome_note: if chosen.services.is_empty() {
            String::new()
        } else {
            format!("It is built from {}.", line(&chosen.services.join(", ")))
        },
        consequences: consequences(chosen),
        confirmation: confirmation(r, &chosen.pattern),
    })
}

/// The record of one add-on: it against the add-ons with the same job that the design does not
/// already hold, and against doing nothing.
pub fn add_on(r: &Report, a: &ReportAddOn) -> Option<Record> {
    let chosen = r.pattern(&a.pattern)?;
    let in_design = |id: &str| {
        r.design.backbone.as_deref() == Some(id) || r.design.add_ons.iter().any(|x| x.pattern == id)
    };
    let others: Vec<&ReportPattern> = r
        .recommendations
        .iter()
        .filter(|p| p.add_on && p.job == chosen.job && !in_design(&p.pattern))
        .take(MAX_OTHERS)
        .collect();
    let mut options = vec![choice(r, chosen, true)];
    options.extend(others.iter().map(|p| choice(r, p, false)));
    let mut nothing = Choice {
        name: "Do nothing".to_owned(),
        summary: "Leave the design as it is, with no part added for this job.".to_owned(),
        good: vec!["there is no new part to build, run, watch and pay for.".to_owned()],
        ..Choice::default()
    };
    nothing.bad.push(format!(
        "the design goes without what it adds: {}",
        because(&a.addresses)
    ));
    nothing.bad.extend(
        a.reasons
            .iter()
            .map(|x| format!("the answers call for it: {}", because(x))),
    );
    options.push(nothing);
    let job = if chosen.job.is_empty() {
        &chosen.name
    } else {
        &chosen.job
    };
    Some(Record {
        number: 0,
        kind: Kind::AddOn,
        title: line(job),
        chosen: line(&chosen.name),
        pattern: Some(chosen.pattern.clone()),
        provisional: r.provisional,
        question: format!(
            "How should the design {}, and is it worth adding a part for it? The options are the patterns that do this job, and doing without one.",
            line(&lower_first(job))
        ),
        facts: answers_of(r, chosen),
        missing: Vec::new(),
        drivers: a.reasons.iter().map(|x| line(x)).collect(),
        options,
        because: ranked(chosen),
        outcome_note: line(&a.addresses),
        consequences: consequences(chosen),
        confirmation: confirmation(r, &chosen.pattern),
    })
}
