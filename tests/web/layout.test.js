import test from "node:test";
import assert from "node:assert/strict";
import { expressionTrace, loadDagre } from "./helpers.js";
import { readTrace } from "../../web/js/trace.js";
import { layoutGraph, fitTransform, nodeSize } from "../../web/js/layout.js";

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

test("fitting keeps the scale legible and centres small drawings", () => {
  const small = fitTransform({ width: 100, height: 100 }, { width: 1000, height: 600 });
  assert.equal(small.k, 2);
  const huge = fitTransform({ width: 10000, height: 100 }, { width: 1000, height: 600 });
  assert.equal(huge.k, 0.85);
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
  const t0 = performance.now();
  const layout = layoutGraph(dagre, trace);
  assert.ok(performance.now() - t0 < 500, "fast");
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
