//! A check of a Step Functions state machine's graph (Amazon States Language), for what no
//! validator here catches: a `Next` naming a state that does not exist, a state nothing reaches,
//! a `BackoffRate` below 1, a task without `Retry` or `Catch`, no terminal state.
//!
//! Starters call every task with retries and a catch, so a task missing either is a problem too.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

/// The problems in a state machine definition; empty when there are none. Each names the state.
pub fn check(asl: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    check_machine(asl, "", &mut problems);
    problems
}

/// Checks one machine: the top level or a Parallel branch / Map iterator (`prefix` names it).
fn check_machine(machine: &Value, prefix: &str, problems: &mut Vec<String>) {
    let Some(states) = machine.get("States").and_then(Value::as_object) else {
        problems.push(format!("{prefix}no States object"));
        return;
    };
    if states.is_empty() {
        problems.push(format!("{prefix}States is empty"));
        return;
    }
    let start = machine.get("StartAt").and_then(Value::as_str);
    match start {
        None => problems.push(format!("{prefix}no StartAt")),
        Some(s) if !states.contains_key(s) => {
            problems.push(format!("{prefix}StartAt names {s:?}, which is not a state"));
        }
        Some(_) => {}
    }

    let mut edges: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let mut terminal = false;
    for (name, state) in states {
        let at = format!("{prefix}state {name:?}");
        let kind = state.get("Type").and_then(Value::as_str).unwrap_or("");
        let mut targets: Vec<(&str, &str)> = Vec::new();
        if let Some(next) = state.get("Next") {
            match next.as_str() {
                Some(n) => targets.push(("Next", n)),
                None => problems.push(format!("{at}: Next is not a string")),
            }
        }
        let ends = state.get("End").and_then(Value::as_bool) == Some(true)
            || matches!(kind, "Succeed" | "Fail");
        if ends {
            terminal = true;
        }
        match kind {
            "Choice" => {
                let choices = state.get("Choices").and_then(Value::as_array);
                if choices.is_none_or(|c| c.is_empty()) {
                    problems.push(format!("{at}: a Choice state without Choices"));
                }
                for c in choices.into_iter().flatten() {
                    match c.get("Next").and_then(Value::as_str) {
                        Some(n) => targets.push(("Choice Next", n)),
                        None => problems.push(format!("{at}: a choice without Next")),
                    }
                }
                if let Some(d) = state.get("Default").and_then(Value::as_str) {
                    targets.push(("Default", d));
                }
            }
            "Succeed" | "Fail" => {}
            "" => problems.push(format!("{at}: no Type")),
            _ => {
                if !ends && state.get("Next").is_none() {
                    problems.push(format!("{at}: neither Next nor End"));
                }
            }
        }
        if kind == "Task" {
            if state
                .get("Retry")
                .and_then(Value::as_array)
                .is_none_or(|r| r.is_empty())
            {
                problems.push(format!("{at}: a Task without Retry"));
            }
            if state
                .get("Catch")
                .and_then(Value::as_array)
                .is_none_or(|c| c.is_empty())
            {
                problems.push(format!("{at}: a Task without Catch"));
            }
        }
        if kind == "Task" {
            check_callback(state, &at, problems);
        }
        for (i, r) in state
            .get("Retry")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            if let Some(rate) = r.get("BackoffRate") {
                match rate.as_f64() {
                    Some(b) if b >= 1.0 => {}
                    _ => problems.push(format!("{at}: Retry {i} has BackoffRate {rate}, below 1")),
                }
            }
            if r.get("MaxAttempts")
                .and_then(Value::as_i64)
                .is_some_and(|m| m < 0)
            {
                problems.push(format!("{at}: Retry {i} has a negative MaxAttempts"));
            }
        }
        for c in state
            .get("Catch")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            match c.get("Next").and_then(Value::as_str) {
                Some(n) => targets.push(("Catch Next", n)),
                None => problems.push(format!("{at}: a Catch without Next")),
            }
        }
        for (what, target) in &targets {
            if !states.contains_key(*target) {
                problems.push(format!(
                    "{at}: {what} names {target:?}, which is not a state"
                ));
            }
        }
        edges.insert(name.as_str(), targets.into_iter().map(|(_, t)| t).collect());

        // Nested machines.
        for (i, b) in state
            .get("Branches")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            check_machine(b, &format!("{at} branch {i}: "), problems);
        }
        for key in ["Iterator", "ItemProcessor"] {
            if let Some(m) = state.get(key) {
                check_machine(m, &format!("{at} {key}: "), problems);
            }
        }
    }
    if !terminal {
        problems.push(format!(
            "{prefix}no terminal state (Succeed, Fail or End: true)"
        ));
    }

    // Reachability from StartAt.
    if let Some(s) = start.filter(|s| states.contains_key(*s)) {
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        let mut todo = vec![s];
        while let Some(n) = todo.pop() {
            if seen.insert(n) {
                todo.extend(edges.get(n).into_iter().flatten().copied());
            }
        }
        for name in states.keys() {
            if !seen.contains(name.as_str()) {
                problems.push(format!(
                    "{prefix}state {name:?} is not reachable from StartAt"
                ));
            }
        }
    }
}

