//! The built-in serverless review, embedded in the binary so it stands alone.

use std::sync::OnceLock;

use crate::load::{LoadErrors, load};
use crate::model::Questionnaire;

/// The content files, by the names `questionnaire.toml` refers to.
pub const SOURCES: &[(&str, &str)] = &[
    (
        "questionnaire.toml",
        include_str!("../content/questionnaire.toml"),
    ),
    (
        "areas/workload_fit.toml",
        include_str!("../content/areas/workload_fit.toml"),
    ),
    (
        "areas/state.toml",
        include_str!("../content/areas/state.toml"),
    ),
    (
        "areas/reliability.toml",
        include_str!("../content/areas/reliability.toml"),
    ),
    (
        "areas/security.toml",
        include_str!("../content/areas/security.toml"),
    ),
    (
        "areas/observability.toml",
        include_str!("../content/areas/observability.toml"),
    ),
    (
        "areas/cost.toml",
        include_str!("../content/areas/cost.toml"),
    ),
    (
        "areas/delivery.toml",
        include_str!("../content/areas/delivery.toml"),
    ),
    ("patterns.toml", include_str!("../content/patterns.toml")),
    ("checklist.toml", include_str!("../content/checklist.toml")),
    ("limits.toml", include_str!("../content/limits.toml")),
];

/// Loads the built-in questionnaire. The content test proves it loads, so callers in the server
/// may treat an error as a build defect.
pub fn load_builtin() -> Result<Questionnaire, LoadErrors> {
    load(SOURCES)
}

/// The built-in questionnaire, loaded once.
///
/// # Panics
/// If the embedded content is invalid, which `tests/content.rs` rules out before release.
pub fn builtin() -> &'static Questionnaire {
    static CELL: OnceLock<Questionnaire> = OnceLock::new();
    #[expect(
        clippy::panic,
        reason = "embedded content is validated by the content test"
    )]
    CELL.get_or_init(|| match load_builtin() {
        Ok(q) => q,
        Err(e) => panic!("the built-in questionnaire is invalid:\n{e}"),
    })
}
