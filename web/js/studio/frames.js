/**
 * Server trace frames (WebSocket or REST step) folded into the studio's state: new weights from
 * update events (or from the param nodes' forward values when a frame has no update, e.g. after a
 * reset or a rolled-back divergent step), ∂L/∂w from backward events, metrics into the loss curves,
 * and a thinned recording of (step, weights, metrics) for the offline replay. While the stream
 * fast-forwards, `progress` messages bring the losses of the steps between frames: into the curves
 * and the step count, so both hold every step.
 */
import { appendPoint, appendPoints, recordFrame } from "./series.js";
import { accuracyOf, lossOf } from "./surface.js";
import { applyUpdates, gradientsFrom, metricsFrom, paramNodeMap, paramsFromForward } from "./traceparams.js";

const KEEP_TRACES = 3;

/** How far back the measured steps/s and frames/s look (ms). */
const RATE_WINDOW_MS = 1000;

export function createFrameHandler(app, { changed, diverged }) {
  app.stepSamples = []; // [time, step] as steps arrive: steps/s measured, not the rate asked for
  app.framesIn = 0; // trace frames received so far (the render loop counts the ones it draws)
  let map = {};

  function sample(step) {
    const now = performance.now();
    const samples = app.stepSamples;
    samples.push([now, step]);
    while (samples.length > 2 && samples[1][0] < now - RATE_WINDOW_MS) samples.shift();
  }

  /** Steps per second over the last second or so (0 when no step arrived in it). */
  app.stepsPerSecond = (now = performance.now()) => {
    const samples = app.stepSamples;
    if (samples.length < 2 || samples.at(-1)[0] < now - RATE_WINDOW_MS) return 0;
    const [t0, s0] = samples[0];
    const [t1, s1] = samples.at(-1);
    return s1 > s0 ? ((s1 - s0) * 1000) / Math.max(now - t0, t1 - t0, 1) : 0;
  };

  /** A stream's `progress`: the losses of fast-forwarded steps steps[0]…steps[1], one per step. */
  function progress(msg) {
    const [first] = msg.steps;
    const loss = msg.loss || [];
    if (!loss.length) return;
    const start = first + app.stepOffset;
    if (start <= app.step) restart(start); // the server's count went back: a reset
    const accuracy = msg.accuracy;
    const records = loss.map((v, i) => ({ step: start + i, loss: Number(v), accuracy: accuracy ? accuracy[i] : null }));
    app.series = appendPoints(app.series, records);
    app.step = start + loss.length - 1;
    sample(app.step);
    changed("chart");
  }

  function restart(step) {
    app.series = { ...app.series, points: app.series.points.filter((p) => p.step < step) };
    app.recording = { ...app.recording, frames: [] };
    app.grads = null;
    app.stepSamples.length = 0;
  }

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
    if (msg.type === "progress") return progress(msg);
    if (msg.type !== "trace") return;
    app.framesIn += 1;
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
    // A reset: the curves and the recording start again.
    if (step < app.step) restart(step + 1);
    // A fast-forward's still frame (where it stopped) has no metrics: its step's loss came before.
    if (metrics && metrics.loss !== undefined) {
      app.series = appendPoint(app.series, { ...withTestMetrics(metrics), step });
    }
    if (step !== app.step) sample(step);
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
