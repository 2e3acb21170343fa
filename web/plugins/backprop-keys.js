/**
 * The deck's keys for any slide software that embeds Backprop Playground (Marp, impress.js, a page of your
 * own; a reveal.js deck uses reveal-backprop.js instead). Served by the app at /plugins/backprop-keys.js and
 * written beside an exported file by `backprop-playground export --plugins`:
 *
 *   <script src="backprop-keys.js"></script>
 *
 * Once an embed has the focus the deck hears no keys, so the embed hands over the ones it does not use as
 * {source: "backprop-playground", event: "key", key}: PageDown / PageUp, Home / End, ↑ / ↓, Escape and single
 * characters; → at its last step and ← at its first; never the Escape that closes one of its panels. This
 * script presses each on the page (keydown then keyup, with `key`, `code` and the legacy `keyCode`), so the
 * deck's own bindings move the slides; once the embed's slide has left the screen it takes the focus back
 * from the embed, so → and ← move the slides again. Only messages from the page's own iframes are taken.
 * A classic script, not a module: a deck opened from disk (file://) runs it as it is.
 */
(function (root) {
  "use strict";

  const SOURCE = "backprop-playground";
  const NAMED = {
    Escape: 27, PageUp: 33, PageDown: 34, End: 35, Home: 36, ArrowLeft: 37, ArrowUp: 38, ArrowRight: 39,
    ArrowDown: 40,
  };
  const PUNCTUATION = { " ": ["Space", 32], ",": ["Comma", 188], ".": ["Period", 190], "/": ["Slash", 191] };
  const WATCH_FRAMES = 60; // animation frames a slide change may take to hide the embed's slide

  /** {key, code, keyCode} of the key an embed forwarded, or null for anything that is not a key name. */
  function keyOf(key) {
    if (typeof key !== "string" || key === "") return null;
    if (Object.prototype.hasOwnProperty.call(NAMED, key)) return { key, code: key, keyCode: NAMED[key] };
    if (Object.prototype.hasOwnProperty.call(PUNCTUATION, key)) {
      return { key, code: PUNCTUATION[key][0], keyCode: PUNCTUATION[key][1] };
    }
    if (/^[a-z]$/i.test(key)) return { key, code: `Key${key.toUpperCase()}`, keyCode: key.toUpperCase().charCodeAt(0) };
    if (/^[0-9]$/.test(key)) return { key, code: `Digit${key}`, keyCode: key.charCodeAt(0) };
    if ([...key].length === 1) return { key, code: "", keyCode: 0 };
    return null;
  }

  /** Press a key on the document as if typed there: keydown, then keyup. */
  function press(doc, key) {
    const which = keyOf(key);
    if (!which) return false;
    const target = doc.activeElement && doc.activeElement.tagName !== "IFRAME" ? doc.activeElement : doc.body || doc.documentElement;
    const view = doc.defaultView || root;
    for (const type of ["keydown", "keyup"]) {
      const ev = new view.KeyboardEvent(type, { key: which.key, code: which.code, bubbles: true, cancelable: true });
      for (const legacy of ["keyCode", "which"]) {
        if (ev[legacy] !== which.keyCode) Object.defineProperty(ev, legacy, { value: which.keyCode });
      }
      target.dispatchEvent(ev);
    }
    return true;
  }

  /** Whether an iframe is still on screen: not hidden, transparent or skipped, and inside the viewport. */
  function onScreen(frame) {
    const view = frame.ownerDocument.defaultView || root;
    if (frame.checkVisibility && !frame.checkVisibility({ opacityProperty: true, visibilityProperty: true })) {
      return false;
    }
    const box = frame.getBoundingClientRect();
    return box.width > 0 && box.height > 0 && box.right > 0 && box.bottom > 0
      && box.left < view.innerWidth && box.top < view.innerHeight;
  }

  /** Once the embed's slide is gone, give the keys back to the deck (the embed keeps them while it shows). */
  function releaseWhenGone(frame) {
    const doc = frame.ownerDocument;
    let frames = 0;
    const check = () => {
      if (doc.activeElement !== frame) return;
      if (!onScreen(frame)) frame.blur();
      else if (++frames < WATCH_FRAMES) root.requestAnimationFrame(check);
    };
    check();
  }

  function onMessage(ev) {
    const data = ev.data;
    if (!data || data.source !== SOURCE || data.event !== "key") return;
    const doc = root.document;
    const frame = Array.from(doc.querySelectorAll("iframe")).find((f) => f.contentWindow === ev.source);
    if (!frame) return; // only the page's own embeds
    if (press(doc, data.key)) releaseWhenGone(frame);
  }

  root.addEventListener("message", onMessage);
  root.BackpropKeys = { keyOf, press, onScreen };
})(typeof window !== "undefined" ? window : globalThis);
