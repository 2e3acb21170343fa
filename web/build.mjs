// The front end as served to a hall: each page's modules bundled and minified by esbuild, its stylesheets
// joined into one file, every output named by its content (so it can be cached for a year) and stored
// beside a brotli and a gzip copy (the server sends the one a browser asks for).
//
//   node web/build.mjs        writes web/dist/ (`make deps` runs it when a source is newer than the build)
//
// What it writes:
//   dist/js/…-HASH.js, dist/chunks/…-HASH.js   the pages' entries and the chunks they share (ES modules)
//   dist/css/PAGE-HASH.css, dist/assets/…      one stylesheet a page, and the fonts it names
//   dist/pages/PAGE.html                       each page with its tags pointing at those files, the
//                                              entry's static chunks preloaded; the import-map slot kept
//                                              (the server fills it as for the plain pages)
//   dist/manifest.json                         the pages' files and a SHA-256 of every source that went in:
//                                              the server serves the build only while they all match
//                                              (backprop_playground/webbuild.py), else the plain modules
//
// The bare imports resolve as web/importmap.json says, except the packages the map loads as UMD builds
// through web/js/lib/ (d3, KaTeX): a bundle takes those from their npm ES modules, the same versions.
// Development needs none of this: without a fresh build the server serves web/ as it is.

import * as esbuild from "esbuild";
import { createHash } from "node:crypto";
import { mkdir, readFile, readdir, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import zlib from "node:zlib";

const WEB = path.dirname(fileURLToPath(import.meta.url));
const OUT = path.join(WEB, "dist");
const PAGES = ["index.html", "embed.html", "studio.html", "docs.html"];
const COMPRESS = /\.(js|css|svg|json)$/;

const STYLESHEET = /[ \t]*<link rel="stylesheet" href="([^"]+)">\n?/g;
const MODULE_SCRIPT = /<script type="module" src="([^"]+)"><\/script>/g;

/** A URL path of the pages ("/css/app.css", "/vendor/katex/…") → the file it names. */
function fileOf(url) {
  if (url.startsWith("/vendor/")) return path.join(WEB, "node_modules", url.slice("/vendor/".length));
  return path.join(WEB, url.slice(1));
}

