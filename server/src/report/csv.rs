//! Risks, template findings and checklist items as CSV, one row each, for a backlog import (Jira,
//! GitHub Projects). The columns are a stable contract: importers map them by name. A risk's Summary is
//! its problem; its Status is `accepted-risk` while a team's acceptance covers it, else `open`.
//!
//! Cells hold user and lens text (owners, titles, reasons), and a spreadsheet runs a cell that
//! starts like a formula. Every cell goes through [`cell`], which neutralises those as OWASP
//! recommends (<https://owasp.org/www-community/attacks/CSV_Injection>).

use std::borrow::Cow;

use super::{Document, Links};

/// A cell a spreadsheet will not run as a formula: one that starts with `=`, `+`, `-` or `@`
/// (after any leading whitespace, which some spreadsheets skip), or with a tab, carriage return or
/// line feed, gets a leading `'`, which makes it text. A plain number such as `-3` or `+0.5` is
/// not a formula and stays as it is.
pub fn cell(s: &str) -> Cow<'_, str> {
    let trimmed = s.trim_start();
    let risky = s.starts_with(['\t', '\r', '\n'])
        || (trimmed.starts_with(['=', '+', '-', '@']) && !is_number(trimmed.trim_end()));
    if risky {
        Cow::Owned(format!("'{s}"))
    } else {
        Cow::Borrowed(s)
    }
}

/// A decimal number: an optional sign, digits with an optional fraction, an optional exponent.
fn is_number(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |x: &str| x.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = (!int.is_empty() || !frac.is_empty()) && digits(int) && digits(frac);
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    mantissa_ok && exponent_ok
}

/// Writes one row, every cell neutralised.
fn row<const N: usize>(w: &mut ::csv::Writer<Vec<u8>>, cells: [&str; N]) -> Result<(), String> {
    w.write_record(cells.map(cell).iter().map(|c| c.as_bytes()))
        .map_err(|e| e.to_string())
}

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

/// The risks, the template findings, then the checklist.
pub fn render(doc: &Document, links: Option<&Links>) -> Result<String, String> {
    let r = &doc.report;
    let mut w = ::csv::Writer::from_writer(Vec::new());
    row(&mut w, COLUMNS)?;
    for k in &r.risks {
        let link = links
            .map(|l| l.question(&k.area, &k.question))
            .unwrap_or_default();
        // An accepted risk is told apart by its status, as a checklist item the team accepted
        // is, and its description says who accepted it, when and why (lapsed or not).
        let status = if k.accepted_now().is_some() {
            "accepted-risk"
        } else {
            "open"
        };
        let description = match k.acceptance_sentence() {
            Some(said) => format!("{}\n\n{said}", k.reason),
            None => k.reason.clone(),
        };
        row(
            &mut w,
            [
                "risk",
                &k.question,
                &k.problem,
                &k.area_title,
                &k.level,
                status,
                "",
                "",
                &description,
                &link,
            ],
        )?;
    }
    for f in &r.template_findings {
        let link = links
            .map(|l| format!("{}/evidence", l.review))
            .unwrap_or_default();
        row(
            &mut w,
            [
                "template_finding",
                &f.id,
                &f.message,
                "",
                &f.severity,
                "open",
                "",
                "",
                &f.place(),
                &link,
            ],
        )?;
    }
    for i in &r.checklist {
        let link = links.map(Links::results).unwrap_or_default();
        row(
            &mut w,
            [
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
            ],
        )?;
    }
    String::from_utf8(w.into_inner().map_err(|e| e.to_string())?).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_become_text_and_numbers_stay_numbers() {
        for (input, want) in [
            ("=1+1", "'=1+1"),
            ("+1+1", "'+1+1"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("\n=1", "'\n=1"),
            (
                "  =HYPERLINK(\"http://evil.example\")",
                "'  =HYPERLINK(\"http://evil.example\")",
            ),
            ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
            ("-", "'-"),
            ("+1 555 0100", "'+1 555 0100"),
            // Plain numbers are not formulas.
            ("-3", "-3"),
            ("-0.5", "-0.5"),
            ("+12", "+12"),
            ("-1e3", "-1e3"),
            ("42", "42"),
            // Ordinary text, and a formula sign later in the cell.
            ("Ana | Ops", "Ana | Ops"),
            ("Ana = owner", "Ana = owner"),
            ("a-b", "a-b"),
            ("", ""),
            ("https://trellis.example/x", "https://trellis.example/x"),
        ] {
            assert_eq!(cell(input), want, "{input:?}");
        }
        for not_number in ["-", "-.", "-e3", "-1e", "--1", "-1-1", "-0x10", "-1.2.3"] {
            assert!(!is_number(not_number), "{not_number}");
        }
    }
}
