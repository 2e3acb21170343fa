import test from "node:test";
import assert from "node:assert/strict";
import {
  formatNumber, formatShape, formatTensor, parseDisplayed, tensorKind, summarize, asMatrix, formatBrief,
} from "../../../web/js/shared/format.js";
import { decodeNumber, decodeTensor } from "../../../web/js/shared/tensor-decode.js";

test("non-finite wire strings decode to numbers", () => {
  assert.ok(Number.isNaN(decodeNumber("NaN")));
  assert.equal(decodeNumber("Infinity"), Infinity);
  assert.equal(decodeNumber("-Infinity"), -Infinity);
  assert.equal(decodeNumber(0.5), 0.5);
});

test("tensors decode with size and flat data", () => {
  const t = decodeTensor({ shape: [2, 2], data: [1, "NaN", 3, 4] });
  assert.equal(t.size, 4);
  assert.ok(Number.isNaN(t.data[1]));
  assert.deepEqual(decodeTensor({ shape: [], data: [2] }).data, [2]);
});

test("integers print as they are, with a true minus sign", () => {
  assert.equal(formatNumber(2), "2");
  assert.equal(formatNumber(-1), "\u22121");
  assert.equal(formatNumber(0), "0");
  assert.equal(formatNumber(-0), "0");
});

test("fractions print with about three significant digits, zeros trimmed", () => {
  assert.equal(formatNumber(0.3), "0.3");
  assert.equal(formatNumber(0.123456), "0.123");
  assert.equal(formatNumber(-0.99330714), "\u22120.993");
  assert.equal(formatNumber(-0.0132, 3), "\u22120.0132");
  assert.equal(formatNumber(12.3456), "12.3");
  assert.equal(formatNumber(1234.56), "1235");
});

test("tiny and huge magnitudes use exponent form", () => {
  assert.equal(formatNumber(1.234e-5), "1.23e\u22125");
  assert.equal(formatNumber(2.5e7), "2.5e7");
});

test("non-finite numbers print as NaN and infinity", () => {
  assert.equal(formatNumber("NaN"), "NaN");
  assert.equal(formatNumber(-Infinity), "\u2212∞");
});

test("displayed numbers parse back", () => {
  assert.equal(parseDisplayed("\u22120.993"), -0.993);
  assert.equal(parseDisplayed(formatNumber(0.25)), 0.25);
});

test("shapes print as rows×cols", () => {
  assert.equal(formatShape([]), "scalar");
  assert.equal(formatShape([4, 2]), "4×2");
});

test("tensor kind depends on size", () => {
  assert.equal(tensorKind(decodeTensor({ shape: [], data: [1] })), "scalar");
  assert.equal(tensorKind(decodeTensor({ shape: [4, 2], data: new Array(8).fill(0) })), "matrix");
  assert.equal(tensorKind(decodeTensor({ shape: [20, 20], data: new Array(400).fill(0) })), "heatmap");
  assert.equal(tensorKind(decodeTensor({ shape: [100, 100], summary: { min: 0, max: 1, mean: 0.5, std: 0.1 } })), "summary");
});

test("small tensors print in full, large ones as a summary", () => {
  assert.equal(formatTensor(decodeTensor({ shape: [2, 2], data: [1, 0, 2, 1] })), "[1, 0; 2, 1]");
  const big = decodeTensor({ shape: [10, 10], data: Array.from({ length: 100 }, (_, i) => i) });
  assert.match(formatTensor(big), /^10×10 · mean 49.5 · \[0, 99\]$/);
});

test("summaries compute mean and std", () => {
  const s = summarize(decodeTensor({ shape: [4], data: [1, 2, 3, 4] }));
  assert.equal(s.mean, 2.5);
  assert.equal(s.min, 1);
  assert.ok(Math.abs(s.std - Math.sqrt(1.25)) < 1e-12);
});

test("vectors are one row; matrices keep their columns", () => {
  assert.deepEqual(asMatrix(decodeTensor({ shape: [3], data: [1, 2, 3] })), { rows: 1, cols: 3 });
  assert.deepEqual(asMatrix(decodeTensor({ shape: [4, 2], data: new Array(8).fill(0) })), { rows: 4, cols: 2 });
});

test("brief tensors for sentences: numbers up to four, else shape and mean", () => {
  assert.equal(formatBrief(decodeTensor({ shape: [2], data: [1, 2] })), "[1, 2]");
  assert.equal(formatBrief(decodeTensor({ shape: [2, 4], data: [1, 1, 1, 1, 3, 3, 3, 3] })), "2×4 values (mean 2)");
});
