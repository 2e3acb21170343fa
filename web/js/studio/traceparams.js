/**
 * Reading training-step traces (contracts §2) into the studio's per-layer params:
 * which graph node is which layer's W or b, the new values of update events, the final
 * gradients of backward events, the metrics, and where a step first went non-finite.
 */
import { flatValues, toNested } from "./tensor.js";

const SUBSCRIPT = { "₀": 0, "₁": 1, "₂": 2, "₃": 3, "₄": 4, "₅": 5, "₆": 6, "₇": 7, "₈": 8, "₉": 9 };

/** The kind (W, b, alpha) a param node's label suggests, or null. */
function labelKind(label = "") {
  const head = label.trim().charAt(0);
  if (head === "W" || head === "w") return "W";
  if (head === "b" || head === "c") return "b";
  if (head === "α" || label.startsWith("alpha")) return "alpha";
  return null;
}

/**
 * Map param node ids to {layer, key}. Labels such as "W₂", "b₂", "α₂" name the layer; without them,
 * params are taken to appear layer by layer: a 2-D node is
 * a weight matrix (which opens a new layer), a 1-D node that layer's bias, anything labelled α
 * the layer's PReLU slope.
 */
export function paramNodeMap(graph) {
  const map = {};
  let layer = -1;
  const seen = new Set();
  for (const node of graph.nodes) {
    if (node.role !== "param") continue;
    const kind = node.shape.length === 2 ? "W" : labelKind(node.label) === "alpha" ? "alpha" : "b";
    const labelled = layerFromLabel(node.label);
    if (labelled !== null && labelKind(node.label)) {
      map[node.id] = { layer: labelled, key: labelKind(node.label), label: node.label };
      continue;
    }
    if (kind === "W" || layer < 0 || seen.has(`${layer}.${kind}`)) {
      layer += 1;
      seen.clear();
    }
    seen.add(`${layer}.${kind}`);
    map[node.id] = { layer, key: kind, label: node.label };
  }
  return map;
}

/** Layer index from a label such as "W₂" or "b3" (1-based in labels), or null. */
export function layerFromLabel(label = "") {
  const digits = [...label].map((c) => SUBSCRIPT[c] ?? (/\d/.test(c) ? Number(c) : null)).filter((d) => d !== null);
  return digits.length ? Number(digits.join("")) - 1 : null;
}

function setValue(target, ref, tensor) {
  const value = ref.key === "alpha" ? flatValues(tensor) : toNested(tensor);
  if (value) target[ref.layer] = { ...target[ref.layer], [ref.key]: value };
}

/** Params after the update events of a step (immutable; unknown nodes are ignored). */
export function applyUpdates(params, events, map) {
  const next = params.slice();
  for (const event of events) {
    if (event.type === "update" && map[event.node]) setValue(next, map[event.node], event.value);
  }
  return next;
}

/** Params as the forward values of param nodes (the first trace of a model carries no update). */
export function paramsFromForward(params, events, map) {
  const next = params.slice();
  for (const event of events) {
    if (event.type === "forward" && map[event.node]) setValue(next, map[event.node], event.value);
  }
  return next;
}

/** ∂L/∂θ per layer from backward events: each param's `total` when its `pending` reaches 0. */
export function gradientsFrom(events, map) {
  const grads = [];
  for (const event of events) {
    const ref = map[event.node];
    if (event.type !== "backward" || !ref || event.pending !== 0) continue;
    setValue(grads, ref, event.total);
  }
  return grads;
}

/** The last metrics event of a step, or null. */
export function metricsFrom(events) {
  let found = null;
  for (const event of events) if (event.type === "metrics") found = event;
  return found;
}

const finiteTensor = (t) => !t || !t.data ? !t?.summary || Object.values(t.summary).every(Number.isFinite)
  : t.data.every((v) => typeof v === "number" && Number.isFinite(v));

/**
 * Where a step first went non-finite: {phase, node, label} of the first forward value, gradient
 * or update holding NaN/±Infinity, {phase: "metrics"} for a non-finite loss, or null.
 */
export function firstNonFinite(events, graph) {
  const labels = Object.fromEntries((graph?.nodes || []).map((n) => [n.id, n.label || n.op]));
  for (const event of events) {
    const tensor = event.type === "forward" || event.type === "update" ? event.value
      : event.type === "backward" ? event.total : null;
    if (tensor && !finiteTensor(tensor)) {
      return { phase: event.type, node: event.node, label: labels[event.node] || event.node };
    }
    if (event.type === "metrics" && !(typeof event.loss === "number" && Number.isFinite(event.loss))) {
      return { phase: "metrics", node: null, label: "loss" };
    }
  }
  return null;
}
