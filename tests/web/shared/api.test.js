import test from "node:test";
import assert from "node:assert/strict";
import { createApi, retryAfterSeconds, retryBusy, ApiError } from "../../../web/js/shared/api.js";

/** A fetch that answers with the given responses in turn and records when it was called. */
function fakeFetch(answers) {
  const calls = [];
  const fetchImpl = async (url, init) => {
    calls.push({ url: String(url), method: init.method });
    const a = answers[Math.min(calls.length - 1, answers.length - 1)];
    return {
      status: a.status,
      ok: a.status < 400,
      statusText: "",
      headers: new Map(Object.entries(a.headers ?? {}).map(([k, v]) => [k, v])),
      json: async () => a.body,
    };
  };
  return { fetchImpl, calls };
}

const busy = (retryAfter) => ({ status: 503, headers: retryAfter === undefined ? {} : { "Retry-After": retryAfter }, body: { detail: "all 4 CPU job slots are busy" } });

test("a 503 is retried after the server's Retry-After, telling the page it waits", async () => {
  const { fetchImpl, calls } = fakeFetch([busy("2"), busy("3"), { status: 200, body: { id: "xor-relu" } }]);
  const slept = [];
  const told = [];
  const api = createApi({ fetchImpl, sleep: async (ms) => slept.push(ms), onBusy: (b) => told.push(b) });
  assert.deepEqual(await api.lesson("xor-relu"), { id: "xor-relu" });
  assert.equal(calls.length, 3);
  assert.deepEqual(slept, [2000, 3000]);
  assert.deepEqual(told, [{ attempt: 1, seconds: 2 }, { attempt: 2, seconds: 3 }, null]);
});

test("after the last retry the 503 becomes an ApiError with the server's detail", async () => {
  const { fetchImpl, calls } = fakeFetch([busy("1")]);
  const api = createApi({ fetchImpl, retries: 2, sleep: async () => {} });
  await assert.rejects(api.lessons(), (err) => err instanceof ApiError && err.status === 503 && /busy/.test(err.message));
  assert.equal(calls.length, 3);
});

test("a 429 (this client's share of the CPU used: a hall behind one address) is retried like a 503", async () => {
  const share = { status: 429, headers: { "Retry-After": "1" }, body: { detail: "this client already runs 2 CPU jobs" } };
  const { fetchImpl, calls } = fakeFetch([share, { status: 200, body: { kind: "trace" } }]);
  const slept = [];
  const api = createApi({ fetchImpl, sleep: async (ms) => slept.push(ms) });
  assert.deepEqual(await api.lesson("xor-relu"), { kind: "trace" });
  assert.equal(calls.length, 2);
  assert.deepEqual(slept, [1000]);
});

test("other errors are not retried, and a quick answer tells nothing", async () => {
  const { fetchImpl, calls } = fakeFetch([{ status: 422, body: { detail: "bad expression" } }]);
  const told = [];
  const api = createApi({ fetchImpl, sleep: async () => assert.fail("no wait"), onBusy: (b) => told.push(b) });
  await assert.rejects(api.expression({ source: "x**", values: {} }), /bad expression/);
  assert.equal(calls.length, 1);
  assert.deepEqual(told, []);
});

test("Retry-After: seconds or an HTTP date, bounded, with a fallback", () => {
  assert.equal(retryAfterSeconds("4"), 4);
  assert.equal(retryAfterSeconds(undefined), 1);
  assert.equal(retryAfterSeconds("soon"), 1);
  assert.equal(retryAfterSeconds("3600"), 10);
  assert.equal(retryAfterSeconds("0"), 0.25);
  const now = Date.parse("Tue, 01 Dec 2026 12:00:00 GMT");
  assert.equal(retryAfterSeconds("Tue, 01 Dec 2026 12:00:05 GMT", { now }), 5);
});

const refused = (status) => Object.assign(new Error("busy"), { status });
const noSleep = { sleep: async () => {} };

test("a busy server is asked again, then answers", async () => {
  let calls = 0;
  const answer = await retryBusy(async () => (++calls < 3 ? Promise.reject(refused(503)) : "ok"), noSleep);
  assert.equal(answer, "ok");
  assert.equal(calls, 3);
});

test("other errors and a server busy for too long are reported", async () => {
  await assert.rejects(retryBusy(async () => Promise.reject(refused(422)), noSleep), /busy/);
  let calls = 0;
  await assert.rejects(retryBusy(async () => (++calls, Promise.reject(refused(409))), { ...noSleep, attempts: 2 }));
  assert.equal(calls, 2);
});

test("a patient client asks again when the model is in use (409); an impatient one reports it", async () => {
  const inUse = { status: 409, headers: {}, body: { detail: "the model is in use" } };
  const ok = { status: 200, headers: {}, body: { id: "m1" } };
  const patient = fakeFetch([inUse, ok]);
  assert.deepEqual(await createApi({ fetchImpl: patient.fetchImpl, patient: true }).stepModel("m1", "t"), { id: "m1" });
  assert.equal(patient.calls.length, 2);
  const impatient = fakeFetch([inUse, ok]);
  await assert.rejects(createApi({ fetchImpl: impatient.fetchImpl }).stepModel("m1", "t"), (e) => e.status === 409);
});

test("the op table and the function list are asked once, and again after a failure", async () => {
  const { fetchImpl, calls } = fakeFetch([{ status: 500, body: { detail: "down" } }, { status: 200, body: [{ name: "mul" }] }]);
  const api = createApi({ fetchImpl });
  await assert.rejects(api.ops(), (e) => e.status === 500);
  assert.deepEqual(await api.ops(), [{ name: "mul" }]);
  assert.deepEqual(await api.ops(), [{ name: "mul" }]);
  assert.equal(calls.filter((c) => c.url.endsWith("/api/v1/ops")).length, 2);
  await api.expressionFunctions();
  await api.expressionFunctions();
  assert.equal(calls.filter((c) => c.url.endsWith("/api/v1/expressions/functions")).length, 1);
});

test("a saved page asks its embedded answers from any URL: about:srcdoc, file:, an opaque origin", async () => {
  const offline = { format: "backprop-playground/offline", version: 1, answers: [{ method: "GET", path: "/ops", answer: [{ name: "mul" }] }] };
  const had = Object.getOwnPropertyDescriptor(globalThis, "location");
  try {
    for (const href of ["about:srcdoc", "file:///home/lecturer/xor.html", "data:text/html,<p>", "null"]) {
      Object.defineProperty(globalThis, "location", { value: { href }, configurable: true });
      const api = createApi({ offline, fetchImpl: () => assert.fail("no network") });
      assert.deepEqual(await api.ops(), [{ name: "mul" }], href);
    }
    // a served page with no URL to resolve against cannot reach a server: an ApiError says so, no TypeError
    Object.defineProperty(globalThis, "location", { value: { href: "about:srcdoc" }, configurable: true });
    const online = createApi({ fetchImpl: () => assert.fail("no request") });
    await assert.rejects(online.ops(), (err) => err instanceof ApiError && err.status === 0 && /no server to ask from this page \(about:srcdoc\)/.test(err.message));
  } finally {
    if (had) Object.defineProperty(globalThis, "location", had);
    else delete globalThis.location;
  }
});
