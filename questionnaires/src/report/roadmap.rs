//! The roadmap: the open checklist as Now, Next and Later.
//!
//! [`of`] places each open item by what it unblocks and how much it matters:
//!
//! - **Now**: the items that answer a blocker (their questions raised a risk that blocks the
//!   design), and high-priority items small enough (effort S) to finish at once;
//! - **Next**: the other high-priority items, and medium-priority ones that are not large;
//! - **Later**: the rest.
//!
//! When no item is that urgent, the three most pressing of Next start now: a plan always has a
//! first step.
//!
//! An item another one needs first (`after` in the checklist content) is pulled into the phase of
//! the earliest item that needs it, and comes before it within the phase: a blocker is never
//! pushed back to wait for its prerequisite. Within a phase, items go highest priority first,
//! then smallest first.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::{Report, ReportItem};

/// The open checklist in three phases.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Roadmap {
    /// Start now: what unblocks the design, and small high-priority work.
    pub now: Vec<Step>,
    /// Next: the rest of the high-priority work, and medium work that is not large.
    pub next: Vec<Step>,
    /// Later: low priority, and large medium-priority work.
    pub later: Vec<Step>,
}

/// One open checklist item on the roadmap.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    /// Checklist item id.
    pub item: String,
    /// Its title.
    pub title: String,
    /// Its area's title.
    pub area_title: String,
    /// `high`, `medium` or `low`.
    pub priority: String,
    /// `S`, `M` or `L`, when the content sizes it.
    pub effort: Option<String>,
    /// Who owns it; empty when nobody does yet.
    pub owner: String,
    /// When it is due (YYYY-MM-DD).
    pub due_date: Option<String>,
    /// Why it sits in this phase, in words.
    pub reason: String,
    /// Items that must be done first and are still open, by title.
    pub after: Vec<String>,
}

