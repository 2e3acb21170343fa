/**
 * The lasting record of the backward pass: which contributions stay written on their edges at a step
 * (each from the step it arrives until the user steps back over it), the gradient table (per node: each
 * contribution with its source, the running total, final or pending), and a placement of edge labels
 * that keeps them off each other and off the node boxes. Pure: no DOM.
 */

import { edgeId } from "./trace.js";
import { formatBrief, formatNumber, formatShape, summarize } from "../shared/format.js";

/**
 * A tensor in few characters, for a label on an edge (edges between the columns of a net are short):
 * "3", "[−1.5, 3]", else "μ 0.19", the mean (the node beside it shows the shape). `withShape` keeps
 * the shape: "4×2 μ 0.19".
 */
export function formatCompact(t, { withShape = false } = {}) {
  if (!t) return "";
  if (t.data && t.size === 1) return formatNumber(t.data[0], 3);
  if (t.data && t.size <= 3) return `[${t.data.map((v) => formatNumber(v, 2)).join(", ")}]`;
  const mean = `μ ${formatNumber(summarize(t).mean, 2)}`;
  return withShape ? `${formatShape(t.shape)} ${mean}` : mean;
}

/**
 * The same in fewer characters, for an edge with no room for formatCompact's text: a number to 2
 * digits, a short vector without spaces, a larger tensor's mean with its "μ" but no space ("μ 0.19" →
 * "μ0.19"): a tensor never reads as a bare number. The label's title and the gradient table keep the full
 * value.
 */
export function formatShort(t) {
  if (!t) return "";
  if (t.data && t.size === 1) return formatNumber(t.data[0], 2);
  if (t.data && t.size <= 3) return `[${t.data.map((v) => formatNumber(v, 2)).join(",")}]`;
  return `μ${formatNumber(summarize(t).mean, 2)}`;
}

/** The contributions visible at `step`: backward events 1…step that travelled along an edge, in order. */
export function edgeLabels(timeline, step) {
  const { steps, nodeById } = timeline.trace;
  const out = [];
  const last = Math.max(0, Math.min(step, steps.length));
  for (let i = 0; i < last; i++) {
    const e = steps[i];
    if (e.type !== "backward" || e.from == null) continue;
    out.push({
      edge: edgeId(e.node, e.from, e.input_index),
      step: i + 1,
      node: e.node,
      from: e.from,
      inputIndex: e.input_index,
      value: e.contribution,
      text: formatCompact(e.contribution),
      short: formatShort(e.contribution),
      title: `${formatBrief(e.contribution)} from ${nodeById.get(e.from)?.label || e.from} to ${nodeById.get(e.node)?.label || e.node}`,
    });
  }
  return out;
}

/**
 * The gradient table of a frame: one row per node that has received its gradient so far, in the order
 * they were first reached (the seed first): {id, label, seed, terms: [{from, fromLabel, value, total}],
 * total, pending, final, current}. `current` marks the row of the event just applied.
 */
export function gradientTable(trace, frame) {
  const label = (id) => trace.nodeById.get(id)?.label || id;
  const e = frame.event;
  const rows = [];
  for (const [id, g] of frame.grads) {
    rows.push({
      id,
      label: label(id),
      seed: !!g.seed,
      terms: g.contributions.map((c) => ({ from: c.from, fromLabel: c.from == null ? "seed" : label(c.from), inputIndex: c.inputIndex, value: c.value, total: c.total })),
      total: g.total,
      pending: g.pending,
      final: g.pending === 0,
      current: e?.type === "backward" && e.node === id,
    });
  }
  return rows;
}

const overlaps = (a, b) => Math.min(a.x + a.width, b.x + b.width) > Math.max(a.x, b.x)
  && Math.min(a.y + a.height, b.y + b.height) > Math.max(a.y, b.y);

/**
 * Fractions 0…1 along an edge, the middle first and then alternately either side of it, `n` of them
 * (both ends included when n > 1).
 */
export function stopsFromMiddle(n) {
  if (n <= 1) return [0.5];
  const all = Array.from({ length: n }, (_, i) => i / (n - 1));
  return all.sort((a, b) => Math.abs(a - 0.5) - Math.abs(b - 0.5) || a - b);
}

/**
 * Centres to try for a w×h label on an edge, given points along the edge in order of preference
 * (`samples`: [{x, y, dx, dy}], (dx, dy) the unit direction of the edge there): every point's box
 * centred on the edge first; then every point's box beside the edge, just touching it (either side,
 * across the direction of the edge); then boxes off the point sideways and at its corners (where an edge
 * climbs steeply between two columns, the room is beside the columns, above or below).
 */
