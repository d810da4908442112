//! A CloudFormation or SAM template: its resources, parameters and SAM `Globals`, and the
//! intrinsic functions between resources (`Ref`, `Fn::GetAtt`, `Fn::Sub`, `Fn::Join`).
//!
//! SAM `Globals` are merged into each function, API, HTTP API and simple table the way SAM
//! documents it: maps merge, lists append (globals first), a scalar on the resource wins. CDK's
//! synthesized output (`cdk.out/*.template.json`) is plain CloudFormation and reads the same way.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::node::{Node, Value};

/// One resource of a template.
#[derive(Debug, Clone)]
pub struct Resource {
    /// The file it is in.
    pub file: String,
    /// Its logical id.
    pub id: String,
    /// Its type, such as `AWS::Serverless::Function`.
    pub kind: String,
    /// Its properties with SAM `Globals` merged in.
    pub properties: Node,
    /// Its properties as written.
    pub own: Node,
    /// The `Globals` section that applies to it (`Globals.Function`…), when there is one.
    pub globals: Option<(String, Node)>,
    /// Its `Metadata` (SAM's `BuildMethod` lives there).
    pub metadata: Node,
    /// The line of its logical id.
    pub line: usize,
    /// Properties read from another file (`DefinitionUri`, `AWS::Include`): (property, file).
    pub included: Vec<(String, String)>,
}

/// A template parameter.
#[derive(Debug, Clone)]
pub struct Parameter {
    /// Its default, when it has a scalar one.
    pub default: Option<String>,
    /// The line it is declared on.
    pub line: usize,
}

/// A template.
#[derive(Debug, Clone)]
pub struct Template {
    /// The file it came from.
    pub file: String,
    /// Its resources, in the order written.
    pub resources: Vec<Resource>,
    /// Its parameters.
    pub parameters: BTreeMap<String, Parameter>,
    /// Its `Conditions`, kept but not evaluated.
    pub conditions: Node,
    /// Resources whose `Type` was missing or not a string: (logical id, line).
    pub untyped: Vec<(String, usize)>,
    /// Logical id → index in `resources`.
    index: HashMap<String, usize>,
}

impl Template {
    /// Reads a template from a document's root. `None` when it has no `Resources` map (not a
    /// template).
    pub fn from_root(root: &Node, file: &str) -> Option<Template> {
        let resources = root.get("Resources")?;
        if !matches!(resources.value, Value::Map(_)) {
            return None;
        }
        let globals = root.get("Globals");
        let mut t = Template {
            file: file.to_owned(),
            resources: Vec::new(),
            parameters: BTreeMap::new(),
            conditions: root.get("Conditions").cloned().unwrap_or_default(),
            untyped: Vec::new(),
            index: HashMap::new(),
        };
        for (name, p) in root.get("Parameters").map(Node::entries).unwrap_or(&[]) {
            t.parameters.insert(
                name.clone(),
                Parameter {
                    default: p.get("Default").and_then(Node::as_str).map(str::to_owned),
                    line: p.line,
                },
            );
        }
        for (id, r) in resources.entries() {
            let Some(kind) = r.get("Type").and_then(Node::as_str) else {
                t.untyped.push((id.clone(), r.line));
                continue;
            };
            let own = r.get("Properties").cloned().unwrap_or_default();
            let section = match kind {
                "AWS::Serverless::Function" => Some("Function"),
                "AWS::Serverless::Api" => Some("Api"),
                "AWS::Serverless::HttpApi" => Some("HttpApi"),
                "AWS::Serverless::SimpleTable" => Some("SimpleTable"),
                "AWS::Serverless::StateMachine" => Some("StateMachine"),
                _ => None,
            };
            let g = section.and_then(|s| {
                globals
                    .and_then(|g| g.get(s))
                    .map(|n| (format!("Globals.{s}"), n.clone()))
            });
            let properties = match &g {
                Some((_, g)) => merge(g, &own),
                None => own.clone(),
            };
            t.resources.push(Resource {
                file: file.to_owned(),
                id: id.clone(),
                kind: kind.to_owned(),
                properties,
                own,
                globals: g,
                metadata: r.get("Metadata").cloned().unwrap_or_default(),
                line: r.line,
                included: Vec::new(),
            });
        }
        t.index = t
            .resources
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id.clone(), i))
            .collect();
        Some(t)
    }

    /// The resource of a logical id.
    pub fn get(&self, id: &str) -> Option<&Resource> {
        self.index.get(id).map(|&i| &self.resources[i])
    }
}