/** Resolve bare imports through the import map; packages behind a /js/lib/ UMD wrapper from npm. */
function importMapPlugin(imports) {
  return {
    name: "import-map",
    setup(build) {
      const bare = new RegExp(`^(${Object.keys(imports).map((k) => k.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&")).join("|")})$`);
      build.onResolve({ filter: bare }, (args) => {
        if (args.namespace === "npm-default") return undefined; // the wrapper's own import: npm resolves it
        const target = imports[args.path];
        if (target.startsWith("/js/lib/")) return { path: args.path, namespace: "npm-default" };
        return { path: fileOf(target) };
      });
      // `import x from "d3"` as the UMD wrapper gives it: the package's default export, or its namespace
      build.onLoad({ filter: /.*/, namespace: "npm-default" }, (args) => ({
        contents: `import * as m from ${JSON.stringify(args.path)};\nconst ns = m;\nexport default (Object.hasOwn(ns, "default") ? ns.default : ns);\n`,
        resolveDir: WEB,
        loader: "js",
      }));
      build.onResolve({ filter: /^\/(js|css|vendor)\// }, (args) => ({ path: fileOf(args.path) }));
      // one stylesheet a page: the page's <link>s in order, as @imports esbuild joins
      build.onResolve({ filter: /^page-css:/ }, (args) => ({ path: args.path, namespace: "page-css" }));
      build.onLoad({ filter: /.*/, namespace: "page-css" }, (args) => ({
        contents: pageStyles.get(args.path.slice("page-css:".length))
          .map((href) => `@import ${JSON.stringify(fileOf(href))};`).join("\n"),
        resolveDir: WEB,
        loader: "css",
      }));
    },
  };
}

const pageStyles = new Map(); // page name → its stylesheet hrefs

async function sha256(file) {
  return createHash("sha256").update(await readFile(file)).digest("hex");
}

const rel = (file) => path.relative(WEB, file).split(path.sep).join("/");

async function main() {
  const imports = JSON.parse(await readFile(path.join(WEB, "importmap.json"), "utf8")).imports;
  const pages = {};
  const entryPoints = [];
  for (const name of PAGES) {
    const html = await readFile(path.join(WEB, name), "utf8");
    const base = name.replace(/\.html$/, "");
    const styles = [...html.matchAll(STYLESHEET)].map((m) => m[1]);
    const scripts = [...html.matchAll(MODULE_SCRIPT)].map((m) => m[1]);
    pages[name] = { html, styles, scripts };
    if (styles.length) {
      pageStyles.set(base, styles);
      entryPoints.push({ in: `page-css:${base}`, out: `css/${base}` });
    }
    for (const src of scripts) entryPoints.push({ in: fileOf(src), out: src.slice(1).replace(/\.m?js$/, "") });
  }

  const staging = `${OUT}.new`;
  await rm(staging, { recursive: true, force: true });
  const result = await esbuild.build({
    absWorkingDir: WEB,
    entryPoints,
    outdir: staging,
    bundle: true,
    splitting: true,
    format: "esm",
    target: ["es2020", "chrome90", "firefox90", "safari15"],
    minify: true,
    legalComments: "eof", // the packages' licence notes stay in the files that carry their code
    entryNames: "[dir]/[name]-[hash]",
    chunkNames: "chunks/[name]-[hash]",
    assetNames: "assets/[name]-[hash]",
    loader: { ".woff2": "file", ".woff": "file", ".ttf": "file", ".svg": "file" },
    metafile: true,
    plugins: [importMapPlugin(imports)],
    logLevel: "warning",
  });

  // which output each entry became, and the chunks an entry imports statically (to preload them)
  const outputs = result.metafile.outputs;
  const urlOf = (out) => "/dist/" + path.relative(staging, path.join(WEB, out)).split(path.sep).join("/");
  const byEntry = new Map();
  for (const [out, meta] of Object.entries(outputs)) {
    if (meta.entryPoint && !out.endsWith(".map")) byEntry.set(meta.entryPoint, out);
  }
  function staticChunks(out, seen = new Set()) {
    for (const imp of outputs[out].imports) {
      if (imp.kind === "import-statement" && !imp.external && !seen.has(imp.path)) {
        seen.add(imp.path);
        staticChunks(imp.path, seen);
      }
    }
    return seen;
  }

  await mkdir(path.join(staging, "pages"), { recursive: true });
  const manifest = { pages: {}, sources: {} };
  for (const [name, { html, styles, scripts }] of Object.entries(pages)) {
    const base = name.replace(/\.html$/, "");
    let built = html;
    const files = [];
    if (styles.length) {
      const css = urlOf(byEntry.get(`page-css:page-css:${base}`));
      let first = true;
      built = built.replace(STYLESHEET, (match, href) => {
        if (!first) return "";
        first = false;
        return match.replace(href, css);
      });
      files.push(css);
    }
    built = built.replace(MODULE_SCRIPT, (match, src) => {
      const out = byEntry.get(rel(fileOf(src)));
      const url = urlOf(out);
      files.push(url);
      const preload = [...staticChunks(out)].map((chunk) => `<link rel="modulepreload" href="${urlOf(chunk)}">\n  `);
      files.push(...[...staticChunks(out)].map(urlOf));
      return preload.join("") + match.replace(src, url);
    });
    await writeFile(path.join(staging, "pages", name), built);
    manifest.pages[name] = files;
  }

  // every source that went in (not the npm packages: web/package-lock.json stands for them)
  const sources = new Set([...PAGES, "importmap.json", "build.mjs", "package-lock.json"]);
  for (const input of Object.keys(result.metafile.inputs)) {
    const file = path.resolve(WEB, input);
    if (!input.includes(":") && !file.includes(`${path.sep}node_modules${path.sep}`)) sources.add(rel(file));
  }
  for (const source of [...sources].sort()) manifest.sources[source] = await sha256(path.join(WEB, source));

  // a brotli and a gzip copy beside each text file, at their best settings (made once, served many times)
  let raw = 0;
  let br = 0;
  for (const out of Object.keys(outputs)) {
    const file = path.join(WEB, out);
    if (!COMPRESS.test(file)) continue;
    const body = await readFile(file);
    const brotli = zlib.brotliCompressSync(body, {
      params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: body.length },
    });
    await writeFile(`${file}.br`, brotli);
    await writeFile(`${file}.gz`, zlib.gzipSync(body, { level: 9 }));
    if (!out.endsWith(".map")) {
      raw += body.length;
      br += brotli.length;
    }
  }
  await writeFile(path.join(staging, "manifest.json"), JSON.stringify(manifest, null, 1) + "\n");

  // swap in the new build whole (a server reading the old one never sees half of each)
  const old = `${OUT}.old`;
  await rm(old, { recursive: true, force: true });
  await rename(OUT, old).catch((err) => { if (err.code !== "ENOENT") throw err; });
  await rename(staging, OUT);
  await rm(old, { recursive: true, force: true });
  const count = (await readdir(OUT, { recursive: true })).length;
  console.log(`web/dist: ${count} files, ${(raw / 1024).toFixed(0)} KB of scripts and styles, ${(br / 1024).toFixed(0)} KB brotli`);
}

main().catch((err) => {
  console.error(err.message ?? err);
  process.exit(1);
});
