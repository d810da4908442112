//! Pattern diagrams: boxes and arrows for a pattern. This file resolves the diagram into a graph
//! and draws it (boxes, routed edges, label cards); [`layout`] decides where everything goes.

mod layout;

use std::collections::BTreeMap;

use questionnaires::model::Diagram;

use self::layout::{Chain, Layout};
use super::svg::*;

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

const NODE_FONT: f64 = 13.0;
const NODE_LINE: f64 = 16.0;
const EDGE_FONT: f64 = 12.0;
const EDGE_LINE: f64 = 15.0;
const LANE_PITCH: f64 = 28.0;

impl Layout {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::testing::*;
    use questionnaires::model::{DiagramEdge, DiagramNode};

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
}
