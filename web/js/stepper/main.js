/**
 * The main page: wires the stepper, inspector, lesson panel, expression box and the URL state.
 * Data flows down (state → source → trace → frames); user intent comes up through callbacks.
 */

import { createApi } from "../shared/api.js";
import { decodeState, encodeState, withSource, embedSnippet, sourceOf } from "../shared/state.js";
import { loadSource } from "./source.js";
import { createStepper } from "./stepper.js";
import { downloadForSlides, attachmentName } from "./download.js";
import { saveBlob } from "../shared/files.js";
import { createMediaDialog } from "./views/media-dialog.js";
import { createInspector } from "./views/inspector.js";
import { createLessonPanel, fillLessonMenu } from "./views/lesson.js";
import { createExpressionForm } from "./views/expression.js";
import { checkGradient as runGradcheck } from "./gradcheck.js";
import { applyTheme, showGraphNote, showStatus, copyText, preferredCamera } from "../shared/page.js";
import { reinitialise, train, solution, traceLoss } from "./retrain.js";
import { formatNumber } from "../shared/format.js";
import { replaceParam, weightsOfTrace } from "./weights.js";
import { paramRef } from "../shared/params.js";
import { createStepperClass } from "./class.js";
import { bindHeaderMenu } from "../shared/header-menu.js";
import { bindSidePanel } from "../shared/sheet.js";

const DEFAULT_EXPRESSION = { expr: "(x*y + x)*z", values: { x: 2, y: -1, z: 3 } };
const BUSY = "Server busy, retrying…";
// Quiet while a busy server is waited for; the note goes once an answer came (if nothing replaced it).
const api = createApi({ onBusy: (busy) => (busy ? showStatus($("status"), BUSY, "loading") : $("status").textContent === BUSY && showStatus($("status"), null)) });
const $ = (id) => document.getElementById(id);
// `file`: a lesson opened from a file (shown, not stored on the server: the URL names no lesson for it)
const app = { state: decodeState(location.search), loaded: null, lessons: new Map(), token: 0, file: null };
const LESSON_FILE_BYTES = 64 * 1024; // the largest lesson file the server reads (POST /lessons/preview)
let classroom = null; // classroom mode: presents this view, or follows a presenter's (/join/{code})

const stepper = createStepper({
  graphEl: $("graph"),
  controlsEl: $("controls"),
  onStep: ({ step, frame, timeline }) => {
    if (app.recording) return; // "Download GIF or video" steps the graph; the URL (and a class) stay
    app.state.step = step;
    writeUrl("replace");
    if (app.state.node) inspector.update(timeline, frame, app.state.node);
  },
  onSelect: (id) => selectNode(id),
  onSpeed: (v) => {
    app.state.speed = v;
    writeUrl("replace");
  },
  // without a camera in the URL, the screen's (a small touch screen follows the current node); the URL, and
  // so a class's followers and an embed code, keep only a camera chosen with the follow button
  camera: new URLSearchParams(location.search).has("camera") ? app.state.camera : preferredCamera(),
  onCamera: (mode) => {
    app.state.camera = mode;
    writeUrl("replace");
  },
});

// the gradient table's drawer is open or closed as the URL says, and the URL follows it
stepper.table.setOpen(app.state.table === "open");
stepper.table.onToggle((open) => {
  app.state.table = open ? "open" : null;
  writeUrl("replace");
});

const inspector = createInspector($("inspector"), {
  canCheck: (id) => !!app.loaded?.expression && isVariable(id),
  checkGradient: (id) => checkGradient(id),
  canEdit: (id) => !!app.loaded?.spec && !!paramRef(stepper.timeline()?.trace.nodeById.get(id)) && !!app.weights,
  onEdit: (id, value) => editWeight(id, value),
  onClose: () => selectNode(null),
});
const lessonPanel = createLessonPanel($("lesson-panel"), {
  onPanel: (i) => change({ ...app.state, panel: i, step: 0, node: null, values: null, weights: null }),
  onControl: (c) => panelControl(c),
});
const exprForm = createExpressionForm($("expr-form"), {
  onSubmit: ({ source, values }) => {
    side.hideSheet(); // on a small screen the graph it draws is under the sheet
    change(withSource(app.state, { expr: source, values }));
  },
});
const side = bindSidePanel({ button: $("toggle-side"), panel: $("side"), collapsedClass: "side-collapsed" });

function effectiveState(state) {
  return sourceOf(state) || app.file ? state : { ...state, ...DEFAULT_EXPRESSION };
}

/** Move to a new state: write the URL, then load what it shows (a lesson, an expression: no file's lesson). */
function change(next) {
  if (sourceOf(next)) app.file = null;
  app.state = next;
  writeUrl("push");
  return load();
}

