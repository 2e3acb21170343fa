/**
 * LaTeX for the inspector: a node's forward formula and each local derivative with the current numbers
 * plugged in (the templates are the server's, GET /ops), and the accumulation of its gradient. Pure: no
 * DOM, no KaTeX (the view renders the strings).
 */

import { asMatrix, formatNumber } from "../shared/format.js";
import { vocabulary } from "../shared/vocabulary.js";

const SUB = { "₀": "0", "₁": "1", "₂": "2", "₃": "3", "₄": "4", "₅": "5", "₆": "6", "₇": "7", "₈": "8", "₉": "9" };

/** A trace label ("h₁", "x·W₁") as LaTeX: TeX's special characters escaped, subscript digits as _{…}, and
 * the other characters as the server's table says (vocabulary `tex`). */
export function texLabel(label) {
  const { tex } = vocabulary();
  let s = String(label ?? "");
  s = s.replace(/[\\{}$&#%~]/g, (c) => `\\${c}`);
  s = s.replace(/[₀-₉]+/g, (m) => `_{${[...m].map((c) => SUB[c]).join("")}}`);
  return [...s].map((c) => tex[c] ?? c).join("");
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

/**
 * A template of GET /ops (`forward_template`, `local_templates[k]`) with LaTeX put in: `{0}`, `{1}`, … the
 * inputs, `{y}` the output, `{g}` the upstream gradient. Other braces are the template's own LaTeX.
 */
export function fillTemplate(template, inputs, { y = "y", g = "\\bar g" } = {}) {
  return template.replace(/\{(\d+|y|g)\}/g, (m, key) => (key === "y" ? y : key === "g" ? g : inputs[Number(key)] ?? m));
}

/**
 * The forward formula of a node: "label = formula = value", numbers plugged in for the inputs when they are
 * known. `opInfo` is the node's op in GET /ops; without it (an offline page without the table) the formula
 * is the node's own `latex` or op name.
 */
export function forwardTex(node, inputs, value, opInfo) {
  const lhs = texLabel(node.label || node.id);
  if (node.inputs.length === 0) return `${lhs} = ${texTensor(value)}`;
  const names = inputs.map((i) => texLabel(i.node.label || i.node.id));
  const template = opInfo?.forward_template;
  const symbolic = template ? fillTemplate(template, names, { y: lhs }) : opInfo?.forward_latex ?? texLabel(node.latex ?? node.op);
  const parts = [lhs, symbolic];
  const allKnown = inputs.every((i) => i.value);
  if (template && allKnown) parts.push(fillTemplate(template, inputs.map((i) => texTensor(i.value, { paren: true })), { y: lhs }));
  if (value) parts.push(texTensor(value));
  return dedupe(parts).join(" = ");
}

/**
 * For input k of a node: the local derivative symbolically (GET /ops `local_templates[k]`), its value for
 * scalars (contribution ÷ upstream), and the contribution it sends: "∂out/∂in = … ; ḡ · local = contribution".
 * A template that uses the upstream gradient `{g}` is a vector-Jacobian product: it is shown as the
 * gradient it sends ("ḡ_in = …"). Without a template the local derivative is named VJP_k.
 */
export function localTex(node, k, inputs, upstream, contribution, opInfo) {
  const out = texLabel(node.label || node.id);
  const input = inputs[k];
  const name = texLabel(input.node.label || input.node.id);
  const names = inputs.map((i) => texLabel(i.node.label || i.node.id));
  const rule = opInfo?.local_templates?.[k];
  const lhs = `\\frac{\\partial ${out}}{\\partial ${name}}`;
  const symbolic = rule ? fillTemplate(rule, names, { y: out }) : `\\mathrm{VJP}_{${k}}`;
  const lines = [];
  const scalar = upstream?.size === 1 && contribution?.size === 1 && upstream.data && contribution.data;
  if (rule?.includes("{g}")) lines.push(`\\bar g_{${name}} = ${symbolic}`);
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
