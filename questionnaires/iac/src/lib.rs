//! Evidence import: CloudFormation, SAM, CDK and Terraform templates into review answers, each
//! with the file, resource, property path and line it came from, plus checks of the templates.
//!
//! - [`node`] reads YAML or JSON into a tree with lines and tags, within limits;
//! - [`template`] models a template: resources, parameters, SAM `Globals`, intrinsics;
//! - [`read`] fills the [`inventory`] from templates, [`terraform`] from `.tf` files;
//! - [`answers`] turns the inventory into answers with [`answers::Evidence`];
//! - [`findings`] checks the templates, and runs the review's checks on the answers;
//! - [`source`] reads files, directories and zips: the only module that touches files.
//!
//! [`import`] is pure (documents in, [`Import`] out); [`import_paths`] reads the paths first.

pub mod answers;
pub mod findings;
pub mod inventory;
pub mod node;
pub mod read;
pub mod source;
pub mod template;
pub mod terraform;

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;
use serde_json::Value;

pub use answers::Evidence;
pub use findings::{Finding, Severity};
pub use inventory::Inventory;
pub use source::Input;

/// Why an import failed. Each names the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The file could not be read.
    #[error("{file}: cannot read it: {message}")]
    Io {
        /// The file.
        file: String,
        /// Why.
        message: String,
    },
    /// The file is larger than the import reads.
    #[error("{file}: larger than {limit} bytes, the most the import reads")]
    TooLarge {
        /// The file.
        file: String,
        /// The limit in bytes.
        limit: usize,
    },
    /// Not valid YAML or JSON.
    #[error("{file}:{line}: {message}")]
    Parse {
        /// The file.
        file: String,
        /// The line.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A limit that bounds what a hostile input costs.
    #[error("{file}: {message}")]
    Limit {
        /// The file.
        file: String,
        /// Which limit.
        message: String,
    },
    /// A zip that cannot be read safely.
    #[error("{file}: {message}")]
    Zip {
        /// The zip.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// Nothing in the inputs is a template.
    #[error("no CloudFormation, SAM, CDK or Terraform template found in {0}")]
    NoTemplates(String),
}

/// An import: an answers file with its evidence and findings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Import {
    /// The questionnaire it answers.
    pub questionnaire: String,
    /// The workload.
    pub workload: questionnaires::Workload,
    /// Question id → value, as an answers file writes it.
    pub answers: BTreeMap<String, Value>,
    /// Why each answer was given, and why some questions stay open.
    pub evidence: Vec<Evidence>,
    /// Template findings and notes, most severe first.
    pub findings: Vec<Finding>,
}

/// Reads the given files, directories and zips, and imports them.
pub fn import_paths(paths: &[PathBuf], workload: Option<&str>) -> Result<Import, Error> {
    let inputs = source::collect(paths)?;
    let shown = paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let name = workload.map(str::to_owned).unwrap_or_else(|| {
        let first = paths
            .first()
            .and_then(|p| p.canonicalize().ok().or_else(|| Some(p.clone())))
            .and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
            .unwrap_or_default();
        format!("Imported from {first}")
    });
    import(&inputs, &name).map_err(|e| match e {
        Error::NoTemplates(_) => Error::NoTemplates(shown),
        e => e,
    })
}

/// Imports documents already read. Pure.
pub fn import(inputs: &[Input], workload: &str) -> Result<Import, Error> {
    let mut inv = Inventory::default();
    let mut notes = Vec::new();
    let mut docs: Vec<(&str, node::Document)> = Vec::new();
    let mut tf: Vec<terraform::TfFile<'_>> = Vec::new();
    for input in inputs {
        match input {
            Input::Terraform {
                name,
                text,
                explicit,
            } => tf.push(terraform::TfFile {
                name,
                text,
                explicit: *explicit,
            }),
            Input::Skipped(name, why) => notes.push(note(name, 0, format!("not read: {why}"))),
            Input::Document {
                name,
                text,
                explicit,
            } => match node::parse(text, name) {
                Ok(d) => {
                    for (line, n) in &d.notes {
                        notes.push(note(name, *line, n.clone()));
                    }
                    docs.push((name, d));
                }
                Err(e @ Error::Parse { .. }) if !explicit => {
                    notes.push(note(name, 0, format!("not read: {e}")));
                }
                Err(e) => return Err(e),
            },
        }
    }
    // Files a template points at (`DefinitionUri`, `AWS::Include`), by normalised path.
    let side: BTreeMap<String, (&str, &node::Node)> = docs
        .iter()
        .filter(|(_, d)| d.root.get("Resources").is_none())
        .map(|(name, d)| (normalise(name), (*name, &d.root)))
        .collect();
    let mut templates = 0;
    if !tf.is_empty() {
        // Files a `.tf` reads with `file(…)`: every other input, by normalised path.
        let texts: BTreeMap<String, (&str, &str)> = inputs
            .iter()
            .filter_map(|i| match i {
                Input::Document { name, text, .. } => {
                    Some((normalise(name), (name.as_str(), text.as_str())))
                }
                _ => None,
            })
            .collect();
        let (read, tf_notes) = terraform::read(&tf, &texts)?;
        templates += 1;
        inv.absorb(read);
        notes.extend(tf_notes);
    }
    for (name, doc) in &docs {
        let Some(mut t) = template::Template::from_root(&doc.root, name) else {
            notes.push(note(
                name,
                0,
                "no `Resources`: not a template, skipped".to_owned(),
            ));
            continue;
        };
        templates += 1;
        t.attach_definitions(|uri| {
            let base = name.rsplit_once(['/', '!']).map_or("", |(dir, _)| dir);
            side.get(&normalise(&format!("{base}/{uri}")))
                .map(|(file, n)| ((*file).to_owned(), (*n).clone()))
        });
        for (id, line) in &t.untyped {
            notes.push(Finding {
                resource: id.clone(),
                ..note(name, *line, format!("resource {id} has no Type: skipped"))
            });
        }
        inv.absorb(read::template(&t));
    }
    if templates == 0 {
        return Err(Error::NoTemplates(inputs.first().map_or_else(
            String::new,
            |i| match i {
                Input::Document { name, .. }
                | Input::Terraform { name, .. }
                | Input::Skipped(name, _) => name.clone(),
            },
        )));
    }
    for t in &inv.unknown_types {
        notes.push(Finding::at(
            "unknown_resource_type",
            Severity::Note,
            &t.at,
            format!(
                "resource type `{}` is not a CloudFormation type: skipped",
                t.value
            ),
        ));
    }
    Ok(finish(&inv, workload, notes))
}

