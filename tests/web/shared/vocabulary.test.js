import test from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { setVocabulary, vocabulary } from "../../../web/js/shared/vocabulary.js";
import { opSymbol } from "../../../web/js/stepper/trace.js";
import { texLabel } from "../../../web/js/stepper/formulas.js";

const served = JSON.parse(readFileSync(new URL("../fixtures/vocabulary.json", import.meta.url), "utf8"));

/** Run `fn` as a page whose #vocabulary element holds `text` (null: no such element). */
function onPage(text, fn) {
  const before = globalThis.document;
  globalThis.document = { getElementById: (id) => (id === "vocabulary" && text !== null ? { textContent: text } : null) };
  setVocabulary(null);
  try {
    return fn();
  } finally {
    globalThis.document = before;
    setVocabulary(served);
  }
}

test("a page reads the vocabulary it carries, once", () => {
  onPage(JSON.stringify({ ...served, symbols: { mul: "⊙" } }), () => {
    assert.equal(opSymbol("mul"), "⊙");
    globalThis.document = null; // read already: no second look at the page
    assert.equal(vocabulary().symbols.mul, "⊙");
  });
});

test("a page without the vocabulary says so rather than guess", () => {
  assert.throws(() => onPage(null, () => vocabulary()), /no vocabulary/);
  assert.throws(() => onPage("  ", () => vocabulary()), /no vocabulary/);
});

test("symbols and label LaTeX are the server's: no table of the client's own", () => {
  assert.equal(opSymbol("mul"), served.symbols.mul);
  assert.equal(opSymbol("sigmoid"), "σ");
  assert.equal(opSymbol("leaf"), "leaf"); // not an op: its name
  assert.equal(texLabel("σ(z₁)·Wᵀ"), `${served.tex["σ"]}(z_{1})${served.tex["·"]}W${served.tex["ᵀ"]}`);
  assert.equal(texLabel("ŷ"), "\\hat{y}");
  assert.equal(texLabel("a_b{c}"), "a_b\\{c\\}"); // TeX's own characters escaped, '_' kept for subscripts
});