impl Roadmap {
    /// The three phases with their titles, for rendering.
    pub fn phases(&self) -> [(&'static str, &[Step]); 3] {
        [
            ("Now", &self.now),
            ("Next", &self.next),
            ("Later", &self.later),
        ]
    }

    /// Whether nothing is open.
    pub fn is_empty(&self) -> bool {
        self.now.is_empty() && self.next.is_empty() && self.later.is_empty()
    }
}

/// How many items start now when no rule puts any there.
const FIRST: usize = 3;

fn rank(priority: &str) -> u8 {
    match priority {
        "high" => 0,
        "medium" => 1,
        _ => 2,
    }
}

fn size(effort: Option<&str>) -> u8 {
    match effort {
        Some("S") => 0,
        Some("L") => 2,
        _ => 1,
    }
}

/// Builds the roadmap of a finished report.
pub fn of(r: &Report) -> Roadmap {
    let open: Vec<&ReportItem> = r.open_items();
    let by_id: BTreeMap<&str, &ReportItem> = open.iter().map(|i| (i.id.as_str(), *i)).collect();
    let blockers: BTreeMap<&str, &str> = r
        .verdict
        .blockers
        .iter()
        .filter(|b| b.kind == "risk")
        .map(|b| (b.id.as_str(), b.title.as_str()))
        .collect();

    let mut phase: BTreeMap<&str, (usize, String)> = BTreeMap::new();
    for i in &open {
        let blocker = i.questions.iter().find_map(|q| blockers.get(q.as_str()));
        let effort = i.effort.as_deref();
        let placed = match (blocker, i.priority.as_str(), effort) {
            (Some(b), _, _) => (0, format!("Answers the blocker “{b}”.")),
            (None, "high", Some("S")) => {
                (0, "High priority and small: finish it at once.".to_owned())
            }
            (None, "high", _) => (1, "High priority.".to_owned()),
            (None, "medium", Some("L")) => (2, "Medium priority, and large.".to_owned()),
            (None, "medium", _) => (1, "Medium priority.".to_owned()),
            _ => (2, "Low priority.".to_owned()),
        };
        phase.insert(i.id.as_str(), placed);
    }
    // Nothing urgent by the rules: the most pressing of Next starts now, so a plan always has a
    // first step.
    if !phase.values().any(|(p, _)| *p == 0) {
        let mut next: Vec<&&ReportItem> = open
            .iter()
            .filter(|i| phase[i.id.as_str()].0 == 1)
            .collect();
        next.sort_by_key(|i| (rank(&i.priority), size(i.effort.as_deref())));
        for i in next.into_iter().take(FIRST) {
            phase.insert(
                i.id.as_str(),
                (0, "Among the most pressing open work.".to_owned()),
            );
        }
    }
    // Pull prerequisites forward to the earliest phase that needs them. Each pass can only move
    // an item earlier, so this settles within as many passes as there are phases (a cycle in the
    // content cannot loop it).
    for _ in 0..3 {
        for i in &open {
            let mine = phase[i.id.as_str()].0;
            for a in &i.after {
                if let Some((p, reason)) = phase.get_mut(a.as_str())
                    && *p > mine
                {
                    *p = mine;
                    *reason = format!("Needed first by “{}”.", i.title);
                }
            }
        }
    }

    let mut phases: [Vec<&ReportItem>; 3] = Default::default();
    for i in &open {
        phases[phase[i.id.as_str()].0].push(i);
    }
    let [now, next, later] = phases.map(|mut items| {
        items.sort_by_key(|i| (rank(&i.priority), size(i.effort.as_deref())));
        prerequisites_first(&mut items);
        items
            .into_iter()
            .map(|i| Step {
                item: i.id.clone(),
                title: i.title.clone(),
                area_title: i.area_title.clone(),
                priority: i.priority.clone(),
                effort: i.effort.clone(),
                owner: i.owner.clone(),
                due_date: i.due_date.clone(),
                reason: phase[i.id.as_str()].1.clone(),
                after: i
                    .after
                    .iter()
                    .filter_map(|a| by_id.get(a.as_str()).map(|x| x.title.clone()))
                    .collect(),
            })
            .collect()
    });
    Roadmap { now, next, later }
}

/// Moves each item after the items it needs that share its phase, keeping the order otherwise.
fn prerequisites_first(items: &mut Vec<&ReportItem>) {
    let mut placed: Vec<&ReportItem> = Vec::with_capacity(items.len());
    let mut done: BTreeSet<&str> = BTreeSet::new();
    let here: BTreeSet<&str> = items.iter().map(|i| i.id.as_str()).collect();
    let mut waiting: Vec<&ReportItem> = items.clone();
    // Each round places every item whose prerequisites here are placed; a cycle places the rest
    // in their order.
    while !waiting.is_empty() {
        let before = waiting.len();
        waiting.retain(|i| {
            let ready = i
                .after
                .iter()
                .all(|a| !here.contains(a.as_str()) || done.contains(a.as_str()));
            if ready {
                placed.push(i);
                done.insert(i.id.as_str());
            }
            !ready
        });
        if waiting.len() == before {
            placed.append(&mut waiting);
        }
    }
    *items = placed;
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::report::{Input, Snapshot, build};

    fn case(name: &str) -> Report {
        let q = crate::builtin();
        let path = format!("{}/tests/cases/{name}.toml", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(path).unwrap();
        let file = crate::parse_answers_file(&text, crate::Format::Toml, q).unwrap();
        let evaluation = crate::evaluate(q, &file.answers);
        build(Input {
            q,
            workload: &file.workload,
            answers: &file.answers,
            evaluation: &evaluation,
            progress: &BTreeMap::new(),
            acceptances: &BTreeMap::new(),
            snapshot: Snapshot::current(),
            generated_at: String::new(),
        })
    }

    fn placed(r: &Roadmap) -> BTreeMap<&str, (usize, usize)> {
        let mut at = BTreeMap::new();
        for (p, (_, steps)) in r.phases().iter().enumerate() {
            for (n, s) in steps.iter().enumerate() {
                assert!(
                    at.insert(s.item.as_str(), (p, n)).is_none(),
                    "{} twice",
                    s.item
                );
            }
        }
        at
    }

    #[test]
    fn every_open_item_has_one_place_blockers_first_and_prerequisites_before() {
        for name in [
            "12_monthly_billing_run",
            "09_payment_capture_no_idempotency",
            "31_early_review_few_answers",
        ] {
            let r = case(name);
            let at = placed(&r.roadmap);
            let open: BTreeSet<&str> = r.open_items().iter().map(|i| i.id.as_str()).collect();
            assert_eq!(at.keys().copied().collect::<BTreeSet<_>>(), open, "{name}");
            let blockers: Vec<&str> = r.verdict.blockers.iter().map(|b| b.id.as_str()).collect();
            for i in r.open_items() {
                if i.questions.iter().any(|q| blockers.contains(&q.as_str())) {
                    assert_eq!(at[i.id.as_str()].0, 0, "{name}: {} answers a blocker", i.id);
                }
                for a in &i.after {
                    if let Some(before) = at.get(a.as_str()) {
                        assert!(before < &at[i.id.as_str()], "{name}: {a} after {}", i.id);
                    }
                }
            }
        }
    }

    #[test]
    fn a_prerequisite_of_urgent_work_is_pulled_forward() {
        let mut r = case("12_monthly_billing_run");
        let urgent = r.roadmap.now[0].item.clone();
        // Make a low-priority open item the urgent one's prerequisite.
        let late = r.roadmap.later.last().unwrap().item.clone();
        for i in &mut r.checklist {
            if i.id == urgent {
                i.after = vec![late.clone()];
            }
        }
        let roadmap = of(&r);
        let at = placed(&roadmap);
        assert_eq!(at[late.as_str()].0, 0);
        assert!(at[late.as_str()].1 < at[urgent.as_str()].1);
        let step = roadmap.now.iter().find(|s| s.item == late).unwrap();
        assert!(
            step.reason.starts_with("Needed first by"),
            "{}",
            step.reason
        );
        let step = roadmap.now.iter().find(|s| s.item == urgent).unwrap();
        assert_eq!(step.after.len(), 1);
    }

    #[test]
    fn a_cycle_in_the_content_still_places_every_item_once() {
        let mut r = case("12_monthly_billing_run");
        let ids: Vec<String> = r
            .open_items()
            .iter()
            .take(2)
            .map(|i| i.id.clone())
            .collect();
        for i in &mut r.checklist {
            if i.id == ids[0] {
                i.after = vec![ids[1].clone()];
            } else if i.id == ids[1] {
                i.after = vec![ids[0].clone()];
            }
        }
        let roadmap = of(&r);
        assert_eq!(placed(&roadmap).len(), r.open_items().len());
    }
}
