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
 * Font sizes (CSS px) of a node's texts and of the contribution labels on the edges (`edge`), as the
 * stylesheet sets them (graph.css --node-* variables); boxes and the gaps between columns are sized for
 * them. These are the light theme's; the projector's are larger.
 */
export const FONTS = { label: 18, meta: 13, scalar: 21, cell: 16, caption: 13, edge: 16 };

/**
 * The levels of detail, most first: "full" boxes; "row" ones (label and op on one line, the value and the
 * gradient side by side as in a compact box: low boxes, for graphs whose columns stand tall); "compact"
 * ones (label over op, boxes as narrow as their text, tensors of up to SMALL_TENSOR numbers still as
 * numbers, larger ones as small heatmaps); "tight" (every tensor a small heatmap), for graphs too large to
 * read otherwise.
 */
export const DETAILS = ["full", "row", "compact", "tight"];
export const SMALL_TENSOR = 6;

/** Spacing of each level of detail. */
export const SPACING = {
  full: { nodesep: 20, ranksep: 44, margin: 18 },
  row: { nodesep: 16, ranksep: 34, margin: 6 },
  compact: { nodesep: 16, ranksep: 34, margin: 6 },
  tight: { nodesep: 16, ranksep: 34, margin: 6 },
};

/** Packed bands (packBand) have their columns this much as far apart as SPACING's. */
export const PACKED_GAPS = 0.8;

/** Compact tensor blocks (small heatmaps) stay within this many px. */
const MINI = { width: 64, height: 40, maxCell: 10, minCell: 3 };

/** The drawing kind of a node from its shape alone (values arrive later). */
export function kindOfShape(shape) {
  const size = shape.reduce((a, b) => a * b, 1);
  return tensorKind({ shape, size, data: size <= 1024 ? [] : null });
}

/**
 * Text widths: bold sans labels, sans meta text, monospace numbers. A page passes `fonts.measure(text,
 * kind)`, the width of the text as it draws it (kind "label" or "meta"; undefined where it cannot tell):
 * boxes then fit their names, not a rough estimate of them, which for most fonts is the wider.
 */
const textWidth = {
  label: (text, fonts) => fonts.measure?.(String(text), "label") ?? [...String(text)].length * 0.64 * fonts.label,
  meta: (text, fonts) => fonts.measure?.(String(text), "meta") ?? [...String(text)].length * 0.585 * fonts.meta,
  mono: (chars, px) => chars * 0.61 * px,
};

/**
 * Width and height of the box of a node: a header, then the value block and the gradient block. With
 * `detail: "compact"` the header holds the label over the op, tensors become small heatmaps and boxes are
 * only as wide as their text.
 */
export function nodeSize(node, { grad = true, chars = 6, detail = "full", fonts = FONTS, width: least = 0 } = {}) {
  const shape = node.shape ?? [];
  const kind = kindOfShape(shape);
  if (detail === "compact" || detail === "tight") return compactSize(node, kind, shape, { grad, chars, fonts, numbers: detail === "compact", least });
  if (detail === "row") return rowSize(node, kind, shape, { grad, chars, fonts });
  const block = blockSize(kind, shape, cellWidth(chars, fonts), fonts);
  const header = headerHeight(fonts);
  const width = Math.max(BOX.scalarWidth, block.width + 2 * BOX.pad, headerWidth(node, fonts));
  const height = header + (grad ? 2 : 1) * block.height + BOX.pad * (grad ? 1.5 : 1);
  return { width, height, kind, block, grad, detail: "full", header, slot: width };
}

/** Height of a full box's header line. */
export function headerHeight(fonts = FONTS) {
  return Math.round(Math.max(BOX.header, fonts.label * 1.9));
}

/**
 * A compact box: label, op (or role) under it, then value and gradient as a number or a small heatmap. At
 * least `least` px wide (a box as wide as its column): a label in two lines may then have room for the op
 * beside it.
 */
