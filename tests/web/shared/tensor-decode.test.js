import test from "node:test";
import assert from "node:assert/strict";
import { decodeNumber, encodeNumber, fromNested, hasNonFinite, maxAbs, toNested } from "../../../web/js/shared/tensor-decode.js";

test("wire strings decode to non-finite numbers", () => {
  assert.ok(Number.isNaN(decodeNumber("NaN")));
  assert.equal(decodeNumber("-Infinity"), -Infinity);
  assert.equal(decodeNumber(1.5), 1.5);
});

test("non-finite numbers encode as strings, never bare NaN", () => {
  assert.deepEqual([NaN, Infinity, -Infinity, 2].map(encodeNumber), ["NaN", "Infinity", "-Infinity", 2]);
});

test("a row-major tensor becomes rows and back", () => {
  const t = { shape: [2, 3], data: [1, 2, 3, 4, 5, "NaN"] };
  const rows = toNested(t);
  assert.deepEqual(rows[0], [1, 2, 3]);
  assert.ok(Number.isNaN(rows[1][2]));
  assert.deepEqual(fromNested([[1, 2], [3, 4]]), { shape: [2, 2], data: [1, 2, 3, 4] });
});

test("a summary-only tensor has no values", () => {
  assert.equal(toNested({ shape: [2], summary: { min: 0, max: 1, mean: 0.5, std: 0.5 } }), null);
});

test("non-finite detection and max magnitude look into nested arrays", () => {
  assert.equal(hasNonFinite([[1, 2], [3, "Infinity"]]), true);
  assert.equal(hasNonFinite([[1, 2]]), false);
  assert.equal(maxAbs([[1, -7], [3, NaN]]), 7);
});
