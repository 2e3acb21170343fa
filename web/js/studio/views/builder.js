/**
 * The builder: presets, data (named dataset or CSV), hidden layers, output and loss, optimizer.
 * Owns its form; every committed edit is reported as (field, rawValue); `render(spec, ctx)` redraws.
 */
import { vocabulary } from "../../shared/vocabulary.js";
import { LIMITS } from "../spec.js";
import { morphHtml } from "./morph.js";

const esc = (t) => String(t ?? "").replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
const opts = (values, selected, label = (v) => v) =>
  values.map((v) => `<option value="${esc(v)}"${v === selected ? " selected" : ""}>${esc(label(v))}</option>`).join("");
const LABELS = {
  leaky_relu: "leaky ReLU", prelu: "PReLU", relu: "ReLU", abs: "abs (|z|)", mixture_density: "mixture density",
  binary_cross_entropy: "binary cross-entropy", cross_entropy: "cross-entropy", mse: "squared error", mixture_nll: "mixture NLL",
  sgd: "SGD", momentum: "momentum", adam: "Adam",
};
const label = (v) => LABELS[v] || v;

function counter(name, value, min, max, title) {
  return `<span class="stepper-input" data-counter="${name}">
    <button type="button" data-delta="-1" aria-label="fewer ${title}"${value <= min ? " disabled" : ""}>−</button>
    <output aria-label="${title}">${value}</output>
    <button type="button" data-delta="1" aria-label="more ${title}"${value >= max ? " disabled" : ""}>+</button></span>`;
}

function layerRow(layer, i) {
  const { enums } = vocabulary();
  const extra = [];
  if (layer.activation === "leaky_relu" || layer.activation === "prelu") {
    const initial = layer.activation === "prelu" ? "0.25" : "0.01";
    extra.push(`<label><span>α</span><input type="number" step="0.01" name="hidden.${i}.alpha" placeholder="${initial}" value="${layer.alpha ?? ""}"></label>`);
  }
  if (layer.activation === "maxout") {
    extra.push(`<label><span>pieces</span><input type="number" min="2" max="${LIMITS.pieces}" name="hidden.${i}.pieces" value="${layer.pieces ?? 2}"></label>`);
  }
  return `<div class="layer-row" data-layer="${i}">
    <span class="name">h${i + 1}</span>${counter(`hidden.${i}.units`, layer.units, 1, LIMITS.units, `units of layer ${i + 1}`)}
    <select name="hidden.${i}.activation" aria-label="activation of layer ${i + 1}">${opts(enums.activation, layer.activation, label)}</select>
    ${extra.length ? `<div class="opts">${extra.join("")}</div>` : ""}</div>`;
}

function dataSection(spec, ctx) {
  const data = spec.data;
  if (data.x) {
    return `<p class="hint">Your CSV “${esc(ctx.csvName || "data")}”: ${data.x.length} rows, ${data.x[0]?.length} features.</p>
      <div class="row"><button type="button" data-action="named-data">Back to a named dataset</button></div>`;
  }
  const info = ctx.datasets.find((d) => d.name === data.dataset);
  const classes = info && info.task === "multiclass"
    ? `<label><span>classes</span><input type="number" min="2" max="8" name="data.classes" value="${data.classes ?? info.classes}"></label>` : "";
  return `<div class="row"><label><span>dataset</span><select name="data.dataset">${opts(ctx.datasets.map((d) => d.name), data.dataset, (n) => n.replace("_", " "))}</select></label></div>
    <div class="row"><label><span>n</span><input type="number" min="4" max="${LIMITS.n}" name="data.n" value="${data.n ?? info?.n ?? ""}"></label>
    <label><span>noise</span><input type="number" min="0" step="0.01" name="data.noise" value="${data.noise ?? info?.noise ?? ""}"></label></div>
    <div class="row"><label><span>seed</span><input type="number" min="0" name="data.seed" value="${data.seed ?? 0}"></label>
    <label><span>test</span><input type="number" min="0" max="0.9" step="0.05" name="data.test_fraction" value="${data.test_fraction ?? ""}" aria-label="test fraction"></label>${classes}</div>`;
}

