//! Lens JSON as serde structs, tolerant on the way in and strict on the way out.
//!
//! Reading never fails on what real lenses carry beyond the format: unknown keys are ignored
//! (`_version`, `_teams`, …), `null` reads as absent, a choice `description` and a question
//! `url` are kept, and `helpfulResource.Url` (capital U) is read next to `url`. Writing emits
//! the format's keys only, in the order the specification lists them.

use serde::{Deserialize, Deserializer, Serialize};

/// Reads `null` as the default value.
fn nullable<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// A whole lens.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Lens {
    /// Always `2021-11-01`.
    #[serde(default, deserialize_with = "nullable")]
    pub schema_version: String,
    /// Lens name, at most 128 characters.
    #[serde(default, deserialize_with = "nullable")]
    pub name: String,
    /// Shown when choosing lenses, at most 2048 characters.
    #[serde(default, deserialize_with = "nullable")]
    pub description: String,
    /// At most 10.
    #[serde(default, deserialize_with = "nullable")]
    pub pillars: Vec<Pillar>,
}

/// A pillar: a group of questions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pillar {
    /// 3 to 128 of `[A-Za-z0-9_]`, unique in the lens.
    #[serde(default, deserialize_with = "nullable")]
    pub id: String,
    /// At most 128 characters.
    #[serde(default, deserialize_with = "nullable")]
    pub name: String,
    /// At most 20.
    #[serde(default, deserialize_with = "nullable")]
    pub questions: Vec<Question>,
}

/// A question: its choices and risk rules.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Question {
    /// 3 to 128 of `[A-Za-z0-9_]`, unique in the lens.
    #[serde(default, deserialize_with = "nullable")]
    pub id: String,
    /// At most 128 characters (the API takes 512).
    #[serde(default, deserialize_with = "nullable")]
    pub title: String,
    /// At most 2048 characters.
    #[serde(default, deserialize_with = "nullable")]
    pub description: String,
    /// Optional.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub helpful_resource: Option<Resource>,
    /// Not in the format: a link some public lenses put on questions. Read, never written.
    #[serde(default, deserialize_with = "nullable", skip_serializing)]
    pub url: Option<String>,
    /// At most 15.
    #[serde(default, deserialize_with = "nullable")]
    pub choices: Vec<Choice>,
    /// At most 3, one per risk level; the first true one sets the risk.
    #[serde(default, deserialize_with = "nullable")]
    pub risk_rules: Vec<RiskRule>,
}

/// A choice. An id ending in `_no` makes it "None of these".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Choice {
    /// 3 to 128 of `[A-Za-z0-9_]`, unique in the question.
    #[serde(default, deserialize_with = "nullable")]
    pub id: String,
    /// At most 128 characters (the API takes 512).
    #[serde(default, deserialize_with = "nullable")]
    pub title: String,
    /// Not in the format, though the API has it: read, never written.
    #[serde(default, deserialize_with = "nullable", skip_serializing)]
    pub description: Option<String>,
    /// Optional.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub helpful_resource: Option<Resource>,
    /// Required on every choice but the "None of these" one.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub improvement_plan: Option<Resource>,
    /// Extra helpful-resource and improvement-plan links.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub additional_resources: Vec<Additional>,
}

/// A text with an optional link: `helpfulResource`, `improvementPlan` and extra links.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Resource {
    /// At most 2048 characters; required when `url` is given.
    #[serde(default, deserialize_with = "nullable")]
    pub display_text: String,
    /// `http://` or `https://`.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub url: Option<String>,
    /// `Url`, as some public lenses spell it. Read, never written.
    #[serde(
        rename = "Url",
        default,
        deserialize_with = "nullable",
        skip_serializing
    )]
    pub url_capitalized: Option<String>,
}

impl Resource {
    /// The link, from `url` or else `Url`.
    pub fn link(&self) -> Option<&str> {
        self.url.as_deref().or(self.url_capitalized.as_deref())
    }
}

/// One `additionalResources` entry: extra links of one kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Additional {
    /// `HELPFUL_RESOURCE` or `IMPROVEMENT_PLAN`.
    #[serde(rename = "type", default, deserialize_with = "nullable")]
    pub kind: String,
    /// At most five.
    #[serde(default, deserialize_with = "nullable")]
    pub content: Vec<Resource>,
}

/// A risk rule.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RiskRule {
    /// Choice ids with `&&`, `||`, `!` and parentheses, or `default`.
    #[serde(default, deserialize_with = "nullable")]
    pub condition: String,
    /// `HIGH_RISK`, `MEDIUM_RISK` or `NO_RISK`.
    #[serde(default, deserialize_with = "nullable")]
    pub risk: String,
}
