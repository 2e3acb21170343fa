import test from "node:test";
import assert from "node:assert/strict";
import { expressionTrace } from "../helpers.js";
import { readTrace } from "../../../web/js/stepper/trace.js";
import { buildTimeline } from "../../../web/js/stepper/timeline.js";
import { createPlayer, stepDuration, STEP_MS } from "../../../web/js/stepper/player.js";

const timeline = buildTimeline(readTrace(expressionTrace()));

function fakeTimers() {
  const queue = [];
  return {
    queue,
    setTimeout: (fn, ms) => { queue.push({ fn, ms }); return queue.length; },
    clearTimeout: () => { queue.length = 0; },
    tick() { const t = queue.shift(); t.fn(); return t.ms; },
  };
}

test("stepping moves one event and never leaves the timeline", () => {
  const seen = [];
  const p = createPlayer(timeline, { onChange: (s) => seen.push(s), timers: fakeTimers() });
  p.prev();
  p.next();
  p.next();
  p.goto(1e6);
  assert.deepEqual(seen, [0, 1, 2, timeline.total]);
});

test("playing advances at the pace of the trace's event types", () => {
  const timers = fakeTimers();
  const p = createPlayer(timeline, { timers, speed: 2 });
  p.play();
  const ms = timers.tick();
  assert.equal(ms, STEP_MS.forward / 2);
  assert.equal(p.state().step, 1);
  p.pause();
  assert.equal(timers.queue.length, 0);
});

test("playing stops at the end", () => {
  const timers = fakeTimers();
  const p = createPlayer(timeline, { timers, step: timeline.total - 1 });
  p.play();
  timers.tick();
  assert.equal(p.state().step, timeline.total);
  assert.equal(p.state().playing, false);
});

test("backward steps last longer than forward steps", () => {
  const b = timeline.phaseStarts.backward;
  assert.ok(stepDuration(timeline, b) > stepDuration(timeline, 1));
});
