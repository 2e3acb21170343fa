/**
 * The embed page (docs/contracts.md §6): only the graph and minimal controls, driven by slide software
 * through postMessage; after every change it tells its parent {source, event: "step", step, total,
 * phase}, and it hands the keys it does not use to its parent as {source, event: "key", key}
 * (hostkeys.js). Messages go out with target "*": a deck opened from disk has the origin "null", which no
 * other target matches. A click on a node opens the inspector (formulas, the code that ran).
 *
 * Saved for offline use (`backprop-playground export`, "Download for slides"), the page carries its state
 * and the server's answers (shared/offline.js): it then asks no server and offers no server-only links.
 */

import { createApi } from "../shared/api.js";
import { decodeState, encodeState } from "../shared/state.js";
import { readOffline } from "../shared/offline.js";
import { loadSource } from "./source.js";
import { createStepper } from "./stepper.js";
import { createInspector } from "./views/inspector.js";
import { applyTheme, showGraphNote, showStatus, preferredCamera } from "../shared/page.js";
import { edgeKey, hostKey } from "./hostkeys.js";
import { downloadForSlides } from "./download.js";
import { createMediaDialog } from "./views/media-dialog.js";

export const SOURCE = "backprop-playground";
const DEFAULT_EXPRESSION = { expr: "(x*y + x)*z", values: { x: 2, y: -1, z: 3 } };
const $ = (id) => document.getElementById(id);
const offline = readOffline();
const state = { ...decodeState(location.search), ...offline?.state };
const BUSY = "Server busy, retrying…";
// Quiet while a busy server is waited for; the note goes once an answer came (if nothing replaced it).
const api = createApi({ offline, onBusy: (busy) => (busy ? showStatus($("status"), BUSY, "loading") : $("status").textContent === BUSY && showStatus($("status"), null)) });
// reveal.js unloads hidden iframes and reloads them from their original src: remember the step per src
// (saved files all start without a query: theirs is remembered per file)
const memoryKey = `backprop-playground:embed:${offline ? location.pathname : ""}${location.search}`;

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

function writeUrl() {
  const q = encodeState(state);
  try {
    history.replaceState(null, "", `${location.pathname}${q ? `?${q}` : ""}`);
  } catch {
    // a page opened from disk may not rewrite its URL: the step is still remembered
  }
}

const stepper = createStepper({
  graphEl: $("graph"),
  controlsEl: $("controls"),
  minimal: true,
  fitOptions: { max: 1.6 },
  // without a camera in the URL, the screen's: a small touch screen follows the current node
  camera: new URLSearchParams(location.search).has("camera") || offline?.state?.camera ? state.camera : preferredCamera(),
  onCamera: (mode) => {
    state.camera = mode;
    writeUrl();
  },
  onStep: ({ step, total, phase, frame, timeline }) => {
    if (recording) return; // "Download GIF or video" steps the graph: no URL, memory or message to the deck
    state.step = step;
    remember(step);
    writeUrl();
    if (selected) inspector.update(timeline, frame, selected);
    if (window.parent !== window) window.parent.postMessage({ source: SOURCE, event: "step", step, total, phase }, "*");
  },
  onSelect: (id) => select(id),
});

let selected = null;
let recording = false;
const inspector = createInspector($("inspector"), { onClose: () => select(null) });

/** Open the inspector on a node (null closes it); the graph keeps clear of it (a covers-graph element). */
function select(id) {
  selected = id;
  stepper.graph.select(id);
  const tl = stepper.timeline();
  if (tl) inspector.update(tl, tl.frameAt(stepper.state().step), id);
}

document.addEventListener("keydown", (ev) => {
  if (ev.key !== "Escape" || !selected) return;
  ev.preventDefault(); // the Escape that closes the inspector is the embed's, not the deck's
  select(null);
});

stepper.table.setOpen(state.table === "open");
stepper.table.onToggle((open) => {
  state.table = open ? "open" : null;
  writeUrl();
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
// after the stepper has taken its own keys, the rest go to the host page; before it, → at the last step and
// ← at the first (the deck's next and previous slide).
function passKey(ev, key) {
  if (key === null || window.parent === window) return;
  ev.preventDefault();
  ev.stopPropagation();
  window.parent.postMessage({ source: SOURCE, event: "key", key }, "*");
}
window.addEventListener("keydown", (ev) => passKey(ev, edgeKey(ev, stepper.state())), true);
window.addEventListener("keydown", (ev) => passKey(ev, hostKey(ev)));

/** The header's links: to the full page and "Download for slides" on a served page; none offline. */
function setLinks() {
  const open = $("open-full");
  const download = $("download-slides");
  const media = $("download-media");
  open.hidden = !!offline;
  if (download) download.hidden = !!offline;
  if (media) media.hidden = !!offline;
  if (offline) return;
  const dialog = createMediaDialog({ stepper, state: () => state, onRecording: (on) => { recording = on; } });
  media?.addEventListener("click", () => dialog.open());
  const q = encodeState({ ...state });
  open.href = `/${q ? `?${q}` : ""}`;
  download?.addEventListener("click", () => downloadForSlides(state, {
    onError: (message) => showStatus($("status"), message, "error"),
  }));
}

async function start() {
  applyTheme(state.theme);
  setLinks();
  api.ops().then((ops) => inspector.setOps(ops), () => {}); // without it: op names and VJP_k
  try {
    const wanted = offline?.trace || state.expr || state.spec || state.lesson ? state : { ...state, ...DEFAULT_EXPRESSION };
    const loaded = offline?.trace ? { trace: offline.trace } : await loadSource(api, wanted);
    $("embed-title").textContent = offline?.title ?? loaded.lesson?.title ?? loaded.expression?.source ?? "Backprop Playground";
    showGraphNote(null);
    if (!loaded.trace) return showStatus($("status"), "Nothing to draw.", "info");
    stepper.load(loaded.trace, { step: remembered() ?? state.step, speed: state.speed });
    document.body.dataset.ready = "true";
  } catch (err) {
    showGraphNote(null);
    showStatus($("status"), err.message, "error");
  }
}

start();
