/**
 * A trace (docs/contracts.md §2) read into an indexed, immutable structure: nodes by id, edges (one per
 * input, repeats kept), consumers, the output node. Pure: no DOM, no fetch. Shared by the stepper and the
 * studio.
 */

import { decodeTensor } from "../shared/tensor-decode.js";
import { vocabulary } from "../shared/vocabulary.js";

export const SCHEMA_VERSION = 1;
const STEP_TYPES = new Set(["forward", "backward", "update"]);

/** Read a wire trace: check the version, index the graph, decode every tensor once. */
export function readTrace(wire) {
  if (!wire || typeof wire !== "object" || !wire.graph) throw new Error("not a trace: no graph");
  if (wire.schema_version !== undefined && wire.schema_version !== SCHEMA_VERSION) {
    throw new Error(`unsupported trace schema_version ${wire.schema_version}`);
  }
  const nodes = wire.graph.nodes.map((n) => ({ ...n, inputs: n.inputs ?? [], shape: n.shape ?? [] }));
  const nodeById = new Map(nodes.map((n) => [n.id, n]));
  const edges = buildEdges(nodes, nodeById);
  const consumers = new Map(nodes.map((n) => [n.id, []]));
  for (const e of edges) consumers.get(e.from).push(e);
  const events = (wire.events ?? []).map(decodeEvent);
  const output = wire.output && nodeById.has(wire.output) ? wire.output : findOutput(nodes, consumers);
  const receivers = new Set(events.filter((e) => e.type === "backward").map((e) => e.node));
  if (receivers.size && output) receivers.add(output);
  return {
    shapes: shownShapes(nodes, events),
    receivers,
    nodes,
    nodeById,
    edges,
    consumers,
    events,
    steps: events.filter((e) => STEP_TYPES.has(e.type)),
    metrics: events.filter((e) => e.type === "metrics"),
    output,
    rows: wire.rows ?? null,
  };
}

/** The shape each node's values are drawn in: that of its first forward value (a model traces only a
 * few rows of a large batch), else the node's own shape. */
function shownShapes(nodes, events) {
  const shapes = new Map(nodes.map((n) => [n.id, n.shape]));
  const seen = new Set();
  for (const e of events) {
    if (e.type === "forward" && !seen.has(e.node) && e.value) {
      seen.add(e.node);
      shapes.set(e.node, e.value.shape);
    }
  }
  return shapes;
}

/** One edge per (consumer, input index): `x*x` gives two edges n1→n2 with index 0 and 1. */
function buildEdges(nodes, nodeById) {
  const edges = [];
  for (const n of nodes) {
    n.inputs.forEach((from, index) => {
      if (!nodeById.has(from)) throw new Error(`node ${n.id} has unknown input ${from}`);
      edges.push({ id: edgeId(from, n.id, index), from, to: n.id, index });
    });
  }
  return edges;
}

/** The stable id of the edge carrying input `index` of `to`. */
export function edgeId(from, to, index) {
  return `${from}->${to}#${index}`;
}

function decodeEvent(e) {
  const out = { ...e };
  for (const key of ["value", "contribution", "total", "delta"]) {
    if (key in e) out[key] = decodeTensor(e[key]);
  }
  return out;
}

/** The node whose gradient is seeded: the loss if marked, else the last forward node nobody consumes. */
function findOutput(nodes, consumers) {
  const forward = nodes.filter((n) => n.phase !== "backward");
  const loss = forward.filter((n) => n.role === "loss");
  if (loss.length) return loss[loss.length - 1].id;
  const sinks = forward.filter((n) => consumers.get(n.id).every((e) => isBackwardNode(nodes, e.to)));
  return sinks.length ? sinks[sinks.length - 1].id : nodes[nodes.length - 1]?.id ?? null;
}

function isBackwardNode(nodes, id) {
  return nodes.find((n) => n.id === id)?.phase === "backward";
}

/** The phase an event belongs to: a forward event of a recorded-backward node is part of "backward". */
export function eventPhase(trace, e) {
  if (e.type === "forward" && trace.nodeById.get(e.node)?.phase === "backward") return "backward";
  return e.type;
}

/** Visual category of a node: its role, with "grad" for nodes of a recorded backward pass. */
export function nodeCategory(node) {
  if (node.phase === "backward") return "grad";
  return node.role ?? "op";
}

/** An op's short symbol (the server's op table), for "0.30 from ‘·’" texts; a leaf's or an unknown op's name. */
export function opSymbol(op) {
  return vocabulary().symbols[op] ?? op;
}
