/**
 * The data view: train and test points over what the net predicts — the decision boundary of a
 * classifier on 2-D data, the curve of a 1-D regression, or the conditional density of a mixture
 * density net. Owns a canvas (the surface) under an SVG (points, axes, boundary line).
 */
import d3 from "d3";
import { classColor, css, probabilityColor, rasterize, soften, softmaxColor, THEMES } from "../colors.js";
import { domainOf, intervalOf, linspace } from "../neuron-layout.js";
import { labelSizes } from "./label-sizes.js";
import { mixtureDensity } from "../mixture.js";
import { outputCurve, outputGrid } from "../surface.js";
import { fitTicks, linearCandidates } from "../ticks.js";

const MARGIN = { left: 44, right: 12, top: 24, bottom: 34 };
const tickLabel = d3.format("~g");

/** Which picture fits the data and the output unit. */
export function viewMode(inputDim, outputKind) {
  if (inputDim === 2 && outputKind !== "mixture_density") return "plane";
  if (inputDim === 1) return outputKind === "mixture_density" ? "density" : "curve";
  return "none";
}

const target = (y) => Number(Array.isArray(y) ? y[0] : y);

export function createDataView(root, { resolution = 72 } = {}) {
  root.classList.add("data-view");
  const canvas = d3.select(root).append("canvas").attr("class", "surface").node();
  const svg = d3.select(root).append("svg").attr("class", "data-svg").attr("role", "img")
    .attr("aria-label", "the data and what the net predicts");
  const gAxes = svg.append("g").attr("class", "axes");
  const clipRect = svg.append("clipPath").attr("id", "boundary-clip").append("rect");
  const gLine = svg.append("g").attr("class", "boundary");
  const gPoints = svg.append("g").attr("class", "points");
  const note = d3.select(root).append("p").attr("class", "data-note").node();
  let data = null;
  let mode = "none";
  let box = null;
  let sx = null;
  let sy = null;
  let theme = "light";
  let redraws = 0;

  function setData(next, outputKind) {
    data = next;
    mode = viewMode(next.x[0]?.length ?? 0, outputKind);
    const { width, height } = root.getBoundingClientRect();
    const size = Math.max(120, Math.min(width, height));
    box = { width: size, height: size, inner: size - MARGIN.left - MARGIN.right };
    svg.attr("width", size).attr("height", size).attr("viewBox", `0 0 ${size} ${size}`);
    const inner = [MARGIN.left, size - MARGIN.right];
    const innerY = [size - MARGIN.bottom, MARGIN.top];
    if (mode === "plane") {
      const domain = domainOf(next.x);
      data.domain = domain;
      sx = d3.scaleLinear(domain.x, inner);
      sy = d3.scaleLinear(domain.y, innerY);
    } else if (mode !== "none") {
      const xs = next.x.map((r) => r[0]);
      data.interval = intervalOf(xs, 0.04);
      sx = d3.scaleLinear(data.interval, inner);
      sy = d3.scaleLinear(intervalOf(next.y.map(target), 0.12), innerY);
    }
    Object.assign(canvas.style, {
      left: `${MARGIN.left}px`, top: `${MARGIN.top}px`,
      width: `${size - MARGIN.left - MARGIN.right}px`, height: `${size - MARGIN.top - MARGIN.bottom}px`,
    });
    note.textContent = mode === "none" ? `The data has ${next.x[0]?.length} features: the picture needs 1 or 2.` : "";
    drawAxes();
    drawPoints();
  }

  function drawAxes() {
    gAxes.selectAll("*").remove();
    if (mode === "none") return;
    const size = box.width;
    // As many ticks as a small view has room for: labels apart, the first clear of the vertical axis's.
    const labels = labelSizes(gAxes.node());
    labels.refresh();
    const xTicks = fitTicks(linearCandidates((n) => sx.ticks(n), 5),
      { at: sx, extent: (v) => labels.width(tickLabel(v)), gap: 6, lo: MARGIN.left - 8, hi: size });
    const yTicks = fitTicks(linearCandidates((n) => sy.ticks(n), 5), { at: sy, extent: () => labels.height(), gap: 2 });
    gAxes.append("g").attr("transform", `translate(0,${size - MARGIN.bottom})`)
      .call(d3.axisBottom(sx).tickValues(xTicks).tickFormat(tickLabel).tickSizeOuter(0));
    gAxes.append("g").attr("transform", `translate(${MARGIN.left},0)`)
      .call(d3.axisLeft(sy).tickValues(yTicks).tickFormat(tickLabel).tickSizeOuter(0));
    const [xName, yName] = mode === "plane" ? ["x₁", "x₂"] : ["x", "y"];
    const line = { plane: "— p = ½", curve: "— prediction", density: "shade: p(y | x)" }[mode];
    const legend = gAxes.append("text").attr("class", "axis-label legend").attr("x", size - MARGIN.right).attr("y", 14)
      .attr("text-anchor", "end");
    legend.append("tspan").text(`● train  ${data.test?.some(Boolean) ? "○ test  " : ""}${line}`);
    gAxes.append("text").attr("class", "axis-label").attr("x", size - MARGIN.right).attr("y", size - 4)
      .attr("text-anchor", "end").text(xName);
    gAxes.append("text").attr("class", "axis-label").attr("x", 4).attr("y", MARGIN.top + 4)
      .attr("dominant-baseline", "hanging").text(yName);
  }

  function pointColor(y) {
    if (mode === "plane") return classColor(Math.round(target(y)), theme);
    return THEMES[theme].ink;
  }

  function drawPoints() {
    if (mode === "none") return gPoints.selectAll("circle").remove();
    const rows = data.x.map((x, i) => ({ x, y: data.y[i], test: data.test?.[i] ?? false }));
    const r = rows.length > 600 || mode !== "plane" ? 2.8 : rows.length <= 20 ? 7 : 4.2;
    gPoints.selectAll("circle").data(rows).join("circle")
      .attr("cx", (d) => sx(d.x[0]))
      .attr("cy", (d) => sy(mode === "plane" ? d.x[1] : target(d.y)))
      .attr("r", (d) => (d.test ? r * 0.95 : r))
      .attr("class", (d) => `${d.test ? "test" : "train"} ${mode}`)
      .attr("fill", (d) => (d.test ? "none" : css(pointColor(d.y))))
      .attr("stroke", (d) => (d.test ? css(pointColor(d.y)) : null));
  }

  function drawPlane(spec, params) {
    const grid = outputGrid(spec, params, data.domain, resolution);
    const { res, width, values } = grid;
    let colour;
    let scalar = values;
    if (width > 1) {
      const rows = Array.from({ length: res * res }, (_, i) => values.subarray(i * width, (i + 1) * width));
      scalar = rows;
      colour = (row) => soften(softmaxColor(row, theme), theme);
    } else if (spec.output.kind === "sigmoid" || spec.output.kind === "linear") {
      colour = (p) => soften(probabilityColor(Math.max(0, Math.min(1, p)), theme), theme);
    }
    paint(rasterize(scalar, res, res, colour), res, res);
    const contour = width === 1 ? d3.contours().size([res, res]).thresholds([0.5])(values) : [];
    const k = (box.width - MARGIN.left - MARGIN.right) / res;
    // Contour polygons also run along the grid's edges; the clip keeps only the boundary itself.
    gLine.attr("transform", `translate(${MARGIN.left},${MARGIN.top}) scale(${k})`).attr("clip-path", "url(#boundary-clip)");
    clipRect.attr("x", 0.5).attr("y", 0.5).attr("width", res - 1).attr("height", res - 1);
    gLine.selectAll("path").data(contour).join("path").attr("d", d3.geoPath());
  }

  function drawCurve(spec, params) {
    const curve = outputCurve(spec, params, data.interval, 160);
    paint(null);
    // A diverging net can predict 1e200: clamp to a band around the plot so the path stays drawable.
    const line = d3.line().x((d) => sx(d[0])).y((d) => Math.max(-1e4, Math.min(1e4, sy(d[1]))));
    const pts = curve.xs.map((x, i) => [x, curve.values[i * curve.width]]).filter((p) => Number.isFinite(p[1]));
    gLine.attr("transform", null).attr("clip-path", null);
    gLine.selectAll("path").data([pts]).join("path").attr("d", line);
  }

  function drawDensity(spec, params) {
    const res = resolution;
    const curve = outputCurve(spec, params, data.interval, res);
    const ts = linspace(sy.domain()[1], sy.domain()[0], res);
    const density = mixtureDensity(curve, ts, spec.output.components || 3);
    const peak = d3.max(density) || 1;
    const th = THEMES[theme];
    const colour = (v) => th.neutral.map((n, i) => Math.round(n + (th.positive[i] - n) * Math.sqrt(v / peak)));
    paint(rasterize(density, res, res, colour), res, res);
    gLine.selectAll("path").remove();
  }

  function paint(pixels, w, h) {
    const ctx = canvas.getContext("2d");
    if (!pixels) return ctx.clearRect(0, 0, canvas.width, canvas.height);
    if (canvas.width !== w) [canvas.width, canvas.height] = [w, h];
    ctx.putImageData(new ImageData(pixels, w, h), 0, 0);
  }

  return {
    element: root,
    setData,
    /** Redraw the surface for {spec, params, theme}. */
    update({ spec, params, theme: nextTheme }) {
      if (nextTheme && nextTheme !== theme) {
        theme = nextTheme;
        drawPoints();
      }
      if (!data || !params || mode === "none") return;
      if (mode === "plane") drawPlane(spec, params);
      else if (mode === "curve") drawCurve(spec, params);
      else drawDensity(spec, params);
      redraws += 1;
      root.dataset.redraws = String(redraws);
    },
    get mode() {
      return mode;
    },
    get canvas() {
      return canvas;
    },
    get svg() {
      return svg.node();
    },
  };
}
