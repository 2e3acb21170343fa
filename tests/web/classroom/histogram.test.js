import test from "node:test";
import assert from "node:assert/strict";
import * as d3 from "../../../web/node_modules/d3-array/dist/d3-array.mjs";
import { binAnswers, MAX_BINS } from "../../../web/js/classroom/histogram.js";

const total = (h) => h.bins.reduce((s, b) => s + b.count, 0);

test("no answers: no bars; a revealed truth alone still gives a domain", () => {
  assert.deepEqual(binAnswers(d3, []), { bins: [], domain: null, count: 0, right: null, clipped: 0 });
  const h = binAnswers(d3, [], { truth: -3 });
  assert.ok(h.domain[0] <= -3 && h.domain[1] >= -3);
  assert.equal(total(h), 0);
  assert.equal(h.right, 0);
});

test("every finite answer is in exactly one bar of equal width, in order", () => {
  const values = [-3, -3, -2.5, -1, 0, 0.5, 2, 6, NaN, Infinity];
  const h = binAnswers(d3, values);
  assert.equal(h.count, 8);
  assert.equal(total(h), 8);
  assert.ok(h.bins.length >= 2 && h.bins.length <= MAX_BINS + 1);
  const width = h.bins[0].x1 - h.bins[0].x0;
  for (const [i, b] of h.bins.entries()) {
    assert.ok(Math.abs(b.x1 - b.x0 - width) < 1e-9, `bar ${i} has the common width`);
    if (i) assert.equal(b.x0, h.bins[i - 1].x1);
  }
  for (const v of values.filter(Number.isFinite)) {
    assert.equal(h.bins.filter((b) => b.x0 <= v && (v < b.x1 || (b === h.bins.at(-1) && v <= b.x1))).length, 1, `${v} in one bar`);
  }
  assert.ok(h.domain[0] <= -3 && h.domain[1] >= 6);
});

test("one value given by everyone gets one bar around it", () => {
  const h = binAnswers(d3, [2, 2, 2]);
  assert.equal(total(h), 3);
  assert.equal(h.bins.filter((b) => b.count).length, 1);
  const bar = h.bins.find((b) => b.count);
  assert.ok(bar.x0 <= 2 && 2 <= bar.x1);
});

test("the truth is inside the domain and right answers are counted", () => {
  const h = binAnswers(d3, [1, 1.004, 2, 2.2], { truth: 8 });
  assert.ok(h.domain[1] >= 8);
  assert.equal(h.right, 0);
  const g = binAnswers(d3, [1, 1.004, 2, 2.2], { truth: 1 });
  assert.equal(g.right, 2);
});

test("a few wild answers among many do not squash the bulk; they are counted in the edge bars", () => {
  const values = [...Array.from({ length: 38 }, (_, i) => -3 + (i % 7) * 0.1), 1e6, -1e6];
  const h = binAnswers(d3, values, { truth: -3 });
  assert.equal(total(h), 40);
  assert.ok(h.domain[1] < 100 && h.domain[0] > -100, `domain ${h.domain}`);
  assert.equal(h.clipped, 2);
  assert.equal(h.bins[0].low, true);
  assert.equal(h.bins.at(-1).high, true);
});

test("a narrow histogram asks for fewer bars and gets at most that many, still covering every answer", () => {
  const values = [6, 6, 5.5, 6, 7, -1, 6, 3, 6.2, 12, 6, 0, 5.9, 6, 6, 4, 8, -2, 6, 6, 6.5];
  for (const maxBins of [12, 8, 6, 5, 4, 3]) {
    const h = binAnswers(d3, values, { truth: 1, maxBins });
    assert.ok(h.bins.length <= maxBins, `${h.bins.length} bars for at most ${maxBins}`);
    assert.equal(total(h), values.length);
    assert.ok(h.domain[0] <= 1 && h.domain[1] >= 1);
  }
});
