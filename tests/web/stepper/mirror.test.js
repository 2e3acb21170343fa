import test from "node:test";
import assert from "node:assert/strict";
import { expressionTrace } from "../helpers.js";
import { readTrace } from "../../../web/js/stepper/trace.js";
import { buildTimeline } from "../../../web/js/stepper/timeline.js";
import { createMirror, questionAt } from "../../../web/js/stepper/mirror.js";

/** A page stand-in: a state, loads that finish when the test says, and a log of what was done. */
function fakePage() {
  const log = [];
  const loads = [];
  const page = {
    state: { lesson: "a", panel: 0, step: 0, node: null, table: null, camera: "overview" },
    loaded: false,
    log,
    loads,
    ops: {
      current: () => page.state,
      ready: () => page.loaded,
      load: (s) => {
        page.state = { ...s };
        log.push(["load", s.lesson, s.step, s.node]);
        return new Promise((resolve) => loads.push(() => { page.loaded = true; resolve(); }));
      },
      apply: (c) => {
        Object.assign(page.state, c);
        log.push(["apply", c]);
      },
    },
  };
  return page;
}
const tick = () => new Promise((r) => setTimeout(r, 0));

test("the first state loads; then steps and selections apply without a reload", async () => {
  const page = fakePage();
  const m = createMirror(page.ops);
  const first = m.show({ ...page.state, step: 2 });
  page.loads.shift()();
  await first;
  await m.show({ ...page.state, step: 5, node: "n3" });
  assert.deepEqual(page.log, [["load", "a", 2, null], ["apply", { step: 5, node: "n3" }]]);
  await m.show({ ...page.state });
  assert.equal(page.log.length, 2, "the same state does nothing");
});

test("states that come during a load wait; only the newest is applied after it, on the new data", async () => {
  const page = fakePage();
  page.loaded = true;
  const m = createMirror(page.ops);
  const done = m.show({ ...page.state, lesson: "b", step: 1 });
  m.show({ ...page.state, lesson: "b", step: 3 });
  m.show({ ...page.state, lesson: "b", step: 4, node: "n2" });
  await tick();
  assert.deepEqual(page.log, [["load", "b", 1, null]], "nothing is applied while the load runs");
  page.loads.shift()();
  await done;
  assert.deepEqual(page.log, [["load", "b", 1, null], ["apply", { step: 4, node: "n2" }]]);
  // a change of source after that loads again
  const again = m.show({ ...page.state, lesson: "c" });
  page.loads.shift()();
  await again;
  assert.deepEqual(page.log.at(-1), ["load", "c", 4, "n2"]);
});

test("a question needs a selected node at a backward step; its truth is the node's final total", () => {
  const tl = buildTimeline(readTrace(expressionTrace()));
  const firstBackward = tl.trace.steps.findIndex((e) => e.type === "backward") + 1;
  assert.equal(questionAt(tl, firstBackward, null).question, null);
  assert.match(questionAt(tl, 2, "n0").why, /backward pass/);
  const { question } = questionAt(tl, firstBackward, "n0");
  // (x*y + x)*z at x=2, y=-1, z=3: dL/dx = (y + 1)*z = 0; dL/dy = x*z = 6
  assert.deepEqual(question, { node: "n0", label: "x", truth: 0 });
  assert.equal(questionAt(tl, firstBackward, "n1").question.truth, 6);
  assert.equal(questionAt(tl, tl.total, "n4").question.truth, 3);
  assert.equal(questionAt(tl, firstBackward, "nope").question, null);
});
