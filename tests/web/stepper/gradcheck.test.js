import test from "node:test";
import assert from "node:assert/strict";
import { expressionTrace } from "../helpers.js";
import { outputValue, relativeError, checkExpressionGradient, checkGradient } from "../../../web/js/stepper/gradcheck.js";
import { ApiError } from "../../../web/js/shared/api.js";

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
  assert.ok(Math.abs(r.numeric.data[0] - 6) < 1e-6);
  assert.ok(r.relError < 1e-8);
});

test("the server's gradient check is used when it answers", async () => {
  const api = { gradcheck: async () => [{ variable: "y", passed: true, max_rel_error: 1e-10, analytic: { shape: [], data: [6] }, numeric: { shape: [], data: [6.0000001] } }] };
  const r = await checkGradient(api, { source: "x*y", values: { x: 6, y: 1 } }, "y", 6);
  assert.equal(r.relError, 1e-10);
  assert.match(r.note, /server/);
});

test("without a gradcheck route the client falls back to its own central difference", async () => {
  const api = {
    gradcheck: async () => { throw new ApiError(404, "Not Found"); },
    expression: async ({ values }) => {
      const wire = expressionTrace();
      const out = wire.graph.nodes.at(-1).id;
      wire.events.find((e) => e.type === "forward" && e.node === out).value = { shape: [], data: [(values.x * values.y + values.x) * values.z] };
      return wire;
    },
  };
  const r = await checkGradient(api, { source: "(x*y + x)*z", values: { x: 2, y: -1, z: 3 } }, "x", 0);
  assert.ok(Math.abs(r.numeric.data[0]) < 1e-6);
  assert.match(r.note, /central difference/);
});
