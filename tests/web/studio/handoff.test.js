import test from "node:test";
import assert from "node:assert/strict";
import { stepperUrl } from "../../../web/js/studio/handoff.js";
import { decodeState } from "../../../web/js/shared/state.js";

test("the stepper link carries the spec, the current weights and the model id", () => {
  const spec = { hidden: [], output: { kind: "sigmoid", units: 1 }, data: { dataset: "moons" }, params: [{ W: [[0], [0]], b: [0] }] };
  const now = [{ W: [[0.5], [-1.25]], b: [0.125] }];
  const url = stepperUrl(spec, now, "abc", "dark");
  const state = decodeState(url.slice(2));
  assert.deepEqual(state.weights, now);
  assert.equal(state.spec.params, undefined);
  assert.equal(state.spec.output.kind, "sigmoid");
  assert.equal(state.theme, "dark");
  assert.equal(new URLSearchParams(url.slice(2)).get("model"), "abc");
  assert.equal(stepperUrl(null, null, null), "/");
});

test("a spec too big for a link is handed over by model id", () => {
  const x = Array.from({ length: 3000 }, (_, i) => [i / 7, i / 11]);
  const spec = { hidden: [], output: { kind: "sigmoid", units: 1 }, data: { x, y: x.map(() => 0) } };
  assert.equal(stepperUrl(spec, [{ W: [[0], [0]], b: [0] }], "m1"), "/?model=m1");
});