impl Template {
    /// Puts the files a template points at into the properties that name them, as
    /// CloudFormation and SAM do before deploying: a state machine's `DefinitionUri` (as
    /// `Definition`), a SAM API's `DefinitionUri` (as `DefinitionBody`), and a property that is an
    /// `AWS::Include` transform of a local file (an OpenAPI body). `lookup` finds a file beside
    /// the template by its relative path and gives its name and root; S3 locations are not
    /// local and stay as written. Each resource records which property came from which file.
    pub fn attach_definitions(&mut self, lookup: impl Fn(&str) -> Option<(String, Node)>) {
        for r in &mut self.resources {
            let uri_into = match r.kind.as_str() {
                "AWS::Serverless::StateMachine" => Some("Definition"),
                "AWS::Serverless::Api" | "AWS::Serverless::HttpApi" => Some("DefinitionBody"),
                _ => None,
            };
            if let Some(into) = uri_into
                && r.properties.get(into).is_none()
                && let Some(uri) = r.properties.get("DefinitionUri").and_then(Node::as_str)
                && let Some((file, def)) = lookup(uri)
                && let Value::Map(entries) = &mut r.properties.value
            {
                entries.push((into.to_owned(), def));
                r.included.push((into.to_owned(), file));
            }
            let keys: Vec<String> = r
                .properties
                .entries()
                .iter()
                .map(|(k, _)| k.clone())
                .collect();
            for key in keys {
                let Some(location) = r.properties.get(&key).and_then(include_location) else {
                    continue;
                };
                let Some((file, doc)) = lookup(&location) else {
                    continue;
                };
                for props in [&mut r.properties, &mut r.own] {
                    if let Value::Map(entries) = &mut props.value
                        && let Some((_, v)) = entries.iter_mut().find(|(k, _)| *k == key)
                    {
                        *v = doc.clone();
                    }
                }
                r.included.push((key, file));
            }
        }
    }
}

/// The local file an `AWS::Include` transform names (`Fn::Transform: {Name: AWS::Include,
/// Parameters: {Location: ./api.yaml}}`); `None` for anything else, or an `s3://` location.
fn include_location(n: &Node) -> Option<String> {
    let (f, arg) = n.intrinsic()?;
    if f != "Fn::Transform" || arg.get("Name").and_then(Node::as_str) != Some("AWS::Include") {
        return None;
    }
    let location = arg.at("Parameters.Location")?.as_str()?;
    (!location.contains("://")).then(|| location.to_owned())
}

/// SAM's Globals merge: maps merge key by key, lists append (globals first), and anything
/// else on the resource wins. An intrinsic on either side is a value, not a map to merge.
pub fn merge(global: &Node, own: &Node) -> Node {
    match (&global.value, &own.value) {
        (_, Value::Null) if own.line == 0 => global.clone(),
        (Value::Map(g), Value::Map(o))
            if global.intrinsic().is_none() && own.intrinsic().is_none() =>
        {
            let mut entries: Vec<(String, Node)> = Vec::with_capacity(g.len() + o.len());
            for (k, gv) in g {
                match o.iter().find(|(ok, _)| ok == k) {
                    Some((_, ov)) => entries.push((k.clone(), merge(gv, ov))),
                    None => entries.push((k.clone(), gv.clone())),
                }
            }
            for (k, ov) in o {
                if !g.iter().any(|(gk, _)| gk == k) {
                    entries.push((k.clone(), ov.clone()));
                }
            }
            Node {
                value: Value::Map(entries),
                tag: own.tag.clone(),
                line: own.line,
            }
        }
        (Value::Seq(g), Value::Seq(o)) => Node {
            value: Value::Seq(g.iter().chain(o).cloned().collect()),
            tag: own.tag.clone(),
            line: own.line,
        },
        _ => own.clone(),
    }
}

