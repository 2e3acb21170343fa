import test from "node:test";
import assert from "node:assert/strict";
import { appendPoint, appendPoints, createRecording, createSeries, extent, fromHistory, latest, recordFrame } from "../../../web/js/studio/series.js";

test("points append and a reset restarts the curve", () => {
  let s = createSeries();
  for (let step = 1; step <= 5; step++) s = appendPoint(s, { step, loss: 1 / step });
  s = appendPoint(s, { step: 2, loss: 0.9 });
  assert.deepEqual(s.points.map((p) => p.step), [1, 2]);
});

test("a full series thins itself and keeps the newest point", () => {
  let s = createSeries(10);
  for (let step = 1; step <= 100; step++) s = appendPoint(s, { step, loss: step });
  assert.ok(s.points.length <= 10);
  assert.equal(s.points.at(-1).step, 100);
});

test("extent and latest skip missing and non-finite values", () => {
  const s = fromHistory([{ loss: 2, test_loss: null }, { loss: NaN, test_loss: 3 }, { loss: 1 }]);
  assert.deepEqual(extent(s.points, ["loss", "test_loss"]), [1, 3]);
  assert.equal(latest(s.points, "test_loss"), 3);
  assert.equal(s.points[2].step, 3);
});

test("a recording keeps at most its capacity, first and last frames", () => {
  let r = createRecording(8);
  for (let step = 0; step < 50; step++) r = recordFrame(r, { step });
  assert.ok(r.frames.length <= 8);
  assert.equal(r.frames[0].step, 0);
  assert.equal(r.frames.at(-1).step, 49);
});

test("fast-forwarded steps merge into the curve: every step counts, the newest stays its own", () => {
  let s = createSeries(50);
  let total = 0;
  for (let first = 1; first <= 10_000; first += 97) {
    const records = Array.from({ length: 97 }, (_, i) => ({ step: first + i, loss: 2, accuracy: 0.5 }));
    s = appendPoints(s, records);
    total += records.length;
  }
  assert.ok(s.points.length <= 50);
  assert.equal(s.points.reduce((n, p) => n + p.n, 0), total, "each step is in exactly one point");
  assert.equal(s.points.at(-1).n, 1);
  assert.equal(s.points.at(-1).step, total);
  assert.ok(s.points.every((p) => p.loss === 2 && p.accuracy === 0.5), "merged points are means");
  const steps = s.points.map((p) => p.step);
  assert.deepEqual(steps, [...steps].sort((a, b) => a - b));
});

test("a merged point's loss is the mean of its steps, and a progress after a reset restarts", () => {
  let s = createSeries(3);
  s = appendPoints(s, [1, 2, 3, 4].map((step) => ({ step, loss: step })));
  assert.deepEqual(s.points.map((p) => [p.step, p.n, p.loss]), [[2, 2, 1.5], [3, 1, 3], [4, 1, 4]]);
  s = appendPoints(s, [{ step: 1, loss: 9 }, { step: 2, loss: 8 }]);
  assert.deepEqual(s.points.map((p) => p.step), [1, 2]);
});
