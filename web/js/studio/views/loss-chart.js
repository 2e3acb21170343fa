/**
 * Loss and accuracy over training steps: train loss solid, test loss dashed (left axis, log scale),
 * accuracy thin on the right axis, with large read-outs of the latest values above the plot. The
 * points come from series.js, already thinned for drawing (every step's loss counted in them).
 * Owns its read-outs and SVG; `update({points})` redraws.
 */
import d3 from "d3";
import { extent, latest } from "../series.js";
import { labelSizes } from "./label-sizes.js";
import { fitTicks, linearCandidates, logCandidates, lossLabel } from "../ticks.js";

const M = { left: 50, right: 44, top: 8, bottom: 26 };
const pct = (v) => (v === null ? "–" : v === 1 ? "100 %" : `${(100 * v).toFixed(1)} %`);
// Small losses in exponent form ("1.23e−5", not "0.0000123"): the read-out cells are narrow.
const num = (v) => (v === null ? "–" : d3.format(v !== 0 && Math.abs(v) < 1e-3 ? ".3~e" : ".3~g")(v).replaceAll("-", "−"));

const stepLabel = d3.format("~s");
const accuracyLabel = d3.format("~%");

export function createLossChart(root) {
  root.classList.add("loss-chart");
  const readout = d3.select(root).append("div").attr("class", "readout");
  const cells = {};
  for (const [key, label] of [["loss", "loss"], ["test_loss", "test loss"], ["accuracy", "accuracy"], ["test_accuracy", "test acc"]]) {
    const cell = readout.append("div").attr("class", `metric metric-${key}`);
    cell.append("span").attr("class", "label").text(label);
    cells[key] = cell.append("span").attr("class", "value").attr("data-metric", key).text("–");
  }
  const svg = d3.select(root).append("svg").attr("class", "chart-svg").attr("role", "img")
    .attr("aria-label", "loss and accuracy curves");
  const gx = svg.append("g").attr("class", "axis x");
  const gy = svg.append("g").attr("class", "axis y");
  const gy2 = svg.append("g").attr("class", "axis y2");
  const labels = labelSizes(gx.node());
  const paths = {
    loss: svg.append("path").attr("class", "line train-loss"),
    test_loss: svg.append("path").attr("class", "line test-loss"),
    accuracy: svg.append("path").attr("class", "line train-acc"),
    test_accuracy: svg.append("path").attr("class", "line test-acc"),
  };
  const empty = svg.append("text").attr("class", "empty").attr("text-anchor", "middle").text("train to see the loss");

  // The size is read when it changes, not on every update (reading it forces a layout).
  let size = { width: 0, height: 0 };
  let lastPoints = [];
  new ResizeObserver(([entry]) => {
    size = { width: entry.contentRect.width, height: entry.contentRect.height };
    update({ points: lastPoints });
  }).observe(svg.node());

  function update({ points }) {
    lastPoints = points;
    // What the curve holds, for tests and anyone checking: steps counted in it, from its first step on.
    root.dataset.steps = String(points.reduce((n, p) => n + (p.n ?? 1), 0));
    root.dataset.first = points.length ? String(points[0].step - (points[0].n ?? 1) + 1) : "";
    const { width, height } = size;
    if (!width || !height) return;
    svg.attr("viewBox", `0 0 ${width} ${height}`);
    for (const key of Object.keys(cells)) {
      const v = latest(points, key);
      cells[key].text(key.includes("acc") ? pct(v) : num(v));
      // Regression and density nets have no accuracy, and runs without a split no test loss.
      const never = points.length > 1 && v === null;
      cells[key].node().parentNode.hidden = never;
    }
    empty.attr("x", width / 2).attr("y", height / 2).attr("display", points.length > 1 ? "none" : null);
    const steps = points.length ? [points[0].step, Math.max(points.at(-1).step, points[0].step + 1)] : [0, 1];
    const x = d3.scaleLinear(steps, [M.left, width - M.right]);
    // Losses of a run that blows up can reach 1e300; past 1e9 the curve is clipped at the top.
    const raw = extent(points, ["loss", "test_loss"]) || [0.01, 1];
    const lossRange = [Math.max(raw[0], -1e9), Math.min(Math.max(raw[1], raw[0]), 1e9)];
    // Log scale shows late progress; a loss that can be ≤ 0 (a mixture NLL) needs a linear one.
    const logScale = lossRange[0] > 0;
    const lo = logScale ? lossRange[0] : -Infinity;
    const y = logScale
      ? d3.scaleLog([lo, Math.max(lossRange[1], lo * 10)], [height - M.bottom, M.top]).nice()
      : d3.scaleLinear(lossRange, [height - M.bottom, M.top]).nice();
    const y2 = d3.scaleLinear([0, 1], [height - M.bottom, M.top]);
    // As many ticks as their labels have room for: steps side by side within the plot's width (clear of
    // the two vertical axes' labels), losses and accuracies a line apart.
    labels.refresh();
    const xTicks = fitTicks(linearCandidates((n) => x.ticks(n).filter(Number.isInteger)),
      { at: x, extent: (v) => labels.width(stepLabel(v)), gap: 8, lo: M.left, hi: width - M.right });
    const along = { extent: () => labels.height(), gap: 2 };
    const yTicks = fitTicks(logScale ? logCandidates(y.domain()) : linearCandidates((n) => y.ticks(n), 6), { at: y, ...along });
    const y2Ticks = fitTicks(linearCandidates((n) => y2.ticks(n), 5), { at: y2, ...along });
    gx.attr("transform", `translate(0,${height - M.bottom})`)
      .call(d3.axisBottom(x).tickValues(xTicks).tickFormat(stepLabel).tickSizeOuter(0));
    gy.attr("transform", `translate(${M.left},0)`).call(d3.axisLeft(y).tickValues(yTicks).tickFormat(lossLabel).tickSizeOuter(0));
    gy2.attr("transform", `translate(${width - M.right},0)`)
      .call(d3.axisRight(y2).tickValues(y2Ticks).tickFormat(accuracyLabel).tickSizeOuter(0));
    for (const [key, path] of Object.entries(paths)) {
      const scale = key.includes("acc") ? y2 : y;
      const line = d3.line()
        .defined((p) => p[key] !== null && Number.isFinite(p[key]) && (scale === y2 || !logScale || p[key] > 0))
        .x((p) => x(p.step)).y((p) => scale(Math.min(Math.max(p[key], scale === y ? lo : 0), scale === y ? lossRange[1] : 1)));
      // A value not measured at a point (null: e.g. the test loss between frames while fast-forwarding) is
      // skipped, not a gap; a non-finite one breaks the line.
      path.attr("d", line(points.filter((p) => p[key] !== null && p[key] !== undefined)));
    }
  }

  return { element: root, update, svg: svg.node() };
}
