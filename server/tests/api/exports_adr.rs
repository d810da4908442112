//! The architecture decision records: one for serverless or containers, one for the backbone,
//! one per add-on, each in MADR's structure, weighing only the options that compete for the same
//! job, with the cost, the checks and the answers behind them; `proposed` until signed off.

use questionnaires::report::Report;
use server::report::adr::{self, Kind, Record, Status};

use super::exports::{SCENARIOS, scenario};

const HEADINGS: [&str; 6] = [
    "## Context and Problem Statement",
    "## Decision Drivers",
    "## Considered Options",
    "## Decision Outcome",
    "## Pros and Cons of the Options",
    "## More Information",
];

/// The pattern an option names, if it is one.
fn named<'a>(r: &'a Report, name: &str) -> Option<&'a questionnaires::report::ReportPattern> {
    r.recommendations.iter().find(|p| p.name == name)
}

/// Every option of a pattern record competes for the chosen one's role: another pattern that
/// can carry the requests for the backbone, another pattern with the same job (or doing
/// nothing) for an add-on.
fn assert_same_role(r: &Report, rec: &Record, case: &str) {
    let chosen = r.pattern(rec.pattern.as_deref().unwrap()).unwrap();
    for o in rec.options.iter().filter(|o| !o.chosen) {
        match rec.kind {
            Kind::Backbone => {
                let p = named(r, &o.name).unwrap_or_else(|| panic!("{case}: {}", o.name));
                assert!(p.can_carry, "{case}: {} cannot carry the requests", p.name);
            }
            Kind::AddOn if o.name == "Do nothing" => {}
            Kind::AddOn => {
                let p = named(r, &o.name).unwrap_or_else(|| panic!("{case}: {}", o.name));
                assert!(p.add_on, "{case}: {} is no add-on", p.name);
                assert_eq!(p.job, chosen.job, "{case}: {} does another job", p.name);
            }
            Kind::Compute => unreachable!(),
        }
    }
}

#[test]
fn every_scenario_records_compute_then_backbone_then_each_add_on_in_madr_form() {
    for name in SCENARIOS {
        let doc = scenario(name);
        let r = &doc.report;
        let set = adr::set(r);
        let files = adr::records(r).unwrap();
        assert_eq!(set.len(), 2 + r.design.add_ons.len(), "{name}");
        assert_eq!(set[0].kind, Kind::Compute);
        assert_eq!(
            files[0].0, "docs/adr/0001-run-on-serverless-or-containers.md",
            "{name}"
        );
        assert_eq!(set[1].kind, Kind::Backbone);
        assert_eq!(set[1].pattern, r.design.backbone);
        assert_eq!(
            files[1].0, "docs/adr/0002-backbone-that-carries-the-requests.md",
            "{name}"
        );
        for (rec, a) in set[2..].iter().zip(&r.design.add_ons) {
            assert_eq!(rec.kind, Kind::AddOn);
            assert_eq!(rec.pattern.as_deref(), Some(a.pattern.as_str()));
        }
        for ((path, text), rec) in files.iter().zip(&set) {
            assert_eq!(*path, rec.path());
            assert!(
                path.starts_with(&format!("docs/adr/{:04}-", rec.number)),
                "{path}"
            );
            // Signed off, the records are accepted on the day of the approval.
            let front = match adr::status(r) {
                Status::Proposed => "---\nstatus: proposed\ndate: 2026-11-24\n---\n".to_owned(),
                Status::Accepted { at, .. } => {
                    assert!(name.ends_with("_approved"), "{name}");
                    format!("---\nstatus: accepted\ndate: {}\n---\n", &at[..10])
                }
            };
            assert!(text.starts_with(&front), "{path}");
            let headings: Vec<&str> = text.lines().filter(|l| l.starts_with("## ")).collect();
            assert_eq!(headings, HEADINGS, "{path}");
            assert!(text.contains(&format!("\n# {}\n", rec.title)), "{path}");
            assert!(
                text.contains(&format!("Chosen option: \"{}\"", rec.chosen)),
                "{path}"
            );
            // Every considered option has its pros and cons, and there is one to weigh.
            assert!(rec.options.len() >= 2, "{path} weighs nothing");
            for o in &rec.options {
                assert!(
                    text.contains(&format!("\n* {}\n", o.name)),
                    "{path}: {}",
                    o.name
                );
                assert!(
                    text.contains(&format!("\n### {}", o.name)),
                    "{path}: {}",
                    o.name
                );
            }
            if rec.kind != Kind::Compute {
                assert_same_role(r, rec, name);
                // The context quotes the answers that ranked the chosen pattern.
                let chosen = r.pattern(rec.pattern.as_deref().unwrap()).unwrap();
                for q in &chosen.questions {
                    let a = r.answer(q).unwrap();
                    assert!(text.contains(&a.title), "{path}: {q}");
                }
            }
        }
    }
}

