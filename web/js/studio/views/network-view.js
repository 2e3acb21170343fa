/**
 * The network view: neurons in layers, each showing its activation over the input plane as a small
 * heatmap, and links whose width and colour show a weight's sign and size — or, toggled, ∂L/∂w.
 * Owns its SVG and canvases; `update(frame)` redraws; clicks are reported through callbacks.
 *
 * Where its numbers come from (each trace the server streams, session.js, is folded in by frames.js):
 * - weights and biases: the step's update events applied to the previous ones (traceparams.js
 *   `applyUpdates`; the param nodes' forward values after a reset, `paramsFromForward`);
 * - ∂L/∂w on the links: the backward events' totals at the param nodes (traceparams.js `gradientsFrom`);
 * - the heatmaps: those weights run forward in the browser over the plane's grid (surface.js → forward.js
 *   `forwardAll`, checked against the server's forward in tests/web/studio/server-parity.test.js);
 * - the layout and link widths: neuron-layout.js; the colours: colors.js.
 * render-loop.js calls `update` once per drawn frame.
 */
import d3 from "d3";
import { classColor, css, diverging, rasterize, signedUnit, THEMES } from "../colors.js";
import { layerSizes } from "../spec.js";
import { linkWeight, networkLayout } from "../neuron-layout.js";
import { maxAbs } from "../../shared/tensor-decode.js";
import { paramName, unitName } from "../../shared/params.js";

const NS = "http://www.w3.org/2000/svg";
const fmt = (v) => (Number.isFinite(v) ? d3.format(".3~g")(v).replace("-", "−") : String(v));

/** Layer captions: "input", "hidden 1 · tanh", "output · sigmoid". */
function captions(spec) {
  const names = { leaky_relu: "leaky ReLU", prelu: "PReLU", relu: "ReLU" };
  const hidden = spec.hidden.map((l) => {
    const extra = l.activation === "maxout" ? ` k=${l.pieces || 2}` : l.alpha !== undefined && l.alpha !== null ? ` α=${l.alpha}` : "";
    return `${names[l.activation] || l.activation}${extra}`;
  });
  const out = spec.output.kind === "mixture_density" ? `MDN K=${spec.output.components || 3}` : spec.output.kind;
  return ["input", ...hidden, out];
}

/** Colour of one neuron's value at a grid cell, by the kind of neuron. */
function neuronColorFn(kind, scale, theme, classIndex) {
  if (kind === "probability") return (v) => diverging(2 * v - 1, theme);
  if (kind === "class") {
    const th = THEMES[theme];
    const c = classColor(classIndex, theme);
    return (v) => th.neutral.map((n, i) => Math.round(n + (c[i] - n) * Math.sqrt(Math.max(0, Math.min(1, v)))));
  }
  return (v) => diverging(scale > 0 ? v / scale : 0, theme);
}

