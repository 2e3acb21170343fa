import test from "node:test";
import assert from "node:assert/strict";
import {
  decodeState, encodeState, defaultState, parseValues, formatValues, variablesOf, embedSnippet, withSource, sourceOf,
} from "../../../web/js/shared/state.js";

test("a full state survives a round trip through the URL", () => {
  const state = {
    ...defaultState(),
    lesson: "xor-relu", panel: 1, step: 17, node: "n4", view: "s2s", theme: "projector", speed: 2,
    weights: [{ W: [[1, 1], [1, 1]], b: [0, -1] }], rows: 4,
  };
  assert.deepEqual(decodeState(encodeState(state)), state);
});

test("an expression with values survives a round trip", () => {
  const state = { ...defaultState(), expr: "sigmoid(w*x + b)", values: { w: 0.5, x: -2, b: 1 }, step: 3 };
  const query = encodeState(state);
  assert.deepEqual(decodeState(`?${query}`), state);
});

test("defaults are left out of the URL", () => {
  assert.equal(encodeState(defaultState()), "");
  assert.equal(encodeState({ ...defaultState(), lesson: "softmax" }), "lesson=softmax");
});

test("the gradient table's drawer is kept open in the URL, and only 'open' opens it", () => {
  assert.equal(encodeState({ ...defaultState(), table: "open" }), "table=open");
  assert.equal(decodeState("table=open").table, "open");
  assert.equal(decodeState("table=1").table, null);
});

test("malformed values fall back to defaults", () => {
  const s = decodeState("step=abc&theme=neon&spec={oops&view=graph");
  assert.equal(s.step, 0);
  assert.equal(s.theme, "light");
  assert.equal(s.spec, null);
});

test("values parse from a typed list and print back", () => {
  assert.deepEqual(parseValues("w=0.5, x=2 b=\u22121"), { w: 0.5, x: 2, b: -1 });
  assert.equal(parseValues("w=oops"), null);
  assert.equal(formatValues({ x: 2, y: -1 }), "x=2,y=-1");
});

test("variables of an expression leave functions out", () => {
  assert.deepEqual(variablesOf("sigmoid(w*x + b) + w"), ["w", "x", "b"]);
});

test("the embed snippet is an iframe of /embed with the state", () => {
  const s = embedSnippet("https://x.org", { ...defaultState(), lesson: "xor-relu", step: 5 });
  assert.match(s, /^<iframe src="https:\/\/x.org\/embed\?lesson=xor-relu&amp;step=5"/);
});

test("choosing a new source clears the old one and the step", () => {
  const s = withSource({ ...defaultState(), lesson: "softmax", step: 9 }, { expr: "x*x", values: { x: 3 } });
  assert.equal(s.lesson, null);
  assert.equal(s.step, 0);
  assert.equal(sourceOf(s), "expression");
});

test("names assigned in the expression are not variables", () => {
  assert.deepEqual(variablesOf("h = w*x; h*h + x.T"), ["w", "x"]);
});

test("vector and matrix values parse, print and survive the URL", () => {
  const values = { x: [1, -2.5], W: [[1, 0], [0, 1]], b: 0.5 };
  assert.deepEqual(parseValues("x=[1, -2.5], W=[[1,0],[0,1]] b=0.5"), values);
  assert.deepEqual(parseValues(formatValues(values)), values);
  const state = { ...defaultState(), expr: "W @ x + b", values };
  assert.deepEqual(decodeState(encodeState(state)), state);
  assert.equal(parseValues("x=[1, oops]"), null);
});

test("a saved model's id is a source of its own, below an explicit spec", () => {
  const s = decodeState("model=abc123&step=4");
  assert.equal(s.model, "abc123");
  assert.equal(sourceOf(s), "model");
  assert.equal(sourceOf({ ...s, spec: { hidden: [] } }), "spec");
  assert.equal(withSource(s, { lesson: "softmax" }).model, null);
});

test("text in quotes names no variable (so a bad expression does not rewrite the values)", () => {
  assert.deepEqual(variablesOf("__import__('os')"), []);
  assert.deepEqual(variablesOf('a = "q" + y; a*z'), ["y", "z"]);
});

test("the server's function names are not variables, even written without a call", () => {
  const functions = new Set(["relu", "sum"]);
  assert.deepEqual(variablesOf("relu + w*sum(x)", functions), ["w", "x"]);
  assert.deepEqual(variablesOf("relu + w*sum(x)"), ["relu", "w", "x"], "without the list only calls are left out");
});
