//! The inventory into review answers, following the mapping table the importer and its
//! fixtures share (`MAPPING.md`): a question is answered only from positive evidence, or where
//! the template is authoritative for what it declares; every answer carries the lines it came
//! from, and an open question may carry evidence saying why it stays open.

pub(crate) mod messaging;
mod observe;
pub(crate) mod security;
mod stores;

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Value, json};

use crate::inventory::{Inventory, Loc};

/// The most evidence entries one question carries: past it, one entry says how many more.
pub const MAX_EVIDENCE_PER_QUESTION: usize = 20;

/// Why an answer was given (or a question left open), and where.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    /// The question id.
    pub question: String,
    /// The answer it supports; absent when the question stays unanswered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
    /// The file.
    pub file: String,
    /// The resource's logical id.
    pub resource: String,
    /// The property path.
    pub path: String,
    /// The line (0: a documented default, written nowhere).
    pub line: usize,
    /// Why, in one sentence.
    pub reason: String,
}

/// Answers being built, with their evidence.
#[derive(Debug, Default)]
pub struct Builder {
    /// Question id → answer value, as an answers file writes it.
    pub answers: BTreeMap<String, Value>,
    /// Evidence, in the order found.
    pub evidence: Vec<Evidence>,
    counts: BTreeMap<String, usize>,
}

impl Builder {
    /// Records one piece of evidence for `question`.
    pub fn cite(&mut self, question: &str, value: Option<&Value>, at: &Loc, reason: String) {
        let n = self.counts.entry(question.to_owned()).or_default();
        *n += 1;
        if *n > MAX_EVIDENCE_PER_QUESTION {
            return;
        }
        self.evidence.push(Evidence {
            question: question.to_owned(),
            value: value.cloned(),
            file: at.file.clone(),
            resource: at.resource.clone(),
            path: at.path.clone(),
            line: at.line,
            reason,
        });
    }

    /// Answers `question` with `value`, citing each `(where, why)`.
    pub fn answer(&mut self, question: &str, value: Value, cites: Vec<(&Loc, String)>) {
        let value = whole(value);
        for (at, why) in cites {
            self.cite(question, Some(&value), at, why);
        }
        self.answers.insert(question.to_owned(), value);
    }

    /// Leaves `question` open, saying why.
    pub fn open(&mut self, question: &str, at: &Loc, why: String) {
        self.cite(question, None, at, why);
    }

    /// Closes the evidence: a question over the cap gets one entry with the count left out.
    fn finish(mut self) -> (BTreeMap<String, Value>, Vec<Evidence>) {
        for (q, n) in &self.counts {
            if *n > MAX_EVIDENCE_PER_QUESTION {
                let value = self.answers.get(q).cloned();
                self.evidence.push(Evidence {
                    question: q.clone(),
                    value,
                    file: String::new(),
                    resource: String::new(),
                    path: String::new(),
                    line: 0,
                    reason: format!(
                        "{} more resources say the same; the first {MAX_EVIDENCE_PER_QUESTION} are listed",
                        n - MAX_EVIDENCE_PER_QUESTION
                    ),
                });
            }
        }
        (self.answers, self.evidence)
    }
}

/// The choices of a multi-choice answer being gathered, each with its evidence.
#[derive(Debug, Default)]
pub struct Picks {
    picks: Vec<&'static str>,
    cites: Vec<(Loc, String)>,
}

impl Picks {
    /// Adds a choice (again, for more evidence) with where and why.
    pub fn add(&mut self, pick: &'static str, at: &Loc, why: String) {
        self.picks.push(pick);
        self.cites.push((at.clone(), why));
    }

    /// Whether nothing was picked.
    pub fn is_empty(&self) -> bool {
        self.picks.is_empty()
    }

    /// Answers `question` with the choices gathered; `false` (and nothing answered) when none.
    pub fn answer(mut self, b: &mut Builder, question: &str) -> bool {
        if self.picks.is_empty() {
            return false;
        }
        self.picks.sort_unstable();
        self.picks.dedup();
        let cites = self
            .cites
            .iter()
            .map(|(at, why)| (at, why.clone()))
            .collect();
        b.answer(question, json!(self.picks), cites);
        true
    }
}

