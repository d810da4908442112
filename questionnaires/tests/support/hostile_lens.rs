// The hostile lens of issue 16, shared by the linter's test (`src/lens/lint.rs`) and the
// `lint_hostile_lens` bench through `include!`: no inner attributes or doc comments here.

/// Questions in the hostile lens: 5 pillars of 17.
pub const HOSTILE_QUESTIONS: usize = 85;

/// A risk rule of the hostile lens: `(c14 || c14 || … 175 times … || c00 || … || c13) && c00 &&
/// !c00`. It names all 15 choices, so the linter tries all 32,768 selections; it is never true,
/// so every selection is tried; and most selections walk the whole `||` before it fails.
pub fn hostile_condition() -> String {
    let mut or: Vec<String> = vec!["c14".to_owned(); 175];
    or.extend((0..14).map(|i| format!("c{i:02}")));
    format!("({}) && c00 && !c00", or.join(" || "))
}

/// A lens AWS's size limit allows (under 500 KB) built to make the reachability check as slow
/// as the old budget let it be: 85 questions × 15 choices × 3 risk rules of
/// [`hostile_condition`], about 490 KB (498,251 bytes). Old budget, counted in rule evaluations: 85 questions ×
/// 32,768 selections × (1 + 2 + 3) rules fit in 2^24, so every rule was enumerated, each
/// evaluation walking up to 193 terms.
pub fn hostile_lens() -> String {
    let condition = hostile_condition();
    let choices: Vec<String> = (0..15)
        .map(|c| {
            format!(
                r#"{{"id": "c{c:02}", "title": "Practice {c:02}", "improvementPlan": {{"displayText": "Adopt practice {c:02}."}}}}"#
            )
        })
        .collect();
    let choices = choices.join(", ");
    let rules = ["HIGH_RISK", "MEDIUM_RISK", "NO_RISK"]
        .map(|risk| format!(r#"{{"condition": "{condition}", "risk": "{risk}"}}"#))
        .join(", ");
    let description = "A question whose risk rules are built to be slow to check. ".repeat(3);
    let pillars: Vec<String> = (0..5)
        .map(|p| {
            let questions: Vec<String> = (0..HOSTILE_QUESTIONS / 5)
                .map(|q| {
                    format!(
                        r#"{{"id": "p{p}_q{q:02}", "title": "Hostile question {q:02}", "description": "{description}", "choices": [{choices}], "riskRules": [{rules}]}}"#
                    )
                })
                .collect();
            format!(
                r#"{{"id": "pillar_{p}", "name": "Pillar {p}", "questions": [{}]}}"#,
                questions.join(", ")
            )
        })
        .collect();
    format!(
        r#"{{"schemaVersion": "2021-11-01", "name": "Hostile lens", "description": "Issue 16: risk rules that are slow to check.", "pillars": [{}]}}"#,
        pillars.join(", ")
    )
}
