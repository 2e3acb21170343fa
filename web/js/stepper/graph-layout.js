/**
 * Layout adapter: a trace graph → positions of node boxes and edge polylines, left to right, by a layered
 * layout (dagre, passed in so node tests and pages load it their own way). Pure: no DOM.
 */

import { asMatrix, formatNumber, tensorKind } from "../shared/format.js";
import { decodeTensor } from "../shared/tensor-decode.js";
import { fastLayout } from "./graph-layout-fast.js";
import { formatShort } from "./ledger.js";

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

/**
 * Font sizes (CSS px) of a node's texts, as the stylesheet sets them (graph.css --node-* variables); boxes
 * are sized for them. These are the light theme's; the projector's are larger.
 */
export const FONTS = { label: 18, meta: 13, scalar: 21, cell: 16, caption: 13 };

/**
 * The levels of detail, most first: "full" boxes; "compact" ones (label over op, boxes as narrow as their
 * text, tensors of up to SMALL_TENSOR numbers still as numbers, larger ones as small heatmaps); "tight"
 * (every tensor a small heatmap), for graphs too large to read otherwise.
 */
export const DETAILS = ["full", "compact", "tight"];
export const SMALL_TENSOR = 6;

/** Spacing of each level of detail. */
export const SPACING = {
  full: { nodesep: 20, ranksep: 44, margin: 18 },
  compact: { nodesep: 16, ranksep: 34, margin: 6 },
  tight: { nodesep: 16, ranksep: 34, margin: 6 },
};

/** Compact tensor blocks (small heatmaps) stay within this many px. */
const MINI = { width: 64, height: 40, maxCell: 10, minCell: 3 };

/** The drawing kind of a node from its shape alone (values arrive later). */
export function kindOfShape(shape) {
  const size = shape.reduce((a, b) => a * b, 1);
  return tensorKind({ shape, size, data: size <= 1024 ? [] : null });
}

/** Rough text widths: bold sans labels, sans meta text, monospace numbers. */
const textWidth = {
  label: (text, fonts) => [...String(text)].length * 0.64 * fonts.label,
  meta: (text, fonts) => [...String(text)].length * 0.585 * fonts.meta,
  mono: (chars, px) => chars * 0.61 * px,
};

/**
 * Width and height of the box of a node: a header, then the value block and the gradient block. With
 * `detail: "compact"` the header holds the label over the op, tensors become small heatmaps and boxes are
 * only as wide as their text.
 */
export function nodeSize(node, { grad = true, chars = 6, detail = "full", fonts = FONTS } = {}) {
  const shape = node.shape ?? [];
  const kind = kindOfShape(shape);
  if (detail === "compact" || detail === "tight") return compactSize(node, kind, shape, { grad, chars, fonts, numbers: detail === "compact" });
  const block = blockSize(kind, shape, cellWidth(chars, fonts), fonts);
  const header = headerHeight(fonts);
  const width = Math.max(BOX.scalarWidth, block.width + 2 * BOX.pad, headerWidth(node, fonts));
  const height = header + (grad ? 2 : 1) * block.height + BOX.pad * (grad ? 1.5 : 1);
  return { width, height, kind, block, grad, detail: "full", header };
}

/** Height of a full box's header line. */
export function headerHeight(fonts = FONTS) {
  return Math.round(Math.max(BOX.header, fonts.label * 1.9));
}

