import test from "node:test";
import assert from "node:assert/strict";
import { expressionTrace, loadDagre } from "../helpers.js";
import { readTrace } from "../../../web/js/stepper/trace.js";
import { layoutGraph, fitTransform, nodeSize, routeEdge, columnsOf, labelRoom, labelLines, FONTS } from "../../../web/js/stepper/graph-layout.js";

const dagre = await loadDagre();

test("every node gets a box and inputs sit left of their consumers", () => {
  const trace = readTrace(expressionTrace());
  const layout = layoutGraph(dagre, trace);
  assert.equal(layout.nodes.size, trace.nodes.length);
  for (const e of trace.edges) assert.ok(layout.nodes.get(e.from).x < layout.nodes.get(e.to).x, e.id);
});

test("a node used twice by one consumer gets two distinct edges", () => {
  const wire = {
    schema_version: 1,
    graph: { nodes: [
      { id: "n0", op: "leaf", label: "x", role: "input", shape: [], inputs: [] },
      { id: "n1", op: "mul", label: "x·x", role: "op", shape: [], inputs: ["n0", "n0"] },
    ] },
    events: [],
  };
  const layout = layoutGraph(dagre, readTrace(wire));
  assert.equal(layout.edges.length, 2);
  assert.notDeepEqual(layout.edges[0].points, layout.edges[1].points);
});

test("matrices get larger boxes than scalars", () => {
  const s = nodeSize({ shape: [] });
  const m = nodeSize({ shape: [4, 2] });
  assert.ok(m.height > s.height);
  assert.equal(m.kind, "matrix");
});

test("backward-phase nodes are laid out in their own cluster", () => {
  const wire = expressionTrace();
  const n = wire.graph.nodes.length;
  wire.graph.nodes.push({ id: `n${n}`, op: "mul", label: "g", role: "op", shape: [], inputs: ["n0", "n1"], phase: "backward" });
  const layout = layoutGraph(dagre, readTrace(wire));
  assert.deepEqual(layout.clusters.map((c) => c.name), ["forward", "backward"]);
});

test("fitting centres small drawings and shrinks large ones until they fit, within the area given", () => {
  const small = fitTransform({ width: 100, height: 100 }, { width: 1000, height: 600 });
  assert.equal(small.k, 2);
  const huge = fitTransform({ width: 10000, height: 100 }, { width: 1000, height: 600 });
  assert.ok(huge.x + 10000 * huge.k <= 1000 - 16 + 1e-9, "the whole width is in view");
  const left = fitTransform({ width: 800, height: 400 }, { x: 0, y: 0, width: 500, height: 600 });
  assert.ok(left.x + 800 * left.k <= 500, "fits into the part left of an inspector");
  const shifted = fitTransform({ width: 100, height: 100 }, { x: 200, y: 50, width: 400, height: 300 });
  assert.ok(shifted.x >= 200 && shifted.y >= 50);
});

function chain(n) {
  const nodes = [{ id: "n0", op: "leaf", label: "x", role: "input", shape: [], inputs: [] }];
  for (let i = 1; i < n; i += 2) {
    nodes.push({ id: `n${i}`, op: "leaf", label: `w${i}`, role: "param", shape: [], inputs: [] });
    nodes.push({ id: `n${i + 1}`, op: "mul", label: `h${i}`, role: "op", shape: [], inputs: [`n${i - 1}`, `n${i}`] });
  }
  return readTrace({ schema_version: 1, graph: { nodes }, events: [] });
}