/// A task that waits for a task token (`.waitForTaskToken`) must hand the token on and bound the
/// wait: without `$$.Task.Token` in its parameters nobody can resume it, and without
/// `TimeoutSeconds` it waits as long as the execution may run (a year for Standard).
fn check_callback(state: &Value, at: &str, problems: &mut Vec<String>) {
    let waits = state
        .get("Resource")
        .and_then(Value::as_str)
        .is_some_and(|r| r.ends_with(".waitForTaskToken"));
    if !waits {
        return;
    }
    let passes_token = state
        .get("Parameters")
        .is_some_and(|p| p.to_string().contains("\"$$.Task.Token\""));
    if !passes_token {
        problems.push(format!(
            "{at}: a .waitForTaskToken task that does not pass $$.Task.Token"
        ));
    }
    let bounded = state
        .get("TimeoutSeconds")
        .and_then(Value::as_u64)
        .is_some_and(|t| t > 0)
        || state.get("TimeoutSecondsPath").is_some();
    if !bounded {
        problems.push(format!(
            "{at}: a .waitForTaskToken task without TimeoutSeconds"
        ));
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::check;

    fn good() -> serde_json::Value {
        json!({
            "StartAt": "Validate",
            "States": {
                "Validate": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::lambda:invoke",
                    "Retry": [{"ErrorEquals": ["Lambda.ServiceException"], "BackoffRate": 2.0, "MaxAttempts": 3}],
                    "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Failed"}],
                    "Next": "Route"
                },
                "Route": {
                    "Type": "Choice",
                    "Choices": [{"Variable": "$.ok", "BooleanEquals": true, "Next": "Done"}],
                    "Default": "Failed"
                },
                "Done": {"Type": "Succeed"},
                "Failed": {"Type": "Fail", "Error": "E"}
            }
        })
    }

    #[test]
    fn a_good_machine_passes() {
        assert_eq!(check(&good()), Vec::<String>::new());
    }

    #[test]
    fn a_callback_task_must_pass_its_token_and_bound_its_wait() {
        let mut asl = good();
        asl["States"]["Validate"]["Resource"] =
            json!("arn:aws:states:::lambda:invoke.waitForTaskToken");
        asl["States"]["Validate"]["Parameters"] = json!({"Payload": {"input.$": "$"}});
        let problems = check(&asl);
        assert!(
            problems.iter().any(|p| p.contains("$$.Task.Token")),
            "{problems:?}"
        );
        assert!(
            problems
                .iter()
                .any(|p| p.contains("without TimeoutSeconds")),
            "{problems:?}"
        );
        asl["States"]["Validate"]["Parameters"] =
            json!({"Payload": {"input.$": "$", "token.$": "$$.Task.Token"}});
        asl["States"]["Validate"]["TimeoutSeconds"] = json!(172_800);
        assert_eq!(check(&asl), Vec::<String>::new());
    }

    #[test]
    fn a_dangling_next_fails_naming_the_state() {
        let mut asl = good();
        asl["States"]["Validate"]["Next"] = json!("Nowhere");
        let problems = check(&asl);
        assert!(
            problems
                .iter()
                .any(|p| p.contains("\"Validate\"") && p.contains("\"Nowhere\"")),
            "{problems:?}"
        );
        // Route is no longer reachable either.
        assert!(
            problems
                .iter()
                .any(|p| p.contains("\"Route\" is not reachable")),
            "{problems:?}"
        );
    }

    #[test]
    fn a_dangling_catch_or_default_fails() {
        let mut asl = good();
        asl["States"]["Validate"]["Catch"][0]["Next"] = json!("Gone");
        asl["States"]["Route"]["Default"] = json!("Away");
        let problems = check(&asl);
        assert!(
            problems
                .iter()
                .any(|p| p.contains("Catch Next names \"Gone\"")),
            "{problems:?}"
        );
        assert!(
            problems
                .iter()
                .any(|p| p.contains("Default names \"Away\"")),
            "{problems:?}"
        );
    }

    #[test]
    fn a_backoff_rate_below_one_fails() {
        let mut asl = good();
        asl["States"]["Validate"]["Retry"][0]["BackoffRate"] = json!(0.5);
        let problems = check(&asl);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("\"Validate\"") && problems[0].contains("0.5"));
    }

    #[test]
    fn a_task_without_retry_fails() {
        let mut asl = good();
        if let Some(v) = asl["States"]["Validate"].as_object_mut() {
            v.remove("Retry");
        }
        let problems = check(&asl);
        assert_eq!(
            problems,
            vec!["state \"Validate\": a Task without Retry".to_owned()]
        );
    }

    #[test]
    fn unreachable_states_and_missing_terminal_fail() {
        let asl = json!({
            "StartAt": "A",
            "States": {
                "A": {"Type": "Pass", "Next": "B"},
                "B": {"Type": "Pass", "Next": "A"},
                "C": {"Type": "Pass", "Next": "A"}
            }
        });
        let problems = check(&asl);
        assert!(
            problems.iter().any(|p| p.contains("no terminal state")),
            "{problems:?}"
        );
        assert!(
            problems
                .iter()
                .any(|p| p.contains("\"C\" is not reachable")),
            "{problems:?}"
        );
    }

    #[test]
    fn a_bad_start_at_fails() {
        let mut asl = good();
        asl["StartAt"] = json!("Begin");
        let problems = check(&asl);
        assert!(
            problems
                .iter()
                .any(|p| p.contains("StartAt names \"Begin\"")),
            "{problems:?}"
        );
    }
}
