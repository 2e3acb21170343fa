import test from "node:test";
import assert from "node:assert/strict";
import { expressionTrace } from "../helpers.js";
import { readTrace, edgeId } from "../../../web/js/stepper/trace.js";
import { buildTimeline } from "../../../web/js/stepper/timeline.js";
import { edgeLabels, farCandidates, formatCompact, formatShort, gradientTable, labelCandidates, placeLabels, stopsFromMiddle } from "../../../web/js/stepper/ledger.js";
import { decodeTensor } from "../../../web/js/shared/tensor-decode.js";

const trace = readTrace(expressionTrace());
const timeline = buildTimeline(trace);
const start = timeline.phaseStarts.backward; // the step of the first backward event
const wireBackward = expressionTrace().events.filter((e) => e.type === "backward");

/** x*x at x = 3: one consumer, two edges from the same input. */
function squareTrace() {
  const t = (v) => ({ shape: [], data: [v] });
  return readTrace({
    schema_version: 1,
    graph: { nodes: [
      { id: "n0", op: "leaf", label: "x", role: "input", shape: [], inputs: [] },
      { id: "n1", op: "mul", label: "x·x", role: "loss", shape: [], inputs: ["n0", "n0"] },
    ] },
    events: [
      { seq: 0, type: "forward", node: "n0", value: t(3) },
      { seq: 1, type: "forward", node: "n1", value: t(9) },
      { seq: 2, type: "backward", node: "n0", from: "n1", input_index: 0, contribution: t(3), total: t(3), pending: 1 },
      { seq: 3, type: "backward", node: "n0", from: "n1", input_index: 1, contribution: t(3), total: t(6), pending: 0 },
    ],
  });
}

test("no contribution is written on an edge before the backward pass", () => {
  assert.deepEqual(edgeLabels(timeline, start - 1), []);
});

test("each backward step leaves its contribution on the edge it travelled, until stepped back over", () => {
  const withEdges = wireBackward.filter((e) => e.from != null);
  for (let k = 1; k <= withEdges.length; k++) {
    const labels = edgeLabels(timeline, start - 1 + k);
    assert.equal(labels.length, k);
    const last = labels.at(-1);
    const e = withEdges[k - 1];
    assert.equal(last.edge, edgeId(e.node, e.from, e.input_index));
    assert.deepEqual(last.value.data, e.contribution.data);
  }
  const all = edgeLabels(timeline, timeline.total);
  assert.equal(all.length, withEdges.length);
  assert.deepEqual(edgeLabels(timeline, timeline.total - 1).map((l) => l.edge), all.slice(0, -1).map((l) => l.edge));
});

test("every labelled edge is an edge of the graph", () => {
  const edges = new Set(trace.edges.map((e) => e.id));
  for (const l of edgeLabels(timeline, timeline.total)) assert.ok(edges.has(l.edge), l.edge);
});

test("x*x keeps two labels, one per edge", () => {
  const tl = buildTimeline(squareTrace());
  const labels = edgeLabels(tl, tl.total);
  assert.deepEqual(labels.map((l) => l.edge), ["n0->n1#0", "n0->n1#1"]);
  assert.deepEqual(labels.map((l) => l.text), ["3", "3"]);
});

test("the gradient table lists each contribution with its source and the running total", () => {
  const tl = buildTimeline(squareTrace());
  const rows = gradientTable(tl.trace, tl.frameAt(tl.total));
  assert.deepEqual(rows.map((r) => r.label), ["x·x", "x"]);
  assert.equal(rows[0].seed, true);
  const x = rows[1];
  assert.deepEqual(x.terms.map((t) => [t.fromLabel, t.value.data[0], t.total.data[0]]), [["x·x", 3, 3], ["x·x", 3, 6]]);
  assert.deepEqual([x.total.data[0], x.final, x.current], [6, true, true]);
  const mid = gradientTable(tl.trace, tl.frameAt(tl.total - 1))[1];
  assert.deepEqual([mid.total.data[0], mid.pending, mid.final], [3, 1, false]);
});

test("the table's final totals are the trace's last totals", () => {
  const rows = gradientTable(trace, timeline.frameAt(timeline.total));
  const last = new Map(wireBackward.map((e) => [e.node, e.total.data]));
  for (const [id, data] of last) assert.deepEqual(rows.find((r) => r.id === id).total.data, data);
  assert.equal(rows.filter((r) => r.current).length, 1);
});

const overlap = (a, b) => Math.min(a.x + a.width, b.x + b.width) > Math.max(a.x, b.x)
  && Math.min(a.y + a.height, b.y + b.height) > Math.max(a.y, b.y);
const boxAt = (p, w, h) => ({ x: p.x - w / 2, y: p.y - h / 2, width: w, height: h });

test("labels take the first free spot along their edge and avoid node boxes", () => {
  const item = (id, ys) => ({ id, width: 20, height: 10, candidates: ys.map((y) => ({ x: 0, y })) });
  const placed = placeLabels([item("a", [0, 20]), item("b", [0, 20, 40])], [{ x: -10, y: 15, width: 20, height: 10 }]);
  assert.deepEqual(placed.get("a"), { x: 0, y: 0, variant: 0 });
  assert.deepEqual(placed.get("b"), { x: 0, y: 40, variant: 0 }, "0 is taken by a, 20 is inside the node");
});

test("with no free spot a label is hidden rather than laid over another", () => {
  const item = (id, ys) => ({ id, width: 20, height: 10, candidates: ys.map((y) => ({ x: 0, y })) });
  const placed = placeLabels([item("a", [0]), item("b", [0, 8])]);
  assert.equal(placed.get("b"), null);
});

