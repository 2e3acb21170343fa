/**
 * Model weights in the URL: the current weights of a traced model (each parameter node says which layer's
 * W or b it is, see shared/params.js), and one parameter replaced by an edited value. Pure: no DOM.
 */

import { readTrace } from "./trace.js";
import { paramName, paramRef } from "../shared/params.js";

/** Flat row-major data → nested lists of `shape`. */
export function nest(data, shape) {
  if (shape.length === 0) return data[0];
  if (shape.length === 1) return data.slice(0, shape[0]);
  const step = shape.slice(1).reduce((a, b) => a * b, 1);
  return Array.from({ length: shape[0] }, (_, i) => nest(data.slice(i * step, (i + 1) * step), shape.slice(1)));
}

/** Shape of a nested list (assumed rectangular). */
export function shapeOf(value) {
  const shape = [];
  let v = value;
  while (Array.isArray(v)) {
    shape.push(v.length);
    v = v[0];
  }
  return shape;
}

/** Per layer {W, b} as the traced model had them before the update (first forward value). */
export function weightsOfTrace(wire) {
  const trace = readTrace(wire);
  const layers = [];
  for (const node of trace.nodes) {
    const p = paramRef(node);
    const ev = p && trace.steps.find((e) => e.type === "forward" && e.node === node.id);
    if (!ev?.value?.data) continue;
    (layers[p.layer] ??= {})[p.key] = nest(ev.value.data, ev.value.shape);
  }
  return layers.every((l) => l && l.W !== undefined && l.b !== undefined) ? layers : null;
}

/** The weights with parameter `p` ({layer, key}) replaced; throws when the shape does not match. */
export function replaceParam(weights, p, value) {
  const label = p ? paramName(p) : "this node";
  if (!p || !weights?.[p.layer]?.[p.key]) throw new Error(`${label} is not a layer weight`);
  const want = shapeOf(weights[p.layer][p.key]);
  const got = shapeOf(value);
  if (JSON.stringify(want) !== JSON.stringify(got)) throw new Error(`${label} needs shape [${want}], got [${got}]`);
  const flat = [value].flat(Infinity);
  if (!flat.every((x) => typeof x === "number" && Number.isFinite(x))) throw new Error("every entry must be a finite number");
  return weights.map((l, i) => (i === p.layer ? { ...l, [p.key]: value } : l));
}
