import test from "node:test";
import assert from "node:assert/strict";
import { fromBase64Url, packedFromHash, packForLink, packState, roundNumbers, toBase64Url, unpackState } from "../../../web/js/shared/state.js";

test("base64url round-trips bytes without padding or + and /", () => {
  const bytes = Uint8Array.from([251, 255, 0, 62, 63]);
  const text = toBase64Url(bytes);
  assert.match(text, /^[A-Za-z0-9_-]+$/);
  assert.deepEqual(fromBase64Url(text), bytes);
});

test("a state round-trips exactly, float64 weights included", async () => {
  const state = { spec: { hidden: [{ units: 8, activation: "tanh" }], params: [{ W: [[0.1 + 0.2, -1e-17]], b: [Math.PI] }] }, step: 412 };
  const text = await packState(state);
  assert.deepEqual(await unpackState(text), state);
  assert.equal(packedFromHash(`#s=${text}`), text);
});

test("a damaged link gives a readable error", async () => {
  await assert.rejects(unpackState("1.@@@"), /damaged/);
  await assert.rejects(unpackState("9.abc"), /another version/);
});

test("a state too big for a link is rounded, then refused", async () => {
  const big = { w: Array.from({ length: 3000 }, (_, i) => Math.sin(i) * 1.2345678901234) };
  const rounded = await packForLink(big, 20000);
  assert.equal(rounded.rounded, true);
  const refused = await packForLink(big, 100);
  assert.match(refused.error, /more than a link/);
  assert.deepEqual(roundNumbers({ a: [1.23456789] }, 3), { a: [1.23] });
});
