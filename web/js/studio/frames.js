/**
 * Server trace frames (WebSocket or REST step) folded into the studio's state: new weights from
 * update events (or from the param nodes' forward values when a frame has no update, e.g. after a
 * reset or a rolled-back divergent step), ∂L/∂w from backward events, metrics into the loss curves,
 * and a thinned recording of (step, weights, metrics) for the offline replay.
 */
import { appendPoint, recordFrame } from "./series.js";
import { accuracyOf, lossOf } from "./surface.js";
import { applyUpdates, gradientsFrom, metricsFrom, paramNodeMap, paramsFromForward } from "./traceparams.js";

const KEEP_TRACES = 3;

export function createFrameHandler(app, { changed, diverged }) {
  app.stepTimes = [];
  let map = {};

  function record() {
    const last = app.series.points.at(-1);
    app.recording = recordFrame(app.recording, { step: app.step, params: app.params, metrics: last ?? null });
  }

  /** Held-out metrics computed here when the frame has none (the step trace reports the batch only). */
  function withTestMetrics(metrics) {
    const test = app.testSet;
    if (metrics.test_loss !== undefined || !test || !test.x.length || !app.params) return metrics;
    return {
      ...metrics,
      test_loss: lossOf(app.spec, app.params, test.x, test.y),
      test_accuracy: accuracyOf(app.spec, app.params, test.x, test.y),
    };
  }

  function handle(msg) {
    if (msg.type !== "trace") return;
    if (msg.graph) {
      app.graph = msg.graph;
      map = paramNodeMap(msg.graph);
    }
    const events = msg.events || [];
    if (app.params && Object.keys(map).length) {
      const updated = events.some((e) => e.type === "update");
      app.params = updated ? applyUpdates(app.params, events, map) : paramsFromForward(app.params, events, map);
      const grads = gradientsFrom(events, map);
      if (grads.length) app.grads = grads;
    }
    const metrics = metricsFrom(events);
    // After a mid-run rebuild the server counts from 0 again; the studio's count goes on.
    const served = msg.step ?? metrics?.step;
    const step = served === undefined ? app.step : served + app.stepOffset;
    if (step < app.step) {
      // A reset: the curves and the recording start again.
      app.series = { ...app.series, points: app.series.points.filter((p) => p.step <= step) };
      app.recording = { ...app.recording, frames: [] };
      app.grads = null;
    }
    if (metrics && metrics.loss !== undefined) {
      app.series = appendPoint(app.series, { ...withTestMetrics(metrics), step });
    }
    if (step > app.step) {
      const now = performance.now();
      app.stepTimes.push(now);
      while (app.stepTimes.length && app.stepTimes[0] < now - 2000) app.stepTimes.shift();
    }
    app.step = step;
    app.traces = [...app.traces.slice(-(KEEP_TRACES - 1)), { step, events }];
    record();
    if (msg.diverged) diverged(msg.diverged);
    changed("all");
  }

  /** Before the first step: the loss and accuracy at the current weights, computed here. */
  function seedSeries() {
    if (app.series.points.length || !app.params || !app.data) return;
    const test = app.data.test;
    const x = test ? app.data.x.filter((_, i) => !test[i]) : app.data.x;
    const y = test ? app.data.y.filter((_, i) => !test[i]) : app.data.y;
    const metrics = { step: app.step, loss: lossOf(app.spec, app.params, x, y), accuracy: accuracyOf(app.spec, app.params, x, y) };
    app.series = appendPoint(app.series, withTestMetrics(metrics));
  }

  return { handle, record, seedSeries };
}
