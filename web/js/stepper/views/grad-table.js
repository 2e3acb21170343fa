/**
 * The gradient table: a drawer over the left of the graph with one row per node that has received its
 * gradient so far — each contribution with its source and the running total after it, the total, and
 * "final" once no consumer is pending — following the steps, the row of the current event highlighted.
 * A toggle button at the end of the controls' narration line opens it. The drawer carries the class
 * `covers-graph` (data-covers "left"): the graph treats it as covering that side.
 */

import { formatCompact, gradientTable } from "../ledger.js";
import { formatBrief } from "../../shared/format.js";
import { nonFiniteKinds } from "../nonfinite.js";

const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
let count = 0;

/**
 * Build the drawer inside `host` (positioned) and its toggle button in `controlsEl`.
 * `onToggle(fn)` sets who hears of opening and closing (fn(open)); `onSelect(nodeId)` fires when a row's
 * node name is clicked (the stepper opens its inspector).
 */
export function createGradTable(host, controlsEl, { open = false, onSelect = () => {} } = {}) {
  const id = `grad-table-${++count}`;
  const drawer = document.createElement("aside");
  drawer.id = id;
  drawer.className = "grad-table covers-graph";
  drawer.dataset.covers = "left";
  drawer.setAttribute("aria-label", "Gradient table");
  drawer.innerHTML = `<header><h2>Gradients so far</h2><button type="button" class="close" aria-label="Close the gradient table" title="Close">×</button></header>
    <div class="scroll"><table><thead><tr><th scope="col">∂L/∂</th><th scope="col" title="each contribution ← the node it came from; Σ: the running total after it">contributions ← from</th><th scope="col">total</th></tr></thead><tbody></tbody></table>
    <p class="empty">No gradient yet: step into the backward pass.</p></div>`;
  host.append(drawer);
  const button = document.createElement("button");
  button.type = "button";
  button.className = "grad-table-toggle";
  button.innerHTML = `<span class="glyph" aria-hidden="true">∂Σ</span> <span class="label">Gradient table</span>`;
  button.title = "Gradient table: each node's contributions, running total and final value";
  button.setAttribute("aria-controls", id);
  controlsEl.classList.add("has-grad-table");
  controlsEl.append(button);
  // the narration keeps clear of the button, whose width follows the theme's type (record.css)
  const room = () => controlsEl.style.setProperty("--grad-toggle-room", `${Math.ceil(button.offsetWidth) + 24}px`);
  if (globalThis.ResizeObserver) new ResizeObserver(room).observe(button);
  else room();
  const state = { open: false, trace: null, frame: null, onToggle: () => {} };

  function setOpen(value) {
    state.open = !!value;
    drawer.hidden = !state.open;
    button.setAttribute("aria-expanded", String(state.open));
    if (state.open) render();
    state.onToggle(state.open);
  }
  button.addEventListener("click", () => setOpen(!state.open));
  drawer.querySelector(".close").addEventListener("click", () => { setOpen(false); button.focus(); });
  drawer.addEventListener("click", (ev) => {
    const link = ev.target.closest("button.node-link");
    if (link) onSelect(link.closest("tr").dataset.nodeId);
  });
  drawer.addEventListener("keydown", (ev) => { if (ev.key === "Escape") { ev.stopPropagation(); setOpen(false); button.focus(); } });

  function update(trace, frame) {
    state.trace = trace;
    state.frame = frame;
    if (state.open) render();
  }

  function render() {
    if (!state.trace || !state.frame) return;
    const rows = gradientTable(state.trace, state.frame);
    drawer.querySelector(".empty").hidden = rows.length > 0;
    drawer.querySelector("tbody").innerHTML = rows.map(rowHtml).join("");
    drawer.querySelector("tr.current")?.scrollIntoView?.({ block: "nearest" });
  }

  setOpen(open);
  return { update, setOpen, isOpen: () => state.open, onToggle: (fn) => { state.onToggle = fn; }, element: drawer, button };
}

function rowHtml(r) {
  const terms = r.seed ? `<li class="seed">1 <span class="from">seed</span></li>`
    : r.terms.map((t) => `<li title="${esc(formatBrief(t.value))} from ${esc(t.fromLabel)}"><span class="num">${esc(formatCompact(t.value, { withShape: true }))}</span> <span class="from">← ${esc(t.fromLabel)}</span>`
      + (r.terms.length > 1 ? ` <span class="running" title="running total">Σ ${esc(formatCompact(t.total))}</span>` : "") + "</li>").join("");
  const status = r.final ? `<span class="grad-state final">final ✓</span>` : `<span class="grad-state pending">${r.pending} pending</span>`;
  const bad = nonFiniteKinds(r.total).length ? " nonfinite" : "";
  return `<tr data-node-id="${esc(r.id)}" class="${r.current ? "current" : ""}${r.final ? " final" : ""}${bad}"${r.current ? ' aria-current="true"' : ""}>`
    + `<th scope="row"><button type="button" class="node-link" title="Inspect ${esc(r.label)}">${esc(r.label)}</button></th><td><ul class="terms">${terms}</ul></td>`
    + `<td class="total" data-total="${esc(JSON.stringify(r.total?.data ?? null))}" title="${esc(formatBrief(r.total))}"><span class="num">${esc(formatCompact(r.total, { withShape: true }))}</span> ${status}</td></tr>`;
}
