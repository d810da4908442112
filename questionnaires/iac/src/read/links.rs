//! The links between resources of one template, made once every resource is read: log groups
//! to functions, invoke configs and aliases to functions, stages to APIs, scaling targets to
//! tables, and the APIs SAM makes implicitly for `Api` / `HttpApi` events.

use std::collections::HashMap;

use crate::inventory::{Api, ApiKind, Inventory, LogGroup};
use crate::template::Template;

pub(super) fn link(t: &Template, inv: &mut Inventory) {
    // Log groups: named after the function (`/aws/lambda/${Fn}`, or its literal FunctionName),
    // or named by the function's `LoggingConfig.LogGroup`.
    // Indexed once: a template of thousands of functions stays linear.
    let mut by_ref: HashMap<&str, &LogGroup> = HashMap::new();
    let mut by_name: HashMap<&str, &LogGroup> = HashMap::new();
    for g in &inv.log_groups {
        for id in &g.refs {
            by_ref.entry(id.as_str()).or_insert(g);
        }
        if let Some(name) = t
            .get(&g.at.resource)
            .and_then(|r| r.properties.get("LogGroupName"))
            .and_then(|n| n.as_str())
        {
            by_name.entry(name).or_insert(g);
        }
    }
    for f in &mut inv.functions {
        if f.log_group.is_some() {
            continue;
        }
        let literal = t
            .get(&f.at.resource)
            .and_then(|r| r.properties.get("FunctionName"))
            .and_then(|n| n.as_str())
            .map(|n| format!("/aws/lambda/{n}"));
        let found = by_ref
            .get(f.at.resource.as_str())
            .or_else(|| literal.as_deref().and_then(|name| by_name.get(name)));
        if let Some(g) = found {
            f.log_group = Some(crate::inventory::Fact {
                value: g.at.resource.clone(),
                at: g.at.clone(),
            });
        }
    }
    // Invoke configs with an on-failure destination.
    for s in &inv.sources {
        if s.source.as_deref() == Some("EventInvokeConfig")
            && s.on_failure
            && let Some(f) = inv
                .functions
                .iter_mut()
                .find(|f| Some(&f.at.resource) == s.function.as_ref())
        {
            f.async_failure.get_or_insert_with(|| s.at.clone());
        }
    }
    // Alias resources.
    for a in &inv.aliases {
        for f in &mut inv.functions {
            if a.value.contains(&f.at.resource) {
                f.alias.get_or_insert_with(|| a.at.clone());
            }
        }
    }
    // Stages into their APIs.
    let (stages, mut apis): (Vec<Api>, Vec<Api>) = std::mem::take(&mut inv.apis)
        .into_iter()
        .partition(|a| a.at.path.starts_with("Stage:"));
    for s in stages {
        let id = s.at.path.trim_start_matches("Stage:");
        if let Some(api) = apis.iter_mut().find(|a| a.at.resource == id) {
            let mut at = s.at.clone();
            at.path = "Properties".to_owned();
            if s.throttling.is_some() {
                api.throttling.get_or_insert(at.clone());
            }
            if s.tracing.is_some() {
                api.tracing.get_or_insert(at);
            }
        }
    }
    // SAM's implicit APIs.
    for r in &inv.routes {
        let implicit = matches!(r.api.as_str(), "ServerlessRestApi" | "ServerlessHttpApi");
        if implicit
            && !apis
                .iter()
                .any(|a| a.at.resource == r.api && a.at.file == r.at.file)
        {
            let mut at = r.at.clone();
            at.resource = r.api.clone();
            apis.push(Api {
                at,
                kind: r.kind,
                throttling: None,
                tracing: None,
                private: false,
            });
        }
    }
    for a in &apis {
        if a.kind == ApiKind::WebSocket {
            inv.sources.push(super::edge::websocket_source(a));
        }
    }
    inv.apis = apis;
    // Scaling targets onto tables.
    for s in &inv.scaling_targets {
        for tb in &mut inv.tables {
            if s.value.contains(&tb.at.resource) {
                tb.autoscaling = true;
            }
        }
    }
}
