/**
 * Trace → timeline frames. Step 0 is "nothing computed" (but the inputs and parameters, known before the
 * forward pass, show their values); step k is the state after the k-th step event
 * (forward node by node, then backward contribution by contribution, then the update). Pure: no DOM.
 */

import { formatNumber, formatTensor, formatBrief, onesLike, addTensors } from "../shared/format.js";
import { opSymbol, eventPhase } from "./trace.js";
import { nonFiniteNote } from "./nonfinite.js";

/** Build the timeline of a read trace (see trace.js readTrace). */
export function buildTimeline(trace) {
  const steps = trace.steps;
  const phaseStarts = {};
  steps.forEach((e, i) => {
    const phase = eventPhase(trace, e);
    if (!(phase in phaseStarts)) phaseStarts[phase] = i + 1;
  });
  const expected = expectedContributions(steps);
  const seeded = trace.output && !expected.has(trace.output) && "backward" in phaseStarts;
  return {
    trace,
    total: steps.length,
    phaseStarts,
    expected,
    seed: seeded ? trace.output : null,
    frameAt: (step) => frameAt(trace, steps, expected, seeded ? trace.output : null, step),
  };
}

/** The values known before the forward pass: those of the inputs and parameters (leaves of the forward graph). */
function knownBefore(trace, steps) {
  const known = new Map();
  for (const e of steps) {
    const node = e.type === "forward" ? trace.nodeById?.get(e.node) : null;
    if (node && node.inputs?.length === 0 && (node.role === "input" || node.role === "param") && node.phase !== "backward") {
      known.set(e.node, e.value);
    }
  }
  return known;
}

/** How many contributions each node receives during backward (its consumer edges that carry one). */
function expectedContributions(steps) {
  const counts = new Map();
  for (const e of steps) if (e.type === "backward") counts.set(e.node, (counts.get(e.node) ?? 0) + 1);
  return counts;
}

/** Clamp a step index into [0, total]. */
export function clampStep(timeline, step) {
  const s = Number.isFinite(step) ? Math.round(step) : 0;
  return Math.max(0, Math.min(timeline.total, s));
}

/** The phase a step belongs to: that of the event just applied ("forward" at the start). */
export function phaseOf(timeline, step) {
  if (step <= 0) return "forward";
  return eventPhase(timeline.trace, timeline.trace.steps[step - 1]);
}

/** The state after `step` events: values, gradients (total, pending, contributions), updates. */
function frameAt(trace, steps, expected, seed, step) {
  step = Math.max(0, Math.min(steps.length, step));
  const values = knownBefore(trace, steps);
  const grads = new Map();
  const updates = new Map();
  for (let i = 0; i < step; i++) applyEvent(steps[i], { values, grads, updates, expected, seed });
  const event = step > 0 ? steps[step - 1] : null;
  const metrics = step === steps.length && trace.metrics.length ? trace.metrics[trace.metrics.length - 1] : null;
  return { step, total: steps.length, phase: event ? eventPhase(trace, event) : "forward", event, values, grads, updates, metrics };
}

function applyEvent(e, { values, grads, updates, expected, seed }) {
  if (e.type === "forward") values.set(e.node, e.value);
  else if (e.type === "update") updates.set(e.node, { value: e.value, delta: e.delta });
  else if (e.type === "backward") {
    if (seed && !grads.has(seed)) {
      grads.set(seed, { total: onesLike(values.get(seed)), pending: 0, contributions: [], seed: true });
    }
    const prev = grads.get(e.node);
    const total = e.total ?? addTensors(prev?.total, e.contribution);
    const pending = e.pending ?? (expected.get(e.node) ?? 1) - ((prev?.contributions.length ?? 0) + 1);
    const contribution = { from: e.from, inputIndex: e.input_index, value: e.contribution, total };
    grads.set(e.node, { total, pending, contributions: [...(prev?.contributions ?? []), contribution] });
  }
}

/** Gradient status of a node in a frame: "none" (not reached), "pending" or "final". */
export function gradStatus(frame, nodeId) {
  const g = frame.grads.get(nodeId);
  if (!g) return "none";
  return g.pending > 0 ? "pending" : "final";
}

/** One sentence narrating the step, for the aria-live line and the caption; a NaN or ±∞ adds a warning. */
export function narrate(timeline, frame) {
  return describeStep(timeline, frame) + nonFiniteNote(timeline.trace, frame);
}

function describeStep(timeline, frame) {
  const { nodeById } = timeline.trace;
  const label = (id) => nodeById.get(id)?.label || id;
  const e = frame.event;
  if (!e) return `Start: nothing computed yet. ${timeline.total} steps ahead.`;
  if (e.type === "forward") {
    const n = nodeById.get(e.node);
    const what = n.inputs.length ? `${n.op} gives` : "is";
    const head = n.phase === "backward" ? "Backward graph" : "Forward";
    return `${head}: ${label(e.node)} ${what} ${formatBrief(e.value)}.`;
  }
  if (e.type === "update") {
    return `Update: ${label(e.node)} changes by ${formatBrief(e.delta)} to ${formatBrief(e.value)}.`;
  }
  const g = frame.grads.get(e.node);
  const from = e.from == null ? "the seed" : label(e.from);
  const rest = g.pending > 0 ? `${g.pending} pending` : "final";
  return `${label(e.node)} receives ${formatBrief(e.contribution)} from ${from}; total ${formatBrief(g.total)}; ${rest}.`;
}

/**
 * The accumulation written out, e.g. "∂L/∂h = 0.3 from × + 0.5 from + = 0.8", as parts the views can
 * render in text or LaTeX: {target, terms: [{value, from, fromLabel, symbol}], total, pending}.
 */
export function accumulation(timeline, frame, nodeId) {
  const { nodeById } = timeline.trace;
  const g = frame.grads.get(nodeId);
  if (!g) return null;
  const terms = g.contributions.map((c) => {
    const consumer = c.from == null ? null : nodeById.get(c.from);
    return {
      value: c.value,
      from: c.from,
      fromLabel: consumer ? consumer.label || consumer.id : "seed",
      symbol: consumer ? opSymbol(consumer.op) : "seed",
    };
  });
  return { target: nodeById.get(nodeId), terms, total: g.total, pending: g.pending, seed: !!g.seed };
}

/** The accumulation as one line of text. */
export function accumulationText(timeline, frame, nodeId, digits = 3) {
  const acc = accumulation(timeline, frame, nodeId);
  if (!acc) return "";
  const name = `∂L/∂${acc.target.label || acc.target.id}`;
  if (acc.seed) return `${name} = 1 (seed)`;
  const terms = acc.terms.map((t) => `${formatTensor(t.value, digits)} from ‘${t.symbol}’`).join(" + ");
  const tail = acc.pending > 0 ? ` (${acc.pending} pending)` : "";
  return `${name} = ${terms} = ${formatTensor(acc.total, digits)}${tail}`;
}

/** Step index of the start of each phase, for "jump to" controls (the step before its first event). */
export function phaseJumps(timeline) {
  const out = { forward: 0 };
  for (const [phase, first] of Object.entries(timeline.phaseStarts)) if (phase !== "forward") out[phase] = first - 1;
  out.end = timeline.total;
  return out;
}

/** Numbers for test assertions and data attributes. */
export { formatNumber };
