//! The record of the decision the review turns on: run the workload on serverless services or
//! on containers. It weighs the best serverless pattern that can carry the requests against the
//! best containers one, from the engine's verdict, the cost of each a month and the checks that
//! warn or fail; a provisional verdict says which answers are missing.

use questionnaires::report::{Report, ReportCheck, ReportCost, ReportPattern, usd, volume};

use super::{Choice, Kind, Record, because};
use crate::report::md_escape::line;

/// The subject of the record, and its file name.
pub const TITLE: &str = "Run on serverless or containers";

/// Under this share of the dearer option, both cost about the same.
const SAME_COST: f64 = 0.1;

/// The check that weighs the two options' cost: the cost lines say it in dollars instead.
const COST_CHECK: &str = "cost_break_even";

/// A figure as a person reads it: whole numbers with thousands separators, others to two
/// decimals at most.
fn figure(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        let s = usd(x.abs());
        let digits = s.trim_start_matches('$');
        if x < 0.0 {
            format!("-{digits}")
        } else {
            digits.to_owned()
        }
    } else {
        let s = format!("{x:.2}");
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

/// "Lambda maximum duration: 1,200 s against a limit of 900 s (fails)".
fn check_line(c: &ReportCheck) -> String {
    let state = if c.status == "fail" { "fails" } else { "warns" };
    line(&format!(
        "{}: {} {} against a limit of {} {} ({state})",
        c.title,
        figure(c.value),
        c.unit,
        figure(c.limit),
        c.unit
    ))
}

/// How one option's cost compares with the other's: good, bad or about the same, in words.
enum Against {
    Less(String),
    More(String),
    Same(String),
}

fn compare(mine: f64, theirs: f64, c: &ReportCost) -> Against {
    let high = mine.max(theirs);
    let at = format!("at {} requests a month", volume(c.monthly_requests));
    if high <= 0.0 || (mine - theirs).abs() / high < SAME_COST {
        Against::Same(format!(
            "it costs about the same as the other option: {} a month against {}, {at}.",
            usd(mine),
            usd(theirs)
        ))
    } else if mine < theirs {
        Against::Less(format!(
            "it costs less: {} a month against {}, {at}.",
            usd(mine),
            usd(theirs)
        ))
    } else {
        Against::More(format!(
            "it costs more: {} a month against {}, {at}.",
            usd(mine),
            usd(theirs)
        ))
    }
}

fn add_cost(o: &mut Choice, verdict: Against) {
    match verdict {
        Against::Less(s) => o.good.push(s),
        Against::More(s) => o.bad.push(s),
        Against::Same(s) => o.tradeoffs.push(s),
    }
}

/// The best pattern of a kind that can carry the requests: the backbone when it is of that kind.
fn best<'a>(r: &'a Report, kind: &str) -> Option<&'a ReportPattern> {
    r.recommendations
        .iter()
        .find(|p| p.kind == kind && p.can_carry)
}

/// "11 of the 13 limit checks that ran pass", "the one limit check that ran passes".
fn passed(passing: usize, ran: usize) -> String {
    match (passing, ran) {
        (1, 1) => "the one limit check that ran passes".to_owned(),
        (p, r) if p == r => format!("all {r} limit checks that ran pass"),
        (p, r) => format!("{p} of the {r} limit checks that ran pass"),
    }
}

fn standing(p: &ReportPattern) -> String {
    format!(
        "Its best pattern is {}, ranked #{} of the review's patterns with a {} fit.",
        line(&p.name),
        p.rank,
        line(&p.fit)
    )
}

