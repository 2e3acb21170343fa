import test from "node:test";
import assert from "node:assert/strict";
import { THEMES, classColor, diverging, hex, rasterize, signedUnit, softmaxColor } from "../../../web/js/studio/colors.js";

test("zero is the theme's neutral, the ends are blue and orange", () => {
  assert.deepEqual(diverging(0, "light"), THEMES.light.neutral);
  assert.deepEqual(diverging(1, "dark"), THEMES.dark.positive);
  assert.deepEqual(diverging(-5, "light"), THEMES.light.negative);
});

test("class 0 is orange and class 1 blue, further classes differ", () => {
  assert.deepEqual(classColor(0), THEMES.light.negative);
  assert.deepEqual(classColor(1), THEMES.light.positive);
  assert.notDeepEqual(classColor(2), classColor(3));
});

test("weights scale symmetrically and clamp", () => {
  assert.equal(signedUnit(2, 4), 0.5);
  assert.equal(signedUnit(-9, 4), -1);
  assert.equal(signedUnit(1, 0), 0);
});

test("rasterize writes RGBA pixels", () => {
  const px = rasterize([0, 1], 2, 1, (v) => [v * 255, 0, 0], 200);
  assert.deepEqual([...px], [0, 0, 0, 200, 255, 0, 0, 200]);
});

test("hex colours and a confident softmax row take the class colour", () => {
  assert.equal(hex([255, 0, 16]), "#ff0010");
  const c = softmaxColor([0, 0, 1]);
  assert.deepEqual(c, c.map((v) => Math.round(v)));
  assert.notDeepEqual(c, THEMES.light.neutral);
});
