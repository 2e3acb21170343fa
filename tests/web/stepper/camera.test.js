import test from "node:test";
import assert from "node:assert/strict";
import { boxInside, chooseLayout, focusBox, followTransform, legibleScale, smallestText, visibleArea } from "../../../web/js/stepper/camera.js";
import { FONTS } from "../../../web/js/stepper/graph-layout.js";

const box = (x, y, kind = "scalar", detail = "full") => ({ x, y, width: 100, height: 60, kind, detail, block: { mini: detail !== "full" && kind !== "scalar" } });
const layoutOf = (width, height, boxes) => ({ width, height, nodes: new Map(boxes.map((b, i) => [`n${i}`, b])) });

test("the visible area is the container minus what covers its edges", () => {
  assert.deepEqual(visibleArea(1000, 600, { right: 400 }), { x: 0, y: 0, width: 600, height: 600 });
  assert.deepEqual(visibleArea(1000, 600, { top: 20, left: 30 }), { x: 30, y: 20, width: 970, height: 580 });
});

test("the smallest content text: cells of full matrices count, compact heatmaps have none", () => {
  const full = layoutOf(100, 100, [box(0, 0, "matrix"), box(0, 0, "scalar")]);
  assert.equal(smallestText(full, FONTS), FONTS.cell);
  const compact = layoutOf(100, 100, [box(0, 0, "matrix", "compact"), box(0, 0, "scalar", "compact")]);
  assert.equal(smallestText(compact, FONTS), FONTS.label);
  assert.equal(legibleScale(compact, { ...FONTS, label: 20, scalar: 23 }, 20), 1);
});

test("the most detailed layout that is legible is chosen; if none is, the one that reads largest", () => {
  const layouts = {
    full: layoutOf(2000, 400, [box(0, 0, "matrix")]),
    row: layoutOf(2400, 200, [{ ...box(0, 0, "matrix", "compact"), row: true, block: { mini: false } }]),
    compact: layoutOf(1400, 300, [{ ...box(0, 0, "matrix", "compact"), block: { mini: false } }]),
    tight: layoutOf(900, 300, [box(0, 0, "matrix", "compact")]),
  };
  const built = [];
  const build = (detail) => (built.push(detail), layouts[detail]);
  assert.equal(chooseLayout(build, { width: 960, height: 420 }, FONTS, 12), layouts.tight);
  assert.equal(chooseLayout(build, { width: 1500, height: 420 }, FONTS, 12), layouts.compact);
  built.length = 0;
  assert.equal(chooseLayout(build, { width: 4000, height: 900 }, FONTS, 12), layouts.full);
  assert.deepEqual(built, ["full"], "the other layouts are only built when needed");
  assert.equal(chooseLayout(build, { width: 300, height: 200 }, FONTS, 40), layouts.tight);
});

test("row and compact boxes are one level: where the columns stand tall the low row boxes win", () => {
  const layouts = {
    full: layoutOf(1800, 1200, [box(0, 0, "scalar")]),
    row: layoutOf(1000, 400, [{ ...box(0, 0, "scalar", "compact"), row: true }]),
    compact: layoutOf(600, 700, [box(0, 0, "scalar", "compact")]),
    tight: layoutOf(600, 700, [box(0, 0, "scalar", "compact")]),
  };
  const built = [];
  const build = (detail) => (built.push(detail), layouts[detail]);
  // 960×420: row boxes fit at k 0.96 (text 17 px), compact ones at 0.6
  assert.equal(chooseLayout(build, { width: 960, height: 420 }, FONTS, 20), layouts.row);
  assert.deepEqual(built, ["full", "row", "compact", "tight"]);
  // a narrow area: the compact boxes read larger and are legible, so tight is not built
  built.length = 0;
  assert.equal(chooseLayout(build, { width: 700, height: 1600 }, FONTS, 12), layouts.compact);
  assert.deepEqual(built, ["full", "row", "compact"]);
});

test("follow leaves a visible node alone and centres a hidden one at a legible scale", () => {
  const area = { x: 0, y: 0, width: 600, height: 400 };
  const t = { k: 0.5, x: 0, y: 0 };
  assert.equal(followTransform(box(200, 200), t, area), null);
  const far = followTransform(box(2000, 200), t, area, { minScale: 1 });
  assert.equal(far.k, 1);
  assert.ok(boxInside(box(2000, 200), far, area));
  assert.equal(followTransform(box(200, 200), { k: 1, x: 0, y: 0 }, area, { minScale: 1 }), null);
});

test("follow pans only along the axis on which the graph does not fit", () => {
  const area = { x: 0, y: 0, width: 600, height: 400 };
  const t = followTransform(box(2000, 150), { k: 0.5, x: 0, y: 0 }, area, { minScale: 1, drawing: { width: 3000, height: 300 } });
  assert.equal(t.y, 50, "the 300 px tall graph is centred in the 400 px area");
  assert.equal(t.x, 300 - 2000, "the node is centred horizontally");
});

test("follow frames the node a contribution comes from too, where both fit at the scale", () => {
  const area = { x: 0, y: 0, width: 400, height: 300 };
  const node = { x: 100, y: 100, width: 100, height: 60 };
  const from = { x: 300, y: 100, width: 100, height: 60 };
  assert.deepEqual(focusBox([node, from], 1, area), { x: 200, y: 100, width: 300, height: 60 });
  assert.equal(focusBox([node, from], 2, area), node, "at twice the size the two are wider than the area");
  assert.equal(focusBox([node, null], 1, area), node, "a forward step frames its node alone");
});
