//! Writes `infra/lib/stack.ts`: the starter's CloudFormation or SAM template, read back and
//! written as CDK constructs, one per parameter, condition, resource and output.
//!
//! The constructs are the CDK's L1 layer (`CfnParameter`, `CfnCondition`, `CfnResource`,
//! `CfnOutput`), as `cdk migrate` writes them, so the synthesized template holds exactly the
//! resources and properties of the SAM starter: the controls and the answer → setting table
//! cannot drift between the two. References become CDK tokens (`table.ref`,
//! `fn.getAtt('Arn')`, `Fn.sub(...)`), SAM's `Globals` become shared objects spread into each
//! resource, and local code becomes CDK assets (see `infra/lib/code.ts`).

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};

use serde_yaml::{Mapping, Value};

/// How a function's code is built into its asset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Build {
    Python,
    Typescript,
    Rust,
}

/// Where a value goes, which decides how a token is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ctx {
    /// A property value (`any`).
    Any,
    /// An argument the CDK types as a string.
    Str,
    /// An argument the CDK types as a list of strings.
    List,
}

/// Pseudo parameters and their `Aws` constants.
const PSEUDO: [(&str, &str); 8] = [
    ("AWS::AccountId", "Aws.ACCOUNT_ID"),
    ("AWS::NotificationARNs", "Aws.NOTIFICATION_ARNS"),
    ("AWS::NoValue", "Aws.NO_VALUE"),
    ("AWS::Partition", "Aws.PARTITION"),
    ("AWS::Region", "Aws.REGION"),
    ("AWS::StackId", "Aws.STACK_ID"),
    ("AWS::StackName", "Aws.STACK_NAME"),
    ("AWS::URLSuffix", "Aws.URL_SUFFIX"),
];

/// Words a variable may not be named.
const RESERVED: [&str; 48] = [
    "break",
    "case",
    "catch",
    "class",
    "const",
    "continue",
    "debugger",
    "default",
    "delete",
    "do",
    "else",
    "enum",
    "export",
    "extends",
    "false",
    "finally",
    "for",
    "function",
    "if",
    "import",
    "in",
    "instanceof",
    "new",
    "null",
    "return",
    "super",
    "switch",
    "this",
    "throw",
    "true",
    "try",
    "typeof",
    "var",
    "void",
    "while",
    "with",
    "let",
    "static",
    "yield",
    "await",
    "props",
    "scope",
    "id",
    "stack",
    "code",
    "root",
    "Fn",
    "Aws",
];

/// The names each logical id has in the TypeScript.
struct Names {
    parameters: HashMap<String, String>,
    conditions: HashMap<String, String>,
    resources: HashMap<String, String>,
    /// Logical ids whose construct is read later, so it is kept in a variable.
    used: BTreeSet<String>,
    /// Resources written so far: a reference to one not yet written goes by name.
    declared: RefCell<BTreeSet<String>>,
}

