//! Helpers the scaffold plan tests share (`#[path = "support/plans.rs"] mod plans;`).

use questionnaires::scaffold::Plan;

/// The setting of a plan's control, by id; panics when the plan has no such control.
pub fn setting<'a>(p: &'a Plan, id: &str) -> &'a str {
    &p.controls
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no control {id}"))
        .setting
}
