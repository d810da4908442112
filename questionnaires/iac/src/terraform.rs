//! Terraform `.tf` files into the same [`Inventory`] the CloudFormation reader fills.
//!
//! Files are parsed with `hcl-edit`, which keeps each expression's byte span (so every fact
//! gets its line) and refuses nesting deeper than 64 levels. The `.tf` files of one directory
//! form a module; each module is read on its own, its resources named by address
//! (`aws_lambda_function.api`), each fact placed at the attribute path (`logging_config.log_format`)
//! and line where it is written — for a value from `var.x`, the variable's `default`.
//!
//! A local module (`source = "./modules/x"`) whose files are among the inputs is read through
//! its call: variables bound to the call's arguments, addresses prefixed (`module.x.…`), outputs
//! usable by the caller. Reading is static ([`value`]): what needs a plan or a download (a module
//! from a registry or Git, `count`/`for_each` expansions, unknown functions, variables without
//! defaults) stays unknown and is reported as a note with its file and line, never guessed. [`read`] maps resource types to inventory facts and
//! links them (which function a mapping feeds, which log group belongs to which function).

mod read;
pub mod value;

use std::collections::BTreeMap;
use std::rc::Rc;

use hcl_edit::structure::{Body, Structure};

use crate::findings::{Finding, Severity};
use crate::inventory::{Inventory, Loc};
use value::{File, Named, Scope, V, Val};

/// One `.tf` file to read.
#[derive(Debug, Clone, Copy)]
pub struct TfFile<'a> {
    /// The name shown in evidence.
    pub name: &'a str,
    /// Its text.
    pub text: &'a str,
    /// Named on the command line (a parse error stops the import), not found by a walk.
    pub explicit: bool,
}

/// A resource (or data source) of a module, its body evaluated.
#[derive(Debug, Clone)]
pub struct Resource {
    /// Its address: `aws_sqs_queue.jobs`, or `data.aws_iam_policy_document.x`.
    pub addr: String,
    /// Its type: `aws_sqs_queue`.
    pub kind: String,
    /// Its body.
    pub body: Val,
    /// The file it is in.
    pub file: Rc<str>,
    /// The line of its `resource` keyword.
    pub line: usize,
}

impl Resource {
    /// Where the resource itself is declared.
    pub fn at(&self) -> Loc {
        self.loc("", self.line)
    }

    /// A place in the resource.
    pub fn loc(&self, path: &str, line: usize) -> Loc {
        Loc {
            file: self.file.to_string(),
            resource: self.addr.clone(),
            path: path.to_owned(),
            line,
        }
    }

    /// Where a value of the resource is written (its own file: a variable's default may be in
    /// another).
    pub fn loc_of(&self, path: &str, v: &Val) -> Loc {
        Loc {
            file: v.file.to_string(),
            resource: self.addr.clone(),
            path: path.to_owned(),
            line: v.line,
        }
    }

    /// The value at a dotted path.
    pub fn get(&self, path: &str) -> Option<&Val> {
        self.body.at(path)
    }
}

/// A module instance's resources and outputs.
pub struct Module {
    /// Resources and data sources, in the order written (those of the modules it calls too).
    pub resources: Vec<Resource>,
    /// Its outputs, evaluated.
    pub outputs: BTreeMap<String, Val>,
}

/// The deepest chain of local modules followed (a module calling itself stops here).
pub const MAX_MODULE_DEPTH: usize = 8;

/// The directory of a file name (`dir/main.tf` → `dir`; `x.zip!a/main.tf` → `x.zip!a`).
fn dir_of(name: &str) -> &str {
    name.rsplit_once(['/', '\\']).map_or(".", |(d, _)| d)
}

/// Parsed files, by module directory.
type Parsed = BTreeMap<String, Vec<(File, Body)>>;

