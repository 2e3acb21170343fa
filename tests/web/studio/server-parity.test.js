// The browser's forward pass and trace reading against the server's, on golden steps written by
// make_fixtures.py (one per activation / output kind the studio draws).
import test from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { forwardAll } from "../../../web/js/studio/forward.js";
import { applyUpdates, gradientsFrom, metricsFrom, paramNodeMap } from "../../../web/js/studio/traceparams.js";
import { paramShapes } from "../../../web/js/studio/spec.js";

const dir = new URL("./fixtures/", import.meta.url);
const fixtures = readdirSync(dir).filter((f) => f.endsWith(".json"))
  .map((f) => [f, JSON.parse(readFileSync(new URL(f, dir), "utf8"))]);

const close = (a, b, tol = 1e-9) => Math.abs(a - b) <= tol * (1 + Math.abs(b));
const sigmoid = (z) => 1 / (1 + Math.exp(-z));

/** The server's raw output turned into what forwardAll reports (probabilities for sigmoid/softmax). */
function expected(kind, row) {
  if (kind === "sigmoid") return row.map(sigmoid);
  if (kind !== "softmax") return row;
  const top = Math.max(...row);
  const e = row.map((z) => Math.exp(z - top));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

for (const [name, fx] of fixtures) {
  test(`${name}: the update events give the server's weights after the step`, () => {
    const map = paramNodeMap(fx.trace.graph);
    const after = applyUpdates(fx.before, fx.trace.events, map);
    assert.deepEqual(after, fx.after);
  });

  test(`${name}: every W and b gets its final gradient, shaped like the weights`, () => {
    const grads = gradientsFrom(fx.trace.events, paramNodeMap(fx.trace.graph));
    const inputDim = fx.rows[0].length;
    paramShapes(fx.spec, inputDim).forEach((shape, l) => {
      assert.equal(grads[l].W.length, shape.W[0]);
      assert.equal(grads[l].W[0].length, shape.W[1]);
      assert.equal(grads[l].b.length, shape.b[0]);
    });
    assert.equal(metricsFrom(fx.trace.events).step, 1);
  });

  test(`${name}: the browser's forward pass matches the server's output`, () => {
    const { output } = forwardAll(fx.spec, fx.after, fx.rows);
    fx.output.forEach((row, r) => {
      const want = expected(fx.spec.output.kind, row);
      want.forEach((v, j) => assert.ok(close(output.values[r * output.width + j], v), `row ${r} unit ${j}`));
    });
  });
}

test("there is a fixture for every output kind", () => {
  const kinds = new Set(fixtures.map(([, fx]) => fx.spec.output.kind));
  assert.deepEqual([...kinds].sort(), ["linear", "mixture_density", "sigmoid", "softmax"]);
});
