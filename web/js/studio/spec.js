/**
 * ModelSpec (docs/contracts.md §3) as the builder edits it: defaults, validation, shapes and immutable edits.
 * Pure: no DOM, no fetch. The spec's choices are the server's (shared/vocabulary.js).
 */

import { vocabulary } from "../shared/vocabulary.js";

/** What the studio's network view can draw legibly (the server allows far more). */
export const LIMITS = { layers: 6, units: 64, pieces: 5, components: 8, lr: 10, n: 2000 };

/** The spec the studio opens with: 2-8-8-1 tanh on moons, Adam. */
export const DEFAULT_SPEC = Object.freeze({
  name: "studio",
  hidden: [
    { units: 8, activation: "tanh" },
    { units: 8, activation: "tanh" },
  ],
  output: { kind: "sigmoid", units: 1 },
  loss: null,
  optimizer: { name: "adam", lr: 0.03 },
  weight_decay: 0,
  batch_size: null,
  seed: 0,
  data: { dataset: "moons", n: 200, noise: 0.15, seed: 0, test_fraction: 0.3 },
});

/** A deep copy of a spec with every optional field filled in. */
export function normalizeSpec(spec) {
  const s = structuredClone({ ...DEFAULT_SPEC, ...spec });
  s.hidden = (s.hidden || []).map((layer) => ({ ...layer, units: Number(layer.units) }));
  s.output = { units: 1, ...s.output };
  s.optimizer = { name: "sgd", lr: 0.1, ...s.optimizer };
  if (!s.loss) s.loss = null;
  return s;
}

/** The loss in force: the explicit one, or the output unit's matching loss. */
export function effectiveLoss(spec) {
  return spec.loss || vocabulary().default_loss[spec.output.kind];
}

/** The spec's `output.units` for an output kind given the data: classes for softmax, else targets. */
export function outputUnits(kind, { classes = 2, targets = 1 } = {}) {
  if (kind === "softmax") return Math.max(2, classes);
  if (kind === "linear") return targets;
  return 1;
}

/** Width of the last affine layer: a K-mixture emits K weights, K means and K scales. */
export function outputWidth(output) {
  return output.kind === "mixture_density" ? 3 * (output.components || 3) : output.units;
}

/** Pre-activation width of a hidden layer (maxout has `pieces` per unit). */
export function preWidth(layer) {
  return layer.activation === "maxout" ? layer.units * (layer.pieces || 2) : layer.units;
}

/** Neuron counts per layer, input first: [2, 8, 8, 1]. */
export function layerSizes(spec, inputDim = 2) {
  return [inputDim, ...spec.hidden.map((l) => l.units), outputWidth(spec.output)];
}

/** The (W, b) shapes of each layer: W is fan_in × fan_out. */
export function paramShapes(spec, inputDim = 2) {
  const shapes = [];
  let fanIn = inputDim;
  for (const layer of spec.hidden) {
    const fanOut = preWidth(layer);
    shapes.push({ W: [fanIn, fanOut], b: [fanOut] });
    fanIn = layer.units;
  }
  const width = outputWidth(spec.output);
  shapes.push({ W: [fanIn, width], b: [width] });
  return shapes;
}

/** True when params match the spec's shapes (so they can be sent with it). */
export function paramsFit(spec, params, inputDim = 2) {
  if (!Array.isArray(params)) return false;
  const shapes = paramShapes(spec, inputDim);
  return (
    params.length === shapes.length &&
    shapes.every((shape, i) => {
      const { W, b } = params[i];
      return (
        Array.isArray(W) && W.length === shape.W[0] && W.every((row) => row.length === shape.W[1]) &&
        Array.isArray(b) && b.length === shape.b[0]
      );
    })
  );
}

const isInt = (v) => Number.isInteger(v);

