import test from "node:test";
import assert from "node:assert/strict";
import { decodeTensor } from "../../../web/js/shared/tensor-decode.js";
import { readFileSync } from "node:fs";
import { texLabel, texNumber, texTensor, fillTemplate, forwardTex, localTex, accumulationTex } from "../../../web/js/stepper/formulas.js";

/** A small GET /ops answer: the templates come from the server. */
const OPS = new Map(JSON.parse(readFileSync(new URL("../fixtures/ops.json", import.meta.url), "utf8")).map((o) => [o.name, o]));

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
  const tex = forwardTex(xy, [{ node: x, value: s(2) }, { node: y, value: s(-1) }], s(-2), OPS.get("mul"));
  assert.equal(tex, "x \\cdot y = 2 \\cdot (-1) = -2");
});

test("a local derivative shows its value and the contribution it sends", () => {
  const lines = localTex(xy, 0, [{ node: x, value: s(2) }, { node: y, value: s(-1) }], s(3), s(-3), OPS.get("mul"));
  assert.equal(lines[0], "\\frac{\\partial x \\cdot y}{\\partial x} = y = -1");
  assert.match(lines[1], /= 3 \\cdot \(-1\) = -3 \\;\\to\\; x$/);
});

test("the accumulation lists each term under its sender", () => {
  const tex = accumulationTex({ target: x, terms: [{ value: s(0.3), fromLabel: "y₁" }, { value: s(0.5), fromLabel: "+" }], total: s(0.8), pending: 0 });
  assert.match(tex, /^\\frac\{\\partial L\}\{\\partial x\} = \\underbrace\{0.3\}_\{\\text\{from \} y_\{1\}\} \+ .* = 0.8$/);
});

test("templates take the inputs, the output and the upstream gradient; the template's own braces stay", () => {
  assert.equal(fillTemplate("\\frac{{0}}{{1}}", ["a", "b"]), "\\frac{a}{b}");
  assert.equal(fillTemplate("-\\frac{{0}}{{{1}}^2}", ["a", "b"]), "-\\frac{a}{{b}^2}");
  assert.equal(fillTemplate("1 - {y}^2", ["a"], { y: "h" }), "1 - h^2");
  assert.equal(fillTemplate("{g}\\, {1}^{\\top}", ["X", "W"]), "\\bar g\\, W^{\\top}");
});

test("each op's formulas are the server's: a division, a tanh, a matmul's gradient", () => {
  const a = { id: "a", label: "a", inputs: [], op: "leaf" };
  const b = { id: "b", label: "b", inputs: [], op: "leaf" };
  const q = { id: "q", label: "q", inputs: ["a", "b"], op: "div" };
  const ins = [{ node: a, value: s(1) }, { node: b, value: s(4) }];
  assert.equal(forwardTex(q, ins, s(0.25), OPS.get("div")), "q = \\frac{a}{b} = \\frac{1}{4} = 0.25");
  assert.equal(localTex(q, 1, ins, s(1), s(-0.0625), OPS.get("div"))[0], "\\frac{\\partial q}{\\partial b} = -\\frac{a}{{b}^2} = -0.0625");
  const h = { id: "h", label: "h", inputs: ["a"], op: "tanh" };
  assert.equal(localTex(h, 0, [{ node: a, value: s(0) }], null, null, OPS.get("tanh"))[0], "\\frac{\\partial h}{\\partial a} = 1 - {h}^2");
  const mm = { id: "m", label: "XW", inputs: ["a", "b"], op: "matmul" };
  assert.equal(localTex(mm, 0, ins, null, null, OPS.get("matmul"))[0], "\\bar g_{a} = \\bar g\\, {b}^{\\top}");
});

test("without the op table (an offline page) or a template the inspector still has a formula", () => {
  const lines = localTex(xy, 0, [{ node: x, value: s(2) }, { node: y, value: s(-1) }], s(3), s(-3));
  assert.equal(lines[0], "\\frac{\\partial x \\cdot y}{\\partial x} = \\mathrm{VJP}_{0} = -1");
  assert.equal(forwardTex(xy, [{ node: x, value: s(2) }, { node: y, value: s(-1) }], s(-2)), "x \\cdot y = mul = -2");
  const cat = { id: "c", label: "c", inputs: ["n0", "n1"], op: "concat" };
  assert.match(localTex(cat, 1, [{ node: x, value: null }, { node: y, value: null }], null, null, OPS.get("concat"))[0], /VJP\}_\{1\}$/);
});