test("large graphs use the fast layered layout: inputs left of consumers, no overlaps in a column", () => {
  const trace = chain(401);
  // Which layout ran, not how long it took (that depends on the machine): dagre, which takes seconds at
  // this size, is never called.
  let dagreCalls = 0;
  const watched = { graphlib: dagre.graphlib, layout: (g) => { dagreCalls += 1; dagre.layout(g); } };
  const layout = layoutGraph(watched, trace);
  assert.equal(dagreCalls, 0, "the fast layered layout, not dagre");
  assert.ok(layoutGraph(watched, chain(5)) && dagreCalls > 0, "small graphs still go through dagre");
  assert.equal(layout.nodes.size, trace.nodes.length);
  for (const e of trace.edges) assert.ok(layout.nodes.get(e.from).x < layout.nodes.get(e.to).x, e.id);
  const byColumn = new Map();
  for (const b of layout.nodes.values()) (byColumn.get(b.x) ?? byColumn.set(b.x, []).get(b.x)).push(b);
  for (const col of byColumn.values()) {
    col.sort((a, b) => a.y - b.y);
    for (let i = 1; i < col.length; i++) assert.ok(col[i].y - col[i].height / 2 >= col[i - 1].y + col[i - 1].height / 2);
  }
  assert.equal(layout.nodes.get("n1").kind, "scalar");
});

test("the fast layout puts a leaf one rank before its consumer", () => {
  const layout = layoutGraph(dagre, chain(9), { limit: 0 });
  assert.ok(layout.nodes.get("n7").x < layout.nodes.get("n8").x);
  assert.ok(layout.nodes.get("n7").x > layout.nodes.get("n4").x);
});

test("nodes are sized by the shape of their traced values, not the whole batch", () => {
  const wire = {
    schema_version: 1,
    graph: { nodes: [{ id: "n0", op: "leaf", label: "x", role: "input", shape: [400, 2], inputs: [] }] },
    events: [{ seq: 0, type: "forward", node: "n0", value: { shape: [4, 2], data: [0, 0, 0, 1, 1, 0, 1, 1] } }],
  };
  const layout = layoutGraph(dagre, readTrace(wire));
  assert.equal(layout.nodes.get("n0").kind, "matrix");
  assert.ok(layout.nodes.get("n0").height < 300);
});

test("matrix cells are as wide as the longest number the node shows", () => {
  const node = (data) => ({
    schema_version: 1,
    graph: { nodes: [{ id: "n0", op: "leaf", label: "W", role: "param", shape: [2, 2], inputs: [] }] },
    events: [{ seq: 0, type: "forward", node: "n0", value: { shape: [2, 2], data } }],
  });
  const small = layoutGraph(dagre, readTrace(node([1, 0, 0, 1]))).nodes.get("n0");
  const long = layoutGraph(dagre, readTrace(node([-0.0382, 1.03, 0.171, -0.635]))).nodes.get("n0");
  assert.ok(long.block.cellW > small.block.cellW);
  assert.ok(long.block.cellW >= 7 * 9.8, "room for −0.0382");
});

/** A trace of `nodes` [{id, label, op, shape, inputs, phase?}] with no events. */
function traceOf(nodes) {
  return readTrace({ schema_version: 1, graph: { nodes: nodes.map((n) => ({ role: n.inputs.length ? "op" : "input", shape: [], ...n })) }, events: [] });
}

/** (x*y + sin(x))*z: the edge x → x·y used to run under sin(x). */
function sinTrace(phaseOfBackward = false) {
  const nodes = [
    { id: "x", label: "x", op: "leaf", inputs: [] },
    { id: "y", label: "y", op: "leaf", inputs: [] },
    { id: "z", label: "z", op: "leaf", inputs: [] },
    { id: "xy", label: "x·y", op: "mul", inputs: ["x", "y"] },
    { id: "s", label: "sin(x)", op: "sin", inputs: ["x"] },
    { id: "a", label: "x·y+sin(x)", op: "add", inputs: ["xy", "s"] },
    { id: "f", label: "f", op: "mul", inputs: ["a", "z"] },
  ];
  if (phaseOfBackward) {
    nodes.push({ id: "g1", label: "∂f/∂a", op: "mul", inputs: ["z"], phase: "backward" });
    nodes.push({ id: "g2", label: "∂f/∂x", op: "mul", inputs: ["g1", "y"], phase: "backward" });
    nodes.push({ id: "g3", label: "cos", op: "cos", inputs: ["x"], phase: "backward" });
    nodes.push({ id: "g4", label: "∂x", op: "add", inputs: ["g2", "g3"], phase: "backward" });
  }
  return traceOf(nodes);
}

