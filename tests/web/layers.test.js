// The front end's folders have one direction, as the server's floors do (tests/test_layers.py): `shared/`
// imports no other folder of web/js, `classroom/` imports only `shared/`, and a page's folder (`stepper/`,
// `studio/`) never imports the other page's. The exception lists are empty on purpose.
import test from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const JS = resolve(dirname(fileURLToPath(import.meta.url)), "../../web/js");
const ALLOWED = {
  shared: [],
  lib: [],
  classroom: ["shared"],
  stepper: ["shared", "classroom"],
  studio: ["shared", "classroom"],
};
const EXCEPTIONS = [];

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : name.endsWith(".js") ? [path] : [];
  });
}

/** Every relative module a file imports (static `import … from`, `export … from` and `import(…)`). */
function imports(path) {
  const text = readFileSync(path, "utf8");
  const found = [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^"';]*?from\s*["']([^"']+)["']/g),
    ...text.matchAll(/import\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]);
  return found.filter((spec) => spec.startsWith("."));
}

/** The folder of web/js a path lies in ("" for a file directly in web/js). */
const folderOf = (path) => (relative(JS, path).includes("/") ? relative(JS, path).split("/")[0] : "");

test("each folder of web/js imports only the folders below it", () => {
  const wrong = [];
  for (const file of files(JS)) {
    const from = folderOf(file);
    if (!(from in ALLOWED)) continue;
    for (const spec of imports(file)) {
      const to = folderOf(resolve(dirname(file), spec));
      if (to === from || ALLOWED[from].includes(to)) continue;
      const edge = `${relative(JS, file)} → ${spec}`;
      if (!EXCEPTIONS.includes(edge)) wrong.push(edge);
    }
  }
  assert.deepEqual(wrong, []);
});

test("the check sees imports: the pages import classroom/ and shared/", () => {
  const seen = new Set(files(join(JS, "stepper")).flatMap((f) => imports(f).map((s) => folderOf(resolve(dirname(f), s)))));
  assert.ok(seen.has("classroom") && seen.has("shared"), [...seen].join(", "));
  assert.deepEqual(Object.keys(ALLOWED).sort(), readdirSync(JS).filter((n) => statSync(join(JS, n)).isDirectory()).sort(),
    "every folder of web/js has its place here");
});

test("no shipped module writes debugging output to the console (console.log, console.debug)", () => {
  const found = [];
  for (const path of files(JS)) {
    readFileSync(path, "utf8").split("\n").forEach((line, i) => {
      if (/\bconsole\.(log|debug)\s*\(/.test(line)) found.push(`${relative(JS, path)}:${i + 1}`);
    });
  }
  assert.deepEqual(found, []);
});
