/**
 * Lesson text → safe HTML: HTML escaped, paragraphs, **bold**, *italic*, `code`, lists, $…$ and $$…$$
 * math handed to a renderer (KaTeX in the page). Pure: no DOM; the math renderer is passed in.
 */

/** Escape the five HTML-special characters. */
export function escapeHtml(s) {
  return String(s)
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

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

/** Inline markup of a text segment that is not math (escaped first). */
function inline(text) {
  return escapeHtml(text)
    .replace(/`([^`]+)`/g, "<code>$1</code>")
    .replace(/\*\*([^*]+)\*\*/g, "<strong>$1</strong>")
    .replace(/(^|[^*])\*([^*\s][^*]*)\*/g, "$1<em>$2</em>");
}

/** Inline markup of a line with math. */
export function renderInline(text, renderMath) {
  return splitMath(text)
    .map((s) => (s.math ? renderMath(s.tex, s.display) : inline(s.text)))
    .join("");
}

/** Markdown subset → HTML string. `renderMath(tex, display)` must return safe HTML. */
export function renderMarkdown(text, renderMath = (tex) => `<code>${escapeHtml(tex)}</code>`) {
  const blocks = String(text ?? "").replace(/\r\n/g, "\n").split(/\n\s*\n/);
  return blocks.map((b) => renderBlock(b.trim(), renderMath)).filter(Boolean).join("\n");
}

function renderBlock(block, renderMath) {
  if (!block) return "";
  const lines = block.split("\n");
  if (lines.every((l) => /^\s*([-*]|\d+\.)\s+/.test(l))) {
    const tag = /^\s*\d+\./.test(lines[0]) ? "ol" : "ul";
    const items = lines.map((l) => `<li>${renderInline(l.replace(/^\s*([-*]|\d+\.)\s+/, ""), renderMath)}</li>`);
    return `<${tag}>${items.join("")}</${tag}>`;
  }
  const heading = /^(#{1,4})\s+(.*)$/.exec(block);
  if (heading && lines.length === 1) {
    const level = Math.min(heading[1].length + 2, 6);
    return `<h${level}>${renderInline(heading[2], renderMath)}</h${level}>`;
  }
  return `<p>${renderInline(lines.join(" "), renderMath)}</p>`;
}
