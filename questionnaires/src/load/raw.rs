//! The content files exactly as written: serde structs that refuse unknown keys. They never
//! leave the loader; [`super::load`] turns them into the validated model.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::model::{DiagramEdge, DiagramNode, Risk};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Manifest {
    pub id: String,
    pub version: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub areas: Vec<String>,
    #[serde(default)]
    pub inputs: BTreeMap<String, String>,
    #[serde(default)]
    pub runtimes: Vec<RawRuntime>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRuntime {
    pub id: String,
    pub when: String,
    pub cold_start_ms_arm64: f64,
    pub cold_start_ms_x86: f64,
    pub source: String,
    #[serde(default)]
    pub ranges: Vec<RawColdStartRange>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawColdStartRange {
    pub when: String,
    pub label: String,
    pub cold_start_ms: [f64; 2],
    pub source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawArea {
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub summary: String,
    #[serde(default = "one")]
    pub weight: f64,
    #[serde(default)]
    pub questions: Vec<RawQuestion>,
}

fn one() -> f64 {
    1.0
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub(crate) enum RawKind {
    Single,
    Multi,
    Number,
    Text,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawQuestion {
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub help: String,
    pub kind: RawKind,
    #[serde(default = "one")]
    pub weight: f64,
    pub applies_when: Option<String>,
    pub unit: Option<String>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    #[serde(default)]
    pub choices: Vec<RawChoice>,
    #[serde(default)]
    pub risk_rules: Vec<RawRiskRule>,
    pub resource: Option<RawLink>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawChoice {
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub help: String,
    pub improvement: Option<String>,
    pub improvement_url: Option<String>,
    #[serde(default)]
    pub none_of_these: bool,
    pub resource: Option<RawLink>,
    #[serde(default)]
    pub more_resources: Vec<RawLink>,
    #[serde(default)]
    pub more_improvements: Vec<RawLink>,
}

/// A note with an optional link: `{ text = "…", url = "https://…" }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawLink {
    pub text: String,
    pub url: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRiskRule {
    pub when: String,
    pub risk: Risk,
    /// The problem, as a short title: what is wrong (raising rules only).
    #[serde(default)]
    pub problem: Option<String>,
    pub reason: String,
    /// What to do when this rule fires, shown before the unselected choices' improvements.
    #[serde(default)]
    pub improvement: Option<String>,
    #[serde(default)]
    pub improvement_url: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PatternsFile {
    #[serde(default)]
    pub patterns: Vec<RawPattern>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum RawPatternKind {
    Serverless,
    Containers,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPattern {
    pub id: String,
    pub name: String,
    pub kind: RawPatternKind,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub services: Vec<String>,
    #[serde(default)]
    pub tradeoffs: Vec<String>,
    #[serde(default)]
    pub failure_modes: Vec<String>,
    #[serde(default)]
    pub controls: Vec<String>,
    #[serde(default)]
    pub limits: Vec<String>,
    #[serde(default)]
    pub scaffold: bool,
    #[serde(default)]
    pub signals: Vec<RawSignal>,
    #[serde(default)]
    pub anti_signals: Vec<RawSignal>,
    #[serde(default)]
    pub diagram: RawDiagram,
    #[serde(default)]
    pub roles: Vec<RawRole>,
    #[serde(default)]
    pub backbone_when: Option<String>,
    #[serde(default)]
    pub addresses: String,
    #[serde(default)]
    pub relieves: Vec<String>,
    #[serde(default)]
    pub group: Option<String>,
    #[serde(default)]
    pub job: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum RawRole {
    Backbone,
    AddOn,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSignal {
    pub when: String,
    pub weight: f64,
    pub reason: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawDiagram {
    #[serde(default)]
    pub nodes: Vec<DiagramNode>,
    #[serde(default)]
    pub edges: Vec<DiagramEdge>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ChecklistFile {
    #[serde(default)]
    pub items: Vec<RawItem>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawItem {
    pub id: String,
    pub title: String,
    pub area: String,
    #[serde(default)]
    pub why: String,
    #[serde(default)]
    pub how: String,
    pub url: Option<String>,
    #[serde(default)]
    pub questions: Vec<String>,
    pub applies_when: Option<String>,
    pub done_when: String,
    #[serde(default)]
    pub effort: Option<String>,
    #[serde(default)]
    pub after: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LimitsFile {
    #[serde(default)]
    pub limits: Vec<RawLimit>,
    #[serde(default)]
    pub prices: Vec<RawPrice>,
    #[serde(default)]
    pub assumptions: Vec<RawAssumption>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawLimit {
    pub id: String,
    pub title: String,
    pub value: f64,
    pub unit: String,
    pub adjustable: bool,
    pub source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPrice {
    pub id: String,
    pub title: String,
    pub value: f64,
    pub unit: String,
    pub source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAssumption {
    pub id: String,
    pub title: String,
    pub value: f64,
    pub unit: String,
    pub why: String,
}