/** Does the segment p→q pass through the inside of box b (centre x, y), shrunk by 1 px? (Liang–Barsky) */
function segmentHitsBox(p, q, b) {
  const [x0, x1, y0, y1] = [b.x - b.width / 2 + 1, b.x + b.width / 2 - 1, b.y - b.height / 2 + 1, b.y + b.height / 2 - 1];
  let [t0, t1] = [0, 1];
  const dx = q.x - p.x;
  const dy = q.y - p.y;
  for (const [pp, qq] of [[-dx, p.x - x0], [dx, x1 - p.x], [-dy, p.y - y0], [dy, y1 - p.y]]) {
    if (pp === 0) { if (qq < 0) return false; continue; }
    const r = qq / pp;
    if (pp < 0) t0 = Math.max(t0, r); else t1 = Math.min(t1, r);
    if (t0 > t1) return false;
  }
  return true;
}

function crossings(layout) {
  const hits = [];
  for (const e of layout.edges) {
    for (const [id, b] of layout.nodes) {
      if (id === e.from || id === e.to) continue;
      for (let i = 1; i < e.points.length; i++) if (segmentHitsBox(e.points[i - 1], e.points[i], b)) hits.push(`${e.id} × ${id}`);
    }
  }
  return hits;
}

test("edge polylines cross no box but their own ends, in full and compact layouts and between bands", () => {
  for (const trace of [sinTrace(), sinTrace(true), readTrace(expressionTrace())]) {
    for (const detail of ["full", "row", "compact", "tight"]) {
      for (const arrange of ["stacked", "beside", "wrap"]) {
        const layout = layoutGraph(dagre, trace, { detail, arrange });
        assert.deepEqual(crossings(layout), [], `${detail} ${arrange}`);
      }
    }
  }
});

test("edges leave the source's right side and enter the target's left side, inputs spread in order", () => {
  const layout = layoutGraph(dagre, sinTrace());
  for (const e of layout.edges) {
    const [a, b] = [layout.nodes.get(e.from), layout.nodes.get(e.to)];
    assert.equal(e.points[0].x, a.x + a.width / 2, e.id);
    assert.equal(e.points.at(-1).x, b.x - b.width / 2, e.id);
  }
  const into = layout.edges.filter((e) => e.to === "xy").sort((p, q) => p.index - q.index);
  assert.ok(into[0].points.at(-1).y < into[1].points.at(-1).y);
});

test("a long edge runs straight across the columns it passes", () => {
  const a = { x: 50, y: 100, width: 100, height: 60 };
  const b = { x: 450, y: 300, width: 100, height: 60 };
  const columns = columnsOf(new Map([["a", a], ["m", { x: 250, y: 100, width: 140, height: 60 }], ["b", b]]));
  const points = routeEdge(a, b, [{ x: 100, y: 100 }, { x: 250, y: 200 }, { x: 400, y: 300 }], columns);
  const across = points.filter((p) => p.y === 200).map((p) => p.x);
  assert.deepEqual(across, [180, 320]);
});

test("compact boxes are smaller than full ones and tensors in them become small heatmaps", () => {
  const node = { label: "xW₁", op: "matmul", inputs: ["a", "b"], shape: [8, 8] };
  const full = nodeSize(node);
  const compact = nodeSize(node, { detail: "compact" });
  assert.ok(compact.width < full.width && compact.height < full.height);
  assert.equal(compact.block.mini, true);
  assert.ok(compact.block.width <= 64 && compact.block.height <= 40);
  const wide = nodeSize({ ...node, shape: [8, 44] }, { detail: "compact" });
  assert.ok(wide.block.width <= 64, "a wide tensor squeezes its cells");
  const scalar = nodeSize({ label: "a1", op: "add", inputs: ["a", "b"], shape: [] }, { detail: "compact", chars: 5 });
  assert.ok(scalar.width < nodeSize({ label: "a1", op: "add", inputs: ["a", "b"], shape: [] }).width);
});

