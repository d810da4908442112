//! The executive summary: the one page a board reads first.
//!
//! [`of`] reads a finished [`Report`] and says, in plain words, what the review concludes and
//! what it asks of the reader: the verdict and whether it is final, the design, what each option
//! costs a month, what blocks the design, the top risks, the decisions to take and the work to
//! start with. It adds nothing the report does not hold, so the summary cannot disagree with the
//! sections it sums up.

use serde::{Deserialize, Serialize};

use super::Report;

/// At most this many risks are named in the summary.
const TOP_RISKS: usize = 3;

/// At most this many checklist items are named as the first work to start.
const FIRST_STEPS: usize = 3;

/// The executive summary of a report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// The conclusion in one sentence.
    pub headline: String,
    /// The verdict's label ("Fits, with blockers").
    pub verdict: String,
    /// Under 80 % of the questions answered: the verdict may change.
    pub provisional: bool,
    /// The design in words: the backbone and its add-ons, or none yet.
    pub design: Option<String>,
    /// Both options a month, when the cost inputs are answered.
    pub cost: Option<SummaryCost>,
    /// What must be resolved or accepted before approval, in words.
    pub blockers: Vec<String>,
    /// The most serious open risks, in words: high first, then medium.
    pub top_risks: Vec<String>,
    /// The decisions asked of the reader, most pressing first.
    pub decisions: Vec<String>,
    /// The open checklist items to start with, highest priority first.
    pub first_steps: Vec<String>,
    /// The sign-off in one sentence: who approved and when, or that the answers changed since.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sign_off: Option<String>,
}

/// The two options' monthly cost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SummaryCost {
    /// Serverless USD a month.
    pub serverless_usd: f64,
    /// Containers USD a month.
    pub containers_usd: f64,
    /// `serverless` or `containers`.
    pub cheaper: String,
    /// The comparison in one sentence.
    pub sentence: String,
}

/// A whole-dollar amount with thousands separators: "$1,234".
pub fn usd(x: f64) -> String {
    let whole = x.round().max(0.0) as u64;
    let digits = whole.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    format!("${out}")
}

/// "one", "two" … for small counts; digits above nine.
pub(super) fn count(n: usize, one: &str, many: &str) -> String {
    const WORDS: [&str; 10] = [
        "no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
    ];
    let n_words = WORDS
        .get(n)
        .map_or_else(|| n.to_string(), |w| (*w).to_owned());
    format!("{n_words} {}", if n == 1 { one } else { many })
}

