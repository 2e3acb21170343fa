import test from "node:test";
import assert from "node:assert/strict";
import {
  DEFAULT_SPEC, classCount, effectiveLoss, isLiveChange, layerSizes, normalizeSpec, outputUnits,
  paramShapes, paramsFit, validateSpec, withLayerCount, withWeight,
} from "../../../web/js/studio/spec.js";

test("the default spec is a valid 2-8-8-1 net", () => {
  const spec = normalizeSpec(DEFAULT_SPEC);
  assert.deepEqual(validateSpec(spec), []);
  assert.deepEqual(layerSizes(spec), [2, 8, 8, 1]);
  assert.equal(effectiveLoss(spec), "binary_cross_entropy");
});

test("maxout layers have pieces × units pre-activations", () => {
  const spec = normalizeSpec({ hidden: [{ units: 3, activation: "maxout", pieces: 2 }], output: { kind: "sigmoid", units: 1 } });
  assert.deepEqual(paramShapes(spec), [{ W: [2, 6], b: [6] }, { W: [3, 1], b: [1] }]);
});

test("validation names the field and the problem", () => {
  const spec = normalizeSpec({ hidden: [{ units: 0, activation: "relu" }], optimizer: { name: "adam", lr: -1 } });
  const fields = validateSpec(spec).map((e) => e.field);
  assert.deepEqual(fields, ["hidden.0.units", "optimizer.lr"]);
});

test("the learning rate changes live; weight decay and widths need a new model", () => {
  const a = normalizeSpec(DEFAULT_SPEC);
  assert.equal(isLiveChange(a, { ...a, optimizer: { ...a.optimizer, lr: 0.3 } }), true);
  assert.equal(isLiveChange(a, { ...a, weight_decay: 0.01 }), false);
  assert.equal(isLiveChange(a, withLayerCount(a, 3)), false);
});

test("params fit only their spec's shapes", () => {
  const spec = normalizeSpec({ hidden: [{ units: 2, activation: "relu" }], output: { kind: "linear", units: 1 } });
  const params = [{ W: [[1, 1], [1, 1]], b: [0, -1] }, { W: [[1], [-2]], b: [0] }];
  assert.equal(paramsFit(spec, params), true);
  assert.equal(paramsFit(withLayerCount(spec, 2), params), false);
});

test("editing one weight leaves the others alone", () => {
  const params = [{ W: [[1, 2], [3, 4]], b: [5, 6] }];
  const next = withWeight(params, 0, 1, 0, 9);
  assert.deepEqual(next[0].W, [[1, 2], [9, 4]]);
  assert.deepEqual(params[0].W, [[1, 2], [3, 4]]);
  assert.deepEqual(withWeight(params, 0, null, 1, 0)[0].b, [5, 0]);
});

test("output units follow the data", () => {
  assert.equal(outputUnits("softmax", { classes: 3 }), 3);
  assert.equal(outputUnits("mixture_density"), 1);
  const mdn = normalizeSpec({ hidden: [], output: { kind: "mixture_density", units: 1, components: 4 } });
  assert.deepEqual(paramShapes(mdn, 1), [{ W: [1, 12], b: [12] }]);
  assert.equal(classCount([0, 2, 1]), 3);
  assert.equal(classCount([0.5, 1]), 0);
});
