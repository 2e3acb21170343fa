import test from "node:test";
import assert from "node:assert/strict";
import { attachmentName, exportQuery } from "../../../web/js/stepper/download.js";

test("the export query names the lesson or the expression, and the theme", () => {
  assert.equal(exportQuery({ lesson: "xor-relu", panel: 0, theme: "light" }), "lesson=xor-relu");
  const weights = [{ W: [[1]], b: [0] }];
  const q = new URLSearchParams(exportQuery({ lesson: "xor-relu", panel: 1, weights, theme: "projector" }));
  assert.deepEqual(Object.fromEntries(q), { lesson: "xor-relu", panel: "1", weights: JSON.stringify(weights), theme: "projector" });
  const e = new URLSearchParams(exportQuery({ expr: "(x*y + x)*z", values: { x: 2, y: -1 }, lesson: "ignored", theme: "dark" }));
  assert.deepEqual(Object.fromEntries(e), { expr: "(x*y + x)*z", values: "x=2,y=-1", theme: "dark" });
});

test("the file name comes from Content-Disposition", () => {
  assert.equal(attachmentName('attachment; filename="xor-relu.html"'), "xor-relu.html");
  assert.equal(attachmentName(null), "backprop-playground.html");
});
