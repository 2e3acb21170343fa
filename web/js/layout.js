/**
 * Layout adapter: a trace graph → positions of node boxes and edge polylines, left to right, by a layered
 * layout (dagre, passed in so node tests and pages load it their own way). Pure: no DOM.
 */

import { asMatrix, decodeTensor, formatNumber, tensorKind } from "./format.js";
import { fastLayout } from "./layout-fast.js";

/** Above this many nodes dagre takes seconds; the fast layered layout takes milliseconds. */
export const DAGRE_LIMIT = 100;

export const BOX = {
  header: 34, // op · label · shape line
  pad: 12,
  scalarWidth: 150,
  scalarRow: 30, // one line of value or gradient text
  cellW: 64,
  cellH: 25,
  heatCell: 10,
  summaryRow: 22,
};

/** The drawing kind of a node from its shape alone (values arrive later). */
export function kindOfShape(shape) {
  const size = shape.reduce((a, b) => a * b, 1);
  return tensorKind({ shape, size, data: size <= 1024 ? [] : null });
}

/** Width and height of the box of a node: a header, then the value block and the gradient block. */
export function nodeSize(node, { grad = true, chars = 6 } = {}) {
  const shape = node.shape ?? [];
  const kind = kindOfShape(shape);
  const block = blockSize(kind, shape, cellWidth(chars));
  const width = Math.max(BOX.scalarWidth, block.width + 2 * BOX.pad, headerWidth(node));
  const height = BOX.header + (grad ? 2 : 1) * block.height + BOX.pad * (grad ? 1.5 : 1);
  return { width, height, kind, block, grad };
}

/** Room the header needs: the label (18px bold) and "op · shape" (13px), estimated per character. */
export function headerWidth(node) {
  const label = [...String(node.label || node.id || "")].length;
  const meta = [...headerMeta({ ...node, shape: node.fullShape ?? node.shape })].length;
  return Math.ceil(label * 11.5 + meta * 7.6 + 2 * BOX.pad + 16);
}

/** The header's right-hand text: "op · shape" (or "role · shape" for leaves). */
export function headerMeta(node) {
  const shape = node.shape ?? [];
  const s = shape.length === 0 ? "scalar" : shape.join("×");
  const leaf = node.op === "leaf" || (node.inputs ?? []).length === 0;
  return `${leaf ? node.role : node.op} · ${s}`;
}

/** Width of a matrix cell holding numbers of up to `chars` characters (16px monospace). */
export function cellWidth(chars) {
  return Math.max(44, Math.ceil(chars * 9.8 + 16));
}

/** The longest formatted number a node shows (values, gradients, updates), in characters. */
export function longestNumber(trace, id) {
  let cache = CHARS.get(trace);
  if (!cache) {
    cache = new Map();
    for (const e of trace.steps) {
      for (const t of [e.value, e.total, e.contribution]) {
        if (!t?.data || t.size > 64) continue;
        const n = Math.max(...t.data.map((v) => [...formatNumber(v)].length));
        cache.set(e.node, Math.max(cache.get(e.node) ?? 1, n));
      }
    }
    CHARS.set(trace, cache);
  }
  return cache.get(id) ?? 6;
}
const CHARS = new WeakMap();

/** Size of one tensor block (value or gradient) of a given kind. */
export function blockSize(kind, shape, cellW = BOX.cellW) {
  const t = decodeTensor({ shape, data: [] });
  const { rows, cols } = asMatrix(t);
  if (kind === "matrix") return { width: cols * cellW, height: rows * BOX.cellH + 6, rows, cols, cellW };
  if (kind === "heatmap") {
    const cell = Math.max(4, Math.min(BOX.heatCell + 4, Math.floor(168 / Math.max(cols, rows))));
    return { width: Math.max(cols * cell, 60), height: rows * cell + 22, rows, cols, cell };
  }
  if (kind === "summary") return { width: 150, height: BOX.summaryRow * 2, rows, cols };
  return { width: 120, height: BOX.scalarRow, rows: 1, cols: 1 };
}

/**
 * Lay out a read trace left to right. A recorded backward pass (nodes with phase "backward") gets its own
 * layered band drawn beside (below) the forward graph, so the forward graph looks as it always does.
 * Returns {width, height, nodes: Map id→box, edges: [{...edge, points, cross?}], clusters}.
 */
