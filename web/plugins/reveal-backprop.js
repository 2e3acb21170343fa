/**
 * The reveal.js plugin of Backprop Playground, served by the app at /plugins/reveal-backprop.js:
 *
 *   <script src="http://127.0.0.1:8000/plugins/reveal-backprop.js"></script>
 *   <script>Reveal.initialize({ plugins: [RevealBackprop] });</script>
 *   <section><iframe src="http://127.0.0.1:8000/embed?lesson=xor-relu" data-backprop-step="0"
 *                    width="960" height="540"></iframe></section>
 *
 * - Keys pressed while an embed has the focus come back from it as {event: "key", key}; the deck handles
 *   them as if pressed on itself (its own bindings: PageDown / PageUp, n / p, ↑ / ↓, Home / End, b, o, …).
 *   → and ← step the embed, except → at its last step and ← at its first, which it hands over too (the
 *   next and previous slide); Escape that closes one of its panels stays in the embed.
 * - Leaving a slide takes the focus back from its embed, so → and ← move the slides again.
 * - Entering a slide sends each of its embeds with data-backprop-step="k" to step k (again once the embed
 *   has loaded, for iframes reveal.js loads lazily). An embed without it comes back at the step it last
 *   reported: reveal.js reloads a lazy iframe (data-src) from its first URL when its slide is shown again,
 *   and the plugin remembers where the presenter left it.
 * - deck.getPlugin("backprop-playground").send(command, step) drives the embeds of the current slide.
 * A classic script, not a module: a deck opened from disk (file://) can load it from the app.
 */
(function (root) {
  "use strict";

  const SOURCE = "backprop-playground";
  const KEY_CODES = {
    Escape: 27, PageUp: 33, PageDown: 34, End: 35, Home: 36, ArrowLeft: 37, ArrowUp: 38, ArrowRight: 39,
    ArrowDown: 40, ",": 188, ".": 190,
  };

  /** reveal.js's keyCode for a key name the embed forwarded, or null for keys the deck does not take. */
  function keyCode(key) {
    if (typeof key !== "string") return null;
    if (Object.prototype.hasOwnProperty.call(KEY_CODES, key)) return KEY_CODES[key];
    if (/^[a-z0-9]$/i.test(key)) return key.toUpperCase().charCodeAt(0);
    return null;
  }

  /** The step an iframe asks to start at on slide entry (data-backprop-step), or null. */
  function startStep(frame) {
    const value = frame.getAttribute("data-backprop-step");
    if (value === null || value.trim() === "") return null;
    const step = Number(value);
    return Number.isInteger(step) && step >= 0 ? step : null;
  }

  /** The plugin (reveal.js calls this factory when it registers it). */
  function RevealBackprop() {
    let deck = null;
    const pending = new Set(); // embeds of the current slide not yet seen loaded after their goto
    const left = new WeakMap(); // embed → the step it last reported (where the presenter left it)

    const framesIn = (el) => (el ? Array.from(el.querySelectorAll("iframe")) : []);
    const frameOf = (win) => framesIn(deck.getRevealElement()).find((f) => f.contentWindow === win) || null;

    function post(frame, message) {
      // "*": the embed's origin is the app's, and the deck may not know it (a relative or proxied src)
      if (frame.contentWindow) frame.contentWindow.postMessage(Object.assign({ source: SOURCE }, message), "*");
    }

    /** The step an embed is sent to on slide entry: its data-backprop-step, else where it was left. */
    function entryStep(frame) {
      const step = startStep(frame);
      return step !== null ? step : left.has(frame) ? left.get(frame) : null;
    }

    function sendStart(frame) {
      const step = entryStep(frame);
      if (step !== null) post(frame, { command: "goto", step });
    }

    function onMessage(ev) {
      const data = ev.data;
      if (!deck || !data || data.source !== SOURCE) return;
      const frame = frameOf(ev.source); // only the deck's own embeds
      if (!frame) return;
      if (data.event === "key") {
        const code = keyCode(data.key);
        if (code !== null) deck.triggerKey(code);
      } else if (data.event === "step") {
        // the first report after entry (perhaps of a reloaded embed, at its first URL's step) is answered
        // with the entry step; the later ones are where the presenter is
        if (pending.delete(frame)) sendStart(frame);
        else if (Number.isInteger(data.step) && data.step >= 0) left.set(frame, data.step);
      }
    }

    function enter(slide) {
      const focused = document.activeElement;
      if (focused && focused.tagName === "IFRAME" && !(slide && slide.contains(focused))) focused.blur();
      pending.clear();
      for (const frame of framesIn(slide)) {
        if (entryStep(frame) === null) continue;
        pending.add(frame);
        sendStart(frame);
      }
    }

    return {
      id: "backprop-playground",
      init(reveal) {
        deck = reveal;
        window.addEventListener("message", onMessage);
        deck.on("ready", (ev) => enter(ev.currentSlide));
        deck.on("slidechanged", (ev) => enter(ev.currentSlide));
        if (deck.isReady()) enter(deck.getCurrentSlide());
      },
      /** Send a command ("next", "prev", "goto", "play", "pause") to the embeds of the current slide. */
      send(command, step) {
        const message = step === undefined ? { command } : { command, step };
        for (const frame of framesIn(deck.getCurrentSlide())) post(frame, message);
      },
      destroy() {
        window.removeEventListener("message", onMessage);
      },
    };
  }

  RevealBackprop.keyCode = keyCode;
  root.RevealBackprop = RevealBackprop;
})(typeof window !== "undefined" ? window : globalThis);
