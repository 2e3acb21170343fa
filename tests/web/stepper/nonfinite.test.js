import test from "node:test";
import assert from "node:assert/strict";
import { readTrace } from "../../../web/js/stepper/trace.js";
import { buildTimeline, narrate } from "../../../web/js/stepper/timeline.js";
import { nonFiniteFlags, nonFiniteKinds, flagTitle } from "../../../web/js/stepper/nonfinite.js";
import { decodeTensor } from "../../../web/js/shared/tensor-decode.js";

const t = (v) => ({ shape: [], data: [v] });
const leaf = { id: "n0", op: "leaf", label: "x", role: "input", shape: [], inputs: [] };

/** log(x) at x = −1, as the server sends it. */
const logTrace = () => buildTimeline(readTrace({
  schema_version: 1,
  graph: { nodes: [leaf, { id: "n1", op: "log", label: "out", role: "loss", shape: [], inputs: ["n0"] }] },
  events: [
    { seq: 0, type: "forward", node: "n0", value: t(-1) },
    { seq: 1, type: "forward", node: "n1", value: t("NaN") },
    { seq: 2, type: "backward", node: "n0", from: "n1", input_index: 0, contribution: t(-1), total: t(-1), pending: 0 },
  ],
}));

/** log(x)·x at x = −1: the NaN reaches ∂x. */
const logTimesX = () => buildTimeline(readTrace({
  schema_version: 1,
  graph: { nodes: [leaf, { id: "n1", op: "log", label: "log", role: "op", shape: [], inputs: ["n0"] },
    { id: "n2", op: "mul", label: "out", role: "loss", shape: [], inputs: ["n1", "n0"] }] },
  events: [
    { seq: 0, type: "forward", node: "n0", value: t(-1) },
    { seq: 1, type: "forward", node: "n1", value: t("NaN") },
    { seq: 2, type: "forward", node: "n2", value: t("NaN") },
    { seq: 3, type: "backward", node: "n1", from: "n2", input_index: 0, contribution: t(-1), total: t(-1), pending: 0 },
    { seq: 4, type: "backward", node: "n0", from: "n2", input_index: 1, contribution: t("NaN"), total: t("NaN"), pending: 1 },
    { seq: 5, type: "backward", node: "n0", from: "n1", input_index: 0, contribution: t(1), total: t("NaN"), pending: 0 },
  ],
}));

test("non-finite kinds are found in data and in summaries", () => {
  assert.deepEqual(nonFiniteKinds(decodeTensor({ shape: [3], data: [1, "-Infinity", "NaN"] })), ["NaN", "−∞"]);
  assert.deepEqual(nonFiniteKinds(decodeTensor({ shape: [2], data: [1, 2] })), []);
  assert.deepEqual(nonFiniteKinds(decodeTensor({ shape: [9], summary: { min: 0, max: "Infinity", mean: "Infinity", std: "NaN" } })), ["NaN", "+∞"]);
});

test("log at x = −1: the value is flagged with the reason, then ∂x as passing through it", () => {
  const tl = logTrace();
  const forward = nonFiniteFlags(tl.trace, tl.frameAt(2));
  assert.deepEqual(forward.get("n1"), { kinds: ["NaN"], where: "value", reason: "log is undefined at x = −1" });
  assert.equal(forward.has("n0"), false);
  assert.match(narrate(tl, tl.frameAt(2)), /⚠ out is NaN: log is undefined at x = −1\./);
  const end = nonFiniteFlags(tl.trace, tl.frameAt(3));
  assert.equal(end.get("n0").where, "through");
  assert.match(narrate(tl, tl.frameAt(3)), /final\. ⚠ ∂L\/∂x is not meaningful: log is undefined at x = −1/);
  assert.match(flagTitle(tl.trace, "n0", end.get("n0")), /∂L\/∂x passed through a value that is NaN: log is undefined at x = −1/);
});

test("a NaN gradient is named with where it started", () => {
  const tl = logTimesX();
  const flags = nonFiniteFlags(tl.trace, tl.frameAt(tl.total));
  assert.deepEqual([flags.get("n0").where, flags.get("n0").kinds], ["gradient", ["NaN"]]);
  assert.match(narrate(tl, tl.frameAt(tl.total)), /⚠ ∂L\/∂x is NaN: log is undefined at x = −1\.$/);
  assert.equal(flags.get("n2").reason, "log is undefined at x = −1", "traced back through out to log");
});

test("finite steps narrate without a warning", () => {
  const tl = logTrace();
  assert.doesNotMatch(narrate(tl, tl.frameAt(1)), /⚠/);
});

test("1/x at x = 0 is +∞ from a division by zero", () => {
  const nodes = [
    { id: "n0", op: "leaf", label: "1", role: "const", shape: [], inputs: [] },
    { id: "n1", op: "leaf", label: "x", role: "input", shape: [], inputs: [] },
    { id: "n2", op: "div", label: "out", role: "loss", shape: [], inputs: ["n0", "n1"] },
  ];
  const events = [
    { seq: 0, type: "forward", node: "n0", value: t(1) },
    { seq: 1, type: "forward", node: "n1", value: t(0) },
    { seq: 2, type: "forward", node: "n2", value: t("Infinity") },
  ];
  const tl = buildTimeline(readTrace({ schema_version: 1, graph: { nodes }, events }));
  const flag = nonFiniteFlags(tl.trace, tl.frameAt(3)).get("n2");
  assert.deepEqual(flag, { kinds: ["+∞"], where: "value", reason: "division by x = 0" });
  assert.match(narrate(tl, tl.frameAt(3)), /⚠ out is \+∞: division by x = 0\.$/);
});
