/**
 * Redraws at a bounded rate: frames mark what changed, and one requestAnimationFrame loop redraws
 * at most `maxFps` times a second, so a fast training stream never floods the page. It also measures
 * steps per second (from the steps that arrive: frames and fast-forward progress) and frames per second
 * (redraws that showed a new frame from the server).
 */
import { stepperUrl } from "./handoff.js";
import { domainOf } from "./neuron-layout.js";
import { neuronSurfaces } from "./surface.js";

export function createRenderLoop({ app, network, dataView, lossChart, transport, maxFps = 24, neuronRes = 28 }) {
  const dirty = new Set();
  let last = 0;
  let draws = [];
  let frameDraws = []; // times of the redraws that showed a new server frame
  let framesDrawn = 0;
  let drawMs = 0;
  const self = {
    transport,
    mark(what) {
      dirty.add(what);
    },
    start() {
      requestAnimationFrame(tick);
    },
    /** Lay the views out again when these boxes change size (window, the banner coming and going). */
    relayoutOnResize(elements) {
      const observer = new ResizeObserver(() => {
        if (!app.data) return;
        network.setModel(app.spec, app.inputDim);
        dataView.setData(app.data, app.spec.output.kind);
        self.mark("all");
      });
      elements.forEach((el) => observer.observe(el));
    },
    /** Redraws during the last second. */
    get fps() {
      return draws.length;
    },
  };

  function draw() {
    const all = dirty.has("all");
    const theme = app.theme;
    // Losses alone (a fast-forward's progress) redraw the chart, not the network and the boundary.
    if (app.params && app.data && (all || dirty.has("network"))) {
      const domain = app.data.domain || (app.data.interval ? { x: app.data.interval } : domainOf(app.data.x));
      const surfaces = neuronSurfaces(app.spec, app.params, domain, neuronRes, app.inputDim);
      network.update({ params: app.params, grads: app.grads, surfaces, showGradients: app.showGradients, theme });
      dataView.update({ spec: app.spec, params: app.params, theme });
    }
    if (all || dirty.has("chart")) lossChart.update({ points: app.series.points });
    self.transport?.update({ stepperHref: stepperUrl(app.spec, app.params, app.modelId, app.theme) });
    dirty.clear();
  }

  function tick(now) {
    requestAnimationFrame(tick);
    draws = draws.filter((t) => t > now - 1000);
    frameDraws = frameDraws.filter((t) => t > now - 1000);
    if (dirty.size && now - last >= 1000 / maxFps) {
      last = now;
      const started = performance.now();
      draw();
      draws.push(now);
      if (app.framesIn !== framesDrawn) {
        framesDrawn = app.framesIn;
        frameDraws.push(now);
      }
      // Smoothed cost of one redraw, for the benchmark and for anyone profiling.
      drawMs = 0.9 * drawMs + 0.1 * (performance.now() - started);
      document.body.dataset.drawMs = drawMs.toFixed(1);
    }
    const sps = app.stepsPerSecond ? app.stepsPerSecond(now) : 0;
    self.transport?.update({ step: app.step, sps, fps: frameDraws.length });
  }

  return self;
}
