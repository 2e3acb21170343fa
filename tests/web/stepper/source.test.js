import test from "node:test";
import assert from "node:assert/strict";
import { loadSource } from "../../../web/js/stepper/source.js";
import { decodeState } from "../../../web/js/shared/state.js";

/** An API stand-in that records calls and answers like the server's routes. */
function fakeApi() {
  const calls = [];
  const saved = { id: "m1", spec: { name: "xor", hidden: [] }, params: [{ W: [[1], [2]], b: [3] }] };
  return {
    calls,
    model: async (id) => (calls.push(["model", id]), saved),
    specStep: async (spec) => (calls.push(["specStep", spec]), { schema_version: 1, graph: { nodes: [] }, events: [] }),
  };
}

test("a saved model is traced from its spec and current params, storing nothing", async () => {
  const api = fakeApi();
  const loaded = await loadSource(api, decodeState("model=m1"));
  assert.equal(loaded.kind, "model");
  assert.deepEqual(api.calls[0], ["model", "m1"]);
  assert.deepEqual(api.calls[1], ["specStep", { name: "xor", hidden: [], params: [{ W: [[1], [2]], b: [3] }] }]);
  assert.equal(api.calls.length, 2, "no model is created or deleted");
  assert.deepEqual(loaded.spec, { name: "xor", hidden: [] });
});

test("weights in the URL win over the saved model's params", async () => {
  const api = fakeApi();
  const weights = [{ W: [[0], [0]], b: [1] }];
  await loadSource(api, { ...decodeState("model=m1"), weights });
  assert.deepEqual(api.calls[1][1].params, weights);
});

test("a lesson's model panel starts from its own start weights, and URL weights win over them", async () => {
  const api = fakeApi();
  const start = [{ W: [[1], [1]], b: [-0.5] }];
  const lesson = { id: "l", panels: [{ title: "p", spec: { name: "xor", params: [{ W: [[1], [1]], b: [-1] }] }, start }] };
  const cache = new Map([["l", lesson]]);
  const loaded = await loadSource(api, decodeState("lesson=l"), cache);
  assert.deepEqual(api.calls[0][1].params, start);
  assert.deepEqual(loaded.weights, start);
  const weights = [{ W: [[0], [0]], b: [0] }];
  await loadSource(api, { ...decodeState("lesson=l"), weights }, cache);
  assert.deepEqual(api.calls[1][1].params, weights);
});
