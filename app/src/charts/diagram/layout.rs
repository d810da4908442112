//! Where a pattern diagram's boxes and edges go: cycles broken, nodes layered by longest path,
//! long edges given slots, layers ordered by barycentre, and bands wrapped below each other.
//! Drawing the result is [`super`]'s job.

use super::*;

/// A place in a layer: a node, or a point a long edge passes through.
pub(super) struct Slot {
    pub(super) node: Option<usize>,
    layer: usize,
}

/// A drawn edge: the slots it passes through, in layer order.
pub(super) struct Chain {
    pub(super) edge: usize,
    pub(super) slots: Vec<usize>,
    /// Drawn against layer order (a back edge of a cycle).
    pub(super) reversed: bool,
}

/// Most layers side by side before wrapping into another band.
const MAX_COLUMNS: usize = 3;

/// Where everything in a diagram goes. Layers are columns; every `per_band` layers wrap into a
/// new band below.
pub(super) struct Layout {
    pub(super) slots: Vec<Slot>,
    /// Slots of each layer, top to bottom.
    layers: Vec<Vec<usize>>,
    pub(super) chains: Vec<Chain>,
    /// Row of each slot within its layer.
    row: Vec<usize>,
    /// Layers side by side in one band.
    per_band: usize,
    pub(super) box_w: f64,
    pub(super) box_h: f64,
    /// Horizontal space between columns, where straight edges and their labels go.
    pub(super) gap: f64,
    /// Left edge of the first column.
    pub(super) x0: f64,
    /// Vertical distance between rows.
    pitch: f64,
    band_top: Vec<f64>,
    /// Rows in each band: its tallest layer.
    band_rows: Vec<usize>,
    /// Per band gap (below band b): the wrapping segments, as (chain, segment index).
    pub(super) wraps: Vec<Vec<(usize, usize)>>,
    pub(super) node_lines: Vec<Vec<String>>,
    pub(super) height: f64,
}

impl Layout {
    pub(super) fn new(graph: &Graph<'_>) -> Self {
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

    pub(super) fn band(&self, slot: usize) -> usize {
        self.slots[slot].layer / self.per_band
    }

    pub(super) fn left(&self, slot: usize) -> f64 {
        let col = self.slots[slot].layer % self.per_band;
        self.x0 + col as f64 * (self.box_w + self.gap)
    }

    pub(super) fn right(&self, slot: usize) -> f64 {
        self.left(slot) + self.box_w
    }

    /// Vertical centre of a slot.
    pub(super) fn centre_y(&self, slot: usize) -> f64 {
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
    pub(super) fn band_bottom(&self, band: usize) -> f64 {
        self.band_top[band] + self.band_rows[band] as f64 * self.pitch - (self.pitch - self.box_h)
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
