"""Slide decks (a benchmark, not a test): a reveal.js deck opened from disk (file://) embedding /embed, in
headless Chromium. Times, from the deck's navigation start, the embed's first step event (its graph is drawn);
the round trip of a postMessage command to the step event it answers; and a PageDown pressed inside the
embed until reveal.js has moved the slide (the key forwarded through the plugin).

    .venv/bin/python bench/bench_deck.py [--url http://127.0.0.1:8000] [--runs 5]

Without --url it starts the app on a free port. Target: first graph < 1 s; the message round trips are a
few milliseconds, well under a frame.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository, for tests.chromium

from bench_web import browser_parser, playwright_or_skip, start_server  # noqa: E402

from tests.chromium import CHROMIUM_ARGS  # noqa: E402

REVEAL = Path(__file__).resolve().parent.parent / "web" / "node_modules" / "reveal.js" / "dist"

DECK = """<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">
<link rel="stylesheet" href="{reveal}/reveal.css"><link rel="stylesheet" href="{reveal}/theme/white.css">
</head><body><div class="reveal"><div class="slides">
<section><iframe id="embed" src="{app}/embed?lesson=xor-relu" width="960" height="540"></iframe></section>
<section><h2>Next</h2></section></div></div>
<script src="{reveal}/reveal.js"></script><script src="{app}/plugins/reveal-backprop.js"></script>
<script>
  window.steps = [];
  window.addEventListener("message", (ev) => {{
    if (ev.data && ev.data.event === "step") window.steps.push([performance.now(), ev.data.step]);
  }});
  Reveal.initialize({{hash: false, transition: "none", plugins: [RevealBackprop]}});
</script></body></html>"""

ROUND_TRIP_JS = """async (n) => {
  const embed = document.getElementById("embed").contentWindow;
  const times = [];
  for (let i = 0; i < n; i++) {
    const target = i % 2 ? 3 : 4;
    const t0 = performance.now();
    await new Promise((done) => {
      const on = (ev) => {
        if (ev.data && ev.data.step === target) { removeEventListener("message", on); done(); }
      };
      addEventListener("message", on);
      embed.postMessage({ source: "backprop-playground", command: "goto", step: target }, "*");
    });
    times.push(performance.now() - t0);
  }
  return times;
}"""


def summary(times_ms: list[float]) -> str:
    return f"median {statistics.median(times_ms):.1f} ms (min {min(times_ms):.1f}, max {max(times_ms):.1f})"


def main() -> None:
    parser = browser_parser(__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    sync_playwright = playwright_or_skip(
        args.chromium, REVEAL.exists(),
        f"skipped: needs Chromium at {args.chromium} and reveal.js in web/node_modules",
    )
    if sync_playwright is None:
        return

    base, server = (args.url, None) if args.url else start_server()
    deck = Path(tempfile.mkdtemp()) / "deck.html"
    deck.write_text(DECK.format(app=base, reveal=REVEAL.as_uri()), encoding="utf-8")
    firsts, keys, trips = [], [], []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
            for run in range(max(1, args.runs) + 1):  # run 0 warms the server (its lesson caches)
                # a new context each run: a cold cache, as a deck opened for the first time
                context = browser.new_context(viewport={"width": 1280, "height": 720})
                page = context.new_page()
                page.goto(deck.as_uri())
                page.wait_for_function("() => window.steps.length > 0", timeout=30_000)
                first = page.evaluate("() => window.steps[0][0]")
                round_trips = page.evaluate(ROUND_TRIP_JS, 20)
                page.frame_locator("#embed").locator(".controls .count").click()
                t0 = page.evaluate("() => performance.now()")
                page.keyboard.press("PageDown")
                page.wait_for_function("() => Reveal.getIndices().h === 1")
                key = page.evaluate("() => performance.now()") - t0
                context.close()
                if run:
                    firsts.append(first)
                    trips += round_trips
                    keys.append(key)
            browser.close()
    finally:
        if server is not None:
            server.should_exit = True
    print(f"file:// deck, navigation start to the embed's first step event: {summary(firsts)}")
    print(f"postMessage goto → step event round trip ({len(trips)}): {summary(trips)}")
    print(f"PageDown inside the embed → slide moved (incl. Playwright's key dispatch): {summary(keys)}")


if __name__ == "__main__":
    main()