/** Problems with a spec, as [{field, message}] (empty when the spec can be sent). */
export function validateSpec(spec) {
  const { enums } = vocabulary();
  const errors = [];
  const add = (field, message) => errors.push({ field, message });
  if (spec.hidden.length > LIMITS.layers) add("hidden", `at most ${LIMITS.layers} hidden layers`);
  spec.hidden.forEach((layer, i) => {
    if (!isInt(layer.units) || layer.units < 1 || layer.units > LIMITS.units) {
      add(`hidden.${i}.units`, `layer ${i + 1}: 1 to ${LIMITS.units} units`);
    }
    if (!enums.activation.includes(layer.activation)) add(`hidden.${i}.activation`, "unknown activation");
    if (layer.activation === "maxout" && !(isInt(layer.pieces) && layer.pieces >= 2)) {
      add(`hidden.${i}.pieces`, `layer ${i + 1}: maxout needs 2 or more pieces`);
    }
    if (layer.activation === "leaky_relu" && !Number.isFinite(layer.alpha ?? 0.01)) {
      add(`hidden.${i}.alpha`, `layer ${i + 1}: α must be a number`);
    }
  });
  if (!enums.output_kind.includes(spec.output.kind)) add("output.kind", "unknown output unit");
  if (spec.loss && !enums.loss.includes(spec.loss)) add("loss", "unknown loss");
  const lr = spec.optimizer.lr;
  if (!(lr > 0 && lr <= LIMITS.lr)) add("optimizer.lr", `learning rate in (0, ${LIMITS.lr}]`);
  if (!enums.optimizer.includes(spec.optimizer.name)) add("optimizer.name", "unknown optimizer");
  if (spec.batch_size !== null && !(isInt(spec.batch_size) && spec.batch_size >= 1)) {
    add("batch_size", "batch size: a positive integer, or empty for full batch");
  }
  if (!(spec.weight_decay >= 0)) add("weight_decay", "weight decay must be ≥ 0");
  if (!isInt(spec.seed)) add("seed", "seed must be an integer");
  const data = spec.data || {};
  if (data.dataset && data.n !== undefined && !(isInt(data.n) && data.n >= 4 && data.n <= LIMITS.n)) {
    add("data.n", `points: 4 to ${LIMITS.n}`);
  }
  if (data.dataset && data.noise !== undefined && !(data.noise >= 0)) add("data.noise", "noise must be ≥ 0");
  return errors;
}

/** The fields that differ between two specs, as dotted paths ("optimizer.lr", "hidden", …). */
export function changedFields(before, after) {
  const fields = [];
  const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
  for (const key of ["hidden", "output", "loss", "weight_decay", "batch_size", "seed", "data", "name"]) {
    if (!same(before[key], after[key])) fields.push(key);
  }
  for (const key of ["name", "lr"]) {
    if (!same(before.optimizer?.[key], after.optimizer?.[key])) fields.push(`optimizer.${key}`);
  }
  return fields;
}

/** Hyper-parameters the stream changes mid-run (its `config` command); anything else needs a new model. */
export const LIVE_FIELDS = ["optimizer.lr"];

/** True when going from `before` to `after` can be done without rebuilding the model. */
export function isLiveChange(before, after) {
  return changedFields(before, after).every((f) => LIVE_FIELDS.includes(f));
}

/** Params with one weight replaced (immutable): layer l, W[i][j] or b[j] when i is null. */
export function withWeight(params, l, i, j, value) {
  return params.map((layer, k) => {
    if (k !== l) return layer;
    if (i === null) return { ...layer, b: layer.b.map((v, jj) => (jj === j ? value : v)) };
    return { ...layer, W: layer.W.map((row, ii) => (ii === i ? row.map((v, jj) => (jj === j ? value : v)) : row)) };
  });
}

/** A spec with a hidden layer appended (copying the last one's shape) or removed. */
export function withLayerCount(spec, count) {
  const hidden = spec.hidden.slice(0, count);
  while (hidden.length < count) {
    hidden.push({ ...(hidden[hidden.length - 1] || { units: 4, activation: "relu" }) });
  }
  return { ...spec, hidden, params: undefined };
}

/** Number of distinct classes in integer labels (0 when labels are not class indices). */
export function classCount(y) {
  const flat = y.map((v) => (Array.isArray(v) ? v[0] : v));
  if (!flat.every((v) => Number.isInteger(v) && v >= 0)) return 0;
  return Math.max(...flat) + 1;
}
