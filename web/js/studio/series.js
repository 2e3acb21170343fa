/**
 * Loss and accuracy curves as data: a bounded history that thins itself as training runs on,
 * so a 100,000-step run draws as fast as a 100-step one.
 */

export const METRIC_KEYS = ["loss", "test_loss", "accuracy", "test_accuracy"];

/** An empty history keeping at most `capacity` points. */
export function createSeries(capacity = 600) {
  return { capacity, points: [] };
}

/** One metrics record as a point {step, loss, test_loss, accuracy, test_accuracy} (missing → null). */
export function toPoint(metrics) {
  const point = { step: metrics.step };
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
  return { ...series, points: appendThinned(series.points, toPoint(metrics), series.capacity) };
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
