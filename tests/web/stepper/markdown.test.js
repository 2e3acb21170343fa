import test from "node:test";
import assert from "node:assert/strict";
import { renderMarkdown, splitMath, escapeHtml } from "../../../web/js/stepper/markdown.js";

const math = (tex, display) => `[${display ? "D" : "I"}:${tex}]`;

test("HTML in lesson text is escaped", () => {
  assert.equal(renderMarkdown("<img src=x onerror=alert(1)>"), "<p>&lt;img src=x onerror=alert(1)&gt;</p>");
  assert.equal(escapeHtml(`"'&`), "&quot;&#39;&amp;");
});

test("blank lines separate paragraphs; bold and code are marked up", () => {
  assert.equal(renderMarkdown("a **b**\nc\n\n`d`"), "<p>a <strong>b</strong>\nc</p>\n<p><code>d</code></p>");
});

test("lists become ul and ol", () => {
  assert.equal(renderMarkdown("- one\n- two"), "<ul>\n<li>one</li>\n<li>two</li>\n</ul>");
  assert.equal(renderMarkdown("1. one\n2. two"), "<ol>\n<li>one</li>\n<li>two</li>\n</ol>");
});

test("inline and display math go to the math renderer, unescaped by markdown", () => {
  assert.equal(renderMarkdown("so $a<b$ and $$x^2$$", math), "<p>so [I:a<b] and [D:x^2]</p>");
  assert.deepEqual(splitMath("$x$").map((s) => s.math), [true]);
});

test("math is not touched by bold or italic rules", () => {
  assert.equal(renderMarkdown("$a*b*c$", math), "<p>[I:a*b*c]</p>");
});