impl Resource {
    /// The file a property was read from: another file when it was included, else the template.
    pub fn file_of(&self, property: &str) -> &str {
        let top = property.split('.').next().unwrap_or(property);
        self.included
            .iter()
            .find(|(p, _)| p == top)
            .map_or(&self.file, |(_, f)| f)
    }

    /// A property by dotted path, with where it was written.
    pub fn prop(&self, path: &str) -> Option<(&Node, String)> {
        let node = self.properties.at(path)?;
        if self.own.at(path).is_some() {
            return Some((node, format!("Properties.{path}")));
        }
        match &self.globals {
            Some((section, g)) if g.at(path).is_some() => {
                // The line of the Globals entry, since that is where it is written.
                Some((node, format!("{section}.{path}")))
            }
            _ => Some((node, format!("Properties.{path}"))),
        }
    }

    /// The logical ids a property refers to.
    pub fn refs(&self, path: &str) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        if let Some(n) = self.properties.at(path) {
            collect_refs(n, &mut out);
        }
        out
    }
}

/// Every logical id (or parameter) a value refers to through `Ref`, `Fn::GetAtt` or the
/// `${Name}` / `${Name.Attr}` variables of `Fn::Sub`.
pub fn collect_refs(n: &Node, out: &mut BTreeSet<String>) {
    if let Some((f, arg)) = n.intrinsic() {
        match f {
            "Ref" => {
                if let Some(s) = arg.as_str() {
                    out.insert(s.to_owned());
                }
                return;
            }
            "Fn::GetAtt" => {
                match (&arg.value, arg.as_str()) {
                    (Value::Seq(items), _) => {
                        if let Some(s) = items.first().and_then(Node::as_str) {
                            out.insert(s.to_owned());
                        }
                    }
                    (_, Some(s)) => {
                        out.insert(s.split('.').next().unwrap_or(s).to_owned());
                    }
                    _ => {}
                }
                return;
            }
            "Fn::Sub" => {
                let (text, vars) = match &arg.value {
                    Value::Seq(items) => (items.first(), items.get(1)),
                    _ => (Some(arg), None),
                };
                if let Some(s) = text.and_then(Node::as_str) {
                    sub_vars(s, out);
                }
                if let Some(v) = vars {
                    for (_, x) in v.entries() {
                        collect_refs(x, out);
                    }
                }
                return;
            }
            _ => {}
        }
    }
    match &n.value {
        Value::Seq(items) => items.iter().for_each(|i| collect_refs(i, out)),
        Value::Map(entries) => entries.iter().for_each(|(_, v)| collect_refs(v, out)),
        _ => {}
    }
}

/// The variables of a `Fn::Sub` string: `${Name}` and `${Name.Attr}`, not `${!Literal}`.
fn sub_vars(s: &str, out: &mut BTreeSet<String>) {
    let mut rest = s;
    while let Some(i) = rest.find("${") {
        rest = &rest[i + 2..];
        let Some(end) = rest.find('}') else { break };
        let var = &rest[..end];
        if !var.starts_with('!') && !var.starts_with("AWS::") {
            out.insert(var.split('.').next().unwrap_or(var).to_owned());
        }
        rest = &rest[end + 1..];
    }
}

/// A value as text, resolving `Ref` to a parameter's default; `None` for anything computed.
pub fn scalar(n: &Node, params: &BTreeMap<String, Parameter>) -> Option<String> {
    if let Some(s) = n.as_str() {
        return Some(s.to_owned());
    }
    match n.intrinsic() {
        Some(("Ref", arg)) => params.get(arg.as_str()?)?.default.clone(),
        _ => None,
    }
}

/// Whether a value is `Ref` to a template parameter (set per deployment).
pub fn is_param_ref(n: &Node, params: &BTreeMap<String, Parameter>) -> bool {
    matches!(n.intrinsic(), Some(("Ref", arg)) if arg.as_str().is_some_and(|p| params.contains_key(p)))
}
