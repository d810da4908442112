//! Terraform expressions evaluated as far as static reading allows.
//!
//! A [`Val`] is a value with the file and line it was written on. Literals, `jsonencode(…)`,
//! `var.x` (its `default`, which keeps its own file and line), `local.x`, string templates whose
//! parts are static, and a few pure functions evaluate; a reference to another resource stays a
//! [`V::Ref`] so the reader can link resources; anything else is [`V::Unknown`] with the reason,
//! never a guess.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use hcl_edit::Span;
use hcl_edit::expr::{BinaryOperator, Expression, ObjectKey, TraversalOperator, UnaryOperator};
use hcl_edit::structure::{Body, Structure};
use hcl_edit::template::{Element, Template};

/// The most values one module evaluates: a 16 MiB file has a few million at most.
pub const MAX_VALUES: usize = 4_000_000;
/// The most values copied from locals and variables where they are used: real modules copy a
/// few thousand; locals that double each other (`l1 = [l0, l0]`, …) reach billions.
pub const MAX_COPIED: usize = 200_000;
/// The deepest chain of `local` and `var` references followed.
pub const MAX_REF_DEPTH: usize = 32;

/// A value.
#[derive(Debug, Clone, PartialEq)]
pub enum V {
    /// `null`, or absent.
    Null,
    /// A boolean.
    Bool(bool),
    /// A number.
    Num(f64),
    /// A string.
    Str(String),
    /// A list or tuple.
    List(Vec<Val>),
    /// An object or a block body, in the order written (a repeated block repeats its key).
    Map(Vec<(String, Val)>),
    /// An attribute of another resource: its address (`aws_sqs_queue.jobs`) and attribute.
    Ref(String, String),
    /// A string whose parts are not all static.
    Template(Vec<Val>),
    /// Not readable statically, and why.
    Unknown(String),
}

/// A value and where it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Val {
    /// The value.
    pub v: V,
    /// The file it was written in.
    pub file: Rc<str>,
    /// The 1-based line.
    pub line: usize,
    /// It is (or comes from) an input variable, set per deployment.
    pub from_var: bool,
}

impl Val {
    /// A value at a place.
    pub fn new(v: V, file: &Rc<str>, line: usize) -> Val {
        Val {
            v,
            file: file.clone(),
            line,
            from_var: false,
        }
    }

    /// The entry `key` of a map (the first, for a repeated block); of a list, its first item's.
    pub fn get(&self, key: &str) -> Option<&Val> {
        match &self.v {
            V::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            V::List(items) => items.first()?.get(key),
            _ => None,
        }
    }

