/**
 * Loss and accuracy curves as data: a bounded history that thins itself as training runs on,
 * so a 100,000-step run draws as fast as a 100-step one. Thinning merges neighbours (a point then
 * stands for `n` steps, ending at its `step`, with their mean values), so every step's loss counts in
 * the curve, fast-forwarded ones too; the newest point always stays a single step's.
 */

export const METRIC_KEYS = ["loss", "test_loss", "accuracy", "test_accuracy"];

/** An empty history keeping at most `capacity` points. */
export function createSeries(capacity = 600) {
  return { capacity, points: [], stride: 1 };
}

/** One metrics record as a point {step, n: 1, loss, test_loss, accuracy, test_accuracy} (missing → null). */
export function toPoint(metrics) {
  const point = { step: metrics.step, n: 1 };
  for (const key of METRIC_KEYS) {
    const v = metrics[key];
    point[key] = v === null || v === undefined ? null : Number(v);
  }
  return point;
}

/**
 * The series with a new point (immutable). A step at or before the last one replaces the tail
 * (a reset starts the curve again); when full, every other point is dropped, keeping the newest.
 */
export function appendPoint(series, metrics) {
  return appendPoints(series, [metrics]);
}

/**
 * The series with many new points in step order (immutable): e.g. a stream's `progress` message, one
 * record per fast-forwarded step. A first step at or before the last point drops the tail from it on.
 * Points are buckets of `stride` steps (their means) plus the newest step as it is; over capacity,
 * neighbours merge pairwise and the stride doubles, so buckets stay even and the curve starts at step 1.
 */
export function appendPoints(series, records) {
  if (!records.length) return series;
  let out = series.points.slice();
  let stride = series.stride ?? 1;
  const first = records[0].step;
  if (out.length && first <= out[out.length - 1].step) out = out.filter((p) => p.step < first);
  if (!out.length) stride = 1;
  for (const record of records) {
    const n = out.length;
    // The newest point so far joins the bucket before it while that one holds fewer than `stride` steps.
    if (n >= 2 && out[n - 2].n + out[n - 1].n <= stride && out[n - 1].step - out[n - 1].n === out[n - 2].step) {
      out[n - 2] = mergeTwo(out[n - 2], out[n - 1]);
      out.pop();
    }
    out.push(toPoint(record));
    if (out.length > series.capacity) {
      out = mergePairs(out);
      stride *= 2;
    }
  }
  return { ...series, points: out, stride };
}

/** Neighbours merged two by two (their steps' weighted means); the newest point stays alone. */
function mergePairs(points) {
  const last = points[points.length - 1];
  const merged = [];
  const end = points.length - 1;
  for (let i = 0; i < end; i += 2) merged.push(i + 1 < end ? mergeTwo(points[i], points[i + 1]) : points[i]);
  merged.push(last);
  return merged;
}

function mergeTwo(a, b) {
  const point = { step: b.step, n: (a.n ?? 1) + (b.n ?? 1) };
  for (const key of METRIC_KEYS) {
    const x = a[key];
    const y = b[key];
    const xOk = x !== null && Number.isFinite(x);
    const yOk = y !== null && Number.isFinite(y);
    if (xOk && yOk) point[key] = (x * (a.n ?? 1) + y * (b.n ?? 1)) / point.n;
    else point[key] = yOk || !xOk ? y : x; // a missing or non-finite value keeps the other (or shows)
  }
  return point;
}

/**
 * `items` (each with a `step`) with `item` at the end, as a new array: a step at or before the last one
 * drops the tail from that step on; over `capacity`, every other item goes, the newest always kept.
 */
function appendThinned(items, item, capacity) {
  let out = items;
  if (out.length && item.step <= out[out.length - 1].step) {
    out = out.filter((p) => p.step < item.step);
  }
  out = [...out, item];
  if (out.length > capacity) {
    out = out.filter((_, i) => i % 2 === 0 || i === out.length - 1);
  }
  return out;
}

/** A series built from a whole history list (e.g. the server's `history`). */
export function fromHistory(history, capacity = 600) {
  return history.reduce((s, m, i) => appendPoint(s, { step: m.step ?? i + 1, ...m }), createSeries(capacity));
}

/** [min, max] of the finite values of some keys (null when none). */
export function extent(points, keys) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const p of points) {
    for (const k of keys) {
      const v = p[k];
      if (v !== null && Number.isFinite(v)) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    }
  }
  return lo <= hi ? [lo, hi] : null;
}

/** The latest finite value of a key, or null. */
export function latest(points, key) {
  for (let i = points.length - 1; i >= 0; i--) {
    const v = points[i][key];
    if (v !== null && Number.isFinite(v)) return v;
  }
  return null;
}

/**
 * A recording for replay: at most `capacity` frames {step, params, metrics}, thinned by halving,
 * always keeping the first and the newest frame.
 */
export function createRecording(capacity = 240) {
  return { capacity, frames: [] };
}

/** The recording with one more frame (immutable; a step not after the last one restarts it). */
export function recordFrame(recording, frame) {
  return { ...recording, frames: appendThinned(recording.frames, frame, recording.capacity) };
}