/// A path with `.` and `..` components folded, separators as `/` (no file system involved).
pub(crate) fn normalise(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for c in path.split(['/', '\\']) {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    parts.join("/")
}

fn note(file: &str, line: usize, message: String) -> Finding {
    Finding {
        id: "note".to_owned(),
        severity: Severity::Note,
        file: file.to_owned(),
        resource: String::new(),
        path: String::new(),
        line,
        message,
    }
}

/// Answers (checked against the questionnaire), evidence and findings from an inventory.
pub fn finish(inv: &Inventory, workload: &str, mut notes: Vec<Finding>) -> Import {
    let q = questionnaires::builtin();
    let (mut answers, mut evidence) = answers::answers(inv);
    let mut checked = questionnaires::Answers::new();
    answers.retain(|id, value| {
        let problem = match q.question(id) {
            None => Some(format!("`{id}` is not a question of the review")),
            Some(question) => match questionnaires::answers::check_value(question, value) {
                Ok(v) => {
                    checked.insert(question.id.clone(), questionnaires::Answer::new(v));
                    None
                }
                Err(errs) => Some(
                    errs.iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("; "),
                ),
            },
        };
        if let Some(p) = &problem {
            notes.push(note(
                "",
                0,
                format!(
                    "{id} left unanswered: the template's value does not fit the question ({p})"
                ),
            ));
        }
        problem.is_none()
    });
    for e in &mut evidence {
        if e.value.is_some() && !answers.contains_key(&e.question) {
            e.value = None;
        }
    }
    let mut findings = findings::template_checks(inv);
    findings.extend(findings::review_checks(q, &checked, &evidence));
    findings.sort_by(|a, b| {
        (a.severity, &a.file, a.line, &a.id).cmp(&(b.severity, &b.file, b.line, &b.id))
    });
    findings.extend(notes);
    let name: String = workload.trim().chars().take(200).collect();
    Import {
        questionnaire: q.id.clone(),
        workload: questionnaires::Workload {
            name: if name.is_empty() {
                "Imported workload".to_owned()
            } else {
                name
            },
            ..questionnaires::Workload::default()
        },
        answers,
        evidence,
        findings,
    }
}

impl Inventory {
    /// Adds another template's facts.
    pub fn absorb(&mut self, other: Inventory) {
        let Inventory {
            functions,
            sources,
            queues,
            topics,
            streams,
            stream_consumers,
            buses,
            rules,
            archives,
            state_machines,
            tables,
            buckets,
            relational,
            db_storage,
            caches,
            rds_proxies,
            data_api,
            dsql,
            apis,
            routes,
            alarms,
            dashboards,
            budgets,
            anomaly,
            statements,
            managed_policies,
            roles,
            nat_gateways,
            vpc_endpoints,
            kms_keys,
            waf,
            secrets,
            log_groups,
            scaling_targets,
            aliases,
            failure_targets,
            alarm_topics,
            unknown_types,
        } = other;
        self.functions.extend(functions);
        self.sources.extend(sources);
        self.queues.extend(queues);
        self.topics.extend(topics);
        self.streams.extend(streams);
        self.stream_consumers.extend(stream_consumers);
        self.buses.extend(buses);
        self.rules.extend(rules);
        self.archives.extend(archives);
        self.state_machines.extend(state_machines);
        self.tables.extend(tables);
        self.buckets.extend(buckets);
        self.relational.extend(relational);
        self.db_storage.extend(db_storage);
        self.caches.extend(caches);
        self.rds_proxies.extend(rds_proxies);
        self.data_api.extend(data_api);
        self.dsql.extend(dsql);
        self.apis.extend(apis);
        self.routes.extend(routes);
        self.alarms.extend(alarms);
        self.dashboards.extend(dashboards);
        self.budgets.extend(budgets);
        self.anomaly.extend(anomaly);
        self.statements.extend(statements);
        self.managed_policies.extend(managed_policies);
        self.roles.extend(roles);
        self.nat_gateways.extend(nat_gateways);
        self.vpc_endpoints.extend(vpc_endpoints);
        self.kms_keys.extend(kms_keys);
        self.waf.extend(waf);
        self.secrets.extend(secrets);
        self.log_groups.extend(log_groups);
        self.scaling_targets.extend(scaling_targets);
        self.aliases.extend(aliases);
        self.failure_targets.extend(failure_targets);
        self.alarm_topics.extend(alarm_topics);
        self.unknown_types.extend(unknown_types);
    }
}
