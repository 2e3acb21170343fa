import test from "node:test";
import assert from "node:assert/strict";
import { nest, shapeOf, weightsOfTrace, replaceParam } from "../../../web/js/stepper/weights.js";

const leaf = (id, label, shape, layer, key) => ({ id, op: "leaf", label, role: "param", shape, inputs: [], param: { layer, key, index: null } });
const wire = {
  schema_version: 1,
  graph: { nodes: [leaf("n0", "W₁", [2, 2], 0, "W"), leaf("n1", "b₁", [2], 0, "b"), leaf("n2", "W₂", [2, 1], 1, "W"), leaf("n3", "b₂", [1], 1, "b")] },
  events: [
    { seq: 0, type: "forward", node: "n0", value: { shape: [2, 2], data: [1, 1, 1, 1] } },
    { seq: 1, type: "forward", node: "n1", value: { shape: [2], data: [0, -1] } },
    { seq: 2, type: "forward", node: "n2", value: { shape: [2, 1], data: [1, -2] } },
    { seq: 3, type: "forward", node: "n3", value: { shape: [1], data: [0] } },
  ],
};

test("flat data nests into its shape and back", () => {
  assert.deepEqual(nest([1, 2, 3, 4, 5, 6], [2, 3]), [[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(shapeOf([[1, 2, 3], [4, 5, 6]]), [2, 3]);
  assert.equal(nest([7], []), 7);
});

test("a traced model's weights come out in the ModelSpec params layout", () => {
  assert.deepEqual(weightsOfTrace(wire), [{ W: [[1, 1], [1, 1]], b: [0, -1] }, { W: [[1], [-2]], b: [0] }]);
});

test("parameters are found by their param field, not by their labels", () => {
  const relabelled = structuredClone(wire);
  relabelled.graph.nodes.forEach((n) => { n.label = "w"; });
  assert.deepEqual(weightsOfTrace(relabelled), weightsOfTrace(wire));
  const unmarked = structuredClone(wire);
  delete unmarked.graph.nodes[3].param;
  assert.equal(weightsOfTrace(unmarked), null);
});

test("one parameter is replaced when its shape matches", () => {
  const w = replaceParam(weightsOfTrace(wire), { layer: 0, key: "b" }, [0.5, -0.5]);
  assert.deepEqual(w[0].b, [0.5, -0.5]);
  assert.throws(() => replaceParam(w, { layer: 0, key: "b" }, [1, 2, 3]), /b₁ needs shape \[2\]/);
  assert.throws(() => replaceParam(w, { layer: 1, key: "W" }, [[1], ["x"]]), /finite/);
  assert.throws(() => replaceParam(w, null, [1]), /not a layer weight/);
});