/// A whole number as an integer (`512`, not `512.0`), as people write answers files.
fn whole(v: Value) -> Value {
    match v.as_f64() {
        Some(x) if v.is_f64() && x.fract() == 0.0 && x.abs() < 1e15 => {
            // Exact: a whole number under 2^53 converts without loss.
            Value::from(x as i64)
        }
        _ => v,
    }
}

/// Every answer the inventory supports, with its evidence.
pub fn answers(inv: &Inventory) -> (BTreeMap<String, Value>, Vec<Evidence>) {
    let mut b = Builder::default();
    compute(inv, &mut b);
    observe::observability(inv, &mut b);
    observe::delivery(inv, &mut b);
    security::security(inv, &mut b);
    messaging::messaging(inv, &mut b);
    stores::stores(inv, &mut b);
    stores::entry_points(inv, &mut b);
    b.finish()
}

/// The runtime family of a function, or why there is none.
fn runtime_of(f: &crate::inventory::Function) -> Result<&'static str, String> {
    let Some(rt) = &f.runtime else {
        return Err("no Runtime (a container image, or set elsewhere)".to_owned());
    };
    let r = rt.value.as_str();
    let snap = f.snapstart.as_ref().is_some_and(|s| s.value);
    Ok(if r.starts_with("python") {
        "python"
    } else if r.starts_with("nodejs") {
        "nodejs"
    } else if r.starts_with("java") {
        if snap { "java_snapstart" } else { "java" }
    } else if r.starts_with("dotnet") {
        "dotnet"
    } else if r.starts_with("ruby") {
        "ruby"
    } else if r == "go1.x" {
        "go"
    } else if r.starts_with("provided") {
        match f.build_method.as_ref().map(|b| b.value.as_str()) {
            Some("rust-cargolambda") => "rust",
            Some("go1.x") => "go",
            _ => {
                return Err(format!(
                    "`{r}` is a custom runtime and no BuildMethod says which language"
                ));
            }
        }
    } else {
        return Err(format!("`{r}` is not a runtime the review lists"));
    })
}

