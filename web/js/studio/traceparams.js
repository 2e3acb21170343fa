/**
 * Reading training-step traces (docs/contracts.md §2) into the studio's per-layer params: which graph node is
 * which layer's W, b or α (the nodes' `param` field), the new values of update events, the final
 * gradients of backward events, the metrics, and where a step first went non-finite.
 */
import { flatValues, toNested } from "../shared/tensor-decode.js";
import { paramName, paramNodes } from "../shared/params.js";

/** Map param node ids to {layer, key, index, label} from the `param` field the server sends with each
 * parameter node (label: the shared display name, W₁, b₁, α₁). */
export function paramNodeMap(graph) {
  const map = {};
  for (const [id, ref] of Object.entries(paramNodes(graph))) map[id] = { ...ref, label: paramName(ref) };
  return map;
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