/// Reads `.tf` files (grouped by directory into modules) into an inventory. `side` holds the
/// other files of the inputs (by normalised path: shown name and text), for `file(…)`.
///
/// A directory that another calls as a local module (`source = "./modules/x"`) is read through
/// that call, its variables bound to the call's arguments and its addresses prefixed
/// (`module.x.aws_lambda_function.this`); every other directory is a root module.
pub fn read(
    files: &[TfFile<'_>],
    side: &BTreeMap<String, (&str, &str)>,
) -> Result<(Inventory, Vec<Finding>), crate::Error> {
    let mut notes = Vec::new();
    let mut parsed: Parsed = BTreeMap::new();
    for f in files {
        if let Some(body) = parse(f, &mut notes)? {
            parsed
                .entry(crate::normalise(dir_of(f.name)))
                .or_default()
                .push((File::new(f.name, f.text), body));
        }
    }
    let called: std::collections::BTreeSet<String> = parsed
        .iter()
        .flat_map(|(dir, files)| {
            files
                .iter()
                .flat_map(|(_, body)| module_calls(body))
                .filter_map(|(_, source)| local_dir(dir, &source))
                .filter(|d| d != dir)
                .collect::<Vec<_>>()
        })
        .filter(|d| parsed.contains_key(d))
        .collect();
    let mut inv = Inventory::default();
    for dir in parsed.keys().filter(|d| !called.contains(*d)) {
        let m = module(dir, &parsed, side, None, "", 0, &mut notes);
        inv.absorb(read::resources(&m.resources, &mut notes));
    }
    Ok((inv, notes))
}

/// One file's body; a parse error stops the import for a named file, and is a note otherwise.
fn parse(f: &TfFile<'_>, notes: &mut Vec<Finding>) -> Result<Option<Body>, crate::Error> {
    if f.text.len() > crate::node::MAX_FILE_BYTES {
        return Err(crate::Error::TooLarge {
            file: f.name.to_owned(),
            limit: crate::node::MAX_FILE_BYTES,
        });
    }
    match hcl_edit::parser::parse_body(f.text) {
        Ok(body) => Ok(Some(body)),
        Err(e) => {
            let err = crate::Error::Parse {
                file: f.name.to_owned(),
                line: e.location().line(),
                message: format!("not valid HCL: {}", e.message()),
            };
            if f.explicit {
                return Err(err);
            }
            notes.push(file_note(
                f.name,
                e.location().line(),
                format!("not read: {err}"),
            ));
            Ok(None)
        }
    }
}

/// The `module` blocks of a body: (block, literal source).
fn module_calls(body: &Body) -> Vec<(&hcl_edit::structure::Block, String)> {
    body.iter()
        .filter_map(|s| match s {
            Structure::Block(b) if b.ident.value().as_str() == "module" => {
                let source = b.body.iter().find_map(|s| match s {
                    Structure::Attribute(a) if a.key.value().as_str() == "source" => {
                        a.value.as_str().map(str::to_owned)
                    }
                    _ => None,
                });
                Some((b, source.unwrap_or_default()))
            }
            _ => None,
        })
        .collect()
}

/// The directory a local `source` (`./x`, `../x`) names, relative to `dir`.
fn local_dir(dir: &str, source: &str) -> Option<String> {
    (source.starts_with("./") || source.starts_with("../"))
        .then(|| crate::normalise(&format!("{dir}/{source}")))
}

/// A note at a place.
pub fn note(at: &Loc, message: String) -> Finding {
    Finding::at("note", Severity::Note, at, message)
}

fn file_note(file: &str, line: usize, message: String) -> Finding {
    note(
        &Loc {
            file: file.to_owned(),
            line,
            ..Loc::default()
        },
        message,
    )
}

/// Evaluates one instance of the module in `dir`: its variables bound to `args` (a call's
/// arguments, already evaluated) when it is called, its addresses prefixed with `prefix`.
fn module(
    dir: &str,
    parsed: &Parsed,
    side: &BTreeMap<String, (&str, &str)>,
    args: Option<&BTreeMap<String, Val>>,
    prefix: &str,
    depth: usize,
    notes: &mut Vec<Finding>,
) -> Module {
    let files: &[(File, Body)] = parsed.get(dir).map_or(&[], Vec::as_slice);
    let mut scope = Scope::new(dir.to_owned(), side);
    scope.prefix = prefix.to_owned();
    if let Some(args) = args {
        scope.bound = args.clone();
    }
    // Declarations first: variables and locals may be used before they are written.
    for (file, body) in files {
        for s in body.iter() {
            let Structure::Block(b) = s else { continue };
            let line = file.line_of(b, 0);
            match b.ident.value().as_str() {
                "variable" => {
                    let Some(name) = b.labels.first() else {
                        continue;
                    };
                    let default = b.body.iter().find_map(|s| match s {
                        Structure::Attribute(a) if a.key.value().as_str() == "default" => {
                            Some(&a.value)
                        }
                        _ => None,
                    });
                    scope.vars.insert(
                        name.as_str().to_owned(),
                        Named {
                            expr: default,
                            file,
                            line,
                        },
                    );
                }
                "locals" => {
                    for s in b.body.iter() {
                        if let Structure::Attribute(a) = s {
                            scope.locals.insert(
                                a.key.value().as_str().to_owned(),
                                Named {
                                    expr: Some(&a.value),
                                    file,
                                    line: file.line_of(a, line),
                                },
                            );
                        }
                    }
                }
                _ => {}
            }
        }
    }
    let mut m = Module {
        resources: Vec::new(),
        outputs: BTreeMap::new(),
    };
    // Module calls next, so their outputs are known where they are used.
    for (file, body) in files {
        for (b, source) in module_calls(body) {
            let line = file.line_of(b, 0);
            let Some(name) = b.labels.first().map(|l| l.as_str().to_owned()) else {
                continue;
            };
            let child = local_dir(dir, &source).filter(|d| parsed.contains_key(d));
            let Some(child) = child.filter(|_| depth < MAX_MODULE_DEPTH) else {
                let why = if local_dir(dir, &source).is_none() {
                    "its source is outside the inputs".to_owned()
                } else if depth >= MAX_MODULE_DEPTH {
                    format!("modules nest deeper than {MAX_MODULE_DEPTH} levels")
                } else {
                    "its directory is not among the inputs".to_owned()
                };
                notes.push(file_note(
                    &file.name,
                    line,
                    format!(
                        "module `{name}` (source `{source}`) is not read: {why}; what it declares stays unknown"
                    ),
                ));
                continue;
            };
            let call = scope.body(&b.body, file, line);
            for key in ["count", "for_each"] {
                if call.get(key).is_some() {
                    notes.push(file_note(
                        &file.name,
                        line,
                        format!("module `{name}` has `{key}`: read as one instance"),
                    ));
                }
            }
            let args: BTreeMap<String, Val> = call
                .entries()
                .iter()
                .filter(|(k, _)| !matches!(k.as_str(), "source" | "version" | "providers"))
                .cloned()
                .collect();
            let inner = module(
                &child,
                parsed,
                side,
                Some(&args),
                &format!("{prefix}module.{name}."),
                depth + 1,
                notes,
            );
            scope.outputs.insert(name, inner.outputs);
            m.resources.extend(inner.resources);
        }
    }
    for (file, body) in files {
        for s in body.iter() {
            let Structure::Block(b) = s else { continue };
            let line = file.line_of(b, 0);
            let labels: Vec<&str> = b.labels.iter().map(|l| l.as_str()).collect();
            match (b.ident.value().as_str(), labels.as_slice()) {
                ("resource", [kind, name]) | ("data", [kind, name]) => {
                    let data = b.ident.value().as_str() == "data";
                    let addr = if data {
                        format!("{prefix}data.{kind}.{name}")
                    } else {
                        format!("{prefix}{kind}.{name}")
                    };
                    let body = scope.body(&b.body, file, line);
                    let r = Resource {
                        addr,
                        kind: (*kind).to_owned(),
                        body,
                        file: file.name.clone(),
                        line,
                    };
                    if expansion(&r, notes) == Some(true) {
                        continue;
                    }
                    m.resources.push(r);
                }
                ("output", [name]) => {
                    if let Some(v) = b.body.iter().find_map(|s| match s {
                        Structure::Attribute(a) if a.key.value().as_str() == "value" => {
                            Some(scope.eval(&a.value, file, file.line_of(a, line)))
                        }
                        _ => None,
                    }) {
                        m.outputs.insert((*name).to_owned(), v);
                    }
                }
                _ => {}
            }
        }
    }
    if scope.exhausted() {
        notes.push(file_note(
            dir,
            0,
            format!(
                "more than {} values to evaluate, or {} copied from locals and variables: the rest were left unknown",
                value::MAX_VALUES,
                value::MAX_COPIED
            ),
        ));
    }
    m
}

/// `count` / `for_each`: `Some(true)` when the resource is switched off (`count = 0`),
/// `Some(false)` when it is read once with a note (its instances are made at plan time).
fn expansion(r: &Resource, notes: &mut Vec<Finding>) -> Option<bool> {
    if let Some(c) = r.get("count") {
        return Some(match c.as_f64() {
            Some(n) if n <= 0.0 => {
                notes.push(note(
                    &r.loc_of("count", c),
                    format!("{} has count = 0: not created, skipped", r.addr),
                ));
                true
            }
            Some(1.0) => false,
            _ => {
                notes.push(note(
                    &r.loc_of("count", c),
                    format!(
                        "{} has `count` ({}): read as one resource; how many are made is known at plan time",
                        r.addr,
                        c.unknown().unwrap_or("more than one")
                    ),
                ));
                false
            }
        });
    }
    if let Some(fe) = r.get("for_each") {
        let n = match &fe.v {
            V::Map(e) => Some(e.len()),
            V::List(i) => Some(i.len()),
            _ => None,
        };
        if n == Some(0) {
            notes.push(note(
                &r.loc_of("for_each", fe),
                format!("{} has an empty for_each: not created, skipped", r.addr),
            ));
            return Some(true);
        }
        notes.push(note(
            &r.loc_of("for_each", fe),
            format!(
                "{} has `for_each`: read as one resource; its instances are made at plan time",
                r.addr
            ),
        ));
        return Some(false);
    }
    None
}
