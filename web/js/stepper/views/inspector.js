/**
 * The inspector: the selected node's forward formula, each local derivative with the current numbers
 * plugged in, the accumulation of its gradient (KaTeX), the code that ran (the op's forward and VJPs in
 * Python, GET /ops `source`; folded until opened) and a "check gradient" button.
 */

import katex from "katex";
import { formatShape, formatTensor } from "../../shared/format.js";
import { accumulation, accumulationText, gradStatus } from "../timeline.js";
import { forwardTex, localTex, accumulationTex, texTensor } from "../formulas.js";
import { escapeHtml } from "../../shared/escape.js"; // not markdown.js: the embed needs no markdown-it
import { nest } from "../weights.js";
import { codeThatRan } from "../opcode.js";

/** Render LaTeX to HTML; a formula KaTeX cannot parse shows as code instead of failing. */
export function tex(src, display = false) {
  try {
    return katex.renderToString(src, { displayMode: display, throwOnError: false, strict: "ignore", output: "htmlAndMathml" });
  } catch {
    return `<code>${escapeHtml(src)}</code>`;
  }
}

/**
 * Build the inspector in `root`. `checkGradient(nodeId)` resolves to {numeric, analytic, relError, note}
 * or rejects; `canCheck(nodeId)` says whether the button applies; `onClose()` closes it. `ops` is the op
 * table of GET /ops (its formula templates), or set later with `setOps`; a page without it (offline) shows
 * each node's op by name and its local derivatives as VJP_k.
 */