/// The answers still missing for a provisional verdict: those the checks and the cost estimate
/// wait for, then how many others are open.
fn missing(r: &Report) -> Vec<String> {
    let mut titles: Vec<&str> = Vec::new();
    for t in r.skipped_checks.iter().flat_map(|s| &s.needs_titles) {
        if !titles.contains(&t.as_str()) {
            titles.push(t);
        }
    }
    let open = r.answers.iter().filter(|a| a.answer.is_none()).count();
    let mut out: Vec<String> = titles.iter().map(|t| line(t)).collect();
    let others = open.saturating_sub(titles.len());
    if others > 0 {
        out.push(format!(
            "{others} other question{} of the review",
            if others == 1 { "" } else { "s" }
        ));
    }
    out
}

/// The compute record, when the review has a serverless and a containers pattern to weigh.
pub fn record(r: &Report) -> Option<Record> {
    let serverless = best(r, "serverless")?;
    let containers = best(r, "containers")?;
    let v = &r.verdict;
    let provisional = r.provisional || v.status == "incomplete";
    let passing = r.checks.iter().filter(|c| c.status == "ok").count();
    let flagged: Vec<&ReportCheck> = r
        .checks
        .iter()
        .filter(|c| c.status != "ok" && c.id != COST_CHECK)
        .collect();

    let mut s = Choice {
        name: "Serverless".to_owned(),
        summary: "Managed services that scale with the requests and bill by use; the design lives within their limits.".to_owned(),
        standing: standing(serverless),
        ..Choice::default()
    };
    let mut c = Choice {
        name: "Containers".to_owned(),
        summary: "Container tasks that the team builds, patches and sizes; they run without the serverless limits, on capacity paid for by the hour.".to_owned(),
        standing: standing(containers),
        good: containers.reasons.iter().map(|x| because(x)).collect(),
        bad: containers.against.iter().map(|x| because(x)).collect(),
        tradeoffs: containers.tradeoffs.iter().map(|x| line(x)).collect(),
        ..Choice::default()
    };
    if let Some(cost) = &r.cost {
        add_cost(
            &mut s,
            compare(cost.serverless_usd, cost.containers_usd, cost),
        );
        add_cost(
            &mut c,
            compare(cost.containers_usd, cost.serverless_usd, cost),
        );
    }
    if passing > 0 {
        s.good.push(format!("{}.", passed(passing, r.checks.len())));
    }
    for ch in &flagged {
        let state = if ch.status == "fail" {
            "fails"
        } else {
            "comes close"
        };
        s.bad.push(format!(
            "{} {state}: {}",
            line(&ch.title),
            because(&ch.message)
        ));
    }
    for b in v.blockers.iter().filter(|b| b.kind == "risk") {
        s.bad.push(format!(
            "the review raises a blocker: {}.",
            because(&b.title)
        ));
    }

    let mut facts = vec![format!("Verdict: {}. {}", line(&v.label), line(&v.detail))];
    match &r.cost {
        Some(cost) => facts.push(format!(
            "Cost a month at {} requests: {} serverless, {} on containers ({} task{})",
            volume(cost.monthly_requests),
            usd(cost.serverless_usd),
            usd(cost.containers_usd),
            figure(cost.container_tasks),
            if cost.container_tasks == 1.0 { "" } else { "s" }
        )),
        None => facts
            .push("Cost: not estimated yet, until the questions it needs are answered".to_owned()),
    }
    facts.extend(flagged.iter().map(|ch| check_line(ch)));
    if !r.checks.is_empty() {
        let said = passed(passing, r.checks.len());
        let mut chars = said.chars();
        facts.push(
            chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect())
                .unwrap_or_default(),
        );
    }

    let mut drivers = Vec::new();
    if let Some(cost) = &r.cost {
        drivers.push(format!(
            "The running cost a month: {} serverless against {} on containers",
            usd(cost.serverless_usd),
            usd(cost.containers_usd)
        ));
    }
    drivers.extend(flagged.iter().map(|ch| check_line(ch)));
    drivers.extend(
        v.blockers
            .iter()
            .filter(|b| b.kind == "risk")
            .map(|b| format!("Blocker: {}", line(&b.title))),
    );
    drivers.push(format!(
        "How well each fits the answers: the best serverless pattern, {}, is a {} fit; the best containers pattern, {}, a {} fit",
        line(&serverless.name),
        line(&serverless.fit),
        line(&containers.name),
        line(&containers.fit)
    ));

    let choose_serverless = v.serverless_fits;
    s.chosen = choose_serverless;
    c.chosen = !choose_serverless;
    let (best, fit) = if choose_serverless {
        (line(&serverless.name), line(&serverless.fit))
    } else {
        (line(&containers.name), line(&containers.fit))
    };
    let reason = match v.status.as_str() {
        _ if provisional => format!(
            "the answers so far lean that way ({best} is a {fit} fit), but the verdict is provisional: {} of {} questions are answered.",
            r.progress.answered, r.progress.applicable
        ),
        "does_not_fit" => format!(
            "containers fit this workload better: {best} is a {fit} fit, and the best serverless pattern, {}, a {} one.",
            line(&serverless.name),
            line(&serverless.fit)
        ),
        "fits_with_blockers" => format!(
            "serverless fits once the {} blocker{} {} resolved or accepted: {best} carries the requests, a {fit} fit.",
            v.blockers.len(),
            if v.blockers.len() == 1 { "" } else { "s" },
            if v.blockers.len() == 1 { "is" } else { "are" }
        ),
        _ => format!("serverless fits with no blocker: {best} carries the requests, a {fit} fit."),
    };
    let outcome_note = r
        .summary
        .cost
        .as_ref()
        .map(|c| line(&c.sentence))
        .unwrap_or_default();
    let (chosen, other) = if choose_serverless { (s, c) } else { (c, s) };
    let mut consequences: Vec<String> = chosen
        .good
        .iter()
        .map(|x| format!("Good, because {x}"))
        .chain(chosen.bad.iter().map(|x| format!("Bad, because {x}")))
        .chain(chosen.tradeoffs.iter().map(|x| format!("Tradeoff: {x}")))
        .collect();
    if !v.blockers.is_empty() {
        consequences.push(format!(
            "Bad, because {} blocker{} must be resolved, or accepted with a reason, before the design is approved.",
            v.blockers.len(),
            if v.blockers.len() == 1 { "" } else { "s" }
        ));
    }
    let mut confirmation: Vec<String> = flagged
        .iter()
        .map(|ch| format!("{} passes on the next review", line(&ch.title)))
        .collect();
    confirmation.extend(
        v.blockers
            .iter()
            .filter(|b| b.kind == "risk")
            .map(|b| format!("{} is resolved or accepted", line(&b.title))),
    );
    // Containers cost less above the break-even, serverless below it.
    if let Some(cost) = &r.cost
        && let Some(b) = cost.break_even_requests
        && (cost.monthly_requests > b) != choose_serverless
    {
        confirmation.push(format!(
            "The volume stays {} the break-even of about {} requests a month, where both options cost the same",
            if choose_serverless { "below" } else { "above" },
            volume(b)
        ));
    }
    if provisional {
        confirmation.push("The missing answers are given and the verdict holds".to_owned());
    }
    Some(Record {
        number: 0,
        kind: Kind::Compute,
        title: TITLE.to_owned(),
        chosen: chosen.name.clone(),
        pattern: None,
        provisional,
        question: "Should this workload run on serverless services or on containers? The choice sets the running cost, the limits the design must live within and the work of running it.".to_owned(),
        facts,
        missing: if provisional { missing(r) } else { Vec::new() },
        drivers,
        options: vec![chosen, other],
        because: reason,
        outcome_note,
        consequences,
        confirmation,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_read_as_a_person_writes_them() {
        assert_eq!(figure(1200.0), "1,200");
        assert_eq!(figure(3_888_000_000.0), "3,888,000,000");
        assert_eq!(figure(0.5), "0.5");
        assert_eq!(figure(2.25), "2.25");
        assert_eq!(figure(-3.0), "-3");
    }
}