function compactSize(node, kind, shape, { grad, chars, fonts, numbers, least = 0 }) {
  const meta = compactMeta(node);
  const lines = labelLines(node.label || node.id || "");
  const lineGap = Math.round(1.15 * fonts.label);
  const block = compactBlock(kind, shape, { chars, fonts, numbers });
  const pad = 10;
  const width = Math.ceil(Math.max(least, 56, ...lines.map((line) => textWidth.label(line, fonts) + 2 * pad),
    (lines.length > 1 ? 0 : textWidth.meta(meta, fonts)) + 2 * pad, block.width + 2 * pad + (block.mini ? 0 : 4)));
  // a label in two lines has the op beside its first line where that fits, else under its last
  const besideWidth = lines.length > 1 ? Math.ceil(textWidth.label(lines[0], fonts) + 12 + textWidth.meta(meta, fonts) + 2 * pad) : Infinity;
  const metaBeside = besideWidth <= width;
  const labelBase = Math.round(5 + 0.95 * fonts.label);
  const lastLine = labelBase + (lines.length - 1) * lineGap;
  const metaBase = metaBeside ? labelBase : Math.round(lastLine + 0.3 * fonts.label + 0.95 * fonts.meta);
  const header = Math.round(metaBeside ? lastLine + 0.3 * fonts.label + 5 : metaBase + 0.3 * fonts.meta + 5);
  const wide = metaBeside ? width : Math.ceil(Math.max(width, textWidth.meta(meta, fonts) + 2 * pad));
  const gap = block.mini ? 6 : 2;
  const height = Math.ceil(header + block.height + (grad ? gap + block.height : 0) + (block.mini ? 12 : 5));
  return { width: wide, height, kind, block, grad, detail: "compact", header, lines, lineGap, labelBase, metaBase, metaBeside, besideWidth, gap, meta, slot: wide };
}

/**
 * A compact box's label as lines: a long name of a backward node ("∂y/∂x ← (x·x)·x", "∂y/∂x (2 of 4)")
 * breaks before its arrow or its bracket, so that its box is as narrow as the longer half.
 */
export function labelLines(label, most = 9) {
  const text = String(label);
  if ([...text].length <= most) return [text];
  const at = text.lastIndexOf(" ← ") > 0 ? text.lastIndexOf(" ← ") : text.indexOf(" (");
  return at > 0 ? [text.slice(0, at), text.slice(at + 1)] : [text];
}

/**
 * A row box: a compact box whose label and op share the header line and whose value and gradient stand
 * side by side, each in a slot of half the box: lower and wider than a compact box.
 */
function rowSize(node, kind, shape, { grad, chars, fonts }) {
  const meta = compactMeta(node);
  const lines = labelLines(node.label || node.id || "");
  const lineGap = Math.round(1.15 * fonts.label);
  const header = headerHeight(fonts) + (lines.length - 1) * lineGap;
  const block = compactBlock(kind, shape, { chars, fonts, numbers: true });
  const pad = 10;
  const slot = Math.ceil(block.width + 2 * pad + (block.mini ? 0 : 4));
  const title = Math.max(...lines.map((line, i) => textWidth.label(line, fonts) + (meta && i === 0 ? textWidth.meta(meta, fonts) + 12 : 0))) + 2 * pad;
  const width = Math.ceil(Math.max(56, title, grad ? 2 * slot : slot));
  const height = Math.ceil(header + block.height + (block.mini ? 14 : 7));
  const labelBase = Math.round(headerHeight(fonts) / 2 + 0.35 * fonts.label);
  return { width, height, kind, block, grad, detail: "compact", row: true, header, lines, lineGap, labelBase, metaBase: labelBase, metaBeside: true, gap: 0, meta, slot: grad ? width / 2 : width };
}

