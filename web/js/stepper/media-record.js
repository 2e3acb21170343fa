/**
 * "Download GIF or video": the stepper's own graph recorded in the browser, stepping as it does on screen
 * (media-plan.js says which frames). Each frame is the page's SVG, cloned with its computed styles inlined
 * (as the studio's exporter does) and drawn onto a canvas; a backward step's contribution travels along its
 * edge first: the page's own particle (the step entered with its animation, as → does) placed along the
 * edge's drawn path at the stepper's pace and easing, over the receiving node as it was before the
 * contribution arrived; then the step's still for the rest of its hold.
 *
 * GIF: gifenc (npm), one palette quantized from a sample of the recording's stills, looping; each frame
 * after the first holds only the pixels that changed (the rest transparent). WebM: the
 * browser's MediaRecorder on the canvas's captureStream, in real time (feature-detected: `canRecordWebm`).
 */

import { GIFEncoder, quantize, applyPalette } from "gifenc";
import { phaseOf } from "./timeline.js";
import { edgeId } from "./trace.js";
import { stepDuration } from "./player.js";
import { FPS, capMessage, frameSchedule, frameSize, rangeSteps, travelAt } from "./media-plan.js";
import { svgImage } from "../shared/files.js";

const SVG_NS = "http://www.w3.org/2000/svg";
const STYLE_PROPS = ["fill", "fill-opacity", "stroke", "stroke-width", "stroke-dasharray", "stroke-dashoffset",
  "stroke-opacity", "stroke-linecap", "stroke-linejoin", "opacity", "display", "visibility", "filter",
  "font-size", "font-weight", "font-family", "font-style", "font-variant-numeric", "letter-spacing",
  "text-anchor", "dominant-baseline", "paint-order", "color"];
const PARTICLE = "translate(12345.625,-12345.625)"; // a placeholder no drawing has
const WEBM_TYPES = ["video/webm;codecs=vp9", "video/webm;codecs=vp8", "video/webm"];

export class Cancelled extends Error {
  constructor() {
    super("Cancelled.");
  }
}

/** The WebM type this browser's MediaRecorder records a canvas in, or null (then the option is hidden). */
export function webmType() {
  if (typeof MediaRecorder === "undefined" || typeof HTMLCanvasElement === "undefined") return null;
  if (!("captureStream" in HTMLCanvasElement.prototype)) return null;
  return WEBM_TYPES.find((t) => MediaRecorder.isTypeSupported?.(t)) ?? null;
}

/** What a recording of `range` at `hold` s a step in `format` would be: {first, last, schedule, size,
 * error} (error: why it cannot be made, a cap or a range the trace does not have). */
export function planRecording(stepper, { range, hold, format }) {
  const timeline = stepper.timeline();
  if (!timeline) return { error: "Nothing to record yet." };
  const phases = Array.from({ length: timeline.total }, (_, i) => phaseOf(timeline, i + 1));
  const steps = rangeSteps(phases, range, stepper.state().step);
  if (steps.error) return steps;
  const speed = stepper.state().speed ?? 1;
  const travelMs = (k) => {
    const e = timeline.trace.steps[k - 1];
    return e?.type === "backward" && e.from != null ? 0.75 * stepDuration(timeline, k, speed) : 0;
  };
  const schedule = frameSchedule({ ...steps, hold, fps: FPS[format], travelMs });
  const rect = stepper.graph.svg.getBoundingClientRect();
  const size = frameSize(rect.width, rect.height);
  return { ...steps, schedule, size, error: size.error ?? capMessage(schedule, format) };
}

/** The colour behind the graph: the first element up from it that paints a background. */
function backgroundOf(el) {
  for (let e = el; e; e = e.parentElement) {
    const c = getComputedStyle(e).backgroundColor;
    if (c && c !== "transparent" && !/rgba\(.*,\s*0\)$/.test(c)) return c;
  }
  return "#fff";
}

