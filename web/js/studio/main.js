/**
 * The training studio page: wires the builder, the transport, the three views and the live session.
 * State flows down into views' update(); user actions come back up as callbacks here.
 */
import { createApi } from "../shared/api.js";
import { createBuilder } from "./views/builder.js";
import { lessonIdOf, lessonPanels, lessonPresetId, loadCatalog } from "./catalog.js";
import { packedFromHash, unpackState } from "../shared/state.js";
import { loadData, markTest } from "./data.js";
import { applyEdit, withCsvData, withNamedData } from "./edits.js";
import { createExporter } from "./exporter.js";
import { createFrameHandler } from "./frames.js";
import { DISCONNECTED_HTML, createNotices, divergenceHtml } from "./views/notices.js";
import { createDataView } from "./views/data-view.js";
import { createLossChart } from "./views/loss-chart.js";
import { createNetworkView } from "./views/network-view.js";
import { FALLBACK_DATASETS, PRESETS } from "./presets.js";
import { createRenderLoop } from "./render-loop.js";
import { createSession } from "./session.js";
import { classCount, isLiveChange, normalizeSpec, paramShapes, validateSpec, withWeight } from "./spec.js";
import { createRecording, createSeries, fromHistory } from "./series.js";
import { createTransport } from "./views/transport.js";
import { createStudioClass } from "./class.js";
import { bindHeaderMenu } from "../shared/header-menu.js";
import { bindSidePanel } from "../shared/sheet.js";

const $ = (id) => document.getElementById(id);
const client = createApi({ patient: true, onBusy: (busy) => busy && toast("Server busy, retrying…") });

/** Everything the page shows, in one place (views read it; handlers replace parts of it). */
const app = {
  // what is built, and the builder's context
  spec: normalizeSpec(PRESETS[0].spec), presetId: PRESETS[0].id, datasets: FALLBACK_DATASETS,
  lessons: [], lessonPanels: null, csvName: null, csvError: null, errors: [],
  // the live model: data, weights, gradients, step, curves and the recording for the replay
  data: null, params: null, grads: null, step: 0, stepOffset: 0, buildNo: 0,
  series: createSeries(), recording: createRecording(), traces: [], graph: null,
  // how it is shown
  showGradients: false, theme: document.documentElement.dataset.theme || "light",
};

const hoverHint = () => (app.showGradients
  ? app.grads ? "Links show ∂L/∂w of the last step: blue +, orange −, width its size." : "Take a step: the links will show its ∂L/∂w."
  : "Links show weights: blue +, orange −. Click a link or a neuron to edit it.");

const notices = createNotices($("banner"), $("toast"), { onReconnect: () => session.reconnect() });
const showBanner = notices.banner;
const toast = notices.toast;

const network = createNetworkView($("network"), {
  onEditWeight: (l, i, j, v) => rebuildWithParams(withWeight(app.params, l, i, j, v)),
  onEditBias: (l, j, v) => rebuildWithParams(withWeight(app.params, l, null, j, v)),
  onHover: (text) => ($("hover-info").textContent = text ?? hoverHint()),
});
const dataView = createDataView($("data"));
const lossChart = createLossChart($("loss"));
const loop = createRenderLoop({ app, network, dataView, lossChart, transport: null });

const session = createSession(client, {
  onFrame: (msg) => frames.handle(msg),
  onModel: (model) => adoptModel(model),
  onError: (detail) => {
    toast(`server: ${typeof detail === "string" ? detail : JSON.stringify(detail)}`);
    setPlaying(false);
  },
  onStatus: (text) => {
    transport.update({ status: text === "live" ? "" : `connection: ${text}` });
    if (text === "live") return showBanner("");
    if (text !== "disconnected") return;
    setPlaying(false);
    showBanner(DISCONNECTED_HTML);
  },
});

const frames = createFrameHandler(app, {
  changed: (what) => {
    loop.mark(what);
    if (app.showGradients && app.grads && $("hover-info").textContent.startsWith("Take a step")) {
      $("hover-info").textContent = hoverHint();
    }
  },
  diverged: (d) => {
    setPlaying(false);
    showBanner(divergenceHtml(d));
  },
});

