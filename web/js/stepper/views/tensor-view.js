/**
 * Draws one tensor block (a value or a gradient) inside an SVG group: a number for scalars, a grid of
 * numbers for small matrices, a heatmap for medium tensors, a summary for large ones; in compact boxes
 * ("mini") a small heatmap without numbers.
 */

import d3 from "d3";
import { asMatrix, formatNumber, summarize } from "../../shared/format.js";
import { BOX } from "../graph-layout.js";

const diverging = (t) => d3.interpolateRdBu(1 - t); // red positive, blue negative

/** Colour of v on a symmetric scale of ±m. */
function heatColour(v, m) {
  if (!Number.isFinite(v)) return "#e11d48"; // NaN and ±∞ stand out in every theme
  return diverging(0.5 + 0.5 * Math.max(-1, Math.min(1, v / (m || 1))));
}

/**
 * Render `t` (decoded tensor or null) into `g` at width `width`, for a block of `kind` and size `block`.
 * `placeholder` is drawn when t is null (not computed yet).
 */
export function renderTensor(g, t, { kind, block, width, placeholder = "·" }) {
  g.selectAll("*").remove();
  if (!t) {
    g.append("text").attr("class", "placeholder").attr("x", width / 2).attr("y", block.height / 2)
      .attr("dy", "0.35em").attr("text-anchor", "middle").text(placeholder);
    return;
  }
  if (kind === "mini" && t.data) return renderMini(g, t, width, block);
  if (kind === "brief" || kind === "mini") return renderBrief(g, t, width, block);
  if (!t.data || kind === "summary") return renderSummary(g, t, width, block);
  if (kind === "scalar" || t.size === 1) return renderScalar(g, t.data[0], width, block);
  if (kind === "matrix") return renderMatrix(g, t, width, block);
  return renderHeatmap(g, t, width, block);
}

function renderScalar(g, v, width, block) {
  g.append("text").attr("class", "num scalar").attr("x", width / 2).attr("y", block.height / 2)
    .attr("dy", "0.36em").attr("text-anchor", "middle").text(formatNumber(v));
}

function renderMatrix(g, t, width, block) {
  const { rows, cols } = asMatrix(t);
  const cellW = block.cellW ?? BOX.cellW;
  const cellH = block.cellH ?? BOX.cellH;
  const x0 = (width - cols * cellW) / 2;
  g.append("path").attr("class", "bracket")
    .attr("d", bracketPath(x0 - 2, 1, cols * cellW + 4, rows * cellH + 4));
  const cells = g.selectAll("text.cell").data(t.data).join("text").attr("class", "num cell")
    .attr("x", (_, i) => x0 + (i % cols + 0.5) * cellW)
    .attr("y", (_, i) => 3 + (Math.floor(i / cols) + 0.5) * cellH)
    .attr("dy", "0.36em").attr("text-anchor", "middle").text((v) => formatNumber(v));
  return cells;
}

function bracketPath(x, y, w, h) {
  const e = 5;
  return `M${x + e},${y} H${x} V${y + h} H${x + e} M${x + w - e},${y} H${x + w} V${y + h} H${x + w - e}`;
}

/** `t`'s cells as heat rectangles of cellW × cellH from x = x0, coloured on ±(its largest magnitude). */
function heatCells(g, t, cols, x0, cellW, cellH) {
  const s = summarize(t);
  const m = Math.max(Math.abs(s.min), Math.abs(s.max));
  g.selectAll("rect.heat").data(t.data).join("rect").attr("class", "heat")
    .attr("x", (_, i) => x0 + (i % cols) * cellW).attr("y", (_, i) => Math.floor(i / cols) * cellH)
    .attr("width", cellW).attr("height", cellH).attr("fill", (v) => heatColour(v, m));
  return { s, m };
}

function renderHeatmap(g, t, width, block) {
  const { rows, cols } = asMatrix(t);
  const cell = block.cell ?? 6;
  const { s, m } = heatCells(g, t, cols, (width - cols * cell) / 2, cell, cell);
  g.append("text").attr("class", "num caption").attr("x", width / 2).attr("y", rows * cell + 15)
    .attr("text-anchor", "middle").text(`±${formatNumber(m, 2)} · μ ${formatNumber(s.mean, 2)}`);
}

/** A compact box's tensor: a small heatmap in a thin frame, no numbers (the inspector has them). */
function renderMini(g, t, width, block) {
  const { rows, cols } = asMatrix(t);
  const { cellW, cellH } = block;
  const x0 = (width - cols * cellW) / 2;
  heatCells(g, t, cols, x0, cellW, cellH);
  g.append("rect").attr("class", "mini-frame").attr("x", x0 - 1).attr("y", -1).attr("width", cols * cellW + 2).attr("height", rows * cellH + 2);
}

/** One line for a large tensor in a compact box: its mean. */
function renderBrief(g, t, width, block) {
  const s = summarize(t);
  g.append("text").attr("class", "num cell").attr("x", width / 2).attr("y", block.height / 2).attr("dy", "0.36em")
    .attr("text-anchor", "middle").text(`μ ${formatNumber(s.mean, 3)}`);
}

function renderSummary(g, t, width, block) {
  const s = summarize(t);
  const lines = [`μ ${formatNumber(s.mean, 3)}  σ ${formatNumber(s.std, 3)}`, `[${formatNumber(s.min, 3)}, ${formatNumber(s.max, 3)}]`];
  g.selectAll("text").data(lines).join("text").attr("class", "num caption")
    .attr("x", width / 2).attr("y", (_, i) => (i + 0.5) * (block.height / 2)).attr("dy", "0.36em")
    .attr("text-anchor", "middle").text((d) => d);
}
