/**
 * The presenter's histogram of the room's answers (d3): one bar per bin with its count on top, the
 * axis below and, once revealed, the true value as a marked line. Owns its SVG; `update(values, truth)`.
 */
import d3 from "d3";
import { formatNumber } from "../shared/format.js";
import { binAnswers } from "./histogram.js";

const H = 180;
const M = { left: 16, right: 20, top: 26, bottom: 30 };

export function createHistogramView(root) {
  const svg = d3.select(root).append("svg").attr("class", "class-histogram").attr("height", H)
    .attr("role", "img").attr("aria-label", "histogram of the answers");
  const bars = svg.append("g").attr("class", "bars");
  const axis = svg.append("g").attr("class", "axis").attr("transform", `translate(0,${H - M.bottom})`);
  const truthMark = svg.append("g").attr("class", "truth").attr("display", "none");
  truthMark.append("line").attr("y1", M.top - 14).attr("y2", H - M.bottom);
  truthMark.append("text").attr("y", M.top - 16);
  const empty = svg.append("text").attr("class", "empty").attr("y", H / 2).attr("text-anchor", "middle")
    .text("Waiting for answers…");

  /** Draw the answers; `truth` (a number or null) marks the revealed value. Returns the binned data. */
  let last = [[], null];
  function update(values, truth = null) {
    last = [values, truth];
    // drawn at the panel's width in CSS pixels, so that the text keeps its size
    const W = Math.max(160, Math.round(root.clientWidth || 320));
    svg.attr("width", W).attr("viewBox", `0 0 ${W} ${H}`);
    empty.attr("x", W / 2);
    const h = binAnswers(d3, values, { truth });
    empty.attr("display", h.count ? "none" : null);
    if (!h.domain) {
      bars.selectAll("g").remove();
      axis.selectAll("*").remove();
      truthMark.attr("display", "none");
      return h;
    }
    const x = d3.scaleLinear().domain(h.domain).range([M.left, W - M.right]);
    const y = d3.scaleLinear().domain([0, d3.max(h.bins, (b) => b.count) || 1]).range([H - M.bottom, M.top]);
    const bar = bars.selectAll("g").data(h.bins).join((enter) => {
      const g = enter.append("g");
      g.append("rect");
      g.append("text").attr("text-anchor", "middle");
      return g;
    });
    bar.attr("data-count", (b) => b.count).attr("data-x0", (b) => b.x0).attr("data-x1", (b) => b.x1);
    bar.select("rect").attr("x", (b) => x(b.x0) + 1).attr("width", (b) => Math.max(1, x(b.x1) - x(b.x0) - 2))
      .attr("y", (b) => y(b.count)).attr("height", (b) => y(0) - y(b.count))
      .classed("right", (b) => Number.isFinite(truth) && b.x0 <= truth && truth <= b.x1);
    bar.select("text").attr("x", (b) => (x(b.x0) + x(b.x1)) / 2).attr("y", (b) => y(b.count) - 5)
      .text((b) => (b.count ? (b.low ? `≤ ${b.count}` : b.high ? `${b.count} ≥` : b.count) : ""));
    const ticks = x.ticks(Math.max(3, Math.floor(W / 70)));
    axis.call(d3.axisBottom(x).tickValues(ticks).tickFormat((v) => formatNumber(v, 3)).tickSizeOuter(0));
    truthMark.attr("display", Number.isFinite(truth) ? null : "none");
    if (Number.isFinite(truth)) {
      const tx = x(truth);
      truthMark.attr("transform", `translate(${tx},0)`);
      truthMark.select("text").attr("text-anchor", tx < W * 0.25 ? "start" : tx > W * 0.75 ? "end" : "middle")
        .text(`true ${formatNumber(truth, 4)}`);
    }
    return h;
  }

  update([]);
  // a narrower window narrows the panel: drawn again at its new width (the text keeps its size)
  let width = root.clientWidth;
  new ResizeObserver(() => {
    if (root.clientWidth && root.clientWidth !== width) update(...last);
    width = root.clientWidth;
  }).observe(root);
  return { update, element: svg.node() };
}