const transport = createTransport($("transport"), {
  onPlay: (rate) => {
    setPlaying(true);
    session.play(rate);
  },
  onPause: () => {
    setPlaying(false);
    session.pause();
  },
  onStep: () => session.step(),
  onReset: () => {
    showBanner("");
    session.reset();
  },
  onSpeed: (rate) => session.playing && session.play(rate),
  onGradients: (on) => {
    app.showGradients = on;
    $("hover-info").textContent = hoverHint();
    loop.mark("network");
  },
});
loop.transport = transport;

function setPlaying(on, { remember = true } = {}) {
  app.playing = on;
  transport.update({ playing: on });
  if (!on && remember) exporter.rememberInUrl();
}

const builder = createBuilder($("builder"), {
  onEdit: (field, raw) => {
    const before = app.spec;
    const { spec, structural } = applyEdit(before, field, raw, { datasets: app.datasets, classes: app.data?.classes });
    app.presetId = null;
    app.lessonPanels = null;
    if (field.startsWith("data.")) app.csvError = null; // other data now: an upload's error is old news
    if (structural) return build(spec);
    const errors = validateSpec(normalizeSpec(spec));
    if (errors.length || !isLiveChange(before, spec)) {
      // Weight decay and batch size: a new model that starts from the current weights.
      return errors.length ? renderBuilder(errors) : build({ ...spec, params: app.params }, { continueRun: true });
    }
    app.spec = spec;
    renderBuilder([]);
    session.config({ lr: spec.optimizer.lr });
  },
  onPreset: (id) => {
    if (lessonIdOf(id)) return openLesson(id);
    const preset = PRESETS.find((p) => p.id === id);
    Object.assign(app, { presetId: id, lessonPanels: null, csvError: null });
    if (preset) build(normalizeSpec(preset.spec));
  },
  onLessonPanel: (index) => {
    const panel = app.lessonPanels?.[index];
    if (!panel) return;
    app.panelIndex = index;
    build(normalizeSpec(panel.spec));
  },
  onCsv: async (file) => {
    try {
      const data = await client.uploadCsv(file);
      // The net is the user's own now: the preset menu no longer names the preset it started from.
      Object.assign(app, { csvName: file.name, csvError: null, presetId: null, lessonPanels: null });
      build(withCsvData(app.spec, data));
    } catch (err) {
      app.csvError = `${file.name}: ${err.message}`;
      renderBuilder();
    }
  },
  onNamedData: () => {
    app.csvError = null;
    build(withNamedData(app.spec));
  },
});

function renderBuilder(errors = app.errors) {
  app.errors = errors;
  builder.render(app.spec, {
    datasets: app.datasets,
    presetGroups: [
      { label: "Studio", items: PRESETS },
      { label: "Lessons", items: app.lessons.map((l) => ({ id: lessonPresetId(l.id), title: l.title })) },
    ],
    lessonPanels: app.lessonPanels,
    panelIndex: app.panelIndex,
    presetId: app.presetId,
    csvError: app.csvError,
    csvName: app.csvName,
    errors,
  });
}

/** Take a server Model as the current state (after create or a REST reset); `keep` continues the curves. */
function adoptModel(model, { keep = false } = {}) {
  app.params = model.params;
  app.grads = null;
  app.step = app.stepOffset + model.step;
  if (!keep) {
    app.series = fromHistory(model.history || []);
    app.recording = createRecording();
  }
  frames.record();
  loop.mark("all");
}

/**
 * Create the model of `spec` on the server and show it. With `continueRun` (a weight decay or batch
 * size change mid-run) the new model starts from the current weights, the step count and curves go
 * on, and training resumes if it was running.
 */