fn compute(inv: &Inventory, b: &mut Builder) {
    let fns = &inv.functions;
    if fns.is_empty() {
        return;
    }
    // runtime: the majority; a tie stays open.
    let mut votes: BTreeMap<&str, Vec<&crate::inventory::Function>> = BTreeMap::new();
    for f in fns {
        match runtime_of(f) {
            Ok(r) => votes.entry(r).or_default().push(f),
            Err(why) => b.open(
                "runtime",
                &f.at,
                format!("Function {}: {why}.", f.at.resource),
            ),
        }
    }
    let top = votes.values().map(Vec::len).max().unwrap_or(0);
    let leaders: Vec<_> = votes.iter().filter(|(_, v)| v.len() == top).collect();
    if let [(rt, fs)] = leaders.as_slice() {
        let cites = fs
            .iter()
            .map(|f| {
                let at = f.runtime.as_ref().map_or(&f.at, |r| &r.at);
                (
                    at,
                    format!(
                        "Function {} runs {}.",
                        f.at.resource,
                        f.runtime.as_ref().map_or("", |r| r.value.as_str())
                    ),
                )
            })
            .collect();
        b.answer("runtime", json!(rt), cites);
    } else if leaders.len() > 1 {
        b.open(
            "runtime",
            &fns[0].at,
            "As many functions run one runtime as another: no majority.".to_owned(),
        );
    }
    // architecture: all agree.
    let archs: Vec<_> = fns.iter().filter_map(|f| f.architecture.as_ref()).collect();
    let first = archs.first().map(|a| a.value.clone()).unwrap_or_default();
    if archs.iter().all(|a| a.value == first) && matches!(first.as_str(), "arm64" | "x86_64") {
        let cites = archs
            .iter()
            .map(|a| {
                let why = if a.at.line == 0 {
                    format!(
                        "Function {} sets no Architectures: Lambda runs it on x86_64.",
                        a.at.resource
                    )
                } else {
                    format!("Function {} runs on {}.", a.at.resource, a.value)
                };
                (&a.at, why)
            })
            .collect();
        b.answer("architecture", json!(first), cites);
    } else if let Some(a) = archs.first() {
        b.open(
            "architecture",
            &a.at,
            "The functions run on different architectures.".to_owned(),
        );
    }
    // memory_mb: the largest.
    if let Some(m) = fns
        .iter()
        .filter_map(|f| f.memory_mb.as_ref())
        .max_by(|a, b| a.value.total_cmp(&b.value))
    {
        let why = if m.at.line == 0 {
            format!(
                "Function {} sets no MemorySize (128 MB) and none sets more.",
                m.at.resource
            )
        } else {
            format!(
                "Function {} has {} MB, the most of any function.",
                m.at.resource, m.value
            )
        };
        b.answer("memory_mb", json!(m.value), vec![(&m.at, why)]);
    }
    // reserved_concurrency: the sum of those set.
    let reserved: Vec<_> = fns.iter().filter_map(|f| f.reserved.as_ref()).collect();
    if !reserved.is_empty() {
        let sum: f64 = reserved.iter().map(|r| r.value).sum();
        let cites = reserved
            .iter()
            .map(|r| {
                (
                    &r.at,
                    format!("Function {} reserves {}.", r.at.resource, r.value),
                )
            })
            .collect();
        b.answer("reserved_concurrency", json!(sum), cites);
    }
    // cold_start_mitigation: those present.
    let mut picks = Picks::default();
    for f in fns {
        if let Some(p) = &f.provisioned {
            picks.add(
                "provisioned_concurrency",
                &p.at,
                format!(
                    "Function {} keeps {} environments provisioned.",
                    f.at.resource, p.value
                ),
            );
        }
        if let Some(s) = f.snapstart.as_ref().filter(|s| s.value) {
            picks.add(
                "snapstart",
                &s.at,
                format!(
                    "Function {} has SnapStart on published versions.",
                    f.at.resource
                ),
            );
        }
    }
    picks.answer(b, "cold_start_mitigation");
    // vpc_networking.
    let in_vpc: Vec<_> = fns.iter().filter_map(|f| f.vpc.as_ref()).collect();
    let runs_in = |l: &Loc| -> String {
        match fns.iter().find(|f| f.vpc.as_ref() == Some(l)) {
            Some(f) if f.at.resource != l.resource => format!(
                "Function {} runs on capacity provider {}, in its VPC.",
                f.at.resource, l.resource
            ),
            _ => format!("Function {} runs in a VPC.", l.resource),
        }
    };
    if in_vpc.is_empty() {
        let cites = fns
            .iter()
            .map(|f| {
                (
                    &f.at,
                    format!("Function {} has no VpcConfig.", f.at.resource),
                )
            })
            .collect();
        b.answer("vpc_networking", json!("no_vpc"), cites);
    } else if let Some(nat) = inv.nat_gateways.first() {
        b.answer(
            "vpc_networking",
            json!("vpc_nat"),
            vec![
                (in_vpc[0], runs_in(in_vpc[0])),
                (nat, "The template declares a NAT gateway.".to_owned()),
            ],
        );
    } else if let Some(ep) = inv.vpc_endpoints.first() {
        b.answer(
            "vpc_networking",
            json!("vpc_endpoints"),
            vec![
                (in_vpc[0], runs_in(in_vpc[0])),
                (
                    ep,
                    "The template declares VPC endpoints and no NAT gateway.".to_owned(),
                ),
            ],
        );
    } else {
        b.open(
            "vpc_networking",
            in_vpc[0],
            "Functions run in a VPC, but how they reach AWS services (NAT or endpoints) is not in these templates.".to_owned(),
        );
    }
}