test("larger fonts make larger boxes", () => {
  const node = { label: "h₁W₂", op: "matmul", inputs: ["a", "b"], shape: [4, 1] };
  const big = { label: 20, meta: 15, scalar: 23, cell: 18, caption: 15 };
  assert.ok(nodeSize(node, { fonts: big }).width > nodeSize(node).width);
  assert.ok(nodeSize(node, { fonts: big, detail: "compact" }).width > nodeSize(node, { detail: "compact" }).width);
});

test("compact boxes keep small tensors as numbers; tight ones draw every tensor as a heatmap", () => {
  const node = { label: "z", op: "leaf", role: "input", inputs: [], shape: [3] };
  const compact = nodeSize(node, { detail: "compact" });
  const tight = nodeSize(node, { detail: "tight" });
  assert.equal(compact.block.mini, false);
  assert.equal(compact.kind, "matrix");
  assert.equal(tight.block.mini, true);
  assert.ok(tight.width <= compact.width);
  assert.equal(nodeSize({ ...node, shape: [4, 2] }, { detail: "compact" }).block.mini, true, "8 numbers are too many");
});

test("a backward band goes below the forward graph or right of it", () => {
  const stacked = layoutGraph(dagre, sinTrace(true));
  const beside = layoutGraph(dagre, sinTrace(true), { arrange: "beside" });
  const [f, b] = [stacked.clusters[0], stacked.clusters[1]];
  assert.ok(b.y - b.height / 2 > f.y + f.height / 2, "stacked: backward under forward");
  const [f2, b2] = [beside.clusters[0], beside.clusters[1]];
  assert.ok(b2.x - b2.width / 2 > f2.x + f2.width / 2, "beside: backward right of forward");
  assert.ok(beside.width > stacked.width && beside.height < stacked.height);
  for (const layout of [stacked, beside]) {
    for (const box of layout.nodes.values()) {
      assert.ok(box.x - box.width / 2 >= 0 && box.x + box.width / 2 <= layout.width && box.y + box.height / 2 <= layout.height);
    }
  }
});

test("the gaps between columns make room for the contribution labels, unless asked not to", () => {
  // the golden trace's contributions with five characters each ("−0.12"): wider than the usual gap
  const wire = expressionTrace();
  const events = wire.events.map((e) => (e.type === "backward" && e.from != null ? { ...e, contribution: { shape: [], data: [-0.123] } } : e));
  const trace = readTrace({ ...wire, events });
  const room = labelRoom(trace);
  assert.ok(room > 44, `room ${room}`);
  const gaps = (layout) => {
    const cols = columnsOf(layout.nodes);
    return cols.slice(1).map((c, i) => c.x - c.half - (cols[i].x + cols[i].half));
  };
  assert.ok(Math.min(...gaps(layoutGraph(dagre, trace))) >= room - 0.5);
  assert.ok(Math.min(...gaps(layoutGraph(dagre, trace, { labels: 0 }))) < room - 0.5);
  assert.equal(labelRoom(readTrace({ ...expressionTrace(), events: expressionTrace().events.filter((e) => e.type === "forward") })), 0);
});

/** A chain of `n` scalar nodes x → f1 → f2 → …, with a leaf weight into every other one. */
function chainTrace(n) {
  const nodes = [{ id: "x", label: "x", op: "leaf", inputs: [] }];
  for (let i = 1; i < n; i++) {
    const inputs = [nodes.at(-1).id];
    if (i % 2 === 0) {
      nodes.push({ id: `w${i}`, label: `w${i}`, op: "leaf", inputs: [] });
      inputs.push(`w${i}`);
    }
    nodes.push({ id: `f${i}`, label: `f${i}`, op: i % 2 ? "tanh" : "mul", inputs });
  }
  return traceOf(nodes);
}