/// Writes the stack. `build` says how function code is built; `stack_class` names the class.
pub(super) fn write(template: &str, build: Build, stack_class: &str) -> Result<String, String> {
    let doc: Value = serde_yaml::from_str(template)
        .map_err(|e| format!("the starter's template does not parse as YAML: {e}"))?;
    let top = doc
        .as_mapping()
        .ok_or("the starter's template is not a mapping")?;
    for key in top.keys() {
        let k = key.as_str().unwrap_or("");
        if !matches!(
            k,
            "AWSTemplateFormatVersion"
                | "Transform"
                | "Description"
                | "Metadata"
                | "Parameters"
                | "Conditions"
                | "Mappings"
                | "Globals"
                | "Resources"
                | "Outputs"
        ) {
            return Err(format!(
                "the CDK starter cannot carry the template section {k}"
            ));
        }
    }
    let section = |name: &str| -> Mapping {
        top.get(name)
            .and_then(Value::as_mapping)
            .cloned()
            .unwrap_or_default()
    };
    let parameters = section("Parameters");
    let conditions = section("Conditions");
    let mappings = section("Mappings");
    let globals = section("Globals");
    let resources = section("Resources");
    let outputs = section("Outputs");

    let mut taken: BTreeSet<String> = RESERVED.iter().map(|s| (*s).to_owned()).collect();
    let mut name = |id: &str, suffix: &str| {
        let mut n = lower_camel(id);
        if taken.contains(&n) {
            n.push_str(suffix);
        }
        while taken.contains(&n) {
            n.push('_');
        }
        taken.insert(n.clone());
        n
    };
    let ids = |m: &Mapping| -> Vec<String> {
        m.keys()
            .filter_map(|k| k.as_str().map(str::to_owned))
            .collect()
    };
    let mut names = Names {
        parameters: HashMap::new(),
        conditions: HashMap::new(),
        resources: HashMap::new(),
        used: BTreeSet::new(),
        declared: RefCell::new(BTreeSet::new()),
    };
    for id in ids(&parameters) {
        let n = name(&id, "Param");
        names.parameters.insert(id, n);
    }
    for id in ids(&conditions) {
        let n = name(&id, "Condition");
        names.conditions.insert(id, n);
    }
    for id in ids(&resources) {
        let n = name(&id, "Resource");
        names.resources.insert(id, n);
    }
    // Every construct another one reads is kept in a variable, and declared first.
    let mut edges: HashMap<String, BTreeSet<String>> = HashMap::new();
    for (k, v) in conditions.iter().chain(resources.iter()) {
        let id = k.as_str().unwrap_or_default().to_owned();
        let mut refs = BTreeSet::new();
        references(v, &mut refs);
        if let Some(deps) = v.get("DependsOn") {
            for d in strings(deps) {
                refs.insert(d);
            }
        }
        if let Some(c) = v.get("Condition").and_then(Value::as_str) {
            refs.insert(c.to_owned());
        }
        refs.retain(|r| names.resources.contains_key(r) || names.conditions.contains_key(r));
        edges.insert(id, refs);
    }
    let condition_order = order(&ids(&conditions), &edges);
    let resource_order = order(&ids(&resources), &edges);
    // A construct is kept in a variable when one written after it reads it.
    let position: HashMap<&String, usize> = condition_order
        .iter()
        .chain(&resource_order)
        .enumerate()
        .map(|(i, id)| (id, i))
        .collect();
    for (id, refs) in &edges {
        for r in refs {
            if position.get(r) < position.get(id) {
                names.used.insert(r.clone());
            }
        }
    }
    let mut used_parameters = BTreeSet::new();
    references(&Value::Mapping(conditions.clone()), &mut used_parameters);
    references(&Value::Mapping(resources.clone()), &mut used_parameters);
    references(&Value::Mapping(outputs.clone()), &mut used_parameters);
    references(&Value::Mapping(globals.clone()), &mut used_parameters);
    let mut outputs_read = BTreeSet::new();
    references(&Value::Mapping(outputs.clone()), &mut outputs_read);
    for (_, v) in outputs.iter() {
        if let Some(c) = v.get("Condition").and_then(Value::as_str) {
            used_parameters.insert(c.to_owned());
        }
    }
    // Parameters come first and outputs last: whatever of theirs is read is a variable.
    used_parameters.retain(|r| {
        names.parameters.contains_key(r)
            || names.conditions.contains_key(r)
            || (names.resources.contains_key(r) && outputs_read.contains(r))
    });
    names.used.extend(used_parameters);

    let w = Writer { names: &names };
    let mut out = String::new();
    if let Some(d) = top.get("Description").and_then(Value::as_str) {
        out.push_str(&format!(
            "    this.templateOptions.description = {};\n",
            js_string(d.trim())
        ));
    }
    if let Some(t) = top.get("Transform") {
        for t in strings(t) {
            out.push_str(&format!("    this.addTransform({});\n", js_string(&t)));
        }
    }
    if let Some(m) = top.get("Metadata") {
        out.push_str(&format!(
            "    this.templateOptions.metadata = {};\n",
            w.expr(m, Ctx::Any, 2)?
        ));
    }

    if !parameters.is_empty() {
        out.push_str("\n    // Parameters: set them with `cdk deploy --parameters Name=value`.\n");
    }
    for (k, v) in parameters.iter() {
        let id = k.as_str().unwrap_or_default();
        out.push_str(&w.parameter(id, v)?);
    }
    if !mappings.is_empty() {
        out.push('\n');
    }
    for (k, v) in mappings.iter() {
        let id = k.as_str().unwrap_or_default();
        out.push_str(&format!(
            "    new CfnMapping(this, {}, {{ mapping: {} }});\n",
            js_string(id),
            w.expr(v, Ctx::Any, 2)?
        ));
    }
    if !conditions.is_empty() {
        out.push_str("\n    // Conditions.\n");
    }
    for id in condition_order {
        let v = &conditions[id.as_str()];
        let var = &names.conditions[&id];
        let decl = if names.used.contains(&id) {
            format!("const {var} = ")
        } else {
            String::new()
        };
        out.push_str(&format!(
            "    {decl}new CfnCondition(this, {}, {{ expression: {} }});\n",
            js_string(&id),
            w.condition(v, 2)?
        ));
    }

    // SAM's Globals: one object per resource kind, spread into each resource of that kind.
    let mut global_vars: HashMap<String, (String, Mapping)> = HashMap::new();
    if !globals.is_empty() {
        out.push_str(
            "\n    // SAM's Globals, spread into each resource of the kind: a resource's own value wins,\n    // and maps merge as SAM merges them.\n",
        );
    }
    for (k, v) in globals.iter() {
        let kind = k.as_str().unwrap_or_default();
        let var = format!("{}Globals", lower_camel(kind));
        let m = v.as_mapping().cloned().unwrap_or_default();
        out.push_str(&format!(
            "    const {var} = {};\n",
            w.expr(&Value::Mapping(m.clone()), Ctx::Any, 2)?
        ));
        global_vars.insert(format!("AWS::Serverless::{kind}"), (var, m));
    }

    out.push_str("\n    // Resources.\n");
    for id in resource_order {
        let v = &resources[id.as_str()];
        out.push_str(&w.resource(&id, v, build, &global_vars)?);
        names.declared.borrow_mut().insert(id);
    }

    if !outputs.is_empty() {
        out.push_str("\n    // Outputs.\n");
    }
    for (k, v) in outputs.iter() {
        let id = k.as_str().unwrap_or_default();
        out.push_str(&w.output(id, v)?);
    }
    out.push_str("  }\n}\n");

    // Import what the stack uses, and nothing else (the compiler refuses unused imports).
    let mut cdk: Vec<&str> = [
        ("Aws.", "Aws"),
        ("new CfnCondition(", "CfnCondition"),
        ("CfnDeletionPolicy.", "CfnDeletionPolicy"),
        ("new CfnMapping(", "CfnMapping"),
        ("new CfnOutput(", "CfnOutput"),
        ("new CfnParameter(", "CfnParameter"),
        ("new CfnResource(", "CfnResource"),
        ("Fn.", "Fn"),
        ("Token.", "Token"),
    ]
    .into_iter()
    .filter(|(used, _)| out.contains(used))
    .map(|(_, name)| name)
    .collect();
    cdk.extend(["Stack", "StackProps"]);
    cdk.sort_unstable();
    let mut head = HEADER.replace("{class}", stack_class).replace(
        "{imports}",
        &cdk.iter().map(|n| format!("  {n},\n")).collect::<String>(),
    );
    if out.contains("code.") {
        head = head.replace("{code}", "import * as code from './code';\n");
    } else {
        head = head.replace("{code}", "");
    }
    Ok(head + &out)
}

