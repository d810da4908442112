//! Charts for review results, as self-contained SVG: area score bars, the serverless-against-
//! containers cost curve, and pattern diagrams (boxes and arrows).
//!
//! Pure string building: no IO, no fonts, images or links, so the same code renders on the server
//! and in the browser. Every chart is one `<svg>` element with a 720-unit-wide `viewBox` and
//! `width="100%"`, so its 12–14 unit text reads at 12–14 px when shown about 720 px wide. All text
//! taken from data is XML-escaped. The ids behind `aria-labelledby` (and the arrowhead marker) are
//! derived from a hash of the chart's content, so several charts can share one page.

use std::collections::BTreeMap;

use questionnaires::cost::{CostEstimate, CostPoint};
use questionnaires::evaluate::AreaResult;
use questionnaires::model::Diagram;

/// Width of every chart, in `viewBox` units.
const WIDTH: f64 = 720.0;
const FONT: &str = "system-ui, sans-serif";
const GREEN: &str = "#2f6f4f";
const AMBER: &str = "#a15c00";
const RED: &str = "#b42318";
const INK: &str = "#1d2430";
const GRID: &str = "#d9dee7";
const MUTED: &str = "#5b6575";
const OUTLINE: &str = "#8a94a6";
const TRACK: &str = "#f3f5f8";
const BOX_FILL: &str = "#f6f8fb";
/// How much wider semi-bold text runs than regular, for width estimates.
const BOLD: f64 = 1.14;
/// A white outline painted under text, so labels stay legible where they cross lines.
const HALO: &str =
    r#"stroke="white" stroke-width="4" stroke-linejoin="round" paint-order="stroke""#;

// ---------------------------------------------------------------------------------------------
// Score bars
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// Cost chart
// ---------------------------------------------------------------------------------------------

