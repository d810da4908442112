//! State machines: their type, tracing, waits (task tokens and Wait states), retries and
//! catches, and their SAM `Events`.

use super::{at, loc, refs, scalars, target, text, truthy};
use crate::inventory::{Fact, Inventory, StateMachine};
use crate::node::{Node, Value};
use crate::template::{Resource, Template};

pub(super) fn state_machine(t: &Template, r: &Resource, inv: &mut Inventory) {
    let sam = r.kind == "AWS::Serverless::StateMachine";
    let mut m = StateMachine {
        at: at(r),
        kind: text(t, r, if sam { "Type" } else { "StateMachineType" }).or(Some(Fact {
            value: "STANDARD".to_owned(),
            at: loc(r, "Properties.Type", 0),
        })),
        tracing: truthy(
            r,
            if sam {
                "Tracing.Enabled"
            } else {
                "TracingConfiguration.Enabled"
            },
        ),
        ..StateMachine::default()
    };
    let key = if r.prop("Definition").is_some() {
        "Definition"
    } else {
        "DefinitionString"
    };
    if let Some((def, p)) = r.prop(key) {
        let mut texts = Vec::new();
        scalars(def, &mut texts);
        let all = texts.concat();
        let mut subs = Vec::new();
        if let Some((n, _)) = r.prop("DefinitionSubstitutions") {
            scalars(n, &mut subs);
        }
        m.task_token = all.contains(".waitForTaskToken")
            || subs.iter().any(|s| s.contains(".waitForTaskToken"));
        m.wait_state = has_wait(def)
            || all.contains("\"Type\":\"Wait\"")
            || all.contains("\"Type\": \"Wait\"");
        m.retries = all.matches("\"Retry\"").count() + count_key(def, "Retry");
        m.catches = all.matches("\"Catch\"").count() + count_key(def, "Catch");
        let mut named = refs(def);
        if let Some((n, _)) = r.prop("DefinitionSubstitutions") {
            named.extend(refs(n));
        }
        m.activity = all.contains(":activity:")
            || subs.iter().any(|s| s.contains(":activity:"))
            || target(t, &named, |k| k == "AWS::StepFunctions::Activity").is_some();
        let parsed = parsed(def);
        if let Some(v) = &parsed {
            m.wait_state |= json_has_wait(v);
        }
        if def.get("States").is_some() || parsed.is_some() {
            let mut l = loc(r, &p, def.line);
            r.file_of(key).clone_into(&mut l.file);
            m.definition = Some(l);
        }
    }
    if let Some((events, p)) = r.prop("Events") {
        for (name, e) in events.entries() {
            super::compute::event(t, r, None, &format!("{p}.{name}"), e, inv);
        }
    }
    inv.state_machines.push(m);
}

/// A definition written as text — a string, or the text of a `Fn::Sub` — when that text is a
/// JSON document of states (`${…}` substitutions sit inside its strings). Text built with
/// `Fn::Join` around references, or anything else, is not read whole.
fn parsed(def: &Node) -> Option<serde_json::Value> {
    let text = match def.intrinsic() {
        Some(("Fn::Sub", arg)) => arg.as_str().or_else(|| arg.items().first()?.as_str()),
        Some(_) => None,
        None => def.as_str(),
    }?;
    serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .filter(|v| v.get("States").is_some_and(serde_json::Value::is_object))
}

fn json_has_wait(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::Object(map) => map
            .iter()
            .any(|(k, x)| (k == "Type" && x == "Wait") || json_has_wait(x)),
        serde_json::Value::Array(items) => items.iter().any(json_has_wait),
        _ => false,
    }
}

fn has_wait(n: &Node) -> bool {
    match &n.value {
        Value::Map(entries) => entries
            .iter()
            .any(|(k, v)| (k == "Type" && v.as_str() == Some("Wait")) || has_wait(v)),
        Value::Seq(items) => items.iter().any(has_wait),
        _ => false,
    }
}

fn count_key(n: &Node, key: &str) -> usize {
    match &n.value {
        Value::Map(entries) => entries
            .iter()
            .map(|(k, v)| usize::from(k == key) + count_key(v, key))
            .sum(),
        Value::Seq(items) => items.iter().map(|i| count_key(i, key)).sum(),
        _ => 0,
    }
}
