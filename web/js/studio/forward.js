/**
 * The MLP of a ModelSpec evaluated in the browser, h = g(x W + b) layer by layer (docs/contracts.md §3),
 * so every neuron's activation over the input plane can be drawn without a server round trip.
 */

const softplus = (z) => (z > 30 ? z : Math.log1p(Math.exp(z)));
const sigmoid = (z) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/** Element-wise activations g(z; α); maxout is handled by grouping, see `maxoutPieces`. */
export const ACTIVATIONS = {
  relu: (z) => (z > 0 ? z : 0),
  leaky_relu: (z, a) => (z > 0 ? z : a * z),
  prelu: (z, a) => (z > 0 ? z : a * z),
  abs: (z) => Math.abs(z),
  sigmoid,
  tanh: Math.tanh,
  linear: (z) => z,
  softplus,
};

/** Default α of the activations that take one. */
export const DEFAULT_ALPHA = { leaky_relu: 0.01, prelu: 0.25 };

/** How many pre-activations feed one maxout unit (1 for every other activation). */
export function maxoutPieces(layerSpec) {
  return layerSpec.activation === "maxout" ? layerSpec.pieces || 2 : 1;
}

/** α of each unit of a layer: the learned ones in params (PReLU, one per unit) win over the spec's. */
function alphasOf(layerSpec, layerParams, width) {
  const a = layerParams?.alpha;
  if (Array.isArray(a) && a.length === width) return a;
  const value = a ?? layerSpec.alpha ?? DEFAULT_ALPHA[layerSpec.activation] ?? 0;
  return new Array(width).fill(value);
}

/** z = x W + b for a batch: rows (Float64Array, n × fanIn) → Float64Array (n × fanOut). */
export function affine(rows, n, W, b) {
  const fanIn = W.length;
  const fanOut = b.length;
  // Wᵀ as one flat typed array: the inner loop then walks contiguous memory (grids are ~5,000 rows).
  const Wt = new Float64Array(fanOut * fanIn);
  for (let i = 0; i < fanIn; i++) for (let j = 0; j < fanOut; j++) Wt[j * fanIn + i] = W[i][j];
  const out = new Float64Array(n * fanOut);
  for (let r = 0; r < n; r++) {
    const base = r * fanIn;
    for (let j = 0; j < fanOut; j++) {
      let s = b[j];
      const w = j * fanIn;
      for (let i = 0; i < fanIn; i++) s += rows[base + i] * Wt[w + i];
      out[r * fanOut + j] = s;
    }
  }
  return out;
}

/** Apply a hidden layer's activation to z (n × width) → activations (n × width / pieces). */
export function activate(z, n, layerSpec, layerParams) {
  const width = z.length / n;
  const pieces = maxoutPieces(layerSpec);
  if (pieces > 1) {
    // Pre-activations are grouped unit by unit: unit u owns columns u·k … u·k + k − 1.
    const units = width / pieces;
    const out = new Float64Array(n * units);
    for (let r = 0; r < n; r++) {
      for (let u = 0; u < units; u++) {
        let best = -Infinity;
        for (let k = 0; k < pieces; k++) best = Math.max(best, z[r * width + u * pieces + k]);
        out[r * units + u] = best;
      }
    }
    return out;
  }
  const g = ACTIVATIONS[layerSpec.activation] || ACTIVATIONS.linear;
  const alphas = alphasOf(layerSpec, layerParams, width);
  return z.map((v, i) => g(v, alphas[i % width]));
}

/** Output unit: sigmoid / softmax give probabilities, linear and mixture density raw outputs. */
export function outputTransform(z, n, kind) {
  if (kind === "sigmoid") return z.map(sigmoid);
  if (kind !== "softmax") return z;
  const width = z.length / n;
  const out = new Float64Array(z.length);
  for (let r = 0; r < n; r++) {
    let max = -Infinity;
    for (let j = 0; j < width; j++) max = Math.max(max, z[r * width + j]);
    let sum = 0;
    for (let j = 0; j < width; j++) sum += (out[r * width + j] = Math.exp(z[r * width + j] - max));
    for (let j = 0; j < width; j++) out[r * width + j] /= sum;
  }
  return out;
}

/**
 * Every layer's output for a batch of points.
 * Returns {layers: [{values: Float64Array, width}], output: {values, width}} where layers[0] is the input.
 */
export function forwardAll(spec, params, points) {
  const n = points.length;
  const inputWidth = n ? points[0].length : params[0].W.length;
  let current = Float64Array.from(points.flat());
  const layers = [{ values: current, width: inputWidth }];
  spec.hidden.forEach((layerSpec, i) => {
    const z = affine(current, n, params[i].W, params[i].b);
    current = activate(z, n, layerSpec, params[i]);
    layers.push({ values: current, width: current.length / Math.max(n, 1) });
  });
  const last = params[spec.hidden.length];
  const z = affine(current, n, last.W, last.b);
  const values = outputTransform(z, n, spec.output.kind);
  const output = { values, width: last.b.length };
  layers.push(output);
  return { layers, output };
}

/** One column of a layer's values (the activation of neuron j over all points). */
export function column(layer, j) {
  const n = layer.values.length / layer.width;
  const out = new Float64Array(n);
  for (let r = 0; r < n; r++) out[r] = layer.values[r * layer.width + j];
  return out;
}
