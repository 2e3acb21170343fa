import test from "node:test";
import assert from "node:assert/strict";
import { expressionTrace } from "./helpers.js";
import { outputValue, relativeError, checkExpressionGradient } from "../../web/js/gradcheck.js";

test("the output value of the golden trace is (2·(−1) + 2)·3 = 0", () => {
  assert.equal(outputValue(expressionTrace()), 0);
});

test("relative error is symmetric and zero for equal values", () => {
  assert.equal(relativeError(0, 0), 0);
  assert.equal(relativeError(1, 1.1), relativeError(1.1, 1));
});

test("the central difference goes through the API with the variable nudged", async () => {
  const calls = [];
  const api = {
    expression: async ({ values }) => {
      calls.push(values);
      const wire = expressionTrace();
      const out = wire.graph.nodes.at(-1).id;
      const f = (values.x * values.y + values.x) * values.z;
      wire.events.find((e) => e.type === "forward" && e.node === out).value = { shape: [], data: [f] };
      return wire;
    },
  };
  const r = await checkExpressionGradient(api, { source: "(x*y + x)*z", values: { x: 2, y: -1, z: 3 } }, "y", 6);
  assert.equal(calls.length, 2);
  assert.ok(Math.abs(r.numeric - 6) < 1e-6);
  assert.ok(r.relError < 1e-8);
});