/** A compact box: label, op (or role) under it, then value and gradient as a number or a small heatmap. */
function compactSize(node, kind, shape, { grad, chars, fonts, numbers }) {
  const meta = compactMeta(node);
  const labelBase = Math.round(5 + 0.95 * fonts.label);
  const metaBase = Math.round(labelBase + 0.3 * fonts.label + 0.95 * fonts.meta);
  const header = Math.round(metaBase + 0.3 * fonts.meta + 5);
  let block;
  if (kind === "scalar") {
    block = { width: textWidth.mono(chars, fonts.scalar), height: Math.round(fonts.scalar * 1.3), rows: 1, cols: 1, mini: false };
  } else if (numbers && kind === "matrix" && shape.reduce((a, b) => a * b, 1) <= SMALL_TENSOR) {
    block = { ...blockSize(kind, shape, cellWidth(chars, fonts, 8), fonts), mini: false };
  } else if (kind === "summary") {
    block = { width: textWidth.mono(9, fonts.cell), height: Math.round(fonts.cell * 1.4), rows: 1, cols: 1, mini: false };
  } else {
    const { rows, cols } = asMatrix(decodeTensor({ shape, data: [] }));
    // square cells while they stay at least minCell px; a long tensor squeezes them along its long side
    const cw = Math.min(MINI.maxCell, MINI.width / cols);
    const ch = Math.min(MINI.maxCell, MINI.height / rows);
    const square = Math.floor(Math.min(cw, ch));
    const [cellW, cellH] = square >= MINI.minCell ? [square, square] : [Math.max(square, cw), Math.max(square, ch)];
    block = { width: cols * cellW, height: rows * cellH, rows, cols, cellW, cellH, mini: true };
  }
  const pad = 10;
  const width = Math.ceil(Math.max(56, textWidth.label(node.label || node.id || "", fonts) + 2 * pad,
    textWidth.meta(meta, fonts) + 2 * pad, block.width + 2 * pad + (block.mini ? 0 : 4)));
  const gap = block.mini ? 6 : 2;
  const height = Math.ceil(header + block.height + (grad ? gap + block.height : 0) + (block.mini ? 12 : 5));
  return { width, height, kind, block, grad, detail: "compact", header, labelBase, metaBase, gap, meta };
}

/** The second header line of a compact box: the op (or the role of a leaf), long names shortened. */
export function compactMeta(node) {
  const leaf = node.op === "leaf" || (node.inputs ?? []).length === 0;
  const text = String(leaf ? node.role ?? "" : node.op ?? "");
  return [...text].length > 12 ? `${[...text].slice(0, 11).join("")}…` : text;
}

/** Room the header needs: the label (18px bold) and "op · shape" (13px), estimated per character. */
export function headerWidth(node, fonts = FONTS) {
  const label = textWidth.label(node.label || node.id || "", fonts);
  const meta = textWidth.meta(headerMeta({ ...node, shape: node.fullShape ?? node.shape }), fonts);
  return Math.ceil(label + meta + 2 * BOX.pad + 16);
}

/** The header's right-hand text: "op · shape" (or "role · shape" for leaves). */
export function headerMeta(node) {
  const shape = node.shape ?? [];
  const s = shape.length === 0 ? "scalar" : shape.join("×");
  const leaf = node.op === "leaf" || (node.inputs ?? []).length === 0;
  return `${leaf ? node.role : node.op} · ${s}`;
}