function formHtml(spec, ctx) {
  const { enums, default_loss } = vocabulary();
  const presetGroups = ctx.presetGroups.map((g) => `<optgroup label="${esc(g.label)}">${g.items.map((p) =>
    `<option value="${esc(p.id)}"${p.id === ctx.presetId ? " selected" : ""}>${esc(p.title)}</option>`).join("")}</optgroup>`).join("");
  const lossChoices = ["", ...enums.loss];
  return `<fieldset class="preset"><legend>Start from</legend>
      <select name="preset" aria-label="preset"><option value="">(your own net)</option>${presetGroups}</select>
      ${ctx.lessonPanels?.length > 1 ? `<select name="lesson-panel" aria-label="lesson panel">${ctx.lessonPanels.map((p, i) =>
    `<option value="${i}"${i === ctx.panelIndex ? " selected" : ""}>${esc(p.title.split(" · ").slice(1).join(" · ") || p.title)}</option>`).join("")}</select>` : ""}</fieldset>
    <fieldset><legend>Data</legend>${dataSection(spec, ctx)}
      <div class="row"><label class="file-button">Upload CSV… <input type="file" name="csv" accept=".csv,text/csv"></label></div>
      <p class="hint">Header row; numeric columns; the target last.</p>
      ${ctx.csvError ? `<p class="csv-error" role="alert" data-error="csv">${esc(ctx.csvError)}</p>` : ""}</fieldset>
    <fieldset><legend>Hidden layers</legend>
      <div class="row">${counter("layers", spec.hidden.length, 0, LIMITS.layers, "hidden layers")}<span class="hint">layers</span></div>
      ${spec.hidden.map(layerRow).join("")}</fieldset>
    <fieldset><legend>Output</legend>
      <div class="row"><label><span>unit</span><select name="output.kind">${opts(enums.output_kind, spec.output.kind, label)}</select></label>
      ${spec.output.kind === "mixture_density" ? `<label><span>K</span><input type="number" min="1" max="${LIMITS.components}" name="output.components" value="${spec.output.components ?? 3}"></label>` : ""}</div>
      <div class="row"><label><span>loss</span><select name="loss">${opts(lossChoices, spec.loss || "", (v) => (v ? label(v) : `matching (${label(default_loss[spec.output.kind])})`))}</select></label></div></fieldset>
    <fieldset><legend>Training</legend>
      <div class="row"><label><span>optimizer</span><select name="optimizer.name">${opts(enums.optimizer, spec.optimizer.name, label)}</select></label></div>
      <div class="row"><label><span>learning rate</span><input type="number" min="0" step="any" name="optimizer.lr" value="${spec.optimizer.lr}"></label></div>
      <div class="row"><label><span>batch</span><input type="number" min="1" name="batch_size" placeholder="all" value="${spec.batch_size ?? ""}"></label>
      <label><span>decay λ</span><input type="number" min="0" step="any" name="weight_decay" value="${spec.weight_decay ?? 0}"></label></div>
      <div class="row"><label><span>init seed</span><input type="number" min="0" name="seed" value="${spec.seed ?? 0}"></label></div></fieldset>
    ${ctx.errors?.length ? `<div class="field-error" role="alert">${ctx.errors.map((e) => esc(e.message)).join("<br>")}</div>` : ""}`;
}

export function createBuilder(root, { onEdit, onPreset, onLessonPanel, onCsv, onNamedData }) {
  const form = document.createElement("form");
  form.className = "builder-form";
  form.addEventListener("submit", (e) => e.preventDefault());
  root.append(form);
  let current = null;
  let shownHtml = "";

  form.addEventListener("change", (event) => {
    const el = event.target;
    if (el.name === "preset") return el.value && onPreset(el.value);
    if (el.name === "lesson-panel") return onLessonPanel(Number(el.value));
    if (el.name === "csv") {
      const file = el.files[0];
      el.value = ""; // so choosing the same file again (after fixing it) is a change too
      return file && onCsv(file);
    }
    if (el.name) onEdit(el.name, el.value);
  });
  form.addEventListener("click", (event) => {
    const button = event.target.closest("button");
    if (!button) return;
    if (button.dataset.action === "named-data") return onNamedData();
    const holder = button.closest("[data-counter]");
    if (!holder || !current) return;
    const name = holder.dataset.counter;
    const now = Number(holder.querySelector("output").textContent);
    onEdit(name, String(now + Number(button.dataset.delta)));
  });

  return {
    /** Redraw for a spec and its context {datasets, presetGroups, presetId, csvError, csvName, errors}. */
    render(spec, ctx) {
      current = spec;
      // Re-writing an unchanged form would throw away what the user is typing or choosing right now.
      const html = formHtml(spec, ctx);
      if (html === shownHtml) return;
      shownHtml = html;
      morphHtml(form, html);
    },
    get form() {
      return form;
    },
  };
}
