import test from "node:test";
import assert from "node:assert/strict";
import { applyUpdates, firstNonFinite, gradientsFrom, metricsFrom, paramNodeMap } from "../../../web/js/studio/traceparams.js";

const graph = {
  nodes: [
    { id: "n0", op: "input", role: "input", shape: [4, 2], label: "x", inputs: [] },
    { id: "n1", op: "param", role: "param", shape: [2, 2], label: "W₁", inputs: [], param: { layer: 0, key: "W", index: null } },
    { id: "n2", op: "param", role: "param", shape: [2], label: "b₁", inputs: [], param: { layer: 0, key: "b", index: null } },
    { id: "n3", op: "matmul", role: "op", shape: [4, 2], label: "x·W₁", inputs: ["n0", "n1"] },
    { id: "n4", op: "param", role: "param", shape: [2, 1], label: "W₂", inputs: [], param: { layer: 1, key: "W", index: null } },
    { id: "n5", op: "param", role: "param", shape: [1], label: "b₂", inputs: [], param: { layer: 1, key: "b", index: null } },
  ],
};

test("param nodes map to layers by their param field, named by the shared names", () => {
  const map = paramNodeMap(graph);
  assert.deepEqual([map.n1.layer, map.n1.key, map.n2.layer, map.n2.key, map.n5.layer, map.n5.key], [0, "W", 0, "b", 1, "b"]);
  assert.deepEqual([map.n1.label, map.n5.label], ["W₁", "b₂"]);
  assert.equal(map.n3, undefined);
});

test("a label alone does not make a node a parameter", () => {
  const unmarked = { nodes: graph.nodes.map(({ param, ...n }) => n) };
  assert.deepEqual(paramNodeMap(unmarked), {});
});

test("update events replace weights; final gradients come from pending 0", () => {
  const map = paramNodeMap(graph);
  const params = [{ W: [[0, 0], [0, 0]], b: [0, 0] }, { W: [[0], [0]], b: [0] }];
  const events = [
    { type: "backward", node: "n4", pending: 1, total: { shape: [2, 1], data: [9, 9] } },
    { type: "backward", node: "n4", pending: 0, total: { shape: [2, 1], data: [1, 2] } },
    { type: "update", node: "n1", value: { shape: [2, 2], data: [1, 2, 3, 4] } },
    { type: "metrics", step: 3, loss: 0.5, accuracy: 1 },
  ];
  const next = applyUpdates(params, events, map);
  assert.deepEqual(next[0].W, [[1, 2], [3, 4]]);
  assert.deepEqual(params[0].W, [[0, 0], [0, 0]]);
  assert.deepEqual(gradientsFrom(events, map)[1].W, [[1], [2]]);
  assert.equal(metricsFrom(events).step, 3);
});

test("the first non-finite value names its phase and node", () => {
  const events = [
    { type: "forward", node: "n3", value: { shape: [1], data: [1] } },
    { type: "backward", node: "n1", pending: 0, total: { shape: [1], data: ["Infinity"] } },
    { type: "metrics", step: 7, loss: "NaN" },
  ];
  assert.deepEqual(firstNonFinite(events, graph), { phase: "backward", node: "n1", label: "W₁" });
  assert.equal(firstNonFinite([{ type: "metrics", loss: "NaN" }], graph).phase, "metrics");
  assert.equal(firstNonFinite(events.slice(0, 1), graph), null);
});
