/**
 * Number and tensor formatting: pure functions, no DOM. Shared by the stepper and the studio.
 * Tensors here are decoded ones (tensor-decode.js decodeTensor).
 */

import { decodeNumber } from "./tensor-decode.js";

const MINUS = "\u2212";

/**
 * A number for display: integers as they are, otherwise about `digits` significant digits, trailing
 * zeros trimmed, exponent form for very large or small magnitudes, a true minus sign (U+2212).
 */
export function formatNumber(v, digits = 3) {
  if (v === null || v === undefined) return "";
  v = decodeNumber(v);
  if (Number.isNaN(v)) return "NaN";
  if (!Number.isFinite(v)) return v > 0 ? "∞" : `${MINUS}∞`;
  if (Object.is(v, -0) || v === 0) return "0";
  const sign = v < 0 ? MINUS : "";
  const a = Math.abs(v);
  let body;
  if (Number.isInteger(v) && a < 1e6) body = String(a);
  else if (a >= 1e5 || a < 1e-3) body = expForm(a, digits);
  else body = trimZeros(a.toPrecision(Math.max(digits, leadingDigits(a))));
  return sign + body;
}

function leadingDigits(a) {
  return a >= 1 ? Math.floor(Math.log10(a)) + 1 : 1;
}

function expForm(a, digits) {
  const [mant, exp] = a.toExponential(Math.max(digits - 1, 0)).split("e");
  const e = Number(exp);
  return `${trimZeros(mant)}e${e < 0 ? MINUS : ""}${Math.abs(e)}`;
}

function trimZeros(s) {
  return s.includes(".") ? s.replace(/0+$/, "").replace(/\.$/, "") : s;
}

/** Parse a displayed number back (accepts the U+2212 minus and ∞). */
export function parseDisplayed(s) {
  const t = String(s).trim().replaceAll(MINUS, "-").replace("∞", "Infinity");
  return Number(t);
}

/** "4×2" for a shape, "scalar" for []. */
export function formatShape(shape) {
  if (!shape || shape.length === 0) return "scalar";
  return shape.join("×");
}

/** Rows × cols view of a decoded tensor (vectors as one row, higher ranks folded into rows). */
export function asMatrix(t) {
  const shape = t.shape;
  if (shape.length === 0) return { rows: 1, cols: 1 };
  if (shape.length === 1) return { rows: 1, cols: shape[0] };
  const cols = shape[shape.length - 1];
  return { rows: t.size / Math.max(cols, 1), cols };
}

/** How to draw a tensor: "scalar", "matrix" (numbers in a grid), "heatmap" or "summary". */
export function tensorKind(t, { maxCells = 16, maxRows = 8, maxCols = 4, maxHeat = 1024 } = {}) {
  if (!t) return "empty";
  if (!t.data) return "summary";
  if (t.size === 1) return "scalar";
  const { rows, cols } = asMatrix(t);
  if (t.size <= maxCells && rows <= maxRows && cols <= maxCols) return "matrix";
  if (t.size <= maxHeat) return "heatmap";
  return "summary";
}

/** min, max, mean, std of a decoded tensor (or its sent summary). */
export function summarize(t) {
  if (t.summary) return t.summary;
  const xs = t.data.filter(Number.isFinite);
  if (xs.length === 0) return { min: NaN, max: NaN, mean: NaN, std: NaN };
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length;
  return { min: Math.min(...xs), max: Math.max(...xs), mean, std: Math.sqrt(variance) };
}

/** A one-line text of a tensor: "0.3" for a scalar, "[1, 0; 2, 1]" for a small one, a summary beyond. */
export function formatTensor(t, digits = 3, maxCells = 16) {
  if (!t) return "";
  if (t.data && t.size === 1) return formatNumber(t.data[0], digits);
  if (t.data && t.size <= maxCells) {
    const { rows, cols } = asMatrix(t);
    const lines = [];
    for (let r = 0; r < rows; r++) {
      lines.push(t.data.slice(r * cols, (r + 1) * cols).map((v) => formatNumber(v, digits)).join(", "));
    }
    return `[${lines.join("; ")}]`;
  }
  const s = summarize(t);
  return `${formatShape(t.shape)} · mean ${formatNumber(s.mean, digits)} · [${formatNumber(s.min, digits)}, ${formatNumber(s.max, digits)}]`;
}

/** Add two decoded tensors of the same size (used when no "total" is sent). */
export function addTensors(a, b) {
  if (!a) return b;
  if (!b || !a.data || !b.data) return a;
  return { ...a, data: a.data.map((v, i) => v + b.data[i]), summary: null };
}

/** A decoded tensor of ones in a given shape (the seed ∂L/∂L = 1). */
export function onesLike(t) {
  const shape = t ? t.shape : [];
  const size = shape.reduce((a, b) => a * b, 1);
  return { shape, size, data: new Array(size).fill(1), summary: null };
}

/** Plain numbers of a decoded tensor (NaN stays NaN): for data attributes and tests. */
export function plainData(t) {
  return t && t.data ? t.data : null;
}

/** A short text of a tensor for sentences: the numbers when there are at most 4, else shape and mean. */
export function formatBrief(t, digits = 3) {
  if (!t) return "";
  if (t.data && t.size <= 4) return formatTensor(t, digits);
  return `${formatShape(t.shape)} values (mean ${formatNumber(summarize(t).mean, digits)})`;
}
