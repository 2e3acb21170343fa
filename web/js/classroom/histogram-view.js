/**
 * The presenter's histogram of the room's answers (d3): one bar per bin with its count on top, the
 * axis below and, once revealed, the true value as a marked line. Owns its SVG; `update(values, truth)`.
 * It fills its host (classroom.css sizes it) and is drawn at the host's size in CSS pixels, its text at
 * the stylesheet's font size (larger in the projector theme): margins, bars and ticks follow that size.
 */
import d3 from "d3";
import { formatNumber } from "../shared/format.js";
import { binAnswers, MAX_BINS } from "./histogram.js";

/** The least a bar is wide, in ems of the histogram's text: its count reads above it. */
const BAR_EMS = 1.7;
/** The least room per tick label, in ems. */
const TICK_EMS = 3.6;

export function createHistogramView(root) {
  const svg = d3.select(root).append("svg").attr("class", "class-histogram")
    .attr("role", "img").attr("aria-label", "histogram of the answers");
  // painted in this order: the bars, the true value's line and label over them, the counts on top
  const bars = svg.append("g").attr("class", "bars");
  const axis = svg.append("g").attr("class", "axis");
  const truthMark = svg.append("g").attr("class", "truth").attr("display", "none");
  truthMark.append("line");
  truthMark.append("text");
  const counts = svg.append("g").attr("class", "counts");
  const empty = svg.append("text").attr("class", "empty").attr("text-anchor", "middle");

  /** Draw the answers; `truth` (a number or null) marks the revealed value. Returns the binned data. */
  let last = [[], null];
  function update(values, truth = null) {
    last = [values, truth];
    // drawn at the host's size in CSS pixels, so that the text keeps the stylesheet's size
    const W = Math.max(160, Math.round(root.clientWidth || 320));
    const H = Math.max(120, Math.round(root.clientHeight || 200));
    const em = parseFloat(getComputedStyle(svg.node()).fontSize) || 16;
    // above the bars: a row for the true value's label, then one for the counts; below: ticks and labels
    const M = { left: Math.round(em * 0.9), right: Math.round(em * 0.9), top: Math.round(em * 2.6), bottom: Math.round(em * 1.25 + 10) };
    svg.attr("width", W).attr("height", H).attr("viewBox", `0 0 ${W} ${H}`);
    // "Waiting for answers…" in two lines where one would not fit
    const waiting = W < em * 11.5 ? ["Waiting for", "answers…"] : ["Waiting for answers…"];
    empty.attr("y", H / 2 - (waiting.length - 1) * em * 0.6).selectAll("tspan").data(waiting).join("tspan")
      .attr("x", W / 2).attr("dy", (_, i) => (i ? "1.2em" : null)).text((line) => line);
    const plot = W - M.left - M.right;
    const maxBins = Math.max(3, Math.min(MAX_BINS, Math.floor(plot / (em * BAR_EMS))));
    const h = binAnswers(d3, values, { truth, maxBins });
    empty.attr("display", h.count ? "none" : null);
    if (!h.domain) {
      bars.selectAll("g").remove();
      counts.selectAll("text").remove();
      axis.selectAll("*").remove();
      truthMark.attr("display", "none");
      return h;
    }
    const x = d3.scaleLinear().domain(h.domain).range([M.left, W - M.right]);
    const y = d3.scaleLinear().domain([0, d3.max(h.bins, (b) => b.count) || 1]).range([H - M.bottom, M.top]);
    const isRightBin = (b) => Number.isFinite(truth) && b.x0 <= truth && truth <= b.x1;
    const bar = bars.selectAll("g").data(h.bins).join((enter) => {
      const g = enter.append("g");
      g.append("rect");
      return g;
    });
    bar.attr("data-count", (b) => b.count).attr("data-x0", (b) => b.x0).attr("data-x1", (b) => b.x1);
    bar.select("rect").attr("x", (b) => x(b.x0) + 1).attr("width", (b) => Math.max(1, x(b.x1) - x(b.x0) - 2))
      .attr("y", (b) => y(b.count)).attr("height", (b) => y(0) - y(b.count))
      .classed("right", isRightBin);
    counts.selectAll("text").data(h.bins).join("text").attr("text-anchor", "middle")
      .attr("x", (b) => (x(b.x0) + x(b.x1)) / 2).attr("y", (b) => y(b.count) - Math.round(em * 0.25))
      .text((b) => (b.count ? (b.low ? `≤ ${b.count}` : b.high ? `${b.count} ≥` : b.count) : ""));
    // tick labels apart by their widths (estimated: 0.6 em a character), the outer ones inside the SVG
    const label = (v) => formatNumber(v, 3);
    const half = (v) => (label(v).length * em * 0.6) / 2;
    let ticks = x.ticks(Math.max(2, Math.floor(plot / (em * TICK_EMS))));
    while (ticks.length > 2 && d3.pairs(ticks).some(([a, b]) => x(b) - x(a) < half(a) + half(b) + em * 0.5)) {
      ticks = ticks.filter((_, i) => i % 2 === 0);
    }
    axis.attr("transform", `translate(0,${H - M.bottom})`)
      .call(d3.axisBottom(x).tickValues(ticks).tickFormat(label).tickSizeOuter(0));
    // the axis sets its own small font on its group: the stylesheet's size is the one wanted
    axis.attr("font-size", null).attr("font-family", null);
    axis.selectAll(".tick text").attr("text-anchor", (v) => (x(v) < half(v) ? "start" : x(v) + half(v) > W ? "end" : "middle"));
    truthMark.attr("display", Number.isFinite(truth) ? null : "none");
    if (Number.isFinite(truth)) {
      const tx = x(truth);
      truthMark.attr("transform", `translate(${tx},0)`);
      truthMark.select("line").attr("y1", Math.round(em * 1.25)).attr("y2", H - M.bottom);
      truthMark.select("text").attr("y", em).attr("text-anchor", tx < W * 0.3 ? "start" : tx > W * 0.7 ? "end" : "middle")
        .text(`true ${formatNumber(truth, 4)}`);
    }
    return h;
  }

  update([]);
  // the host resized (a narrower window, the panel opened or folded): drawn again at its new size
  let size = "";
  new ResizeObserver(() => {
    const now = `${root.clientWidth}×${root.clientHeight}`;
    if (root.clientWidth && now !== size) update(...last);
    size = now;
  }).observe(root);
  return { update, element: svg.node() };
}
