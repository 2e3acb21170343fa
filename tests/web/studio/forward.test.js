import test from "node:test";
import assert from "node:assert/strict";
import { activate, column, forwardAll } from "../../../web/js/studio/forward.js";

const xorSpec = { hidden: [{ units: 2, activation: "relu" }], output: { kind: "linear", units: 1 } };
const xorParams = [
  { W: [[1, 1], [1, 1]], b: [0, -1] },
  { W: [[1], [-2]], b: [0] },
];

test("Goodfellow's XOR net gives h and y exactly", () => {
  const { layers, output } = forwardAll(xorSpec, xorParams, [[0, 0], [0, 1], [1, 0], [1, 1]]);
  assert.deepEqual([...layers[1].values], [0, 0, 1, 0, 1, 0, 2, 1]);
  assert.deepEqual([...output.values], [0, 1, 1, 0]);
  assert.deepEqual([...column(layers[1], 0)], [0, 1, 1, 2]);
});

test("sigmoid output gives probabilities", () => {
  const spec = { hidden: [], output: { kind: "sigmoid", units: 1 } };
  const { output } = forwardAll(spec, [{ W: [[1], [0]], b: [0] }], [[0, 0], [100, 0], [-100, 0]]);
  assert.deepEqual([...output.values].map((v) => Math.round(v * 1000) / 1000), [0.5, 1, 0]);
});

test("softmax rows sum to one", () => {
  const spec = { hidden: [], output: { kind: "softmax", units: 3 } };
  const { output } = forwardAll(spec, [{ W: [[1, 2, 3], [0, 0, 0]], b: [0, 0, 0] }], [[1, 5]]);
  const sum = [...output.values].reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(sum - 1) < 1e-12);
  assert.ok(output.values[2] > output.values[1]);
});

test("leaky ReLU uses α, abs folds, maxout takes the largest piece of each unit", () => {
  const z = Float64Array.from([-2, 3]);
  assert.deepEqual([...activate(z, 1, { activation: "leaky_relu", alpha: 0.5 })], [-1, 3]);
  assert.deepEqual([...activate(z, 1, { activation: "abs" })], [2, 3]);
  const pieces = Float64Array.from([1, 5, -2, -7]);
  assert.deepEqual([...activate(pieces, 1, { activation: "maxout", units: 2, pieces: 2 })], [5, -2]);
});

test("a learned PReLU slope in params wins over the spec", () => {
  const z = Float64Array.from([-4]);
  assert.deepEqual([...activate(z, 1, { activation: "prelu" }, { alpha: [0.5] })], [-2]);
});

test("PReLU slopes apply unit by unit", () => {
  const z = Float64Array.from([-4, -4]);
  assert.deepEqual([...activate(z, 1, { activation: "prelu" }, { alpha: [0.5, 0.25] })], [-2, -1]);
});