export function createInspector(root, { checkGradient, canCheck = () => false, canEdit = () => false, onEdit = () => {}, onClose = () => {}, ops = null }) {
  root.classList.add("inspector");
  const state = { timeline: null, frame: null, nodeId: null, ops: opsByName(ops) };

  root.addEventListener("click", (ev) => {
    const btn = ev.target.closest("button");
    if (!btn) return;
    if (btn.dataset.act === "close") onClose();
    if (btn.dataset.act === "check") runCheck(btn);
  });
  // the code that ran stays open (or folded) from step to step and node to node, as the reader left it
  let codeOpen = false;
  root.addEventListener("toggle", (ev) => {
    if (ev.target.matches?.("details.code-ran")) codeOpen = ev.target.open;
  }, true);
  root.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const text = root.querySelector(".edit-value textarea").value;
    const out = root.querySelector(".edit-value .error");
    try {
      onEdit(state.nodeId, JSON.parse(text));
      out.textContent = "";
    } catch (err) {
      out.textContent = err instanceof SyntaxError ? "Write the value as JSON, e.g. [[1, 0], [0, 1]]" : err.message;
    }
  });

  /** Shown or hidden; the attribute is written only when it changes (the graph refits on every change). */
  function show(visible) {
    if (root.hidden === visible) root.hidden = !visible;
  }

  function setOps(list) {
    state.ops = opsByName(list);
    render();
  }

  /** Show `nodeId` of the timeline at `frame` (hidden when null). */
  function update(timeline, frame, nodeId) {
    state.timeline = timeline;
    state.frame = frame;
    state.nodeId = nodeId;
    show(!!nodeId);
    render();
  }

  function render() {
    const { timeline, frame, nodeId } = state;
    if (!timeline || !nodeId || !timeline.trace.nodeById.has(nodeId)) {
      show(false);
      return;
    }
    const trace = timeline.trace;
    const node = trace.nodeById.get(nodeId);
    const inputs = node.inputs.map((id) => ({ node: trace.nodeById.get(id), value: frame.values.get(id) ?? null }));
    const value = frame.values.get(nodeId) ?? null;
    const grad = frame.grads.get(nodeId);
    const opInfo = state.ops.get(node.op);
    const sections = [header(node), forwardSection(node, inputs, value, opInfo)];
    if (node.inputs.length) sections.push(localSection(trace, frame, node, inputs, grad, opInfo));
    sections.push(accumulationSection(timeline, frame, nodeId));
    sections.push(codeSection(node, opInfo));
    const upd = frame.updates.get(nodeId);
    if (upd) sections.push(`<section><h3>Update</h3><div class="formula">${tex(`\\Delta = ${texTensor(upd.delta)} \\quad\\to\\quad ${texTensor(upd.value)}`, true)}</div></section>`);
    if (canEdit(nodeId) && value) sections.push(editSection(node, value));
    if (canCheck(nodeId)) sections.push(`<section class="gradcheck"><button type="button" data-act="check">Check gradient</button><p class="gradcheck-result" aria-live="polite"></p></section>`);
    root.innerHTML = sections.join("");
  }

  function header(node) {
    const kind = node.inputs.length ? node.op : node.role;
    return `<header class="inspector-head"><h2><span class="swatch cat-${escapeHtml(node.phase === "backward" ? "grad" : node.role)}"></span>${escapeHtml(node.label || node.id)}</h2>
      <span class="muted">${escapeHtml(kind)} · ${escapeHtml(formatShape(node.shape))} · ${escapeHtml(node.id)}</span>
      <button type="button" class="icon close" data-act="close" aria-label="Close inspector">×</button></header>`;
  }

  function forwardSection(node, inputs, value, opInfo) {
    const general = opInfo?.forward_latex && node.inputs.length ? `<div class="formula general" title="the op in general: inputs a, b, output y">${tex(`y = ${opInfo.forward_latex}`, true)}</div>` : "";
    const body = value || node.inputs.length ? tex(forwardTex(node, inputs, value, opInfo), true) : "<p class='muted'>not computed yet</p>";
    return `<section><h3>Forward</h3>${general}<div class="formula">${body}</div></section>`;
  }

  function localSection(trace, frame, node, inputs, grad, opInfo) {
    const items = node.inputs.map((inputId, k) => {
      const sent = frame.grads.get(inputId)?.contributions.find((c) => c.from === node.id && c.inputIndex === k);
      const name = "abcdefgh"[k] ?? `x_{${k}}`;
      const general = opInfo?.vjp_latex?.[k] ? `<div class="formula general" title="the contribution in general, ȳ the upstream gradient">${tex(`\\bar{${name}} \\mathrel{+}= ${opInfo.vjp_latex[k]}`, true)}</div>` : "";
      const lines = localTex(node, k, inputs, grad?.total ?? null, sent?.value ?? null, opInfo);
      const waiting = sent ? "" : `<p class="muted">not sent yet</p>`;
      return `<li>${general}${lines.map((l) => `<div class="formula">${tex(l, true)}</div>`).join("")}${waiting}</li>`;
    });
    return `<section><h3>Local derivatives</h3><ol class="locals">${items.join("")}</ol></section>`;
  }

  function codeSection(node, opInfo) {
    const blocks = codeThatRan(node, opInfo);
    if (!blocks.length) return "";
    const body = blocks.map((b) => `<h4>${escapeHtml(b.title)}</h4><pre><code>${escapeHtml(b.code)}</code></pre>`).join("");
    return `<section><details class="code-ran"${codeOpen ? " open" : ""}><summary><h3>Code that ran</h3></summary>${body}</details></section>`;
  }

  function accumulationSection(timeline, frame, nodeId) {
    const acc = accumulation(timeline, frame, nodeId);
    if (!acc) {
      const expected = timeline.expected.get(nodeId) ?? 0;
      return `<section><h3>Gradient</h3><p class="muted">waiting for ${expected} contribution${expected === 1 ? "" : "s"}</p></section>`;
    }
    const status = gradStatus(frame, nodeId);
    return `<section><h3>Gradient <span class="status status-${status}">${status}</span></h3>
      <div class="formula accumulation">${tex(accumulationTex(acc), true)}</div>
      <p class="accumulation-text">${escapeHtml(accumulationText(timeline, frame, nodeId))}</p></section>`;
  }

  function editSection(node, value) {
    const json = JSON.stringify(nest(value.data, value.shape));
    return `<section><h3>Edit value</h3><form class="edit-value">
      <label for="edit-value-input" class="visually-hidden">New value of ${escapeHtml(node.label)} as JSON</label>
      <textarea id="edit-value-input" rows="2" spellcheck="false">${escapeHtml(json)}</textarea>
      <button type="submit">Apply and re-trace</button><p class="error" role="alert"></p></form></section>`;
  }

  async function runCheck(btn) {
    const out = root.querySelector(".gradcheck-result");
    btn.disabled = true;
    out.textContent = "checking…";
    try {
      const r = await checkGradient(state.nodeId);
      const verdict = r.relError < 1e-4 ? "agrees" : "DISAGREES";
      out.innerHTML = `finite difference <strong class="fd">${escapeHtml(formatTensor(r.numeric, 6))}</strong>, backprop <strong>${escapeHtml(formatTensor(r.analytic, 6))}</strong>,
        relative error <strong class="relerr">${escapeHtml(r.relError.toExponential(1))}</strong>: ${verdict}.<br><span class="muted">${escapeHtml(r.note ?? "")}</span>`;
    } catch (err) {
      out.innerHTML = `<span class="error">${escapeHtml(err.message)}</span>`;
    } finally {
      btn.disabled = false;
    }
  }

  return { update, setOps, render, element: root };
}

function opsByName(list) {
  return new Map((list ?? []).map((o) => [o.name, o]));
}