/// Monthly cost (USD, y) against monthly requests (x): the serverless line and the containers line from
/// `cost.series`, the current volume marked, and the break-even crossing marked and labelled when it exists.
///
/// The x axis runs from zero to the largest of the series and the current volume; the break-even
/// is marked only when it falls inside that range. Non-finite points are skipped and negative
/// costs drawn as zero, so odd input never reaches the output as `NaN`.
pub fn cost_chart(cost: &CostEstimate) -> String {
    const LEFT: f64 = 76.0;
    const RIGHT: f64 = WIDTH - 28.0;
    const TOP: f64 = 64.0;
    const BOTTOM: f64 = 318.0;
    const HEIGHT: f64 = 372.0;

    let mut points: Vec<CostPoint> = cost
        .series
        .iter()
        .filter(|p| {
            p.requests.is_finite() && p.serverless_usd.is_finite() && p.containers_usd.is_finite()
        })
        .map(|p| CostPoint {
            requests: p.requests.max(0.0),
            serverless_usd: p.serverless_usd.max(0.0),
            containers_usd: p.containers_usd.max(0.0),
        })
        .collect();
    points.sort_by(|a, b| a.requests.total_cmp(&b.requests));
    let finite = |x: f64| (x.is_finite() && x >= 0.0).then_some(x);
    let current = finite(cost.monthly_requests);
    let serverless_now = finite(cost.serverless.monthly_usd);
    let containers_now = finite(cost.containers.monthly_usd);

    let x_data = points
        .iter()
        .map(|p| p.requests)
        .chain(current)
        .fold(0.0, f64::max);
    let x_max = if x_data > 0.0 { x_data } else { 1.0 };
    // With nothing spanning the axis there is no volume to mark.
    let current = current.filter(|_| x_data > 0.0);
    let y_data = points
        .iter()
        .flat_map(|p| [p.serverless_usd, p.containers_usd])
        .chain(current.and(serverless_now))
        .chain(current.and(containers_now))
        .fold(0.0, f64::max);
    // A little headroom, so a line at the maximum does not run along the top edge.
    let (y_max, y_step) = nice_ceiling((y_data * 1.04).min(f64::MAX));
    let break_even = cost
        .break_even_requests
        .filter(|b| b.is_finite() && *b >= 0.0 && *b <= x_max && x_data > 0.0);

    let mut hash = Fnv::new("cost");
    hash.f64(cost.monthly_requests);
    hash.f64(cost.serverless.monthly_usd);
    hash.f64(cost.containers.monthly_usd);
    hash.f64(cost.break_even_requests.unwrap_or(-1.0));
    for p in &points {
        hash.f64(p.requests);
        hash.f64(p.serverless_usd);
        hash.f64(p.containers_usd);
    }
    let id = hash.id("cost");

    let sx = |v: f64| LEFT + (v / x_max).clamp(0.0, 1.0) * (RIGHT - LEFT);
    let sy = |v: f64| BOTTOM - (v / y_max).clamp(0.0, 1.0) * (BOTTOM - TOP);
    let small = format!(r#"font-size="12" fill="{MUTED}""#);
    let mut body = String::new();

    // Break-even position and where its label goes: below-right of the crossing (under both
    // lines, as serverless climbs past the flat fleet), else above-left.
    let break_even_at = break_even.map(|b| {
        let v = interpolate(&points, b, |p| p.containers_usd)
            .or(containers_now)
            .unwrap_or(0.0);
        (b, sx(b), sy(v))
    });
    let break_even_label = break_even_at.map(|(b, x, y)| {
        let label = format!("Break-even: {} / month", compact(b));
        let w = text_width(&label, 12.0 * BOLD);
        let (lx, ly, anchor) = if y + 20.0 <= BOTTOM - 4.0 && x + 10.0 + w < RIGHT {
            (x + 10.0, y + 20.0, "start")
        } else if x - 10.0 - w > LEFT {
            (x - 10.0, y - 12.0, "end")
        } else {
            (x + 10.0, y - 12.0, "start")
        };
        let ly = ly.clamp(TOP + 12.0, BOTTOM - 4.0);
        (lx, ly, anchor, label, w)
    });
    // Label boxes already placed, so lower-priority labels can stay clear of them.
    let mut placed: Vec<(f64, f64, f64, f64)> = Vec::new();
    if let Some((lx, ly, anchor, _, w)) = &break_even_label {
        placed.push(label_bounds(*lx, *ly, anchor, *w));
    }

    // Regions either side of the break-even, tinted by the cheaper side (labelled last).
    let mut region_labels: Vec<(f64, f64, &str, &str, &str)> = Vec::new();
    if let Some((b, bx, _)) = break_even_at {
        let left_cheaper = cheaper_at(&points, b / 2.0);
        let right_cheaper = cheaper_at(&points, (b + x_max) / 2.0);
        for (cheaper, x0, x1, label_x, anchor, label_y) in [
            (left_cheaper, LEFT, bx, LEFT + 8.0, "start", TOP + 18.0),
            (right_cheaper, bx, RIGHT, RIGHT - 8.0, "end", BOTTOM - 10.0),
        ] {
            let Some(serverless) = cheaper else { continue };
            if left_cheaper == right_cheaper || x1 - x0 < 1.0 {
                continue;
            }
            let (colour, label) = if serverless {
                (GREEN, "Serverless cheaper")
            } else {
                (AMBER, "Containers cheaper")
            };
            body.push_str(&format!(
                r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{colour}" fill-opacity="0.06"/>"#,
                num(x0),
                num(TOP),
                num(x1 - x0),
                num(BOTTOM - TOP)
            ));
            if x1 - x0 > text_width(label, 12.0 * BOLD) + 16.0 {
                region_labels.push((label_x, label_y, anchor, colour, label));
            }
        }
    }

    // Horizontal grid and the y scale.
    let y_ticks = (y_max / y_step).round().clamp(1.0, 20.0) as usize;
    for k in 0..=y_ticks {
        let v = y_step * k as f64;
        let y = sy(v);
        body.push_str(&format!(
            r#"<line x1="{}" y1="{y}" x2="{}" y2="{y}" stroke="{GRID}" stroke-width="1"/>"#,
            num(LEFT),
            num(RIGHT),
            y = num(y)
        ));
        body.push_str(&text(
            LEFT - 8.0,
            y + 4.0,
            &format!(r#"{small} text-anchor="end""#),
            &money(v),
        ));
    }
    // The x axis and its scale (ticks stop at the data: the lines reach the right edge).
    let (_, x_step) = nice_ceiling(x_max);
    // Whole requests only; with no data, just the origin.
    let x_step = x_step.max(1.0);
    let x_ticks = if x_data > 0.0 {
        (x_max / x_step + 1e-9).floor().clamp(0.0, 20.0) as usize
    } else {
        0
    };
    body.push_str(&format!(
        r#"<line x1="{}" y1="{b}" x2="{}" y2="{b}" stroke="{OUTLINE}" stroke-width="1"/>"#,
        num(LEFT),
        num(RIGHT),
        b = num(BOTTOM)
    ));
    for k in 0..=x_ticks {
        let v = x_step * k as f64;
        let x = sx(v);
        body.push_str(&format!(
            r#"<line x1="{x}" y1="{}" x2="{x}" y2="{}" stroke="{OUTLINE}" stroke-width="1"/>"#,
            num(BOTTOM),
            num(BOTTOM + 5.0),
            x = num(x)
        ));
        body.push_str(&text(
            x,
            BOTTOM + 20.0,
            &format!(r#"{small} text-anchor="middle""#),
            &compact(v),
        ));
    }
    body.push_str(&text(
        (LEFT + RIGHT) / 2.0,
        HEIGHT - 12.0,
        &format!(r#"font-size="13" fill="{INK}" text-anchor="middle""#),
        "Requests per month",
    ));
    body.push_str(&format!(
        r#"<text transform="translate(18 {}) rotate(-90)" font-size="13" text-anchor="middle">USD per month</text>"#,
        num((TOP + BOTTOM) / 2.0)
    ));

    // Break-even guide, under the lines.
    if let Some((_, x, _)) = break_even_at {
        body.push_str(&format!(
            r#"<line x1="{x}" y1="{}" x2="{x}" y2="{}" stroke="{INK}" stroke-opacity="0.45" stroke-width="1" stroke-dasharray="2 3"/>"#,
            num(TOP),
            num(BOTTOM),
            x = num(x)
        ));
    }
    // Current volume guide and its label above the plot.
    if let Some(c) = current {
        let x = sx(c);
        body.push_str(&format!(
            r#"<g class="current"><line x1="{x}" y1="{}" x2="{x}" y2="{}" stroke="{INK}" stroke-width="1.2" stroke-dasharray="6 4"/>"#,
            num(TOP - 4.0),
            num(BOTTOM),
            x = num(x)
        ));
        let label = format!("Current: {} / month", compact(c));
        let anchor = edge_anchor(x, text_width(&label, 12.0 * BOLD), LEFT, RIGHT);
        body.push_str(&text(
            x,
            TOP - 10.0,
            &format!(r#"font-size="12" font-weight="600" text-anchor="{anchor}""#),
            &label,
        ));
        body.push_str("</g>");
    }

    // The two lines (a dot each when the series has a single point).
    for serverless in [false, true] {
        let (colour, value): (&str, fn(&CostPoint) -> f64) = if serverless {
            (GREEN, |p| p.serverless_usd)
        } else {
            (AMBER, |p| p.containers_usd)
        };
        match points.as_slice() {
            [] => {}
            [p] => body.push_str(&format!(
                r#"<circle cx="{}" cy="{}" r="4" fill="{colour}"/>"#,
                num(sx(p.requests)),
                num(sy(value(p)))
            )),
            many => {
                let coords: Vec<String> = many
                    .iter()
                    .map(|p| format!("{},{}", num(sx(p.requests)), num(sy(value(p)))))
                    .collect();
                body.push_str(&format!(
                    r#"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="2.5" stroke-linejoin="round" stroke-linecap="round"/>"#,
                    coords.join(" ")
                ));
            }
        }
    }

    // Current costs: a dot on each line, the higher one labelled above-left, the lower
    // below-right (the free corners, as serverless climbs and the fleet stays flat); a label that
    // would run into the break-even label or off the plot goes to another corner.
    if let Some(c) = current {
        let x = sx(c);
        let mut marks: Vec<(f64, &str)> = Vec::new();
        if let Some(v) = serverless_now {
            marks.push((v, GREEN));
        }
        if let Some(v) = containers_now {
            marks.push((v, AMBER));
        }
        marks.sort_by(|a, b| b.0.total_cmp(&a.0));
        let same = matches!(marks.as_slice(), [a, b] if money_exact(a.0) == money_exact(b.0));
        for (i, (v, colour)) in marks.iter().enumerate() {
            body.push_str(&format!(
                r#"<circle cx="{}" cy="{}" r="4.5" fill="{colour}" stroke="white" stroke-width="1.5"/>"#,
                num(x),
                num(sy(*v))
            ));
            if same && i == 1 {
                continue;
            }
            let (label, colour) = if same {
                (format!("both {}", money_exact(*v)), INK)
            } else {
                (money_exact(*v), *colour)
            };
            let w = text_width(&label, 12.0 * BOLD);
            let y = sy(*v);
            let (above, below) = (y - 8.0, y + 17.0);
            let (left, right) = ((x - 7.0, "end"), (x + 7.0, "start"));
            let candidates = if i == 0 {
                [(left, above), (right, above), (left, below), (right, below)]
            } else {
                [(right, below), (left, below), (right, above), (left, above)]
            };
            let fits = |((lx, anchor), ly): ((f64, &str), f64)| {
                let bounds = label_bounds(lx, ly, anchor, w);
                bounds.0 >= LEFT
                    && bounds.0 + bounds.2 <= RIGHT
                    && (TOP + 10.0..=BOTTOM - 3.0).contains(&ly)
                    && placed.iter().all(|p| !boxes_overlap(*p, bounds))
            };
            let ((lx, anchor), ly) = candidates
                .iter()
                .copied()
                .find(|&c| fits(c))
                .unwrap_or(candidates[0]);
            let ly = ly.clamp(TOP + 10.0, BOTTOM - 3.0);
            placed.push(label_bounds(lx, ly, anchor, w));
            body.push_str(&text(
                lx,
                ly,
                &format!(
                    r#"font-size="12" font-weight="600" fill="{colour}" text-anchor="{anchor}" {HALO}"#
                ),
                &label,
            ));
        }
    }

    // Break-even marker and label.
    if let (Some((_, x, y)), Some((lx, ly, anchor, label, _))) = (break_even_at, &break_even_label)
    {
        body.push_str(&format!(
            r#"<g class="break-even"><circle cx="{}" cy="{}" r="5.5" fill="white" stroke="{INK}" stroke-width="2"/>"#,
            num(x),
            num(y)
        ));
        body.push_str(&text(
            *lx,
            *ly,
            &format!(r#"font-size="12" font-weight="600" text-anchor="{anchor}" {HALO}"#),
            label,
        ));
        body.push_str("</g>");
    }
    for (x, y, anchor, colour, label) in region_labels {
        let bounds = label_bounds(x, y, anchor, text_width(label, 12.0 * BOLD));
        if placed.iter().all(|p| !boxes_overlap(*p, bounds)) {
            body.push_str(&text(
                x,
                y,
                &format!(
                    r#"font-size="12" font-weight="600" fill="{colour}" text-anchor="{anchor}" {HALO}"#
                ),
                label,
            ));
        }
    }

    if points.is_empty() && x_data <= 0.0 {
        body.push_str(&text(
            (LEFT + RIGHT) / 2.0,
            (TOP + BOTTOM) / 2.0,
            &format!(r#"font-size="13" font-style="italic" fill="{MUTED}" text-anchor="middle""#),
            "No cost figures to plot.",
        ));
    }

    // Legend.
    enum Swatch {
        Line(&'static str),
        Dash,
        Dot,
    }
    let mut legend = String::new();
    let mut x = LEFT;
    let ly = 24.0;
    let mut items = vec![
        (Swatch::Line(GREEN), "Serverless (Lambda)"),
        (Swatch::Line(AMBER), "Containers (Fargate)"),
    ];
    if current.is_some() {
        items.push((Swatch::Dash, "Current volume"));
    }
    if break_even.is_some() {
        items.push((Swatch::Dot, "Break-even"));
    }
    for (swatch, label) in items {
        legend.push_str(&match swatch {
            Swatch::Line(colour) => format!(
                r#"<line x1="{}" y1="{ly}" x2="{}" y2="{ly}" stroke="{colour}" stroke-width="3" stroke-linecap="round"/>"#,
                num(x),
                num(x + 22.0)
            ),
            Swatch::Dash => format!(
                r#"<line x1="{}" y1="{ly}" x2="{}" y2="{ly}" stroke="{INK}" stroke-width="1.2" stroke-dasharray="6 4"/>"#,
                num(x),
                num(x + 22.0)
            ),
            Swatch::Dot => format!(
                r#"<circle cx="{}" cy="{ly}" r="5" fill="white" stroke="{INK}" stroke-width="2"/>"#,
                num(x + 17.0)
            ),
        });
        legend.push_str(&text(x + 30.0, ly + 4.5, r#"font-size="13""#, label));
        x += 30.0 + text_width(label, 13.0) + 20.0;
    }

    let mut desc = format!(
        "Monthly cost in US dollars against monthly requests, from 0 to {} requests.",
        compact(x_data)
    );
    if let Some(c) = current {
        desc.push_str(&format!(" At the current {} requests a month", compact(c)));
        if let Some(v) = serverless_now {
            desc.push_str(&format!(", serverless costs {}", money_exact(v)));
        }
        if let Some(v) = containers_now {
            desc.push_str(&format!(", containers cost {}", money_exact(v)));
        }
        desc.push('.');
    }
    match (
        cost.break_even_requests.filter(|b| b.is_finite()),
        break_even,
    ) {
        (Some(_), Some(b)) => desc.push_str(&format!(
            " They cost the same at {} requests a month.",
            compact(b)
        )),
        (Some(b), None) => desc.push_str(&format!(
            " They would cost the same at {} requests a month, outside the chart.",
            compact(b)
        )),
        (None, _) => desc.push_str(" There is no break-even volume."),
    }

    let mut svg = open_svg(
        &id,
        HEIGHT,
        "Monthly cost: serverless against containers",
        &desc,
    );
    svg.push_str(&legend);
    svg.push_str(&body);
    svg.push_str("</svg>");
    svg
}

/// Where a label at `x` fits: centred, or pushed inwards near the plot's edges.
fn edge_anchor(x: f64, width: f64, left: f64, right: f64) -> &'static str {
    if x - width / 2.0 < left {
        "start"
    } else if x + width / 2.0 > right {
        "end"
    } else {
        "middle"
    }
}

/// The box of a 12-unit label with its baseline at `y`, as (x, y, width, height).
fn label_bounds(x: f64, y: f64, anchor: &str, width: f64) -> (f64, f64, f64, f64) {
    let left = match anchor {
        "end" => x - width,
        "middle" => x - width / 2.0,
        _ => x,
    };
    (left - 2.0, y - 11.0, width + 4.0, 15.0)
}

fn boxes_overlap(a: (f64, f64, f64, f64), b: (f64, f64, f64, f64)) -> bool {
    a.0 < b.0 + b.2 && b.0 < a.0 + a.2 && a.1 < b.1 + b.3 && b.1 < a.1 + a.3
}

/// A series value at `x`, linearly interpolated (clamped to the ends).
fn interpolate(points: &[CostPoint], x: f64, value: impl Fn(&CostPoint) -> f64) -> Option<f64> {
    let first = points.first()?;
    if x <= first.requests {
        return Some(value(first));
    }
    for pair in points.windows(2) {
        if let [a, b] = pair
            && x <= b.requests
        {
            let span = b.requests - a.requests;
            let t = if span > 0.0 {
                (x - a.requests) / span
            } else {
                1.0
            };
            return Some(value(a) + (value(b) - value(a)) * t);
        }
    }
    points.last().map(value)
}

/// Whether serverless (true) or containers (false) is cheaper at `x`; `None` when the series is
/// empty or they are equal.
fn cheaper_at(points: &[CostPoint], x: f64) -> Option<bool> {
    let s = interpolate(points, x, |p| p.serverless_usd)?;
    let c = interpolate(points, x, |p| p.containers_usd)?;
    if s < c {
        Some(true)
    } else if c < s {
        Some(false)
    } else {
        None
    }
}

// ---------------------------------------------------------------------------------------------
// Pattern diagram
// ---------------------------------------------------------------------------------------------

/// Boxes and arrows for a pattern: nodes laid out left to right in a sensible order (follow edges: a topological/BFS
/// layering from nodes with no incoming edges; wrap into rows/columns so 3–7 nodes fit in ~720 px width), edges as
/// arrows with their labels.
///
/// Layout: cycles are broken by reversing back edges (still drawn pointing the right way), nodes
/// are layered by longest path, long edges pass through reserved slots, and rows are ordered by
/// the barycentre of their neighbours. At most three layers go side by side; further layers
/// wrap into bands below, joined by arrows routed around the margins. Nodes without edges fill
/// the shortest columns. Edges naming missing nodes are left out (the description says how
/// many); an edge from a node to itself is a small loop.
pub fn pattern_diagram(diagram: &Diagram, title: &str) -> String {
    let mut hash = Fnv::new("diagram");
    hash.str(title);
    for node in &diagram.nodes {
        hash.str(&node.id);
        hash.str(&node.label);
    }
    for edge in &diagram.edges {
        hash.str(&edge.from);
        hash.str(&edge.to);
        hash.str(&edge.label);
    }
    let id = hash.id("diagram");

    let graph = Graph::new(diagram);
    let desc = graph.describe();
    if graph.labels.is_empty() {
        let mut svg = open_svg(&id, 64.0, title, &desc);
        svg.push_str(&text(
            WIDTH / 2.0,
            36.0,
            &format!(r#"font-size="13" font-style="italic" fill="{MUTED}" text-anchor="middle""#),
            "No diagram for this pattern.",
        ));
        svg.push_str("</svg>");
        return svg;
    }
    let layout = Layout::new(&graph);
    let mut svg = open_svg(&id, layout.height, title, &desc);
    svg.push_str(&format!(
        r#"<defs><marker id="{id}-arrow" viewBox="0 0 10 10" refX="9.5" refY="5" markerWidth="9" markerHeight="9" markerUnits="userSpaceOnUse" orient="auto-start-reverse"><path d="M0,1 L10,5 L0,9 Z" fill="{MUTED}"/></marker></defs>"#
    ));
    svg.push_str(&layout.render(&graph, &id));
    svg.push_str("</svg>");
    svg
}

/// An edge between two existing, different nodes.
struct Edge<'a> {
    from: usize,
    to: usize,
    label: &'a str,
}

/// The diagram with edges resolved to node indexes.
struct Graph<'a> {
    labels: Vec<&'a str>,
    edges: Vec<Edge<'a>>,
    /// Edges from a node to itself: node and label.
    loops: Vec<(usize, &'a str)>,
    /// Edges naming a node that does not exist.
    missing: usize,
}

impl<'a> Graph<'a> {
    fn new(diagram: &'a Diagram) -> Self {
        let mut index: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, node) in diagram.nodes.iter().enumerate() {
            // With duplicate ids, edges attach to the first; the others are still drawn.
            index.entry(node.id.as_str()).or_insert(i);
        }
        let mut graph = Graph {
            labels: diagram.nodes.iter().map(|n| n.label.as_str()).collect(),
            edges: Vec::new(),
            loops: Vec::new(),
            missing: 0,
        };
        for edge in &diagram.edges {
            match (index.get(edge.from.as_str()), index.get(edge.to.as_str())) {
                (Some(&from), Some(&to)) if from == to => graph.loops.push((from, &edge.label)),
                (Some(&from), Some(&to)) => graph.edges.push(Edge {
                    from,
                    to,
                    label: &edge.label,
                }),
                _ => graph.missing += 1,
            }
        }
        graph
    }

    fn describe(&self) -> String {
        if self.labels.is_empty() {
            return "An empty diagram.".into();
        }
        let mut desc = format!(
            "{} {}: {}.",
            self.labels.len(),
            if self.labels.len() == 1 {
                "box"
            } else {
                "boxes"
            },
            self.labels.join(", ")
        );
        let arrows: Vec<String> = self
            .edges
            .iter()
            .map(|e| (e.from, e.to, e.label))
            .chain(self.loops.iter().map(|&(n, label)| (n, n, label)))
            .map(|(from, to, label)| {
                let mut s = format!("{} to {}", self.labels[from], self.labels[to]);
                if !label.trim().is_empty() {
                    s.push_str(&format!(" ({label})"));
                }
                s
            })
            .collect();
        if !arrows.is_empty() {
            desc.push_str(&format!(" Arrows: {}.", arrows.join("; ")));
        }
        if self.missing > 0 {
            desc.push_str(&format!(
                " {} {} a box that does not exist and {} not drawn.",
                self.missing,
                if self.missing == 1 {
                    "arrow names"
                } else {
                    "arrows name"
                },
                if self.missing == 1 { "is" } else { "are" }
            ));
        }
        desc
    }
}

/// A place in a layer: a node, or a point a long edge passes through.
struct Slot {
    node: Option<usize>,
    layer: usize,
}

/// A drawn edge: the slots it passes through, in layer order.
struct Chain {
    edge: usize,
    slots: Vec<usize>,
    /// Drawn against layer order (a back edge of a cycle).
    reversed: bool,
}

/// Most layers side by side before wrapping into another band.
const MAX_COLUMNS: usize = 3;
const NODE_FONT: f64 = 13.0;
const NODE_LINE: f64 = 16.0;
const EDGE_FONT: f64 = 12.0;
const EDGE_LINE: f64 = 15.0;
const LANE_PITCH: f64 = 28.0;

/// Where everything in a diagram goes. Layers are columns; every `per_band` layers wrap into a
/// new band below.
struct Layout {
    slots: Vec<Slot>,
    /// Slots of each layer, top to bottom.
    layers: Vec<Vec<usize>>,
    chains: Vec<Chain>,
    /// Row of each slot within its layer.
    row: Vec<usize>,
    /// Layers side by side in one band.
    per_band: usize,
    box_w: f64,
    box_h: f64,
    /// Horizontal space between columns, where straight edges and their labels go.
    gap: f64,
    /// Left edge of the first column.
    x0: f64,
    /// Vertical distance between rows.
    pitch: f64,
    band_top: Vec<f64>,
    /// Rows in each band: its tallest layer.
    band_rows: Vec<usize>,
    /// Per band gap (below band b): the wrapping segments, as (chain, segment index).
    wraps: Vec<Vec<(usize, usize)>>,
    node_lines: Vec<Vec<String>>,
    height: f64,
}

impl Layout {
    fn new(graph: &Graph<'_>) -> Self {
        let n = graph.labels.len();
        let reversed = back_edges(n, &graph.edges);
        let dag: Vec<(usize, usize)> = graph
            .edges
            .iter()
            .zip(&reversed)
            .map(|(e, &r)| if r { (e.to, e.from) } else { (e.from, e.to) })
            .collect();
        let mut node_layer = longest_path_layers(n, &dag);
        pull_sources_forward(&mut node_layer, &dag);

        // Slots: nodes with edges at their layer, dummies along long edges, then loose nodes.
        let mut connected = vec![false; n];
        for &(a, b) in &dag {
            connected[a] = true;
            connected[b] = true;
        }
        let layer_count = (0..n)
            .filter(|&v| connected[v])
            .map(|v| node_layer[v] + 1)
            .max()
            .unwrap_or(0);
        let mut slots: Vec<Slot> = Vec::new();
        let mut layers: Vec<Vec<usize>> = vec![Vec::new(); layer_count];
        let mut node_slot = vec![usize::MAX; n];
        for v in (0..n).filter(|&v| connected[v]) {
            node_slot[v] = slots.len();
            layers[node_layer[v]].push(slots.len());
            slots.push(Slot {
                node: Some(v),
                layer: node_layer[v],
            });
        }
        let mut chains = Vec::new();
        for (e, &(a, b)) in dag.iter().enumerate() {
            let mut path = vec![node_slot[a]];
            for (layer, members) in layers
                .iter_mut()
                .enumerate()
                .take(node_layer[b])
                .skip(node_layer[a] + 1)
            {
                path.push(slots.len());
                members.push(slots.len());
                slots.push(Slot { node: None, layer });
            }
            path.push(node_slot[b]);
            chains.push(Chain {
                edge: e,
                slots: path,
                reversed: reversed[e],
            });
        }
        let loose: Vec<usize> = (0..n).filter(|&v| !connected[v]).collect();
        if layers.is_empty() {
            layers = vec![Vec::new(); loose.len().clamp(1, MAX_COLUMNS)];
        }
        for v in loose {
            let layer = (0..layers.len())
                .min_by_key(|&l| layers[l].len())
                .unwrap_or(0);
            layers[layer].push(slots.len());
            slots.push(Slot {
                node: Some(v),
                layer,
            });
        }

        order_layers(&mut layers, &slots, &chains);
        let mut row = vec![0; slots.len()];
        for layer in &layers {
            for (r, &s) in layer.iter().enumerate() {
                row[s] = r;
            }
        }

        // Geometry: columns per band, box size, row pitch.
        // As few bands as three columns allow; among the column counts that give that many
        // bands, the one with the fewest edges wrapping between bands (ties: the most balanced).
        let layer_total = layers.len().max(1);
        let bands = layer_total.div_ceil(MAX_COLUMNS);
        let wrap_count = |per: usize| {
            chains
                .iter()
                .flat_map(|c| c.slots.windows(2))
                .filter(|pair| match pair {
                    [a, b] => slots[*a].layer / per != slots[*b].layer / per,
                    _ => false,
                })
                .count()
        };
        let per_band = (layer_total.div_ceil(bands)..=MAX_COLUMNS.min(layer_total))
            .filter(|&per| layer_total.div_ceil(per) == bands)
            .min_by_key(|&per| wrap_count(per))
            .unwrap_or(MAX_COLUMNS.min(layer_total));
        let side = 32.0;
        let avail = WIDTH - 2.0 * side;
        let (box_w, gap) = if per_band == 1 {
            (240.0, 0.0)
        } else {
            let k = per_band as f64;
            let box_w = ((avail - (k - 1.0) * 112.0) / k).min(200.0);
            let gap = ((avail - k * box_w) / (k - 1.0)).min(180.0);
            (box_w, gap)
        };
        let content_w = per_band as f64 * box_w + (per_band as f64 - 1.0) * gap;
        let x0 = (WIDTH - content_w) / 2.0;

        let node_lines: Vec<Vec<String>> = graph
            .labels
            .iter()
            .map(|l| wrap(l, box_w - 20.0, NODE_FONT * BOLD, 3))
            .collect();
        let max_lines = node_lines.iter().map(Vec::len).max().unwrap_or(1).max(1);
        let box_h = (max_lines as f64 * NODE_LINE + 20.0).max(40.0);
        let label_h = chains
            .iter()
            .map(|c| {
                wrap(graph.edges[c.edge].label, gap - 12.0, EDGE_FONT, 3).len() as f64 * EDGE_LINE
                    + 4.0
            })
            .fold(0.0, f64::max);
        let row_gap = (2.0 * label_h + 10.0 - box_h).max(28.0);
        let pitch = box_h + row_gap;

        let band_of = |layer: usize| layer / per_band;
        let mut band_rows = vec![1; bands];
        for (l, layer) in layers.iter().enumerate() {
            band_rows[band_of(l)] = band_rows[band_of(l)].max(layer.len());
        }
        let mut wraps: Vec<Vec<(usize, usize)>> = vec![Vec::new(); bands];
        for (c, chain) in chains.iter().enumerate() {
            for (i, pair) in chain.slots.windows(2).enumerate() {
                if let [a, b] = pair
                    && band_of(slots[*a].layer) != band_of(slots[*b].layer)
                {
                    wraps[band_of(slots[*a].layer)].push((c, i));
                }
            }
        }
        // Nested routes cross least when sorted by where they start, then where they end.
        let band_pos = |slot: usize| {
            let layer = slots[slot].layer;
            (band_rows[band_of(layer)] - layers[layer].len()) as f64 / 2.0 + row[slot] as f64
        };
        for gap_wraps in &mut wraps {
            gap_wraps.sort_by(|&(c1, i1), &(c2, i2)| {
                let (s1, s2) = (&chains[c1].slots, &chains[c2].slots);
                band_pos(s1[i1])
                    .total_cmp(&band_pos(s2[i2]))
                    .then(band_pos(s1[i1 + 1]).total_cmp(&band_pos(s2[i2 + 1])))
            });
        }

        let top = if graph.loops.is_empty() { 16.0 } else { 44.0 };
        let mut band_top = Vec::with_capacity(bands);
        let mut y = top;
        for b in 0..bands {
            band_top.push(y);
            y += band_rows[b] as f64 * pitch - row_gap;
            if b + 1 < bands {
                y += (12.0 + LANE_PITCH * wraps[b].len() as f64).max(36.0);
            }
        }
        Layout {
            slots,
            layers,
            chains,
            row,
            per_band,
            box_w,
            box_h,
            gap,
            x0,
            pitch,
            band_top,
            band_rows,
            wraps,
            node_lines,
            height: y + 16.0,
        }
    }

    fn band(&self, slot: usize) -> usize {
        self.slots[slot].layer / self.per_band
    }

    fn left(&self, slot: usize) -> f64 {
        let col = self.slots[slot].layer % self.per_band;
        self.x0 + col as f64 * (self.box_w + self.gap)
    }

    fn right(&self, slot: usize) -> f64 {
        self.left(slot) + self.box_w
    }

    /// Vertical centre of a slot.
    fn centre_y(&self, slot: usize) -> f64 {
        let band = self.band(slot);
        let count = self.layers[self.slots[slot].layer].len();
        // Centred, so a lone node sits level with the middle of a fan; without edges, a plain
        // top-aligned grid reads better.
        let offset = if self.chains.is_empty() {
            0.0
        } else {
            (self.band_rows[band] - count) as f64 / 2.0
        };
        self.band_top[band] + (offset + self.row[slot] as f64) * self.pitch + self.box_h / 2.0
    }

    /// The bottom of a band's boxes.
    fn band_bottom(&self, band: usize) -> f64 {
        self.band_top[band] + self.band_rows[band] as f64 * self.pitch - (self.pitch - self.box_h)
    }

    fn render(&self, graph: &Graph<'_>, id: &str) -> String {
        let mut edges = String::new();
        let mut labels = String::new();
        let arrow = format!("url(#{id}-arrow)");

        // Parallel edges between the same two slots get spread apart.
        let mut parallel: BTreeMap<(usize, usize), Vec<usize>> = BTreeMap::new();
        for (c, chain) in self.chains.iter().enumerate() {
            if let [a, b] = chain.slots.as_slice() {
                parallel.entry((*a, *b)).or_default().push(c);
            }
        }
        // (steps from the middle of the group, distance between neighbours at the boxes)
        let spread = |c: usize, chain: &Chain| -> (f64, f64) {
            match chain.slots.as_slice() {
                [a, b] => parallel.get(&(*a, *b)).map_or((0.0, 0.0), |group| {
                    let k = group.iter().position(|&x| x == c).unwrap_or(0) as f64;
                    let step = ((self.box_h - 12.0) / group.len().max(2) as f64).min(10.0);
                    (k - (group.len() as f64 - 1.0) / 2.0, step)
                }),
                _ => (0.0, 0.0),
            }
        };

        // Routes wrapping to the next band leave and enter boxes at their own ports, ordered so
        // the nested routes do not cross: (chain, segment) -> (exit offset, entry offset).
        let mut ports: BTreeMap<(usize, usize), (f64, f64)> = BTreeMap::new();
        for lanes in &self.wraps {
            let mut exits: BTreeMap<usize, Vec<(usize, usize)>> = BTreeMap::new();
            let mut entries: BTreeMap<usize, Vec<(usize, usize)>> = BTreeMap::new();
            for &(c, i) in lanes {
                let slots = &self.chains[c].slots;
                exits.entry(slots[i]).or_default().push((c, i));
                entries.entry(slots[i + 1]).or_default().push((c, i));
            }
            let port = |group: &[(usize, usize)], key: (usize, usize)| {
                let k = group.iter().position(|&g| g == key).unwrap_or(0) as f64;
                let step = (self.box_h - 12.0) / group.len().max(2) as f64;
                (k - (group.len() as f64 - 1.0) / 2.0) * step.min(10.0)
            };
            for group in exits.values() {
                for &key in group {
                    ports.entry(key).or_default().0 = port(group, key);
                }
            }
            for group in entries.values() {
                for &key in group {
                    ports.entry(key).or_default().1 = port(group, key);
                }
            }
        }

        for (c, chain) in self.chains.iter().enumerate() {
            let edge = &graph.edges[chain.edge];
            let (offset, step) = spread(c, chain);
            let exit = |i: usize| ports.get(&(c, i)).map_or(offset * step, |p| p.0);
            let entry = |i: usize| ports.get(&(c, i)).map_or(offset * step, |p| p.1);
            let mut d = String::new();
            let first = chain.slots[0];
            let start = (self.right(first), self.centre_y(first) + exit(0));
            d.push_str(&format!("M{},{}", num(start.0), num(start.1)));
            let mut at = start;
            let mut label_at: Option<(f64, f64, bool)> = None;
            let label_segment = (chain.slots.len() - 1) / 2;
            for (i, pair) in chain.slots.windows(2).enumerate() {
                let [a, b] = pair else { continue };
                let end = (self.left(*b), self.centre_y(*b) + entry(i));
                if self.band(*a) == self.band(*b) {
                    if (end.1 - at.1).abs() < 0.5 {
                        d.push_str(&format!(" L{},{}", num(end.0), num(end.1)));
                    } else {
                        let mid = (at.0 + end.0) / 2.0;
                        d.push_str(&format!(
                            " C{},{} {},{} {},{}",
                            num(mid),
                            num(at.1),
                            num(mid),
                            num(end.1),
                            num(end.0),
                            num(end.1)
                        ));
                    }
                    if i == label_segment {
                        label_at = Some(((at.0 + end.0) / 2.0, (at.1 + end.1) / 2.0, false));
                    }
                } else {
                    let band = self.band(*a);
                    let lanes = &self.wraps[band];
                    let count = lanes.len().max(1);
                    let k = lanes.iter().position(|&w| w == (c, i)).unwrap_or(0);
                    // The first route (top source) goes outermost on the right and lowest.
                    let lane_y =
                        self.band_bottom(band) + 20.0 + LANE_PITCH * (count - 1 - k) as f64;
                    let x_right = self.right(*a) + 12.0 + 7.0 * (count - 1 - k).min(2) as f64;
                    let x_left = self.x0 - 12.0 - 7.0 * k.min(2) as f64;
                    orthogonal(
                        &mut d,
                        &[
                            at,
                            (x_right, at.1),
                            (x_right, lane_y),
                            (x_left, lane_y),
                            (x_left, end.1),
                            end,
                        ],
                        8.0,
                    );
                    if i == label_segment {
                        label_at = Some(((x_left + x_right) / 2.0, lane_y, true));
                    }
                }
                at = end;
                if self.slots[*b].node.is_none() {
                    at = (self.right(*b), end.1);
                    d.push_str(&format!(" L{},{}", num(at.0), num(at.1)));
                }
            }
            let marker = if chain.reversed {
                "marker-start"
            } else {
                "marker-end"
            };
            edges.push_str(&format!(
                r#"<path d="{d}" fill="none" stroke="{MUTED}" stroke-width="1.5" stroke-linejoin="round" {marker}="{arrow}"/>"#
            ));
            if let Some((x, y, lane)) = label_at
                && !edge.label.trim().is_empty()
            {
                let lines = if lane {
                    wrap(edge.label, 360.0, EDGE_FONT, 1)
                } else {
                    wrap(edge.label, self.gap - 12.0, EDGE_FONT, 3)
                };
                let h = lines.len() as f64 * EDGE_LINE + 4.0;
                let y = y + offset * (h + 4.0);
                labels.push_str(&format!("<g><title>{}</title>", escape(edge.label)));
                labels.push_str(&label_box(x, y, &lines));
                labels.push_str("</g>");
            }
        }

        for &(node, label) in &graph.loops {
            let Some(slot) = self.slots.iter().position(|s| s.node == Some(node)) else {
                continue;
            };
            let top = self.centre_y(slot) - self.box_h / 2.0;
            let (x1, x2) = (self.right(slot) - 40.0, self.right(slot) - 12.0);
            edges.push_str(&format!(
                r#"<path d="M{},{t} C{},{h} {},{h} {},{t}" fill="none" stroke="{MUTED}" stroke-width="1.5" marker-end="{arrow}"/>"#,
                num(x1),
                num(x1),
                num(x2),
                num(x2),
                t = num(top),
                h = num(top - 28.0)
            ));
            if !label.trim().is_empty() {
                let lines = wrap(label, 200.0, EDGE_FONT, 1);
                labels.push_str(&format!("<g><title>{}</title>", escape(label)));
                labels.push_str(&label_box((x1 + x2) / 2.0, top - 30.0, &lines));
                labels.push_str("</g>");
            }
        }

        let mut nodes = String::new();
        for (s, slot) in self.slots.iter().enumerate() {
            let Some(node) = slot.node else { continue };
            let (x, y) = (self.left(s), self.centre_y(s) - self.box_h / 2.0);
            nodes.push_str(&format!(
                r#"<g class="node"><title>{}</title><rect x="{}" y="{}" width="{}" height="{}" rx="8" fill="{BOX_FILL}" stroke="{OUTLINE}" stroke-width="1.2"/>"#,
                escape(graph.labels[node]),
                num(x),
                num(y),
                num(self.box_w),
                num(self.box_h)
            ));
            nodes.push_str(&text_block(
                x + self.box_w / 2.0,
                y + self.box_h / 2.0,
                &self.node_lines[node],
                NODE_FONT,
                NODE_LINE,
                r#"text-anchor="middle" font-weight="600""#,
            ));
            nodes.push_str("</g>");
        }
        format!("{edges}{nodes}{labels}")
    }
}

/// A label on a white card, centred on (x, y).
fn label_box(x: f64, y: f64, lines: &[String]) -> String {
    let w = lines
        .iter()
        .map(|l| text_width(l, EDGE_FONT))
        .fold(0.0, f64::max)
        + 10.0;
    let h = lines.len() as f64 * EDGE_LINE + 4.0;
    format!(
        r#"<rect x="{}" y="{}" width="{}" height="{}" rx="4" fill="white" fill-opacity="0.94"/>{}"#,
        num(x - w / 2.0),
        num(y - h / 2.0),
        num(w),
        num(h),
        text_block(
            x,
            y,
            lines,
            EDGE_FONT,
            EDGE_LINE,
            &format!(r#"text-anchor="middle" fill="{MUTED}""#)
        )
    )
}

/// Appends lines through `points` (the first is the current point) with rounded corners.
fn orthogonal(d: &mut String, points: &[(f64, f64)], radius: f64) {
    for i in 1..points.len() {
        let (px, py) = points[i - 1];
        let (x, y) = points[i];
        let Some(&(nx, ny)) = points.get(i + 1) else {
            d.push_str(&format!(" L{},{}", num(x), num(y)));
            break;
        };
        let len_in = ((x - px).powi(2) + (y - py).powi(2)).sqrt();
        let len_out = ((nx - x).powi(2) + (ny - y).powi(2)).sqrt();
        let r = radius.min(len_in / 2.0).min(len_out / 2.0);
        if r < 0.5 {
            d.push_str(&format!(" L{},{}", num(x), num(y)));
            continue;
        }
        let before = (x - (x - px) / len_in * r, y - (y - py) / len_in * r);
        let after = (x + (nx - x) / len_out * r, y + (ny - y) / len_out * r);
        d.push_str(&format!(
            " L{},{} Q{},{} {},{}",
            num(before.0),
            num(before.1),
            num(x),
            num(y),
            num(after.0),
            num(after.1)
        ));
    }
}

/// Marks the edges that close a cycle (found by depth-first search from the nodes nothing points
/// to, then from the rest in order), so reversing them leaves a DAG.
fn back_edges(n: usize, edges: &[Edge<'_>]) -> Vec<bool> {
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut has_incoming = vec![false; n];
    for (e, edge) in edges.iter().enumerate() {
        out[edge.from].push(e);
        has_incoming[edge.to] = true;
    }
    let mut reversed = vec![false; edges.len()];
    // 0: not visited, 1: on the current path, 2: done.
    let mut state = vec![0u8; n];
    let roots = (0..n)
        .filter(|&v| !has_incoming[v])
        .chain((0..n).filter(|&v| has_incoming[v]));
    for root in roots {
        if state[root] != 0 {
            continue;
        }
        state[root] = 1;
        let mut stack: Vec<(usize, usize)> = vec![(root, 0)];
        while let Some(top) = stack.last_mut() {
            let (v, next) = *top;
            if let Some(&e) = out[v].get(next) {
                top.1 += 1;
                let w = edges[e].to;
                match state[w] {
                    0 => {
                        state[w] = 1;
                        stack.push((w, 0));
                    }
                    1 => reversed[e] = true,
                    _ => {}
                }
            } else {
                state[v] = 2;
                stack.pop();
            }
        }
    }
    reversed
}

/// Each node's layer: the length of the longest path reaching it (the graph must be acyclic).
fn longest_path_layers(n: usize, dag: &[(usize, usize)]) -> Vec<usize> {
    let mut indegree = vec![0usize; n];
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); n];
    for &(a, b) in dag {
        indegree[b] += 1;
        out[a].push(b);
    }
    let mut layer = vec![0usize; n];
    let mut ready: std::collections::VecDeque<usize> =
        (0..n).filter(|&v| indegree[v] == 0).collect();
    while let Some(v) = ready.pop_front() {
        for &w in &out[v] {
            layer[w] = layer[w].max(layer[v] + 1);
            indegree[w] -= 1;
            if indegree[w] == 0 {
                ready.push_back(w);
            }
        }
    }
    layer
}

/// Moves each node nothing points to up to just before its nearest successor, so a side input
/// (a secret store, say) sits next to what reads it rather than a long edge away.
fn pull_sources_forward(layer: &mut [usize], dag: &[(usize, usize)]) {
    let mut has_incoming = vec![false; layer.len()];
    let mut nearest: Vec<Option<usize>> = vec![None; layer.len()];
    for &(a, b) in dag {
        has_incoming[b] = true;
        nearest[a] = Some(nearest[a].map_or(layer[b], |l| l.min(layer[b])));
    }
    for v in 0..layer.len() {
        if let (false, Some(next)) = (has_incoming[v], nearest[v]) {
            layer[v] = layer[v].max(next.saturating_sub(1));
        }
    }
}

/// Orders each layer by the mean position of its neighbours (a few sweeps down and up), so
/// edges cross as little as such a simple heuristic can manage.
fn order_layers(layers: &mut [Vec<usize>], slots: &[Slot], chains: &[Chain]) {
    let mut preds: Vec<Vec<usize>> = vec![Vec::new(); slots.len()];
    let mut succs: Vec<Vec<usize>> = vec![Vec::new(); slots.len()];
    for chain in chains {
        for pair in chain.slots.windows(2) {
            if let [a, b] = pair {
                succs[*a].push(*b);
                preds[*b].push(*a);
            }
        }
    }
    // Position: row offset from the layer's centre, as columns are drawn centred.
    let mut pos = vec![0.0; slots.len()];
    let place = |layer: &[usize], pos: &mut [f64]| {
        let mid = (layer.len() as f64 - 1.0) / 2.0;
        for (r, &s) in layer.iter().enumerate() {
            pos[s] = r as f64 - mid;
        }
    };
    for layer in layers.iter() {
        place(layer, &mut pos);
    }
    let sweep = |layer: &mut Vec<usize>, neighbours: &[Vec<usize>], pos: &mut [f64]| {
        let key = |s: usize| {
            let ns = &neighbours[s];
            if ns.is_empty() {
                pos[s]
            } else {
                ns.iter().map(|&m| pos[m]).sum::<f64>() / ns.len() as f64
            }
        };
        let mut keyed: Vec<(f64, usize)> = layer.iter().map(|&s| (key(s), s)).collect();
        keyed.sort_by(|a, b| a.0.total_cmp(&b.0));
        *layer = keyed.into_iter().map(|(_, s)| s).collect();
        place(layer, pos);
    };
    for _ in 0..4 {
        for layer in layers.iter_mut().skip(1) {
            sweep(layer, &preds, &mut pos);
        }
        for layer in layers.iter_mut().rev().skip(1) {
            sweep(layer, &succs, &mut pos);
        }
    }
    for layer in layers.iter_mut().skip(1) {
        sweep(layer, &preds, &mut pos);
    }
}

// ---------------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------------

/// Escapes text for XML content and attribute values. Characters XML 1.0 forbids (control
/// characters other than tab and line breaks) are dropped; tabs and line breaks become spaces.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(' '),
            c if c < ' ' || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// The opening `<svg>` with its accessible title and description.
fn open_svg(id: &str, height: f64, title: &str, desc: &str) -> String {
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="100%" role="img" aria-labelledby="{id}-title {id}-desc" font-family="{FONT}" font-size="13" fill="{INK}" style="display:block;max-width:100%;height:auto"><title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>"#,
        w = num(WIDTH),
        h = num(height.ceil()),
        title = escape(title),
        desc = escape(desc),
    )
}

/// One line of text; `content` is escaped here, `attrs` are trusted.
fn text(x: f64, y: f64, attrs: &str, content: &str) -> String {
    format!(
        r#"<text x="{}" y="{}" {attrs}>{}</text>"#,
        num(x),
        num(y),
        escape(content)
    )
}

/// Lines of text centred vertically on `y_mid`.
fn text_block(x: f64, y_mid: f64, lines: &[String], size: f64, line_h: f64, attrs: &str) -> String {
    if lines.is_empty() {
        return String::new();
    }
    let first = y_mid - (lines.len() as f64 - 1.0) * line_h / 2.0 + size * 0.35;
    let mut s = format!(
        r#"<text x="{}" y="{}" font-size="{}" {attrs}>"#,
        num(x),
        num(first),
        num(size)
    );
    for (i, line) in lines.iter().enumerate() {
        let dy = if i == 0 { 0.0 } else { line_h };
        s.push_str(&format!(
            r#"<tspan x="{}" dy="{}">{}</tspan>"#,
            num(x),
            num(dy),
            escape(line)
        ));
    }
    s.push_str("</text>");
    s
}

/// A coordinate with at most one decimal; never `NaN`, `inf` or `-0`.
fn num(x: f64) -> String {
    if !x.is_finite() {
        return "0".into();
    }
    let r = (x * 10.0).round() / 10.0;
    if r == 0.0 {
        "0".into()
    } else if r.fract() == 0.0 {
        format!("{r:.0}")
    } else {
        format!("{r:.1}")
    }
}

/// `x` with at most `places` decimals, trailing zeros dropped.
fn decimals(x: f64, places: usize) -> String {
    if !x.is_finite() {
        return "0".into();
    }
    let s = format!("{x:.places$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    if s == "-0" { "0".into() } else { s }
}

/// A short human number to three significant digits: `950`, `1.25k`, `15.6M`, `2B`, `3T`, then
/// `1.2e15`.
fn compact(x: f64) -> String {
    if !x.is_finite() {
        return "?".into();
    }
    let places = |v: f64| {
        let a = v.abs();
        if a < 1.0 {
            3
        } else if a < 10.0 {
            2
        } else if a < 100.0 {
            1
        } else {
            0
        }
    };
    for (unit, suffix) in [(1.0, ""), (1e3, "k"), (1e6, "M"), (1e9, "B"), (1e12, "T")] {
        let v = x / unit;
        let shown = decimals(v, places(v));
        // Rounding can carry into the next unit: 999.96k shows as 1M, not 1000k.
        if shown
            .trim_start_matches('-')
            .parse::<f64>()
            .is_ok_and(|s| s < 1000.0)
        {
            return format!("{shown}{suffix}");
        }
    }
    // Scientific beyond trillions, without pointless zeros: 1e15, 2.5e20, 1.25e297.
    let sci = format!("{x:.2e}");
    match sci.split_once('e') {
        Some((mantissa, exponent)) if mantissa.contains('.') => format!(
            "{}e{exponent}",
            mantissa.trim_end_matches('0').trim_end_matches('.')
        ),
        _ => sci,
    }
}

/// A short money label for axis ticks: `$0`, `$0.25`, `$120`, `$1.2k`.
fn money(x: f64) -> String {
    format!("${}", compact(x))
}

/// Money as a reader expects it in a label: `$87.70`, `$1,235`, then `$1.24M`.
fn money_exact(x: f64) -> String {
    let a = x.abs();
    if !x.is_finite() || a >= 100_000.0 {
        return money(x);
    }
    if a < 1000.0 {
        return format!("${x:.2}");
    }
    let digits = format!("{:.0}", a);
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{}${grouped}", if x < 0.0 { "-" } else { "" })
}

/// A round upper bound for an axis from zero, and its step (about five steps).
fn nice_ceiling(max: f64) -> (f64, f64) {
    if !(max.is_finite() && max > 0.0) {
        return (1.0, 0.25);
    }
    let raw = max / 5.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    let norm = raw / magnitude;
    let step = if norm <= 1.0 {
        1.0
    } else if norm <= 2.0 {
        2.0
    } else if norm <= 2.5 {
        2.5
    } else if norm <= 5.0 {
        5.0
    } else {
        10.0
    } * magnitude;
    let top = (max / step).ceil() * step;
    if step > 0.0 && step.is_finite() && top.is_finite() && top > 0.0 {
        (top, step)
    } else {
        (max, max / 4.0)
    }
}

/// Approximate rendered width of `s` in a regular sans-serif font at `size`, calibrated on DejaVu
/// Sans (wider than most system UI fonts, so estimates err on the roomy side).
fn text_width(s: &str, size: f64) -> f64 {
    s.chars()
        .map(|c| match c {
            'i' | 'j' | 'l' | '.' | ',' | ':' | ';' | '\'' | '|' | '!' | 'I' => 0.3,
            'f' | 't' | 'r' | '(' | ')' | '[' | ']' | ' ' | '/' | '-' => 0.39,
            'm' | 'w' | 'M' | 'W' | '@' | '%' => 0.92,
            c if c.is_ascii_uppercase() => 0.69,
            c if c.is_ascii_digit() => 0.64,
            c if c >= '\u{2E80}' => 1.0,
            _ => 0.6,
        })
        .sum::<f64>()
        * size
}

/// Greedy word wrap into at most `max_lines` lines of `max_w`; over-long words are broken, and
/// text that still does not fit ends in an ellipsis.
fn wrap(s: &str, max_w: f64, size: f64, max_lines: usize) -> Vec<String> {
    let max_w = max_w.max(size * 2.0);
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in s.split_whitespace() {
        let candidate = if current.is_empty() {
            word.to_string()
        } else {
            format!("{current} {word}")
        };
        if current.is_empty() || text_width(&candidate, size) <= max_w {
            current = candidate;
        } else {
            lines.push(std::mem::replace(&mut current, word.to_string()));
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    let mut out: Vec<String> = Vec::new();
    for line in lines {
        if text_width(&line, size) <= max_w {
            out.push(line);
            continue;
        }
        let mut piece = String::new();
        for c in line.chars() {
            piece.push(c);
            if piece.chars().count() > 1 && text_width(&piece, size) > max_w {
                piece.pop();
                out.push(std::mem::replace(&mut piece, c.to_string()));
            }
        }
        if !piece.trim().is_empty() {
            out.push(piece.trim().to_string());
        }
    }
    if out.len() > max_lines.max(1) {
        out.truncate(max_lines.max(1));
        if let Some(last) = out.last_mut() {
            while !last.is_empty() && text_width(&format!("{last}…"), size) > max_w {
                last.pop();
            }
            let trimmed = last.trim_end().to_string();
            *last = format!("{trimmed}…");
        }
    }
    out
}

/// FNV-1a over the chart's content, for ids that differ between charts on one page.
struct Fnv(u64);

impl Fnv {
    fn new(kind: &str) -> Self {
        let mut h = Fnv(0xcbf2_9ce4_8422_2325);
        h.str(kind);
        h
    }

    fn bytes(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    fn str(&mut self, s: &str) {
        self.bytes(s.as_bytes());
        self.bytes(&[0xff]);
    }

    fn f64(&mut self, x: f64) {
        self.bytes(&x.to_bits().to_le_bytes());
    }

    fn id(&self, kind: &str) -> String {
        format!("trellis-{kind}-{:012x}", self.0 & 0xffff_ffff_ffff)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use questionnaires::cost::CostSide;
    use questionnaires::evaluate::Progress;
    use questionnaires::model::{AreaId, DiagramEdge, DiagramNode};

    const HOSTILE: &str = r#"<script>alert(1)</script> "onload=x' & co"#;
    const HOSTILE_ESCAPED: &str =
        "&lt;script&gt;alert(1)&lt;/script&gt; &quot;onload=x&apos; &amp; co";

    // --- A small XML checker -----------------------------------------------------------------

    /// One start tag: its name and attributes.
    struct Element {
        name: String,
        attrs: Vec<(String, String)>,
    }

    impl Element {
        fn attr(&self, name: &str) -> Option<&str> {
            self.attrs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        }

        fn number(&self, name: &str) -> f64 {
            self.attr(name)
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("<{}> has no numeric {name}", self.name))
        }
    }

    /// Checks character data: no raw `<` or `>`, and `&` only in the five XML entities or a
    /// numeric character reference.
    fn check_chars(s: &str) {
        assert!(
            !s.contains('<') && !s.contains('>'),
            "raw angle bracket in {s:?}"
        );
        let mut rest = s;
        while let Some(i) = rest.find('&') {
            rest = &rest[i + 1..];
            let end = rest.find(';').unwrap_or_else(|| panic!("bare & in {s:?}"));
            let name = &rest[..end];
            let numeric = name
                .strip_prefix('#')
                .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
            assert!(
                numeric || ["amp", "lt", "gt", "quot", "apos"].contains(&name),
                "unknown entity &{name}; in {s:?}"
            );
        }
        assert!(
            !s.chars()
                .any(|c| c < ' ' && !matches!(c, '\t' | '\n' | '\r')),
            "control character in {s:?}"
        );
    }

    /// Parses `s` as a single-rooted XML element tree (no comments, no processing instructions,
    /// no CDATA: charts emit none), panicking on anything ill-formed; returns the start tags.
    fn parse_xml(s: &str) -> Vec<Element> {
        let mut elements = Vec::new();
        let mut stack: Vec<String> = Vec::new();
        let mut roots = 0;
        let mut rest = s;
        while !rest.is_empty() {
            if let Some(tag) = rest.strip_prefix('<') {
                let end = tag.find('>').expect("unclosed tag");
                let inner = &tag[..end];
                rest = &tag[end + 1..];
                if let Some(name) = inner.strip_prefix('/') {
                    let open = stack.pop().unwrap_or_else(|| panic!("stray </{name}>"));
                    assert_eq!(open, name.trim(), "mismatched close tag");
                    continue;
                }
                let self_closing = inner.ends_with('/');
                let inner = inner.trim_end_matches('/');
                let name_end = inner.find(char::is_whitespace).unwrap_or(inner.len());
                let name = &inner[..name_end];
                assert!(
                    !name.is_empty()
                        && name
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == ':'),
                    "bad tag name {name:?}"
                );
                let mut attrs: Vec<(String, String)> = Vec::new();
                let mut a = inner[name_end..].trim_start();
                while !a.is_empty() {
                    let eq = a
                        .find('=')
                        .unwrap_or_else(|| panic!("attribute without value in <{name}>"));
                    let key = a[..eq].trim();
                    assert!(
                        !key.is_empty()
                            && key
                                .chars()
                                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == ':'),
                        "bad attribute name {key:?} in <{name}>"
                    );
                    let value = a[eq + 1..]
                        .strip_prefix('"')
                        .unwrap_or_else(|| panic!("unquoted attribute {key} in <{name}>"));
                    let close = value.find('"').expect("unterminated attribute value");
                    check_chars(&value[..close]);
                    assert!(
                        attrs.iter().all(|(k, _)| k != key),
                        "duplicate attribute {key} in <{name}>"
                    );
                    attrs.push((key.to_string(), value[..close].to_string()));
                    a = value[close + 1..].trim_start();
                }
                if stack.is_empty() {
                    roots += 1;
                }
                elements.push(Element {
                    name: name.to_string(),
                    attrs,
                });
                if !self_closing {
                    stack.push(name.to_string());
                }
            } else {
                let end = rest.find('<').unwrap_or(rest.len());
                let text = &rest[..end];
                assert!(
                    !stack.is_empty() || text.trim().is_empty(),
                    "text outside the root: {text:?}"
                );
                check_chars(text);
                rest = &rest[end..];
            }
        }
        assert!(stack.is_empty(), "unclosed elements: {stack:?}");
        assert_eq!(roots, 1, "expected exactly one root element");
        elements
    }

    /// Everything every chart must satisfy; returns the parsed start tags.
    fn check_chart(svg: &str) -> Vec<Element> {
        let elements = parse_xml(svg);
        let root = &elements[0];
        assert_eq!(root.name, "svg");
        assert_eq!(root.attr("role"), Some("img"));
        assert_eq!(root.attr("width"), Some("100%"));
        assert!(root.attr("height").is_none(), "no fixed height");
        assert_eq!(root.attr("font-family"), Some("system-ui, sans-serif"));
        let view_box: Vec<f64> = root
            .attr("viewBox")
            .expect("viewBox")
            .split(' ')
            .map(|v| v.parse().expect("numeric viewBox"))
            .collect();
        assert_eq!(view_box.len(), 4);
        assert!(view_box[2] == 720.0 && view_box[3] > 0.0 && view_box[3] < 20_000.0);
        // aria-labelledby names the title and the description, which exist.
        let labelled_by: Vec<&str> = root
            .attr("aria-labelledby")
            .expect("aria-labelledby")
            .split(' ')
            .collect();
        assert_eq!(labelled_by.len(), 2);
        for (id, tag) in labelled_by.iter().zip(["title", "desc"]) {
            assert!(
                elements
                    .iter()
                    .any(|e| e.name == tag && e.attr("id") == Some(id)),
                "no <{tag} id={id:?}>"
            );
        }
        // No NaN or infinity in any number, and no external references.
        assert!(!svg.contains("NaN"), "NaN in output");
        for e in &elements {
            for (k, v) in &e.attrs {
                assert!(
                    !v.contains("inf") && !v.contains("NaN"),
                    "{k}={v:?} in <{}>",
                    e.name
                );
                assert!(!k.contains("href"), "link in <{}>", e.name);
                if k != "xmlns" {
                    assert!(
                        !v.contains("http") && !v.contains("url(h"),
                        "external reference {k}={v:?}"
                    );
                }
            }
            assert!(
                !["image", "a", "script", "style", "foreignObject", "use"]
                    .contains(&e.name.as_str())
            );
        }
        // Every element id is unique, and every url(#…) points at one.
        let ids: Vec<&str> = elements.iter().filter_map(|e| e.attr("id")).collect();
        for (i, id) in ids.iter().enumerate() {
            assert!(!ids[..i].contains(id), "duplicate id {id}");
        }
        for e in &elements {
            for (_, v) in &e.attrs {
                if let Some(target) = v.strip_prefix("url(#") {
                    let target = target.trim_end_matches(')');
                    assert!(ids.contains(&target), "dangling reference {v}");
                }
            }
        }
        elements
    }

    fn title_of(svg: &str) -> &str {
        let start = svg.find("<title id=").expect("title");
        let from = &svg[start..];
        let open_end = from.find('>').expect("title tag") + 1;
        let close = from.find("</title>").expect("title end");
        &from[open_end..close]
    }

    fn desc_of(svg: &str) -> &str {
        let start = svg.find("<desc id=").expect("desc");
        let from = &svg[start..];
        let open_end = from.find('>').expect("desc tag") + 1;
        let close = from.find("</desc>").expect("desc end");
        &from[open_end..close]
    }

    // --- Fixtures --------------------------------------------------------------------------

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

    fn estimate(
        series: Vec<CostPoint>,
        monthly: f64,
        serverless: f64,
        containers: f64,
        break_even: Option<f64>,
    ) -> CostEstimate {
        CostEstimate {
            monthly_requests: monthly,
            serverless: CostSide {
                monthly_usd: serverless,
                breakdown: Vec::new(),
            },
            containers: CostSide {
                monthly_usd: containers,
                breakdown: Vec::new(),
            },
            serverless_per_million: 1.0,
            container_tasks: 2.0,
            break_even_requests: break_even,
            break_even_avg_rps: None,
            cheaper: "serverless".into(),
            series,
            assumptions: Vec::new(),
            inputs: Vec::new(),
        }
    }

    /// A series like the cost model's: serverless linear from zero, containers flat.
    fn series(top: f64, per_request: f64, fixed: f64) -> Vec<CostPoint> {
        (0..21)
            .map(|i| {
                let requests = top * f64::from(i) / 20.0;
                CostPoint {
                    requests,
                    serverless_usd: per_request * requests,
                    containers_usd: fixed,
                }
            })
            .collect()
    }

    /// 10M requests a month at $2.50 a million against $120 of containers: break-even at 48M.
    fn typical() -> CostEstimate {
        estimate(series(96e6, 2.5e-6, 120.0), 10e6, 25.0, 120.0, Some(48e6))
    }

    fn diagram(nodes: &[(&str, &str)], edges: &[(&str, &str, &str)]) -> Diagram {
        Diagram {
            nodes: nodes
                .iter()
                .map(|&(id, label)| DiagramNode {
                    id: id.into(),
                    label: label.into(),
                })
                .collect(),
            edges: edges
                .iter()
                .map(|&(from, to, label)| DiagramEdge {
                    from: from.into(),
                    to: to.into(),
                    label: label.into(),
                })
                .collect(),
        }
    }

    /// The node boxes of a diagram, as (x, y, width, height), and each node's visible text.
    fn node_boxes(svg: &str) -> Vec<((f64, f64, f64, f64), String)> {
        svg.split(r#"<g class="node">"#)
            .skip(1)
            .map(|part| {
                let group = &part[..part.find("</g>").expect("node group end")];
                let elements = parse_xml(&format!("<g>{group}</g>"));
                let rect = elements.iter().find(|e| e.name == "rect").expect("box");
                let text: Vec<&str> = group
                    .split("<tspan ")
                    .skip(1)
                    .map(|t| {
                        let t = &t[t.find('>').expect("tspan") + 1..];
                        &t[..t.find("</tspan>").expect("tspan end")]
                    })
                    .collect();
                (
                    (
                        rect.number("x"),
                        rect.number("y"),
                        rect.number("width"),
                        rect.number("height"),
                    ),
                    text.join(" "),
                )
            })
            .collect()
    }

    /// Edge label cards: the white rects.
    fn label_cards(elements: &[Element]) -> Vec<(f64, f64, f64, f64)> {
        elements
            .iter()
            .filter(|e| e.name == "rect" && e.attr("fill") == Some("white"))
            .map(|e| {
                (
                    e.number("x"),
                    e.number("y"),
                    e.number("width"),
                    e.number("height"),
                )
            })
            .collect()
    }

    /// Checks a diagram: a valid chart, every node drawn once with its full label, boxes inside
    /// the view and not overlapping each other or any edge label.
    fn check_diagram(d: &Diagram, title: &str) -> String {
        let svg = pattern_diagram(d, title);
        let elements = check_chart(&svg);
        let height: f64 = elements[0]
            .attr("viewBox")
            .and_then(|v| v.rsplit(' ').next())
            .and_then(|h| h.parse().ok())
            .expect("height");
        let boxes = node_boxes(&svg);
        assert_eq!(boxes.len(), d.nodes.len(), "one box per node");
        for node in &d.nodes {
            let label = escape(&node.label);
            assert!(
                svg.contains(&format!(r#"<g class="node"><title>{label}</title>"#)),
                "node {label:?} missing"
            );
            assert!(
                boxes.iter().any(|(_, text)| *text == label)
                    || node.label.chars().count() > 60
                    || node.label.split_whitespace().any(|w| w.len() > 14),
                "node {label:?} not shown in full: {boxes:?}"
            );
        }
        let cards = label_cards(&elements);
        for (i, (a, _)) in boxes.iter().enumerate() {
            assert!(a.0 >= 0.0 && a.0 + a.2 <= 720.0 && a.1 >= 0.0 && a.1 + a.3 <= height);
            for (b, _) in &boxes[..i] {
                assert!(!boxes_overlap(*a, *b), "boxes overlap: {a:?} {b:?}");
            }
            for c in &cards {
                assert!(!boxes_overlap(*a, *c), "label card {c:?} over box {a:?}");
            }
        }
        svg
    }

    // --- Helpers ----------------------------------------------------------------------------

    #[test]
    fn escape_neutralises_markup() {
        assert_eq!(escape(HOSTILE), HOSTILE_ESCAPED);
        assert_eq!(
            escape("<script>alert(1)</script>"),
            "&lt;script&gt;alert(1)&lt;/script&gt;"
        );
        assert_eq!(escape(r#""onload="#), "&quot;onload=");
        assert_eq!(escape("a\u{0}b\u{1b}c\u{ffff}"), "abc");
        assert_eq!(escape("line\nbreak\ttab"), "line break tab");
        assert_eq!(escape("Café 東京 ✓"), "Café 東京 ✓");
        check_chars(&escape(HOSTILE));
    }

    #[test]
    fn labels_are_human() {
        assert_eq!(compact(0.0), "0");
        assert_eq!(compact(950.0), "950");
        assert_eq!(compact(1500.0), "1.5k");
        assert_eq!(compact(250_000.0), "250k");
        assert_eq!(compact(1_250_000.0), "1.25M");
        assert_eq!(compact(1.5e6), "1.5M");
        assert_eq!(compact(10e6), "10M");
        assert_eq!(compact(15_552_000.0), "15.6M");
        assert_eq!(compact(999_999.0), "1M");
        assert_eq!(compact(3.888e9), "3.89B");
        assert_eq!(compact(2e12), "2T");
        assert_eq!(compact(1.5e20), "1.5e20");
        assert_eq!(compact(2e15), "2e15");
        assert_eq!(compact(1.25e297), "1.25e297");
        assert_eq!(compact(f64::NAN), "?");
        assert_eq!(money(0.0), "$0");
        assert_eq!(money(0.25), "$0.25");
        assert_eq!(money(120.0), "$120");
        assert_eq!(money(1200.0), "$1.2k");
        assert_eq!(money_exact(87.7), "$87.70");
        assert_eq!(money_exact(1234.56), "$1,235");
        assert_eq!(money_exact(123_456.0), "$123k");
        assert_eq!(num(f64::NAN), "0");
        assert_eq!(num(-0.01), "0");
        assert_eq!(num(12.345), "12.3");
        assert_eq!(nice_ceiling(87.7), (100.0, 20.0));
        assert_eq!(nice_ceiling(0.0), (1.0, 0.25));
        let (top, step) = nice_ceiling(f64::MAX);
        assert!(top.is_finite() && step.is_finite() && top >= f64::MAX / 2.0);
    }

    #[test]
    fn wrapping_fits_and_keeps_every_word() {
        let lines = wrap("Wait for approval (task token)", 120.0, 13.0, 3);
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| text_width(l, 13.0) <= 120.0));
        assert_eq!(lines.join(" "), "Wait for approval (task token)");
        let long = wrap(&"x".repeat(200), 100.0, 13.0, 2);
        assert_eq!(long.len(), 2);
        assert!(long[1].ends_with('…'));
        assert!(wrap("", 100.0, 13.0, 2).is_empty());
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

    // --- Cost chart -------------------------------------------------------------------------

    #[test]
    fn cost_chart_marks_current_volume_and_break_even() {
        let svg = cost_chart(&typical());
        let elements = check_chart(&svg);
        assert_eq!(
            title_of(&svg),
            "Monthly cost: serverless against containers"
        );
        assert_eq!(svg.matches(r#"class="break-even""#).count(), 1);
        assert_eq!(svg.matches(r#"class="current""#).count(), 1);
        assert!(svg.contains(">Break-even: 48M / month<"));
        assert!(svg.contains(">Current: 10M / month<"));
        for label in [
            "$0", "$50", "$100", "$150", "$200", "$250", "0", "20M", "40M", "60M", "80M",
        ] {
            assert!(svg.contains(&format!(">{label}<")), "tick {label} missing");
        }
        for legend in [
            "Serverless (Lambda)",
            "Containers (Fargate)",
            "Current volume",
            "Break-even",
        ] {
            assert!(
                svg.contains(&format!(">{legend}<")),
                "legend {legend} missing"
            );
        }
        assert!(svg.contains(">$25.00<") && svg.contains(">$120.00<"));
        assert_eq!(elements.iter().filter(|e| e.name == "polyline").count(), 2);
        assert!(desc_of(&svg).contains("They cost the same at 48M requests a month."));
        // The marker sits on the containers line: x at 48M of 96M, y at $120 of $250.
        let marker = elements
            .iter()
            .find(|e| e.name == "circle" && e.attr("r") == Some("5.5"))
            .expect("break-even marker");
        assert_eq!(marker.number("cx"), 76.0 + 0.5 * (692.0 - 76.0));
        assert!((marker.number("cy") - (318.0 - 120.0 / 250.0 * 254.0)).abs() < 0.1);
    }

    #[test]
    fn break_even_is_marked_only_inside_the_plot() {
        let mut cost = typical();
        cost.break_even_requests = None;
        let svg = cost_chart(&cost);
        check_chart(&svg);
        assert!(!svg.contains(r#"class="break-even""#));
        assert!(!svg.contains(">Break-even<"), "no legend entry either");
        assert!(desc_of(&svg).contains("no break-even"));

        for outside in [200e6, -1.0, f64::NAN, f64::INFINITY] {
            cost.break_even_requests = Some(outside);
            let svg = cost_chart(&cost);
            check_chart(&svg);
            assert!(
                !svg.contains(r#"class="break-even""#),
                "marked at {outside}"
            );
        }
        cost.break_even_requests = Some(200e6);
        assert!(desc_of(&cost_chart(&cost)).contains("outside the chart"));

        // The ends of the range count as inside.
        for edge in [0.0, 96e6] {
            cost.break_even_requests = Some(edge);
            let svg = cost_chart(&cost);
            check_chart(&svg);
            assert!(
                svg.contains(r#"class="break-even""#),
                "not marked at {edge}"
            );
        }
    }

    #[test]
    fn cost_chart_edge_cases() {
        let point = |requests, serverless_usd, containers_usd| CostPoint {
            requests,
            serverless_usd,
            containers_usd,
        };
        let cases = [
            // Nothing at all.
            estimate(Vec::new(), 0.0, 0.0, 0.0, None),
            // No series, only today's figures.
            estimate(Vec::new(), 5e6, 12.0, 80.0, Some(3e7)),
            // A single point.
            estimate(vec![point(1e6, 2.0, 50.0)], 1e6, 2.0, 50.0, Some(2.5e7)),
            // Everything free.
            estimate(series(1e6, 0.0, 0.0), 5e5, 0.0, 0.0, None),
            // Huge numbers.
            estimate(series(1e300, 1e-3, 1e290), 5e299, 5e296, 1e290, Some(1e293)),
            estimate(
                vec![
                    point(0.0, 0.0, f64::MAX),
                    point(f64::MAX, f64::MAX, f64::MAX),
                ],
                f64::MAX,
                f64::MAX,
                f64::MAX,
                Some(f64::MAX),
            ),
            // Garbage: non-finite and negative values.
            estimate(
                vec![
                    point(f64::NAN, 1.0, 1.0),
                    point(0.0, f64::INFINITY, 1.0),
                    point(1e6, -5.0, 10.0),
                    point(2e6, 4.0, 10.0),
                ],
                f64::NAN,
                f64::NEG_INFINITY,
                -3.0,
                Some(f64::NAN),
            ),
            // Series out of order, with duplicates.
            estimate(
                vec![
                    point(3e6, 9.0, 5.0),
                    point(0.0, 0.0, 5.0),
                    point(3e6, 9.0, 5.0),
                    point(1e6, 3.0, 5.0),
                ],
                2e6,
                6.0,
                5.0,
                Some(1.7e6),
            ),
        ];
        for (i, cost) in cases.iter().enumerate() {
            let svg = cost_chart(cost);
            check_chart(&svg);
            assert!(!svg.contains('?'), "case {i}: unformattable number");
        }
        assert!(cost_chart(&cases[0]).contains("No cost figures to plot."));
        // With only today's figures there is still something to see.
        let svg = cost_chart(&cases[1]);
        assert!(svg.contains(r#"class="current""#) && svg.contains(">$12.00<"));
        // A single point is a dot per line, plus today's two dots; its break-even is off the chart.
        let svg = cost_chart(&cases[2]);
        assert_eq!(svg.matches("<circle").count(), 2 + 2);
        assert!(!svg.contains(r#"class="break-even""#));
    }

    // --- Pattern diagrams -------------------------------------------------------------------

    #[test]
    fn every_builtin_pattern_diagram_lays_out_cleanly() {
        let q = questionnaires::builtin();
        assert!(!q.patterns.is_empty());
        for pattern in &q.patterns {
            let svg = check_diagram(&pattern.diagram, &pattern.name);
            assert_eq!(title_of(&svg), escape(&pattern.name));
            let arrows = svg.matches("marker-end=").count() + svg.matches("marker-start=").count();
            assert_eq!(arrows, pattern.diagram.edges.len(), "{}", pattern.id);
            for edge in &pattern.diagram.edges {
                assert!(
                    svg.contains(&format!("<g><title>{}</title>", escape(&edge.label))),
                    "{}: edge label {:?} missing",
                    pattern.id,
                    edge.label
                );
            }
        }
    }

    #[test]
    fn a_chain_wraps_into_rows_left_to_right() {
        let d = diagram(
            &[
                ("a", "First"),
                ("b", "Second"),
                ("c", "Third"),
                ("d", "Fourth"),
                ("e", "Fifth"),
                ("f", "Sixth"),
            ],
            &[
                ("a", "b", "1"),
                ("b", "c", "2"),
                ("c", "d", "3"),
                ("d", "e", "4"),
                ("e", "f", "5"),
            ],
        );
        let svg = check_diagram(&d, "Chain");
        let boxes = node_boxes(&svg);
        let at = |label: &str| {
            boxes
                .iter()
                .find(|(_, t)| t == label)
                .map(|(b, _)| *b)
                .expect("node")
        };
        // Two rows of three, reading left to right.
        let (first, second, third, fourth) = (at("First"), at("Second"), at("Third"), at("Fourth"));
        assert!(first.0 < second.0 && second.0 < third.0);
        assert_eq!(first.1, third.1);
        assert!(fourth.1 > first.1 + first.3);
        assert_eq!(fourth.0, first.0);
    }

    #[test]
    fn diagram_edge_cases() {
        // Empty.
        let svg = check_diagram(&Diagram::default(), "Nothing");
        assert!(svg.contains("No diagram for this pattern."));
        // Nodes without edges fill a grid.
        let loose: Vec<(String, String)> = (0..7)
            .map(|i| (format!("n{i}"), format!("Loose node {i}")))
            .collect();
        let loose: Vec<(&str, &str)> = loose
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        check_diagram(&diagram(&loose, &[]), "Loose");
        // One node.
        check_diagram(&diagram(&[("solo", "Only box")], &[]), "Solo");
        // Edges to nodes that do not exist.
        let d = diagram(
            &[("a", "Alpha"), ("b", "Beta")],
            &[
                ("a", "b", "ok"),
                ("a", "ghost", "lost"),
                ("ghost", "b", "lost"),
                ("x", "y", ""),
            ],
        );
        let svg = check_diagram(&d, "Missing");
        assert_eq!(svg.matches("marker-end=").count(), 1);
        assert!(
            desc_of(&svg).contains("3 arrows name a box that does not exist and are not drawn.")
        );
        // Cycles, a self-loop, parallel and opposite edges, duplicate ids.
        let d = diagram(
            &[
                ("a", "Alpha"),
                ("b", "Beta"),
                ("c", "Gamma"),
                ("a", "Alpha again"),
                ("d", "Delta"),
            ],
            &[
                ("a", "b", "go"),
                ("b", "c", "on"),
                ("c", "a", "back"),
                ("c", "c", "retry"),
                ("a", "b", "again"),
                ("b", "a", "reply"),
                ("c", "d", "out"),
                ("d", "b", "loop"),
            ],
        );
        let svg = check_diagram(&d, "Cycles");
        // Every edge drawn; the ones against the layering point backwards from their start.
        assert_eq!(
            svg.matches("marker-end=").count() + svg.matches("marker-start=").count(),
            8
        );
        assert!(svg.matches("marker-start=").count() >= 2);
        for label in ["go", "on", "back", "retry", "again", "reply", "out", "loop"] {
            assert!(
                svg.contains(&format!("<g><title>{label}</title>")),
                "{label}"
            );
        }
        // A pure cycle has no start: still laid out.
        check_diagram(
            &diagram(
                &[("a", "A"), ("b", "B"), ("c", "C")],
                &[("a", "b", ""), ("b", "c", ""), ("c", "a", "")],
            ),
            "Ring",
        );
        // Many nodes: more bands, still inside the view.
        let many: Vec<(String, String)> = (0..15)
            .map(|i| (format!("n{i}"), format!("Step number {i}")))
            .collect();
        let nodes: Vec<(&str, &str)> = many.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        let edges: Vec<(&str, &str, &str)> = (1..15)
            .map(|i| (nodes[(i - 1) / 2].0, nodes[i].0, "next"))
            .chain([(nodes[0].0, nodes[14].0, "shortcut")])
            .collect();
        check_diagram(&diagram(&nodes, &edges), "Tree");
        // Long and hostile text.
        let long = "A very long label that goes on and on well past any box width you could want";
        let d = diagram(
            &[("h", HOSTILE), ("l", long), ("w", &"W".repeat(90))],
            &[("h", "l", HOSTILE), ("l", "w", long)],
        );
        let svg = check_diagram(&d, HOSTILE);
        assert!(!svg.contains("<script"));
        assert!(svg.contains(HOSTILE_ESCAPED));
        assert_eq!(title_of(&svg), HOSTILE_ESCAPED);
    }

    #[test]
    fn ids_differ_between_charts_and_are_stable() {
        let a = cost_chart(&typical());
        let mut other = typical();
        other.monthly_requests = 20e6;
        let b = cost_chart(&other);
        let id = |svg: &str| {
            parse_xml(svg)[0]
                .attr("aria-labelledby")
                .map(str::to_string)
        };
        assert_eq!(id(&a), id(&cost_chart(&typical())));
        assert_ne!(id(&a), id(&b));
        let q = questionnaires::builtin();
        let mut ids: Vec<Option<String>> = q
            .patterns
            .iter()
            .map(|p| id(&pattern_diagram(&p.diagram, &p.name)))
            .collect();
        ids.push(id(&score_bars(&[], None)));
        ids.push(id(&a));
        let count = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), count);
    }
}
