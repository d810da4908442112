//! The limits of the AWS Well-Architected custom-lens format (`schemaVersion` 2021-11-01), as
//! the lens format specification states them. Where the service API allows more, both figures
//! are here: the linter warns past the first and refuses past the second.

/// The only schema version the format has.
pub const SCHEMA_VERSION: &str = "2021-11-01";

/// Largest lens file AWS imports, in bytes ("A custom lens cannot exceed 500 KB in size").
pub const MAX_LENS_BYTES: usize = 500 * 1024;

/// Shortest id (pillars, questions, choices).
pub const ID_MIN: usize = 3;
/// Longest id.
pub const ID_MAX: usize = 128;

/// Longest lens name.
pub const NAME_MAX: usize = 128;
/// Longest lens, question or resource description.
pub const DESCRIPTION_MAX: usize = 2048;
/// Longest pillar name.
pub const PILLAR_NAME_MAX: usize = 128;
/// Longest question or choice title, per the format specification.
pub const TITLE_MAX: usize = 128;
/// Longest question or choice title the service API accepts.
pub const TITLE_API_MAX: usize = 512;
/// Longest `displayText` of a helpful resource or improvement plan.
pub const DISPLAY_TEXT_MAX: usize = 2048;
/// Longest choice `description` the service API accepts (the format does not list the key).
pub const CHOICE_DESCRIPTION_MAX: usize = 1024;

/// Most pillars in a lens.
pub const PILLARS_MAX: usize = 10;
/// Most questions in a pillar.
pub const QUESTIONS_MAX: usize = 20;
/// Most choices in a question.
pub const CHOICES_MAX: usize = 15;
/// Most risk rules in a question (one per risk level).
pub const RISK_RULES_MAX: usize = 3;
/// Most extra links of one kind on a choice (`additionalResources` content).
pub const ADDITIONAL_MAX: usize = 5;

/// The suffix that makes a choice "None of these".
pub const NONE_SUFFIX: &str = "_no";
/// The condition that always holds.
pub const DEFAULT_CONDITION: &str = "default";

/// The risk levels, as lenses write them.
pub const HIGH_RISK: &str = "HIGH_RISK";
/// Medium risk.
pub const MEDIUM_RISK: &str = "MEDIUM_RISK";
/// No risk.
pub const NO_RISK: &str = "NO_RISK";

/// The kinds of `additionalResources` entries.
pub const HELPFUL_RESOURCE: &str = "HELPFUL_RESOURCE";
/// Extra improvement-plan links.
pub const IMPROVEMENT_PLAN: &str = "IMPROVEMENT_PLAN";

/// Most choices whose selections the linter enumerates to prove a rule unreachable; past this,
/// it says reachability was not checked.
pub const ENUMERATE_MAX: usize = 20;

/// Whether `id` is a valid lens id: 3 to 128 of `[A-Za-z0-9_]`.
pub fn valid_id(id: &str) -> bool {
    (ID_MIN..=ID_MAX).contains(&id.len())
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}
