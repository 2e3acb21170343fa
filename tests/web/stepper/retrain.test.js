import test from "node:test";
import assert from "node:assert/strict";
import { reinitialise, train, solution, traceLoss, plainWeights } from "../../../web/js/stepper/retrain.js";

/** An API stand-in that records calls; a spec trains to `trained` (0 steps: its initial `params`). */
function fakeApi({ params = [{ W: [[0.3], [0.7]], b: [0], alpha: null }], trained = [{ W: [[1], [1]], b: [0.5], alpha: null }] } = {}) {
  const calls = [];
  return {
    calls,
    specTrain: async (spec, steps) => (calls.push(["specTrain", spec, steps]),
      { step: steps, loss: steps ? 0.001 : null, params: steps ? trained : params }),
  };
}

const spec = { name: "xor", seed: 0, params: [{ W: [[1], [1]], b: [-1] }] };

test("re-initialise: a seeded start without the spec's weights, nothing stored", async () => {
  const api = fakeApi();
  const { weights } = await reinitialise(api, spec, 7);
  assert.deepEqual(api.calls, [["specTrain", { name: "xor", seed: 7, params: null }, 0]]);
  assert.deepEqual(weights, [{ W: [[0.3], [0.7]], b: [0] }], "entries the layer does not have are left out");
});

test("train: from the weights shown, N steps, the trained weights back", async () => {
  const api = fakeApi();
  const start = [{ W: [[2], [2]], b: [0] }];
  const result = await train(api, spec, start, 300);
  assert.deepEqual(api.calls[0][1].params, start);
  assert.equal(api.calls[0][2], 300);
  assert.deepEqual(result, { weights: [{ W: [[1], [1]], b: [0.5] }], loss: 0.001 });
});

test("the solution is the spec's own weights; the loss is the trace's metrics", () => {
  assert.deepEqual(solution(spec), spec.params);
  assert.equal(solution({ name: "x" }), null);
  assert.equal(traceLoss({ events: [{ type: "forward" }, { type: "metrics", loss: 0.75 }] }), 0.75);
  assert.ok(Number.isNaN(traceLoss({ events: [{ type: "metrics", loss: "NaN" }] })));
  assert.equal(traceLoss({ events: [] }), null);
  assert.deepEqual(plainWeights([{ W: [[1]], b: [0], alpha: null }]), [{ W: [[1]], b: [0] }]);
});