test("a row box is lower and wider than a compact one: label and op on one line, value beside gradient", () => {
  const node = { label: "b1·h1", op: "mul", inputs: ["a", "b"], shape: [] };
  const compact = nodeSize(node, { detail: "compact" });
  const row = nodeSize(node, { detail: "row" });
  assert.ok(row.row && row.height < compact.height && row.width > compact.width);
  assert.equal(row.slot, row.width / 2, "value and gradient each get half the box");
  assert.equal(row.metaBase, row.labelBase, "the op stands on the label's line");
  const noGrad = nodeSize(node, { detail: "row", grad: false });
  assert.equal(noGrad.slot, noGrad.width);
});

test("a long backward name breaks before its arrow or bracket, and its box is as narrow as the longer half", () => {
  assert.deepEqual(labelLines("∂y/∂x ← (x·x)·x"), ["∂y/∂x", "← (x·x)·x"]);
  assert.deepEqual(labelLines("∂y/∂x (2 of 4)"), ["∂y/∂x", "(2 of 4)"]);
  assert.deepEqual(labelLines("x·y+sin(x)"), ["x·y+sin(x)"], "no arrow, no ' (': one line");
  assert.deepEqual(labelLines("b1·h1"), ["b1·h1"]);
  const one = nodeSize({ label: "∂y/∂xx ← (x·x)·x", op: "mul", inputs: ["a"], shape: [] }, { detail: "compact", grad: false, fonts: FONTS });
  const line = nodeSize({ label: "∂y/∂xx←(x·x)·x", op: "mul", inputs: ["a"], shape: [] }, { detail: "compact", grad: false, fonts: FONTS });
  assert.deepEqual(one.lines, ["∂y/∂xx", "← (x·x)·x"]);
  assert.ok(one.width < line.width * 0.75, `${one.width} vs ${line.width}`);
});

test("a long chain wraps in two like a line of text: half as wide, the second half under the first", () => {
  const trace = chainTrace(12);
  const plain = layoutGraph(dagre, trace, { detail: "full" });
  const wrapped = layoutGraph(dagre, trace, { detail: "full", arrange: "wrap" });
  assert.equal(wrapped.arrange, "wrap");
  assert.ok(wrapped.width < plain.width * 0.62, `${wrapped.width} vs ${plain.width}`);
  // a horizontal line parts the two rows: every box is wholly above or below it, each row has several
  const byTop = [...wrapped.nodes.values()].sort((p, q) => (p.y - p.height / 2) - (q.y - q.height / 2));
  const below = (i) => byTop[i].y - byTop[i].height / 2 > Math.max(...byTop.slice(0, i).map((q) => q.y + q.height / 2));
  const lines = byTop.map((_, i) => i).filter((i) => i > 0 && below(i));
  assert.ok(lines.some((i) => i >= 5 && byTop.length - i >= 5), `lines after ${lines} of ${byTop.length} boxes`);
  const last = wrapped.nodes.get("f11");
  const first = wrapped.nodes.get("x");
  assert.ok(last.y > first.y + first.height && last.x < wrapped.width, "the end of the chain is in the second row");
  const across = wrapped.edges.filter((e) => e.wrapped);
  assert.ok(across.length >= 1);
  for (const e of across) {
    const [a, b] = [wrapped.nodes.get(e.from), wrapped.nodes.get(e.to)];
    assert.equal(e.points[0].x, a.x + a.width / 2, "leaves its source's right side");
    assert.equal(e.points.at(-1).x, b.x - b.width / 2, "enters its target's left side");
    assert.ok(e.points.every((q) => q.x >= 0 && q.x <= wrapped.width && q.y >= 0 && q.y <= wrapped.height), "stays in the drawing");
  }
  assert.deepEqual(crossings(wrapped), []);
  for (const [id, b] of wrapped.nodes) {
    assert.ok(b.x - b.width / 2 >= 0 && b.x + b.width / 2 <= wrapped.width, id);
    assert.ok(b.y - b.height / 2 >= 0 && b.y + b.height / 2 <= wrapped.height, id);
  }
  // no two boxes overlap
  const boxes = [...wrapped.nodes.values()];
  boxes.forEach((p, i) => boxes.slice(i + 1).forEach((q) => {
    const apart = Math.abs(p.x - q.x) >= (p.width + q.width) / 2 || Math.abs(p.y - q.y) >= (p.height + q.height) / 2;
    assert.ok(apart, `${p.id} and ${q.id} overlap`);
  }));
});

