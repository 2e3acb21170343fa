/**
 * Axis ticks that fit their axis: as many as there is room for, no two labels touching, none past the
 * axis's ends. Pure: positions and label sizes come in as functions, so any scale and any font fit.
 */

/**
 * The richest of `candidates` (arrays of tick values, richest first) whose labels fit: after dropping
 * ticks whose label would stick out of [lo, hi], consecutive labels keep at least `gap` px apart.
 * `at(v)` is a tick's position in px along the axis, `extent(v)` its label's size along the axis.
 */
export function fitTicks(candidates, { at, extent, gap = 4, lo = -Infinity, hi = Infinity }) {
  let kept = [];
  for (const values of candidates) {
    kept = values.filter((v) => Number.isFinite(at(v)) && at(v) - extent(v) / 2 >= lo && at(v) + extent(v) / 2 <= hi);
    if (spaced(kept, at, extent, gap)) return kept;
  }
  // A single label always fits; past the sparsest candidate, keep one.
  return kept.slice(0, 1);
}

function spaced(values, at, extent, gap) {
  const sorted = [...values].sort((a, b) => at(a) - at(b));
  return sorted.every((v, i) => i === 0 || at(v) - at(sorted[i - 1]) >= (extent(v) + extent(sorted[i - 1])) / 2 + gap);
}

/**
 * Tick sets of a log axis over [lo, hi] (lo > 0), richest first: 1, 2, 5 of every decade, then 1 and 3,
 * then every power of ten, then every 2nd, 3rd, … power.
 */
export function logCandidates([lo, hi]) {
  const from = Math.floor(Math.log10(lo));
  const to = Math.ceil(Math.log10(hi));
  const inside = (v) => v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9);
  // Parsed from decimal text, so 5e-5 is 0.00005 and not 5 × 10⁻⁵'s rounding.
  const decades = (mantissas, every = 1) => {
    const out = [];
    for (let k = Math.ceil(from / every) * every; k <= to; k += every) {
      for (const m of mantissas) out.push(Number(`${m}e${k}`));
    }
    return out.filter(inside);
  };
  const sets = [decades([1, 2, 5]), decades([1, 3]), decades([1])];
  for (let every = 2; every <= Math.max(2, to - from); every++) sets.push(decades([1], every));
  return sets;
}

/** Tick sets of a linear axis, richest first (about `most` ticks at most), from a d3-like `ticks(count)`. */
export const linearCandidates = (ticks, most = 10) => [10, 8, 6, 5, 4, 3, 2, 1].filter((n) => n <= most).map((n) => ticks(n));

/**
 * A loss on the log axis: plain decimals down to 0.001 ("0.02"), exponent form below ("1e−4"), and
 * "1e+9"-like above a million; the minus is the typographic one.
 */
export function lossLabel(v) {
  if (v === 0) return "0";
  const a = Math.abs(v);
  const text = a >= 1e-3 && a < 1e6 ? String(Number(v.toPrecision(6))) : v.toExponential();
  return text.replaceAll("-", "−");
}
