/**
 * A lesson fact's value as safe HTML for people: numbers rounded to four significant digits (rounding noise
 * of float64 arithmetic shown as 0), record keys as the words the server sends (`fields`), a record as a
 * two-column table, a list of records as a table, a matrix as a grid, and a column of curves (records with
 * a `step`) as a line chart. Pure: no DOM.
 */

import { escapeHtml } from "./markdown.js";
import { formatNumber } from "../shared/format.js";

/** Magnitudes below this are float64 rounding noise around numbers of order one: shown as 0. */
export const NOISE = 1e-12;

/** A number for people: 4 significant digits, noise as 0. */
export function factNumber(v) {
  return formatNumber(typeof v === "number" && v !== 0 && Math.abs(v) < NOISE ? 0 : v, 4);
}

const word = (fields, key) => (fields && key in fields ? fields[key] : key);
const shown = (fields, keys) => keys.filter((k) => word(fields, k) !== null);
const isRecord = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
const isCurve = (v) => Array.isArray(v) && v.length > 1 && v.every((p) => isRecord(p) && typeof p.step === "number");

/** Inline text of a value (numbers, lists, records), escaped. */
export function factText(v, fields) {
  if (typeof v === "number") return escapeHtml(factNumber(v));
  if (typeof v === "string") return escapeHtml(v);
  if (typeof v === "boolean") return v ? "yes" : "no";
  if (v === null || v === undefined) return "—";
  if (Array.isArray(v)) {
    if (v.length && v.every((x) => isRecord(x) && "from" in x && "value" in x)) return v.map((x) => factText(x, fields)).join(" + ");
    return `[${v.map((x) => factText(x, fields)).join(", ")}]`;
  }
  if ("from" in v && "value" in v && Object.keys(v).length === 2) return `${factText(v.value)} from ${factText(v.from)}`;
  return shown(fields, Object.keys(v)).map((k) => `${escapeHtml(word(fields, k))} ${factText(v[k], fields)}`).join(", ");
}

/** HTML of a fact's value; `fields` maps record keys to words (null: not shown). */
export function factHtml(v, fields = {}) {
  if (isRecord(v) && !("from" in v && "value" in v)) return recordTable(v, fields);
  if (Array.isArray(v) && v.length && v.every(isRecord)) {
    const keys = Object.keys(v[0]);
    if (v.every((r) => Object.keys(r).join() === keys.join())) return recordsTable(v, keys, fields);
  }
  if (isMatrix(v)) return matrixGrid(v);
  return `<strong class="fact-value">${factText(v, fields)}</strong>`;
}

function isMatrix(v) {
  return Array.isArray(v) && v.length > 1 && v.every((row) => Array.isArray(row) && row.length > 1 && row.length === v[0].length && row.every((x) => typeof x === "number"));
}

function matrixGrid(m) {
  // three digits in a grid: a matrix beside the text has little room
  const rows = m.map((row) => `<tr>${row.map((x) => `<td>${escapeHtml(formatNumber(Math.abs(x) < NOISE ? 0 : x, 3))}</td>`).join("")}</tr>`);
  return `<table class="fact-matrix"><tbody>${rows.join("")}</tbody></table>`;
}

function recordTable(r, fields) {
  const rows = shown(fields, Object.keys(r)).map((k) => `<tr><th scope="row">${escapeHtml(word(fields, k))}</th><td>${factText(r[k], fields)}</td></tr>`);
  return `<table class="fact-table fact-record"><tbody>${rows.join("")}</tbody></table>`;
}

function recordsTable(records, keys, fields) {
  const curves = keys.filter((k) => records.every((r) => isCurve(r[k])));
  const columns = shown(fields, keys).filter((k) => !curves.includes(k));
  const head = columns.map((k) => `<th scope="col">${escapeHtml(word(fields, k))}</th>`).join("");
  const rows = records.map((r) => `<tr>${columns.map((k) => `<td>${factText(r[k], fields)}</td>`).join("")}</tr>`);
  const table = `<table class="fact-table"><thead><tr>${head}</tr></thead><tbody>${rows.join("")}</tbody></table>`;
  const names = records.map((r, i) => nameOf(r, columns) ?? `${i + 1}`);
  return table + curves.map((k) => curvePlot(records.map((r) => r[k]), names, word(fields, k), fields)).join("");
}

/** A row's name: its first text column. */
function nameOf(record, columns) {
  const k = columns.find((c) => typeof record[c] === "string");
  return k === undefined ? null : record[k];
}

const W = 280;
const H = 130;
const PAD = { left: 40, right: 8, top: 8, bottom: 22 };

/**
 * An SVG line chart of one curve per row (each a list of {step, …numbers}): one colour per row, one dash
 * pattern per quantity (solid, dashed, dotted), a legend of both below.
 */
export function curvePlot(curves, names, title, fields = {}) {
  const quantities = Object.keys(curves[0][0]).filter((k) => k !== "step" && curves.every((c) => c.every((p) => typeof p[k] === "number")));
  const points = curves.flatMap((c) => c);
  const steps = points.map((p) => p.step);
  const values = points.flatMap((p) => quantities.map((q) => p[q]));
  const [x0, x1] = [Math.min(...steps), Math.max(...steps)];
  const [y0, y1] = [Math.min(0, ...values), Math.max(...values)];
  const x = (s) => PAD.left + ((s - x0) / (x1 - x0 || 1)) * (W - PAD.left - PAD.right);
  const y = (v) => H - PAD.bottom - ((v - y0) / (y1 - y0 || 1)) * (H - PAD.top - PAD.bottom);
  const lines = curves.flatMap((c, i) => quantities.map((q, j) => {
    const d = c.map((p, n) => `${n ? "L" : "M"}${x(p.step).toFixed(1)},${y(p[q]).toFixed(1)}`).join("");
    return `<path class="series-${i % 4} dash-${j % 3}" d="${d}"/>`;
  }));
  const ticks = [y0, (y0 + y1) / 2, y1].map((v) => `<line class="grid" x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}"/><text x="${PAD.left - 4}" y="${(y(v) + 3).toFixed(1)}" text-anchor="end">${escapeHtml(factNumber(Number(v.toPrecision(2))))}</text>`);
  const xLabels = `<text x="${PAD.left}" y="${H - 6}">${escapeHtml(word(fields, "step"))} ${x0}</text><text x="${W - PAD.right}" y="${H - 6}" text-anchor="end">${x1}</text>`;
  const sample = (cls, text) => `<li><svg class="sample" width="24" height="8" aria-hidden="true"><path class="${cls}" d="M0,4H24"/></svg>${escapeHtml(text)}</li>`;
  const legend = [...names.map((n, i) => sample(`series-${i % 4}`, n)), ...quantities.map((q, j) => sample(`series-ink dash-${j % 3}`, word(fields, q)))];
  const label = `${title}: ${curves.map((c, i) => `${names[i]} ${quantities.map((q) => `${word(fields, q)} ${factNumber(c[0][q])} to ${factNumber(c.at(-1)[q])}`).join(", ")}`).join("; ")}`;
  return `<figure class="fact-plot"><svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeHtml(label)}">${ticks.join("")}${xLabels}${lines.join("")}</svg><figcaption><ul>${legend.join("")}</ul></figcaption></figure>`;
}