async function build(specIn, { continueRun = false } = {}) {
  const spec = normalizeSpec(specIn);
  app.spec = spec;
  const errors = validateSpec(spec);
  renderBuilder(errors);
  if (errors.length) return;
  const buildNo = ++app.buildNo;
  const resume = continueRun && app.playing;
  // Not remembered now: app.spec is already the new net but app.params still the old one's. The link is
  // written (and a class's presenter publishes it) once the new model is adopted below.
  setPlaying(false, { remember: false });
  // No training commands while the model is being made: they would go to no model.
  transport.update({ canTrain: false });
  showBanner("");
  try {
    const [model, data] = await Promise.all([session.create(spec), loadData(client, spec)]);
    if (buildNo !== app.buildNo) return;
    // A learning rate typed while the model was being made still counts.
    const lr = app.spec.optimizer.lr;
    app.spec = normalizeSpec({ ...spec, params: spec.params });
    if (lr !== spec.optimizer.lr) {
      app.spec.optimizer.lr = lr;
      session.config({ lr });
    }
    app.data = { ...data, classes: data.classes ?? classCount(data.y) };
    app.inputDim = data.x[0]?.length ?? 2;
    app.modelId = session.id;
    app.stepOffset = continueRun ? app.step : 0;
    app.testSet = null;
    app.graph = null;
    app.traces = [];
    network.setModel(app.spec, app.inputDim);
    dataView.setData(app.data, app.spec.output.kind);
    adoptModel(model, { keep: continueRun });
    renderBuilder([]);
    transport.update({ canTrain: true });
    if (resume) transport.resume();
    exporter.rememberInUrl();
    const test = await markTest(client, model.id, spec, data).catch(() => null);
    if (test && buildNo === app.buildNo) {
      app.data.test = test;
      app.testSet = { x: data.x.filter((_, i) => test[i]), y: data.y.filter((_, i) => test[i]) };
      dataView.setData(app.data, app.spec.output.kind);
    }
    if (buildNo === app.buildNo) {
      frames.seedSeries();
      loop.mark("all");
    }
  } catch (err) {
    if (buildNo === app.buildNo) renderBuilder([{ field: "server", message: err.message }]);
  } finally {
    if (buildNo === app.buildNo) transport.update({ canTrain: session.id !== null });
  }
}

/** Edited weights: a new model with explicit params; the step count and curves go on. */
function rebuildWithParams(params) {
  const fits = paramShapes(app.spec, app.inputDim).length === params.length;
  if (fits) build({ ...app.spec, params }, { continueRun: true });
}

const exporter = createExporter({ app, network, dataView, lossChart, toast, onLoadSpec: (spec) => build(spec), onRemember: () => classroom.changed() });
const classroom = createStudioClass({ api: client });

bindHeaderMenu(document.querySelector(".topbar .header-more"));
bindSidePanel({ button: $("toggle-builder"), panel: $("builder"), collapsedClass: "builder-collapsed", sheetOnly: true });
$("theme").addEventListener("click", (event) => {
  app.theme = app.theme === "dark" ? "light" : "dark";
  document.documentElement.dataset.theme = app.theme;
  Object.assign(event.currentTarget, { textContent: app.theme === "dark" ? "Light" : "Dark" });
  event.currentTarget.setAttribute("aria-pressed", String(app.theme === "dark"));
  loop.mark("all");
});
loop.relayoutOnResize([$("network"), $("data")]);

/** A lesson chosen as a preset: build its first model panel; an expression lesson belongs to the stepper. */
async function openLesson(presetId) {
  const lessonId = lessonIdOf(presetId);
  try {
    const panels = await lessonPanels(client, lessonId);
    if (!panels.length) {
      renderBuilder();
      return toast("This lesson is about a computation graph, not a net: open it in the stepper.");
    }
    Object.assign(app, { presetId, lessonPanels: panels, panelIndex: 0, csvError: null });
    build(normalizeSpec(panels[0].spec));
  } catch (err) {
    toast(`Lesson ${lessonId}: ${err.message}`);
  }
}

async function boot() {
  const shared = packedFromHash(location.hash);
  let spec = app.spec;
  if (shared) {
    try {
      const state = await unpackState(shared);
      spec = state.spec;
      app.presetId = state.presetId ?? null;
      if (state.theme && state.theme !== app.theme) $("theme").click();
      if (state.showGradients) $("show-grads").click();
    } catch (err) {
      showBanner(`<span>This share link could not be read: ${notices.escape(err.message)}.</span>`);
    }
  }
  renderBuilder();
  const catalog = loadCatalog(client).then(({ datasets, lessons }) => {
    if (datasets) app.datasets = datasets;
    app.lessons = lessons || [];
    renderBuilder();
  });
  await Promise.all([build(spec), catalog]);
  loop.start();
}

boot();
