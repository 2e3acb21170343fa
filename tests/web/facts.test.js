import test from "node:test";
import assert from "node:assert/strict";
import { factText, factHtml } from "../../web/js/facts.js";

test("numbers and lists print compactly", () => {
  assert.equal(factText(11.873127), "11.87");
  assert.equal(factText([[0, 0], [1, 0]]), "[[0, 0], [1, 0]]");
  assert.equal(factText(1.1579e-8), "1.158e\u22128");
});

test("a list of records becomes a table; contributions read 'value from node'", () => {
  const html = factHtml([{ node: "x", contributions: [{ from: "z", value: 1 }, { from: "a", value: 10.87 }], total: 11.87 }]);
  assert.match(html, /^<table class="fact-table"><thead><tr><th scope="col">node<\/th>/);
  assert.match(html, /<td>1 from z \+ 10.87 from a<\/td><td>11.87<\/td>/);
});

test("fact text is escaped", () => {
  assert.equal(factText("<b>"), "&lt;b&gt;");
});