/// Builds the summary of a finished report.
pub fn of(r: &Report) -> Summary {
    let v = &r.verdict;
    let unanswered = r.progress.applicable.saturating_sub(r.progress.answered);
    let design = r.design.backbone_name.as_ref().map(|backbone| {
        let add_ons: Vec<&str> = r.design.add_ons.iter().map(|a| a.name.as_str()).collect();
        if add_ons.is_empty() {
            backbone.clone()
        } else {
            format!("{backbone}, with {}", add_ons.join(" and "))
        }
    });
    let cost = r.cost.as_ref().map(|c| {
        let (low, high, cheaper) = if c.cheaper == "containers" {
            (c.containers_usd, c.serverless_usd, "Containers cost")
        } else {
            (c.serverless_usd, c.containers_usd, "Serverless costs")
        };
        let sentence = if high <= 0.0 || (high - low) / high < 0.1 {
            format!(
                "Both cost about the same: {} a month serverless, {} on containers, at {} requests a month.",
                usd(c.serverless_usd),
                usd(c.containers_usd),
                volume(c.monthly_requests)
            )
        } else {
            format!(
                "{cheaper} less: {} a month against {}, at {} requests a month.",
                usd(low),
                usd(high),
                volume(c.monthly_requests)
            )
        };
        SummaryCost {
            serverless_usd: c.serverless_usd,
            containers_usd: c.containers_usd,
            cheaper: c.cheaper.clone(),
            sentence,
        }
    });
    let blockers: Vec<String> = v
        .blockers
        .iter()
        .map(|b| {
            // Messages wrap in the content files; a summary line is one paragraph.
            let message = b.message.split_whitespace().collect::<Vec<_>>().join(" ");
            if message.starts_with(&b.title) {
                message
            } else {
                format!("{}: {message}", b.title)
            }
        })
        .collect();
    let blocking: Vec<&str> = v.blockers.iter().map(|b| b.id.as_str()).collect();
    let top_risks: Vec<String> = r
        .risks
        .iter()
        .filter(|x| x.accepted_now().is_none() && !blocking.contains(&x.question.as_str()))
        .take(TOP_RISKS)
        .map(|x| format!("{} ({} risk, {})", x.problem, x.level, x.area_title))
        .collect();

    // An approval that covers the report has taken the decisions to approve and to accept the
    // blockers; one the answers moved away from asks for them again.
    let approved = r.sign_off.as_ref().is_some_and(|s| !s.changed_since);
    let headline = match (v.status.as_str(), &design) {
        ("incomplete", _) => format!(
            "Too early to decide: {} of {} questions are answered.",
            r.progress.answered, r.progress.applicable
        ),
        ("does_not_fit", Some(d)) => {
            format!("Serverless does not fit this workload: the review recommends {d}.")
        }
        ("does_not_fit", None) => {
            "Serverless does not fit this workload: the review recommends containers.".to_owned()
        }
        ("fits_with_blockers", d) if approved => format!(
            "Serverless fits, with {} accepted at sign-off{}.",
            count(v.blockers.len(), "blocker", "blockers"),
            d.as_ref()
                .map_or_else(String::new, |d| format!(": the design is {d}"))
        ),
        ("fits_with_blockers", d) => format!(
            "Serverless fits once {} {} resolved or accepted{}.",
            count(v.blockers.len(), "blocker", "blockers"),
            if v.blockers.len() == 1 { "is" } else { "are" },
            d.as_ref()
                .map_or_else(String::new, |d| format!(": the design is {d}"))
        ),
        (_, Some(d)) => format!("Serverless fits: the design is {d}."),
        (_, None) => "Serverless fits.".to_owned(),
    };

    let mut decisions = Vec::new();
    if let Some(s) = r.sign_off.as_ref().filter(|s| s.changed_since) {
        decisions.push(format!(
            "Approve the design again: the answers changed after {} approved it on {}.",
            s.by,
            s.day()
        ));
    }
    if r.provisional && unanswered > 0 {
        decisions.push(format!(
            "Have the team answer the {} still open before relying on this verdict.",
            count(unanswered, "question", "questions")
        ));
    }
    match v.status.as_str() {
        _ if approved => {}
        "does_not_fit" => decisions.push(format!(
            "Approve containers rather than serverless for this workload{}.",
            cost.as_ref()
                .filter(|c| c.cheaper == "containers")
                .map_or_else(String::new, |c| format!(
                    " ({} a month against {})",
                    usd(c.containers_usd),
                    usd(c.serverless_usd)
                ))
        )),
        "fits" | "fits_with_blockers" => {
            if let Some(d) = &design {
                decisions.push(format!("Approve the design: {d}."));
            }
            if let Some(c) = cost.as_ref().filter(|c| c.cheaper == "containers") {
                decisions.push(format!(
                    "Weigh the running cost: containers would cost {} a month against {} serverless.",
                    usd(c.containers_usd),
                    usd(c.serverless_usd)
                ));
            }
        }
        _ => {}
    }
    if !v.blockers.is_empty() && !approved {
        decisions.push(format!(
            "For each of the {}, decide: fix it before launch, or accept it with a reason and an owner.",
            count(v.blockers.len(), "blocker", "blockers")
        ));
    }
    let open = r.open_items();
    let unowned_high = open
        .iter()
        .filter(|i| i.priority == "high" && i.owner.trim().is_empty())
        .count();
    if unowned_high > 0 {
        decisions.push(format!(
            "Name an owner and a date for the {} with none.",
            count(unowned_high, "high-priority item", "high-priority items")
        ));
    }
    // Open items come highest priority first.
    let first_steps = open
        .iter()
        .take(FIRST_STEPS)
        .map(|i| i.title.clone())
        .collect();

    Summary {
        headline,
        verdict: v.label.clone(),
        provisional: r.provisional,
        design,
        cost,
        blockers,
        top_risks,
        decisions,
        first_steps,
        sign_off: r.sign_off.as_ref().map(super::ReportSignOff::sentence),
    }
}

/// A monthly request count a person reads: "2.6 million", "850,000".
pub fn volume(requests: f64) -> String {
    if requests >= 1e9 {
        format!("{:.1} billion", requests / 1e9)
    } else if requests >= 1e6 {
        format!("{:.1} million", requests / 1e6)
    } else {
        usd(requests).trim_start_matches('$').to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_read_as_a_person_writes_them() {
        assert_eq!(usd(0.4), "$0");
        assert_eq!(usd(999.5), "$1,000");
        assert_eq!(usd(1_234_567.0), "$1,234,567");
        assert_eq!(volume(2_592_000.0), "2.6 million");
        assert_eq!(volume(850_000.0), "850,000");
        assert_eq!(count(1, "blocker", "blockers"), "one blocker");
        assert_eq!(count(12, "blocker", "blockers"), "12 blockers");
    }
}