const HEADER: &str = "// The stack, as CDK constructs. Generated by Trellis from the review; from here on it is yours.
//
// Each construct is one resource of the template (the CDK's L1 layer, as `cdk migrate` writes
// them), so `cdk synth` gives the same resources, controls and settings as the SAM starter
// the README's answer -> setting table describes.
import {
{imports}} from 'aws-cdk-lib';
import { Construct } from 'constructs';
{code}
/** The stage (staging or prod) is the `Stage` parameter's default. */
export interface {class}Props extends StackProps {
  readonly stage?: string;
}

export class {class} extends Stack {
  constructor(scope: Construct, id: string, props: {class}Props) {
    super(scope, id, props);
";

/// Ids a value refers to: `Ref`, `GetAtt` and `Condition`, in either form.
fn references(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Tagged(t) => {
            let tag = t.tag.to_string();
            match (tag.trim_start_matches('!'), &t.value) {
                ("Ref" | "Condition", Value::String(s)) => {
                    out.insert(s.split('.').next().unwrap_or(s).to_owned());
                }
                ("GetAtt", Value::String(s)) => {
                    out.insert(s.split('.').next().unwrap_or(s).to_owned());
                }
                ("GetAtt", Value::Sequence(s)) => {
                    if let Some(Value::String(r)) = s.first() {
                        out.insert(r.clone());
                    }
                }
                _ => references(&t.value, out),
            }
        }
        Value::Mapping(m) => {
            if m.len() == 1
                && let Some((k, inner)) = m.iter().next()
                && let Some(k) = k.as_str()
            {
                match (k, inner) {
                    ("Ref" | "Condition", Value::String(s)) => {
                        out.insert(s.split('.').next().unwrap_or(s).to_owned());
                        return;
                    }
                    ("Fn::GetAtt", Value::Sequence(s)) => {
                        if let Some(Value::String(r)) = s.first() {
                            out.insert(r.clone());
                        }
                        return;
                    }
                    ("Fn::GetAtt", Value::String(s)) => {
                        out.insert(s.split('.').next().unwrap_or(s).to_owned());
                        return;
                    }
                    _ => {}
                }
            }
            for v in m.values() {
                references(v, out);
            }
        }
        Value::Sequence(s) => s.iter().for_each(|v| references(v, out)),
        _ => {}
    }
}

/// A string or a list of strings.
fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Sequence(s) => s
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

/// `ids` ordered so that each comes after the ids it reads, in template order otherwise. A
/// cycle (a function whose deployment rolls back on an alarm that watches the function) is
/// broken at the first id in template order: it reads the others by name.
fn order(ids: &[String], edges: &HashMap<String, BTreeSet<String>>) -> Vec<String> {
    let mut done: BTreeSet<String> = BTreeSet::new();
    let mut out = Vec::new();
    let here: BTreeSet<&String> = ids.iter().collect();
    while out.len() < ids.len() {
        let next = ids.iter().find(|id| {
            !done.contains(*id)
                && edges.get(*id).is_none_or(|deps| {
                    deps.iter()
                        .all(|d| done.contains(d) || !here.contains(d) || d == *id)
                })
        });
        let Some(next) = next.or_else(|| ids.iter().find(|id| !done.contains(*id))) else {
            break;
        };
        done.insert(next.clone());
        out.push(next.clone());
    }
    out
}

/// `ApiFunction` → `apiFunction`; `AWS::Serverless::Function` kinds use their last part.
fn lower_camel(id: &str) -> String {
    let clean: String = id.chars().filter(char::is_ascii_alphanumeric).collect();
    let mut chars = clean.chars();
    match chars.next() {
        Some(c) => {
            let mut s: String = c.to_ascii_lowercase().to_string();
            // Keep a run of capitals readable: `DLQ` → `dlq`, `SNSTopic` → `snsTopic`.
            let rest: Vec<char> = chars.collect();
            let mut i = 0;
            while i < rest.len()
                && rest[i].is_ascii_uppercase()
                && rest.get(i + 1).is_none_or(|n| n.is_ascii_uppercase())
            {
                s.push(rest[i].to_ascii_lowercase());
                i += 1;
            }
            s.extend(&rest[i..]);
            if s.starts_with(|c: char| c.is_ascii_digit()) {
                s.insert(0, '_');
            }
            s
        }
        None => "unnamed".to_owned(),
    }
}

/// A JavaScript string literal.
fn js_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned())
}

