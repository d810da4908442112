//! The checks `import-all` runs on a whole document before it writes anything: its header,
//! then every row of every table, each error naming the table, row index and column.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};

use super::tables::{Column, Kind, TABLES, Table};
use super::{Counts, FORMAT, PortableError, VERSION, column};

/// Checks `format`, `version` and `schema`, and returns `tables`.
pub(super) fn check_header(doc: &Value, schema: i64) -> Result<&Map<String, Value>, PortableError> {
    let invalid = |m: String| Err(PortableError::Invalid(m));
    if doc.get("format").and_then(Value::as_str) != Some(FORMAT) {
        return invalid(format!(
            "not a Trellis export: \"format\" is {}, expected \"{FORMAT}\"",
            describe(doc.get("format"))
        ));
    }
    if doc.get("version").and_then(Value::as_u64) != Some(VERSION) {
        return invalid(format!(
            "unknown export version: \"version\" is {}, this Trellis reads version {VERSION}",
            describe(doc.get("version"))
        ));
    }
    match doc.get("schema").and_then(Value::as_i64) {
        Some(s) if s == schema => {}
        Some(s) if s > schema => {
            return invalid(format!(
                "the export is of schema {s}, newer than this Trellis (schema {schema}): \
                 import it with the Trellis that wrote it, or a newer one"
            ));
        }
        Some(s) => {
            return invalid(format!(
                "the export is of schema {s}, older than this Trellis (schema {schema}): run this \
                 version's export-all on the old database (it upgrades it first) and import that"
            ));
        }
        None => {
            return invalid(format!(
                "\"schema\" is {}, expected an integer",
                describe(doc.get("schema"))
            ));
        }
    }
    match doc.get("tables") {
        Some(Value::Object(tables)) => Ok(tables),
        other => invalid(format!(
            "\"tables\" is {}, expected an object",
            describe(other)
        )),
    }
}

/// The rows of a table of a checked document.
pub(super) fn rows_of<'d>(tables: &'d Map<String, Value>, table: &Table) -> &'d [Value] {
    tables
        .get(table.name)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// Checks every row of every table before anything is written, and counts them.
pub(super) fn check_rows(tables: &Map<String, Value>) -> Result<Counts, PortableError> {
    if let Some(name) = tables.keys().find(|n| !TABLES.iter().any(|t| t.name == *n)) {
        return Err(PortableError::Invalid(format!(
            "tables.{name}: no such table"
        )));
    }
    // The ids of the rows seen so far, of the tables other rows reference.
    let mut ids: HashMap<&str, HashSet<&str>> = HashMap::new();
    let mut counts = Vec::with_capacity(TABLES.len());
    for table in TABLES {
        let rows = match tables.get(table.name) {
            Some(Value::Array(rows)) => rows,
            other => {
                return Err(PortableError::Invalid(format!(
                    "tables.{} is {}, expected an array of rows",
                    table.name,
                    describe(other)
                )));
            }
        };
        let mut keys = HashSet::new();
        for (i, row) in rows.iter().enumerate() {
            let at = |what: &str| format!("tables.{}[{i}]{what}", table.name);
            let Value::Object(row) = row else {
                return Err(PortableError::Invalid(format!(
                    "{} is {}, expected an object",
                    at(""),
                    describe(Some(row))
                )));
            };
            if let Some(k) = row.keys().find(|k| column(table, k).is_none()) {
                return Err(PortableError::Invalid(format!(
                    "{}: table {} has no such column",
                    at(&format!(".{k}")),
                    table.name
                )));
            }
            for c in table.columns {
                let value = row.get(c.name);
                check_value(c, value, &ids).map_err(|problem| {
                    PortableError::Invalid(format!("{}: {problem}", at(&format!(".{}", c.name))))
                })?;
            }
            let key: Vec<Option<&Value>> = table.key.iter().map(|k| row.get(*k)).collect();
            if !keys.insert(serde_json::to_string(&key).unwrap_or_default()) {
                return Err(PortableError::Invalid(format!(
                    "{}: primary key ({}) {} is already taken by an earlier row",
                    at(""),
                    table.key.join(", "),
                    serde_json::to_string(&key).unwrap_or_default()
                )));
            }
            if let (["id"], Some(id)) = (table.key, row.get("id").and_then(Value::as_str)) {
                ids.entry(table.name).or_default().insert(id);
            }
        }
        counts.push((table.name, rows.len() as u64));
    }
    Ok(Counts(counts))
}

/// Checks one value against its column: its type, and that the parent it names is there.
fn check_value(
    c: &Column,
    value: Option<&Value>,
    ids: &HashMap<&str, HashSet<&str>>,
) -> Result<(), String> {
    let typed = match (c.kind, value) {
        (_, Some(Value::Null)) => c.nullable,
        (Kind::Int, Some(v)) => v.as_i64().is_some(),
        (Kind::Text, Some(v)) => v.is_string(),
        (_, None) => false,
    };
    if !typed {
        let expected = match c.kind {
            Kind::Int => "an integer",
            Kind::Text => "a string",
        };
        let or_null = if c.nullable { " or null" } else { "" };
        return Err(match value {
            None => format!("missing, expected {expected}{or_null}"),
            Some(_) => format!("expected {expected}{or_null}, found {}", describe(value)),
        });
    }
    match (c.parent, value.and_then(Value::as_str)) {
        (Some(parent), Some(id)) if !ids.get(parent).is_some_and(|s| s.contains(id)) => Err(
            format!("no {parent} row has id {id:?} (a row must come with its parent)"),
        ),
        _ => Ok(()),
    }
}

/// A JSON value as an error message shows it.
fn describe(value: Option<&Value>) -> String {
    match value {
        None => "missing".into(),
        Some(Value::Null) => "null".into(),
        Some(Value::Bool(b)) => b.to_string(),
        Some(Value::Number(n)) => format!("the number {n}"),
        Some(Value::String(s)) if s.chars().count() > 40 => {
            let head: String = s.chars().take(40).collect();
            format!("the string {head:?}…")
        }
        Some(Value::String(s)) => format!("the string {s:?}"),
        Some(Value::Array(_)) => "an array".into(),
        Some(Value::Object(_)) => "an object".into(),
    }
}
