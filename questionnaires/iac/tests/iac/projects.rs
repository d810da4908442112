//! Real public projects (`tests/projects/*`, each with its source in `SOURCE.md`) imported and
//! compared, field by field, with a careful human reading of their templates (`expected.toml`).
//! A field where the import and the reading differ must be listed, with why, in
//! `tests/projects/disagreements.toml`; an unlisted difference fails, and so does a listed one
//! that no longer differs, so the list stays true.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/projects")
}

fn projects() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

/// A value as a comparable string: numbers without a trailing `.0`, choice lists sorted.
fn norm(v: &Value) -> String {
    match v {
        Value::Array(items) => {
            let set: BTreeSet<String> = items.iter().map(norm).collect();
            format!("[{}]", set.into_iter().collect::<Vec<_>>().join(", "))
        }
        Value::Number(n) => n.as_f64().map_or(n.to_string(), |f| f.to_string()),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn toml_norm(v: &toml::Value) -> String {
    norm(&serde_json::to_value(v).unwrap())
}

/// One project's comparison: field → (imported, expected), for each field the reading covers.
struct Comparison {
    fields: BTreeMap<String, (Option<String>, Option<String>)>,
}

fn compare(dir: &Path) -> Comparison {
    let expected: toml::Table =
        toml::from_str(&std::fs::read_to_string(dir.join("expected.toml")).unwrap()).unwrap();
    let import = iac::import_paths(&[dir.to_path_buf()], Some("Project")).unwrap_or_else(|e| {
        // Say why each file was not read, not just that none was.
        let why: Vec<String> = iac::source::collect(&[dir.to_path_buf()])
            .unwrap_or_default()
            .iter()
            .filter_map(|i| match i {
                iac::Input::Document { name, text, .. } => {
                    iac::node::parse(text, name).err().map(|e| e.to_string())
                }
                _ => None,
            })
            .collect();
        panic!("{}: {e}\n{}", dir.display(), why.join("\n"))
    });
    let mut fields = BTreeMap::new();
    if let Some(answers) = expected.get("answers").and_then(toml::Value::as_table) {
        for (id, v) in answers {
            let got = import.answers.get(id).map(norm);
            fields.insert(id.clone(), (got, Some(toml_norm(v))));
        }
    }
    if let Some(open) = expected.get("unanswered").and_then(toml::Value::as_table) {
        for id in open.keys() {
            let got = import.answers.get(id).map(norm);
            fields.insert(id.clone(), (got, None));
        }
    }
    Comparison { fields }
}

/// `project.field` → why the import and the reading differ.
fn listed() -> BTreeMap<String, String> {
    let path = root().join("disagreements.toml");
    let table: toml::Table = toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut out = BTreeMap::new();
    for (project, fields) in table {
        for (field, why) in fields.as_table().unwrap() {
            out.insert(
                format!("{project}.{field}"),
                why.as_str().unwrap().to_owned(),
            );
        }
    }
    out
}

#[test]
fn real_projects_import_as_a_careful_reading_answers_them() {
    let listed = listed();
    let mut unlisted = Vec::new();
    let mut stale = Vec::new();
    let (mut agree_all, mut total_all) = (0, 0);
    println!("project                                   agree/fields  differ");
    for dir in projects() {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let c = compare(&dir);
        let mut differ = Vec::new();
        for (field, (got, want)) in &c.fields {
            let key = format!("{name}.{field}");
            if got == want {
                if listed.contains_key(&key) {
                    stale.push(key);
                }
            } else {
                differ.push(field.clone());
                if !listed.contains_key(&key) {
                    unlisted.push(format!(
                        "{key}: imported {got:?}, a careful reading gives {want:?}"
                    ));
                }
            }
        }
        let total = c.fields.len();
        let agree = total - differ.len();
        agree_all += agree;
        total_all += total;
        println!("{name:<42}{agree:>5}/{total:<8}{}", differ.join(", "));
    }
    println!("all: {agree_all}/{total_all} fields agree");
    assert!(
        unlisted.is_empty(),
        "differences not in disagreements.toml:\n{}",
        unlisted.join("\n")
    );
    assert!(
        stale.is_empty(),
        "listed in disagreements.toml but they agree now: {stale:?}"
    );
    let known: BTreeSet<&str> = listed
        .keys()
        .filter_map(|k| k.split_once('.').map(|(p, _)| p))
        .collect();
    let names: BTreeSet<String> = projects()
        .iter()
        .map(|d| d.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    for p in known {
        assert!(names.contains(p), "disagreements.toml names no project {p}");
    }
}
