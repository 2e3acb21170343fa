import test from "node:test";
import assert from "node:assert/strict";
import { canonicalJson, findAnswer, offlineFetch, readOffline, OFFLINE_FORMAT } from "../../../web/js/shared/offline.js";
import { createApi } from "../../../web/js/shared/api.js";

const SPEC = { name: "xor", hidden: [{ units: 2, activation: "relu" }], params: [{ W: [[1, 1], [1, 1]], b: [0, -1] }] };
const DATA = {
  format: OFFLINE_FORMAT,
  version: 1,
  state: { lesson: "xor-relu" },
  answers: [
    { method: "GET", path: "/ops", answer: [{ name: "mul" }] },
    { method: "GET", path: "/lessons/xor-relu", answer: { id: "xor-relu", title: "XOR" } },
    { method: "POST", path: "/specs/step", body: SPEC, answer: { schema_version: 1, events: [] } },
    { method: "POST", path: "/expressions", body: { source: "x*y", values: { x: 2.0, y: -1 }, mode: "numeric" }, answer: { value: 1 } },
  ],
};

test("canonical JSON ignores key order but not values", () => {
  assert.equal(canonicalJson({ b: 1, a: [2, { d: 3, c: null }] }), canonicalJson({ a: [2, { c: null, d: 3 }], b: 1 }));
  assert.notEqual(canonicalJson({ a: 1 }), canonicalJson({ a: 1.5 }));
  assert.equal(canonicalJson(2.0), canonicalJson(2));
});

test("an answer is found by method, path and body", () => {
  assert.deepEqual(findAnswer(DATA, { method: "GET", path: "/ops" }), [{ name: "mul" }]);
  const reordered = { params: SPEC.params, hidden: SPEC.hidden, name: "xor" };
  assert.deepEqual(findAnswer(DATA, { method: "POST", path: "/specs/step", body: reordered }), { schema_version: 1, events: [] });
  assert.equal(findAnswer(DATA, { method: "POST", path: "/specs/step", body: { ...SPEC, params: null } }), undefined);
  assert.equal(findAnswer(DATA, { method: "POST", path: "/ops", body: {} }), undefined);
  assert.equal(findAnswer(DATA, { method: "GET", path: "/lessons/other" }), undefined);
});

test("the API client answers from the embedded data and never calls fetch", async () => {
  const api = createApi({ offline: DATA, fetchImpl: () => assert.fail("no network") });
  assert.deepEqual(await api.ops(), [{ name: "mul" }]);
  assert.equal((await api.lesson("xor-relu")).title, "XOR");
  assert.deepEqual(await api.specStep(SPEC), { schema_version: 1, events: [] });
  assert.deepEqual(await api.expression({ source: "x*y", values: { y: -1, x: 2 } }), { value: 1 });
  await assert.rejects(api.gradcheck({ source: "x*y", values: {}, variable: "x" }), (err) => {
    assert.equal(err.status, 404);
    assert.match(err.message, /without a server: POST \/gradcheck needs the server/);
    return true;
  });
});

test("a file:// URL is read like any other", async () => {
  const fetchImpl = offlineFetch(DATA);
  const response = await fetchImpl(new URL("file:///api/v1/lessons/xor-relu"), { method: "GET" });
  assert.equal(response.status, 200);
  assert.equal((await response.json()).id, "xor-relu");
});

test("readOffline takes only our embedded element", () => {
  const doc = (text) => ({ getElementById: (id) => (id === "backprop-playground-offline" && text !== null ? { textContent: text } : null) });
  assert.deepEqual(readOffline(doc(JSON.stringify(DATA))).state, { lesson: "xor-relu" });
  assert.equal(readOffline(doc(null)), null);
  assert.equal(readOffline(doc("{not json")), null);
  assert.equal(readOffline(doc(JSON.stringify({ format: "something else" }))), null);
});
