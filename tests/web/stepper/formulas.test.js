import test from "node:test";
import assert from "node:assert/strict";
import { decodeTensor } from "../../../web/js/shared/tensor-decode.js";
import { texLabel, texNumber, texTensor, forwardTex, localTex, accumulationTex } from "../../../web/js/stepper/formulas.js";

const s = (v) => decodeTensor({ shape: [], data: [v] });
const x = { id: "n0", label: "x", inputs: [], role: "param", op: "leaf" };
const y = { id: "n1", label: "y", inputs: [], role: "param", op: "leaf" };
const xy = { id: "n2", label: "x·y", inputs: ["n0", "n1"], role: "op", op: "mul" };

test("labels become LaTeX with subscripts and dots", () => {
  assert.equal(texLabel("h₁"), "h_{1}");
  assert.equal(texLabel("x·W₁"), "x \\cdot W_{1}");
});

test("numbers and small tensors become LaTeX", () => {
  assert.equal(texNumber(-1, { paren: true }), "(-1)");
  assert.equal(texTensor(decodeTensor({ shape: [2], data: [1, 2] })), "\\begin{bmatrix}1 & 2\\end{bmatrix}");
});

test("the forward formula plugs the numbers in", () => {
  const tex = forwardTex(xy, [{ node: x, value: s(2) }, { node: y, value: s(-1) }], s(-2));
  assert.equal(tex, "x \\cdot y = 2 \\cdot (-1) = -2");
});

test("a local derivative shows its value and the contribution it sends", () => {
  const lines = localTex(xy, 0, [{ node: x, value: s(2) }, { node: y, value: s(-1) }], s(3), s(-3));
  assert.equal(lines[0], "\\frac{\\partial x \\cdot y}{\\partial x} = y = -1");
  assert.match(lines[1], /= 3 \\cdot \(-1\) = -3 \\;\\to\\; x$/);
});

test("the accumulation lists each term under its sender", () => {
  const tex = accumulationTex({ target: x, terms: [{ value: s(0.3), fromLabel: "y₁" }, { value: s(0.5), fromLabel: "+" }], total: s(0.8), pending: 0 });
  assert.match(tex, /^\\frac\{\\partial L\}\{\\partial x\} = \\underbrace\{0.3\}_\{\\text\{from \} y_\{1\}\} \+ .* = 0.8$/);
});
