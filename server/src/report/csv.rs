//! Risks and checklist items as CSV, one row each, for a backlog import (Jira, GitHub Projects).
//! The columns are a stable contract: importers map them by name.

use super::{Document, Links};

/// The CSV columns, in order.
pub const COLUMNS: [&str; 10] = [
    "Type",
    "Key",
    "Summary",
    "Area",
    "Priority",
    "Status",
    "Owner",
    "Due date",
    "Description",
    "Link",
];

/// The risks, then the checklist.
pub fn render(doc: &Document, links: Option<&Links>) -> Result<String, String> {
    let r = &doc.report;
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let err = |e: ::csv::Error| e.to_string();
    w.write_record(COLUMNS).map_err(err)?;
    for k in &r.risks {
        let link = links
            .map(|l| l.question(&k.area, &k.question))
            .unwrap_or_default();
        w.write_record([
            "risk",
            &k.question,
            &k.title,
            &k.area_title,
            &k.level,
            "open",
            "",
            "",
            &k.reason,
            &link,
        ])
        .map_err(err)?;
    }
    for i in &r.checklist {
        let link = links.map(Links::results).unwrap_or_default();
        w.write_record([
            "checklist",
            &i.id,
            &i.title,
            &i.area_title,
            &i.priority,
            &i.status.replace('_', " "),
            &i.owner,
            i.due_date.as_deref().unwrap_or(""),
            &i.why,
            &link,
        ])
        .map_err(err)?;
    }
    String::from_utf8(w.into_inner().map_err(|e| e.to_string())?).map_err(|e| e.to_string())
}