async function load() {
  const token = ++app.token;
  const state = app.state;
  applyTheme(state.theme);
  syncHeader(state);
  showStatus($("status"), "Loading…", "loading");
  setNoGraph(false);
  if (document.body.dataset.ready !== "true") showGraphNote(classroom?.following ? "Loading the class's lesson…" : "Loading…");
  try {
    const t0 = performance.now();
    const loaded = await loadSource(api, effectiveState(state), app.lessons, { file: sourceOf(state) ? null : app.file });
    if (token !== app.token) return;
    app.loaded = loaded;
    app.weights = loaded.spec && loaded.trace ? weightsOfTrace(loaded.trace) : null;
    lessonPanel.update(loaded.lesson ?? null, loaded.index ?? 0, { loss: traceLoss(loaded.trace), file: loaded.file ?? null });
    exprForm.showError(null);
    setStale(false);
    $("intro").hidden = !!loaded.lesson;
    if (loaded.expression) exprForm.update(loaded.expression.source, loaded.expression.values);
    $("s2s-note").hidden = !(state.view === "s2s" && !loaded.expression);
    syncToggle(state, loaded);
    // a follower before the lecturer shows anything: the page says so instead of a blank graph
    const waiting = classroom?.following && !loaded.trace && !loaded.lesson && !loaded.expression;
    showGraphNote(waiting ? "Waiting for the lecturer to show a lesson…" : null);
    if (waiting) return showStatus($("status"), null);
    if (!loaded.trace) return showStatus($("status"), "This lesson has no graph to draw.", "info");
    stepper.load(loaded.trace, { step: state.step, speed: state.speed });
    showRows(loaded.trace);
    document.body.dataset.ready = "true";
    document.body.dataset.loadMs = String(Math.round(performance.now() - t0));
    document.body.dataset.readyAt ??= String(Math.round(performance.now()));
    showStatus($("status"), null);
    if (state.node) selectNode(state.node);
    else clearSelection(); // a new graph (the backward graph toggled, new weights): the old node's panel goes
  } catch (err) {
    if (token !== app.token) return;
    showGraphNote(null);
    if (showProblem(state, err)) return;
    // One message, where the cause is: a bad expression in its form, anything else in the status line.
    const inForm = sourceOf(state) === "expression";
    showStatus($("status"), inForm ? null : err.message, "error");
    if (inForm) {
      exprForm.showError(err.message);
      lessonPanel.update(null);
    }
    setStale(true);
  }
}

/**
 * A lesson that cannot be shown (its file is broken, or its facts cannot be computed): its error card in the
 * lesson panel, and the graph area says there is no graph; the rest of the page goes on working. False for
 * other errors.
 */
function showProblem(state, err) {
  const fromFile = !sourceOf(state) && !!app.file;
  if (!err.error && !(sourceOf(state) === "lesson" || fromFile)) return false;
  app.loaded = null;
  app.weights = null;
  lessonPanel.showError(err.error ?? { message: err.message }, { file: fromFile });
  $("intro").hidden = true;
  showStatus($("status"), null);
  clearSelection();
  setNoGraph(true);
  return true;
}

/** The graph area without a graph: the note says so (the graph and its controls are hidden meanwhile). */
function setNoGraph(on) {
  $("graph").closest(".stage").classList.toggle("no-graph", on);
  $("graph-note").dataset.kind = on ? "empty" : "";
  if (on) showGraphNote("No graph: this lesson cannot be shown.");
}

/** Dim the graph and its controls while they show an earlier state than the URL's (after an error). */
function setStale(stale) {
  $("graph").closest(".stage").classList.toggle("stale", stale);
  document.body.dataset.stale = String(stale);
}

/** A lesson panel's control: re-initialise (seed), train N steps or show the solution; then show the weights. */
async function panelControl({ action, seed, steps }) {
  const { spec, panel, weights, trace } = app.loaded ?? {};
  if (!spec) return;
  lessonPanel.busy(true);
  try {
    const before = traceLoss(trace);
    const next = action === "solution" ? { weights: solution(spec) }
      : action === "reinitialise" ? await reinitialise(api, spec, seed)
      : await train(api, spec, weights, steps);
    // the same net with other weights: it stays at the step it was at (not back to a blank start)
    await change({ ...app.state, weights: next.weights, node: null });
    lessonPanel.note(action === "solution" ? `Showing the solution: ${panel.solution}.`
      : action === "reinitialise" ? `Re-initialised with seed ${seed}.`
      : `Trained ${steps} steps: loss ${formatNumber(before, 4)} → ${formatNumber(traceLoss(app.loaded?.trace), 4)}.`);
  } catch (err) {
    lessonPanel.note(err.message, "error");
  } finally {
    lessonPanel.busy(false);
  }
}

