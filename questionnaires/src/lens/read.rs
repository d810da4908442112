//! Reading lens JSON: syntax, then the shape of every known key, then the typed structs.
//!
//! The shape pass reports a value of the wrong type with its JSON pointer and removes it, so
//! the typed read that follows cannot fail and the linter can go on to check everything else.
//! Keys the format does not have are counted per kind of object and reported once each.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::format::Lens;
use super::{Finding, Severity, spec};

/// What the reader found: the lens (unless the text is not a JSON object), and the findings.
pub(crate) struct Read {
    pub lens: Option<Lens>,
    pub findings: Vec<Finding>,
    /// Pointers whose value was reported as malformed and removed: nothing under them is
    /// reported again as missing.
    pub broken: BTreeSet<String>,
}

impl Read {
    /// Whether `pointer`, or an object above it, was reported as malformed.
    pub fn is_broken(&self, pointer: &str) -> bool {
        self.broken.contains(pointer)
            || pointer
                .match_indices('/')
                .any(|(i, _)| i > 0 && self.broken.contains(&pointer[..i]))
    }
}

#[derive(Clone, Copy)]
enum Kind {
    Str,
    Obj(&'static Shape),
    Arr(&'static Shape),
}

/// Whether a key is in the format, read although it is not, or a misspelling.
#[derive(Clone, Copy)]
enum Note {
    Spec,
    /// Not in the format; the text says what Trellis does with it.
    Extra(&'static str),
    /// A misspelling of the key named.
    Misspelled(&'static str),
}

struct Shape {
    /// The object, in messages: "the lens", "a question", …
    what: &'static str,
    /// The plural, for counts.
    many: &'static str,
    fields: &'static [(&'static str, Kind, Note)],
}

const RESOURCE: Shape = Shape {
    what: "a link",
    many: "links",
    fields: &[
        ("displayText", Kind::Str, Note::Spec),
        ("url", Kind::Str, Note::Spec),
        ("Url", Kind::Str, Note::Misspelled("url")),
    ],
};
const ADDITIONAL: Shape = Shape {
    what: "an additional resource",
    many: "additional resources",
    fields: &[
        ("type", Kind::Str, Note::Spec),
        ("content", Kind::Arr(&RESOURCE), Note::Spec),
    ],
};
const RULE: Shape = Shape {
    what: "a risk rule",
    many: "risk rules",
    fields: &[
        ("condition", Kind::Str, Note::Spec),
        ("risk", Kind::Str, Note::Spec),
    ],
};
const CHOICE: Shape = Shape {
    what: "a choice",
    many: "choices",
    fields: &[
        ("id", Kind::Str, Note::Spec),
        ("title", Kind::Str, Note::Spec),
        (
            "description",
            Kind::Str,
            Note::Extra("Trellis shows it as the choice's help"),
        ),
        ("helpfulResource", Kind::Obj(&RESOURCE), Note::Spec),
        ("improvementPlan", Kind::Obj(&RESOURCE), Note::Spec),
        ("additionalResources", Kind::Arr(&ADDITIONAL), Note::Spec),
    ],
};
const QUESTION: Shape = Shape {
    what: "a question",
    many: "questions",
    fields: &[
        ("id", Kind::Str, Note::Spec),
        ("title", Kind::Str, Note::Spec),
        ("description", Kind::Str, Note::Spec),
        ("helpfulResource", Kind::Obj(&RESOURCE), Note::Spec),
        (
            "url",
            Kind::Str,
            Note::Extra("Trellis uses it as the question's link when its helpfulResource has none"),
        ),
        ("choices", Kind::Arr(&CHOICE), Note::Spec),
        ("riskRules", Kind::Arr(&RULE), Note::Spec),
    ],
};
const PILLAR: Shape = Shape {
    what: "a pillar",
    many: "pillars",
    fields: &[
        ("id", Kind::Str, Note::Spec),
        ("name", Kind::Str, Note::Spec),
        ("questions", Kind::Arr(&QUESTION), Note::Spec),
    ],
};
const LENS: Shape = Shape {
    what: "the lens",
    many: "lenses",
    fields: &[
        ("schemaVersion", Kind::Str, Note::Spec),
        ("name", Kind::Str, Note::Spec),
        ("description", Kind::Str, Note::Spec),
        ("pillars", Kind::Arr(&PILLAR), Note::Spec),
    ],
};

/// Escapes a key for a JSON pointer.
pub(crate) fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

struct Extra {
    count: usize,
    pointer: String,
    note: Option<&'static str>,
    many: &'static str,
    what: &'static str,
}

struct Ctx {
    findings: Vec<Finding>,
    broken: BTreeSet<String>,
    extra: BTreeMap<(&'static str, String), Extra>,
}

impl Ctx {
    fn wrong_type(&mut self, pointer: String, key: &str, what: &str, expected: &str) {
        self.findings.push(Finding::new(
            Severity::Error,
            "bad-type",
            None,
            pointer.clone(),
            format!("`{key}` of {what} must be {expected}"),
        ));
        self.broken.insert(pointer);
    }

    fn extra(&mut self, shape: &Shape, key: &str, pointer: &str, note: Option<&'static str>) {
        let e = self
            .extra
            .entry((shape.what, key.to_owned()))
            .or_insert_with(|| Extra {
                count: 0,
                pointer: pointer.to_owned(),
                note,
                many: shape.many,
                what: shape.what,
            });
        e.count += 1;
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn walk(map: &mut serde_json::Map<String, Value>, shape: &'static Shape, ptr: &str, ctx: &mut Ctx) {
    let keys: Vec<String> = map.keys().cloned().collect();
    for key in keys {
        let pointer = format!("{ptr}/{}", escape(&key));
        let Some(&(_, kind, note)) = shape.fields.iter().find(|(k, _, _)| *k == key) else {
            ctx.extra(shape, &key, &pointer, None);
            continue;
        };
        match note {
            Note::Spec => {}
            Note::Extra(text) => ctx.extra(shape, &key, &pointer, Some(text)),
            Note::Misspelled(right) => {
                if map.get(&key).is_some_and(|v| !v.is_null()) {
                    ctx.findings.push(Finding::new(
                        Severity::Warning,
                        "misspelled-key",
                        None,
                        pointer.clone(),
                        format!(
                            "`{key}` is not a lens format key; the format spells it `{right}`. \
                             Trellis reads it as `{right}`, AWS may ignore it"
                        ),
                    ));
                }
            }
        }
        let Some(value) = map.get_mut(&key) else {
            continue;
        };
        let ok = match (kind, &mut *value) {
            (_, Value::Null) | (Kind::Str, Value::String(_)) => true,
            (Kind::Obj(inner), Value::Object(m)) => {
                walk(m, inner, &pointer, ctx);
                true
            }
            (Kind::Arr(inner), Value::Array(items)) => {
                for (i, item) in items.iter_mut().enumerate() {
                    let ip = format!("{pointer}/{i}");
                    match item {
                        Value::Object(m) => walk(m, inner, &ip, ctx),
                        other => {
                            let found = type_name(other);
                            ctx.wrong_type(
                                ip,
                                &format!("{key}[{i}]"),
                                shape.what,
                                &format!("an object, not {found}"),
                            );
                            *other = Value::Object(serde_json::Map::new());
                        }
                    }
                }
                true
            }
            _ => false,
        };
        if !ok {
            let expected = match kind {
                Kind::Str => "a string",
                Kind::Obj(_) => "an object",
                Kind::Arr(_) => "an array",
            };
            let found = type_name(value);
            ctx.wrong_type(
                pointer,
                &key,
                shape.what,
                &format!("{expected}, not {found}"),
            );
            map.remove(&key);
        }
    }
}

/// Reads lens JSON text. Never panics.
pub(crate) fn read(json: &str) -> Read {
    let mut ctx = Ctx {
        findings: Vec::new(),
        broken: BTreeSet::new(),
        extra: BTreeMap::new(),
    };
    if json.len() > spec::MAX_LENS_BYTES {
        ctx.findings.push(Finding::new(
            Severity::Error,
            "too-large",
            None,
            String::new(),
            format!(
                "the lens is {} KB; AWS imports lenses of at most {} KB",
                json.len().div_ceil(1024),
                spec::MAX_LENS_BYTES / 1024
            ),
        ));
    }
    let mut value: Value = match serde_json::from_str(json) {
        Ok(v) => v,
        Err(e) => {
            ctx.findings.push(Finding::new(
                Severity::Error,
                "json",
                None,
                String::new(),
                format!(
                    "not valid JSON at line {}, column {}: {e}",
                    e.line(),
                    e.column()
                ),
            ));
            return Read {
                lens: None,
                findings: ctx.findings,
                broken: ctx.broken,
            };
        }
    };
    let Value::Object(map) = &mut value else {
        let found = type_name(&value);
        ctx.findings.push(Finding::new(
            Severity::Error,
            "bad-type",
            None,
            String::new(),
            format!("a lens is a JSON object, not {found}"),
        ));
        return Read {
            lens: None,
            findings: ctx.findings,
            broken: ctx.broken,
        };
    };
    walk(map, &LENS, "", &mut ctx);
    for ((_, key), e) in std::mem::take(&mut ctx.extra) {
        let place = if e.count == 1 {
            format!("on {}", e.what)
        } else {
            format!("on {} {}", e.count, e.many)
        };
        let then = e.note.unwrap_or("Trellis ignores it");
        ctx.findings.push(Finding::new(
            Severity::Warning,
            "unknown-key",
            None,
            e.pointer,
            format!(
                "`{key}` ({place}) is not a lens format key: AWS may ignore or refuse it; {then}"
            ),
        ));
    }
    let lens = match serde_json::from_value::<Lens>(value) {
        Ok(lens) => Some(lens),
        Err(e) => {
            // The shape pass removes what serde would refuse, so this is a defect of ours;
            // reported, never a panic.
            ctx.findings.push(Finding::new(
                Severity::Error,
                "json",
                None,
                String::new(),
                format!("the lens could not be read: {e}"),
            ));
            None
        }
    };
    Read {
        lens,
        findings: ctx.findings,
        broken: ctx.broken,
    }
}
