//! CloudFormation and SAM resources into the inventory: one function per family of resource
//! types, then the links between resources of one template (which function a mapping feeds,
//! which log group belongs to which function).

mod compute;
mod edge;
mod links;
mod misc;
mod openapi;
mod ops;
mod workflow;

use std::collections::BTreeSet;

use crate::inventory::{Fact, Inventory, Loc};
use crate::node::Node;
use crate::template::{Resource, Template};

/// Reads one template into an inventory.
pub fn template(t: &Template) -> Inventory {
    let mut inv = Inventory::default();
    for r in &t.resources {
        resource(t, r, &mut inv);
    }
    links::link(t, &mut inv);
    inv
}

fn resource(t: &Template, r: &Resource, inv: &mut Inventory) {
    match r.kind.as_str() {
        "AWS::Serverless::Function" | "AWS::Lambda::Function" => compute::function(t, r, inv),
        "AWS::Lambda::EventSourceMapping" => compute::mapping(t, r, inv),
        "AWS::Lambda::EventInvokeConfig" => compute::invoke_config(r, inv),
        "AWS::Lambda::Alias" => compute::alias(r, inv),
        "AWS::Serverless::StateMachine" | "AWS::StepFunctions::StateMachine" => {
            workflow::state_machine(t, r, inv)
        }
        "AWS::Serverless::Api"
        | "AWS::Serverless::HttpApi"
        | "AWS::ApiGateway::RestApi"
        | "AWS::ApiGateway::Stage"
        | "AWS::ApiGateway::Method"
        | "AWS::ApiGatewayV2::Api"
        | "AWS::ApiGatewayV2::Route"
        | "AWS::ApiGatewayV2::Stage"
        | "AWS::ApiGatewayV2::Integration"
        | "AWS::WAFv2::WebACLAssociation" => edge::api(t, r, inv),
        _ => {
            ops::resource(r, inv);
            misc::resource(t, r, inv);
        }
    }
}

/// Where a resource property is written.
fn loc(r: &Resource, path: &str, line: usize) -> Loc {
    Loc {
        file: r.file.clone(),
        resource: r.id.clone(),
        path: path.to_owned(),
        line,
    }
}

/// The resource itself (its logical id's line).
fn at(r: &Resource) -> Loc {
    loc(r, "Type", r.line)
}

/// A property as a fact of its text (resolving a parameter's default).
fn text(t: &Template, r: &Resource, path: &str) -> Option<Fact<String>> {
    let (n, p) = r.prop(path)?;
    Some(Fact {
        value: crate::template::scalar(n, &t.parameters)?,
        at: loc(r, &p, n.line),
    })
}

/// A property as a number (resolving a parameter's default).
fn number(t: &Template, r: &Resource, path: &str) -> Option<Fact<f64>> {
    let (n, p) = r.prop(path)?;
    let v = crate::template::scalar(n, &t.parameters)?
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|x| x.is_finite())?;
    Some(Fact {
        value: v,
        at: loc(r, &p, n.line),
    })
}

/// A number, or a documented default written nowhere (line 0).
fn number_or(t: &Template, r: &Resource, path: &str, default: f64) -> Fact<f64> {
    number(t, r, path).unwrap_or_else(|| Fact {
        value: default,
        at: loc(r, &format!("Properties.{path}"), 0),
    })
}

/// A property that is `true`.
fn truthy(r: &Resource, path: &str) -> Option<Loc> {
    let (n, p) = r.prop(path)?;
    n.as_bool().filter(|b| *b).map(|_| loc(r, &p, n.line))
}

/// The logical ids a value refers to.
fn refs(n: &Node) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    crate::template::collect_refs(n, &mut out);
    out
}

/// The one resource of `t` among `ids` of a type accepted by `kind`.
fn target<'t>(
    t: &'t Template,
    ids: &BTreeSet<String>,
    kind: impl Fn(&str) -> bool,
) -> Option<&'t Resource> {
    ids.iter()
        .filter_map(|id| t.get(id))
        .find(|r| kind(&r.kind))
}

fn is_function(kind: &str) -> bool {
    matches!(kind, "AWS::Serverless::Function" | "AWS::Lambda::Function")
}

/// Every scalar of a node, for text searches (`{{resolve:secretsmanager:`, `.waitForTaskToken`).
fn scalars<'n>(n: &'n Node, out: &mut Vec<&'n str>) {
    match &n.value {
        crate::node::Value::Str(s) => out.push(s),
        crate::node::Value::Seq(items) => items.iter().for_each(|i| scalars(i, out)),
        crate::node::Value::Map(entries) => entries.iter().for_each(|(_, v)| scalars(v, out)),
        crate::node::Value::Null => {}
    }
}

/// Whether a key or scalar anywhere in a value contains `needle`.
fn mentions(n: &Node, needle: &str) -> bool {
    match &n.value {
        crate::node::Value::Str(s) => s.contains(needle),
        crate::node::Value::Seq(items) => items.iter().any(|i| mentions(i, needle)),
        crate::node::Value::Map(entries) => entries
            .iter()
            .any(|(k, v)| k.contains(needle) || mentions(v, needle)),
        crate::node::Value::Null => false,
    }
}

/// The line of the first scalar containing `needle`.
fn line_of(n: &Node, needle: &str) -> Option<usize> {
    match &n.value {
        crate::node::Value::Str(s) => s.contains(needle).then_some(n.line),
        crate::node::Value::Seq(items) => items.iter().find_map(|i| line_of(i, needle)),
        crate::node::Value::Map(entries) => entries.iter().find_map(|(_, v)| line_of(v, needle)),
        crate::node::Value::Null => None,
    }
}
