"""Slide decks that embed the playground: reveal.js (the npm package, loaded from disk) in a deck opened from
file:// or served over http from another origin, with the default frame-ancestors and a narrowed one."""

from __future__ import annotations

import contextlib
import functools
import os
import re
import subprocess
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.browser.offline import offline_page
from tests.chromium import keep_console_error
from tests.conftest import _free_port

pytestmark = pytest.mark.browser

REVEAL_DIST = Path(__file__).resolve().parents[2] / "web" / "node_modules" / "reveal.js" / "dist"
MARP = Path(__file__).resolve().parents[2] / "web" / "node_modules" / ".bin" / "marp"
PLAYER = Path(__file__).resolve().parents[2] / "web" / "js" / "stepper" / "player.js"
# the longest a step lasts while the embed plays at speed 1 (player.js STEP_MS), in ms
LONGEST_STEP_MS = max(int(ms) for ms in re.findall(
    r"\w+: (\d+)", re.search(r"STEP_MS = \{(.*?)\}", PLAYER.read_text()).group(1)))
SCREENSHOT = Path("/tmp/backprop-deck-file-backward.png")

# What a host page does: keep the embed's events and send it commands (window.events, window.send).
HOST_SCRIPT = """
  window.events = [];
  window.addEventListener("message", (ev) => {
    if (ev.data && ev.data.source === "backprop-playground") window.events.push(ev.data);
  });
  window.send = (msg) => document.getElementById("embed").contentWindow.postMessage(
    Object.assign({source: "backprop-playground"}, msg), "*");
"""
DECK = """<!doctype html>
<html><head><meta charset="utf-8"><title>Lecture 6</title><link rel="icon" href="data:,">
<link rel="stylesheet" href="reveal/reveal.css"><link rel="stylesheet" href="reveal/theme/white.css">
</head><body><div class="reveal"><div class="slides">
<section><h2>Deep feedforward networks</h2></section>
<section><iframe id="embed" src="{embed}" {start} width="960" height="540"></iframe>
</section>
<section><h2>Back-propagation</h2></section>
</div></div>
<script src="reveal/reveal.js"></script>
<script src="{plugin}"></script>
<script>
{host}
  Reveal.initialize({{hash: false, transition: "none", plugins: [RevealBackprop]}})
    .then(() => {{ Reveal.slide(1); window.deckReady = true; }});
</script></body></html>"""


