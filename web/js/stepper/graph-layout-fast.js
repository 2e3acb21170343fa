/**
 * A fast layered layout (left to right) for graphs too large for dagre to lay out interactively:
 * longest-path ranks (leaves pulled next to their first consumer), barycentre ordering sweeps, stacked
 * columns, curved edges. Linear per sweep; no dummy nodes, so long edges may cross boxes. Pure: no DOM.
 */

/**
 * Lay out `trace` (read by trace.js) with boxes of `sizeOf(node)` = {width, height}.
 * Returns {width, height, nodes: Map id→{x, y, width, height}, edges: [{...edge, points}], clusters: []}.
 */
export function fastLayout(trace, sizeOf, { nodesep = 22, ranksep = 50, margin = 20, sweeps = 4 } = {}) {
  const ranks = assignRanks(trace);
  const layers = orderLayers(trace, ranks, sweeps);
  const boxes = placeBoxes(trace, layers, sizeOf, { nodesep, ranksep, margin });
  const edges = trace.edges.map((e) => ({ ...e, points: edgePoints(e, boxes, trace) }));
  let width = 0;
  let height = 0;
  for (const b of boxes.values()) {
    width = Math.max(width, b.x + b.width / 2 + margin);
    height = Math.max(height, b.y + b.height / 2 + margin);
  }
  return { width, height, nodes: boxes, edges, clusters: [] };
}

/** Rank = longest path from a source; a leaf sits one rank before its earliest consumer. */
export function assignRanks(trace) {
  const rank = new Map();
  for (const n of trace.nodes) {
    rank.set(n.id, n.inputs.reduce((r, id) => Math.max(r, rank.get(id) + 1), 0));
  }
  for (const n of trace.nodes) {
    const consumers = trace.consumers.get(n.id);
    if (n.inputs.length === 0 && consumers.length) {
      rank.set(n.id, Math.max(0, Math.min(...consumers.map((e) => rank.get(e.to))) - 1));
    }
  }
  return rank;
}

function orderLayers(trace, ranks, sweeps) {
  const layers = [];
  for (const n of trace.nodes) (layers[ranks.get(n.id)] ??= []).push(n.id);
  const filled = layers.map((l) => l ?? []);
  const position = new Map();
  const index = () => filled.forEach((layer) => layer.forEach((id, i) => position.set(id, i)));
  index();
  const preds = (id) => trace.nodeById.get(id).inputs;
  const succs = (id) => trace.consumers.get(id).map((e) => e.to);
  for (let s = 0; s < sweeps; s++) {
    const down = s % 2 === 0;
    const order = down ? filled.keys() : [...filled.keys()].reverse();
    for (const r of order) {
      const neighbours = down ? preds : succs;
      const bary = new Map(filled[r].map((id) => {
        const ns = neighbours(id);
        return [id, ns.length ? ns.reduce((a, m) => a + position.get(m), 0) / ns.length : position.get(id)];
      }));
      filled[r].sort((a, b) => bary.get(a) - bary.get(b));
      filled[r].forEach((id, i) => position.set(id, i));
    }
  }
  return filled;
}

function placeBoxes(trace, layers, sizeOf, { nodesep, ranksep, margin }) {
  const boxes = new Map();
  let x = margin;
  for (const layer of layers) {
    const sizes = layer.map((id) => sizeOf(trace.nodeById.get(id)));
    const colWidth = Math.max(0, ...sizes.map((s) => s.width));
    let y = 0;
    const placed = layer.map((id, i) => {
      const box = { id, x: x + colWidth / 2, y: y + sizes[i].height / 2, ...sizes[i] };
      y += sizes[i].height + nodesep;
      return box;
    });
    // centre the column on its inputs' mean height, so chains run straight
    const anchors = placed.flatMap((b) => trace.nodeById.get(b.id).inputs.map((m) => boxes.get(m)?.y)).filter(Number.isFinite);
    const target = anchors.length ? anchors.reduce((a, b) => a + b, 0) / anchors.length : 0;
    const shift = target - (y - nodesep) / 2;
    for (const b of placed) boxes.set(b.id, { ...b, y: b.y + shift });
    x += colWidth + ranksep;
  }
  const top = Math.min(...[...boxes.values()].map((b) => b.y - b.height / 2));
  for (const b of boxes.values()) b.y += margin - top;
  return boxes;
}

function edgePoints(e, boxes, trace) {
  const a = boxes.get(e.from);
  const b = boxes.get(e.to);
  const n = trace.nodeById.get(e.to).inputs.length;
  const offset = (e.index - (n - 1) / 2) * Math.min(14, b.height / (n + 1));
  const x0 = a.x + a.width / 2;
  const x1 = b.x - b.width / 2;
  const y0 = a.y;
  const y1 = b.y + offset;
  const dx = Math.max(20, (x1 - x0) / 2);
  return [{ x: x0, y: y0 }, { x: x0 + dx, y: y0 }, { x: x1 - dx, y: y1 }, { x: x1, y: y1 }];
}
