/**
 * What the net computes over the input plane: every neuron's activation on a grid (for the small
 * heatmaps) and the output (for the decision boundary), evaluated with the in-browser forward pass.
 */
import { column, forwardAll } from "./forward.js";
import { gridPoints, linspace } from "./neuron-layout.js";
import { mixtureDensity } from "./mixture.js";

/**
 * Per-neuron values over the input: for 2-D data a res × res grid of `domain` ({kind: "plane"}), for
 * 1-D data `res` points along `domain.x` ({kind: "curve"}); {res, kind, layers: [[Float64Array per
 * neuron]]}, layers[0] being the inputs themselves. Null for other data.
 */
export function neuronSurfaces(spec, params, domain, res, inputDim) {
  if (!domain || (inputDim !== 2 && inputDim !== 1)) return null;
  const points = inputDim === 2 ? gridPoints(domain, res) : linspace(domain.x[0], domain.x[1], res).map((x) => [x]);
  const { layers } = forwardAll(spec, params, points);
  const widths = [inputDim, ...spec.hidden.map((l) => l.units)];
  const out = layers.slice(0, widths.length).map((layer, l) => Array.from({ length: widths[l] }, (_, j) => column(layer, j)));
  const last = layers[layers.length - 1];
  out.push(Array.from({ length: last.width }, (_, j) => column(last, j)));
  return { res, kind: inputDim === 2 ? "plane" : "curve", layers: out };
}

/** The output over a res × res grid of a 2-D domain: {res, width, values} (row-major, width per point). */
export function outputGrid(spec, params, domain, res) {
  const { output } = forwardAll(spec, params, gridPoints(domain, res));
  return { res, width: output.width, values: output.values };
}

/** The output along a 1-D input: {xs, values, width} for regression curves and mixture densities. */
export function outputCurve(spec, params, interval, count) {
  const xs = linspace(interval[0], interval[1], count);
  const { output } = forwardAll(spec, params, xs.map((x) => [x]));
  return { xs, width: output.width, values: output.values };
}

/**
 * Accuracy of class predictions against labels, as the server counts it: sigmoid (or a linear output
 * on 0/1 labels) p > 0.5, softmax arg-max; null for regression.
 */
export function accuracyOf(spec, params, x, y) {
  const label = (v) => Number(Array.isArray(v) ? v[0] : v);
  const binary = y.every((v) => label(v) === 0 || label(v) === 1);
  const kind = spec.output.kind === "linear" && spec.output.units === 1 && binary ? "sigmoid" : spec.output.kind;
  if (!x.length || (kind !== "sigmoid" && kind !== "softmax")) return null;
  const { output } = forwardAll(spec, params, x);
  let right = 0;
  for (let r = 0; r < x.length; r++) {
    let predicted;
    if (kind === "sigmoid") predicted = output.values[r] > 0.5 ? 1 : 0;
    else {
      predicted = 0;
      for (let k = 1; k < output.width; k++) {
        if (output.values[r * output.width + k] > output.values[r * output.width + predicted]) predicted = k;
      }
    }
    if (predicted === label(y[r])) right += 1;
  }
  return right / x.length;
}

const EPS = 1e-12;

/** Mean data loss of rows (x, y) under the spec's output and loss, as the server defines it. */
export function lossOf(spec, params, x, y) {
  if (!x.length) return null;
  const kind = spec.output.kind;
  const loss = spec.loss || { sigmoid: "binary_cross_entropy", softmax: "cross_entropy", linear: "mse", mixture_density: "mixture_nll" }[kind];
  const { output } = forwardAll(spec, params, x);
  const w = output.width;
  const v = output.values;
  let total = 0;
  for (let r = 0; r < x.length; r++) {
    const t = Array.isArray(y[r]) ? y[r] : [y[r]];
    if (loss === "binary_cross_entropy") {
      const p = Math.min(1 - EPS, Math.max(EPS, v[r]));
      total -= t[0] * Math.log(p) + (1 - t[0]) * Math.log(1 - p);
    } else if (loss === "cross_entropy") total -= Math.log(Math.max(EPS, v[r * w + t[0]]));
    else if (loss === "mixture_nll") {
      const k = spec.output.components || 3;
      const row = Array.from(v.subarray(r * w, (r + 1) * w));
      total -= Math.log(Math.max(EPS, mixtureDensity({ xs: [0], width: w, values: Float64Array.from(row) }, [t[0]], k)[0]));
    } else {
      const target = kind === "softmax" ? Array.from({ length: w }, (_, j) => (j === t[0] ? 1 : 0)) : t;
      for (let j = 0; j < w; j++) total += (v[r * w + j] - target[j]) ** 2 / w;
    }
  }
  return total / x.length;
}
