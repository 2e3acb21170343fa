/**
 * The plan of an in-browser GIF or WebM of the stepper ("Download GIF or video", media-record.js): which
 * steps a range covers, the frames each step makes (its contribution's travel, then its still for the rest
 * of its hold), the caps, the pixel size, and the command line that makes the MP4 of the same view. Pure: no
 * DOM, tested with `node --test tests/web/`.
 */

export const RANGES = ["all", "forward", "backward", "current"];
export const FORMATS = ["gif", "webm"];
export const HOLD = { min: 0.2, max: 10, default: 2 };
/** Frames a second while a contribution travels: a GIF as the CLI makes it, a video as it plays. */
export const FPS = { gif: 10, webm: 24 };
/** The most frames a GIF may have, and the longest video, recorded in real time (seconds). */
export const MAX_FRAMES = { gif: 600, webm: 5000 };
export const MAX_SECONDS = { gif: 600, webm: 300 };
/** The most pixels of a frame (1920×1080): a larger graph area is scaled down to it. */
export const MAX_PIXELS = 1920 * 1080;
export const MIN_SIDE = 64;

/**
 * The steps a range shows, as `media.py` `step_range` does: {first, last}, the media starting on `first` as
 * it is and stepping to `last`; or {error}. `phases[k - 1]` is the phase of step k; a phase starts where the
 * stepper's jump to it lands (the step before its first event); "current" is `current` to the end.
 */
export function rangeSteps(phases, range, current = 0) {
  const total = phases.length;
  if (range === "all") return total ? { first: 0, last: total } : { error: "This trace has no steps to show." };
  if (range === "current") {
    const first = Math.max(0, Math.min(total, Math.round(current) || 0));
    if (first >= total) return { error: `Step ${first} is the last: step back to record from there to the end.` };
    return { first, last: total };
  }
  const ks = [];
  phases.forEach((p, i) => { if (p === range) ks.push(i + 1); });
  if (!ks.length) return { error: `This trace has no ${range} pass.` };
  return { first: ks[0] - 1, last: ks.at(-1) };
}

/** The stepper's easing of a contribution's travel (d3.easeCubicInOut). */
export function easeCubicInOut(t) {
  t = Math.max(0, Math.min(1, t));
  return ((t *= 2) <= 1 ? t * t * t : (t -= 2) * t * t + 2) / 2;
}

/** Where the travelling contribution is at `ms` of a travel of `travelMs`: the fraction of its edge's
 * length from the edge's start (it goes from the consumer back to the input, graph.js `travel`). */
export function travelAt(ms, travelMs) {
  return 1 - easeCubicInOut(travelMs > 0 ? ms / travelMs : 1);
}

/**
 * The frames of a recording: for each step from `first` to `last` its travel frames (`travelMs(k)`, 0 for a
 * step without one; the first step is shown as it is) at `fps`, then its still for the rest of `hold`
 * seconds. A hold shorter than the travel cuts it, keeping one frame of the still.
 * → {steps: [{step, travel: [ms…], frameMs, stillMs}], frames, seconds}.
 */
export function frameSchedule({ first, last, hold, fps, travelMs = () => 0 }) {
  const holdMs = Math.round(hold * 1000);
  const frameMs = 1000 / fps;
  const steps = [];
  let frames = 0;
  for (let k = first; k <= last; k++) {
    const travel = k === first ? 0 : Math.max(0, travelMs(k));
    const fit = Math.max(0, Math.floor((holdMs - frameMs) / frameMs));
    const n = Math.min(Math.ceil(travel / frameMs), fit);
    const times = Array.from({ length: n }, (_, i) => i * frameMs);
    steps.push({ step: k, travel: times, frameMs, stillMs: holdMs - n * frameMs });
    frames += n + 1;
  }
  return { steps, frames, seconds: ((last - first + 1) * holdMs) / 1000 };
}

/** Why a schedule is too large for `format` (null when it fits). */
export function capMessage(schedule, format) {
  if (schedule.frames > MAX_FRAMES[format]) {
    return `${schedule.frames} frames is more than a ${label(format)} made here may have (${MAX_FRAMES[format]}): ` +
      "choose a shorter range or fewer seconds per step, or use the command line.";
  }
  if (schedule.seconds > MAX_SECONDS[format]) {
    return `${formatSeconds(schedule.seconds)} is longer than a ${label(format)} made here may be ` +
      `(${formatSeconds(MAX_SECONDS[format])}): choose a shorter range or fewer seconds per step, or use the command line.`;
  }
  return null;
}

/** The pixel size of the frames for a graph area of `width`×`height` CSS px: even, at most MAX_PIXELS
 * (scaled down keeping its shape), or {error} for an area too small to show. */
export function frameSize(width, height, maxPixels = MAX_PIXELS) {
  if (!(width >= MIN_SIDE && height >= MIN_SIDE)) {
    return { error: `The graph area is ${Math.round(width)}×${Math.round(height)} px: too small to record (at least ${MIN_SIDE}×${MIN_SIDE}).` };
  }
  const scale = Math.min(1, Math.sqrt(maxPixels / (width * height)));
  const even = (v) => Math.max(2, 2 * Math.floor((v * scale) / 2));
  return { width: even(width), height: even(height), scale, scaled: scale < 1 };
}

/** Single quotes for a POSIX shell, where needed. */
export function shellQuote(text) {
  const s = String(text);
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`;
}

/**
 * The command line that renders this view as an MP4 (`backprop-playground export`, README "Slides without
 * iframes"): its lesson (panel, weights) or expression (values), theme, range and hold.
 */
export function cliCommand(state, { range = "all", first = 0, last = null, hold = HOLD.default, size = null } = {}) {
  const args = ["backprop-playground", "export"];
  let name = "backprop";
  if (state.expr) {
    args.push("--expression", shellQuote(state.expr));
    const values = Object.entries(state.values ?? {}).map(([k, v]) => `${k}=${v}`).join(",");
    if (values) args.push("--values", shellQuote(values));
    name = "expression";
  } else if (state.lesson) {
    args.push("--lesson", shellQuote(state.lesson));
    if (state.panel) args.push("--panel", String(state.panel));
    if (state.weights) args.push("--weights", shellQuote(JSON.stringify(state.weights)));
    name = state.lesson;
  }
  if (state.theme && state.theme !== "light") args.push("--theme", state.theme);
  if (range === "forward" || range === "backward") args.push("--phase", range);
  else if (range === "current" && last != null) args.push("--steps", `${first}-${last}`);
  if (Number(hold) !== HOLD.default) args.push("--hold", String(Number(hold)));
  if (size) args.push("--size", `${size.width}x${size.height}`);
  args.push("-o", shellQuote(`${name}.mp4`));
  return args.join(" ");
}

/** The file name of a recording. */
export function mediaFileName(state, range, format) {
  const base = (state.expr ? "expression" : state.lesson || "backprop").replace(/[^\w.-]+/g, "-");
  return `${base}${range === "all" ? "" : `-${range}`}.${format}`;
}

export function formatSeconds(s) {
  if (s < 60) return `${Math.round(s * 10) / 10} s`;
  const m = Math.floor(s / 60);
  const rest = Math.round(s - m * 60);
  return `${m} min${rest ? ` ${rest} s` : ""}`;
}

function label(format) {
  return format === "gif" ? "GIF" : "video";
}