test("a label with no room for its text takes its shorter text", () => {
  const node = { x: 15, y: -20, width: 40, height: 40 }; // leaves 15 px left of x = 15 free around y = 0
  const candidates = (w) => labelCandidates([{ x: 0, y: 0, dx: 1, dy: 0 }], w, 10, 0);
  const item = { id: "a", variants: [{ width: 40, height: 10, candidates: candidates(40) }, { width: 24, height: 10, candidates: candidates(24) }] };
  const spot = placeLabels([item], [node], { gap: 0, bounds: { x: -30, y: -5, width: 45, height: 10 } }).get("a");
  assert.equal(spot.variant, 1);
  assert.ok(!overlap(boxAt(spot, 24, 10), node));
});

test("a variant may keep a smaller gap (the snug box, the last try)", () => {
  const walls = [{ x: -20, y: -20, width: 10, height: 40 }, { x: 10, y: -20, width: 10, height: 40 }]; // 20 px between
  const at = [{ x: 0, y: 0 }];
  const item = { id: "a", variants: [{ width: 18, height: 10, candidates: at }, { width: 18, height: 10, candidates: at, gap: 1 }] };
  assert.deepEqual(placeLabels([item], walls, { gap: 3 }).get("a"), { x: 0, y: 0, variant: 1 });
});

test("labels stay inside the bounds", () => {
  const item = { id: "a", width: 20, height: 10, candidates: [{ x: 0, y: 0 }, { x: 30, y: 0 }] };
  assert.deepEqual(placeLabels([item], [], { bounds: { x: 15, y: -10, width: 40, height: 20 } }).get("a"), { x: 30, y: 0, variant: 0 });
});

test("the current step's label goes first when in step order it would find no room", () => {
  const item = (id, ys, keep = false) => ({ id, keep, width: 20, height: 10, candidates: ys.map((y) => ({ x: 0, y })) });
  const placed = placeLabels([item("old", [0]), item("now", [0], true)]);
  assert.deepEqual(placed.get("now"), { x: 0, y: 0, variant: 0 });
  assert.equal(placed.get("old"), null);
  const roomy = placeLabels([item("old", [0, 20]), item("now", [0, 40], true)]);
  assert.deepEqual([roomy.get("old").y, roomy.get("now").y], [0, 40], "with room the order is the steps'");
});

test("the current label wins its place: with no room by its edge it takes the nearest free spot of the drawing", () => {
  const bounds = { x: 0, y: 0, width: 100, height: 40 };
  const node = { x: 0, y: 0, width: 40, height: 40 }; // the edge's middle is inside it
  const near = { width: 20, height: 10, candidates: [{ x: 20, y: 20 }] };
  const far = { width: 20, height: 10, fallback: true, candidates: farCandidates({ x: 20, y: 20 }, bounds, 20, 10, 5) };
  const placed = placeLabels([{ id: "old", variants: [near, far] }, { id: "now", keep: true, variants: [near, far] }], [node], { gap: 0, bounds });
  assert.equal(placed.get("old"), null, "only the current label may go far from its edge");
  const spot = placed.get("now");
  assert.equal(spot.variant, 1);
  assert.ok(!overlap(boxAt(spot, 20, 10), node));
  assert.equal(spot.x, 50, "the nearest free spot");
});

test("candidates: on the edge first, then beside it touching the line, then around the point", () => {
  const samples = [{ x: 10, y: 0, dx: 1, dy: 0 }, { x: 20, y: 0, dx: 1, dy: 0 }];
  const c = labelCandidates(samples, 20, 10, 2);
  assert.deepEqual(c.slice(0, 2), [{ x: 10, y: 0 }, { x: 20, y: 0 }]);
  assert.deepEqual(c.slice(2, 4).map((p) => Math.abs(p.y)), [7, 7], "half the height and the gap off a level edge");
  const steep = labelCandidates([{ x: 0, y: 0, dx: 0, dy: 1 }], 20, 10, 2);
  assert.deepEqual(steep.slice(1, 3).map((p) => Math.abs(p.x)), [12, 12], "half the width and the gap off a vertical edge");
  for (const p of c) {
    const box = boxAt(p, 20, 10);
    assert.ok(samples.some((s) => s.x >= box.x - 2.001 && s.x <= box.x + 22.001 && s.y >= box.y - 2.001 && s.y <= box.y + 12.001),
      "every candidate's box reaches to within the gap of its point");
  }
});

test("stops along an edge start in the middle and cover both ends", () => {
  const stops = stopsFromMiddle(5);
  assert.deepEqual(stops, [0.5, 0.25, 0.75, 0, 1]);
  assert.deepEqual(stopsFromMiddle(1), [0.5]);
});

test("the short text of a label", () => {
  assert.equal(formatShort(decodeTensor({ shape: [], data: [-0.123456] })), "−0.12");
  assert.equal(formatShort(decodeTensor({ shape: [2], data: [-1.5, 3] })), "[−1.5,3]");
  assert.equal(formatShort(decodeTensor({ shape: [4, 2], data: [0, 1, 0, 1, 0, 1, 0, 1] })), "μ0.5", "a tensor keeps its μ");
});

test("edge labels stay short: numbers for up to three entries, else the mean", () => {
  assert.equal(formatCompact(decodeTensor({ shape: [], data: [-0.123456] })), "−0.123");
  assert.equal(formatCompact(decodeTensor({ shape: [2], data: [-1.5, 3] })), "[−1.5, 3]");
  const t = decodeTensor({ shape: [4, 2], data: [0, 1, 0, 1, 0, 1, 0, 1] });
  assert.equal(formatCompact(t), "μ 0.5");
  assert.equal(formatCompact(t, { withShape: true }), "4×2 μ 0.5");
  assert.equal(formatCompact(decodeTensor({ shape: [1], data: ["NaN"] })), "NaN");
});
