/**
 * The lesson panel: title, the lecture slide it belongs to, panel tabs, the text (markdown with KaTeX),
 * the controls of a model panel (re-initialise with a seed, train N steps, show the solution) and the facts
 * it must make visible. `onPanel(index)` fires when a tab is chosen, `onControl({action, seed, steps})` when
 * a control is pressed (action "reinitialise", "train" or "solution").
 */

import { renderMarkdown, escapeHtml } from "../markdown.js";
import { tex } from "./inspector.js";
import { factHtml, factText } from "../facts.js";
import { formatNumber } from "../../shared/format.js";

/** Fill the lesson menu (a <select>) with the lesson list; a lesson file that cannot be shown says so. */
export function fillLessonMenu(select, lessons, current) {
  const options = lessons.map((l) => `<option value="${escapeHtml(l.id)}" title="${escapeHtml(l.summary ?? "")}"${l.error ? ' data-error="true"' : ""}>${escapeHtml(menuTitle(l))}</option>`);
  select.innerHTML = `<option value="">Choose a lesson…</option>${options.join("")}`;
  select.value = current ?? "";
}

/** A lesson's line in the menu: its title, or for a file that cannot be shown "⚠ name (cannot be shown)". */
export function menuTitle(lesson) {
  return lesson.error ? `⚠ ${lesson.error.file ?? lesson.title} (cannot be shown)` : lesson.title;
}

/** Where a lesson file's problem is, as `lessons check` writes it: "03-intro.md:14: message". */
export function problemText({ file, line, message } = {}) {
  const place = file ? `${file}${line ? `:${line}` : ""}: ` : "";
  return `${place}${message ?? "the lesson cannot be shown"}`;
}