export function layoutGraph(dagre, trace, { nodesep = 20, ranksep = 44, margin = 18, limit = DAGRE_LIMIT } = {}) {
  if (trace.nodes.length > limit) return withKinds(fastLayout(trace, (n) => traceNodeSize(trace, n), { nodesep, ranksep, margin }), trace);
  const backward = new Set(trace.nodes.filter((n) => n.phase === "backward").map((n) => n.id));
  const opts = { nodesep, ranksep, margin };
  if (backward.size === 0) {
    const band = dagreBand(dagre, trace, trace.nodes, trace.edges, opts);
    return { ...band, clusters: [] };
  }
  const inBand = (e, back) => backward.has(e.from) === back && backward.has(e.to) === back;
  const fwd = dagreBand(dagre, trace, trace.nodes.filter((n) => !backward.has(n.id)), trace.edges.filter((e) => inBand(e, false)), opts);
  const bwd = dagreBand(dagre, trace, trace.nodes.filter((n) => backward.has(n.id)), trace.edges.filter((e) => inBand(e, true)), opts);
  const title = 30;
  const dy = fwd.height + title;
  const nodes = new Map([...fwd.nodes, ...[...bwd.nodes].map(([id, b]) => [id, { ...b, y: b.y + dy + title }])]);
  const moved = new Map(bwd.edges.map((e) => [e.id, e.points.map((p) => ({ x: p.x, y: p.y + dy + title }))]));
  const edges = trace.edges.map((e) => {
    const own = fwd.edges.find((x) => x.id === e.id)?.points ?? moved.get(e.id);
    return own ? { ...e, points: own } : { ...e, points: crossPoints(nodes.get(e.from), nodes.get(e.to)), cross: true };
  });
  const clusters = [
    { name: "forward", x: fwd.width / 2, y: title / 2 + fwd.height / 2, width: fwd.width - margin, height: fwd.height - margin / 2 },
    { name: "backward", x: bwd.width / 2, y: dy + title + bwd.height / 2, width: bwd.width - margin, height: bwd.height - margin / 2 },
  ];
  for (const b of fwd.nodes.values()) b.y += title / 2;
  for (const e of edges.filter((x) => !x.cross && !moved.has(x.id))) e.points = e.points.map((p) => ({ x: p.x, y: p.y + title / 2 }));
  for (const e of edges.filter((x) => x.cross)) e.points = crossPoints(nodes.get(e.from), nodes.get(e.to));
  return { width: Math.max(fwd.width, bwd.width), height: dy + title + bwd.height, nodes, edges, clusters };
}

/** One dagre layout of some nodes and the edges among them. */
function dagreBand(dagre, trace, nodeList, edgeList, { nodesep, ranksep, margin }) {
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: "LR", align: "UR", nodesep, ranksep, edgesep: 14, marginx: margin, marginy: margin });
  for (const n of nodeList) {
    const size = traceNodeSize(trace, n);
    g.setNode(n.id, { width: size.width, height: size.height });
  }
  for (const e of edgeList) g.setEdge(e.from, e.to, { minlen: 1 }, e.id);
  dagre.layout(g);
  const nodes = new Map();
  for (const n of nodeList) {
    const p = g.node(n.id);
    const size = traceNodeSize(trace, n);
    nodes.set(n.id, { id: n.id, x: p.x, y: p.y, width: p.width, height: p.height, kind: size.kind, block: size.block, grad: size.grad });
  }
  const edges = edgeList.map((e) => ({ ...e, points: g.edge({ v: e.from, w: e.to, name: e.id }).points }));
  const { width, height } = g.graph();
  return { width: nodeList.length ? width : 0, height: nodeList.length ? height : 0, nodes, edges };
}

/** A curve from the bottom of a forward node to the left side of a backward node that reads it. */
function crossPoints(a, b) {
  const start = { x: a.x, y: a.y + a.height / 2 };
  const end = { x: b.x - b.width / 2, y: b.y };
  const mid = (start.y + end.y) / 2;
  return [start, { x: start.x, y: mid }, { x: end.x - 30, y: end.y }, end];
}

/** The node with the shape its values are drawn in (see trace.js shownShapes). */
function drawn(trace, node) {
  const shape = trace.shapes?.get(node.id) ?? node.shape;
  return { ...node, shape, fullShape: node.shape };
}

/** Size of a node's box in this trace: its drawn shape, and a gradient block only if it gets one. */
export function traceNodeSize(trace, node) {
  const grad = !trace.receivers || trace.receivers.size === 0 || trace.receivers.has(node.id);
  const chars = trace.steps ? longestNumber(trace, node.id) : 6;
  return nodeSize(drawn(trace, node), { grad: grad && trace.receivers?.size !== 0, chars });
}

function withKinds(layout, trace) {
  for (const n of trace.nodes) {
    const size = traceNodeSize(trace, n);
    Object.assign(layout.nodes.get(n.id), { kind: size.kind, block: size.block, grad: size.grad });
  }
  return layout;
}


/** Scale and translation that fit a w×h drawing into a viewport, the scale kept within [min, max]. */
export function fitTransform(drawing, viewport, { min = 0.85, max = 2, pad = 16 } = {}) {
  const sx = (viewport.width - 2 * pad) / Math.max(drawing.width, 1);
  const sy = (viewport.height - 2 * pad) / Math.max(drawing.height, 1);
  const k = Math.max(min, Math.min(max, sx, sy));
  const x = Math.max(pad, (viewport.width - drawing.width * k) / 2);
  const y = Math.max(pad, (viewport.height - drawing.height * k) / 2);
  return { k, x, y };
}
