import test from "node:test";
import assert from "node:assert/strict";
import { applyEdit, withCsvData, withNamedData } from "../../../web/js/studio/edits.js";
import { DEFAULT_SPEC, normalizeSpec } from "../../../web/js/studio/spec.js";
import { FALLBACK_DATASETS } from "../../../web/js/studio/presets.js";

const spec = { ...normalizeSpec(DEFAULT_SPEC), params: [{ W: [[1]], b: [0] }] };
const ctx = { datasets: FALLBACK_DATASETS, classes: 2 };

test("the learning rate changes live and keeps the weights", () => {
  const { spec: next, structural } = applyEdit(spec, "optimizer.lr", "0.3", ctx);
  assert.equal(structural, false);
  assert.equal(next.optimizer.lr, 0.3);
  assert.ok(next.params);
});

test("a width change is structural and drops the weights", () => {
  const { spec: next, structural } = applyEdit(spec, "hidden.1.units", "5", ctx);
  assert.equal(structural, true);
  assert.equal(next.hidden[1].units, 5);
  assert.equal(next.params, undefined);
});

test("choosing maxout adds pieces, leaky ReLU adds α", () => {
  assert.equal(applyEdit(spec, "hidden.0.activation", "maxout", ctx).spec.hidden[0].pieces, 2);
  assert.equal(applyEdit(spec, "hidden.0.activation", "leaky_relu", ctx).spec.hidden[0].alpha, 0.01);
  assert.equal(applyEdit(spec, "hidden.0.activation", "relu", ctx).spec.hidden[0].alpha, undefined);
});

test("choosing the spiral picks a softmax over its classes", () => {
  const { spec: next } = applyEdit(spec, "data.dataset", "spiral", ctx);
  assert.deepEqual(next.output, { kind: "softmax", units: 3 });
  assert.equal(next.data.classes, 3);
  assert.equal(next.data.test_fraction, 0.3);
});

test("layers are added by copying the last and removed from the end", () => {
  assert.equal(applyEdit(spec, "layers", "3", ctx).spec.hidden.length, 3);
  assert.deepEqual(applyEdit(spec, "layers", "0", ctx).spec.hidden, []);
});

test("an empty batch size means full batch; empty loss means the matching one", () => {
  assert.equal(applyEdit(spec, "batch_size", "", ctx).spec.batch_size, null);
  assert.equal(applyEdit(spec, "loss", "", ctx).spec.loss, null);
  assert.throws(() => applyEdit(spec, "nope", "1", ctx), /unknown field/);
});

test("CSV rows replace the data and fit the output to their task", () => {
  const csv = { task: "multiclass", classes: 4, x: [[0, 1]], y: [3] };
  const next = withCsvData(spec, csv);
  assert.deepEqual(next.output, { kind: "softmax", units: 4 });
  assert.deepEqual(next.data, { x: [[0, 1]], y: [3], test_fraction: 0.2 });
  assert.equal(next.params, undefined);
  assert.equal(withCsvData(spec, { task: "regression", x: [[1]], y: [0.5] }).output.kind, "linear");
  assert.equal(withNamedData(next).data.dataset, "moons");
});

test("a new optimizer or loss keeps the weights", () => {
  for (const [field, raw] of [["optimizer.name", "momentum"], ["loss", "mse"]]) {
    const { spec: next, structural } = applyEdit(spec, field, raw, ctx);
    assert.equal(structural, false, field);
    assert.ok(next.params, field);
  }
});
