/**
 * Trace tensors (docs/contracts.md §2) as plain JS numbers and matrices.
 * A tensor is {shape, data} with `data` flat and row-major; non-finite numbers arrive as strings.
 */

const NON_FINITE = { NaN: NaN, Infinity: Infinity, "-Infinity": -Infinity };

/** One wire number as a JS number ("NaN" → NaN, "Infinity" → Infinity). */
export function decodeNumber(value) {
  if (typeof value === "number") return value;
  if (value in NON_FINITE) return NON_FINITE[value];
  return Number(value);
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
