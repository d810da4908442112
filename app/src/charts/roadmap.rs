//! The roadmap timeline: the open checklist's three phases (Now, Next, Later) along one arrow,
//! each phase as long as the work in it, with one block per item sized by its effort and
//! coloured by its priority.

use questionnaires::report::{Roadmap, Step};

use super::svg::*;

const LEFT: f64 = 16.0;
const RIGHT: f64 = WIDTH - 16.0;
/// The gap between two phases.
const GAP: f64 = 10.0;
/// The shortest a phase is drawn, so its label and a row of blocks fit.
const MIN_PHASE: f64 = 150.0;
/// Block height, and the space between blocks.
const BLOCK_H: f64 = 14.0;
const BLOCK_GAP: f64 = 4.0;
/// A light grey for low-priority work, darker than the track.
const LOW: &str = "#8a94a6";

/// How much work an effort size stands for, relative to S: S is days, M up to about two weeks,
/// L longer. An item the content does not size counts as M.
fn weight(effort: Option<&str>) -> f64 {
    match effort {
        Some("S") => 1.0,
        Some("L") => 6.0,
        _ => 3.0,
    }
}

/// A block's width in `viewBox` units: proportional to its weight.
fn block_w(effort: Option<&str>) -> f64 {
    weight(effort) * 12.0
}

fn colour(priority: &str) -> &'static str {
    match priority {
        "high" => RED,
        "medium" => AMBER,
        _ => LOW,
    }
}

/// "3 S · 2 M · 1 L", counting unsized items as "1 unsized".
fn effort_mix(steps: &[Step]) -> String {
    let count = |e: Option<&str>| steps.iter().filter(|s| s.effort.as_deref() == e).count();
    let mut parts: Vec<String> = ["S", "M", "L"]
        .into_iter()
        .map(|e| (e, count(Some(e))))
        .filter(|(_, n)| *n > 0)
        .map(|(e, n)| format!("{n} {e}"))
        .collect();
    let unsized_items = count(None);
    if unsized_items > 0 {
        parts.push(format!("{unsized_items} unsized"));
    }
    parts.join(" · ")
}

fn items(n: usize) -> String {
    format!("{n} {}", if n == 1 { "item" } else { "items" })
}

/// Each phase's drawn width: at least [`MIN_PHASE`], the rest shared out by the work in it.
fn widths(phases: &[(&str, &[Step]); 3]) -> [f64; 3] {
    let work: Vec<f64> = phases
        .iter()
        .map(|(_, steps)| steps.iter().map(|s| weight(s.effort.as_deref())).sum())
        .collect();
    let total: f64 = work.iter().sum();
    let spare = RIGHT - LEFT - 2.0 * GAP - 3.0 * MIN_PHASE;
    let mut out = [MIN_PHASE; 3];
    for (w, x) in out.iter_mut().zip(&work) {
        *w += if total > 0.0 {
            spare * x / total
        } else {
            spare / 3.0
        };
    }
    out
}

/// The blocks of one phase, wrapped into rows within `width`: (x offset, row, step).
fn layout(steps: &[Step], width: f64) -> Vec<(f64, usize, &Step)> {
    let mut out = Vec::with_capacity(steps.len());
    let (mut x, mut row) = (0.0, 0);
    for s in steps {
        let w = block_w(s.effort.as_deref());
        if x > 0.0 && x + w > width {
            x = 0.0;
            row += 1;
        }
        out.push((x, row, s));
        x += w + BLOCK_GAP;
    }
    out
}

