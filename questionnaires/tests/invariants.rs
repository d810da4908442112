//! Property tests: invariants of evaluation that hold for any answers.

#![expect(
    clippy::unwrap_used,
    reason = "test helpers fail loudly on a broken fixture"
)]

use std::collections::BTreeMap;

use proptest::prelude::*;
use questionnaires::evaluate::Status;
use questionnaires::model::QuestionKind;
use questionnaires::{Answer, AnswerValue, Answers, builtin, evaluate};

/// Builds answers from one random word per question: about a quarter stay unanswered.
fn answers_from(seeds: &[u64]) -> Answers {
    let q = builtin();
    let mut out = BTreeMap::new();
    for (question, &s) in q.questions.iter().zip(seeds) {
        if s % 4 == 0 {
            continue;
        }
        let n = question.choices.len() as u64;
        let value = match question.kind {
            QuestionKind::Single => AnswerValue::Choices(vec![
                question.choices[(s >> 8) as usize % n as usize].id.clone(),
            ]),
            QuestionKind::Multi => {
                let mask = (s >> 8) & ((1u64 << n) - 1);
                let mut picked: Vec<_> = question
                    .choices
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| mask & (1 << i) != 0)
                    .map(|(_, c)| c)
                    .collect();
                if let Some(none) = picked.iter().find(|c| c.none_of_these).copied() {
                    picked = vec![none];
                }
                if picked.is_empty() {
                    picked.push(&question.choices[0]);
                }
                AnswerValue::Choices(picked.into_iter().map(|c| c.id.clone()).collect())
            }
            QuestionKind::Number => {
                let spec = question.number.as_ref().unwrap();
                let t = (s >> 11) as f64 / (1u64 << 53) as f64;
                AnswerValue::Number(
                    (spec.min + t * (spec.max - spec.min))
                        .round()
                        .clamp(spec.min, spec.max),
                )
            }
            QuestionKind::Text => AnswerValue::Text("A sentence.".into()),
        };
        let value = if s % 17 == 1 {
            AnswerValue::NotApplicable("Not for us.".into())
        } else {
            value
        };
        out.insert(question.id.clone(), Answer::new(value));
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn scores_stay_within_0_and_100(seeds in prop::collection::vec(any::<u64>(), 100)) {
        let e = evaluate(builtin(), &answers_from(&seeds));
        for s in e.scores.areas.values().flatten().chain(e.scores.overall.iter()) {
            prop_assert!((0.0..=100.0).contains(s), "score {s}");
        }
        prop_assert!(e.progress.answered <= e.progress.applicable);
        prop_assert!(e.progress.applicable <= e.progress.total);
    }

    #[test]
    fn evaluation_is_deterministic(seeds in prop::collection::vec(any::<u64>(), 100)) {
        let answers = answers_from(&seeds);
        prop_assert_eq!(evaluate(builtin(), &answers), evaluate(builtin(), &answers));
    }

    #[test]
    fn every_risk_and_recommendation_explains_itself(seeds in prop::collection::vec(any::<u64>(), 100)) {
        let e = evaluate(builtin(), &answers_from(&seeds));
        for r in &e.risks {
            prop_assert!(!r.reason.is_empty() && !r.rule.is_empty());
            prop_assert!(&*r.rule == "default" || !r.facts.is_empty(), "risk {} fired by `{}` without facts", r.question, r.rule);
        }
        // The backbone comes first; the rest follow by score.
        let skip = usize::from(e.design.backbone.is_some());
        if let Some(b) = &e.design.backbone {
            prop_assert_eq!(&e.recommendations[0].pattern, &b.pattern);
        }
        for pair in e.recommendations[skip..].windows(2) {
            prop_assert!(pair[0].score >= pair[1].score, "ranking out of order");
        }
        for a in &e.design.add_ons {
            prop_assert!(a.pattern != e.recommendations[0].pattern || e.design.backbone.is_none());
            prop_assert!(!a.addresses.is_empty() && !a.reasons.is_empty());
        }
        // Blockers: every high risk and failed check; they cap the score and rule out `fits`.
        let high = e.risks.iter().filter(|r| r.level == questionnaires::Risk::High).count();
        let failed = e.checks.iter().filter(|c| c.status == questionnaires::checks::CheckStatus::Fail).count();
        prop_assert_eq!(e.verdict.blockers.len(), high + failed);
        if !e.verdict.blockers.is_empty() {
            prop_assert!(e.scores.overall.is_none_or(|o| o <= 59.0));
            prop_assert!(e.verdict.status != questionnaires::verdict::VerdictStatus::Fits);
        }
        prop_assert_eq!(e.scores.provisional, e.verdict.status == questionnaires::verdict::VerdictStatus::Incomplete);
        for r in &e.recommendations {
            let expected: f64 = r.reasons.iter().map(|x| x.weight).sum::<f64>() - r.against.iter().map(|x| x.weight).sum::<f64>();
            prop_assert!((r.score - expected).abs() < 1e-9);
            for x in r.reasons.iter().chain(&r.against) {
                prop_assert!(!x.facts.is_empty(), "{}: `{}` fired without facts", r.pattern, x.when);
            }
        }
    }

    #[test]
    fn only_answered_questions_carry_a_risk(seeds in prop::collection::vec(any::<u64>(), 100)) {
        let e = evaluate(builtin(), &answers_from(&seeds));
        for q in &e.questions {
            prop_assert_eq!(q.risk.is_some(), q.status == Status::Answered, "question {}", q.id);
        }
    }
}

