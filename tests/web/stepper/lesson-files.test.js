import test from "node:test";
import assert from "node:assert/strict";
import { loadSource } from "../../../web/js/stepper/source.js";
import { menuTitle, problemText } from "../../../web/js/stepper/views/lesson.js";
import { decodeState } from "../../../web/js/shared/state.js";

const TRACE = { schema_version: 1, graph: { nodes: [] }, events: [] };

function fakeApi() {
  const calls = [];
  return {
    calls,
    expression: async (e) => (calls.push(["expression", e]), TRACE),
    specStep: async (spec) => (calls.push(["specStep", spec]), TRACE),
  };
}

test("a lesson opened from a file is shown when the URL names nothing else", async () => {
  const api = fakeApi();
  const lesson = { id: "from-disk", title: "From my disk", panels: [{ title: "p", expression: { source: "x*y", values: { x: 2, y: 3 } } }] };
  const loaded = await loadSource(api, decodeState(""), new Map(), { file: { name: "06-disk.md", lesson } });
  assert.equal(loaded.kind, "file");
  assert.equal(loaded.file, "06-disk.md");
  assert.equal(loaded.lesson, lesson);
  assert.deepEqual(api.calls[0], ["expression", { source: "x*y", values: { x: 2, y: 3 }, mode: "numeric" }]);
  // an expression in the URL wins over the file
  const typed = await loadSource(api, decodeState("expr=a%2Bb&values=a%3D1%2Cb%3D2"), new Map(), { file: { name: "06-disk.md", lesson } });
  assert.equal(typed.kind, "expression");
  assert.equal(typed.lesson, undefined);
});

test("a file that cannot be shown is thrown with its error, as a broken lesson is", async () => {
  const error = { file: "07-broken.md", line: 9, message: 'panel 0: "values" must map names to numbers' };
  await assert.rejects(loadSource(fakeApi(), decodeState(""), new Map(), { file: { name: "07-broken.md", error } }),
    (err) => err.error === error && err.message === error.message);
});

test("a broken lesson reads as the menu and the error card write it", () => {
  assert.equal(menuTitle({ id: "intro", title: "03-intro.md", error: { file: "03-intro.md", line: 14, message: "m" } }), "⚠ 03-intro.md (cannot be shown)");
  assert.equal(menuTitle({ id: "tiny", title: "A tiny lesson" }), "A tiny lesson");
  assert.equal(problemText({ file: "03-intro.md", line: 14, message: 'panel 2: "values" must map names to numbers' }),
    '03-intro.md:14: panel 2: "values" must map names to numbers');
  assert.equal(problemText({ message: "network error" }), "network error");
});
