// The deck script for any host (Marp, …) is a classic script: run it in a fresh context with a minimal page
// and check which keys it presses on the deck for the embed's messages.
import test from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import vm from "node:vm";

const code = readFileSync(new URL("../../web/plugins/backprop-keys.js", import.meta.url), "utf8");

class KeyboardEvent {
  constructor(type, init) {
    Object.assign(this, { type, keyCode: 0, which: 0, ...init });
  }
}

/** A page with one embed (its window `embedWindow`); returns the message handler and what was pressed. */
function page({ visible = true } = {}) {
  const pressed = [];
  const listeners = {};
  const embedWindow = {};
  const frame = {
    tagName: "IFRAME",
    contentWindow: embedWindow,
    blurred: 0,
    blur() { this.blurred++; doc.activeElement = doc.body; },
    checkVisibility: () => visible,
    getBoundingClientRect: () => ({ width: 960, height: 540, left: 0, top: 0, right: 960, bottom: 540 }),
  };
  const doc = {
    body: { tagName: "BODY", dispatchEvent: (ev) => pressed.push(ev) },
    documentElement: {},
    activeElement: null,
    querySelectorAll: (s) => (s === "iframe" ? [frame] : []),
  };
  doc.activeElement = frame;
  frame.ownerDocument = doc;
  const window = {
    document: doc,
    KeyboardEvent,
    innerWidth: 1280,
    innerHeight: 720,
    addEventListener: (type, fn) => { listeners[type] = fn; },
    requestAnimationFrame: () => 0,
  };
  doc.defaultView = window;
  vm.runInNewContext(code, { window });
  const send = (data, source = embedWindow) => listeners.message({ data, source });
  return { send, pressed, frame, window };
}

const key = (k) => ({ source: "backprop-playground", event: "key", key: k });

test("a key from the page's own embed is pressed on the deck: keydown, keyup, key, code and keyCode", () => {
  const { send, pressed } = page();
  send(key("PageDown"));
  assert.deepEqual(pressed.map((e) => [e.type, e.key, e.code, e.keyCode, e.which, e.bubbles]), [
    ["keydown", "PageDown", "PageDown", 34, 34, true],
    ["keyup", "PageDown", "PageDown", 34, 34, true],
  ]);
  for (const [k, code, keyCode] of [["ArrowRight", "ArrowRight", 39], ["ArrowLeft", "ArrowLeft", 37],
    ["Escape", "Escape", 27], ["n", "KeyN", 78], ["B", "KeyB", 66], ["1", "Digit1", 49], [".", "Period", 190]]) {
    pressed.length = 0;
    send(key(k));
    assert.deepEqual([pressed[0].key, pressed[0].code, pressed[0].keyCode], [k, code, keyCode], k);
  }
});

test("messages that are not keys, not ours or not from an embed of the page press nothing", () => {
  const { send, pressed } = page();
  send({ source: "backprop-playground", event: "step", step: 3 });
  send({ source: "other", event: "key", key: "PageDown" });
  send(key("PageDown"), {});
  send(key("Tab"));
  send(key(""));
  send(key(34));
  send(null);
  send("slide:stop");
  assert.deepEqual(pressed, []);
});

test("the deck gets the keyboard back once the embed's slide is gone, not while it shows", () => {
  const shown = page({ visible: true });
  shown.send(key("b"));
  assert.equal(shown.frame.blurred, 0);
  const gone = page({ visible: false });
  gone.send(key("PageDown"));
  assert.equal(gone.frame.blurred, 1);
});
