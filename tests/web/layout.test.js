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
  assert.equal(small.k, 1.6);
  const huge = fitTransform({ width: 10000, height: 100 }, { width: 1000, height: 600 });
  assert.equal(huge.k, 0.85);
});
