/**
 * Export and share: network and boundary as SVG/PNG, the latest trace and the model as JSON, the
 * offline replay page, the share link (also kept in the address bar while paused), and loading a
 * model file back.
 */
import { fileName, modelFile, relativeImports, resolveModule, specFromFile, standaloneHtml, traceFile } from "./packaging.js";
import { replayRecording } from "./replay-data.js";
import { saveBlob, svgImage } from "../shared/files.js";
import { packForLink } from "../shared/state.js";
import { vocabulary } from "../shared/vocabulary.js";

const SVG_NS = "http://www.w3.org/2000/svg";

const jsonBlob = (value) => new Blob([JSON.stringify(value, null, 1)], { type: "application/json" });

/** A standalone SVG of a view: its SVG with computed colours, canvases as images, on the page colour. */
function standaloneSvg(host, svgEl, canvases) {
  const box = host.getBoundingClientRect();
  const clone = svgEl.cloneNode(true);
  clone.setAttribute("xmlns", SVG_NS);
  clone.setAttribute("width", box.width);
  clone.setAttribute("height", box.height);
  clone.setAttribute("viewBox", `0 0 ${box.width} ${box.height}`);
  const styles = getComputedStyle(document.body);
  const copyStyle = (from, to) => {
    const cs = getComputedStyle(from);
    for (const prop of ["fill", "fill-opacity", "stroke", "stroke-width", "stroke-dasharray", "stroke-opacity",
      "stroke-linecap", "vector-effect", "opacity", "font-size", "font-weight", "font-family", "font-style"]) {
      to.style.setProperty(prop, cs.getPropertyValue(prop));
    }
  };
  const originals = svgEl.querySelectorAll("*");
  clone.querySelectorAll("*").forEach((el, i) => copyStyle(originals[i], el));
  const bg = document.createElementNS(SVG_NS, "rect");
  Object.entries({ width: box.width, height: box.height, fill: styles.getPropertyValue("background-color") })
    .forEach(([k, v]) => bg.setAttribute(k, v));
  const images = document.createElementNS(SVG_NS, "g");
  // Round the heatmaps' corners as the page does (CSS border-radius does not travel into SVG).
  const clip = document.createElementNS(SVG_NS, "clipPath");
  clip.setAttribute("id", "rounded");
  clip.setAttribute("clipPathUnits", "objectBoundingBox");
  clip.innerHTML = '<rect width="1" height="1" rx="0.14"/>';
  images.append(clip);
  for (const canvas of canvases) {
    if (canvas.classList.contains("blank") || !canvas.width) continue;
    const r = canvas.getBoundingClientRect();
    const img = document.createElementNS(SVG_NS, "image");
    Object.entries({ x: r.left - box.left, y: r.top - box.top, width: r.width, height: r.height, href: canvas.toDataURL(), preserveAspectRatio: "none" })
      .forEach(([k, v]) => img.setAttribute(k, v));
    if (canvases.length > 1) img.setAttribute("clip-path", "url(#rounded)");
    images.append(img);
  }
  clone.prepend(bg, images);
  return { text: new XMLSerializer().serializeToString(clone), width: box.width, height: box.height };
}

async function svgToPng({ text, width, height }, scale = 2) {
  const img = await svgImage(text);
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(width * scale);
  canvas.height = Math.round(height * scale);
  canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
  return await new Promise((resolve) => canvas.toBlob(resolve, "image/png"));
}

/** Source texts of a module and everything it imports relatively, keyed by their path under `base`. */
async function moduleClosure(entry, base = "/js/") {
  const sources = {};
  const queue = [entry];
  while (queue.length) {
    const name = queue.shift();
    if (sources[name]) continue;
    const response = await fetch(base + name);
    if (!response.ok) throw new Error(`could not read ${name} (${response.status})`);
    sources[name] = await response.text();
    for (const spec of relativeImports(sources[name])) queue.push(resolveModule(name, spec));
  }
  return sources;
}

async function fetchTrace(id) {
  const response = await fetch(`/api/v1/models/${encodeURIComponent(id)}/trace`);
  if (!response.ok) throw new Error(`the server has no trace (${response.status})`);
  return response.json();
}

async function text(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`could not read ${url} (${response.status})`);
  return response.text();
}

