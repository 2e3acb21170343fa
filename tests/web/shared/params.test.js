import test from "node:test";
import assert from "node:assert/strict";
import { paramName, paramNodes, paramRef, subscript, unitName } from "../../../web/js/shared/params.js";

test("parameters are named W₁, b₂, α₁ from their identity, with 0-based entries", () => {
  assert.equal(paramName({ layer: 0, key: "W" }), "W₁");
  assert.equal(paramName({ layer: 1, key: "b", index: null }), "b₂");
  assert.equal(paramName({ layer: 0, key: "alpha" }), "α₁");
  assert.equal(paramName({ layer: 0, key: "W", index: [0, 1] }), "W₁[0,1]");
  assert.equal(paramName({ layer: 11, key: "b", index: [3] }), "b₁₂[3]");
  assert.equal(subscript(10), "₁₀");
});

test("units are named after the layer output they are an entry of", () => {
  assert.equal(unitName(0, 2), "h₁[2]");
  assert.equal(unitName(1, 0, { output: true }), "ŷ[0]");
});

test("only nodes with a well-formed param field are parameters", () => {
  const graph = { nodes: [
    { id: "n0", role: "param", label: "W₁", param: { layer: 0, key: "W", index: null } },
    { id: "n1", role: "param", label: "b₁" },
    { id: "n2", role: "op", label: "z₁" },
    { id: "n3", role: "param", label: "?", param: { layer: "0", key: "W", index: null } },
  ] };
  assert.deepEqual(paramNodes(graph), { n0: { layer: 0, key: "W", index: null } });
  assert.equal(paramRef(graph.nodes[1]), null);
});