def write_deck(directory: Path, app: str | None, *, start: int | None = None, embed: str | None = None,
               plugin: str | None = None) -> Path:
    """A deck file whose second slide embeds the app (or `embed`, e.g. an exported file beside the deck,
    with the plugin from `plugin`), next to a link to reveal.js's npm files."""
    directory.mkdir(parents=True, exist_ok=True)
    link = directory / "reveal"
    if not link.exists():
        link.symlink_to(REVEAL_DIST, target_is_directory=True)
    attribute = "" if start is None else f'data-backprop-step="{start}"'
    deck = directory / "deck.html"
    deck.write_text(DECK.format(embed=embed or f"{app}/embed?lesson=xor-relu", start=attribute,
                                plugin=plugin or f"{app}/plugins/reveal-backprop.js", host=HOST_SCRIPT),
                    encoding="utf-8")
    return deck


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def static_server(directory: Path, host: str):
    """A plain file server for a deck directory on `host` (another origin than the app's)."""
    server = ThreadingHTTPServer((host, 0), functools.partial(_Quiet, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


@contextlib.contextmanager
def app_server(settings):
    """A second app on a free port with its own settings, as the session's live server is started."""
    import uvicorn

    from backprop_playground.app import create_app

    port = _free_port()
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60  # a loaded machine can take tens of seconds to start an app
    while not server.started:
        assert time.monotonic() < deadline, "second app did not start within 60 s"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def open_deck(page, url: str):
    """Open a deck and wait for its embed to draw and report its first step."""
    page.goto(url)
    page.wait_for_function("() => window.deckReady === true")
    page.wait_for_function("() => window.events.some((e) => e.event === 'step')", timeout=30_000)
    frame = page.frame_locator("#embed")
    frame.locator("g.node[data-node-id]").first.wait_for(timeout=30_000)
    return frame


def last_step(page):
    return page.evaluate("() => window.events.filter((e) => e.event === 'step').at(-1)")


def wait_step_event(page, since: int, step: int) -> None:
    """Until the host has a step event for `step` among the events after the first `since`."""
    page.wait_for_function(
        "([since, step]) => window.events.slice(since).some((e) => e.event === 'step' && e.step === step)",
        arg=[since, step])


def steps_before_a_mark(page, embed) -> int:
    """How many step events the host has once a mark the embed posts now has arrived: the messages of one
    window arrive in the order it posted them, so the mark comes after every step the embed posted before."""
    marks = "() => window.events.filter((e) => e.event === 'mark').length"
    before = page.evaluate(marks)
    embed.evaluate("() => window.parent.postMessage({source: 'backprop-playground', event: 'mark'}, '*')")
    page.wait_for_function(f"n => ({marks})() > n", arg=before)
    return page.evaluate("() => window.events.filter((e) => e.event === 'step').length")


def goto(page, step: int) -> dict:
    page.evaluate("s => window.send({command: 'goto', step: s})", step)
    page.wait_for_function(
        "s => window.events.filter((e) => e.event === 'step').at(-1)?.step === s", arg=step, timeout=10_000
    )
    return last_step(page)


def drive(page) -> dict:
    """next and goto from the deck; the embed answers each with a step event. Ends mid-backward."""
    first = last_step(page)
    page.evaluate("() => window.send({command: 'next'})")
    page.wait_for_function(
        "s => window.events.filter((e) => e.event === 'step').at(-1)?.step === s + 1", arg=first["step"]
    )
    assert goto(page, 2)["phase"] == "forward"
    total = first["total"]
    event = None
    for step in range(total - 1, 0, -1):  # the last backward step: its node totals are all drawn
        event = goto(page, step)
        if event["phase"] == "backward":
            break
    assert event["phase"] == "backward" and event["total"] == total
    return event


def test_a_deck_opened_from_disk_embeds_and_drives_the_playground(page, live_server, tmp_path):
    """Issue 16: the default frame-ancestors lets a file:// deck frame /embed; its origin is "null"."""
    deck = write_deck(tmp_path / "deck", live_server)
    frame = open_deck(page, deck.as_uri())
    assert page.evaluate("() => location.protocol") == "file:"
    event = drive(page)
    assert frame.locator(".controls .count").inner_text() == f"{event['step']} / {event['total']}"
    assert frame.locator("g.node[data-node-id]").count() >= 5
    page.screenshot(path=str(SCREENSHOT))


def test_a_host_page_without_a_network_origin_embeds_the_playground(page, live_server):
    """A page written into about:blank (as notebooks and quick demos do) frames the embed and drives it."""
    page.set_content(
        f"""<iframe id="embed" src="{live_server}/embed?lesson=xor-relu" width="960" height="540"></iframe>
        <script>{HOST_SCRIPT}</script>"""
    )
    assert page.evaluate("() => location.href") == "about:blank"
    page.wait_for_function("() => window.events.length > 0", timeout=30_000)
    page.frame_locator("#embed").locator("g.node[data-node-id]").first.wait_for(timeout=30_000)
    assert goto(page, 3)["step"] == 3


def test_a_narrowed_frame_ancestors_refuses_a_file_deck_and_allows_its_host(browser, tmp_path, monkeypatch):
    """BACKPROP_FRAME_ANCESTORS set to one http host: that host's deck embeds; a deck from disk is refused."""
    from backprop_playground.settings import Settings

    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: keep_console_error(errors, msg))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    decks = tmp_path / "decks"
    decks.mkdir()
    try:
        with static_server(decks, "127.0.0.2") as host:
            allowed = f"http://127.0.0.2:{host.server_address[1]}"
            monkeypatch.setenv("BACKPROP_FRAME_ANCESTORS", allowed)
            settings = Settings(data_dir=tmp_path / "data", database_url=None)
            assert settings.frame_ancestors == allowed
            with app_server(settings) as app:
                deck = write_deck(decks, app)

                page.goto(deck.as_uri())
                page.wait_for_function("() => window.deckReady === true")
                embed = page.locator("#embed").element_handle().content_frame()

                def refused() -> bool:  # the frame shows Chromium's error page: the app never runs there
                    logged = any("frame-ancestors" in e for e in errors)
                    return logged and embed.url.startswith("chrome-error:")

                deadline = time.monotonic() + 30
                while not refused() and time.monotonic() < deadline:
                    page.wait_for_timeout(100)
                assert any("frame-ancestors" in e and allowed in e for e in errors), errors
                assert embed.url.startswith("chrome-error:"), embed.url
                assert page.evaluate("() => window.events") == []
                errors.clear()

                open_deck(page, f"{allowed}/deck.html")
                assert drive(page)["phase"] == "backward"
                assert errors == []
    finally:
        context.close()


def test_reveal_moves_its_slides_with_keys_pressed_inside_the_embed(page, live_server, tmp_path):
    """Issue 13: the plugin turns the keys the embed forwards into slide moves; → ← still step the embed;
    leaving the slide pauses it."""
    decks = tmp_path / "decks"
    write_deck(decks, live_server, start=3)
    with static_server(decks, "127.0.0.1") as host:
        frame = open_deck(page, f"http://127.0.0.1:{host.server_address[1]}/deck.html")
        # entering the slide sent the embed to its data-backprop-step
        page.wait_for_function("() => window.events.filter((e) => e.event === 'step').at(-1)?.step === 3")
        indices = "() => Reveal.getIndices().h"
        assert page.evaluate(indices) == 1

        frame.locator(".controls .count").click()  # the presenter clicks into the embed
        page.keyboard.press("ArrowRight")
        page.wait_for_function("() => window.events.filter((e) => e.event === 'step').at(-1)?.step === 4")
        assert page.evaluate(indices) == 1
        assert frame.locator(".controls .count").inner_text().startswith("4 /")

        page.keyboard.press("PageDown")  # a clicker's "next slide"
        page.wait_for_function(f"() => ({indices})() === 2")
        keys = page.evaluate("() => window.events.filter((e) => e.event === 'key').map((e) => e.key)")
        assert keys == ["PageDown"]  # ArrowRight stayed in the embed
        page.keyboard.press("ArrowLeft")  # the deck has the keys again
        page.wait_for_function(f"() => ({indices})() === 1")
        assert last_step(page)["step"] in (3, 4)

        frame.locator(".controls .count").click()
        page.keyboard.press("PageUp")
        page.wait_for_function(f"() => ({indices})() === 0")

        # each wait is for a step event posted after its command: the last event may already read 3 (from
        # before), and a stale match would send the goto before the slide's own goto 3 has landed
        since = page.evaluate("() => window.events.length")
        page.evaluate("() => Reveal.slide(1)")
        wait_step_event(page, since, 3)
        since = page.evaluate("() => window.events.length")
        page.evaluate("() => Reveal.getPlugin('backprop-playground').send('goto', 5)")
        wait_step_event(page, since, 5)
        page.wait_for_function("() => window.events.filter((e) => e.event === 'step').at(-1)?.step === 5")

        page.evaluate("() => Reveal.getPlugin('backprop-playground').send('play')")
        page.wait_for_function("() => window.events.filter((e) => e.event === 'step').at(-1)?.step >= 6")
        page.evaluate("() => Reveal.slide(2)")  # reveal.js posts "slide:stop" to the slide it leaves
        frame.locator('[data-act="toggle"][aria-pressed="false"]').wait_for(state="attached")  # paused
        embed = next(f for f in page.frames if "/embed" in f.url)
        steps = steps_before_a_mark(page, embed)  # the pause's own step event included
        # a timer as long as the longest step, started in the embed after the pause, has fired: a step the
        # player still had scheduled (due no later) would have been posted before it
        embed.evaluate("ms => new Promise((done) => setTimeout(done, ms))", LONGEST_STEP_MS)
        assert steps_before_a_mark(page, embed) == steps


def test_a_lazy_iframe_comes_back_at_the_step_the_presenter_left_it(page, live_server, tmp_path):
    """reveal.js unloads a lazy (data-src) iframe when its slide is left and reloads it from its first URL
    when the slide is shown again: the plugin sends it back to the step it last reported, also where the
    browser gives the framed embed no storage of its own to remember it with (third-party storage
    blocked, as here)."""
    page.add_init_script("""if (location.pathname.endsWith("/embed")) {
      const blocked = () => { throw new DOMException("blocked", "SecurityError"); };
      Object.defineProperty(window, "sessionStorage", { get: blocked });
    }""")
    decks = tmp_path / "lazy"
    write_deck(decks, live_server)  # the reveal/ link
    deck = (DECK.replace('<iframe id="embed" src="{embed}"', '<iframe id="embed" data-src="{embed}"')
            .replace("<section><h2>Back-propagation</h2></section>",
                     "<section><h2>Back-propagation</h2></section><section>3</section><section>4</section>"))
    (decks / "deck.html").write_text(deck.format(embed=f"{live_server}/embed?lesson=xor-relu", start="",
                                                 plugin=f"{live_server}/plugins/reveal-backprop.js",
                                                 host=HOST_SCRIPT), encoding="utf-8")
    with static_server(decks, "127.0.0.1") as host:
        frame = open_deck(page, f"http://127.0.0.1:{host.server_address[1]}/deck.html")
        frame.locator(".controls .count").click()
        for _ in range(5):
            page.keyboard.press("ArrowRight")
        page.wait_for_function("() => window.events.filter((e) => e.event === 'step').at(-1)?.step === 5")
        next(f for f in page.frames if "/embed" in f.url).evaluate("() => { window.before = true; }")
        page.evaluate("() => Reveal.slide(4)")  # three slides away: reveal.js unloads the iframe
        page.wait_for_function("() => !document.getElementById('embed').hasAttribute('src')")
        page.evaluate("() => Reveal.slide(1)")
        frame.locator("g.node[data-node-id]").first.wait_for(timeout=30_000)
        embed = next(f for f in page.frames if "/embed" in f.url)
        assert embed.evaluate("() => window.before") is None, "a new page: the embed was reloaded"
        frame.locator(".controls .count").filter(has_text="5 /").wait_for()
        page.wait_for_function("() => window.events.filter((e) => e.event === 'step').at(-1)?.step === 5")


def test_the_api_manual_lists_its_operations(page, live_server):
    """Issue 13: /docs runs Swagger UI under the same CSP as every page (no inline script)."""
    page.goto(live_server + "/docs")
    operation = page.locator('.opblock-post .opblock-summary-path[data-path="/api/v1/models"]')
    operation.first.wait_for(timeout=30_000)
    assert operation.first.is_visible()
    assert page.locator(".opblock").count() >= 15


def slide_index(page, script: str, index: int) -> None:
    """Until the deck shows slide `index` (0-based), as `script` reads it."""
    page.wait_for_function(f"i => ({script})() === i", arg=index)


def step_into_embed(page, frame, step: int) -> None:
    """Send the embed to `step` from the deck, then give it the focus, as a presenter clicking into it."""
    since = page.evaluate("() => window.events.length")
    page.evaluate("s => window.send({command: 'goto', step: s})", step)
    wait_step_event(page, since, step)
    frame.locator(".controls .count").click()


def keys_sent(page) -> list[str]:
    return page.evaluate("() => window.events.filter((e) => e.event === 'key').map((e) => e.key)")


@pytest.fixture(scope="module")
def exported_deck(tmp_path_factory) -> Path:
    """A deck's directory with nothing served: the exported xor-relu file and the deck scripts beside it,
    as `backprop-playground export --lesson xor-relu --plugins -o xor.html` writes them."""
    from backprop_playground.export import stepper_html, write_plugins

    directory = tmp_path_factory.mktemp("deck-without-server")
    (directory / "xor.html").write_text(stepper_html(lesson="xor-relu"), encoding="utf-8")
    write_plugins(directory)
    return directory


def test_a_reveal_deck_with_no_server_steps_an_exported_file_and_keeps_its_keys(browser, exported_deck):
    """The README's deck for a hall with no server and no network: reveal.js, the plugin and the exported
    file all beside the deck, opened from disk. The embed draws and steps; PageDown inside it moves the
    slides; → at its last step and ← at its first move them too; the Escape that closes its inspector stays
    in it, the next one is the deck's."""
    deck = write_deck(exported_deck, None, start=2, embed="xor.html", plugin="reveal-backprop.js")
    indices = "() => Reveal.getIndices().h"
    with offline_page(browser) as page:
        frame = open_deck(page, deck.as_uri())
        page.wait_for_function("() => window.events.filter((e) => e.event === 'step').at(-1)?.step === 2")
        assert page.evaluate(indices) == 1
        total = last_step(page)["total"]

        frame.locator(".controls .count").click()
        page.keyboard.press("ArrowRight")
        page.wait_for_function("() => window.events.filter((e) => e.event === 'step').at(-1)?.step === 3")
        assert page.evaluate(indices) == 1
        page.screenshot(path="/tmp/backprop-deck-offline-reveal.png")
        page.keyboard.press("PageDown")
        slide_index(page, indices, 2)
        page.keyboard.press("ArrowLeft")  # the deck has the keys again
        slide_index(page, indices, 1)
        assert keys_sent(page) == ["PageDown"]

        step_into_embed(page, frame, total)
        page.keyboard.press("ArrowRight")  # nothing left to step: the next slide
        slide_index(page, indices, 2)
        page.evaluate("() => Reveal.slide(1)")
        step_into_embed(page, frame, 0)
        page.keyboard.press("ArrowLeft")  # the first step: the previous slide
        slide_index(page, indices, 0)
        assert keys_sent(page) == ["PageDown", "ArrowRight", "ArrowLeft"]

        page.evaluate("() => Reveal.slide(1)")
        frame.locator("g.node[data-node-id]").first.click()
        inspector = frame.locator("#inspector")
        inspector.wait_for(state="visible")
        page.keyboard.press("Escape")
        inspector.wait_for(state="hidden")
        page.keyboard.press("Escape")  # nothing of the embed's to close: the deck's overview
        page.wait_for_function("() => Reveal.isOverview()")
        assert keys_sent(page)[3:] == ["Escape"]


MARP_DECK = """---
marp: true
---

# Deep feedforward networks

---

<iframe id="embed" src="xor.html" width="960" height="540" style="border: 0"></iframe>

---

# Back-propagation

<script>HOST_SCRIPT</script>
<script src="backprop-keys.js"></script>
"""
MARP_SLIDE = """() => [...document.querySelectorAll("svg.bespoke-marp-slide")]
    .findIndex((s) => s.classList.contains("bespoke-marp-active"))"""


def test_a_marp_deck_moves_its_slides_with_keys_pressed_inside_the_embed(browser, exported_deck):
    """Marp CLI (npm) builds a deck that loads backprop-keys.js, the script for any deck, from beside it:
    with the focus in the embed, PageDown moves the slides and gives the keys back to the deck; → at the
    embed's last step and ← at its first move them too; → ← step it otherwise."""
    if not MARP.exists():
        if os.environ.get("CI"):
            pytest.fail(f"no Marp CLI at {MARP}: npm ci in web/ installs it")
        pytest.skip(f"no Marp CLI at {MARP} (npm ci in web/)")
    source = exported_deck / "marp.md"
    source.write_text(MARP_DECK.replace("HOST_SCRIPT", HOST_SCRIPT), encoding="utf-8")
    subprocess.run([str(MARP), "--html", "--no-stdin", source.name, "-o", "marp.html"], cwd=exported_deck,
                   check=True, capture_output=True, stdin=subprocess.DEVNULL, timeout=180)
    with offline_page(browser) as page:
        page.goto((exported_deck / "marp.html").as_uri())
        slide_index(page, MARP_SLIDE, 0)
        page.keyboard.press("ArrowRight")  # the deck's own key: the embed's slide
        slide_index(page, MARP_SLIDE, 1)
        frame = page.frame_locator("#embed")
        page.wait_for_function("() => window.events.some((e) => e.event === 'step')", timeout=30_000)
        frame.locator("g.node[data-node-id]").first.wait_for(timeout=30_000)
        total = last_step(page)["total"]

        frame.locator(".controls .count").click()
        page.keyboard.press("ArrowRight")  # steps the embed
        page.wait_for_function("() => window.events.filter((e) => e.event === 'step').at(-1)?.step === 1")
        page.screenshot(path="/tmp/backprop-deck-marp.png")
        assert page.evaluate(MARP_SLIDE) == 1
        page.keyboard.press("PageDown")
        slide_index(page, MARP_SLIDE, 2)
        page.wait_for_function("() => document.activeElement.tagName !== 'IFRAME'")  # the keys are the deck's
        page.keyboard.press("ArrowLeft")
        slide_index(page, MARP_SLIDE, 1)

        step_into_embed(page, frame, total)
        page.keyboard.press("ArrowRight")
        slide_index(page, MARP_SLIDE, 2)
        page.keyboard.press("ArrowLeft")
        slide_index(page, MARP_SLIDE, 1)
        step_into_embed(page, frame, 0)
        page.keyboard.press("ArrowLeft")
        slide_index(page, MARP_SLIDE, 0)
        assert keys_sent(page) == ["PageDown", "ArrowRight", "ArrowLeft"]

        page.keyboard.press("ArrowRight")
        slide_index(page, MARP_SLIDE, 1)
        frame.locator("g.node[data-node-id]").first.click()
        frame.locator("#inspector").wait_for(state="visible")
        page.keyboard.press("Escape")  # closes the inspector: the embed's own
        frame.locator("#inspector").wait_for(state="hidden")
        embed = next(f for f in page.frames if "/xor.html" in f.url)
        steps_before_a_mark(page, embed)  # whatever the embed posted for that key has arrived
        assert "Escape" not in keys_sent(page)
