import test from "node:test";
import assert from "node:assert/strict";
import { appendPoint, createRecording, createSeries, extent, fromHistory, latest, recordFrame } from "../../../web/js/studio/series.js";

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