/** Which rows of the batch a model trace shows (it traces a few, not all). */
function showRows(trace) {
  const note = $("rows-note");
  const rows = trace.rows;
  const input = trace.graph.nodes.find((n) => n.role === "input");
  note.hidden = !Array.isArray(rows) || !input;
  if (note.hidden) return;
  const span = rows.length > 1 && rows.at(-1) - rows[0] === rows.length - 1 ? `rows ${rows[0]}–${rows.at(-1)}` : `rows ${rows.join(", ")}`;
  note.textContent = `Traced ${span} of ${input.shape[0]} in the batch.`;
}

function writeUrl(mode) {
  const q = encodeState(app.state);
  classroom?.changed();
  const url = `${location.pathname}${q ? `?${q}` : ""}`;
  if (url === `${location.pathname}${location.search}`) return;
  history[mode === "push" ? "pushState" : "replaceState"](null, "", url);
}

function selectNode(id) {
  app.state.node = id;
  stepper.graph.select(id);
  const tl = stepper.timeline();
  if (tl) inspector.update(tl, tl.frameAt(stepper.state().step), id);
  writeUrl("replace");
  if (!id) $("graph").querySelector(".graph-svg")?.focus?.();
}

/** No node selected: the inspector closes (without moving the focus, unlike closing it by hand). */
function clearSelection() {
  stepper.graph.select(null);
  inspector.update(stepper.timeline(), null, null);
}

/** Put an edited parameter into the URL's weights and re-trace the model from them. */
function editWeight(id, value) {
  const ref = paramRef(stepper.timeline().trace.nodeById.get(id));
  const weights = replaceParam(app.state.weights ?? app.weights, ref, value);
  change({ ...app.state, weights, step: app.state.step });
}

function isVariable(id) {
  const node = stepper.timeline()?.trace.nodeById.get(id);
  return !!node && node.inputs.length === 0 && node.label in (app.loaded.expression.values ?? {});
}

function checkGradient(id) {
  const tl = stepper.timeline();
  const node = tl.trace.nodeById.get(id);
  const final = tl.frameAt(tl.total).grads.get(id);
  const analytic = final?.total?.data?.[0] ?? 0;
  return runGradcheck(api, app.loaded.expression, node.label, analytic);
}

/** The backward-graph switch shows what is drawn; it is fixed where the choice is not the user's. */
function syncToggle(state, loaded) {
  const toggle = $("s2s-toggle");
  const fixedSymbolic = loaded.panel?.expression?.mode === "symbolic";
  toggle.checked = loaded.expression?.mode === "symbolic";
  toggle.disabled = fixedSymbolic || !loaded.expression;
  toggle.parentElement.title = fixedSymbolic ? "This lesson draws the backward graph"
    : loaded.expression ? "Draw the backward pass as graph nodes (symbol-to-symbol)" : "The backward graph is drawn for expressions";
}

function syncHeader(state) {
  $("lesson-select").value = state.lesson ?? "";
  $("theme-select").value = state.theme;
  $("s2s-toggle").checked = state.view === "s2s";
}

function bindHeader() {
  bindHeaderMenu(document.querySelector(".app-header .header-more"));
  $("lesson-select").addEventListener("change", (ev) => {
    const id = ev.target.value;
    change(id ? withSource(app.state, { lesson: id }) : withSource(app.state, {}));
  });
  $("theme-select").addEventListener("change", (ev) => {
    app.state.theme = ev.target.value;
    applyTheme(app.state.theme);
    writeUrl("replace");
  });
  $("s2s-toggle").addEventListener("change", (ev) => change({ ...app.state, view: ev.target.checked ? "s2s" : "graph", step: 0, node: null }));
  $("copy-embed").addEventListener("click", async () => {
    const snippet = embedSnippet(location.origin, app.state);
    $("embed-code").value = snippet;
    $("embed-box").hidden = false;
    const ok = await copyText(snippet);
    $("copy-embed-status").textContent = ok ? "Embed code copied." : "Select the code below and copy it.";
  });
  $("download-slides").addEventListener("click", () => downloadForSlides(effectiveState(app.state), {
    onError: (message) => showStatus($("status"), message, "error"),
  }));
  $("save-lesson").addEventListener("click", () => saveAsLesson());
  $("open-lesson").addEventListener("click", () => $("lesson-file").click());
  $("lesson-file").addEventListener("change", (ev) => {
    const [file] = ev.target.files ?? [];
    ev.target.value = ""; // the same file chosen again opens again
    if (file) openLessonFile(file);
  });
  bindDrop();
  const media = createMediaDialog({ stepper, state: () => effectiveState(app.state), onRecording: (on) => { app.recording = on; } });
  for (const id of ["download-media", "download-media-embed"]) $(id).addEventListener("click", () => media.open());
  $("embed-close").addEventListener("click", () => { $("embed-box").hidden = true; });
  document.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape" && app.state.node) selectNode(null);
  });
  window.addEventListener("popstate", () => { app.state = decodeState(location.search); load(); });
}

