/**
 * One builder edit → the next spec (pure). Field names are dotted paths such as "hidden.1.units",
 * "optimizer.lr" or "data.noise"; raw values are the form's strings. Edits that change the
 * architecture or the data drop explicit params (they would no longer fit).
 */
import { outputFor } from "./presets.js";
import { LIMITS, outputUnits } from "./spec.js";

const num = (raw) => (raw === "" || raw === null ? null : Number(raw));
const int = (raw) => (raw === "" || raw === null ? null : Math.round(Number(raw)));
const clampInt = (v, lo, hi) => Math.max(lo, Math.min(hi, Math.round(v)));

/** The spec after one hidden-layer edit. */
function editLayer(spec, index, key, raw) {
  const hidden = spec.hidden.map((layer, i) => {
    if (i !== index) return layer;
    if (key === "units") return { ...layer, units: clampInt(Number(raw), 1, LIMITS.units) };
    if (key === "alpha") return { ...layer, alpha: num(raw) };
    if (key === "pieces") return { ...layer, pieces: clampInt(Number(raw), 2, LIMITS.pieces) };
    const next = { units: layer.units, activation: raw };
    if (raw === "leaky_relu") next.alpha = 0.01;
    if (raw === "prelu") next.alpha = 0.25;
    if (raw === "maxout") next.pieces = 2;
    return next;
  });
  return { ...spec, hidden };
}

/** The data spec after choosing a named dataset (its defaults, keeping the seed and split). */
function chooseDataset(spec, name, datasets) {
  const info = datasets.find((d) => d.name === name) || { task: "binary", classes: 2 };
  const data = { dataset: name, n: info.n, noise: info.noise, seed: spec.data.seed ?? 0 };
  if (spec.data.test_fraction) data.test_fraction = spec.data.test_fraction;
  if (info.task === "multiclass") data.classes = info.classes;
  const output = outputFor(info.task, info.classes);
  return { ...spec, data, output, loss: null };
}

/** The output after choosing a kind, sized for the data's classes. */
function chooseOutput(spec, kind, classes) {
  const output = { kind, units: outputUnits(kind, { classes }) };
  if (kind === "mixture_density") output.components = spec.output.components || 3;
  return { ...spec, output, loss: null };
}

/**
 * Apply a form edit. `ctx` = {datasets: [{name, task, n, noise, classes}], classes: number of classes
 * in the current data}. Returns {spec, structural} — structural edits need a new model from a fresh
 * start; the others keep the weights (the learning rate even the model).
 */
export function applyEdit(spec, field, raw, ctx = {}) {
  const datasets = ctx.datasets || [];
  const [head, second, third] = field.split(".");
  let next;
  let structural = true;
  if (head === "hidden") next = editLayer(spec, Number(second), third, raw);
  else if (field === "layers") {
    const count = clampInt(Number(raw), 0, LIMITS.layers);
    const hidden = spec.hidden.slice(0, count);
    while (hidden.length < count) hidden.push({ ...(hidden.at(-1) || { units: 4, activation: "relu" }) });
    next = { ...spec, hidden };
  } else if (field === "data.dataset") next = chooseDataset(spec, raw, datasets);
  else if (head === "data") next = { ...spec, data: { ...spec.data, [second]: second === "noise" || second === "test_fraction" ? num(raw) : int(raw) } };
  else if (field === "output.kind") next = chooseOutput(spec, raw, ctx.classes || spec.output.units);
  else if (field === "output.components") next = { ...spec, output: { ...spec.output, components: clampInt(Number(raw), 1, LIMITS.components) } };
  // A new loss or optimizer keeps the architecture: training can go on from the current weights.
  else if (field === "loss") [next, structural] = [{ ...spec, loss: raw || null }, false];
  else if (field === "optimizer.name") [next, structural] = [{ ...spec, optimizer: { name: raw, lr: spec.optimizer.lr } }, false];
  else if (field === "optimizer.lr") [next, structural] = [{ ...spec, optimizer: { ...spec.optimizer, lr: num(raw) } }, false];
  else if (field === "batch_size") [next, structural] = [{ ...spec, batch_size: int(raw) }, false];
  else if (field === "weight_decay") [next, structural] = [{ ...spec, weight_decay: num(raw) ?? 0 }, false];
  else if (field === "seed") next = { ...spec, seed: int(raw) ?? 0 };
  else throw new Error(`unknown field ${field}`);
  if (next.data) for (const key of Object.keys(next.data)) if (next.data[key] === null) delete next.data[key];
  if (structural) delete next.params;
  return { spec: next, structural };
}

/** The spec training on uploaded CSV rows (an answer of POST /datasets/csv), its output fitted to the task. */
export function withCsvData(spec, data) {
  const output = outputFor(data.task, data.classes);
  return { ...spec, output, loss: null, params: undefined, data: { x: data.x, y: data.y, test_fraction: 0.2 } };
}

/** The spec back on the default named dataset (after a CSV). */
export function withNamedData(spec) {
  const data = { dataset: "moons", n: 200, noise: 0.15, seed: 0, test_fraction: 0.3 };
  return { ...spec, params: undefined, data, output: outputFor("binary", 2), loss: null };
}
