import test from "node:test";
import assert from "node:assert/strict";
import { fitTicks, linearCandidates, logCandidates, lossLabel } from "../../../web/js/studio/ticks.js";

// A linear scale and d3-like nice ticks (steps of 1, 2 or 5 × 10^k), enough for the tick choice.
const linear = ([d0, d1], [r0, r1]) => (v) => r0 + ((v - d0) / (d1 - d0)) * (r1 - r0);
function niceTicks([lo, hi], count) {
  const raw = (hi - lo) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw);
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}
const log = ([d0, d1], [r0, r1]) => (v) => r0 + ((Math.log(v) - Math.log(d0)) / (Math.log(d1) - Math.log(d0))) * (r1 - r0);
const stepLabel = (v) => (v >= 1000 ? `${v / 1000}k` : String(v));
const charWidth = 7; // a 12 px label's digit, roughly

function assertApart(values, at, extent, gap) {
  const sorted = [...values].sort((a, b) => at(a) - at(b));
  for (let i = 1; i < sorted.length; i++) {
    const apart = at(sorted[i]) - at(sorted[i - 1]);
    assert.ok(apart >= (extent(sorted[i]) + extent(sorted[i - 1])) / 2 + gap,
      `${sorted[i - 1]} and ${sorted[i]} are ${apart} px apart`);
  }
}

test("step labels never touch and stay within the plot, from 10 to 123,456 steps at any width", () => {
  for (const last of [10, 360, 1000, 10_000, 12_345, 123_456]) {
    for (const width of [60, 130, 180, 230, 400, 700, 1000]) {
      const at = linear([1, last], [50, 50 + width]);
      const extent = (v) => charWidth * stepLabel(v).length;
      const ticks = fitTicks(linearCandidates((n) => niceTicks([1, last], n)), { at, extent, gap: 8, lo: 50, hi: 50 + width });
      assertApart(ticks, at, extent, 8);
      for (const v of ticks) assert.ok(at(v) - extent(v) / 2 >= 50 && at(v) + extent(v) / 2 <= 50 + width, `${v} sticks out`);
      if (width >= 180) assert.ok(ticks.length >= 2, `only ${ticks} for ${last} steps in ${width} px`);
    }
  }
});

test("a loss axis down to 0.0001 keeps its labels a line apart, however short", () => {
  for (const domain of [[1e-4, 1], [1e-9, 1e9], [0.01, 1], [0.3, 3]]) {
    for (const height of [20, 60, 76, 120, 300, 800]) {
      const at = log(domain, [height, 0]);
      const ticks = fitTicks(logCandidates(domain), { at, extent: () => 15, gap: 2 });
      assertApart(ticks, at, () => 15, 2);
      assert.ok(ticks.length >= 1);
      if (height >= 76) assert.ok(ticks.length >= 2, `only ${ticks} on ${domain} in ${height} px`);
      for (const v of ticks) assert.ok(v >= domain[0] * (1 - 1e-9) && v <= domain[1] * (1 + 1e-9));
    }
  }
});

test("the richest log ticks are 1, 2 and 5 of each decade, exact decimals", () => {
  assert.deepEqual(logCandidates([1e-4, 1e-2])[0], [1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 0.01]);
  assert.deepEqual(logCandidates([0.01, 1])[2], [0.01, 0.1, 1]);
  assert.deepEqual(logCandidates([1e-4, 1]).at(-1), [1e-4, 1]);
});

test("with no room, one tick is kept, and none whose label cannot stay within the axis", () => {
  const at = linear([0, 1], [0, 10]);
  assert.deepEqual(fitTicks([[0, 0.5, 1], [0, 1]], { at, extent: () => 30 }), [0]);
  assert.deepEqual(fitTicks([[0.4, 0.5, 0.6], [0.5]], { at, extent: () => 30, gap: 2 }), [0.5]);
  assert.deepEqual(fitTicks([[0, 0.5, 1], [0, 1]], { at, extent: () => 30, lo: 0, hi: 10 }), []);
});

test("loss labels: decimals from 0.001 up, exponents below and past a million, a true minus", () => {
  assert.equal(lossLabel(0.02), "0.02");
  assert.equal(lossLabel(0.001), "0.001");
  assert.equal(lossLabel(1e-4), "1e−4");
  assert.equal(lossLabel(5e-5), "5e−5");
  assert.equal(lossLabel(3), "3");
  assert.equal(lossLabel(2e9), "2e+9");
  assert.equal(lossLabel(-1.5), "−1.5");
  assert.equal(lossLabel(0.30000000000000004), "0.3");
  assert.equal(lossLabel(0), "0");
});
