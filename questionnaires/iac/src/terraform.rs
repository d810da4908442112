//! Terraform `.tf` files into the same [`Inventory`] the CloudFormation reader fills.
//!
//! Files are parsed with `hcl-edit`, which keeps each expression's byte span (so every fact
//! gets its line) and refuses nesting deeper than 64 levels. The `.tf` files of one directory
//! form a module; each module is read on its own, its resources named by address
//! (`aws_lambda_function.api`), each fact placed at the attribute path (`logging_config.log_format`)
//! and line where it is written — for a value from `var.x`, the variable's `default`.
//!
//! Reading is static ([`value`]): what needs a plan (a `module` from elsewhere, `count`/`for_each`
//! expansions, unknown functions, variables without defaults) stays unknown and is reported as a
//! note with its file and line, never guessed. [`read`] maps resource types to inventory facts and
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

/// A module's resources, and the notes made while reading them.
pub struct Module {
    /// Resources and data sources, in the order written.
    pub resources: Vec<Resource>,
    /// Notes: what could not be read statically.
    pub notes: Vec<Finding>,
}

/// The directory of a file name (`dir/main.tf` → `dir`; `x.zip!a/main.tf` → `x.zip!a`).
fn dir_of(name: &str) -> &str {
    name.rsplit_once(['/', '\\']).map_or(".", |(d, _)| d)
}

/// Reads `.tf` files (grouped by directory into modules) into an inventory. `side` holds the
/// other files of the inputs (by normalised path: shown name and text), for `file(…)`.
pub fn read(
    files: &[TfFile<'_>],
    side: &BTreeMap<String, (&str, &str)>,
) -> Result<(Inventory, Vec<Finding>), crate::Error> {
    let mut by_dir: BTreeMap<&str, Vec<TfFile<'_>>> = BTreeMap::new();
    for f in files {
        by_dir.entry(dir_of(f.name)).or_default().push(*f);
    }
    let mut inv = Inventory::default();
    let mut notes = Vec::new();
    for (dir, files) in by_dir {
        let m = module(dir, &files, side, &mut notes)?;
        notes.extend(m.notes);
        inv.absorb(read::resources(&m.resources, &mut notes));
    }
    Ok((inv, notes))
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

/// Parses and evaluates the files of one module.
fn module(
    dir: &str,
    files: &[TfFile<'_>],
    side: &BTreeMap<String, (&str, &str)>,
    notes: &mut Vec<Finding>,
) -> Result<Module, crate::Error> {
    let mut parsed: Vec<(File, Body)> = Vec::new();
    for f in files {
        if f.text.len() > crate::node::MAX_FILE_BYTES {
            return Err(crate::Error::TooLarge {
                file: f.name.to_owned(),
                limit: crate::node::MAX_FILE_BYTES,
            });
        }
        match hcl_edit::parser::parse_body(f.text) {
            Ok(body) => parsed.push((File::new(f.name, f.text), body)),
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
            }
        }
    }
    let mut scope = Scope::new(dir.to_owned(), side);
    // Declarations first: variables and locals may be used before they are written.
    for (file, body) in &parsed {
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
        notes: Vec::new(),
    };
    for (file, body) in &parsed {
        for s in body.iter() {
            let Structure::Block(b) = s else { continue };
            let line = file.line_of(b, 0);
            let labels: Vec<&str> = b.labels.iter().map(|l| l.as_str()).collect();
            match (b.ident.value().as_str(), labels.as_slice()) {
                ("resource", [kind, name]) | ("data", [kind, name]) => {
                    let data = b.ident.value().as_str() == "data";
                    let addr = if data {
                        format!("data.{kind}.{name}")
                    } else {
                        format!("{kind}.{name}")
                    };
                    let body = scope.body(&b.body, file, line);
                    let r = Resource {
                        addr,
                        kind: (*kind).to_owned(),
                        body,
                        file: file.name.clone(),
                        line,
                    };
                    if expansion(&r, &mut m.notes) == Some(true) {
                        continue;
                    }
                    m.resources.push(r);
                }
                ("module", [name]) => {
                    let source = b
                        .body
                        .iter()
                        .find_map(|s| match s {
                            Structure::Attribute(a) if a.key.value().as_str() == "source" => {
                                scope.eval(&a.value, file, line).as_str()
                            }
                            _ => None,
                        })
                        .unwrap_or_default();
                    let local = source.starts_with("./") || source.starts_with("../");
                    m.notes.push(file_note(
                        &file.name,
                        line,
                        format!(
                            "module `{name}` (source `{source}`) is not read: {}; what it declares stays unknown",
                            if local {
                                "a local module's resources are not followed yet"
                            } else {
                                "its source is outside the inputs"
                            }
                        ),
                    ));
                }
                _ => {}
            }
        }
    }
    if scope.exhausted() {
        m.notes.push(file_note(
            dir,
            0,
            format!(
                "more than {} values to evaluate, or {} copied from locals and variables: the rest were left unknown",
                value::MAX_VALUES,
                value::MAX_COPIED
            ),
        ));
    }
    Ok(m)
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