/// A property name, quoted when it is not an identifier.
fn js_key(k: &str) -> String {
    let ident = k
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ident { k.to_owned() } else { js_string(k) }
}

fn indent(depth: usize) -> String {
    "  ".repeat(depth)
}

struct Writer<'a> {
    names: &'a Names,
}

impl Writer<'_> {
    /// The variable of a resource already written.
    fn written(&self, id: &str) -> Option<&String> {
        self.names
            .resources
            .get(id)
            .filter(|_| self.names.declared.borrow().contains(id))
    }

    /// A value as TypeScript.
    fn expr(&self, v: &Value, ctx: Ctx, depth: usize) -> Result<String, String> {
        match v {
            Value::Null => Ok("null".to_owned()),
            Value::Bool(b) => Ok(b.to_string()),
            Value::Number(n) => Ok(match ctx {
                Ctx::Str => js_string(&n.to_string()),
                _ => n.to_string(),
            }),
            Value::String(s) => Ok(js_string(s)),
            Value::Sequence(items) => {
                let item_ctx = if ctx == Ctx::List { Ctx::Str } else { Ctx::Any };
                let parts = items
                    .iter()
                    .map(|i| self.expr(i, item_ctx, depth + 1))
                    .collect::<Result<Vec<_>, _>>()?;
                let one_line = format!("[{}]", parts.join(", "));
                if one_line.len() <= 80 && !one_line.contains('\n') {
                    Ok(one_line)
                } else {
                    let pad = indent(depth + 1);
                    Ok(format!(
                        "[\n{}\n{}]",
                        parts
                            .iter()
                            .map(|p| format!("{pad}{p},"))
                            .collect::<Vec<_>>()
                            .join("\n"),
                        indent(depth)
                    ))
                }
            }
            Value::Tagged(t) => {
                let tag = t.tag.to_string();
                let name = tag.trim_start_matches('!');
                let long = match name {
                    "Ref" | "Condition" => name.to_owned(),
                    _ => format!("Fn::{name}"),
                };
                self.intrinsic(&long, &t.value, ctx, depth)
            }
            Value::Mapping(m) => {
                if m.len() == 1
                    && let Some((k, inner)) = m.iter().next()
                    && let Some(k) = k.as_str()
                    && (k == "Ref" || k.starts_with("Fn::"))
                {
                    return self.intrinsic(k, inner, ctx, depth);
                }
                self.object(m, depth, &[])
            }
        }
    }

    /// An object literal; `spreads` come first (`...name`), so the object's own keys win.
    fn object(&self, m: &Mapping, depth: usize, spreads: &[String]) -> Result<String, String> {
        if m.is_empty() && spreads.is_empty() {
            return Ok("{}".to_owned());
        }
        let pad = indent(depth + 1);
        let mut lines: Vec<String> = spreads.iter().map(|s| format!("{pad}...{s},")).collect();
        for (k, v) in m {
            let key = k.as_str().ok_or("a mapping key that is not a string")?;
            lines.push(format!(
                "{pad}{}: {},",
                js_key(key),
                self.expr(v, Ctx::Any, depth + 1)?
            ));
        }
        Ok(format!("{{\n{}\n{}}}", lines.join("\n"), indent(depth)))
    }

    /// An intrinsic function in its long form (`Ref`, `Fn::Sub`, …).
    fn intrinsic(&self, name: &str, arg: &Value, ctx: Ctx, depth: usize) -> Result<String, String> {
        let args = || arg.as_sequence().cloned().unwrap_or_default();
        let want_str = |e: String| match ctx {
            Ctx::Str => format!("Token.asString({e})"),
            Ctx::List => format!("Token.asList({e})"),
            Ctx::Any => e,
        };
        let s = |v: &Value| self.expr(v, Ctx::Str, depth);
        match name {
            "Ref" => {
                let target = arg.as_str().ok_or("Ref takes a name")?;
                if let Some((_, c)) = PSEUDO.iter().find(|(p, _)| *p == target) {
                    return Ok((*c).to_owned());
                }
                if let Some(p) = self.names.parameters.get(target) {
                    return Ok(match ctx {
                        Ctx::Any => format!("{p}.value"),
                        Ctx::Str => format!("{p}.valueAsString"),
                        Ctx::List => format!("{p}.valueAsList"),
                    });
                }
                if let Some(r) = self.written(target) {
                    return Ok(match ctx {
                        Ctx::List => format!("Token.asList({r}.ref)"),
                        _ => format!("{r}.ref"),
                    });
                }
                // A resource SAM generates (`Function.Alias`, `FunctionRole`): by name.
                Ok(match ctx {
                    Ctx::List => format!("Token.asList(Fn.ref({}))", js_string(target)),
                    _ => format!("Fn.ref({})", js_string(target)),
                })
            }
            "Fn::GetAtt" => {
                let (res, attr) = match arg {
                    Value::String(s) => s
                        .split_once('.')
                        .map(|(a, b)| (a.to_owned(), b.to_owned()))
                        .ok_or("GetAtt needs Resource.Attribute")?,
                    Value::Sequence(v) if v.len() == 2 => (
                        v[0].as_str()
                            .ok_or("GetAtt's resource is a name")?
                            .to_owned(),
                        v[1].as_str()
                            .ok_or("GetAtt's attribute is a name")?
                            .to_owned(),
                    ),
                    _ => return Err("GetAtt needs a resource and an attribute".to_owned()),
                };
                let e = match self.written(&res) {
                    Some(r) => format!("{r}.getAtt({})", js_string(&attr)),
                    None => format!("Fn.getAtt({}, {})", js_string(&res), js_string(&attr)),
                };
                Ok(want_str(e))
            }
            "Fn::Sub" => match arg {
                Value::String(body) => Ok(format!("Fn.sub({})", js_string(body))),
                Value::Sequence(v) if v.len() == 2 => {
                    let body = v[0].as_str().ok_or("Sub's first argument is a string")?;
                    let vars = v[1].as_mapping().ok_or("Sub's second argument is a map")?;
                    let pad = indent(depth + 1);
                    let mut lines = Vec::new();
                    for (k, val) in vars {
                        lines.push(format!(
                            "{pad}{}: {},",
                            js_key(k.as_str().unwrap_or_default()),
                            self.expr(val, Ctx::Str, depth + 1)?
                        ));
                    }
                    Ok(format!(
                        "Fn.sub({}, {{\n{}\n{}}})",
                        js_string(body),
                        lines.join("\n"),
                        indent(depth)
                    ))
                }
                _ => Err("Sub takes a string or [string, map]".to_owned()),
            },
            "Fn::Join" => {
                let a = args();
                if a.len() != 2 {
                    return Err("Join takes [delimiter, list]".to_owned());
                }
                let e = format!(
                    "Fn.join({}, {})",
                    js_string(a[0].as_str().unwrap_or_default()),
                    self.expr(&a[1], Ctx::List, depth)?
                );
                Ok(e)
            }
            "Fn::Select" => {
                let a = args();
                if a.len() != 2 {
                    return Err("Select takes [index, list]".to_owned());
                }
                let index = match &a[0] {
                    Value::Number(n) => n.to_string(),
                    Value::String(s) if s.parse::<u32>().is_ok() => s.clone(),
                    _ => return Err("Select's index is a number".to_owned()),
                };
                Ok(format!(
                    "Fn.select({index}, {})",
                    self.expr(&a[1], Ctx::List, depth)?
                ))
            }
            "Fn::Split" => {
                let a = args();
                if a.len() != 2 {
                    return Err("Split takes [delimiter, string]".to_owned());
                }
                let e = format!(
                    "Fn.split({}, {})",
                    js_string(a[0].as_str().unwrap_or_default()),
                    s(&a[1])?
                );
                Ok(if ctx == Ctx::Str {
                    format!(
                        "Fn.join({}, {e})",
                        js_string(a[0].as_str().unwrap_or_default())
                    )
                } else {
                    e
                })
            }
            "Fn::GetAZs" => {
                let region = match arg {
                    Value::String(r) if r.is_empty() => String::new(),
                    other => s(other)?,
                };
                Ok(format!("Fn.getAzs({region})"))
            }
            "Fn::Base64" => Ok(format!("Fn.base64({})", s(arg)?)),
            "Fn::ImportValue" => Ok(format!("Fn.importValue({})", s(arg)?)),
            "Fn::FindInMap" => {
                let a = args();
                if a.len() != 3 {
                    return Err("FindInMap takes [map, key, key]".to_owned());
                }
                Ok(format!(
                    "Fn.findInMap({}, {}, {})",
                    s(&a[0])?,
                    s(&a[1])?,
                    s(&a[2])?
                ))
            }
            "Fn::Cidr" => {
                let a = args();
                if a.len() != 3 {
                    return Err("Cidr takes [block, count, bits]".to_owned());
                }
                let count = match &a[1] {
                    Value::Number(n) => n.to_string(),
                    Value::String(v) if v.parse::<u32>().is_ok() => v.clone(),
                    other => format!("Token.asNumber({})", self.expr(other, Ctx::Any, depth)?),
                };
                Ok(format!("Fn.cidr({}, {count}, {})", s(&a[0])?, s(&a[2])?))
            }
            "Fn::If" => {
                let a = args();
                if a.len() != 3 {
                    return Err("If takes [condition, then, else]".to_owned());
                }
                let cond = a[0].as_str().ok_or("If's condition is a name")?;
                let e = format!(
                    "Fn.conditionIf({}, {}, {})",
                    js_string(cond),
                    self.expr(&a[1], Ctx::Any, depth)?,
                    self.expr(&a[2], Ctx::Any, depth)?
                );
                Ok(want_str(e))
            }
            other => Err(format!(
                "the CDK starter cannot write the intrinsic function {other}"
            )),
        }
    }

    /// A condition expression (`Fn::Equals`, `Fn::Not`, … or another condition by name).
    fn condition(&self, v: &Value, depth: usize) -> Result<String, String> {
        let (name, arg) = match v {
            Value::Tagged(t) => {
                let tag = t.tag.to_string();
                let n = tag.trim_start_matches('!').to_owned();
                let long = if n == "Condition" {
                    n
                } else {
                    format!("Fn::{n}")
                };
                (long, t.value.clone())
            }
            Value::Mapping(m) if m.len() == 1 => {
                let (k, a) = m.iter().next().ok_or("an empty condition")?;
                (k.as_str().unwrap_or_default().to_owned(), a.clone())
            }
            _ => return Err("a condition is Equals, Not, And, Or or Condition".to_owned()),
        };
        let list = || arg.as_sequence().cloned().unwrap_or_default();
        match name.as_str() {
            "Condition" => {
                let c = arg.as_str().ok_or("Condition takes a name")?;
                self.names
                    .conditions
                    .get(c)
                    .cloned()
                    .ok_or_else(|| format!("no condition named {c}"))
            }
            "Fn::Equals" => {
                let a = list();
                if a.len() != 2 {
                    return Err("Equals takes two values".to_owned());
                }
                Ok(format!(
                    "Fn.conditionEquals({}, {})",
                    self.expr(&a[0], Ctx::Any, depth)?,
                    self.expr(&a[1], Ctx::Any, depth)?
                ))
            }
            "Fn::Not" => {
                let a = list();
                let inner = a.first().ok_or("Not takes one condition")?;
                Ok(format!(
                    "Fn.conditionNot({})",
                    self.condition(inner, depth)?
                ))
            }
            "Fn::And" | "Fn::Or" => {
                let parts = list()
                    .iter()
                    .map(|c| self.condition(c, depth))
                    .collect::<Result<Vec<_>, _>>()?;
                let f = if name == "Fn::And" {
                    "conditionAnd"
                } else {
                    "conditionOr"
                };
                Ok(format!("Fn.{f}({})", parts.join(", ")))
            }
            other => Err(format!(
                "the CDK starter cannot write the condition {other}"
            )),
        }
    }

    fn parameter(&self, id: &str, v: &Value) -> Result<String, String> {
        let m = v
            .as_mapping()
            .ok_or_else(|| format!("parameter {id} is not a mapping"))?;
        let mut props = Vec::new();
        for (k, val) in m {
            let key = k.as_str().unwrap_or_default();
            let prop = match key {
                "Type" => "type",
                "Default" => "default",
                "AllowedValues" => "allowedValues",
                "AllowedPattern" => "allowedPattern",
                "ConstraintDescription" => "constraintDescription",
                "Description" => "description",
                "MinValue" => "minValue",
                "MaxValue" => "maxValue",
                "MinLength" => "minLength",
                "MaxLength" => "maxLength",
                "NoEcho" => "noEcho",
                other => {
                    return Err(format!(
                        "parameter {id} has {other}, which the CDK starter cannot carry"
                    ));
                }
            };
            let e = if id == "Stage" && key == "Default" {
                "props.stage".to_owned()
            } else {
                let ctx = match key {
                    "MinValue" | "MaxValue" | "MinLength" | "MaxLength" | "NoEcho" => Ctx::Any,
                    "AllowedValues" => Ctx::List,
                    _ => Ctx::Str,
                };
                match (key, val) {
                    ("Default", Value::Number(n)) => n.to_string(),
                    _ => self.expr(val, ctx, 3)?,
                }
            };
            props.push(format!("      {prop}: {e},"));
        }
        let decl = if self.names.used.contains(id) {
            format!("const {} = ", self.names.parameters[id])
        } else {
            String::new()
        };
        Ok(format!(
            "    {decl}new CfnParameter(this, {}, {{\n{}\n    }});\n",
            js_string(id),
            props.join("\n")
        ))
    }

    fn resource(
        &self,
        id: &str,
        v: &Value,
        build: Build,
        globals: &HashMap<String, (String, Mapping)>,
    ) -> Result<String, String> {
        let m = v
            .as_mapping()
            .ok_or_else(|| format!("resource {id} is not a mapping"))?;
        let kind = m
            .get("Type")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("resource {id} has no Type"))?;
        let var = &self.names.resources[id];
        let mut props = m
            .get("Properties")
            .and_then(Value::as_mapping)
            .cloned()
            .unwrap_or_default();
        let mut before = String::new();
        let mut after = String::new();

        // Local code and state machine definitions become assets and inline definitions.
        let local = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
        let metadata = m.get("Metadata").and_then(Value::as_mapping).cloned();
        if kind == "AWS::Serverless::Function"
            && let Some(uri) = local(props.get("CodeUri"))
        {
            let asset = format!("{var}Code");
            let build_props = metadata
                .as_ref()
                .and_then(|m| m.get("BuildProperties"))
                .and_then(Value::as_mapping);
            let arch = props
                .get("Architectures")
                .or_else(|| globals.get(kind).and_then(|(_, g)| g.get("Architectures")))
                .map(strings)
                .and_then(|a| a.first().cloned())
                .unwrap_or_else(|| "x86_64".to_owned());
            let asset_id = js_string(&format!("{id}Code"));
            let call = match build {
                Build::Python => format!(
                    "code.python(this, {asset_id}, {}, {})",
                    js_string(&uri),
                    js_string(&arch)
                ),
                Build::Typescript => {
                    let list = |key: &str| {
                        build_props
                            .and_then(|b| b.get(key))
                            .map(strings)
                            .unwrap_or_default()
                    };
                    format!(
                        "code.typescript(this, {asset_id}, {{ entryPoints: {}, external: {} }})",
                        serde_json::to_string(&list("EntryPoints")).unwrap_or_default(),
                        serde_json::to_string(&list("External")).unwrap_or_default()
                    )
                }
                Build::Rust => {
                    let binary = build_props
                        .and_then(|b| b.get("Binary"))
                        .and_then(Value::as_str)
                        .ok_or_else(|| format!("{id}: a Rust function names its Binary"))?;
                    format!(
                        "code.rust(this, {asset_id}, {}, {})",
                        js_string(binary),
                        js_string(&arch)
                    )
                }
            };
            before.push_str(&format!("    const {asset} = {call};\n"));
            props.insert(
                Value::from("CodeUri"),
                Value::String(format!(
                    "\u{0}{{ Bucket: {asset}.s3BucketName, Key: {asset}.s3ObjectKey }}"
                )),
            );
            after.push_str(&format!(
                "    {asset}.addResourceMetadata({var}, 'CodeUri');\n"
            ));
        }
        if kind == "AWS::Serverless::StateMachine"
            && let Some(uri) = local(props.get("DefinitionUri"))
        {
            props.remove("DefinitionUri");
            props.insert(
                Value::from("Definition"),
                Value::String(format!("\u{0}code.readJson({})", js_string(&uri))),
            );
        }

        let spreads: Vec<(Vec<String>, String)> = match globals.get(kind) {
            Some((g, gm)) => vec![(Vec::new(), g.clone())]
                .into_iter()
                .chain(
                    merged_paths(gm, &props, &[])
                        .into_iter()
                        .map(|p| (p, g.clone())),
                )
                .collect(),
            None => Vec::new(),
        };
        let body = self.properties(&props, 3, &spreads, &[])?;

        let mut s = String::new();
        for (k, val) in m {
            let key = k.as_str().unwrap_or_default();
            match key {
                "Type" | "Properties" => {}
                "Condition" => {
                    let c = val.as_str().ok_or("Condition is a name")?;
                    let cv = self
                        .names
                        .conditions
                        .get(c)
                        .ok_or_else(|| format!("{id}: no condition {c}"))?;
                    s.push_str(&format!("    {var}.cfnOptions.condition = {cv};\n"));
                }
                "DependsOn" => {
                    let deps = strings(val);
                    if deps.iter().all(|d| self.written(d).is_some()) {
                        for d in deps {
                            s.push_str(&format!(
                                "    {var}.addResourceDependency({});\n",
                                self.names.resources[&d]
                            ));
                        }
                    } else {
                        s.push_str(&format!(
                            "    {var}.addOverride('DependsOn', {});\n",
                            serde_json::to_string(&deps).unwrap_or_default()
                        ));
                    }
                }
                "DeletionPolicy" | "UpdateReplacePolicy" => {
                    let p = val.as_str().ok_or("a policy is a name")?;
                    let c = match p {
                        "Retain" => "RETAIN",
                        "Delete" => "DELETE",
                        "Snapshot" => "SNAPSHOT",
                        "RetainExceptOnCreate" => "RETAIN_EXCEPT_ON_CREATE",
                        other => return Err(format!("{id}: unknown {key} {other}")),
                    };
                    let field = if key == "DeletionPolicy" {
                        "deletionPolicy"
                    } else {
                        "updateReplacePolicy"
                    };
                    s.push_str(&format!(
                        "    {var}.cfnOptions.{field} = CfnDeletionPolicy.{c};\n"
                    ));
                }
                "Metadata" => {
                    // SAM's build properties become the asset's bundling (code.ts). The build
                    // method stays: it says how the asset was built (cargo-lambda, esbuild), and
                    // it is how a reader of the synthesized template tells a custom runtime's
                    // language (the round trip reads `provided.al2023` as Rust by it).
                    let mut rest = val.as_mapping().cloned().unwrap_or_default();
                    rest.remove("BuildProperties");
                    if !rest.is_empty() {
                        s.push_str(&format!(
                            "    {var}.cfnOptions.metadata = {};\n",
                            self.expr(&Value::Mapping(rest), Ctx::Any, 2)?
                        ));
                    }
                }
                "UpdatePolicy" | "CreationPolicy" => {
                    s.push_str(&format!(
                        "    {var}.addOverride({}, {});\n",
                        js_string(key),
                        self.expr(val, Ctx::Any, 2)?
                    ));
                }
                other => return Err(format!("{id}: the CDK starter cannot carry {other}")),
            }
        }
        s.push_str(&after);
        // A variable when something reads the construct: a later one, or its own options above.
        let decl = if self.names.used.contains(id) || !s.is_empty() {
            format!("const {var} = ")
        } else {
            String::new()
        };
        Ok(format!(
            "{before}    {decl}new CfnResource(this, {}, {{\n      type: {},\n      properties: {},\n    }});\n{s}",
            js_string(id),
            js_string(kind),
            body
        ))
    }

    /// A properties object: `spreads` lists, for each path, the Globals object whose part at
    /// that path is spread in first. A string starting with NUL is raw TypeScript.
    fn properties(
        &self,
        m: &Mapping,
        depth: usize,
        spreads: &[(Vec<String>, String)],
        path: &[String],
    ) -> Result<String, String> {
        let here: Vec<String> = spreads
            .iter()
            .filter(|(p, _)| p == path)
            .map(|(p, g)| {
                let mut s = g.clone();
                for part in p {
                    s.push('.');
                    s.push_str(part);
                }
                s
            })
            .collect();
        let pad = indent(depth + 1);
        let mut lines: Vec<String> = here.iter().map(|s| format!("{pad}...{s},")).collect();
        for (k, v) in m {
            let key = k.as_str().ok_or("a mapping key that is not a string")?;
            let mut sub = path.to_vec();
            sub.push(key.to_owned());
            let e = match v {
                Value::String(raw) if raw.starts_with('\u{0}') => raw[1..].to_owned(),
                Value::Mapping(inner) if spreads.iter().any(|(p, _)| p == &sub) => {
                    self.properties(inner, depth + 1, spreads, &sub)?
                }
                _ => self.expr(v, Ctx::Any, depth + 1)?,
            };
            lines.push(format!("{pad}{}: {e},", js_key(key)));
        }
        if lines.is_empty() {
            return Ok("{}".to_owned());
        }
        Ok(format!("{{\n{}\n{}}}", lines.join("\n"), indent(depth)))
    }

    fn output(&self, id: &str, v: &Value) -> Result<String, String> {
        let m = v
            .as_mapping()
            .ok_or_else(|| format!("output {id} is not a mapping"))?;
        let mut props = Vec::new();
        for (k, val) in m {
            match k.as_str().unwrap_or_default() {
                "Value" => props.push(format!("      value: {},", self.expr(val, Ctx::Str, 3)?)),
                "Description" => props.push(format!(
                    "      description: {},",
                    self.expr(val, Ctx::Str, 3)?
                )),
                "Export" => {
                    let name = val
                        .get("Name")
                        .ok_or_else(|| format!("output {id}: Export needs a Name"))?;
                    props.push(format!(
                        "      exportName: {},",
                        self.expr(name, Ctx::Str, 3)?
                    ));
                }
                "Condition" => {
                    let c = val.as_str().unwrap_or_default();
                    let cv = self
                        .names
                        .conditions
                        .get(c)
                        .ok_or_else(|| format!("output {id}: no condition {c}"))?;
                    props.push(format!("      condition: {cv},"));
                }
                other => {
                    return Err(format!(
                        "output {id} has {other}, which the CDK starter cannot carry"
                    ));
                }
            }
        }
        Ok(format!(
            "    new CfnOutput(this, {}, {{\n{}\n    }});\n",
            js_string(id),
            props.join("\n")
        ))
    }
}

