import test from "node:test";
import assert from "node:assert/strict";
import { paramOfLabel, nest, shapeOf, weightsOfTrace, replaceParam } from "../../web/js/weights.js";

const leaf = (id, label, shape) => ({ id, op: "leaf", label, role: "param", shape, inputs: [] });
const wire = {
  schema_version: 1,
  graph: { nodes: [leaf("n0", "W₁", [2, 2]), leaf("n1", "b₁", [2]), leaf("n2", "W₂", [2, 1]), leaf("n3", "b₂", [1])] },
  events: [
    { seq: 0, type: "forward", node: "n0", value: { shape: [2, 2], data: [1, 1, 1, 1] } },
    { seq: 1, type: "forward", node: "n1", value: { shape: [2], data: [0, -1] } },
    { seq: 2, type: "forward", node: "n2", value: { shape: [2, 1], data: [1, -2] } },
    { seq: 3, type: "forward", node: "n3", value: { shape: [1], data: [0] } },
  ],
};

test("layer parameters are found by their labels", () => {
  assert.deepEqual(paramOfLabel("W₁"), { layer: 0, key: "W" });
  assert.deepEqual(paramOfLabel("b₁₂"), { layer: 11, key: "b" });
  assert.equal(paramOfLabel("h₁"), null);
});

test("flat data nests into its shape and back", () => {
  assert.deepEqual(nest([1, 2, 3, 4, 5, 6], [2, 3]), [[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(shapeOf([[1, 2, 3], [4, 5, 6]]), [2, 3]);
  assert.equal(nest([7], []), 7);
});

test("a traced model's weights come out in the ModelSpec params layout", () => {
  assert.deepEqual(weightsOfTrace(wire), [{ W: [[1, 1], [1, 1]], b: [0, -1] }, { W: [[1], [-2]], b: [0] }]);
});

test("one parameter is replaced when its shape matches", () => {
  const w = replaceParam(weightsOfTrace(wire), "b₁", [0.5, -0.5]);
  assert.deepEqual(w[0].b, [0.5, -0.5]);
  assert.throws(() => replaceParam(w, "b₁", [1, 2, 3]), /needs shape \[2\]/);
  assert.throws(() => replaceParam(w, "W₂", [[1], ["x"]]), /finite/);
});
