import test from "node:test";
import assert from "node:assert/strict";
import { accuracyOf, lossOf, neuronSurfaces, outputGrid } from "../../../web/js/studio/surface.js";

const logistic = { hidden: [], output: { kind: "sigmoid", units: 1 } };
const params = [{ W: [[0], [0]], b: [0] }];

test("binary cross-entropy of a coin-flip model is log 2", () => {
  assert.ok(Math.abs(lossOf(logistic, params, [[1, 2], [3, 4]], [0, 1]) - Math.log(2)) < 1e-12);
});

test("squared error and cross-entropy follow their definitions", () => {
  const linear = { hidden: [], output: { kind: "linear", units: 1 } };
  assert.equal(lossOf(linear, [{ W: [[1]], b: [0] }], [[2]], [[1]]), 1);
  const softmax = { hidden: [], output: { kind: "softmax", units: 2 } };
  const ce = lossOf(softmax, [{ W: [[0, 0]], b: [0, 0] }], [[1]], [1]);
  assert.ok(Math.abs(ce - Math.log(2)) < 1e-12);
});

test("accuracy thresholds probabilities at one half", () => {
  const p = [{ W: [[1], [0]], b: [0] }];
  assert.equal(accuracyOf(logistic, p, [[1, 0], [-1, 0], [2, 0]], [1, 0, 0]), 2 / 3);
});

test("surfaces cover every neuron, the output grid every cell", () => {
  const spec = { hidden: [{ units: 3, activation: "relu" }], output: { kind: "sigmoid", units: 1 } };
  const p = [{ W: [[1, 0, 1], [0, 1, 1]], b: [0, 0, 0] }, { W: [[1], [1], [1]], b: [0] }];
  const s = neuronSurfaces(spec, p, { x: [-1, 1], y: [-1, 1] }, 4, 2);
  assert.deepEqual(s.layers.map((l) => l.length), [2, 3, 1]);
  assert.equal(s.layers[1][0].length, 16);
  assert.equal(outputGrid(spec, p, { x: [-1, 1], y: [-1, 1] }, 5).values.length, 25);
  assert.equal(neuronSurfaces(spec, p, null, 4, 1), null);
});

test("a linear output on 0/1 labels is scored at one half, like the server", () => {
  const linear = { hidden: [], output: { kind: "linear", units: 1 } };
  const p = [{ W: [[1], [0]], b: [0] }];
  assert.equal(accuracyOf(linear, p, [[1, 0], [0, 0]], [1, 1]), 0.5);
  assert.equal(accuracyOf(linear, p, [[1, 0]], [0.3]), null);
});
