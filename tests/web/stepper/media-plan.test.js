import { test } from "node:test";
import assert from "node:assert/strict";
import {
  MAX_FRAMES, MAX_PIXELS, capMessage, cliCommand, easeCubicInOut, frameSchedule, frameSize, mediaFileName,
  rangeSteps, shellQuote, travelAt,
} from "../../../web/js/stepper/media-plan.js";

// a lesson's phases: 4 forward steps, 3 backward, 2 updates
const PHASES = ["forward", "forward", "forward", "forward", "backward", "backward", "backward", "update", "update"];

test("a range's steps: as the CLI's --phase, from where the stepper's jump lands to the phase's last step", () => {
  assert.deepEqual(rangeSteps(PHASES, "all"), { first: 0, last: 9 });
  assert.deepEqual(rangeSteps(PHASES, "forward"), { first: 0, last: 4 });
  assert.deepEqual(rangeSteps(PHASES, "backward"), { first: 4, last: 7 });
  assert.deepEqual(rangeSteps(PHASES, "current", 5), { first: 5, last: 9 });
  assert.match(rangeSteps(PHASES, "current", 9).error, /Step 9 is the last/);
  assert.match(rangeSteps(["forward"], "backward").error, /no backward pass/);
  assert.match(rangeSteps([], "all").error, /no steps/);
});

test("the schedule: travel frames at the frame rate, then the still for the rest of the hold", () => {
  const travel = (k) => (k === 2 ? 825 : 0);
  const s = frameSchedule({ first: 1, last: 3, hold: 2, fps: 10, travelMs: travel });
  assert.deepEqual(s.steps.map((x) => x.travel.length), [0, 9, 0]);
  assert.deepEqual(s.steps[1].travel.slice(0, 3), [0, 100, 200]);
  assert.equal(s.steps[1].stillMs, 1100);
  assert.equal(s.steps[0].stillMs, 2000);
  assert.equal(s.frames, 12);
  assert.equal(s.seconds, 6);
  // the first step of a range is shown as it is, without its travel
  assert.equal(frameSchedule({ first: 2, last: 2, hold: 2, fps: 10, travelMs: travel }).steps[0].travel.length, 0);
  // a hold shorter than the travel cuts it, keeping one frame of the still
  const short = frameSchedule({ first: 1, last: 2, hold: 0.3, fps: 10, travelMs: travel });
  assert.equal(short.steps[1].travel.length, 2);
  assert.ok(Math.abs(short.steps[1].stillMs - 100) < 1e-9);
  // every step lasts its hold
  for (const st of s.steps) assert.ok(Math.abs(st.travel.length * st.frameMs + st.stillMs - 2000) < 1e-9);
});

test("the travel eases as d3.easeCubicInOut, from the consumer's end of the edge to the input's", () => {
  assert.equal(easeCubicInOut(0), 0);
  assert.equal(easeCubicInOut(1), 1);
  assert.equal(easeCubicInOut(0.5), 0.5);
  assert.equal(easeCubicInOut(0.25), 0.0625);
  assert.equal(travelAt(0, 800), 1);
  assert.equal(travelAt(800, 800), 0);
  assert.equal(travelAt(900, 800), 0);
});

test("caps: too many frames or too long, each with what to do", () => {
  const long = frameSchedule({ first: 0, last: 400, hold: 2, fps: 10, travelMs: () => 825 });
  assert.ok(long.frames > MAX_FRAMES.gif);
  assert.match(capMessage(long, "gif"), /frames is more than a GIF made here may have \(600\).*command line/);
  assert.match(capMessage(frameSchedule({ first: 0, last: 200, hold: 2, fps: 24 }), "webm"), /6 min 42 s is longer than a video made here may be \(5 min\)/);
  assert.equal(capMessage(frameSchedule({ first: 0, last: 25, hold: 2, fps: 10 }), "gif"), null);
});

test("the frame size: the graph area's, even, scaled down to at most 1920×1080 pixels", () => {
  assert.deepEqual(frameSize(901, 600), { width: 900, height: 600, scale: 1, scaled: false });
  const big = frameSize(3000, 1500);
  assert.ok(big.scaled && big.width * big.height <= MAX_PIXELS && big.width % 2 === 0 && big.height % 2 === 0);
  assert.ok(Math.abs(big.width / big.height - 2) < 0.01);
  assert.match(frameSize(40, 300).error, /too small to record/);
  assert.match(frameSize(0, 0).error, /too small/);
});

test("the command line of the same view as an MP4", () => {
  assert.equal(cliCommand({ lesson: "xor-relu", theme: "light" }), "backprop-playground export --lesson xor-relu -o xor-relu.mp4");
  assert.equal(cliCommand({ lesson: "xor-relu", theme: "dark", panel: 2 }, { range: "backward", hold: 1.5 }),
    "backprop-playground export --lesson xor-relu --panel 2 --theme dark --phase backward --hold 1.5 -o xor-relu.mp4");
  assert.equal(cliCommand({ expr: "(x*y + x)*z", values: { x: 2, y: -1, z: 3 } }, { range: "current", first: 7, last: 20 }),
    "backprop-playground export --expression '(x*y + x)*z' --values x=2,y=-1,z=3 --steps 7-20 -o expression.mp4");
  assert.equal(cliCommand({ lesson: "l", weights: { w: [1] } }), `backprop-playground export --lesson l --weights '{"w":[1]}' -o l.mp4`);
  assert.equal(shellQuote("it's"), `'it'\\''s'`);
  assert.equal(mediaFileName({ lesson: "xor-relu" }, "backward", "gif"), "xor-relu-backward.gif");
  assert.equal(mediaFileName({ expr: "x*y" }, "all", "webm"), "expression.webm");
});
