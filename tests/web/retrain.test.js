import test from "node:test";
import assert from "node:assert/strict";
import { reinitialise, train, solution, traceLoss, plainWeights } from "../../web/js/retrain.js";

/** An API stand-in that records calls; models are created with `params`, trained to `trained`. */
function fakeApi({ params = [{ W: [[0.3], [0.7]], b: [0], alpha: null }], trained = [{ W: [[1], [1]], b: [0.5], alpha: null }] } = {}) {
  const calls = [];
  return {
    calls,
    createModel: async (spec) => (calls.push(["createModel", spec]), { id: "m", edit_token: "t", model: { params } }),
    trainModel: async (id, token, steps) => (calls.push(["trainModel", id, token, steps]), { loss: 0.001 }),
    model: async (id) => (calls.push(["model", id]), { params: trained }),
    deleteModel: async (id, token) => calls.push(["deleteModel", id, token]),
  };
}

const spec = { name: "xor", seed: 0, params: [{ W: [[1], [1]], b: [-1] }] };

test("re-initialise: a seeded model without the spec's weights, deleted at once", async () => {
  const api = fakeApi();
  const { weights } = await reinitialise(api, spec, 7);
  assert.deepEqual(api.calls[0], ["createModel", { name: "xor", seed: 7, params: null }]);
  assert.deepEqual(weights, [{ W: [[0.3], [0.7]], b: [0] }], "entries the layer does not have are left out");
  assert.deepEqual(api.calls.at(-1), ["deleteModel", "m", "t"]);
});

test("train: from the weights shown, N steps, the trained weights back", async () => {
  const api = fakeApi();
  const start = [{ W: [[2], [2]], b: [0] }];
  const result = await train(api, spec, start, 300);
  assert.deepEqual(api.calls[0][1].params, start);
  assert.deepEqual(api.calls[1], ["trainModel", "m", "t", 300]);
  assert.deepEqual(result, { weights: [{ W: [[1], [1]], b: [0.5] }], loss: 0.001 });
  assert.deepEqual(api.calls.at(-1), ["deleteModel", "m", "t"]);
});

test("the solution is the spec's own weights; the loss is the trace's metrics", () => {
  assert.deepEqual(solution(spec), spec.params);
  assert.equal(solution({ name: "x" }), null);
  assert.equal(traceLoss({ events: [{ type: "forward" }, { type: "metrics", loss: 0.75 }] }), 0.75);
  assert.ok(Number.isNaN(traceLoss({ events: [{ type: "metrics", loss: "NaN" }] })));
  assert.equal(traceLoss({ events: [] }), null);
  assert.deepEqual(plainWeights([{ W: [[1]], b: [0], alpha: null }]), [{ W: [[1]], b: [0] }]);
});