/** Width of a matrix cell holding numbers of up to `chars` characters (monospace at the cell font). */
export function cellWidth(chars, fonts = FONTS, pad = 16) {
  return Math.max(28 + pad, Math.ceil(textWidth.mono(chars, fonts.cell) + pad));
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
export function blockSize(kind, shape, cellW = BOX.cellW, fonts = FONTS) {
  const t = decodeTensor({ shape, data: [] });
  const { rows, cols } = asMatrix(t);
  const cellH = Math.round(Math.max(BOX.cellH, fonts.cell * 1.55));
  if (kind === "matrix") return { width: cols * cellW, height: rows * cellH + 6, rows, cols, cellW, cellH };
  if (kind === "heatmap") {
    const cell = Math.max(4, Math.min(BOX.heatCell + 4, Math.floor(168 / Math.max(cols, rows))));
    return { width: Math.max(cols * cell, 60), height: rows * cell + 9 + fonts.caption, rows, cols, cell };
  }
  if (kind === "summary") return { width: textWidth.mono(18, fonts.caption) + 8, height: Math.round(fonts.caption * 1.7) * 2, rows, cols };
  return { width: Math.max(120, textWidth.mono(8, fonts.scalar)), height: Math.round(Math.max(BOX.scalarRow, fonts.scalar * 1.45)), rows: 1, cols: 1 };
}

/**
 * Lay out a read trace left to right. A recorded backward pass (nodes with phase "backward") gets its own
 * layered band, drawn below the forward graph (`arrange: "stacked"`) or right of it ("beside"), so the
 * forward graph looks as it always does.
 * Options: `detail` (one of DETAILS), `expanded` (ids drawn in full in a compact layout), `fonts`, `arrange`,
 * `labels` (the characters of contribution labels to make room for between the columns, see labelRoom;
 * 0: none).
 * Returns {width, height, detail, nodes: Map id→box, edges: [{...edge, points, cross?}], clusters}. Edge
 * points run straight through the columns of boxes and bend only in the gaps between columns (edges
 * between the bands go down those gaps and along the corridor between the bands), so no edge crosses a box
 * that is not one of its ends.
 */
export function layoutGraph(dagre, trace, { detail = "full", expanded = null, fonts = FONTS, limit = DAGRE_LIMIT, arrange = "stacked", labels = LABEL_CHARS, ...spacing } = {}) {
  const opts = { ...(SPACING[detail] ?? SPACING.full), ...spacing };
  if (labels > 0 && spacing.ranksep === undefined) opts.ranksep = Math.max(opts.ranksep, labelRoom(trace, fonts, labels));
  const sizeOf = (n) => traceNodeSize(trace, n, { detail: expanded?.has(n.id) ? "full" : detail, fonts });
  if (trace.nodes.length > limit) return { ...withKinds(fastLayout(trace, sizeOf, opts), trace, sizeOf), detail };
  const backward = new Set(trace.nodes.filter((n) => n.phase === "backward").map((n) => n.id));
  if (backward.size === 0) return { ...dagreBand(dagre, trace, trace.nodes, trace.edges, sizeOf, opts), detail, clusters: [] };
  const inBand = (e, back) => backward.has(e.from) === back && backward.has(e.to) === back;
  const fwd = dagreBand(dagre, trace, trace.nodes.filter((n) => !backward.has(n.id)), trace.edges.filter((e) => inBand(e, false)), sizeOf, opts);
  const bwd = dagreBand(dagre, trace, trace.nodes.filter((n) => backward.has(n.id)), trace.edges.filter((e) => inBand(e, true)), sizeOf, opts);
  const title = Math.round(fonts.meta * 2.2);
  const crossing = trace.edges.filter((e) => inBand(e, false) === inBand(e, true));
  // "stacked": the backward band under the forward one, edges between them along the corridor in between;
  // "beside": the backward band right of the forward one, edges between them along a corridor above both
  const beside = arrange === "beside";
  const corridorHeight = beside ? 8 * (crossing.length + 1) : title + opts.margin;
  const at = beside
    ? { fwd: { x: 0, y: corridorHeight + title }, bwd: { x: fwd.width + opts.ranksep, y: corridorHeight + title } }
    : { fwd: { x: 0, y: title }, bwd: { x: 0, y: 2 * title + fwd.height } };
  const corridor = beside ? { top: 0, bottom: corridorHeight } : { top: title + fwd.height - opts.margin / 2, bottom: 2 * title + fwd.height + opts.margin / 2 };
  const move = (d) => (p) => ({ ...p, x: p.x + d.x, y: p.y + d.y });
  const nodes = new Map([...[...fwd.nodes].map(([id, b]) => [id, move(at.fwd)(b)]), ...[...bwd.nodes].map(([id, b]) => [id, move(at.bwd)(b)])]);
  const own = new Map([...fwd.edges.map((e) => [e.id, e.points.map(move(at.fwd))]), ...bwd.edges.map((e) => [e.id, e.points.map(move(at.bwd))])]);
  const gaps = { fwd: fwd.columns.map((c) => ({ ...c, x: c.x + at.fwd.x })), bwd: bwd.columns.map((c) => ({ ...c, x: c.x + at.bwd.x })) };
  const edges = trace.edges.map((e) => {
    if (own.has(e.id)) return { ...e, points: own.get(e.id) };
    const lane = corridor.top + ((crossing.indexOf(e) + 1) / (crossing.length + 1)) * (corridor.bottom - corridor.top);
    return { ...e, cross: true, points: crossRoute(nodes.get(e.from), nodes.get(e.to), gaps, lane, opts.ranksep, e.index, trace.nodeById.get(e.to).inputs.length) };
  });
  const cluster = (name, band, d) => ({ name, x: d.x + band.width / 2, y: d.y + band.height / 2, width: band.width - opts.margin, height: band.height - opts.margin / 2 });
  const clusters = [cluster("forward", fwd, at.fwd), cluster("backward", bwd, at.bwd)];
  const width = beside ? at.bwd.x + bwd.width : Math.max(fwd.width, bwd.width);
  const height = beside ? at.fwd.y + Math.max(fwd.height, bwd.height) : at.bwd.y + bwd.height;
  return { width, height, detail, arrange, nodes, edges, clusters };
}

/** The most characters of a contribution label that the gaps between columns are made wide enough for. */
export const LABEL_CHARS = 5;
/** The room a graph view tries, most first, while the text stays legible (0: none). */
export const LABEL_ROOMS = [LABEL_CHARS, 4, 3, 0];

/**
 * Room between columns for the contribution labels of a trace's backward pass (edge-labels.js): their
 * short text (ledger.js formatShort) up to `most` characters at the cell font, padded, with a few px
 * clear either side; 0 for a trace without contributions.
 */
export function labelRoom(trace, fonts = FONTS, most = LABEL_CHARS) {
  let chars = 0;
  for (const e of trace.steps ?? []) {
    if (e.type !== "backward" || e.from == null) continue;
    chars = Math.max(chars, Math.min(most, [...formatShort(e.contribution)].length));
  }
  return chars === 0 ? 0 : Math.ceil(textWidth.mono(chars, fonts.cell) + 2 * 5 + 2 * 3);
}

/** One dagre layout of some nodes and the edges among them, edges routed through the column gaps. */
function dagreBand(dagre, trace, nodeList, edgeList, sizeOf, { nodesep, ranksep, margin }) {
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: "LR", align: "UR", nodesep, ranksep, edgesep: 14, marginx: margin, marginy: margin });
  const sizes = new Map(nodeList.map((n) => [n.id, sizeOf(n)]));
  for (const n of nodeList) g.setNode(n.id, { width: sizes.get(n.id).width, height: sizes.get(n.id).height });
  for (const e of edgeList) g.setEdge(e.from, e.to, { minlen: 1 }, e.id);
  dagre.layout(g);
  const nodes = new Map();
  for (const n of nodeList) {
    const p = g.node(n.id);
    nodes.set(n.id, { ...sizes.get(n.id), id: n.id, x: p.x, y: p.y, width: p.width, height: p.height });
  }
  const columns = columnsOf(nodes);
  const edges = edgeList.map((e) => ({
    ...e,
    points: routeEdge(nodes.get(e.from), nodes.get(e.to), g.edge({ v: e.from, w: e.to, name: e.id }).points, columns, e.index, trace.nodeById.get(e.to).inputs.length),
  }));
  const { width, height } = g.graph();
  return { width: nodeList.length ? width : 0, height: nodeList.length ? height : 0, nodes, edges, columns };
}

