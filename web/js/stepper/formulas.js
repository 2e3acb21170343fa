/**
 * LaTeX for the inspector: a node's forward formula and each local derivative with the current numbers
 * plugged in, and the accumulation of its gradient. Pure: no DOM, no KaTeX (the view renders the strings).
 */

import { asMatrix, formatNumber } from "../shared/format.js";

const SUB = { "₀": "0", "₁": "1", "₂": "2", "₃": "3", "₄": "4", "₅": "5", "₆": "6", "₇": "7", "₈": "8", "₉": "9" };

/** A trace label ("h₁", "x·W₁") as LaTeX. */
export function texLabel(label) {
  let s = String(label ?? "");
  s = s.replace(/[\\{}$&#%~]/g, (c) => `\\${c}`);
  s = s.replace(/[₀-₉]+/g, (m) => `_{${[...m].map((c) => SUB[c]).join("")}}`);
  return s.replaceAll("·", " \\cdot ").replaceAll("ᵀ", "^{\\top}").replaceAll("−", "-").replaceAll("×", " \\times ")
    .replaceAll("σ", "\\sigma ").replaceAll("λ", "\\lambda ").replaceAll("α", "\\alpha ").replaceAll("‖", "\\|");
}

/** A number as LaTeX (negative numbers in parentheses when `paren`). */
export function texNumber(v, { paren = false, digits = 3 } = {}) {
  const s = formatNumber(v, digits).replace("\u2212", "-").replace("∞", "\\infty").replace(/e(-?\d+)$/, " \\times 10^{$1}");
  return paren && s.startsWith("-") ? `(${s})` : s;
}

/** A decoded tensor as LaTeX: a number, a bmatrix for small ones, a shape otherwise. */
export function texTensor(t, { paren = false, digits = 3, maxCells = 16 } = {}) {
  if (!t) return "?";
  if (t.data && t.size === 1) return texNumber(t.data[0], { paren, digits });
  if (t.data && t.size <= maxCells) {
    const { rows, cols } = asMatrix(t);
    const lines = [];
    for (let r = 0; r < rows; r++) lines.push(t.data.slice(r * cols, (r + 1) * cols).map((v) => texNumber(v, { digits })).join(" & "));
    return `\\begin{bmatrix}${lines.join(" \\\\ ")}\\end{bmatrix}`;
  }
  return `\\langle ${t.shape.join("\\times ")}\\rangle`;
}

/** Forward templates by op, over input LaTeX strings: used when the op table gives none. */
const FORWARD = {
  add: (a, b) => `${a} + ${b}`, sub: (a, b) => `${a} - ${b}`, mul: (a, b) => `${a} \\cdot ${b}`,
  div: (a, b) => `\\frac{${a}}{${b}}`, matmul: (a, b) => `${a} \\, ${b}`, neg: (a) => `-${a}`,
  relu: (a) => `\\max(0, ${a})`, sigmoid: (a) => `\\sigma(${a})`, tanh: (a) => `\\tanh(${a})`,
  exp: (a) => `e^{${a}}`, log: (a) => `\\log ${a}`, abs: (a) => `|${a}|`, sum: (a) => `\\textstyle\\sum ${a}`,
  mean: (a) => `\\operatorname{mean} ${a}`, pow: (a, b) => `${a}^{${b ?? "p"}}`, square: (a) => `${a}^2`,
  transpose: (a) => `${a}^{\\top}`, softplus: (a) => `\\log(1 + e^{${a}})`,
};

/** Local derivative templates ∂out/∂input_k by op (symbolic, over input LaTeX strings). */
const LOCAL = {
  add: [() => "1", () => "1"], sub: [() => "1", () => "-1"], mul: [(a, b) => b, (a) => a],
  div: [(a, b) => `\\frac{1}{${b}}`, (a, b) => `-\\frac{${a}}{${b}^2}`], neg: [() => "-1"],
  relu: [(a) => `[${a} > 0]`], sigmoid: [(a, y) => `${y}\\,(1 - ${y})`],
  tanh: [(a, y) => `1 - ${y}^2`], exp: [(a, y) => y], log: [(a) => `\\frac{1}{${a}}`],
  abs: [(a) => `\\operatorname{sign}(${a})`], square: [(a) => `2${a}`],
  matmul: [(a, b) => `\\bar g\\, ${b}^{\\top}`, (a) => `${a}^{\\top} \\bar g`],
};

/** The forward formula of a node: "label = formula = value", numbers plugged in for scalar inputs. */
export function forwardTex(node, inputs, value, opInfo) {
  const lhs = texLabel(node.label || node.id);
  if (node.inputs.length === 0) return `${lhs} = ${texTensor(value)}`;
  const names = inputs.map((i) => texLabel(i.node.label || i.node.id));
  const template = FORWARD[node.op];
  const symbolic = template ? template(...names) : opInfo?.forward_latex ?? texLabel(node.latex ?? node.op);
  const parts = [lhs, symbolic];
  const allKnown = inputs.every((i) => i.value);
  if (template && allKnown) parts.push(template(...inputs.map((i) => texTensor(i.value, { paren: true }))));
  if (value) parts.push(texTensor(value));
  return dedupe(parts).join(" = ");
}

/**
 * For input k of a node: the local derivative symbolically, its value for scalars (contribution ÷ upstream),
 * and the contribution it sends: "∂out/∂in = … ; ḡ · local = contribution".
 */
export function localTex(node, k, inputs, upstream, contribution) {
  const out = texLabel(node.label || node.id);
  const input = inputs[k];
  const name = texLabel(input.node.label || input.node.id);
  const names = inputs.map((i) => texLabel(i.node.label || i.node.id));
  const rule = LOCAL[node.op]?.[k];
  const lhs = `\\frac{\\partial ${out}}{\\partial ${name}}`;
  const unary = inputs.length === 1;
  const symbolic = rule ? rule(...(unary ? [names[0], out] : names)) : `\\mathrm{VJP}_{${k}}`;
  const lines = [];
  const scalar = upstream?.size === 1 && contribution?.size === 1 && upstream.data && contribution.data;
  if (node.op === "matmul") lines.push(`\\bar g_{${name}} = ${symbolic}`);
  else if (scalar && upstream.data[0] !== 0) {
    const local = contribution.data[0] / upstream.data[0];
    lines.push(dedupe([lhs, symbolic, texNumber(local)]).join(" = "));
  } else lines.push(`${lhs} = ${symbolic}`);
  if (contribution) {
    const g = `\\bar g_{${out}}`;
    const send = scalar && upstream.data[0] !== 0
      ? `${g} \\cdot ${lhs} = ${texNumber(upstream.data[0], { paren: true })} \\cdot ${texNumber(contribution.data[0] / upstream.data[0], { paren: true })} = ${texTensor(contribution)}`
      : `\\text{sends } ${texTensor(contribution)}`;
    lines.push(`${send} \\;\\to\\; ${name}`);
  }
  return lines;
}

/** The accumulation in LaTeX: ∂L/∂h = 0.3 (from ×) + 0.5 (from +) = 0.8. */
export function accumulationTex(acc) {
  if (!acc) return null;
  const lhs = `\\frac{\\partial L}{\\partial ${texLabel(acc.target.label || acc.target.id)}}`;
  if (acc.seed) return `${lhs} = 1 \\quad(\\text{seed})`;
  const terms = acc.terms.map((t) => `\\underbrace{${texTensor(t.value, { paren: true })}}_{\\text{from } ${texLabel(t.fromLabel)}}`);
  const pending = acc.pending > 0 ? ` + \\cdots \\quad (${acc.pending}\\text{ pending})` : "";
  return `${lhs} = ${terms.join(" + ")}${pending} = ${texTensor(acc.total)}`;
}

function dedupe(parts) {
  return parts.filter((p, i) => i === 0 || p !== parts[i - 1]);
}