#[test]
fn no_answers_means_no_risks_no_scores_and_no_checks() {
    let e = evaluate(builtin(), &Answers::new());
    assert!(e.risks.is_empty());
    assert_eq!(e.scores.overall, None);
    assert!(e.checks.is_empty());
    assert!(
        !e.skipped_checks.is_empty(),
        "skipped checks should name the questions they need"
    );
    assert!(e.cost.is_none());
}

#[test]
fn evaluations_survive_a_json_round_trip() {
    // The web app ships evaluations from the server to the browser as JSON.
    let seeds: Vec<u64> = (0..100u64)
        .map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
        .collect();
    let e = evaluate(builtin(), &answers_from(&seeds));
    let json = serde_json::to_string(&e).unwrap();
    let back: questionnaires::Evaluation = serde_json::from_str(&json).unwrap();
    assert_eq!(back, e);
}

#[test]
fn the_cost_series_agrees_with_the_totals_and_crosses_at_the_break_even() {
    let text = include_str!("cases/01_bursty_crud_api.toml");
    let file =
        questionnaires::parse_answers_file(text, questionnaires::Format::Toml, builtin()).unwrap();
    let cost = evaluate(builtin(), &file.answers)
        .cost
        .expect("case 01 is costed");
    let at = |requests: f64| {
        // Linear between series points: interpolate both lines.
        let s = &cost.series;
        let i = s
            .windows(2)
            .position(|w| w[0].requests <= requests && requests <= w[1].requests)
            .unwrap();
        let (a, b) = (&s[i], &s[i + 1]);
        let t = (requests - a.requests) / (b.requests - a.requests);
        (
            a.serverless_usd + t * (b.serverless_usd - a.serverless_usd),
            a.containers_usd + t * (b.containers_usd - a.containers_usd),
        )
    };
    let (serverless, containers) = at(cost.monthly_requests);
    assert!(
        (serverless - cost.serverless.monthly_usd).abs() < 0.05,
        "{serverless} vs {}",
        cost.serverless.monthly_usd
    );
    assert!(
        (containers - cost.containers.monthly_usd).abs() < 0.05,
        "{containers} vs {}",
        cost.containers.monthly_usd
    );
    let (s, c) = at(cost.break_even_requests.unwrap());
    assert!(
        (s - c).abs() < 0.05,
        "the lines cross at the break-even: {s} vs {c}"
    );
}