#[test]
fn case_09_weighs_its_backbone_against_other_backbones_not_a_circuit_breaker() {
    let doc = scenario("09_payment_capture_no_idempotency");
    let r = &doc.report;
    let set = adr::set(r);
    let backbone = set.iter().find(|x| x.kind == Kind::Backbone).unwrap();
    let (_, text) = adr::records(r)
        .unwrap()
        .into_iter()
        .find(|(p, _)| *p == backbone.path())
        .unwrap();
    // The options and their pros and cons; the list of the review's other records may name it.
    let weighed = &text
        [text.find("## Considered Options").unwrap()..text.find("## More Information").unwrap()];
    assert!(!weighed.contains("Circuit breaker"), "{text}");
    assert!(
        backbone.options.len() >= 2,
        "the backbone is weighed against another"
    );
    for rec in set.iter().filter(|x| x.kind != Kind::Compute) {
        assert_same_role(r, rec, "09");
    }
    // A circuit breaker, when the design has one, is weighed against doing without it.
    if let Some(cb) = set
        .iter()
        .find(|x| x.pattern.as_deref() == Some("circuit_breaker"))
    {
        let names: Vec<&str> = cb.options.iter().map(|o| o.name.as_str()).collect();
        assert!(names.contains(&"Do nothing"), "{names:?}");
        assert!(
            !names.iter().any(|n| n.contains("API Gateway")),
            "{names:?}"
        );
    }
}

#[test]
fn a_containers_verdict_chooses_containers_with_the_cost_of_both() {
    let doc = scenario("06_steady_pricing_api");
    let r = &doc.report;
    assert_eq!(r.verdict.status, "does_not_fit");
    let cost = r.cost.as_ref().unwrap();
    let (path, text) = &adr::records(r).unwrap()[0];
    assert_eq!(path, "docs/adr/0001-run-on-serverless-or-containers.md");
    assert!(text.contains("Chosen option: \"Containers\""), "{text}");
    assert!(text.contains("### Containers (chosen)"), "{text}");
    assert!(text.contains("### Serverless\n"), "{text}");
    for usd in [cost.serverless_usd, cost.containers_usd] {
        let words = questionnaires::report::usd(usd);
        assert!(text.contains(&words), "{words} in {text}");
    }
    assert!(text.contains("Bad, because it costs more"), "{text}");
    assert!(!text.contains("Provisional"), "{text}");
}

#[test]
fn a_serverless_verdict_with_blockers_names_the_failing_checks_with_value_and_limit() {
    let doc = scenario("12_monthly_billing_run");
    let r = &doc.report;
    let (_, text) = &adr::records(r).unwrap()[0];
    assert!(text.contains("Chosen option: \"Serverless\""), "{text}");
    for c in r.checks.iter().filter(|c| c.status == "fail") {
        assert!(text.contains(&format!("{}: ", c.title)), "{}", c.title);
    }
    assert!(
        text.contains("Lambda maximum duration: 1,200 s against a limit of 900 s (fails)"),
        "{text}"
    );
    assert!(text.contains("3 blockers must be resolved"), "{text}");
}

#[test]
fn an_incomplete_review_says_provisional_and_which_answers_are_missing() {
    let doc = scenario("31_early_review_few_answers");
    let r = &doc.report;
    assert_eq!(r.verdict.status, "incomplete");
    let (_, text) = &adr::records(r).unwrap()[0];
    assert!(
        text.contains("**Provisional.** 8 of 68 questions are answered"),
        "{text}"
    );
    assert!(text.contains("the verdict is provisional"), "{text}");
    // The cost is not estimated: the record names the questions it waits for.
    assert!(text.contains("Cost: not estimated yet"), "{text}");
    assert!(
        text.contains("* How many requests or events does the workload handle per month?"),
        "{text}"
    );
    assert!(text.contains("other questions of the review"), "{text}");
    // A complete review says nothing of the kind.
    let full = scenario("full_answers");
    let (_, text) = &adr::records(&full.report).unwrap()[0];
    assert!(!text.contains("Provisional"), "{text}");
}

#[test]
fn a_signed_off_review_makes_every_record_accepted_with_the_approver() {
    let doc = scenario("full_answers");
    let r = &doc.report;
    let set = adr::set(r);
    let accepted = Status::Accepted {
        by: "Ana [Ops]".to_owned(),
        at: "2026-12-01T10:00:00Z".to_owned(),
    };
    for rec in &set {
        let text = adr::render(r, &set, rec, &accepted).unwrap();
        assert!(
            text.starts_with("---\nstatus: accepted\ndate: 2026-12-01\n---\n"),
            "{text}"
        );
        assert!(
            text.contains("Accepted by Ana \\[Ops\\] on 2026-12-01."),
            "{text}"
        );
        assert!(!text.contains("Proposed:"), "{text}");
        let proposed = adr::render(r, &set, rec, &Status::Proposed).unwrap();
        assert!(proposed.contains("Proposed: the team accepts it when the review is signed off."));
    }
    assert_eq!(adr::status(r), Status::Proposed);
    let approved = scenario("12_monthly_billing_run_approved");
    assert!(matches!(
        adr::status(&approved.report),
        Status::Accepted { .. }
    ));
}

#[test]
fn the_markdown_report_lists_the_decision_records_by_title_and_status() {
    for name in SCENARIOS {
        let doc = scenario(name);
        let md = server::report::markdown::report(&doc, None).unwrap();
        assert!(md.contains("## Decision records"), "{name}");
        for rec in adr::set(&doc.report) {
            assert!(
                md.contains(&format!(
                    "| {:04} | {} | {}",
                    rec.number, rec.title, rec.chosen
                )),
                "{name}: {}",
                rec.title
            );
        }
        let word = adr::status(&doc.report).word();
        assert!(md.contains(&format!(" | {word} |")), "{name}");
    }
}