export function createExporter({ app, network, dataView, lossChart, toast, onLoadSpec, onRemember = () => {} }) {
  const title = () => `${app.spec.name || "studio"} step ${app.step}`;
  const shareState = () => ({
    spec: { ...app.spec, params: app.params }, presetId: app.presetId, theme: app.theme,
    showGradients: app.showGradients, step: app.step,
  });

  const actions = {
    "network-svg": () => saveBlob(fileName(`${title()} network`, "svg"), new Blob([networkSvg().text], { type: "image/svg+xml" })),
    "network-png": async () => saveBlob(fileName(`${title()} network`, "png"), await svgToPng(networkSvg())),
    "data-svg": () => saveBlob(fileName(`${title()} boundary`, "svg"), new Blob([dataSvg().text], { type: "image/svg+xml" })),
    "data-png": async () => saveBlob(fileName(`${title()} boundary`, "png"), await svgToPng(dataSvg())),
    "loss-svg": () => saveBlob(fileName(`${title()} loss`, "svg"), new Blob([lossSvg().text], { type: "image/svg+xml" })),
    "loss-png": async () => saveBlob(fileName(`${title()} loss`, "png"), await svgToPng(lossSvg())),
    trace: async () => {
      // The latest training step's trace; before any step, the server's trace at the current weights.
      const last = app.traces.at(-1);
      const trace = app.graph && last ? traceFile(app.graph, last.events) : await fetchTrace(app.modelId);
      saveBlob(fileName(`${title()} trace`, "json"), jsonBlob(trace));
    },
    model: () => saveBlob(fileName(`${app.spec.name || "model"} model`, "json"),
      jsonBlob(modelFile(app.spec, app.params, { step: app.step, history: app.series.points }))),
    replay: async () => {
      const [modules, d3Source, css] = await Promise.all([
        moduleClosure("studio/replay.js"), text("/vendor/d3/dist/d3.min.js"), text("/css/studio.css"),
      ]);
      const recording = replayRecording(app, title());
      const html = standaloneHtml({ title: `${title()} · replay`, css, modules, d3Source, recording, words: vocabulary(), theme: app.theme });
      saveBlob(fileName(`${app.spec.name || "studio"} replay`, "html"), new Blob([html], { type: "text/html" }));
    },
  };

  function networkSvg() {
    return standaloneSvg(network.element, network.svg, network.element.querySelectorAll("canvas"));
  }
  function lossSvg() {
    return standaloneSvg(lossChart.svg, lossChart.svg, []);
  }
  function dataSvg() {
    return standaloneSvg(dataView.element, dataView.svg, [dataView.canvas]);
  }

  document.querySelector("#export-menu .menu-items").addEventListener("click", async (event) => {
    const kind = event.target.closest("button")?.dataset.export;
    if (!kind) return;
    event.target.closest("details").open = false;
    try {
      await actions[kind]();
    } catch (err) {
      toast(`Export failed: ${err.message}`);
    }
  });

  document.getElementById("load-model").addEventListener("change", async (event) => {
    const file = event.target.files[0];
    event.target.value = "";
    if (!file) return;
    try {
      onLoadSpec(specFromFile(JSON.parse(await file.text())));
      event.target.closest("details").open = false;
    } catch (err) {
      toast(`${file.name}: ${err.message}`);
    }
  });

  async function link() {
    const result = await packForLink(shareState());
    if (result.error) throw new Error(result.error);
    return { url: `${location.origin}/studio#s=${result.fragment}`, rounded: result.rounded };
  }

  document.getElementById("share").addEventListener("click", async () => {
    try {
      const { url, rounded } = await link();
      history.replaceState(null, "", url);
      await navigator.clipboard?.writeText(url).catch(() => {});
      const button = document.getElementById("share");
      button.dataset.url = url;
      toast(`Link copied (${url.length} characters${rounded ? ", weights rounded to 5 digits" : ""}).`);
    } catch (err) {
      toast(`No link: ${err.message}`);
    }
  });

  return {
    /** Keep the current state in the address bar (so a reload or a slide iframe comes back to it). */
    async rememberInUrl() {
      if (!app.params) return;
      const result = await packForLink(shareState()).catch(() => ({ error: true }));
      if (result.error) return;
      // the path and query stay (a class's follower keeps its ?follow=)
      history.replaceState(null, "", `${location.pathname}${location.search}#s=${result.fragment}`);
      onRemember(); // a class's presenter publishes the new state
    },
    actions,
  };
}