    /// Every entry `key` of a map (a repeated block), items of lists flattened.
    pub fn all(&self, key: &str) -> Vec<&Val> {
        match &self.v {
            V::Map(entries) => entries
                .iter()
                .filter(|(k, _)| k == key)
                .flat_map(|(_, v)| v.items())
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The value at a dotted path (`logging_config.log_format`).
    pub fn at(&self, path: &str) -> Option<&Val> {
        path.split('.').try_fold(self, |v, k| v.get(k))
    }

    /// The text of a string (numbers and booleans as Terraform converts them).
    pub fn as_str(&self) -> Option<String> {
        match &self.v {
            V::Str(s) => Some(s.clone()),
            V::Num(n) => Some(num_text(*n)),
            V::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// A number (`"30"` converts, as Terraform does).
    pub fn as_f64(&self) -> Option<f64> {
        match &self.v {
            V::Num(n) => Some(*n),
            V::Str(s) => s.trim().parse::<f64>().ok().filter(|x| x.is_finite()),
            _ => None,
        }
    }

    /// A boolean (`"true"` converts).
    pub fn as_bool(&self) -> Option<bool> {
        match &self.v {
            V::Bool(b) => Some(*b),
            V::Str(s) => match s.as_str() {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    /// The items of a list (a lone value counts as a list of one; nothing for null).
    pub fn items(&self) -> Vec<&Val> {
        match &self.v {
            V::List(items) => items.iter().collect(),
            V::Null => Vec::new(),
            _ => vec![self],
        }
    }

    /// The entries of a map.
    pub fn entries(&self) -> &[(String, Val)] {
        match &self.v {
            V::Map(entries) => entries,
            _ => &[],
        }
    }

    /// Every resource address the value refers to.
    pub fn refs(&self) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        self.collect_refs(&mut out);
        out
    }

    fn collect_refs(&self, out: &mut BTreeSet<String>) {
        match &self.v {
            V::Ref(addr, _) => {
                out.insert(addr.clone());
            }
            V::List(items) | V::Template(items) => items.iter().for_each(|i| i.collect_refs(out)),
            V::Map(entries) => entries.iter().for_each(|(_, v)| v.collect_refs(out)),
            _ => {}
        }
    }

    /// The static text of a value: strings concatenated, references and unknowns left out (for
    /// searches such as `.waitForTaskToken` or `AdministratorAccess`).
    pub fn text(&self) -> String {
        let mut out = String::new();
        self.push_text(&mut out);
        out
    }

    fn push_text(&self, out: &mut String) {
        match &self.v {
            V::Str(s) => out.push_str(s),
            V::List(items) | V::Template(items) => items.iter().for_each(|i| i.push_text(out)),
            V::Map(entries) => entries.iter().for_each(|(k, v)| {
                out.push_str(k);
                out.push(' ');
                v.push_text(out);
            }),
            _ => {}
        }
    }

    /// A key that two values written with the same expression share, when every part of it is
    /// a literal, a reference or an input variable (`"/aws/lambda/${var.prefix}-fn"`).
    pub fn key(&self) -> Option<String> {
        Some(match &self.v {
            V::Str(s) => s.clone(),
            V::Num(_) | V::Bool(_) => self.as_str()?,
            V::Ref(a, b) => format!("${{{a}.{b}}}"),
            V::Unknown(why) if why.starts_with("`var.") => format!("${{{why}}}"),
            V::Template(parts) => parts.iter().map(Val::key).collect::<Option<String>>()?,
            _ => return None,
        })
    }

    /// Why the value is not static, when it is unknown.
    pub fn unknown(&self) -> Option<&str> {
        match &self.v {
            V::Unknown(why) => Some(why),
            _ => None,
        }
    }

    /// The line of the first string containing `needle`.
    pub fn line_of(&self, needle: &str) -> Option<usize> {
        match &self.v {
            V::Str(s) => s.contains(needle).then_some(self.line),
            V::List(items) | V::Template(items) => items.iter().find_map(|i| i.line_of(needle)),
            V::Map(entries) => entries.iter().find_map(|(_, v)| v.line_of(needle)),
            _ => None,
        }
    }

    fn count(&self) -> usize {
        1 + match &self.v {
            V::List(items) | V::Template(items) => items.iter().map(Val::count).sum(),
            V::Map(entries) => entries.iter().map(|(_, v)| v.count()).sum(),
            _ => 0,
        }
    }

    /// A YAML or JSON tree as a value, its lines shifted by `offset` (a heredoc's first line).
    pub fn from_node(n: &crate::node::Node, file: &Rc<str>, offset: usize) -> Val {
        use crate::node::Value as N;
        let v = match &n.value {
            N::Null => V::Null,
            N::Str(s) => V::Str(s.clone()),
            N::Seq(items) => V::List(
                items
                    .iter()
                    .map(|i| Val::from_node(i, file, offset))
                    .collect(),
            ),
            N::Map(entries) => V::Map(
                entries
                    .iter()
                    .map(|(k, v)| (k.clone(), Val::from_node(v, file, offset)))
                    .collect(),
            ),
        };
        Val::new(v, file, n.line + offset)
    }
}

/// A number as Terraform prints it (`30`, not `30.0`).
pub fn num_text(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
}

/// One `.tf` file: its name and where its lines start.
#[derive(Debug)]
pub struct File {
    /// The name shown in evidence.
    pub name: Rc<str>,
    starts: Vec<usize>,
}

impl File {
    /// A file of `text`.
    pub fn new(name: &str, text: &str) -> File {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        File {
            name: Rc::from(name),
            starts,
        }
    }

    /// The 1-based line of a byte offset.
    pub fn line(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(i) => i + 1,
            Err(i) => i,
        }
    }

    /// The line a spanned item starts on (`fallback` when the parser gave no span).
    pub fn line_of(&self, s: &impl Span, fallback: usize) -> usize {
        s.span().map_or(fallback, |r| self.line(r.start))
    }
}

/// A named expression of a module (a variable's default or a local) with its file.
#[derive(Clone, Copy)]
pub struct Named<'a> {
    /// The expression (`None`: a variable without a default).
    pub expr: Option<&'a Expression>,
    /// Its file.
    pub file: &'a File,
    /// The line it is declared on.
    pub line: usize,
}

/// What expressions of one module can refer to.
pub struct Scope<'a> {
    /// The module's directory (`path.module`).
    pub dir: String,
    /// Input variables.
    pub vars: BTreeMap<String, Named<'a>>,
    /// Locals.
    pub locals: BTreeMap<String, Named<'a>>,
    /// Files in the inputs that `file(…)` may read, by normalised path.
    pub side: &'a BTreeMap<String, (&'a str, &'a str)>,
    /// The prefix of its addresses (`module.x.` inside a module called `x`).
    pub prefix: String,
    /// Variables bound by the module call's arguments.
    pub bound: BTreeMap<String, Val>,
    /// The outputs of the modules it calls, by call name.
    pub outputs: BTreeMap<String, BTreeMap<String, Val>>,
    memo: RefCell<BTreeMap<String, Val>>,
    spent: Cell<usize>,
    copied: Cell<usize>,
    depth: Cell<usize>,
}

impl<'a> Scope<'a> {
    /// A scope for a module in `dir`.
    pub fn new(dir: String, side: &'a BTreeMap<String, (&'a str, &'a str)>) -> Scope<'a> {
        Scope {
            dir,
            vars: BTreeMap::new(),
            locals: BTreeMap::new(),
            side,
            prefix: String::new(),
            bound: BTreeMap::new(),
            outputs: BTreeMap::new(),
            memo: RefCell::new(BTreeMap::new()),
            spent: Cell::new(0),
            copied: Cell::new(0),
            depth: Cell::new(0),
        }
    }

    /// Whether the evaluation budget ran out.
    pub fn exhausted(&self) -> bool {
        self.spent.get() > MAX_VALUES || self.copied.get() > MAX_COPIED
    }

    fn spend(&self, n: usize) -> bool {
        self.spent.set(self.spent.get().saturating_add(n));
        !self.exhausted()
    }

    /// A block body as a map: attributes evaluated, nested blocks as maps (repeated blocks
    /// repeat their key), `dynamic` blocks unknown.
    pub fn body(&self, body: &Body, f: &File, line: usize) -> Val {
        let mut entries = Vec::new();
        for s in body.iter() {
            match s {
                Structure::Attribute(a) => {
                    let at = f.line_of(a, line);
                    let v = self.eval(&a.value, f, at);
                    entries.push((a.key.value().as_str().to_owned(), v));
                }
                Structure::Block(b) => {
                    let at = f.line_of(b, line);
                    let name = b.ident.value().as_str();
                    if name == "dynamic" {
                        let label = b.labels.first().map(|l| l.as_str().to_owned());
                        entries.push((
                            label.unwrap_or_default(),
                            Val::new(
                                V::Unknown("a `dynamic` block (expanded at plan time)".to_owned()),
                                &f.name,
                                at,
                            ),
                        ));
                        continue;
                    }
                    entries.push((name.to_owned(), self.body(&b.body, f, at)));
                }
            }
        }
        Val::new(V::Map(entries), &f.name, line)
    }

    /// Evaluates an expression written in `f`; `line` is where it stands when it has no span.
    pub fn eval(&self, e: &Expression, f: &File, line: usize) -> Val {
        let line = f.line_of(e, line);
        if !self.spend(1) {
            return unknown(
                "too many values to evaluate (a limit of the import)",
                f,
                line,
            );
        }
        let v = match e {
            Expression::Null(_) => V::Null,
            Expression::Bool(b) => V::Bool(*b.value()),
            Expression::Number(n) => match n.value().as_f64() {
                Some(x) if x.is_finite() => V::Num(x),
                _ => V::Unknown("a number out of range".to_owned()),
            },
            Expression::String(s) => V::Str(s.value().clone()),
            Expression::Array(a) => V::List(a.iter().map(|x| self.eval(x, f, line)).collect()),
            Expression::Object(o) => {
                let mut entries = Vec::new();
                for (k, v) in o.iter() {
                    let key_line = match k {
                        ObjectKey::Ident(i) => f.line_of(i, line),
                        ObjectKey::Expression(x) => f.line_of(x, line),
                    };
                    let key = match k {
                        ObjectKey::Ident(i) => i.value().as_str().to_owned(),
                        ObjectKey::Expression(x) => match self.eval(x, f, key_line).as_str() {
                            Some(s) => s,
                            None => {
                                return unknown("an object key that is not static", f, line);
                            }
                        },
                    };
                    entries.push((key, self.eval(v.expr(), f, key_line)));
                }
                V::Map(entries)
            }
            Expression::StringTemplate(t) => return self.template(t, f, line),
            Expression::HeredocTemplate(h) => {
                // Its text starts on the line after `<<EOF`: lines in it count from there.
                return self.template(&h.template, f, line + 1);
            }
            Expression::Parenthesis(p) => return self.eval(p.inner(), f, line),
            Expression::Variable(v) => match v.value().as_str() {
                "true" => V::Bool(true),
                "false" => V::Bool(false),
                "null" => V::Null,
                name => V::Unknown(format!("`{name}` alone is not a value")),
            },
            Expression::Conditional(c) => {
                let cond = self.eval(&c.cond_expr, f, line);
                return match cond.as_bool() {
                    Some(true) => self.eval(&c.true_expr, f, line),
                    Some(false) => self.eval(&c.false_expr, f, line),
                    None => unknown("a condition not known before plan", f, line),
                };
            }
            Expression::FuncCall(call) => return self.call(call, f, line),
            Expression::Traversal(t) => return self.traversal(t, f, line),
            Expression::UnaryOp(u) => {
                let x = self.eval(&u.expr, f, line);
                match (u.operator.value(), &x.v) {
                    (UnaryOperator::Neg, V::Num(n)) => V::Num(-n),
                    (UnaryOperator::Not, V::Bool(b)) => V::Bool(!b),
                    _ => V::Unknown("an operation on a value not known before plan".to_owned()),
                }
            }
            Expression::BinaryOp(op) => {
                let l = self.eval(&op.lhs_expr, f, line);
                let r = self.eval(&op.rhs_expr, f, line);
                binary(*op.operator.value(), &l, &r)
            }
            Expression::ForExpr(_) => V::Unknown("a `for` expression".to_owned()),
        };
        Val::new(v, &f.name, line)
    }

    fn template(&self, t: &Template, f: &File, line: usize) -> Val {
        let mut parts: Vec<Val> = Vec::new();
        for el in t.iter() {
            match el {
                Element::Literal(s) => {
                    parts.push(Val::new(V::Str(s.value().clone()), &f.name, line));
                }
                Element::Interpolation(i) => parts.push(self.eval(&i.expr, f, line)),
                Element::Directive(_) => {
                    return unknown("a template `%{…}` directive", f, line);
                }
            }
        }
        if parts.iter().all(|p| p.as_str().is_some()) {
            let s: String = parts.iter().filter_map(Val::as_str).collect();
            let from_var = parts.iter().any(|p| p.from_var);
            return Val {
                from_var,
                ..Val::new(V::Str(s), &f.name, line)
            };
        }
        if let [one] = parts.as_slice() {
            // `"${aws_sqs_queue.q.arn}"` is the reference itself.
            return Val {
                line,
                ..one.clone()
            };
        }
        Val::new(V::Template(parts), &f.name, line)
    }

    fn named(&self, kind: &str, name: &str, f: &File, line: usize) -> Val {
        let table = if kind == "var" {
            &self.vars
        } else {
            &self.locals
        };
        if kind == "var"
            && let Some(v) = self.bound.get(name)
        {
            self.copied.set(self.copied.get().saturating_add(v.count()));
            return v.clone();
        }
        let Some(n) = table.get(name).copied() else {
            return unknown(&format!("`{kind}.{name}` is not declared"), f, line);
        };
        let key = format!("{kind}.{name}");
        if let Some(v) = self.memo.borrow().get(&key) {
            self.copied.set(self.copied.get().saturating_add(v.count()));
            return if self.exhausted() {
                unknown(
                    "too many values to evaluate (a limit of the import)",
                    f,
                    line,
                )
            } else {
                v.clone()
            };
        }
        if self.depth.get() >= MAX_REF_DEPTH {
            return unknown(
                &format!("`{key}` refers through more than {MAX_REF_DEPTH} locals or variables"),
                f,
                line,
            );
        }
        let mut v = match n.expr {
            Some(e) => {
                self.depth.set(self.depth.get() + 1);
                let v = self.eval(e, n.file, n.line);
                self.depth.set(self.depth.get() - 1);
                v
            }
            None => unknown(
                &format!("`var.{name}` has no default (set at plan time)"),
                n.file,
                n.line,
            ),
        };
        if kind == "var" {
            v.from_var = true;
        }
        self.memo.borrow_mut().insert(key, v.clone());
        v
    }

    fn traversal(&self, t: &hcl_edit::expr::Traversal, f: &File, line: usize) -> Val {
        let ops: Vec<&TraversalOperator> = t.operators.iter().map(|o| o.value()).collect();
        let attr = |i: usize| match ops.get(i) {
            Some(TraversalOperator::GetAttr(a)) => Some(a.value().as_str()),
            _ => None,
        };
        if let Expression::Variable(root) = &t.expr {
            let root = root.value().as_str();
            match root {
                "var" | "local" => {
                    let Some(name) = attr(0) else {
                        return unknown(&format!("`{root}` without a name"), f, line);
                    };
                    let base = self.named(root, name, f, line);
                    return self.index(base, &ops[1..], f, line);
                }
                "path" => {
                    return match attr(0) {
                        Some("module" | "root") => {
                            Val::new(V::Str(self.dir.clone()), &f.name, line)
                        }
                        _ => unknown("`path.cwd`", f, line),
                    };
                }
                "module" => {
                    let (name, output) = (attr(0).unwrap_or("?"), attr(1).unwrap_or("?"));
                    return match self.outputs.get(name).and_then(|o| o.get(output)) {
                        Some(v) => self.index(v.clone(), &ops[2..], f, line),
                        None => unknown(
                            &format!("output `{output}` of module `{name}` (not read)"),
                            f,
                            line,
                        ),
                    };
                }
                "count" | "each" | "self" => {
                    return unknown(&format!("`{root}.…` (expanded at plan time)"), f, line);
                }
                "data" => {
                    if let (Some(kind), Some(name)) = (attr(0), attr(1)) {
                        let rest = first_attr(&ops[2..]);
                        return Val::new(
                            V::Ref(format!("{}data.{kind}.{name}", self.prefix), rest),
                            &f.name,
                            line,
                        );
                    }
                }
                kind => {
                    if let Some(name) = attr(0) {
                        // A resource: `aws_sqs_queue.q.arn`, `aws_x.y[0].id`, `aws_x.y[*].arn`.
                        let rest = first_attr(&ops[1..]);
                        let addr = format!("{}{kind}.{name}", self.prefix);
                        return Val::new(V::Ref(addr, rest), &f.name, line);
                    }
                }
            }
        }
        let base = self.eval(&t.expr, f, line);
        self.index(base, &ops, f, line)
    }

    /// Applies `.attr` and `[index]` to a value known statically.
    fn index(&self, mut v: Val, ops: &[&TraversalOperator], f: &File, line: usize) -> Val {
        for op in ops {
            let next = match op {
                TraversalOperator::GetAttr(a) => v.get(a.value().as_str()).cloned(),
                TraversalOperator::Index(e) => {
                    let i = self.eval(e, f, line);
                    match (&v.v, i.as_f64(), i.as_str()) {
                        (V::List(items), Some(n), _) if n >= 0.0 => items.get(n as usize).cloned(),
                        (V::Map(_), _, Some(k)) => v.get(&k).cloned(),
                        _ => None,
                    }
                }
                TraversalOperator::LegacyIndex(n) => match &v.v {
                    V::List(items) => usize::try_from(*n.value())
                        .ok()
                        .and_then(|n| items.get(n).cloned()),
                    _ => None,
                },
                TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => None,
            };
            v = match next {
                Some(n) => Val {
                    from_var: v.from_var || n.from_var,
                    ..n
                },
                None if v.unknown().is_some() => return v,
                None => return unknown("an attribute or index not known statically", f, line),
            };
        }
        v
    }

    fn call(&self, call: &hcl_edit::expr::FuncCall, f: &File, line: usize) -> Val {
        let name = call.name.name.value().as_str();
        let args: Vec<Val> = call.args.iter().map(|a| self.eval(a, f, line)).collect();
        let first = args.first();
        let v = match name {
            "jsonencode" | "yamlencode" | "tostring" | "tonumber" | "tobool" | "tolist"
            | "toset" | "tomap" | "sensitive" | "nonsensitive" => match first {
                Some(v) => {
                    return match (name, v.as_f64()) {
                        ("tonumber", Some(n)) => Val::new(V::Num(n), &v.file, v.line),
                        _ => v.clone(),
                    };
                }
                None => V::Null,
            },
            "jsondecode" | "yamldecode" => match first.and_then(Val::as_str) {
                Some(text) => match crate::node::parse(&text, &f.name) {
                    Ok(d) => return Val::from_node(&d.root, &f.name, line.saturating_sub(1)),
                    Err(_) => V::Unknown(format!("`{name}` of text that does not parse")),
                },
                None => V::Unknown(format!("`{name}` of a value not known statically")),
            },
            "file" | "templatefile" => return self.file(name, first, f, line),
            "lower" | "upper" | "trimspace" => match first.and_then(Val::as_str) {
                Some(s) => V::Str(match name {
                    "lower" => s.to_lowercase(),
                    "upper" => s.to_uppercase(),
                    _ => s.trim().to_owned(),
                }),
                None => V::Unknown(format!("`{name}` of a value not known statically")),
            },
            "try" | "coalesce" => {
                return args
                    .iter()
                    .find(|a| a.unknown().is_none() && a.v != V::Null)
                    .cloned()
                    .unwrap_or_else(|| unknown(&format!("`{name}` of values not known"), f, line));
            }
            "lookup" => match (args.first(), args.get(1).and_then(Val::as_str)) {
                (Some(m), Some(k)) if matches!(m.v, V::Map(_)) => {
                    return m
                        .get(&k)
                        .or(args.get(2))
                        .cloned()
                        .unwrap_or_else(|| unknown("`lookup` of a missing key", f, line));
                }
                _ => V::Unknown("`lookup` of a value not known statically".to_owned()),
            },
            "merge" if args.iter().all(|a| matches!(a.v, V::Map(_))) => {
                let mut entries: Vec<(String, Val)> = Vec::new();
                for a in &args {
                    for (k, v) in a.entries() {
                        entries.retain(|(x, _)| x != k);
                        entries.push((k.clone(), v.clone()));
                    }
                }
                V::Map(entries)
            }
            "concat" if args.iter().all(|a| matches!(a.v, V::List(_))) => {
                V::List(args.iter().flat_map(|a| a.items()).cloned().collect())
            }
            "format" if args.iter().all(|a| a.as_str().is_some()) => {
                let mut rest = args.iter().skip(1).filter_map(Val::as_str);
                let fmt = first.and_then(Val::as_str).unwrap_or_default();
                let mut out = String::new();
                let mut chars = fmt.chars().peekable();
                while let Some(c) = chars.next() {
                    if c == '%' {
                        match chars.next() {
                            Some('%') => out.push('%'),
                            Some(_) => out.push_str(&rest.next().unwrap_or_default()),
                            None => out.push('%'),
                        }
                    } else {
                        out.push(c);
                    }
                }
                V::Str(out)
            }
            _ => {
                // Keep the references inside (a queue's ARN in `format(…)`), so links hold.
                let refs: Vec<Val> = args.into_iter().filter(|a| !a.refs().is_empty()).collect();
                if refs.is_empty() {
                    V::Unknown(format!("function `{name}(…)` is not evaluated statically"))
                } else {
                    V::Template(refs)
                }
            }
        };
        Val::new(v, &f.name, line)
    }

    /// `file(path)` / `templatefile(path, vars)` of a file in the inputs: JSON or YAML read as
    /// a value (lines from that file), anything else as its text.
    fn file(&self, name: &str, path: Option<&Val>, f: &File, line: usize) -> Val {
        let Some(path) = path.and_then(Val::as_str) else {
            return unknown(&format!("`{name}` of a path not known statically"), f, line);
        };
        let full = if path.starts_with('/') || path.starts_with(&self.dir) {
            path.clone()
        } else {
            format!("{}/{path}", self.dir)
        };
        let Some((shown, text)) = self.side.get(&crate::normalise(&full)) else {
            return unknown(
                &format!("`{name}(\"{path}\")`: the file is not among the inputs"),
                f,
                line,
            );
        };
        let shown: Rc<str> = Rc::from(*shown);
        match crate::node::parse(text, &shown) {
            Ok(d) if !matches!(d.root.value, crate::node::Value::Str(_)) => {
                Val::from_node(&d.root, &shown, 0)
            }
            _ => Val::new(V::Str((*text).to_owned()), &shown, 1),
        }
    }
}

fn first_attr(ops: &[&TraversalOperator]) -> String {
    ops.iter()
        .find_map(|o| match o {
            TraversalOperator::GetAttr(a) => Some(a.value().as_str().to_owned()),
            _ => None,
        })
        .unwrap_or_default()
}

fn unknown(why: &str, f: &File, line: usize) -> Val {
    Val::new(V::Unknown(why.to_owned()), &f.name, line)
}

fn binary(op: BinaryOperator, l: &Val, r: &Val) -> V {
    use BinaryOperator as B;
    match (op, l.as_f64(), r.as_f64(), l.as_bool(), r.as_bool()) {
        (B::Plus, Some(a), Some(b), ..) => V::Num(a + b),
        (B::Minus, Some(a), Some(b), ..) => V::Num(a - b),
        (B::Mul, Some(a), Some(b), ..) => V::Num(a * b),
        (B::Div, Some(a), Some(b), ..) if b != 0.0 => V::Num(a / b),
        (B::Less, Some(a), Some(b), ..) => V::Bool(a < b),
        (B::LessEq, Some(a), Some(b), ..) => V::Bool(a <= b),
        (B::Greater, Some(a), Some(b), ..) => V::Bool(a > b),
        (B::GreaterEq, Some(a), Some(b), ..) => V::Bool(a >= b),
        (B::And, _, _, Some(a), Some(b)) => V::Bool(a && b),
        (B::Or, _, _, Some(a), Some(b)) => V::Bool(a || b),
        (B::Eq | B::NotEq, ..) if l.unknown().is_none() && r.unknown().is_none() => {
            if matches!(l.v, V::Ref(..) | V::Template(_))
                || matches!(r.v, V::Ref(..) | V::Template(_))
            {
                return V::Unknown("a comparison of values not known before plan".to_owned());
            }
            let same = l.v == r.v || (l.as_str().is_some() && l.as_str() == r.as_str());
            V::Bool(if op == B::Eq { same } else { !same })
        }
        _ => V::Unknown("an operation on values not known before plan".to_owned()),
    }
}