/// The roadmap as a timeline, or `None` when nothing is open.
pub fn roadmap_timeline(roadmap: &Roadmap) -> Option<String> {
    if roadmap.is_empty() {
        return None;
    }
    let phases = roadmap.phases();
    let mut hash = Fnv::new("roadmap");
    for (name, steps) in &phases {
        hash.str(name);
        for s in *steps {
            hash.str(&s.item);
            hash.str(&s.priority);
            hash.str(s.effort.as_deref().unwrap_or("-"));
        }
    }
    let id = hash.id("roadmap");
    let widths = widths(&phases);

    const LABEL_Y: f64 = 22.0;
    const ARROW_Y: f64 = 36.0;
    const ARROW_H: f64 = 12.0;
    const BLOCKS_Y: f64 = ARROW_Y + ARROW_H + 12.0;
    let laid: Vec<_> = phases
        .iter()
        .zip(widths)
        .map(|((_, steps), w)| layout(steps, w))
        .collect();
    let rows = laid
        .iter()
        .map(|l| l.last().map_or(1, |(_, row, _)| row + 1))
        .max()
        .unwrap_or(1);
    let mix_y = BLOCKS_Y + rows as f64 * (BLOCK_H + BLOCK_GAP) + 14.0;

    let mut body = String::new();
    let mut x = LEFT;
    // The phases get darker towards now.
    let shades = [INK, MUTED, OUTLINE];
    for (((name, steps), w), (laid, shade)) in
        phases.iter().zip(widths).zip(laid.iter().zip(shades))
    {
        body.push_str(&text(
            x,
            LABEL_Y,
            r#"font-size="15" font-weight="700""#,
            name,
        ));
        body.push_str(&text(
            x + text_width(name, 15.0) * BOLD + 8.0,
            LABEL_Y,
            &format!(r#"font-size="13" fill="{MUTED}""#),
            &items(steps.len()),
        ));
        // The arrow's segment for this phase; the last one ends in a point.
        let last = *name == "Later";
        let body_w = if last { w - ARROW_H } else { w };
        body.push_str(&format!(
            r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{shade}"/>"#,
            num(x),
            num(ARROW_Y),
            num(body_w),
            num(ARROW_H)
        ));
        if last {
            body.push_str(&format!(
                r#"<path d="M{} {} L{} {} L{} {} Z" fill="{shade}"/>"#,
                num(x + body_w),
                num(ARROW_Y - 4.0),
                num(x + w),
                num(ARROW_Y + ARROW_H / 2.0),
                num(x + body_w),
                num(ARROW_Y + ARROW_H + 4.0)
            ));
        }
        if steps.is_empty() {
            body.push_str(&text(
                x,
                BLOCKS_Y + BLOCK_H - 2.0,
                &format!(r#"font-size="12" fill="{MUTED}" font-style="italic""#),
                "Nothing here",
            ));
        }
        for (dx, row, s) in laid {
            let effort = s.effort.as_deref();
            let tip = format!(
                "{}: {} priority, effort {}",
                s.title,
                s.priority,
                effort.unwrap_or("not sized")
            );
            let y = BLOCKS_Y + *row as f64 * (BLOCK_H + BLOCK_GAP);
            let fill = colour(&s.priority);
            body.push_str(&format!(
                r#"<g><title>{}</title><rect x="{}" y="{}" width="{}" height="{}" rx="2" {}/></g>"#,
                escape(&tip),
                num(x + dx),
                num(y),
                num(block_w(effort)),
                num(BLOCK_H),
                if effort.is_some() {
                    format!(r#"fill="{fill}""#)
                } else {
                    format!(r#"fill="white" stroke="{fill}" stroke-dasharray="3 2""#)
                }
            ));
        }
        if !steps.is_empty() {
            body.push_str(&text(
                x,
                mix_y,
                &format!(r#"font-size="12" fill="{MUTED}""#),
                &format!("Effort: {}", effort_mix(steps)),
            ));
        }
        x += w + GAP;
    }

    // Legend: priority colours, then what a block's width means.
    let legend_y = mix_y + 28.0;
    let mut lx = LEFT;
    for (label, fill) in [("high priority", RED), ("medium", AMBER), ("low", LOW)] {
        body.push_str(&format!(
            r#"<rect x="{}" y="{}" width="12" height="12" rx="2" fill="{fill}"/>"#,
            num(lx),
            num(legend_y - 10.0)
        ));
        body.push_str(&text(
            lx + 18.0,
            legend_y,
            &format!(r#"font-size="12" fill="{MUTED}""#),
            label,
        ));
        lx += 18.0 + text_width(label, 12.0) + 18.0;
    }
    body.push_str(&text(
        lx + 8.0,
        legend_y,
        &format!(r#"font-size="12" fill="{MUTED}""#),
        "Block width: effort S (days), M (about two weeks), L (longer)",
    ));
    let height = legend_y + 12.0;

    let desc = phases
        .iter()
        .map(|(name, steps)| {
            if steps.is_empty() {
                format!("{name}: nothing.")
            } else {
                format!(
                    "{name}: {}, effort {}.",
                    items(steps.len()),
                    effort_mix(steps)
                )
            }
        })
        .collect::<Vec<_>>()
        .join(" ");
    let mut svg = open_svg(
        &id,
        height,
        "Roadmap: the open checklist as Now, Next and Later",
        &desc,
    );
    svg.push_str(&body);
    svg.push_str("</svg>");
    Some(svg)
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    fn step(item: &str, priority: &str, effort: Option<&str>) -> Step {
        Step {
            item: item.to_owned(),
            title: format!("Do <{item}> & more"),
            area_title: "Reliability".to_owned(),
            priority: priority.to_owned(),
            effort: effort.map(str::to_owned),
            owner: String::new(),
            due_date: None,
            reason: String::new(),
            after: Vec::new(),
        }
    }

    fn sample() -> Roadmap {
        Roadmap {
            now: vec![step("a", "high", Some("S")), step("b", "high", Some("M"))],
            next: vec![
                step("c", "medium", Some("L")),
                step("d", "high", None),
                step("e", "medium", Some("M")),
            ],
            later: vec![step("f", "low", Some("S"))],
        }
    }

    #[test]
    fn nothing_open_draws_nothing() {
        assert_eq!(roadmap_timeline(&Roadmap::default()), None);
    }

    #[test]
    fn each_item_is_a_block_sized_by_effort_and_coloured_by_priority() {
        let svg = roadmap_timeline(&sample()).expect("a chart");
        let elements = check_chart(&svg);
        let blocks: Vec<_> = elements
            .iter()
            .filter(|e| e.name == "rect" && e.attr("height") == Some("14"))
            .collect();
        assert_eq!(blocks.len(), 6, "{svg}");
        let widths: Vec<f64> = blocks.iter().map(|b| b.number("width")).collect();
        assert_eq!(widths, [12.0, 36.0, 72.0, 36.0, 36.0, 12.0]);
        assert_eq!(blocks[0].attr("fill"), Some(RED));
        assert_eq!(blocks[2].attr("fill"), Some(AMBER));
        assert_eq!(blocks[5].attr("fill"), Some(LOW));
        // The unsized item is an outline, not a filled block.
        assert_eq!(blocks[3].attr("fill"), Some("white"));
        assert!(svg.contains("Do &lt;a&gt; &amp; more: high priority, effort S"));
    }

    #[test]
    fn phases_are_as_long_as_their_work_and_fill_the_width() {
        let phases = sample();
        let w = widths(&phases.phases());
        assert!((w.iter().sum::<f64>() + 2.0 * GAP - (RIGHT - LEFT)).abs() < 1e-9);
        // Next holds 12 units of work, Now 4, Later 1.
        assert!(w[1] > w[0] && w[0] > w[2], "{w:?}");
        assert!(w.iter().all(|x| *x >= MIN_PHASE));
    }

    #[test]
    fn the_description_counts_items_and_effort_per_phase() {
        let svg = roadmap_timeline(&sample()).expect("a chart");
        assert_eq!(
            desc_of(&svg),
            "Now: 2 items, effort 1 S · 1 M. Next: 3 items, effort 1 M · 1 L · 1 unsized. \
             Later: 1 item, effort 1 S."
        );
        let empty_later = Roadmap {
            later: Vec::new(),
            ..sample()
        };
        let svg = roadmap_timeline(&empty_later).expect("a chart");
        assert!(desc_of(&svg).ends_with("Later: nothing."));
        assert!(svg.contains("Nothing here"));
    }

    #[test]
    fn many_items_wrap_into_rows_inside_their_phase() {
        let many = Roadmap {
            now: (0..40)
                .map(|n| step(&format!("i{n}"), "high", Some("L")))
                .collect(),
            ..Roadmap::default()
        };
        let svg = roadmap_timeline(&many).expect("a chart");
        let w = widths(&many.phases());
        for e in check_chart(&svg)
            .iter()
            .filter(|e| e.name == "rect" && e.attr("height") == Some("14"))
        {
            assert!(e.number("x") + e.number("width") <= LEFT + w[0] + 1e-9);
        }
    }
}
