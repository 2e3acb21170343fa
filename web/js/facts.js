/**
 * A lesson fact's value as safe HTML: numbers to four significant digits, short lists inline, lists of
 * records as a small table. Pure: no DOM.
 */

import { escapeHtml } from "./markdown.js";
import { formatNumber } from "./format.js";

/** Inline text of a value (numbers, lists, records), escaped. */
export function factText(v) {
  if (typeof v === "number") return escapeHtml(formatNumber(v, 4));
  if (typeof v === "string") return escapeHtml(v);
  if (typeof v === "boolean" || v === null) return escapeHtml(String(v));
  if (Array.isArray(v)) return `[${v.map(factText).join(", ")}]`;
  if (typeof v === "object") {
    if ("from" in v && "value" in v && Object.keys(v).length === 2) return `${factText(v.value)} from ${factText(v.from)}`;
    return Object.entries(v).map(([k, x]) => `${escapeHtml(k)}: ${factText(x)}`).join(", ");
  }
  return escapeHtml(String(v));
}

/** HTML of a value: a table for a list of records with the same keys, else inline text. */
export function factHtml(v) {
  const records = Array.isArray(v) && v.length > 0 && v.every((r) => r && typeof r === "object" && !Array.isArray(r));
  if (!records) return `<strong class="fact-value">${factText(v)}</strong>`;
  const keys = Object.keys(v[0]);
  if (!v.every((r) => Object.keys(r).join() === keys.join())) return `<strong class="fact-value">${factText(v)}</strong>`;
  const head = keys.map((k) => `<th scope="col">${escapeHtml(k)}</th>`).join("");
  const rows = v.map((r) => `<tr>${keys.map((k) => `<td>${Array.isArray(r[k]) && r[k].every((x) => x && typeof x === "object") ? r[k].map(factText).join(" + ") : factText(r[k])}</td>`).join("")}</tr>`);
  return `<table class="fact-table"><thead><tr>${head}</tr></thead><tbody>${rows.join("")}</tbody></table>`;
}
