//! Score bars: one horizontal bar per area, coloured by band, plus the overall score.

use questionnaires::evaluate::AreaResult;

use super::svg::*;

/// Horizontal bars, one per area (title + score 0–100 or "not scored"), plus the overall score.
///
/// Bars are coloured by band: 80 and above green, 50 to 79 amber, below 50 red; an area without
/// a score is a dashed grey outline. Scores outside 0–100 are clamped; non-finite ones count as
/// not scored.
pub fn score_bars(areas: &[AreaResult], overall: Option<f64>) -> String {
    const LABEL_X: f64 = 16.0;
    const LABEL_W: f64 = 212.0;
    const TRACK_X: f64 = 244.0;
    const TRACK_W: f64 = 372.0;
    const VALUE_X: f64 = TRACK_X + TRACK_W + 12.0;
    const TOP: f64 = 14.0;

    let overall = clean_score(overall);
    let mut hash = Fnv::new("scores");
    hash.f64(overall.unwrap_or(-1.0));
    for area in areas {
        hash.str(area.id.as_str());
        hash.str(&area.title);
        hash.f64(area.score.unwrap_or(-1.0));
    }
    let id = hash.id("scores");

    // Tracks, then the grid over them, then bars and text.
    let mut tracks = String::new();
    let mut rows = String::new();
    // The overall row.
    let mut y = TOP;
    let centre = y + 20.0;
    rows.push_str(&format!(
        r#"<g><title>{}</title>{}"#,
        escape(&format!("Overall: {}", score_phrase(overall))),
        text(
            LABEL_X,
            centre + 5.0,
            r#"font-size="14" font-weight="700""#,
            "Overall"
        ),
    ));
    tracks.push_str(&track(TRACK_X, centre, TRACK_W, 22.0));
    rows.push_str(&bar(TRACK_X, centre, overall, TRACK_W, 22.0));
    rows.push_str(&value_text(VALUE_X, centre, overall, 14.0, true));
    rows.push_str("</g>");
    y += 40.0;
    let divider = y + 6.0;
    rows.push_str(&format!(
        r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{GRID}" stroke-width="1"/>"#,
        num(LABEL_X),
        num(divider),
        num(WIDTH - LABEL_X),
        num(divider)
    ));
    y += 14.0;

    if areas.is_empty() {
        rows.push_str(&text(
            LABEL_X,
            y + 19.0,
            &format!(r#"fill="{MUTED}" font-style="italic""#),
            "No areas to score yet.",
        ));
        y += 30.0;
    }
    for area in areas {
        let score = clean_score(area.score);
        let lines = wrap(&area.title, LABEL_W, 13.0, 2);
        let row_h = (lines.len() as f64 * 16.0 + 14.0).max(30.0);
        let centre = y + row_h / 2.0;
        rows.push_str(&format!(
            "<g><title>{}</title>",
            escape(&format!("{}: {}", area.title, score_phrase(score)))
        ));
        rows.push_str(&text_block(LABEL_X, centre, &lines, 13.0, 16.0, ""));
        tracks.push_str(&track(TRACK_X, centre, TRACK_W, 16.0));
        rows.push_str(&bar(TRACK_X, centre, score, TRACK_W, 16.0));
        rows.push_str(&value_text(VALUE_X, centre, score, 13.0, false));
        rows.push_str("</g>");
        y += row_h;
    }
    let grid_bottom = y + 2.0;

    // Grid lines over the tracks (drawn first, under the bars), with the scale below.
    let mut grid = String::new();
    let mut scale = String::new();
    for tick in [0.0, 25.0, 50.0, 75.0, 100.0] {
        let x = TRACK_X + TRACK_W * tick / 100.0;
        grid.push_str(&format!(
            r#"<line x1="{x}" y1="{}" x2="{x}" y2="{}" stroke="{GRID}" stroke-width="1"/>"#,
            num(TOP),
            num(grid_bottom),
            x = num(x)
        ));
        scale.push_str(&text(
            x,
            grid_bottom + 16.0,
            &format!(r#"font-size="12" fill="{MUTED}" text-anchor="middle""#),
            &num(tick),
        ));
    }
    y = grid_bottom + 30.0;

    // Legend.
    let mut legend = String::new();
    let mut x = TRACK_X;
    let items: [(&str, Option<&str>); 4] = [
        ("80 and above", Some(GREEN)),
        ("50 to 79", Some(AMBER)),
        ("below 50", Some(RED)),
        ("not scored", None),
    ];
    let legend_y = y + 8.0;
    for (label, colour) in items {
        legend.push_str(&match colour {
            Some(c) => format!(
                r#"<rect x="{}" y="{}" width="12" height="12" rx="2" fill="{c}"/>"#,
                num(x),
                num(legend_y - 6.0)
            ),
            None => format!(
                r#"<rect x="{}" y="{}" width="11" height="11" rx="2" fill="none" stroke="{OUTLINE}" stroke-dasharray="3 2"/>"#,
                num(x + 0.5),
                num(legend_y - 5.5)
            ),
        });
        legend.push_str(&text(
            x + 18.0,
            legend_y + 4.0,
            &format!(r#"font-size="12" fill="{MUTED}""#),
            label,
        ));
        x += 18.0 + text_width(label, 12.0) + 22.0;
    }
    legend.push_str(&text(
        LABEL_X,
        legend_y + 4.0,
        &format!(r#"font-size="12" fill="{MUTED}""#),
        "Score out of 100",
    ));
    let height = legend_y + 18.0;

    let mut desc = format!("Overall score: {}.", score_phrase(overall));
    for area in areas {
        desc.push_str(&format!(
            " {}: {}.",
            area.title,
            score_phrase(clean_score(area.score))
        ));
    }
    let title = "Scores by area, out of 100";
    let mut svg = open_svg(&id, height, title, &desc);
    svg.push_str(&tracks);
    svg.push_str(&grid);
    svg.push_str(&rows);
    svg.push_str(&scale);
    svg.push_str(&legend);
    svg.push_str("</svg>");
    svg
}

fn clean_score(score: Option<f64>) -> Option<f64> {
    score.filter(|s| s.is_finite()).map(|s| s.clamp(0.0, 100.0))
}

fn score_phrase(score: Option<f64>) -> String {
    score.map_or_else(
        || "not scored".to_string(),
        |s| format!("{} out of 100", decimals(s, 1)),
    )
}

fn band_colour(score: f64) -> &'static str {
    match questionnaires::evaluate::Band::of(score) {
        questionnaires::evaluate::Band::Good => GREEN,
        questionnaires::evaluate::Band::Fair => AMBER,
        questionnaires::evaluate::Band::Poor => RED,
    }
}

fn track(x: f64, centre: f64, width: f64, height: f64) -> String {
    format!(
        r#"<rect x="{}" y="{}" width="{}" height="{}" rx="3" fill="{TRACK}"/>"#,
        num(x),
        num(centre - height / 2.0),
        num(width),
        num(height)
    )
}

/// A score's bar over its track; no score: a dashed outline of the whole track.
fn bar(x: f64, centre: f64, score: Option<f64>, track_w: f64, height: f64) -> String {
    match score {
        Some(score) => format!(
            r#"<rect x="{}" y="{}" width="{}" height="{}" rx="3" fill="{}"/>"#,
            num(x),
            num(centre - height / 2.0),
            // A zero score still shows a sliver of red.
            num((track_w * score / 100.0).max(3.0)),
            num(height),
            band_colour(score)
        ),
        None => format!(
            r#"<rect x="{}" y="{}" width="{}" height="{}" rx="3" fill="none" stroke="{OUTLINE}" stroke-width="1.2" stroke-dasharray="5 3"/>"#,
            num(x + 0.6),
            num(centre - height / 2.0 + 0.6),
            num(track_w - 1.2),
            num(height - 1.2)
        ),
    }
}

fn value_text(x: f64, centre: f64, score: Option<f64>, size: f64, bold: bool) -> String {
    let weight = if bold { r#" font-weight="700""# } else { "" };
    match score {
        Some(s) => text(
            x,
            centre + size * 0.36,
            &format!(r#"font-size="{}"{weight}"#, num(size)),
            &decimals(s, 1),
        ),
        None => text(
            x,
            centre + 12.0 * 0.36,
            &format!(r#"font-size="12" font-style="italic" fill="{MUTED}""#),
            "not scored",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::testing::*;
    use questionnaires::evaluate::Progress;
    use questionnaires::model::AreaId;

    fn area(id: &str, title: &str, score: Option<f64>) -> AreaResult {
        AreaResult {
            id: AreaId::parse(id).expect("valid id"),
            title: title.into(),
            score,
            progress: Progress {
                answered: 3,
                applicable: 4,
                total: 5,
            },
            high: 0,
            medium: 1,
        }
    }

    // --- Score bars -------------------------------------------------------------------------

    #[test]
    fn score_bars_colour_by_band() {
        let areas = [
            area("fit", "Workload fit", Some(92.5)),
            area("state", "State boundaries", Some(64.0)),
            area("security", "Security", Some(20.0)),
            area("cost", "Cost", None),
        ];
        let svg = score_bars(&areas, Some(71.3));
        let elements = check_chart(&svg);
        let fills: Vec<&str> = elements
            .iter()
            .filter(|e| e.name == "rect" && e.attr("height") != Some("12"))
            .filter_map(|e| e.attr("fill"))
            .collect();
        // Overall 71.3 amber, then green, amber, red: in order, after the tracks.
        let bars: Vec<&str> = fills
            .iter()
            .copied()
            .filter(|f| [GREEN, AMBER, RED].contains(f))
            .collect();
        assert_eq!(bars, [AMBER, GREEN, AMBER, RED]);
        assert!(svg.contains("not scored"));
        assert!(svg.contains(&format!(r#"fill="none" stroke="{OUTLINE}""#)));
        for text in [
            "Workload fit",
            "State boundaries",
            "Security",
            "Cost",
            "92.5",
            "71.3",
        ] {
            assert!(svg.contains(&format!(">{text}<")), "{text} not shown");
        }
        assert!(desc_of(&svg).contains("Security: 20 out of 100."));
        assert!(desc_of(&svg).contains("Cost: not scored."));
    }

    #[test]
    fn score_bars_edge_cases() {
        let svg = score_bars(&[], None);
        check_chart(&svg);
        assert!(svg.contains("No areas to score yet."));
        assert!(desc_of(&svg).contains("Overall score: not scored."));

        let odd = [
            area("a", "Not a number", Some(f64::NAN)),
            area("b", "Infinite", Some(f64::INFINITY)),
            area("c", "Too high", Some(250.0)),
            area("d", "Negative", Some(-5.0)),
            area("e", "", Some(0.0)),
        ];
        let svg = score_bars(&odd, Some(f64::NEG_INFINITY));
        let elements = check_chart(&svg);
        // Clamped: a full bar for 250, a sliver for -5 and 0.
        let widths: Vec<f64> = elements
            .iter()
            .filter(|e| e.name == "rect" && e.attr("height") != Some("12"))
            .filter(|e| [GREEN, RED].contains(&e.attr("fill").unwrap_or("")))
            .map(|e| e.number("width"))
            .collect();
        assert_eq!(widths, [372.0, 3.0, 3.0]);
        // Two areas and the overall score, plus the legend.
        assert_eq!(svg.matches(">not scored<").count(), 3 + 1);
    }

    #[test]
    fn score_bars_escape_titles() {
        let areas = [
            area("x", HOSTILE, Some(50.0)),
            area("y", &"Long ".repeat(40), Some(80.0)),
        ];
        let svg = score_bars(&areas, Some(65.0));
        check_chart(&svg);
        assert!(!svg.contains("<script"));
        assert!(svg.contains(HOSTILE_ESCAPED));
    }
}
