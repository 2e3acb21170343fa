import test from "node:test";
import assert from "node:assert/strict";
import { retryBusy } from "../../../web/js/studio/client.js";

const busy = (status) => Object.assign(new Error("busy"), { status });
const noSleep = { sleep: async () => {} };

test("a busy server is asked again, then answers", async () => {
  let calls = 0;
  const answer = await retryBusy(async () => (++calls < 3 ? Promise.reject(busy(503)) : "ok"), noSleep);
  assert.equal(answer, "ok");
  assert.equal(calls, 3);
});

test("other errors and a server busy for too long are reported", async () => {
  await assert.rejects(retryBusy(async () => Promise.reject(busy(422)), noSleep), /busy/);
  let calls = 0;
  await assert.rejects(retryBusy(async () => (++calls, Promise.reject(busy(409))), { ...noSleep, attempts: 2 }));
  assert.equal(calls, 2);
});
