/**
 * Lesson text → safe HTML: markdown by markdown-it (raw HTML disabled, so it is escaped), with $…$ and
 * $$…$$ math taken out first and handed to a renderer (KaTeX in the page), so markdown never touches TeX.
 * Pure: no DOM; the math renderer is passed in.
 */
import markdownit from "markdown-it";
import { escapeHtml } from "../shared/escape.js";

export { escapeHtml };

const md = markdownit({ html: false, linkify: false, typographer: false, breaks: false });

/** Split text into text and math segments: [{math: false, text} | {math: true, tex, display}]. */
export function splitMath(text) {
  const out = [];
  const re = /\$\$([\s\S]+?)\$\$|\$([^$\n]+?)\$/g;
  let last = 0;
  for (const m of text.matchAll(re)) {
    if (m.index > last) out.push({ math: false, text: text.slice(last, m.index) });
    out.push({ math: true, tex: m[1] ?? m[2], display: m[1] !== undefined });
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push({ math: false, text: text.slice(last) });
  return out;
}

// A placeholder markdown leaves alone (letters and digits only), unlikely in lesson text.
const PLACEHOLDER = /MATHSPAN(\d+)Z/g;

/** Markdown → HTML string. `renderMath(tex, display)` must return safe HTML. */
export function renderMarkdown(text, renderMath = (tex) => `<code>${escapeHtml(tex)}</code>`) {
  const spans = [];
  const source = splitMath(String(text ?? ""))
    .map((s) => (s.math ? `MATHSPAN${spans.push(s) - 1}Z` : s.text))
    .join("");
  return md
    .render(source)
    .trimEnd()
    .replace(PLACEHOLDER, (_, i) => renderMath(spans[Number(i)].tex, spans[Number(i)].display));
}
