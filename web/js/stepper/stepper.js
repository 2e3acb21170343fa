/**
 * The stepper: a graph view, its controls and a player over one trace's timeline, wired together.
 * Shared by the main page and the embed. `onStep(info)` reports every change (for the URL, the inspector,
 * postMessage).
 */

import dagre from "dagre";
import { readTrace } from "./trace.js";
import { buildTimeline, narrate, phaseJumps, phaseOf } from "./timeline.js";
import { layoutGraph } from "./graph-layout.js";
import { createPlayer, stepDuration } from "./player.js";
import { createGraphView } from "./views/graph.js";
import { createControls, bindKeys } from "./views/controls.js";
import { createEdgeLabels } from "./views/edge-labels.js";
import { createNodeFlags } from "./views/node-flags.js";
import { createGradTable } from "./views/grad-table.js";

/** Build a stepper on `graphEl` and `controlsEl`. */
export function createStepper({ graphEl, controlsEl, keyTarget = document, minimal = false, onStep = () => {}, onSelect = () => {}, onSpeed = () => {}, onCamera = () => {}, fitOptions, camera = "overview" }) {
  const s = { timeline: null, player: null, speed: 1, phases: null };
  const graph = createGraphView(graphEl, { onSelect, fitOptions, camera, layout: (trace, opts) => layoutGraph(dagre, trace, opts) });
  const actions = {
    goto: (k) => s.player?.goto(k),
    next: () => s.player?.next(),
    prev: () => s.player?.prev(),
    toggle: () => s.player?.toggle(),
    play: () => s.player?.play(),
    pause: () => s.player?.pause(),
    setSpeed: (v) => { s.speed = v; s.player?.setSpeed(v); onSpeed(v); },
    jump: (phase) => { s.player?.pause(); if (s.phases && phase in s.phases) s.player.goto(s.phases[phase]); },
    fit: () => graph.fit(true),
    setCamera: (mode) => { graph.setCamera(mode); controls.setCamera(graph.camera()); onCamera(graph.camera()); },
    camera: () => graph.camera(),
    zoom: (k) => graph.zoomBy(k),
  };
  const controls = createControls(controlsEl, actions, { minimal, camera });
  bindKeys(keyTarget, actions);
  // the lasting record of the backward pass: contributions left on their edges, NaN flags, the table
  const edgeLabels = createEdgeLabels(graph.svg, { bounds: () => graph.layout(), room: () => graph.room() });
  const flags = createNodeFlags(graph.svg);
  const table = createGradTable(graphEl, controlsEl, { onSelect });

  /** Show a wire trace, starting at `step`. Returns the timeline. */
  function load(wire, { step = 0, speed = s.speed } = {}) {
    s.player?.destroy();
    const trace = readTrace(wire);
    const timeline = buildTimeline(trace);
    const t0 = performance.now();
    graph.setGraph(trace);
    const layoutMs = performance.now() - t0;
    s.timeline = timeline;
    s.phases = phaseJumps(timeline);
    s.speed = speed;
    s.player = createPlayer(timeline, { step, speed, onChange: (k, info) => show(k, info) });
    show(s.player.state().step, { playing: false, animate: false });
    return { timeline, layoutMs };
  }

  function show(step, { playing, animate }) {
    const { timeline } = s;
    const frame = timeline.frameAt(step);
    const previous = animate && step > 0 ? timeline.frameAt(step - 1) : null;
    const duration = stepDuration(timeline, step, s.speed);
    graph.update(frame, { animate, previous, duration });
    flags.update(timeline.trace, frame); // before the labels: they keep clear of the flags
    edgeLabels.update(timeline, step, { arrivingAfter: animate && frame.event?.type === "backward" ? duration * 0.75 : 0 });
    table.update(timeline.trace, frame);
    const narration = narrate(timeline, frame);
    const phase = phaseOf(timeline, step);
    controls.update({ step, total: timeline.total, phase, playing, speed: s.speed, narration, phases: s.phases });
    onStep({ step, total: timeline.total, phase, playing, frame, timeline, narration });
  }

  return {
    load,
    actions,
    graph,
    table,
    timeline: () => s.timeline,
    state: () => s.player?.state() ?? { step: 0, total: 0, playing: false, speed: s.speed },
  };
}