/** The SVG as a standalone document with its computed styles inlined; the particle's transform (if any)
 * a placeholder that `travelFrame` fills in. */
function snapshot(svg) {
  const box = svg.getBoundingClientRect();
  const clone = svg.cloneNode(true);
  clone.setAttribute("xmlns", SVG_NS);
  clone.setAttribute("width", box.width);
  clone.setAttribute("height", box.height);
  clone.setAttribute("viewBox", `0 0 ${box.width} ${box.height}`);
  clone.removeAttribute("class");
  clone.querySelector("g.particles > g")?.setAttribute("transform", PARTICLE);
  const originals = svg.querySelectorAll("*");
  clone.querySelectorAll("*").forEach((el, i) => {
    const cs = getComputedStyle(originals[i]);
    let style = "";
    for (const p of STYLE_PROPS) {
      const v = cs.getPropertyValue(p);
      if (v) style += `${p}:${v};`;
    }
    el.setAttribute("style", style);
    el.removeAttribute("class");
  });
  return new XMLSerializer().serializeToString(clone);
}

const nextFrame = () => new Promise((resolve) => requestAnimationFrame(() => resolve()));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Wait (at most `limit` ms) for the camera's transitions on the graph's SVG (a follow, a fit) to end. */
async function cameraSettled(svg, limit = 800) {
  const t0 = performance.now();
  const moving = () => svg.__transition && Object.keys(svg.__transition).length > 0;
  while (moving() && performance.now() - t0 < limit) await nextFrame();
}

/**
 * Record the stepper: `format` "gif" or "webm", `range` (media-plan.js RANGES), `hold` seconds a step.
 * `onProgress(done, total)`; `signal` (an AbortSignal) cancels. Resolves to a Blob; the stepper is left at
 * the step it was on. Rejects with Cancelled, or an Error saying why.
 */