/// The paths (below `path`) where both the Globals and a resource's properties hold a map, so
/// the Globals' map is spread into the resource's.
fn merged_paths(global: &Mapping, own: &Mapping, path: &[String]) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for (k, g) in global {
        let Some(key) = k.as_str() else { continue };
        if let (Value::Mapping(gm), Some(Value::Mapping(om))) = (g, own.get(key)) {
            let mut p = path.to_vec();
            p.push(key.to_owned());
            out.push(p.clone());
            out.extend(merged_paths(gm, om, &p));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_like_typescript() {
        assert_eq!(lower_camel("ApiFunction"), "apiFunction");
        assert_eq!(lower_camel("DLQ"), "dlq");
        assert_eq!(lower_camel("SNSTopic"), "snsTopic");
        assert_eq!(lower_camel("HttpApi"), "httpApi");
    }

    #[test]
    fn short_and_long_intrinsics_give_the_same_tokens() {
        let short = "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n  F:\n    Type: AWS::SNS::Topic\n    Properties:\n      A: !Ref Q\n      B: !GetAtt Q.Arn\n      C: !Sub '${Q}-x'\n      D: !Join ['-', [!Ref AWS::StackName, x]]\n";
        let long = "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n  F:\n    Type: AWS::SNS::Topic\n    Properties:\n      A: {Ref: Q}\n      B: {'Fn::GetAtt': [Q, Arn]}\n      C: {'Fn::Sub': '${Q}-x'}\n      D: {'Fn::Join': ['-', [{Ref: 'AWS::StackName'}, x]]}\n";
        let a = write(short, Build::Python, "S").unwrap();
        let b = write(long, Build::Python, "S").unwrap();
        assert_eq!(a, b);
        assert!(a.contains("A: q.ref,"), "{a}");
        assert!(a.contains("B: q.getAtt(\"Arn\"),"), "{a}");
        assert!(a.contains("Fn.join(\"-\", [Aws.STACK_NAME, \"x\"])"), "{a}");
        // The queue is read, so it is declared (first) in a variable; the topic is not.
        assert!(a.find("const q = ").unwrap() < a.find("\"F\"").unwrap());
        assert!(!a.contains("const f = "));
    }

    #[test]
    fn globals_merge_into_each_function() {
        let t = "Globals:\n  Function:\n    Timeout: 5\n    Environment:\n      Variables:\n        A: x\nResources:\n  Fn1:\n    Type: AWS::Serverless::Function\n    Properties:\n      Handler: app.h\n      Environment:\n        Variables:\n          B: y\n";
        let s = write(t, Build::Python, "S").unwrap();
        assert!(s.contains("...functionGlobals,"), "{s}");
        assert!(
            s.contains("...functionGlobals.Environment.Variables,"),
            "{s}"
        );
        assert!(s.contains("B: \"y\","), "{s}");
    }

    #[test]
    fn what_it_cannot_write_is_named() {
        let t = "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      A: !Transform {Name: x}\n";
        let e = write(t, Build::Python, "S").unwrap_err();
        assert!(e.contains("Fn::Transform"), "{e}");
    }

    #[test]
    fn a_cycle_reads_the_later_resource_by_name() {
        let cycle = "Resources:\n  A:\n    Type: X::Y::Z\n    Properties: {P: !Ref B}\n  B:\n    Type: X::Y::Z\n    Properties: {P: !Ref A}\n";
        let s = write(cycle, Build::Python, "S").unwrap();
        assert!(s.contains("P: Fn.ref(\"B\"),"), "{s}");
        assert!(s.contains("P: a.ref,"), "{s}");
        assert!(!s.contains("const b = "), "{s}");
    }
}
