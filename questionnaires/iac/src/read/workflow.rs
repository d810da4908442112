//! State machines: their type, tracing, waits (task tokens and Wait states), retries and
//! catches, and their SAM `Events`.

use super::{at, loc, scalars, text, truthy};
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
    let def = r
        .prop("Definition")
        .or_else(|| r.prop("DefinitionString"))
        .map(|(n, _)| n);
    if let Some(def) = def {
        let mut texts = Vec::new();
        scalars(def, &mut texts);
        let all = texts.concat();
        m.task_token = all.contains(".waitForTaskToken");
        m.wait_state = has_wait(def)
            || all.contains("\"Type\":\"Wait\"")
            || all.contains("\"Type\": \"Wait\"");
        m.retries = all.matches("\"Retry\"").count() + count_key(def, "Retry");
        m.catches = all.matches("\"Catch\"").count() + count_key(def, "Catch");
    }
    if let Some((events, p)) = r.prop("Events") {
        for (name, e) in events.entries() {
            super::compute::event(t, r, None, &format!("{p}.{name}"), e, inv);
        }
    }
    inv.state_machines.push(m);
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
