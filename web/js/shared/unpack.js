/**
 * The start of a page saved for offline use (server/backprop_playground/export.py inlines this classic
 * script into it, after the packed element): the page's modules and styles travel as one gzip-compressed,
 * base64-encoded JSON document, {entry, style, modules: {name: source}}, a quarter of their size as text.
 * This unpacks it with the browser's DecompressionStream, adds the styles, an import map of the modules (as
 * data: URLs under their bare names) and the entry module, which then runs as on a served page. No request
 * is made, so it works from disk, in an `<iframe srcdoc>` and in a sandbox with an opaque origin.
 */
(function (root) {
  "use strict";

  const PACKED_ID = "backprop-playground-packed";

  /** The packed document as bytes: base64 text to a Uint8Array. */
  function bytesOf(text) {
    const binary = root.atob(text.replace(/\s+/g, ""));
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }

  /** The packed document of `doc`, decompressed and parsed. */
  async function readPacked(doc) {
    const el = doc.getElementById(PACKED_ID);
    if (!el) throw new Error("the page has no packed modules");
    if (typeof root.DecompressionStream !== "function") {
      throw new Error("this browser cannot unpack the page (it has no DecompressionStream); open it in a current browser");
    }
    const stream = new root.Blob([bytesOf(el.textContent)]).stream().pipeThrough(new root.DecompressionStream("gzip"));
    return JSON.parse(await new root.Response(stream).text());
  }

  /** Add the unpacked styles, import map and entry module to `doc`. */
  function install(doc, packed) {
    const style = doc.createElement("style");
    style.textContent = packed.style;
    doc.head.append(style);
    const imports = {};
    for (const [name, source] of Object.entries(packed.modules)) {
      imports[name] = `data:text/javascript;charset=utf-8,${encodeURIComponent(source)}`;
    }
    const map = doc.createElement("script");
    map.type = "importmap";
    map.textContent = JSON.stringify({ imports });
    doc.head.append(map);
    const entry = doc.createElement("script");
    entry.type = "module";
    entry.textContent = `import ${JSON.stringify(packed.entry)};`;
    doc.head.append(entry);
  }

  /** Say in the page why it cannot start. */
  function fail(doc, err) {
    const status = doc.getElementById("status");
    const line = status || doc.body.appendChild(doc.createElement("p"));
    line.textContent = `This page cannot start: ${err && err.message ? err.message : err}`;
    line.hidden = false;
    line.dataset.kind = "error";
  }

  async function start(doc) {
    try {
      install(doc, await readPacked(doc));
    } catch (err) {
      fail(doc, err);
    } finally {
      doc.documentElement.dataset.unpacked = "true";
    }
  }

  root.BackpropUnpack = { bytesOf, readPacked, install, start };
  if (root.document) start(root.document);
})(typeof window !== "undefined" ? window : globalThis);