export function labelCandidates(samples, width, height, gap = 2) {
  const on = [];
  const beside = [];
  const around = [];
  const hx = width / 2 + gap;
  const hy = height / 2 + gap;
  for (const { x, y, dx = 1, dy = 0 } of samples) {
    on.push({ x, y });
    // across the edge: far enough that the box's near side touches the line
    const reach = Math.abs(dy) * hx + Math.abs(dx) * hy;
    beside.push({ x: x - dy * reach, y: y + dx * reach }, { x: x + dy * reach, y: y - dx * reach });
    around.push({ x: x + hx, y }, { x: x - hx, y }, { x, y: y - hy }, { x, y: y + hy },
      { x: x + hx, y: y - hy }, { x: x - hx, y: y - hy }, { x: x + hx, y: y + hy }, { x: x - hx, y: y + hy });
  }
  return [...on, ...beside, ...around];
}

/**
 * Place labels, in order, each where it overlaps no label placed before it and no obstacle (node boxes),
 * inside `bounds` if given: its first text whose candidates have a free one takes the first free one.
 * items: [{id, keep?, variants: [{width, height, candidates: [{x, y}], gap?}]}], the variants longest
 * text first (an item may give width, height and candidates instead of variants: one variant);
 * obstacles: [{x, y, width, height}] (top-left); bounds: {x, y, width, height} or null; `gap` (px) kept
 * clear around each label (a variant may keep its own). A label with no free spot is hidden rather than laid
 * over something. An item marked `keep` (the current step's) wins its place: if in step order it would be
 * hidden, the placement runs again with it first (the others yield), and then it may also use its variants
 * marked `fallback` (a spot farther from its edge, anywhere free in view; a variant may have its own
 * `bounds`).
 * Returns Map id → {x, y, variant} (centre; variant: index of the text used) or null (hidden).
 */
export function placeLabels(items, obstacles = [], { gap = 2, bounds = null } = {}) {
  const out = placeInOrder(items, obstacles, gap, bounds, false);
  const kept = items.filter((item) => item.keep && !out.get(item.id));
  if (kept.length === 0) return out;
  return placeInOrder([...kept, ...items.filter((item) => !kept.includes(item))], obstacles, gap, bounds, true);
}

/**
 * Centres to try anywhere in `bounds` for a w×h label, every `step` px, nearest to `point` first: the
 * current label's last resort when its edge has no free spot near it.
 */
export function farCandidates(point, bounds, width, height, step = 8) {
  if (!bounds) return [];
  const out = [];
  for (let y = bounds.y + height / 2; y <= bounds.y + bounds.height - height / 2; y += step) {
    for (let x = bounds.x + width / 2; x <= bounds.x + bounds.width - width / 2; x += step) out.push({ x, y });
  }
  const d = (c) => Math.hypot(c.x - point.x, c.y - point.y);
  return out.sort((a, b) => d(a) - d(b));
}

function placeInOrder(items, obstacles, minGap, bounds, fallbacks) {
  const placed = [];
  const out = new Map();
  const within = (box, b) => !b || (box.x >= b.x && box.y >= b.y
    && box.x + box.width <= b.x + b.width && box.y + box.height <= b.y + b.height);
  for (const item of items) {
    const variants = item.variants ?? [{ width: item.width, height: item.height, candidates: item.candidates }];
    let spot = null;
    for (let v = 0; v < variants.length && !spot; v++) {
      if (variants[v].fallback && !(fallbacks && item.keep)) continue;
      const { width, height, candidates } = variants[v];
      const gap = variants[v].gap ?? minGap;
      for (const c of candidates) {
        const box = { x: c.x - width / 2 - gap, y: c.y - height / 2 - gap, width: width + 2 * gap, height: height + 2 * gap };
        if (!within({ x: box.x + gap, y: box.y + gap, width, height }, variants[v].bounds ?? bounds)) continue;
        if (placed.some((o) => overlaps(box, o)) || obstacles.some((o) => overlaps(box, o))) continue;
        spot = { x: c.x, y: c.y, variant: v, box: { x: c.x - width / 2, y: c.y - height / 2, width, height } };
        break;
      }
    }
    out.set(item.id, spot && { x: spot.x, y: spot.y, variant: spot.variant });
    if (spot) placed.push(spot.box);
  }
  return out;
}