/**
 * "Save as lesson": what is on screen as a lesson file (POST /lessons/file): the expression panel, or the
 * model panel's spec with the weights shown, with facts computed now; downloaded as `<id>.md`.
 */
async function saveAsLesson() {
  const { expression, spec, panel, lesson } = app.loaded ?? {};
  if (!expression && !spec) return showStatus($("status"), "Save as lesson: there is nothing on screen to save yet.", "error");
  const body = { panel: panel?.title ? { title: panel.title } : {} };
  if (lesson?.title) body.title = lesson.title;
  if (expression) {
    body.panel.expression = { source: expression.source, values: expression.values ?? {}, mode: expression.mode ?? "numeric" };
  } else {
    // the weights shown (the URL's, a panel's start, a saved model's): the file's spec has them as its own
    Object.assign(body.panel, { spec }, app.weights ? { start: app.weights } : {}, panel?.retrain ? { retrain: panel.retrain } : {});
  }
  try {
    const response = await api.lessonFile(body);
    saveBlob(attachmentName(response.headers.get("Content-Disposition"), "lesson.md"), await response.blob());
  } catch (err) {
    showStatus($("status"), `Save as lesson: ${err.message}`, "error");
  }
}

/**
 * Open a lesson file (a `File` from the picker or a drop) the server does not have: POST /lessons/preview
 * reads it and computes its facts, storing nothing; the page shows it as a menu lesson, and the URL names
 * no lesson for it (reloading the page shows what the URL says, not the file).
 */
async function openLessonFile(file) {
  if (!/\.md$/i.test(file.name)) return showStatus($("status"), `${file.name} is not a lesson file: those end in .md.`, "error");
  if (file.size > LESSON_FILE_BYTES) return showStatus($("status"), `${file.name} is larger than 64 KB, the largest lesson file.`, "error");
  showStatus($("status"), `Opening ${file.name}…`, "loading");
  let opened;
  try {
    opened = { name: file.name, lesson: await api.lessonPreview(file.name, await file.text()) };
  } catch (err) {
    if (!err.error && err.status !== 422) return showStatus($("status"), `Open lesson file: ${err.message}`, "error");
    opened = { name: file.name, error: err.error ?? { file: file.name, message: err.message } };
  }
  app.file = opened; // a state with no source of its own shows the file
  if (side.isSheet() && document.body.classList.contains("side-collapsed")) $("toggle-side").click(); // its text is in the sheet
  return change(withSource(app.state, {}));
}

/** Dropping a lesson file (.md) anywhere on the page opens it. */
function bindDrop() {
  const hasFiles = (ev) => [...(ev.dataTransfer?.types ?? [])].includes("Files");
  document.addEventListener("dragover", (ev) => {
    if (!hasFiles(ev)) return;
    ev.preventDefault();
    ev.dataTransfer.dropEffect = "copy";
    document.body.classList.add("dropping");
  });
  document.addEventListener("dragleave", (ev) => {
    if (!ev.relatedTarget) document.body.classList.remove("dropping");
  });
  document.addEventListener("drop", (ev) => {
    if (!hasFiles(ev)) return;
    ev.preventDefault();
    document.body.classList.remove("dropping");
    const [file] = ev.dataTransfer.files;
    if (file) openLessonFile(file);
  });
}

async function loadCatalog() {
  try {
    const lessons = await api.lessons();
    fillLessonMenu($("lesson-select"), lessons, app.state.lesson);
  } catch (err) {
    $("lesson-select").title = `lessons unavailable: ${err.message}`;
  }
  try {
    inspector.setOps(await api.ops());
  } catch {
    // without the op table the inspector names each op and shows VJP_k for its local derivatives
  }
  exprForm.setFunctions(await api.expressionFunctions().catch(() => null));
}

bindHeader();
applyTheme(app.state.theme);
loadCatalog();
classroom = createStepperClass({
  // on a small touch screen the follower's camera is its own (follow, the whole graph one tap away)
  api, app, stepper, selectNode, ownCamera: () => preferredCamera() === "follow",
  adopt: (state) => { app.state = state; writeUrl("replace"); return load(); },
  onWaiting: () => { if (!app.loaded) showGraphNote("Waiting for the lecturer to show a lesson…"); },
});
if (!classroom.following) load(); // a follower loads the presenter's view when the room says hello
else showGraphNote("Joining the class…");
