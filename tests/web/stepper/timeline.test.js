import test from "node:test";
import assert from "node:assert/strict";
import { expressionTrace } from "../helpers.js";
import { readTrace } from "../../../web/js/stepper/trace.js";
import {
  buildTimeline, narrate, accumulationText, gradStatus, phaseJumps, clampStep, phaseOf,
} from "../../../web/js/stepper/timeline.js";

const trace = readTrace(expressionTrace());
const timeline = buildTimeline(trace);
const byLabel = (label) => trace.nodes.find((n) => n.label === label && n.inputs.length === 0);
const x = byLabel("x");
const y = byLabel("y");
const z = byLabel("z");

test("the golden trace has an edge per input, repeats kept", () => {
  const fromX = trace.edges.filter((e) => e.from === x.id);
  assert.equal(fromX.length, 2, "x feeds both x*y and (x*y)+x");
  assert.equal(trace.consumers.get(x.id).length, 2);
});

test("one step per forward, backward and update event", () => {
  const kinds = trace.steps.map((e) => e.type);
  assert.equal(timeline.total, trace.steps.length);
  assert.equal(kinds.filter((k) => k === "forward").length, trace.nodes.length);
  assert.equal(kinds.lastIndexOf("forward") < kinds.indexOf("backward"), true);
});

test("step 0 shows only the inputs and parameters; the last forward step shows every value", () => {
  const start = timeline.frameAt(0).values;
  const leaves = trace.nodes.filter((n) => n.inputs.length === 0 && (n.role === "input" || n.role === "param"));
  assert.ok(leaves.length > 0);
  assert.deepEqual([...start.keys()].sort(), leaves.map((n) => n.id).sort(), "known before the forward pass");
  const end = timeline.phaseStarts.backward - 1;
  const frame = timeline.frameAt(end);
  assert.equal(frame.values.size, trace.nodes.length);
  assert.equal(frame.grads.size, 0);
  assert.equal(frame.values.get(trace.output).data[0], 0, "(2*-1 + 2)*3 = 0");
});

test("the final frame has the analytic gradients", () => {
  const frame = timeline.frameAt(timeline.total);
  // d/dx (xy + x) z = (y + 1) z = 0, d/dy = x z = 6, d/dz = xy + x = 0
  assert.equal(frame.grads.get(x.id).total.data[0], 0);
  assert.equal(frame.grads.get(y.id).total.data[0], 6);
  assert.equal(frame.grads.get(z.id).total.data[0], 0);
  for (const n of trace.nodes) {
    if (frame.grads.has(n.id)) assert.equal(gradStatus(frame, n.id), "final", n.label);
  }
});

test("x is pending after its first contribution and final after its second", () => {
  const steps = trace.steps.map((e, i) => [e, i + 1]).filter(([e]) => e.type === "backward" && e.node === x.id);
  assert.equal(steps.length, 2);
  const first = timeline.frameAt(steps[0][1]);
  assert.equal(gradStatus(first, x.id), "pending");
  assert.equal(first.grads.get(x.id).pending, 1);
  const second = timeline.frameAt(steps[1][1]);
  assert.equal(gradStatus(second, x.id), "final");
  assert.equal(second.grads.get(x.id).contributions.length, 2);
});

test("narration names the receiver, the sender, the total and what is pending", () => {
  const i = trace.steps.findIndex((e) => e.type === "backward" && e.node === x.id) + 1;
  const text = narrate(timeline, timeline.frameAt(i));
  assert.match(text, /^x receives .+ from .+; total .+; 1 pending\.$/);
  assert.match(narrate(timeline, timeline.frameAt(0)), /^Start/);
});

test("the accumulation is written out term by term", () => {
  const text = accumulationText(timeline, timeline.frameAt(timeline.total), x.id);
  assert.match(text, /^∂L\/∂x = \S+ from \S+ \+ \S+ from \S+ = 0$/);
});

test("phase jumps land before each phase's first event", () => {
  const jumps = phaseJumps(timeline);
  assert.equal(jumps.forward, 0);
  assert.equal(phaseOf(timeline, jumps.backward + 1), "backward");
  assert.equal(phaseOf(timeline, jumps.backward), "forward");
  assert.equal(jumps.end, timeline.total);
});

test("steps are clamped into the timeline", () => {
  assert.equal(clampStep(timeline, -3), 0);
  assert.equal(clampStep(timeline, 1e9), timeline.total);
  assert.equal(clampStep(timeline, NaN), 0);
});

test("a trace without totals accumulates contributions itself", () => {
  const wire = expressionTrace();
  for (const e of wire.events) { delete e.total; delete e.pending; }
  const tl = buildTimeline(readTrace(wire));
  const frame = tl.frameAt(tl.total);
  assert.equal(frame.grads.get(y.id).total.data[0], 6);
  assert.equal(frame.grads.get(x.id).total.data[0], 0);
  assert.equal(frame.grads.get(x.id).pending, 0);
});

test("update and metrics events are read", () => {
  const wire = expressionTrace();
  const seq = wire.events.length;
  wire.events.push({ seq, type: "update", node: "n1", value: { shape: [], data: [-1.6] }, delta: { shape: [], data: [-0.6] } });
  wire.events.push({ seq: seq + 1, type: "metrics", step: 1, loss: 0.5, accuracy: null });
  const tl = buildTimeline(readTrace(wire));
  assert.equal(tl.total, wire.events.length - 1, "metrics are not a step");
  const frame = tl.frameAt(tl.total);
  assert.equal(frame.phase, "update");
  assert.equal(frame.updates.get("n1").value.data[0], -1.6);
  assert.equal(frame.metrics.loss, 0.5);
  assert.match(narrate(tl, frame), /^Update: /);
});

test("forward events of a recorded backward graph belong to the backward phase", () => {
  const wire = {
    schema_version: 1, output: "n1",
    graph: { nodes: [
      { id: "n0", op: "leaf", label: "x", role: "input", shape: [], inputs: [], phase: "forward" },
      { id: "n1", op: "mul", label: "out", role: "loss", shape: [], inputs: ["n0", "n0"], phase: "forward" },
      { id: "n2", op: "leaf", label: "∂out/∂out", role: "const", shape: [], inputs: [], phase: "backward" },
      { id: "n3", op: "mul", label: "·", role: "op", shape: [], inputs: ["n2", "n0"], phase: "backward" },
    ] },
    events: [
      { seq: 0, type: "forward", node: "n0", value: { shape: [], data: [3] } },
      { seq: 1, type: "forward", node: "n1", value: { shape: [], data: [9] } },
      { seq: 2, type: "forward", node: "n2", value: { shape: [], data: [1] } },
      { seq: 3, type: "forward", node: "n3", value: { shape: [], data: [3] } },
      { seq: 4, type: "backward", node: "n0", from: "n1", input_index: 0, contribution: { shape: [], data: [3] }, total: { shape: [], data: [3] }, pending: 1 },
    ],
  };
  const tl = buildTimeline(readTrace(wire));
  assert.equal(tl.phaseStarts.backward, 3);
  assert.equal(phaseOf(tl, 3), "backward");
  assert.match(narrate(tl, tl.frameAt(3)), /^Backward graph: /);
  assert.equal(tl.trace.output, "n1");
});
