import test from "node:test";
import assert from "node:assert/strict";
import { inputRows, testMask, trainCount } from "../../../web/js/studio/data.js";

test("the training share rounds as the server does", () => {
  assert.equal(trainCount(200, 0.3), 140);
  assert.equal(trainCount(5, 0.5), 3); // round(2.5) = 2 in Python
  assert.equal(trainCount(7, 0.5), 3); // round(3.5) = 4
  assert.equal(trainCount(10, null), 10);
});

test("rows missing from the training rows are the test rows, duplicates counted", () => {
  const x = [[0, 0], [1, 1], [0, 0], [2, 2]];
  assert.deepEqual(testMask(x, [[0, 0], [2, 2]], 2), [false, true, true, false]);
  assert.deepEqual(testMask(x, [[0, 0]], 2), [false, false, false, false]);
});

test("the input node's forward value gives the rows", () => {
  const trace = {
    graph: { nodes: [{ id: "n0", role: "input" }, { id: "n1", role: "param" }] },
    events: [{ type: "forward", node: "n0", value: { shape: [2, 2], data: [1, 2, 3, 4] } }],
  };
  assert.deepEqual(inputRows(trace), [[1, 2], [3, 4]]);
});