export async function recordMedia(stepper, { format, range, hold, onProgress = () => {}, signal = null }) {
  const plan = planRecording(stepper, { range, hold, format });
  if (plan.error) throw new Error(plan.error);
  const svg = stepper.graph.svg;
  const timeline = stepper.timeline();
  const before = stepper.state();
  stepper.actions.pause();
  const canvas = document.createElement("canvas");
  canvas.width = plan.size.width;
  canvas.height = plan.size.height;
  const ctx = canvas.getContext("2d", { willReadFrequently: format === "gif" });
  const background = backgroundOf(svg);
  const check = () => { if (signal?.aborted) throw new Cancelled(); };
  const draw = (img) => {
    ctx.fillStyle = background;
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
  };

  /** The frames of one step, in order: {img, ms}. */
  async function* stepFrames(entry) {
    const k = entry.step;
    if (entry.travel.length) {
      stepper.actions.goto(k - 1);
      await cameraSettled(svg);
      stepper.actions.next(); // as → does: the contribution starts along its edge
      await cameraSettled(svg, 300);
      const e = timeline.trace.steps[k - 1];
      const path = svg.querySelector(`path.edge[data-edge-id="${CSS.escape(edgeId(e.node, e.from, e.input_index))}"]`);
      const text = svg.querySelector("g.particles > g") && path ? snapshot(svg) : null;
      if (text) {
        const length = path.getTotalLength();
        const travelMs = 0.75 * stepDuration(timeline, k, stepper.state().speed ?? 1);
        for (const t of entry.travel) {
          check();
          const pt = path.getPointAtLength(length * travelAt(t, travelMs));
          yield { img: await svgImage(text.replace(PARTICLE, `translate(${pt.x},${pt.y})`)), ms: entry.frameMs };
        }
      }
      const shown = text ? entry.travel.length * entry.frameMs : 0;
      stepper.actions.goto(k);
      await cameraSettled(svg);
      yield { img: await svgImage(snapshot(svg)), ms: entry.stillMs + entry.travel.length * entry.frameMs - shown };
      return;
    }
    stepper.actions.goto(k);
    await cameraSettled(svg);
    yield { img: await svgImage(snapshot(svg)), ms: entry.stillMs };
  }

  try {
    const steps = plan.schedule.steps;
    const total = plan.schedule.frames;
    let done = 0;
    onProgress(0, total);
    if (format === "gif") {
      // 255 colours and a transparent one: a frame after the first writes only the pixels that changed
      // (the rest transparent over the frame before, which stays), which LZW packs to almost nothing
      const palette = await samplePalette();
      const clear = palette.length;
      palette.push([0, 0, 0]);
      const gif = GIFEncoder();
      let shown = null;
      for (const entry of steps) {
        for await (const frame of stepFrames(entry)) {
          check();
          draw(frame.img);
          const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
          const index = applyPalette(data, palette.slice(0, clear), "rgb565");
          const delay = Math.round(frame.ms);
          if (!shown) {
            gif.writeFrame(index, canvas.width, canvas.height, { palette, delay, repeat: 0, transparent: false, dispose: 1 });
            shown = index;
          } else {
            const out = new Uint8Array(index.length);
            for (let i = 0; i < index.length; i++) {
              if (index[i] === shown[i]) out[i] = clear;
              else out[i] = shown[i] = index[i];
            }
            gif.writeFrame(out, canvas.width, canvas.height, { delay, transparent: true, transparentIndex: clear, dispose: 1 });
          }
          onProgress(++done, total);
          await sleep(0); // let Cancel and the progress bar through
        }
      }
      gif.finish();
      return new Blob([gif.bytes()], { type: "image/gif" });
    }
    return await recordWebm();

    /** One palette for the whole GIF, from up to six stills spread over the range. */
    async function samplePalette() {
      const picks = [...new Set([0, 1, 2, 3, 4, 5].map((i) => steps[Math.round((i * (steps.length - 1)) / 5)].step))];
      const stride = Math.max(1, Math.floor((canvas.width * canvas.height * picks.length) / 400_000));
      const sample = [];
      for (const k of picks) {
        check();
        stepper.actions.goto(k);
        await cameraSettled(svg);
        draw(await svgImage(snapshot(svg)));
        const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
        for (let p = 0; p < data.length; p += 4 * stride) sample.push(data[p], data[p + 1], data[p + 2], data[p + 3]);
      }
      return quantize(new Uint8Array(sample), 255, { format: "rgb565" });
    }

    async function recordWebm() {
      const type = webmType();
      if (!type) throw new Error("This browser cannot record a video: download a GIF, or make an MP4 with the command line.");
      const stream = canvas.captureStream(0);
      const [track] = stream.getVideoTracks();
      const recorder = new MediaRecorder(stream, { mimeType: type, videoBitsPerSecond: 4_000_000 });
      const chunks = [];
      recorder.ondataavailable = (ev) => { if (ev.data.size) chunks.push(ev.data); };
      const stopped = new Promise((resolve, reject) => {
        recorder.onstop = resolve;
        recorder.onerror = (ev) => reject(ev.error ?? new Error("the browser's recorder failed"));
      });
      // the first frame is drawn before the recording starts
      const frames = (async function* () { for (const entry of steps) yield* stepFrames(entry); })();
      let next = await frames.next();
      draw(next.value.img);
      recorder.start(1000);
      track.requestFrame();
      let due = performance.now();
      const keep = setInterval(() => track.requestFrame(), 250); // a still is repeated: the hold lasts
      try {
        while (!next.done) {
          const shown = next.value;
          onProgress(++done, total);
          due += shown.ms;
          next = await frames.next(); // made while this frame is on screen
          check();
          await sleep(due - performance.now());
          if (!next.done) {
            draw(next.value.img);
            track.requestFrame();
          }
        }
        track.requestFrame();
      } finally {
        clearInterval(keep);
        if (recorder.state !== "inactive") recorder.stop();
        track.stop();
      }
      await stopped;
      return new Blob(chunks, { type: "video/webm" });
    }
  } finally {
    stepper.actions.goto(before.step);
  }
}
