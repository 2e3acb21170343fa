import test from "node:test";
import assert from "node:assert/strict";
import { domainOf, gridPoints, linkWeight, linspace, networkLayout } from "../../../web/js/studio/neuron-layout.js";

test("a 2-8-8-1 net has 19 neurons and 88 links, layers left to right", () => {
  const { neurons, links } = networkLayout([2, 8, 8, 1], { width: 600, height: 400 });
  assert.equal(neurons.length, 19);
  assert.equal(links.length, 2 * 8 + 8 * 8 + 8);
  const xs = [...new Set(neurons.map((n) => n.x))];
  assert.equal(xs.length, 4);
  assert.ok(xs[0] < xs[3]);
  assert.ok(neurons.every((n) => n.y > 0 && n.y < 400));
});

test("maxout links show their strongest piece", () => {
  assert.equal(linkWeight([[1, -3, 2, 0]], 0, 0, 2), -3);
  assert.equal(linkWeight([[1, -3, 2, 0]], 0, 1, 2), 2);
  assert.equal(linkWeight([[4, 5]], 0, 1), 5);
});

test("the domain is square and contains every point", () => {
  const d = domainOf([[0, 0], [4, 1]]);
  assert.ok(Math.abs(d.x[1] - d.x[0] - (d.y[1] - d.y[0])) < 1e-12);
  assert.ok(d.x[0] < 0 && d.x[1] > 4 && d.y[0] < 0 && d.y[1] > 1);
});

test("grid rows run from the top of the plane down", () => {
  const g = gridPoints({ x: [0, 2], y: [0, 2] }, 2);
  assert.deepEqual(g, [[0.5, 1.5], [1.5, 1.5], [0.5, 0.5], [1.5, 0.5]]);
  assert.deepEqual(linspace(0, 1, 3), [0, 0.5, 1]);
});

test("a layer too tall for the box gets smaller neurons, the others keep theirs", () => {
  const { neurons } = networkLayout([2, 44, 1], { width: 600, height: 400, node: 40 });
  const sizeOf = (layer) => neurons.find((n) => n.layer === layer).size;
  assert.equal(sizeOf(0), 40);
  assert.ok(sizeOf(1) < 10 && sizeOf(1) >= 6);
  const column = neurons.filter((n) => n.layer === 1);
  assert.ok(column[0].y >= 36 - 1 && column.at(-1).y <= 400 - 36 + 1);
});