/** The value (and gradient) block of a compact or row box: a number, a few numbers or a small heatmap. */
function compactBlock(kind, shape, { chars, fonts, numbers }) {
  if (kind === "scalar") {
    return { width: textWidth.mono(chars, fonts.scalar), height: Math.round(fonts.scalar * 1.3), rows: 1, cols: 1, mini: false };
  }
  if (numbers && kind === "matrix" && shape.reduce((a, b) => a * b, 1) <= SMALL_TENSOR) {
    return { ...blockSize(kind, shape, cellWidth(chars, fonts, 8), fonts), mini: false };
  }
  if (kind === "summary") {
    return { width: textWidth.mono(9, fonts.cell), height: Math.round(fonts.cell * 1.4), rows: 1, cols: 1, mini: false };
  }
  const { rows, cols } = asMatrix(decodeTensor({ shape, data: [] }));
  // square cells while they stay at least minCell px; a long tensor squeezes them along its long side
  const cw = Math.min(MINI.maxCell, MINI.width / cols);
  const ch = Math.min(MINI.maxCell, MINI.height / rows);
  const square = Math.floor(Math.min(cw, ch));
  const [cellW, cellH] = square >= MINI.minCell ? [square, square] : [Math.max(square, cw), Math.max(square, ch)];
  return { width: cols * cellW, height: rows * cellH, rows, cols, cellW, cellH, mini: true };
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
 * forward graph looks as it always does. A graph without one may be wrapped like a line of text
 * (`arrange: "wrap"`, see wrapBand): a long chain then fills a screen that is not as wide as it is.
 * Options: `detail` (one of DETAILS), `expanded` (ids drawn in full in a compact layout), `fonts`, `arrange`,
 * `labels` (the characters of contribution labels to make room for between the columns, see labelRoom;
 * 0: none), `pack` (the two bands packed where that makes them lower, see packBand).
 * Returns {width, height, detail, nodes: Map id→box, edges: [{...edge, points, cross?}], clusters,
 * edgeLabels (whether contribution labels are drawn on the edges), packed (whether a band is)}. Edge
 * points run straight through the columns of boxes and bend only in the gaps between columns (edges
 * between the bands go down those gaps and along the corridor between the bands), so no edge crosses a box
 * that is not one of its ends.
 */
export function layoutGraph(dagre, trace, { detail = "full", expanded = null, fonts = FONTS, limit = DAGRE_LIMIT, arrange = "stacked", labels = LABEL_CHARS, pack = false, ...spacing } = {}) {
  const opts = { ...(SPACING[detail] ?? SPACING.full), ...spacing };
  if (labels > 0 && spacing.ranksep === undefined) opts.ranksep = Math.max(opts.ranksep, labelRoom(trace, fonts, labels));
  const sizeOf = (n, width = 0) => traceNodeSize(trace, n, { detail: expanded?.has(n.id) ? "full" : detail, fonts, width });
  const edgeLabels = labelRoom(trace, fonts, 1) > 0; // the drawing carries contribution labels
  if (trace.nodes.length > limit) return { ...withKinds(fastLayout(trace, sizeOf, opts), trace, sizeOf), detail, edgeLabels };
  const backward = new Set(trace.nodes.filter((n) => n.phase === "backward").map((n) => n.id));
  if (backward.size === 0) {
    const band = dagreBand(dagre, trace, trace.nodes, trace.edges, sizeOf, opts);
    return { ...(arrange === "wrap" ? wrapBand(band, trace, opts) : { ...band, arrange: "stacked" }), detail, clusters: [], edgeLabels };
  }
  const inBand = (e, back) => backward.has(e.from) === back && backward.has(e.to) === back;
  // packed (`pack`): a band as low as its tallest column, its columns closer (packBand), where that is lower
  const band = (back) => {
    const laid = (o) => dagreBand(dagre, trace, trace.nodes.filter((n) => backward.has(n.id) === back), trace.edges.filter((e) => inBand(e, back)), sizeOf, o);
    const gaps = { ...opts, ranksep: Math.max(Math.round(PACKED_GAPS * opts.ranksep), labels > 0 ? labelRoom(trace, fonts, labels) : 0) };
    // its title, written across the band's top edge, clear of the boxes stacked up to that edge
    const packed = pack ? packBand(laid(gaps), trace, { ...opts, top: Math.round(fonts.meta / 2) }, sizeOf) : null;
    return packed?.packed ? packed : laid(opts);
  };
  const [fwd, bwd] = [band(false), band(true)];
  const title = Math.round(fonts.meta * 2.2);
  const crossing = trace.edges.filter((e) => inBand(e, false) === inBand(e, true));
  // the edges between the bands from one source share a lane of the corridor (a bus that branches off
  // to each of its targets): a lane per source, not per edge
  const sources = [...new Set(crossing.map((e) => e.from))];
  // "stacked": the backward band under the forward one, edges between them along the corridor in between;
  // "beside": the backward band right of the forward one, edges between them along a corridor above both
  const beside = arrange === "beside";
  const corridorHeight = beside ? 6 * (sources.length + 1) : title + opts.margin;
  const at = beside
    ? { fwd: { x: 0, y: corridorHeight + title }, bwd: { x: fwd.width + opts.ranksep / 2, y: corridorHeight + title } }
    : { fwd: { x: 0, y: title }, bwd: { x: 0, y: 2 * title + fwd.height } };
  const corridor = beside ? { top: 0, bottom: corridorHeight } : { top: title + fwd.height - opts.margin / 2, bottom: 2 * title + fwd.height + opts.margin / 2 };
  const move = (d) => (p) => ({ ...p, x: p.x + d.x, y: p.y + d.y });
  const nodes = new Map([...[...fwd.nodes].map(([id, b]) => [id, move(at.fwd)(b)]), ...[...bwd.nodes].map(([id, b]) => [id, move(at.bwd)(b)])]);
  const own = new Map([...fwd.edges.map((e) => [e.id, e.points.map(move(at.fwd))]), ...bwd.edges.map((e) => [e.id, e.points.map(move(at.bwd))])]);
  const gaps = { fwd: fwd.columns.map((c) => ({ ...c, x: c.x + at.fwd.x, gap: fwd.ranksep })), bwd: bwd.columns.map((c) => ({ ...c, x: c.x + at.bwd.x, gap: bwd.ranksep })) };
  const edges = trace.edges.map((e) => {
    if (own.has(e.id)) return { ...e, points: own.get(e.id) };
    const lane = corridor.top + ((sources.indexOf(e.from) + 1) / (sources.length + 1)) * (corridor.bottom - corridor.top);
    return { ...e, cross: true, points: crossRoute(nodes.get(e.from), nodes.get(e.to), gaps, lane, opts.ranksep, e.index, trace.nodeById.get(e.to).inputs.length) };
  });
  const cluster = (name, band, d) => ({ name, x: d.x + band.width / 2, y: d.y + band.height / 2, width: band.width - opts.margin, height: band.height - opts.margin / 2 });
  const clusters = [cluster("forward", fwd, at.fwd), cluster("backward", bwd, at.bwd)];
  const width = beside ? at.bwd.x + bwd.width : Math.max(fwd.width, bwd.width);
  const height = beside ? at.fwd.y + Math.max(fwd.height, bwd.height) : at.bwd.y + bwd.height;
  return { width, height, detail, arrange: beside ? "beside" : "stacked", packed: !!(fwd.packed || bwd.packed), nodes, edges, clusters, edgeLabels };
}

/**
 * A band of columns wrapped in two, as a line of text wraps: the columns right of the split (chosen so the
 * wider half is as narrow as it can be) move under the others, left-aligned, and each edge from the first
 * half to the second leaves its source into the gap after the source's column, runs down that gap to a
 * corridor between the halves (a lane each), along it, and down the gap before the target's column. No
 * edge crosses a box: the gaps and the corridor hold none. A band of fewer than 3 columns stays as it is.
 */
export function wrapBand(band, trace, { ranksep, margin }) {
  const { columns } = band;
  if (columns.length < 3) return { ...band, arrange: "stacked" };
  const left = (c) => c.x - c.half;
  const right = (c) => c.x + c.half;
  let split = 1;
  let best = Infinity;
  for (let i = 1; i < columns.length; i++) {
    const first = right(columns[i - 1]) - left(columns[0]);
    const second = right(columns.at(-1)) - left(columns[i]);
    if (Math.max(first, second) < best) [best, split] = [Math.max(first, second), i];
  }
  const second = new Set(columns.slice(split).map((c) => Math.round(c.x)));
  const inSecond = (b) => second.has(Math.round(b.x));
  const extent = (boxes) => ({ top: Math.min(...boxes.map((b) => b.y - b.height / 2)), bottom: Math.max(...boxes.map((b) => b.y + b.height / 2)) });
  const boxes = [...band.nodes.values()];
  const a = extent(boxes.filter((b) => !inSecond(b)));
  const b = extent(boxes.filter(inSecond));
  const crossing = band.edges.filter((e) => !inSecond(band.nodes.get(e.from)) && inSecond(band.nodes.get(e.to)));
  const lane = Math.max(8, Math.min(14, ranksep / 3));
  const corridor = { top: a.bottom + margin, bottom: a.bottom + margin + lane * (crossing.length + 1) };
  const d = { x: margin - left(columns[split]), y: corridor.bottom + margin - b.top };
  const move = (p) => ({ ...p, x: p.x + d.x, y: p.y + d.y });
  const nodes = new Map([...band.nodes].map(([id, box]) => [id, inSecond(box) ? move(box) : box]));
  const gaps = { fwd: columns.slice(0, split), bwd: columns.slice(split).map((c) => ({ ...c, x: c.x + d.x })) };
  const edges = band.edges.map((e) => {
    const [from, to] = [band.nodes.get(e.from), band.nodes.get(e.to)];
    if (!inSecond(to)) return e;
    if (inSecond(from)) return { ...e, points: e.points.map(move) };
    const y = corridor.top + (crossing.indexOf(e) + 1) * lane;
    return { ...e, wrapped: true, points: crossRoute(nodes.get(e.from), nodes.get(e.to), gaps, y, ranksep, e.index, trace.nodeById.get(e.to).inputs.length) };
  });
  // the wrapped edges turn down half a gap right of the first half's last column
  const width = Math.max(right(columns[split - 1]) + Math.max(margin, ranksep / 2 + 4), right(columns.at(-1)) + d.x + margin);
  const height = b.bottom + d.y + margin;
  return { ...band, width, height, nodes, edges, arrange: "wrap", columns: [...gaps.fwd, ...gaps.bwd] };
}

/**
 * A band packed as low as its tallest column: each column's boxes (and the long edges passing through it)
 * keep their order and stack `nodesep` apart, the stack centred on the mean height of its boxes' inputs as
 * far as the band allows. Where a column stands taller than the others could be made, its compact boxes
 * whose two-line labels have the op under them widen until the op fits beside (`sizeOf(node, width)`): lower
 * boxes, the column (and the columns right of it) moved over by what it widened. Dagre lines a node up with
 * its neighbours, which can leave a band of three rows of boxes four rows high; packed, edges bend more
 * (still only between the columns, and a long edge still passes a column where no box is). `top` px more
 * stay free above the boxes (for the band's title). The band as it was where packing does not make it lower.
 */
export function packBand(band, trace, { nodesep, margin, top = 0 }, sizeOf) {
  const column = (cols, x) => cols.findIndex((c) => Math.abs(c.x - x) < 0.5);
  const items = band.columns.map(() => []);
  for (const box of band.nodes.values()) {
    const wide = Math.max(2 * band.columns[column(band.columns, box.x)].half, box.besideWidth);
    const low = box.lines?.length > 1 && !box.metaBeside && !box.row && Number.isFinite(wide) ? sizeOf(trace.nodeById.get(box.id), wide) : null;
    const lower = low?.metaBeside && low.height < box.height ? { ...box, ...low } : null;
    items[column(band.columns, box.x)].push({ box, lower, y: box.y, height: box.height });
  }
  // a long edge passes each column between its ends at the height its routed polyline crosses it
  const passes = band.edges.map((e) => {
    const [a, b] = [column(band.columns, band.nodes.get(e.from).x), column(band.columns, band.nodes.get(e.to).x)];
    return band.columns.slice(a + 1, b).map((c, i) => {
      const y = e.points.find((p) => Math.abs(p.x - (c.x - c.half)) < 0.01)?.y ?? band.nodes.get(e.from).y;
      const pass = { y, height: 0 };
      items[a + 1 + i].push(pass);
      return pass;
    });
  });
  const extent = (list, low = false) => list.reduce((h, it) => h + ((low && it.lower) || it).height, 0) + (list.length - 1) * nodesep;
  const floor = Math.max(...items.map((list) => extent(list, true)));
  let shift = 0;
  band.columns.forEach((c, i) => {
    const widen = extent(items[i]) > floor;
    const half = Math.max(...items[i].filter((it) => it.box).map((it) => (widen && it.lower ? it.lower : it.box).width / 2));
    for (const it of items[i]) {
      if (widen && it.lower) [it.box, it.height] = [it.lower, it.lower.height];
      if (it.box) it.box = { ...it.box, x: it.box.x + shift + half - c.half };
    }
    shift += 2 * (half - c.half);
  });
  const height = Math.max(...items.map((list) => extent(list))) + 2 * margin + top;
  if (height >= band.height - 0.5) return band;
  const placed = new Map();
  for (const list of items) {
    list.sort((p, q) => p.y - q.y);
    const anchors = list.flatMap((it) => (it.box ? trace.nodeById.get(it.box.id).inputs.map((id) => placed.get(id)?.y) : []))
      .filter(Number.isFinite);
    const size = extent(list);
    const centre = anchors.length ? anchors.reduce((a, b) => a + b, 0) / anchors.length : (height + top) / 2;
    let y = Math.min(Math.max(margin + top, centre - size / 2), height - margin - size);
    for (const it of list) {
      it.y = y + it.height / 2;
      if (it.box) placed.set(it.box.id, { ...it.box, y: it.y });
      y += it.height + nodesep;
    }
  }
  const columns = columnsOf(placed);
  const edges = band.edges.map((e, i) => {
    const [a, b] = [placed.get(e.from), placed.get(e.to)];
    const via = [{ x: a.x, y: a.y }, ...passes[i].map((p, k) => ({ x: columns[column(columns, a.x) + 1 + k].x, y: p.y })), { x: b.x, y: b.y }];
    return { ...e, points: routeEdge(a, b, via, columns, e.index, trace.nodeById.get(e.to).inputs.length) };
  });
  return { ...band, width: band.width + shift, height, nodes: placed, edges, columns, packed: true };
}

/** The most characters of a contribution label that the gaps between columns are made wide enough for. */
export const LABEL_CHARS = 5;
/** The room a graph view tries, most first, while the text stays legible (0: none). */
export const LABEL_ROOMS = [LABEL_CHARS, 4, 3, 0];

/**
 * Room between columns for the contribution labels of a trace's backward pass (edge-labels.js): their
 * short text (ledger.js formatShort) up to `most` characters at the edge font, padded, with a few px
 * clear either side; 0 for a trace without contributions.
 */
export function labelRoom(trace, fonts = FONTS, most = LABEL_CHARS) {
  let chars = 0;
  for (const e of trace.steps ?? []) {
    if (e.type !== "backward" || e.from == null) continue;
    chars = Math.max(chars, Math.min(most, [...formatShort(e.contribution)].length));
  }
  return chars === 0 ? 0 : Math.ceil(textWidth.mono(chars, Math.max(fonts.edge ?? 0, fonts.cell)) + 2 * 5 + 2 * 3);
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
  return { width: nodeList.length ? width : 0, height: nodeList.length ? height : 0, nodes, edges, columns, ranksep };
}

/**
 * An edge from a forward box down to a backward box: out of the source's right side into the gap after its
 * column, down that gap to the corridor between the bands (at height `lane`), along it to the gap before
 * the target's column, down to the target's input height and into its left side (down the middle of a gap:
 * a column's `gap`, else `ranksep`). Corners are rounded within a few px, so the curve stays in the gaps.
 */
export function crossRoute(a, b, gaps, lane, ranksep, index = 0, inputs = 1) {
  const column = (cols, x) => cols.find((c) => Math.abs(c.x - x) < 0.5);
  const colA = column(gaps.fwd, a.x) ?? { x: a.x, half: a.width / 2 };
  const colB = column(gaps.bwd, b.x) ?? { x: b.x, half: b.width / 2 };
  const spread = Math.min(16, b.height / (inputs + 1));
  const yB = b.y + (index - (inputs - 1) / 2) * spread;
  const xA = colA.x + colA.half + (colA.gap ?? ranksep) / 2;
  const xB = Math.max(2, colB.x - colB.half - (colB.gap ?? ranksep) / 2);
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
export function traceNodeSize(trace, node, { detail = "full", fonts = FONTS, width = 0 } = {}) {
  const grad = !trace.receivers || trace.receivers.size === 0 || trace.receivers.has(node.id);
  const chars = trace.steps ? longestNumber(trace, node.id) : 6;
  return nodeSize(drawn(trace, node), { grad: grad && trace.receivers?.size !== 0, chars, detail, fonts, width });
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