test("a graph of two columns, or one with a backward band, does not wrap", () => {
  const short = traceOf([{ id: "x", label: "x", op: "leaf", inputs: [] }, { id: "f", label: "f", op: "sin", inputs: ["x"] }]);
  assert.equal(layoutGraph(dagre, short, { arrange: "wrap" }).arrange, "stacked");
  assert.notEqual(layoutGraph(dagre, sinTrace(true), { arrange: "wrap" }).arrange, "wrap");
});

test("edges from one source between the bands share a lane of the corridor; other sources get their own", () => {
  const nodes = sinTrace(true).nodes.map(({ id, label, op, inputs, phase }) => ({ id, label, op, inputs, ...(phase ? { phase } : {}) }));
  nodes.push({ id: "g5", label: "x²", op: "mul", inputs: ["x", "g3"], phase: "backward" });
  const layout = layoutGraph(dagre, traceOf(nodes), { arrange: "beside" });
  const laneOf = (e) => Math.min(...e.points.map((p) => p.y));
  const cross = layout.edges.filter((e) => e.cross);
  const fromX = cross.filter((e) => e.from === "x");
  assert.ok(fromX.length >= 2, "x feeds two backward nodes");
  assert.equal(new Set(fromX.map(laneOf)).size, 1, "one lane for x");
  const lanes = new Set(cross.map(laneOf));
  assert.equal(lanes.size, new Set(cross.map((e) => e.from)).size, "a lane per source");
  assert.deepEqual(crossings(layout), []);
});

/** y = x·x·x + 2·x differentiated symbol to symbol: the backward graph of the symbol-to-symbol lesson. */
function cubeTrace() {
  const fwd = [
    { id: "x", label: "x", op: "leaf", inputs: [] },
    { id: "xx", label: "x·x", op: "mul", inputs: ["x", "x"] },
    { id: "xxx", label: "(x·x)·x", op: "mul", inputs: ["xx", "x"] },
    { id: "two", label: "2", op: "leaf", role: "const", inputs: [] },
    { id: "tx", label: "2·x", op: "mul", inputs: ["two", "x"] },
    { id: "y", label: "y", op: "add", inputs: ["xxx", "tx"] },
  ];
  const bwd = [
    { id: "g0", label: "∂y/∂y", op: "leaf", role: "const", inputs: [] },
    { id: "g1", label: "∂y/∂x ← 2·x", op: "mul", inputs: ["g0", "two"] },
    { id: "g2", label: "∂y/∂(x·x)", op: "mul", inputs: ["g0", "x"] },
    { id: "g3", label: "∂y/∂x ← (x·x)·x", op: "mul", inputs: ["g0", "xx"] },
    { id: "g4", label: "∂y/∂x (2 of 4)", op: "add", inputs: ["g1", "g3"] },
    { id: "g5", label: "∂y/∂x ← x·x", op: "mul", inputs: ["g2", "x"] },
    { id: "g6", label: "∂y/∂x (3 of 4)", op: "add", inputs: ["g4", "g5"] },
    { id: "g7", label: "∂y/∂x ← x·x", op: "mul", inputs: ["g2", "x"] },
    { id: "g8", label: "∂y/∂x", op: "add", inputs: ["g6", "g7"] },
  ];
  return traceOf([...fwd, ...bwd.map((n) => ({ ...n, phase: "backward" }))]);
}