export function createNetworkView(root, { onEditWeight = null, onEditBias = null, onHover = () => {} } = {}) {
  root.classList.add("network-view");
  const svg = d3.select(root).append("svg").attr("class", "network-svg").attr("role", "img")
    .attr("aria-label", "the network: neurons and weighted links");
  const gLinks = svg.append("g").attr("class", "links");
  // Wide transparent twins of the links take the pointer: thin links are hard to hit.
  const gHits = svg.append("g").attr("class", "link-hits");
  const gLabels = svg.append("g").attr("class", "captions");
  const gNeurons = svg.append("g").attr("class", "neurons");
  const canvasLayer = d3.select(root).append("div").attr("class", "neuron-canvases");
  let layout = null;
  let spec = null;
  let state = { params: null, grads: null, surfaces: null, showGradients: false, theme: "light" };

  function resize(specNow, inputDim) {
    spec = specNow;
    const { width, height } = root.getBoundingClientRect();
    const sizes = layerSizes(spec, inputDim);
    // Wide layers (the lecture's 2-44-1) get smaller neurons rather than overflowing the box.
    layout = networkLayout(sizes, { width, height: height - 28, node: width > 1100 ? 64 : 48, pad: 30, gap: 1.3 });
    layout.neurons.forEach((n) => (n.y += 28));
    svg.attr("viewBox", `0 0 ${width} ${height}`).attr("width", width).attr("height", height);
    drawStatic(sizes);
  }

  function drawStatic(sizes) {
    const cap = captions(spec);
    const columns = sizes.map((_, l) => layout.neurons.find((n) => n.layer === l));
    const last = columns.length - 1;
    gLabels.selectAll("text").data(columns).join("text")
      .attr("x", (n) => (n.layer === last ? n.x + n.size / 2 : n.layer === 0 ? n.x - n.size / 2 : n.x)).attr("y", 16)
      .attr("text-anchor", (n) => (n.layer === last ? "end" : n.layer === 0 ? "start" : "middle"))
      .text((n) => cap[n.layer]);
    const curve = (d) => {
      const x0 = d.source.x + d.source.size / 2;
      const x1 = d.target.x - d.target.size / 2;
      const mx = (x0 + x1) / 2;
      return `M${x0},${d.source.y} C${mx},${d.source.y} ${mx},${d.target.y} ${x1},${d.target.y}`;
    };
    const visible = gLinks.selectAll("path").data(layout.links, (d) => d.id).join("path")
      .attr("d", curve)
      .attr("data-layer", (d) => d.layer).attr("data-i", (d) => d.i).attr("data-j", (d) => d.j);
    gHits.selectAll("path").data(layout.links, (d) => d.id).join("path")
      .attr("d", curve)
      .attr("data-layer", (d) => d.layer).attr("data-i", (d) => d.i).attr("data-j", (d) => d.j)
      .on("click", (event, d) => editLink(event, d))
      .on("mouseenter", (_, d) => {
        visible.classed("hovered", (v) => v === d);
        onHover(describeLink(d));
      })
      .on("mouseleave", () => {
        visible.classed("hovered", false);
        onHover(null);
      });
    gNeurons.selectAll("rect").data(layout.neurons, (d) => d.id).join("rect")
      .attr("x", (d) => d.x - d.size / 2).attr("y", (d) => d.y - d.size / 2)
      .attr("width", (d) => d.size).attr("height", (d) => d.size).attr("rx", (d) => Math.min(6, d.size / 4))
      .attr("data-neuron", (d) => d.id)
      .classed("editable", (d) => d.layer > 0 && !!onEditBias)
      .on("click", (event, d) => d.layer > 0 && editBias(event, d))
      .on("mouseenter", (_, d) => onHover(describeNeuron(d)))
      .on("mouseleave", () => onHover(null));
    canvasLayer.selectAll("canvas").data(layout.neurons, (d) => d.id).join("canvas")
      .attr("data-neuron", (d) => d.id)
      .style("left", (d) => `${d.x - d.size / 2}px`).style("top", (d) => `${d.y - d.size / 2}px`)
      .style("width", (d) => `${d.size}px`).style("height", (d) => `${d.size}px`);
  }

  function pieces(layer) {
    const l = spec.hidden[layer];
    return l && l.activation === "maxout" ? l.pieces || 2 : 1;
  }

  function describeLink(d) {
    const w = linkWeight(state.params?.[d.layer]?.W, d.i, d.j, pieces(d.layer));
    const g = state.grads?.[d.layer]?.W ? linkWeight(state.grads[d.layer].W, d.i, d.j, pieces(d.layer)) : null;
    const name = paramName({ layer: d.layer, key: "W", index: [d.i, d.j] });
    return `${name} = ${fmt(w)}` + (g === null ? "" : `   ∂L/∂${name} = ${fmt(g)}`);
  }

  function describeNeuron(d) {
    if (d.layer === 0) return `input x[${d.index}]`;
    const layer = d.layer - 1;
    const b = state.params?.[layer]?.b?.[d.index * pieces(layer)];
    const unit = unitName(layer, d.index, { output: layer === spec.hidden.length });
    return `${unit}: bias ${paramName({ layer, key: "b", index: [d.index * pieces(layer)] })} = ${fmt(b)}`;
  }

  function editLink(event, d) {
    if (!onEditWeight || pieces(d.layer) > 1) return;
    const w = state.params?.[d.layer]?.W?.[d.i]?.[d.j];
    if (w !== undefined) openEditor(event, paramName({ layer: d.layer, key: "W", index: [d.i, d.j] }), w, (v) => onEditWeight(d.layer, d.i, d.j, v));
  }

  function editBias(event, d) {
    if (!onEditBias || pieces(d.layer - 1) > 1) return;
    const b = state.params?.[d.layer - 1]?.b?.[d.index];
    if (b !== undefined) openEditor(event, paramName({ layer: d.layer - 1, key: "b", index: [d.index] }), b, (v) => onEditBias(d.layer - 1, d.index, v));
  }

  function openEditor(event, label, value, commit) {
    root.querySelector(".weight-editor")?.remove();
    const box = root.getBoundingClientRect();
    const form = document.createElement("form");
    form.className = "weight-editor";
    form.style.left = `${Math.min(event.clientX - box.left, box.width - 220)}px`;
    form.style.top = `${Math.min(event.clientY - box.top + 8, box.height - 60)}px`;
    form.innerHTML = `<label>${label} <input type="number" step="any" required></label><button type="submit">Set</button>`;
    const input = form.querySelector("input");
    input.value = String(Number(value.toPrecision(6)));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const v = Number(input.value);
      if (Number.isFinite(v)) commit(v);
      form.remove();
    });
    input.addEventListener("keydown", (e) => e.key === "Escape" && form.remove());
    input.addEventListener("blur", () => setTimeout(() => form.remove(), 150));
    root.append(form);
    input.focus();
    input.select();
  }

  function drawLinks() {
    const source = state.showGradients ? state.grads : state.params;
    const mats = (source || []).map((p) => p?.W || []);
    const limit = maxAbs(mats) || 1;
    gLinks.classed("gradients", state.showGradients);
    gLinks.selectAll("path").each(function (d) {
      const v = linkWeight(mats[d.layer], d.i, d.j, pieces(d.layer)) ?? 0;
      const t = signedUnit(v, limit);
      this.setAttribute("stroke", css(diverging(Number.isFinite(v) ? t : NaN, state.theme)));
      this.setAttribute("stroke-width", (0.6 + 6.5 * Math.abs(t)).toFixed(2));
    });
  }

  function neuronKind(layer, outputLayer) {
    if (layer < outputLayer) return "signed";
    if (spec.output.kind === "sigmoid") return "probability";
    return spec.output.kind === "softmax" ? "class" : "signed";
  }

  function drawHeatmaps() {
    const surfaces = state.surfaces;
    const outputLayer = spec.hidden.length + 1;
    canvasLayer.selectAll("canvas").each(function (d) {
      const values = surfaces?.layers?.[d.layer]?.[d.index];
      if (!values) {
        this.width = 1;
        this.height = 1;
        this.classList.add("blank");
        return;
      }
      this.classList.remove("blank");
      if (surfaces.kind === "curve") return drawCurve(this, values);
      const res = surfaces.res;
      if (this.width !== res) this.width = this.height = res;
      const kind = neuronKind(d.layer, outputLayer);
      const colour = neuronColorFn(kind, maxAbs(values), state.theme, d.index);
      this.getContext("2d").putImageData(new ImageData(rasterize(values, res, res, colour), res, res), 0, 0);
    });
  }

  /** A 1-D neuron: its activation against the input as a small line. */
  function drawCurve(canvas, values) {
    const size = 64;
    if (canvas.width !== size) canvas.width = canvas.height = size;
    const ctx = canvas.getContext("2d");
    ctx.clearRect(0, 0, size, size);
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of values) if (Number.isFinite(v)) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
    if (!(hi >= lo)) return;
    const span = hi - lo || 1;
    ctx.strokeStyle = css(THEMES[state.theme].positive);
    ctx.lineWidth = 4;
    ctx.lineJoin = "round";
    ctx.beginPath();
    values.forEach((v, i) => {
      const x = 4 + ((size - 8) * i) / (values.length - 1);
      const y = size - 6 - ((size - 12) * (v - lo)) / span;
      if (i === 0) ctx.moveTo(x, y);
      else ctx.lineTo(x, y);
    });
    ctx.stroke();
  }

  return {
    element: root,
    /** A new architecture (or a resized box): lay out again. */
    setModel(specNow, inputDim) {
      resize(specNow, inputDim);
    },
    /** Redraw with {params, grads, surfaces, showGradients, theme} (missing keys keep their value). */
    update(frame) {
      state = { ...state, ...frame };
      if (!layout) return;
      drawLinks();
      drawHeatmaps();
    },
    /** The link and neuron elements (for tests and exports). */
    get svg() {
      return svg.node();
    },
    get layout() {
      return layout;
    },
  };
}
