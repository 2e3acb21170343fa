import test from "node:test";
import assert from "node:assert/strict";
import { codeThatRan } from "../../../web/js/stepper/opcode.js";

const MUL = { name: "mul", arity: 2, source: { forward: "lambda a, b: a * b", vjps: ["lambda g, a, b, out: g * b", "lambda g, a, b, out: g * a"] } };

test("an op's forward and one VJP per input, titled", () => {
  const blocks = codeThatRan({ id: "n2", op: "mul", inputs: ["n0", "n1"] }, MUL);
  assert.deepEqual(blocks.map((b) => b.title), ["forward: mul", "VJP to input a", "VJP to input b"]);
  assert.equal(blocks[2].code, "lambda g, a, b, out: g * a");
});

test("a variadic op shows its one VJP builder", () => {
  const concat = { name: "concat", arity: null, source: { forward: "def concat(*xs): ...", vjps: ["def make(k): ..."] } };
  const blocks = codeThatRan({ op: "concat", inputs: ["a", "b", "c"] }, concat);
  assert.deepEqual(blocks.map((b) => b.title), ["forward: concat", "VJP (built for each input k)"]);
});

test("nothing for a leaf, an op without source, or a source that could not be read", () => {
  assert.deepEqual(codeThatRan({ op: null, inputs: [] }, MUL), []);
  assert.deepEqual(codeThatRan({ op: "mul", inputs: ["a", "b"] }, { name: "mul", arity: 2 }), []);
  assert.deepEqual(codeThatRan({ op: "mul", inputs: ["a", "b"] }, undefined), []);
  const partial = codeThatRan({ op: "mul", inputs: ["a", "b"] }, { ...MUL, source: { forward: null, vjps: [null, "g * a"] } });
  assert.deepEqual(partial.map((b) => b.title), ["VJP to input b"]);
});