/**
 * An edge from a forward box down to a backward box: out of the source's right side into the gap after its
 * column, down that gap to the corridor between the bands (at height `lane`), along it to the gap before
 * the target's column, down to the target's input height and into its left side. Corners are rounded
 * within a few px, so the curve stays in the gaps.
 */
export function crossRoute(a, b, gaps, lane, ranksep, index = 0, inputs = 1) {
  const column = (cols, x) => cols.find((c) => Math.abs(c.x - x) < 0.5);
  const colA = column(gaps.fwd, a.x) ?? { x: a.x, half: a.width / 2 };
  const colB = column(gaps.bwd, b.x) ?? { x: b.x, half: b.width / 2 };
  const spread = Math.min(16, b.height / (inputs + 1));
  const yB = b.y + (index - (inputs - 1) / 2) * spread;
  const xA = colA.x + colA.half + ranksep / 2;
  const xB = Math.max(2, colB.x - colB.half - ranksep / 2);
  const corners = [{ x: a.x + a.width / 2, y: a.y }, { x: xA, y: a.y }, { x: xA, y: lane }, { x: xB, y: lane }, { x: xB, y: yB }, { x: b.x - b.width / 2, y: yB }];
  return roundCorners(corners, Math.min(8, ranksep / 4));
}

/** Points of a polyline with each corner flanked by points `r` before and after it (for a B-spline). */
function roundCorners(points, r) {
  const out = [points[0]];
  for (let i = 1; i < points.length - 1; i++) {
    const [p, c, n] = [points[i - 1], points[i], points[i + 1]];
    const towards = (q) => {
      const d = Math.hypot(q.x - c.x, q.y - c.y);
      const t = d > 0 ? Math.min(r, d / 2) / d : 0;
      return { x: c.x + (q.x - c.x) * t, y: c.y + (q.y - c.y) * t };
    };
    out.push(towards(p), c, towards(n));
  }
  out.push(points.at(-1));
  return out;
}

