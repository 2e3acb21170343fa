// The reveal.js plugin is a classic script (decks opened from disk load it across origins): run it in a
// fresh context, as a browser would, and check what it gives reveal.js.
import test from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import vm from "node:vm";

const code = readFileSync(new URL("../../web/plugins/reveal-backprop.js", import.meta.url), "utf8");

function load() {
  const window = {};
  vm.runInNewContext(code, { window });
  return window.RevealBackprop;
}

test("the script defines the plugin factory reveal.js registers", () => {
  const plugin = load()();
  assert.equal(plugin.id, "backprop-playground");
  assert.equal(typeof plugin.init, "function");
  assert.equal(typeof plugin.send, "function");
});

test("forwarded keys become reveal.js key codes", () => {
  const { keyCode } = load();
  assert.equal(keyCode("PageDown"), 34);
  assert.equal(keyCode("PageUp"), 33);
  assert.equal(keyCode("ArrowDown"), 40);
  assert.equal(keyCode("Home"), 36);
  assert.equal(keyCode("n"), 78);
  assert.equal(keyCode("B"), 66);
  assert.equal(keyCode("."), 190);
  assert.equal(keyCode("Escape"), 27);
  assert.equal(keyCode("ArrowRight"), 39); // the embed hands over → at its last step and ← at its first
  assert.equal(keyCode("ArrowLeft"), 37);
});

test("keys reveal.js does not take, and junk, give no key code", () => {
  const { keyCode } = load();
  for (const k of ["Tab", "F5", "é", "toString", "__proto__", "", 34, null, undefined, {}]) {
    assert.equal(keyCode(k), null, String(k));
  }
});

test("the plugin finds the embeds a slide asks to start at a step, and nothing else", () => {
  // init() with a minimal deck: on entering a slide, only iframes with a valid data-backprop-step get goto
  const sent = [];
  const frame = (step) => ({
    getAttribute: (n) => (n === "data-backprop-step" ? step : null),
    contentWindow: { postMessage: (m, target) => sent.push(JSON.parse(JSON.stringify([step, m, target]))) },
  });
  const frames = [frame("4"), frame(null), frame("-1"), frame("x"), frame(" ")];
  const slide = { querySelectorAll: () => frames, contains: () => true };
  const listeners = {};
  const deck = {
    on: (name, fn) => { listeners[name] = fn; },
    isReady: () => true,
    getCurrentSlide: () => slide,
    getRevealElement: () => slide,
  };
  const context = { window: { addEventListener() {} }, document: { activeElement: null } };
  vm.runInNewContext(code, context);
  context.window.RevealBackprop().init(deck);
  assert.deepEqual(sent, [["4", { source: "backprop-playground", command: "goto", step: 4 }, "*"]]);
  assert.equal(typeof listeners.slidechanged, "function");
});

test("an embed without a start step comes back at the step it last reported (a lazy iframe reloaded)", () => {
  const sent = [];
  const win = { postMessage: (m) => sent.push(JSON.parse(JSON.stringify(m))) };
  const frame = { getAttribute: () => null, contentWindow: win };
  const here = { querySelectorAll: () => [frame], contains: () => true };
  const away = { querySelectorAll: () => [], contains: () => false };
  const listeners = {};
  let messages = null;
  let current = here;
  const deck = {
    on: (name, fn) => { listeners[name] = fn; },
    isReady: () => true,
    getCurrentSlide: () => current,
    getRevealElement: () => here,
  };
  const context = { window: { addEventListener: (name, fn) => { messages = fn; } }, document: { activeElement: null } };
  vm.runInNewContext(code, context);
  context.window.RevealBackprop().init(deck);
  const report = (step) => messages({ source: win, data: { source: "backprop-playground", event: "step", step, total: 25 } });
  assert.deepEqual(sent, [], "nothing to restore the first time");
  report(0);
  report(5); // the presenter stepped to 5
  current = away;
  listeners.slidechanged({ currentSlide: away });
  current = here;
  listeners.slidechanged({ currentSlide: here });
  assert.deepEqual(sent.at(-1), { source: "backprop-playground", command: "goto", step: 5 }, "sent back on entry");
  sent.length = 0;
  report(0); // reveal.js reloaded it from its data-src: it starts over at its first URL's step
  assert.deepEqual(sent, [{ source: "backprop-playground", command: "goto", step: 5 }], "and again once loaded");
  report(5);
  report(6);
  assert.equal(sent.length, 1, "later steps are the presenter's: no more commands");
});
