/**
 * The embed page (docs/contracts.md §6): only the graph and minimal controls, driven by slide software
 * through postMessage; after every change it tells its parent {source, event: "step", step, total,
 * phase}, and it hands the keys it does not use to its parent as {source, event: "key", key}
 * (hostkeys.js). Messages go out with target "*": a deck opened from disk has the origin "null", which no
 * other target matches.
 */

import { createApi } from "../shared/api.js";
import { decodeState, encodeState } from "../shared/state.js";
import { loadSource } from "./source.js";
import { createStepper } from "./stepper.js";
import { applyTheme, showStatus } from "../shared/page.js";
import { hostKey } from "./hostkeys.js";

export const SOURCE = "backprop-playground";
const DEFAULT_EXPRESSION = { expr: "(x*y + x)*z", values: { x: 2, y: -1, z: 3 } };
const $ = (id) => document.getElementById(id);
const state = decodeState(location.search);
const BUSY = "Server busy, retrying…";
// Quiet while a busy server is waited for; the note goes once an answer came (if nothing replaced it).
const api = createApi({ onBusy: (busy) => (busy ? showStatus($("status"), BUSY, "loading") : $("status").textContent === BUSY && showStatus($("status"), null)) });
// reveal.js unloads hidden iframes and reloads them from their original src: remember the step per src
const memoryKey = `backprop-playground:embed:${location.search}`;

function remembered() {
  try {
    const v = sessionStorage.getItem(memoryKey);
    return v === null ? null : Number(v);
  } catch {
    return null; // storage can be blocked for third-party frames
  }
}

function remember(step) {
  try {
    sessionStorage.setItem(memoryKey, String(step));
  } catch {
    // nothing to remember with: the URL still carries the step
  }
}

const stepper = createStepper({
  graphEl: $("graph"),
  controlsEl: $("controls"),
  minimal: true,
  fitOptions: { max: 1.6 },
  camera: state.camera,
  onCamera: (mode) => {
    state.camera = mode;
    const q = encodeState(state);
    history.replaceState(null, "", `${location.pathname}${q ? `?${q}` : ""}`);
  },
  onStep: ({ step, total, phase }) => {
    state.step = step;
    remember(step);
    const q = encodeState(state);
    history.replaceState(null, "", `${location.pathname}${q ? `?${q}` : ""}`);
    if (window.parent !== window) window.parent.postMessage({ source: SOURCE, event: "step", step, total, phase }, "*");
  },
});

stepper.table.setOpen(state.table === "open");
stepper.table.onToggle((open) => {
  state.table = open ? "open" : null;
  const q = encodeState(state);
  history.replaceState(null, "", `${location.pathname}${q ? `?${q}` : ""}`);
});

/** Apply one command from the host page; anything not ours is ignored. */
export function handleCommand(data) {
  if (!data || data.source !== SOURCE || typeof data.command !== "string") return;
  const a = stepper.actions;
  if (data.command === "next") a.next();
  else if (data.command === "prev") a.prev();
  else if (data.command === "play") a.play();
  else if (data.command === "pause") a.pause();
  else if (data.command === "goto" && Number.isFinite(data.step)) a.goto(data.step);
}

window.addEventListener("message", (ev) => {
  if (ev.data === "slide:stop") stepper.actions.pause(); // reveal.js tells the iframes of a slide it leaves
  else handleCommand(ev.data);
});

// Once the iframe has focus the deck hears no keys (a clicker's PageDown would stop moving the slides):
// after the stepper has taken its own keys, the rest go to the host page.
window.addEventListener("keydown", (ev) => {
  const key = window.parent === window ? null : hostKey(ev);
  if (key === null) return;
  ev.preventDefault();
  window.parent.postMessage({ source: SOURCE, event: "key", key }, "*");
});

async function start() {
  applyTheme(state.theme);
  const open = $("open-full");
  const q = encodeState({ ...state });
  open.href = `/${q ? `?${q}` : ""}`;
  try {
    const wanted = state.expr || state.spec || state.lesson ? state : { ...state, ...DEFAULT_EXPRESSION };
    const loaded = await loadSource(api, wanted);
    $("embed-title").textContent = loaded.lesson?.title ?? loaded.expression?.source ?? "Backprop Playground";
    if (!loaded.trace) return showStatus($("status"), "Nothing to draw.", "info");
    stepper.load(loaded.trace, { step: remembered() ?? state.step, speed: state.speed });
    document.body.dataset.ready = "true";
  } catch (err) {
    showStatus($("status"), err.message, "error");
  }
}

start();
