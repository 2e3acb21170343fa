/**
 * The conditional density p(t | x) of a mixture density output: K mixing logits, K means and K log
 * scales per input, in that order (the server's layout; see server/nets).
 */

/** Split one output row into {weights, means, sigmas} (weights through softmax, σ = exp). */
export function mixtureParts(row, components) {
  const k = components;
  const logits = row.slice(0, k);
  const top = Math.max(...logits);
  const e = logits.map((z) => Math.exp(z - top));
  const sum = e.reduce((a, b) => a + b, 0);
  return {
    weights: e.map((v) => v / sum),
    means: row.slice(k, 2 * k),
    sigmas: row.slice(2 * k, 3 * k).map(Math.exp),
  };
}

/** Density of t under one output row. */
export function densityAt(parts, t) {
  let p = 0;
  for (let i = 0; i < parts.weights.length; i++) {
    const s = parts.sigmas[i];
    const z = (t - parts.means[i]) / s;
    p += (parts.weights[i] * Math.exp(-0.5 * z * z)) / (s * Math.sqrt(2 * Math.PI));
  }
  return p;
}

/**
 * Density over a grid: columns are the curve's xs, rows the `ts` (top row first).
 * `curve` is {xs, width, values} from the forward pass. Returns a Float64Array (ts × xs).
 */
export function mixtureDensity(curve, ts, components) {
  const cols = curve.xs.length;
  const out = new Float64Array(ts.length * cols);
  for (let c = 0; c < cols; c++) {
    const row = Array.from(curve.values.subarray(c * curve.width, (c + 1) * curve.width));
    const parts = mixtureParts(row, components);
    for (let r = 0; r < ts.length; r++) out[r * cols + c] = densityAt(parts, ts[r]);
  }
  return out;
}
