import test from "node:test";
import assert from "node:assert/strict";
import { fileName, modelFile, moduleDataUrl, relativeImports, resolveModule, rewriteImports, scriptSafeJson, specFromFile, standaloneHtml, traceFile } from "../../../web/js/studio/packaging.js";

const spec = { hidden: [{ units: 2, activation: "relu" }], output: { kind: "linear", units: 1 } };
const params = [{ W: [[1, 1], [1, 1]], b: [0, -1] }, { W: [[1], [-2]], b: [0] }];

test("a model file loads back as the same spec and weights", () => {
  const loaded = specFromFile(JSON.parse(JSON.stringify(modelFile(spec, params, { step: 3 }))));
  assert.deepEqual(loaded.params, params);
  assert.deepEqual(loaded.hidden, spec.hidden);
  assert.deepEqual(specFromFile({ id: "m1", spec, params }).params, params);
  assert.throws(() => specFromFile({ hello: 1 }), /no model spec/);
});

test("relative imports are found and renamed for the import map by their path under /js/", () => {
  const src = 'import d3 from "d3";\nimport { a } from "./colors.js";\nimport "./side.js";\nimport { p } from "../shared/params.js";\n';
  assert.deepEqual(relativeImports(src), ["./colors.js", "./side.js", "../shared/params.js"]);
  assert.equal(rewriteImports(src, "studio/view.js"),
    'import d3 from "d3";\nimport { a } from "@app/studio/colors.js";\nimport "@app/studio/side.js";\nimport { p } from "@app/shared/params.js";\n');
  assert.equal(resolveModule("studio/replay.js", "../shared/tensor-decode.js"), "shared/tensor-decode.js");
  assert.equal(resolveModule("stepper/views/graph.js", "../trace.js"), "stepper/trace.js");
});

test("data JSON cannot close its script element", () => {
  const text = scriptSafeJson({ s: "</script><!--" });
  assert.ok(!text.includes("</"));
  assert.deepEqual(JSON.parse(text), { s: "</script><!--" });
});

test("the standalone page maps every module to a data URL and embeds the recording", () => {
  const html = standaloneHtml({
    title: "Moons <demo>", css: "body{}", modules: { "studio/replay.js": 'import "../shared/x.js";', "shared/x.js": "export const x = 1;" },
    d3Source: "globalThis.d3 = {};", recording: { frames: [{ step: 1 }] }, words: { symbols: { mul: "·" } },
  });
  const map = JSON.parse(html.match(/<script type="importmap">(.*?)<\/script>/s)[1]);
  assert.deepEqual(Object.keys(map.imports).sort(), ["@app/shared/x.js", "@app/studio/replay.js", "d3"]);
  const replay = Buffer.from(map.imports["@app/studio/replay.js"].split(",")[1], "base64").toString();
  assert.equal(replay, 'import "@app/shared/x.js";');
  assert.ok(html.includes("Moons &lt;demo&gt;"));
  assert.ok(html.includes('"frames":[{"step":1}]'));
  const words = JSON.parse(html.match(/<script type="application\/json" id="vocabulary">(.*?)<\/script>/s)[1]);
  assert.deepEqual(words, { symbols: { mul: "·" } }, "the page carries the vocabulary as a served page does");
  assert.match(moduleDataUrl("é"), /^data:text\/javascript;base64,/);
});

test("trace files number their events and file names are slugs", () => {
  const t = traceFile({ nodes: [] }, [{ type: "metrics" }, { type: "metrics" }]);
  assert.equal(t.schema_version, 1);
  assert.deepEqual(t.events.map((e) => e.seq), [0, 1]);
  assert.equal(fileName("Spiral: 2-16-16-3!", "svg"), "spiral-2-16-16-3.svg");
});
