/**
 * Geometry of the network view and the input plane, as plain numbers.
 */

/**
 * Neuron centres for layer sizes such as [2, 8, 8, 1] in a box of `width` × `height`: layers spread
 * left to right, neurons centred vertically `gap` × their size apart. A neuron's size is `node`,
 * shrunk (to `minNode` at least) in a layer too tall for the box; each neuron carries its `size`.
 */
export function networkLayout(sizes, { width, height, node = 40, pad = 36, gap = 1.6, minNode = 6 }) {
  const columns = sizes.length;
  const xStep = columns > 1 ? (width - 2 * pad - node) / (columns - 1) : 0;
  const neurons = [];
  sizes.forEach((count, layer) => {
    const size = Math.max(minNode, Math.min(node, Math.floor((height - 2 * pad) / (count * gap))));
    const step = count > 1 ? Math.min(size * gap, (height - 2 * pad - size) / (count - 1)) : 0;
    const top = height / 2 - (step * (count - 1)) / 2;
    for (let index = 0; index < count; index++) {
      neurons.push({ layer, index, id: `L${layer}N${index}`, size, x: pad + node / 2 + layer * xStep, y: top + index * step });
    }
  });
  const byId = Object.fromEntries(neurons.map((n) => [n.id, n]));
  const links = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    for (let i = 0; i < sizes[l]; i++) {
      for (let j = 0; j < sizes[l + 1]; j++) {
        links.push({ layer: l, i, j, id: `W${l}_${i}_${j}`, source: byId[`L${l}N${i}`], target: byId[`L${l + 1}N${j}`] });
      }
    }
  }
  return { neurons, links, node };
}

/**
 * The drawn weight of link i → j of a layer: W[i][j], or for maxout (k pieces per unit) the piece
 * of largest magnitude among W[i][j·k … j·k + k − 1].
 */
export function linkWeight(W, i, j, pieces = 1) {
  if (!W || !W[i]) return 0;
  if (pieces === 1) return W[i][j];
  let best = 0;
  for (let k = 0; k < pieces; k++) {
    const v = W[i][j * pieces + k];
    if (Math.abs(v) > Math.abs(best)) best = v;
  }
  return best;
}

/** A padded square domain {x: [lo, hi], y: [lo, hi]} around 2-D points (equal scales on both axes). */
export function domainOf(points, pad = 0.1) {
  if (!points.length) return { x: [-1, 1], y: [-1, 1] };
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1] ?? 0);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const half = (Math.max(x1 - x0, y1 - y0, 1e-9) / 2) * (1 + 2 * pad);
  const cx = (x0 + x1) / 2;
  const cy = (y0 + y1) / 2;
  return { x: [cx - half, cx + half], y: [cy - half, cy + half] };
}

/** A padded 1-D interval [lo, hi] around values. */
export function intervalOf(values, pad = 0.08) {
  const finite = values.filter(Number.isFinite);
  if (!finite.length) return [-1, 1];
  const lo = Math.min(...finite);
  const hi = Math.max(...finite);
  const span = Math.max(hi - lo, 1e-9);
  return [lo - pad * span, hi + pad * span];
}

/** Grid points of a 2-D domain, row-major with row 0 at the top (largest y), cell centres. */
export function gridPoints(domain, resolution) {
  const points = [];
  const [x0, x1] = domain.x;
  const [y0, y1] = domain.y;
  for (let r = 0; r < resolution; r++) {
    const y = y1 - ((r + 0.5) / resolution) * (y1 - y0);
    for (let c = 0; c < resolution; c++) points.push([x0 + ((c + 0.5) / resolution) * (x1 - x0), y]);
  }
  return points;
}

/** `count` evenly spaced values from lo to hi inclusive. */
export function linspace(lo, hi, count) {
  return Array.from({ length: count }, (_, i) => lo + ((hi - lo) * i) / Math.max(count - 1, 1));
}
