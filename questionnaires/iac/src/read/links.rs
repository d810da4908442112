//! The links between resources of one template, made once every resource is read: log groups
//! to functions, invoke configs and aliases to functions, stages to APIs, scaling targets to
//! tables, and the APIs SAM makes implicitly for `Api` / `HttpApi` events.

use crate::inventory::{Api, ApiKind, Inventory};
use crate::template::Template;

pub(super) fn link(t: &Template, inv: &mut Inventory) {
    // Log groups: named after the function (`/aws/lambda/${Fn}`, or its literal FunctionName),
    // or named by the function's `LoggingConfig.LogGroup`.
    for f in &mut inv.functions {
        if f.log_group.is_some() {
            continue;
        }
        let literal = t
            .resources
            .iter()
            .find(|r| r.id == f.at.resource)
            .and_then(|r| r.properties.get("FunctionName"))
            .and_then(|n| n.as_str())
            .map(|n| format!("/aws/lambda/{n}"));
        let found = inv.log_groups.iter().find(|g| {
            g.refs.contains(&f.at.resource)
                || literal.as_deref().is_some_and(|name| {
                    t.resources.iter().any(|r| {
                        r.id == g.at.resource
                            && r.properties.get("LogGroupName").and_then(|n| n.as_str())
                                == Some(name)
                    })
                })
        });
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
