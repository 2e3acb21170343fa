import test from "node:test";
import assert from "node:assert/strict";
import { edgeKey, hostKey } from "../../../web/js/stepper/hostkeys.js";

const key = (k, extra = {}) => ({ key: k, defaultPrevented: false, target: { closest: () => null }, ...extra });

test("clicker keys and keys the embed does not use go to the deck", () => {
  for (const k of ["PageDown", "PageUp", "Home", "End", "ArrowUp", "ArrowDown", "Escape", "n", "b", ".", "F"]) {
    assert.equal(hostKey(key(k)), k);
  }
});

test("keys the embed used (marked with preventDefault) stay in the embed", () => {
  for (const k of ["ArrowRight", "ArrowLeft", "+", "-", "0"]) assert.equal(hostKey(key(k, { defaultPrevented: true })), null);
});

test("space, Tab, Enter, modifiers alone and function keys are not forwarded", () => {
  for (const k of [" ", "Tab", "Enter", "Shift", "Control", "F5", "Unidentified"]) assert.equal(hostKey(key(k)), null);
});

test("browser shortcuts and typing in a field are not forwarded", () => {
  assert.equal(hostKey(key("n", { ctrlKey: true })), null);
  assert.equal(hostKey(key("PageDown", { altKey: true })), null);
  assert.equal(hostKey(key("r", { metaKey: true })), null);
  assert.equal(hostKey(key("PageDown", { target: { closest: (s) => (s.includes("select") ? {} : null) } })), null);
  assert.equal(hostKey(key("PageDown", { target: null })), "PageDown");
  assert.equal(hostKey(null), null);
  assert.equal(hostKey({ key: 34 }), null);
});

test("→ at the last step and ← at the first go to the deck; elsewhere they step the embed", () => {
  assert.equal(edgeKey(key("ArrowRight"), { step: 11, total: 11 }), "ArrowRight");
  assert.equal(edgeKey(key("ArrowLeft"), { step: 0, total: 11 }), "ArrowLeft");
  assert.equal(edgeKey(key("ArrowRight"), { step: 10, total: 11 }), null);
  assert.equal(edgeKey(key("ArrowLeft"), { step: 1, total: 11 }), null);
  assert.equal(edgeKey(key("ArrowRight"), { step: 0, total: 0 }), "ArrowRight"); // nothing to step
  for (const k of ["PageDown", "Escape", "n", " "]) assert.equal(edgeKey(key(k), { step: 11, total: 11 }), null);
});

test("at the ends, modified arrows and arrows in a field stay in the embed", () => {
  const end = { step: 11, total: 11 };
  for (const mod of ["shiftKey", "altKey", "ctrlKey", "metaKey", "defaultPrevented"]) {
    assert.equal(edgeKey(key("ArrowRight", { [mod]: true }), end), null, mod);
  }
  assert.equal(edgeKey(key("ArrowRight", { target: { closest: () => ({}) } }), end), null);
  assert.equal(edgeKey(null, end), null);
});
