/**
 * The lesson panel: title, the lecture slide it belongs to, panel tabs, the text (markdown with KaTeX)
 * and the facts it must make visible. `onPanel(index)` fires when a tab is chosen.
 */

import { renderMarkdown, escapeHtml } from "../markdown.js";
import { tex } from "./inspector.js";
import { factHtml, factText } from "../facts.js";

/** Fill the lesson menu (a <select>) with the lesson list. */
export function fillLessonMenu(select, lessons, current) {
  const options = lessons.map((l) => `<option value="${escapeHtml(l.id)}" title="${escapeHtml(l.summary ?? "")}">${escapeHtml(l.title)}</option>`);
  select.innerHTML = `<option value="">Choose a lesson…</option>${options.join("")}`;
  select.value = current ?? "";
}

/** Build the lesson panel in `root`. */
export function createLessonPanel(root, { onPanel = () => {} } = {}) {
  root.addEventListener("click", (ev) => {
    const tab = ev.target.closest("[data-panel]");
    if (tab) onPanel(Number(tab.dataset.panel));
  });

  /** Show a lesson (or nothing), with panel `index` selected. */
  function show(lesson, index = 0) {
    root.hidden = !lesson;
    if (!lesson) return;
    const panels = lesson.panels ?? [];
    const tabs = panels.length > 1
      ? `<div class="tabs" role="group" aria-label="Panels of this lesson">${panels.map((p, i) => `<button type="button" data-panel="${i}" aria-pressed="${i === index}">${escapeHtml(p.title ?? `Panel ${i + 1}`)}</button>`).join("")}</div>`
      : "";
    const facts = (lesson.facts ?? []).map((f) => `<li data-fact-id="${escapeHtml(f.id)}"><span class="fact-label">${renderMarkdown(f.label, tex).replace(/^<p>|<\/p>$/g, "")}</span> ${factHtml(f.value)}${expectation(f)}</li>`);
    root.innerHTML = `
      <p class="slide muted">${escapeHtml(lesson.slide ?? "")}</p>
      <h2 class="lesson-title">${escapeHtml(lesson.title)}</h2>
      ${tabs}
      <div class="lesson-text">${renderMarkdown(lesson.text ?? lesson.summary ?? "", tex)}</div>
      ${facts.length ? `<h3>Facts</h3><ul class="facts">${facts.join("")}</ul>` : ""}`;
  }

  return { show, element: root };
}

function expectation(f) {
  if (f.expected === undefined || f.expected === null) return "";
  const word = { less: "below", nonzero: "nonzero" }[f.compare] ?? "expected";
  const mark = f.passed === true ? `<span class="fact-ok" aria-label="holds">✓</span>` : f.passed === false ? `<span class="fact-bad" aria-label="does not hold">✗</span>` : "";
  const target = f.compare === "nonzero" || f.compare === "same_as" ? "" : ` ${factText(f.expected)}`;
  return ` ${mark} <span class="muted">(${word}${target})</span>`;
}