test("packed bands are as low as their tallest column, with the same boxes and edges and none crossed", () => {
  const fonts = { label: 20, meta: 15, scalar: 23, cell: 18, caption: 15, edge: 20 };
  for (const [trace, arrange] of [[cubeTrace(), "beside"], [cubeTrace(), "stacked"], [sinTrace(true), "beside"]]) {
    const plain = layoutGraph(dagre, trace, { detail: "compact", fonts, arrange });
    const packed = layoutGraph(dagre, trace, { detail: "compact", fonts, arrange, pack: true });
    assert.equal(packed.nodes.size, plain.nodes.size);
    assert.deepEqual(packed.edges.map((e) => e.id), plain.edges.map((e) => e.id));
    assert.deepEqual(crossings(packed), [], arrange);
    for (const e of trace.edges) assert.ok(packed.nodes.get(e.from).x < packed.nodes.get(e.to).x, e.id);
    const boxes = [...packed.nodes.values()];
    for (const [i, p] of boxes.entries()) {
      assert.ok(p.x - p.width / 2 >= 0 && p.x + p.width / 2 <= packed.width && p.y - p.height / 2 >= 0 && p.y + p.height / 2 <= packed.height, p.id);
      for (const q of boxes.slice(i + 1)) {
        const apart = Math.abs(p.x - q.x) >= (p.width + q.width) / 2 || Math.abs(p.y - q.y) >= (p.height + q.height) / 2;
        assert.ok(apart, `${p.id} and ${q.id} overlap`);
      }
    }
    if (!packed.packed) continue;
    assert.ok(packed.height < plain.height, `${arrange}: ${packed.height} vs ${plain.height}`);
  }
  // the symbolic derivative's backward band: three boxes stand in its tallest column, and so it is three high
  const packed = layoutGraph(dagre, cubeTrace(), { detail: "compact", fonts, arrange: "beside", pack: true });
  assert.equal(packed.packed, true);
  const backward = packed.clusters.find((c) => c.name === "backward");
  const column = [...packed.nodes.values()].filter((b) => ["g1", "g2", "g3"].includes(b.id));
  assert.equal(new Set(column.map((b) => Math.round(b.x))).size, 1, "one column");
  const stack = column.reduce((h, b) => h + b.height, 0) + 2 * 16;
  assert.ok(backward.height < stack + 40, `${backward.height} vs ${stack}`);
  // the two-line names of that column have their op beside the first line there: lower boxes
  assert.ok(column.every((b) => b.lines.length === 1 || b.metaBeside), "ops beside the names");
});

test("boxes fit their names as the page measures them where it does; the estimate otherwise", () => {
  const node = { label: "log_softmax(z)", op: "log_softmax", inputs: ["a"], shape: [] };
  const estimated = nodeSize(node, { detail: "compact", grad: false, fonts: FONTS });
  const measured = nodeSize(node, { detail: "compact", grad: false, fonts: { ...FONTS, measure: (text) => 6 * [...text].length } });
  assert.ok(measured.width < estimated.width - 50, `${measured.width} vs ${estimated.width}`);
  const wide = nodeSize(node, { detail: "compact", grad: false, fonts: { ...FONTS, measure: (text) => 15 * [...text].length } });
  assert.equal(wide.width, 15 * 14 + 20, "a name wider than its estimate widens its box");
  const unknown = nodeSize(node, { detail: "compact", grad: false, fonts: { ...FONTS, measure: () => undefined } });
  assert.equal(unknown.width, estimated.width);
});
