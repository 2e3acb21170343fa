/**
 * The lasting record of the backward pass: which contributions stay written on their edges at a step
 * (each from the step it arrives until the user steps back over it), the gradient table (per node: each
 * contribution with its source, the running total, final or pending), and a placement of edge labels
 * that keeps them off each other and off the node boxes. Pure: no DOM.
 */

import { edgeId } from "./trace.js";
import { formatBrief, formatNumber, formatShape, summarize } from "./format.js";

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

const overlap = (a, b) => Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x))
  * Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));

/**
 * Place labels greedily, in order: each takes its first candidate centre whose box overlaps no label
 * placed before it and no obstacle (node boxes), else the candidate that overlaps least (covering
 * another label counts three times as much as covering a box: two values on top of each other are
 * unreadable). items: [{id, width, height, candidates: [{x, y}]}]; obstacles: [{x, y, width, height}]
 * (top-left). Returns Map id → {x, y} (centre).
 */
export function placeLabels(items, obstacles = [], gap = 2) {
  const placed = [];
  const out = new Map();
  const cover = (box, list) => list.reduce((sum, o) => sum + overlap(box, o), 0);
  for (const item of items) {
    let best = null;
    for (const c of item.candidates) {
      const box = { x: c.x - item.width / 2 - gap, y: c.y - item.height / 2 - gap, width: item.width + 2 * gap, height: item.height + 2 * gap };
      const cost = 3 * cover(box, placed) + cover(box, obstacles);
      if (!best || cost < best.cost) best = { c, box, cost };
      if (cost === 0) break;
    }
    if (!best) continue;
    placed.push(best.box);
    out.set(item.id, best.c);
  }
  return out;
}

/** Fractions along an edge to try for its label: the middle first, then outwards. */
export const LABEL_STOPS = [0.5, 0.38, 0.62, 0.28, 0.72, 0.2, 0.8];
