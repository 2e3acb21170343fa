// The classic script that starts a page saved for offline use: run it in a fresh context, as a browser would,
// on a packed document made as export.py makes it (gzip, then base64).
import test from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import vm from "node:vm";

const code = readFileSync(new URL("../../../web/js/shared/unpack.js", import.meta.url), "utf8");
const PACKED = {
  entry: "@offline/js/stepper/embed.js",
  style: "body { color: #123; } /* ünïcode */",
  modules: {
    "@offline/js/stepper/embed.js": 'import x from "@offline/js/lib/x.js";\nconsole.log(x, "100% & #1");',
    "@offline/js/lib/x.js": "export default 'é';",
  },
};

function fakeDocument(packedText) {
  const added = [];
  const elements = { status: { textContent: "", hidden: true, dataset: {} } };
  if (packedText !== null) elements["backprop-playground-packed"] = { textContent: packedText };
  return {
    added,
    elements,
    documentElement: { dataset: {} },
    head: { append: (el) => added.push(el) },
    body: { appendChild: (el) => el },
    getElementById: (id) => elements[id] ?? null,
    createElement: (tag) => ({ tag, dataset: {}, textContent: "" }),
  };
}

function run(doc, extra = {}) {
  const window = { atob, Blob, Response, DecompressionStream, document: doc, ...extra };
  vm.runInNewContext(code, { window });
  return window;
}

const until = async (check) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(check(), "the page started");
};

test("the packed styles, import map and entry are added, in that order", async () => {
  const text = gzipSync(Buffer.from(JSON.stringify(PACKED))).toString("base64").replace(/(.{76})/g, "$1\n");
  const doc = fakeDocument(text);
  run(doc);
  await until(() => doc.documentElement.dataset.unpacked === "true");
  const [style, map, entry] = doc.added;
  assert.equal(style.tag, "style");
  assert.equal(style.textContent, PACKED.style);
  assert.equal(map.type, "importmap");
  const { imports } = JSON.parse(map.textContent);
  assert.deepEqual(Object.keys(imports).sort(), Object.keys(PACKED.modules).sort());
  for (const [name, url] of Object.entries(imports)) {
    assert.ok(url.startsWith("data:text/javascript;charset=utf-8,"), name);
    assert.equal(decodeURIComponent(url.slice(url.indexOf(",") + 1)), PACKED.modules[name]);
  }
  assert.equal(entry.type, "module");
  assert.equal(entry.textContent, 'import "@offline/js/stepper/embed.js";');
  assert.equal(doc.elements.status.hidden, true);
});

test("a browser without DecompressionStream, or a damaged page, says why it cannot start", async () => {
  const text = gzipSync(Buffer.from(JSON.stringify(PACKED))).toString("base64");
  const old = fakeDocument(text);
  run(old, { DecompressionStream: undefined });
  await until(() => old.documentElement.dataset.unpacked === "true");
  assert.equal(old.added.length, 0);
  assert.equal(old.elements.status.hidden, false);
  assert.match(old.elements.status.textContent, /cannot start: .*DecompressionStream/);

  const damaged = fakeDocument(Buffer.from("not gzip at all").toString("base64"));
  run(damaged);
  await until(() => damaged.documentElement.dataset.unpacked === "true");
  assert.equal(damaged.added.length, 0);
  assert.match(damaged.elements.status.textContent, /^This page cannot start: /);
});
