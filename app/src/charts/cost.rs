//! The cost chart: monthly cost against monthly requests, serverless against containers, with
//! the current volume and the break-even marked, and the label placement that keeps them apart.

use questionnaires::cost::{CostEstimate, CostPoint};

use super::svg::*;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::testing::*;
    use crate::charts::{pattern_diagram, score_bars};
    use questionnaires::cost::CostSide;

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
