import test from "node:test";
import assert from "node:assert/strict";
import { factText, factHtml, factNumber } from "../../../web/js/stepper/facts.js";

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

test("record keys read as the server's words; a null word hides a key", () => {
  const html = factHtml({ mdn_nll: -0.2749, gaussian_nll: -0.1507, mdn_better: true }, { mdn_nll: "NLL of the mixture", gaussian_nll: "NLL of the Gaussian", mdn_better: null });
  assert.match(html, /<th scope="row">NLL of the mixture<\/th><td>\u22120.2749<\/td>/);
  assert.doesNotMatch(html, /mdn_|yes|true/);
});

test("float64 rounding noise shows as 0, small real numbers do not", () => {
  assert.equal(factText([{ W: [[2.359e-16], [2.359e-16]], b: [0.49999999999999967] }]), "[W [[0], [0]], b [0.5]]");
  assert.equal(factNumber(-3e-13), "0");
  assert.equal(factNumber(4.54e-5), "4.54e\u22125");
  assert.equal(factText(true), "yes");
});

test("a matrix becomes a grid", () => {
  assert.equal(factHtml([[0, 0], [1, 0]]), '<table class="fact-matrix"><tbody><tr><td>0</td><td>0</td></tr><tr><td>1</td><td>0</td></tr></tbody></table>');
});

test("a column of curves becomes one line chart, not a table cell", () => {
  const curve = (a) => [10, 20, 30].map((step, i) => ({ step, loss: a - i * 0.1, test_loss: a }));
  const rows = [
    { panel: 0, title: "wide", train_loss: 0.08, curve: curve(0.5) },
    { panel: 1, title: "deep", train_loss: 0.2, curve: curve(0.6) },
  ];
  const html = factHtml(rows, { panel: null, title: "net", train_loss: "train loss", curve: "loss curves", loss: "train loss", test_loss: "test loss" });
  assert.match(html, /<thead><tr><th scope="col">net<\/th><th scope="col">train loss<\/th><\/tr><\/thead>/);
  assert.equal((html.match(/<path class="series-/g) ?? []).length, 4 + 2 + 2, "2 nets × 2 quantities drawn, and a legend of 2 nets and 2 quantities");
  assert.match(html, /aria-label="loss curves: wide train loss 0.5 to 0.3, test loss 0.5 to 0.5; deep/);
  assert.doesNotMatch(html, /step&|\[object|curve<|train_loss|test_loss/);
});