/** The columns (ranks) of a left-to-right layout: centre x and half the widest box's width. */
export function columnsOf(nodes) {
  const columns = new Map();
  for (const b of nodes.values()) {
    const key = Math.round(b.x);
    const c = columns.get(key);
    columns.set(key, { x: b.x, half: Math.max(c?.half ?? 0, b.width / 2) });
  }
  return [...columns.values()].sort((a, b) => a.x - b.x);
}

/**
 * The polyline of one edge: out of the source's right side, straight through its column, through the
 * column crossings dagre chose for a long edge (each run straight across the column), into the target's
 * left side (inputs spread down that side in input order). Only the pieces between columns bend, and no
 * box stands there.
 */
export function routeEdge(a, b, dagrePoints, columns, index = 0, inputs = 1) {
  const column = (x) => columns.find((c) => Math.abs(c.x - x) < 0.5);
  const colA = column(a.x) ?? { x: a.x, half: a.width / 2 };
  const colB = column(b.x) ?? { x: b.x, half: b.width / 2 };
  const spread = Math.min(16, b.height / (inputs + 1));
  const yB = b.y + (index - (inputs - 1) / 2) * spread;
  const points = [{ x: a.x + a.width / 2, y: a.y }, { x: colA.x + colA.half, y: a.y }];
  for (const p of (dagrePoints ?? []).slice(1, -1)) {
    const c = column(p.x);
    if (!c || c === colA || c === colB) continue;
    points.push({ x: c.x - c.half, y: p.y }, { x: c.x + c.half, y: p.y });
  }
  points.push({ x: colB.x - colB.half, y: yB }, { x: b.x - b.width / 2, y: yB });
  return points.filter((p, i) => i === 0 || Math.abs(p.x - points[i - 1].x) > 0.01 || Math.abs(p.y - points[i - 1].y) > 0.01);
}

/** The node with the shape its values are drawn in (see trace.js shownShapes). */
function drawn(trace, node) {
  const shape = trace.shapes?.get(node.id) ?? node.shape;
  return { ...node, shape, fullShape: node.shape };
}

/** Size of a node's box in this trace: its drawn shape, and a gradient block only if it gets one. */
export function traceNodeSize(trace, node, { detail = "full", fonts = FONTS } = {}) {
  const grad = !trace.receivers || trace.receivers.size === 0 || trace.receivers.has(node.id);
  const chars = trace.steps ? longestNumber(trace, node.id) : 6;
  return nodeSize(drawn(trace, node), { grad: grad && trace.receivers?.size !== 0, chars, detail, fonts });
}

function withKinds(layout, trace, sizeOf) {
  for (const n of trace.nodes) Object.assign(layout.nodes.get(n.id), sizeOf(n));
  return layout;
}


/**
 * Scale and translation that fit a w×h drawing into a viewport {width, height, x?, y?} (an area that may
 * start right of or below the origin), centred, the scale kept within [min, max].
 */
export function fitTransform(drawing, viewport, { min = 0, max = 2, pad = 16 } = {}) {
  const sx = (viewport.width - 2 * pad) / Math.max(drawing.width, 1);
  const sy = (viewport.height - 2 * pad) / Math.max(drawing.height, 1);
  const k = Math.max(min, Math.min(max, sx, sy));
  const x = (viewport.x ?? 0) + Math.max(pad, (viewport.width - drawing.width * k) / 2);
  const y = (viewport.y ?? 0) + Math.max(pad, (viewport.height - drawing.height * k) / 2);
  return { k, x, y };
}
