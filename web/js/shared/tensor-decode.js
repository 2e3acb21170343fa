/**
 * Wire tensors (docs/contracts.md §2) as plain JS numbers and matrices, and back. Pure, no DOM.
 * A tensor is {shape, data} with `data` flat and row-major; non-finite numbers arrive as strings.
 */

const NON_FINITE = { NaN: NaN, Infinity: Infinity, "-Infinity": -Infinity };

/** A wire number (number or "NaN"/"Infinity"/"-Infinity") as a JS number. */
export function decodeNumber(x) {
  if (typeof x === "number") return x;
  if (typeof x === "string" && x in NON_FINITE) return NON_FINITE[x];
  return Number(x);
}

/**
 * A wire tensor {shape, data} or {shape, summary} as {shape, size, data: number[] | null, summary}: the
 * form the stepper reads. A plain number is accepted as a scalar.
 */
export function decodeTensor(t) {
  if (t == null) return null;
  if (typeof t === "number" || typeof t === "string") {
    return { shape: [], size: 1, data: [decodeNumber(t)], summary: null };
  }
  const shape = Array.isArray(t.shape) ? t.shape : [];
  const size = shape.reduce((a, b) => a * b, 1);
  const data = Array.isArray(t.data) ? t.data.flat(Infinity).map(decodeNumber) : null;
  const summary = t.summary ? Object.fromEntries(Object.entries(t.summary).map(([k, v]) => [k, decodeNumber(v)])) : null;
  return { shape, size, data, summary };
}

/** One JS number as a wire number (never bare NaN, which JSON cannot carry). */
export function encodeNumber(value) {
  if (Number.isFinite(value)) return value;
  if (Number.isNaN(value)) return "NaN";
  return value > 0 ? "Infinity" : "-Infinity";
}

/** The flat data of a wire tensor as numbers (a summary-only tensor gives null). */
export function flatValues(tensor) {
  if (!tensor || !Array.isArray(tensor.data)) return null;
  return tensor.data.map(decodeNumber);
}

/** A wire tensor of shape [r, c] as an array of rows; shape [n] as one array. */
export function toNested(tensor) {
  const flat = flatValues(tensor);
  if (!flat) return null;
  const shape = tensor.shape;
  if (shape.length <= 1) return flat;
  const [rows, cols] = [shape[0], shape.slice(1).reduce((a, b) => a * b, 1)];
  const out = [];
  for (let r = 0; r < rows; r++) out.push(flat.slice(r * cols, (r + 1) * cols));
  return out;
}

/** A nested array (matrix or vector) as a wire tensor. */
export function fromNested(value) {
  if (!Array.isArray(value[0])) return { shape: [value.length], data: value.map(encodeNumber) };
  return { shape: [value.length, value[0].length], data: value.flat().map(encodeNumber) };
}

/** True when any number in a nested array or flat list is not finite. */
export function hasNonFinite(values) {
  for (const v of values) {
    if (Array.isArray(v) ? hasNonFinite(v) : !Number.isFinite(decodeNumber(v))) return true;
  }
  return false;
}

/** A deep copy of per-layer params [{W, b, ...}] (numbers only, extra keys kept). */
export function cloneParams(params) {
  return params.map((layer) => {
    const copy = {};
    for (const [key, value] of Object.entries(layer)) copy[key] = structuredClone(value);
    return copy;
  });
}

/** Largest absolute finite value in a nested array (0 when empty). */
export function maxAbs(values) {
  let best = 0;
  for (const v of values) {
    const m = Array.isArray(v) ? maxAbs(v) : Math.abs(v);
    if (Number.isFinite(m) && m > best) best = m;
  }
  return best;
}
