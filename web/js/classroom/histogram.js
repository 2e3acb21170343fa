/**
 * The room's answers as a histogram, pure: bins over a domain that keeps the bulk of the answers (and the
 * true value, once revealed) readable when a few answers are far off. `d3` is passed in (d3.bin,
 * d3.quantile, d3.extent, d3.ticks), as the page's import map provides it and the tests import d3-array.
 */
import { isRight } from "./protocol.js";

/** At most this many bars (a narrow histogram asks for fewer): each stays wide enough to read on a projector. */
export const MAX_BINS = 12;
/** From this many answers on, the lowest and highest 5 % may fall outside the domain (counted in the edge bars). */
export const ROBUST_FROM = 20;

/**
 * values → {bins: [{x0, x1, count, low, high}], domain: [lo, hi], count, right, clipped}. `low`/`high`
 * mark an edge bar that also counts the answers below/above the domain. `right` counts the answers
 * within tolerance of `truth` (null without a truth). Non-finite values are left out.
 */
export function binAnswers(d3, values, { truth = null, maxBins = MAX_BINS } = {}) {
  const xs = values.filter(Number.isFinite).sort((a, b) => a - b);
  const hasTruth = Number.isFinite(truth);
  const right = hasTruth ? xs.filter((v) => isRight(v, truth)).length : null;
  if (!xs.length && !hasTruth) return { bins: [], domain: null, count: 0, right, clipped: 0 };
  let [lo, hi] = xs.length >= ROBUST_FROM ? [d3.quantile(xs, 0.05), d3.quantile(xs, 0.95)] : d3.extent(xs);
  if (hasTruth) [lo, hi] = [Math.min(lo ?? truth, truth), Math.max(hi ?? truth, truth)];
  if (hi - lo < 1e-9) [lo, hi] = [lo - 0.5, hi + 0.5];
  const thresholds = d3.ticks(lo, hi, Math.min(maxBins, Math.max(4, Math.ceil(Math.sqrt(xs.length)) + 2)));
  // the outer thresholds close the domain so that every bar has the same width; a nice step (1, 2, 2.5 or
  // 5 times a power of ten) wider while that makes more than maxBins bars
  let step = thresholds.length > 1 ? thresholds[1] - thresholds[0] : hi - lo;
  let edges = edgesOf(d3, lo, hi, step);
  while (edges.length - 1 > Math.max(2, maxBins)) {
    step = widerStep(step);
    edges = edgesOf(d3, lo, hi, step);
  }
  const domain = [edges[0], edges.at(-1)];
  let clipped = 0;
  const inDomain = xs.map((v) => {
    if (v < domain[0]) return (clipped++, domain[0]);
    if (v >= domain[1]) return v > domain[1] ? (clipped++, edges.at(-2)) : edges.at(-2);
    return v;
  });
  const binned = d3.bin().domain(domain).thresholds(edges.slice(1, -1))(inDomain);
  const bins = binned.map((b, i) => ({
    x0: b.x0, x1: b.x1, count: b.length,
    low: i === 0 && xs.some((v) => v < domain[0]),
    high: i === binned.length - 1 && xs.some((v) => v > domain[1]),
  }));
  return { bins, domain, count: xs.length, right, clipped };
}

/** The bar edges over [lo, hi] at `step`: multiples of it, the last one above hi. */
function edgesOf(d3, lo, hi, step) {
  const start = Math.floor(lo / step) * step;
  const end = Math.max(Math.ceil(hi / step) * step, start + step);
  const edges = d3.range(start, end + step / 2, step).map((t) => Number(t.toPrecision(12)));
  if (edges.at(-1) <= hi) edges.push(Number((edges.at(-1) + step).toPrecision(12)));
  return edges;
}

/** The next nice step above `step`: 1 → 2 → 2.5 → 5 → 10 times a power of ten. */
function widerStep(step) {
  const power = 10 ** Math.floor(Math.log10(step) + 1e-9);
  const m = step / power;
  return Number(((m < 1.5 ? 2 : m < 2.25 ? 2.5 : m < 3.5 ? 5 : 10) * power).toPrecision(12));
}