/** Build the lesson panel in `root`. */
export function createLessonPanel(root, { onPanel = () => {}, onControl = () => {} } = {}) {
  const memory = { key: null, seed: null, steps: null, note: null, kind: "info" };
  root.addEventListener("click", (ev) => {
    const tab = ev.target.closest("[data-panel]");
    if (tab) onPanel(Number(tab.dataset.panel));
    const button = ev.target.closest("[data-control]");
    if (button) control(button.dataset.control);
  });
  root.addEventListener("change", (ev) => {
    if (ev.target.name === "seed") memory.seed = ev.target.value;
    if (ev.target.name === "steps") memory.steps = ev.target.value;
  });

  function control(action) {
    const seed = Number(root.querySelector('[name="seed"]')?.value);
    const steps = Number(root.querySelector('[name="steps"]')?.value);
    if (action === "reinitialise" && !(Number.isInteger(seed) && seed >= 0)) return note("The seed must be a whole number, 0 or more.", "error");
    if (action === "train" && !(Number.isInteger(steps) && steps >= 1)) return note("Steps must be a whole number, 1 or more.", "error");
    onControl({ action, seed, steps });
  }

  /**
   * Show a lesson (or nothing), with panel `index` selected; `loss` is the loss of the model shown, `file` the
   * name of the file it was opened from (shown here, not stored on the server).
   */
  function update(lesson, index = 0, { loss = null, file = null } = {}) {
    root.hidden = !lesson;
    delete root.dataset.error;
    if (!lesson) return;
    const key = `${lesson.id}/${index}`;
    if (key !== memory.key) Object.assign(memory, { key, seed: null, steps: null, note: null });
    const panels = lesson.panels ?? [];
    const tabs = panels.length > 1
      ? `<div class="tabs" role="group" aria-label="Panels of this lesson">${panels.map((p, i) => `<button type="button" data-panel="${i}" aria-pressed="${i === index}">${escapeHtml(p.title ?? `Panel ${i + 1}`)}</button>`).join("")}</div>`
      : "";
    const facts = (lesson.facts ?? []).map((f) => `<li data-fact-id="${escapeHtml(f.id)}"><span class="fact-label">${renderMarkdown(f.label, tex).replace(/^<p>|<\/p>$/g, "")}</span> ${factHtml(f.value, f.fields)}${expectation(f)}</li>`);
    const opened = file ? `<p class="lesson-origin" data-file="${escapeHtml(file)}">Opened from the file <strong>${escapeHtml(file)}</strong>: shown here, not stored on the server.</p>` : "";
    root.innerHTML = `
      ${opened}
      <p class="slide muted">${escapeHtml(lesson.slide ?? "")}</p>
      <h2 class="lesson-title">${escapeHtml(lesson.title)}</h2>
      ${tabs}
      <div class="lesson-text">${renderMarkdown(lesson.text ?? lesson.summary ?? "", tex)}</div>
      ${controlsHtml(panels[index], loss)}
      ${facts.length ? `<h3>Facts</h3><ul class="facts">${facts.join("")}</ul>` : ""}`;
  }

  function controlsHtml(panel, loss) {
    if (!panel?.spec || !(panel.retrain || panel.solution)) return "";
    const retrain = panel.retrain ?? {};
    const seed = memory.seed ?? retrain.seed ?? 0;
    const steps = memory.steps ?? retrain.steps ?? 100;
    const lossLine = loss === null ? "" : `<p class="panel-loss">Loss of the weights shown: <strong data-loss="${loss}">${escapeHtml(formatNumber(loss, 4))}</strong></p>`;
    const rows = [];
    if (panel.retrain) {
      rows.push(`<div class="row"><label>Seed <input name="seed" type="number" min="0" step="1" value="${escapeHtml(String(seed))}"></label><button type="button" data-control="reinitialise">Re-initialise</button></div>`);
      rows.push(`<div class="row"><label>Steps <input name="steps" type="number" min="1" step="1" value="${escapeHtml(String(steps))}"></label><button type="button" data-control="train">Train</button></div>`);
    }
    if (panel.solution) rows.push(`<div class="row"><button type="button" data-control="solution" title="${escapeHtml(panel.solution)}">Show the solution</button></div>`);
    const message = memory.note ? `<p class="panel-note" data-kind="${memory.kind}" role="${memory.kind === "error" ? "alert" : "status"}">${escapeHtml(memory.note)}</p>` : `<p class="panel-note" role="status" hidden></p>`;
    return `<section class="panel-controls" aria-label="Try it on this net">${lossLine}${rows.join("")}${message}</section>`;
  }

  /**
   * A lesson that cannot be shown: a card with the file, the line and what is wrong ({file, line, message});
   * `file` when it was opened from a file rather than chosen in the menu.
   */
  function showError(problem, { file = null } = {}) {
    memory.key = null;
    root.hidden = false;
    root.dataset.error = "true";
    const where = problem.file ? `<code>${escapeHtml(problem.file)}${problem.line ? `:${problem.line}` : ""}</code>: ` : "";
    root.innerHTML = `
      <div class="lesson-error" role="alert">
        <h2 class="lesson-title">This lesson cannot be shown</h2>
        <p class="lesson-error-message" data-problem="${escapeHtml(problemText(problem))}">${where}${escapeHtml(problem.message ?? "")}</p>
        <p class="muted">${file ? "Fix the file and open it again" : "Fix the file and reload the page"}, or choose another lesson.</p>
      </div>`;
  }

  /** A line under the controls (kept across re-renders of the same panel); null clears it. */
  function note(text, kind = "info") {
    Object.assign(memory, { note: text, kind });
    const el = root.querySelector(".panel-note");
    if (!el) return;
    el.hidden = !text;
    el.textContent = text ?? "";
    el.dataset.kind = kind;
    el.setAttribute("role", kind === "error" ? "alert" : "status");
  }

  /** Disable the controls while an action runs. */
  function busy(on) {
    for (const b of root.querySelectorAll("[data-control]")) b.disabled = on;
  }

  return { update, showError, note, busy, element: root };
}

function expectation(f) {
  if (f.expected === undefined || f.expected === null) return "";
  const mark = f.passed === true ? `<span class="fact-ok" aria-label="holds">✓</span>` : f.passed === false ? `<span class="fact-bad" aria-label="does not hold">✗</span>` : "";
  // a value that holds and reads exactly as expected needs only the mark
  if (typeof f.expected === "boolean" || f.compare === "same_as" || (f.passed && f.compare === "close" && factText(f.value) === factText(f.expected))) return ` ${mark}`;
  // a threshold reads as the inequality that holds (or not): "1.477 > 0.5 ✓", never "1.477 ✓ (expected 0.5)"
  const sign = { less: "&lt;", greater: "&gt;" }[f.compare];
  if (sign) return ` <span class="fact-compare">${sign} ${escapeHtml(factText(f.expected))}</span> ${mark}`;
  const word = { nonzero: "nonzero" }[f.compare] ?? "expected";
  const target = f.compare === "nonzero" ? "" : ` ${factText(f.expected)}`;
  return ` ${mark} <span class="muted">(${word}${target})</span>`;
}
