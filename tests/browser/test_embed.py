"""The embed page inside an iframe of another origin, driven by postMessage (docs/contracts.md §6)."""

from __future__ import annotations

import html
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.browser.helpers import EXPRESSION, api

pytestmark = pytest.mark.browser


HOST_PAGE = """<!doctype html><html><head><link rel="icon" href="data:,"></head><body>
<iframe id="deck" src="{src}" width="960" height="540"></iframe>
<script>
  window.events = [];
  window.addEventListener("message", (ev) => {{
    if (ev.data && ev.data.source === "backprop-playground") window.events.push(ev.data);
  }});
  window.send = (msg) => document.getElementById("deck").contentWindow.postMessage(
    Object.assign({{source: "backprop-playground"}}, msg), "*");
</script></body></html>"""


class _HostHandler(BaseHTTPRequestHandler):
    """Serves the slide-deck page: an iframe of the embed URL given as ?src=."""

    def do_GET(self):  # noqa: N802 (http.server's naming)
        src = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query).get("src", [""])[0]
        body = HOST_PAGE.format(src=html.escape(src)).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def host_server():
    """A slide deck on another origin (another port), as a real server: Chromium frames it like a deck."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _HostHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    thread.join(timeout=5)
    server.server_close()


def open_host(page, host_server, live_server, query: str):
    src = f"{live_server}/embed?{query}"
    page.goto(f"{host_server}/deck.html?" + urllib.parse.urlencode({"src": src}))
    page.wait_for_function("() => window.events.length > 0", timeout=30_000)
    return page.frame_locator("#deck")


def last_event(page):
    return page.evaluate("() => window.events[window.events.length - 1]")


def test_the_embed_reports_its_step_and_obeys_commands(page, host_server, live_server):
    trace = api(live_server, "POST", "/expressions", EXPRESSION)
    total = sum(e["type"] in ("forward", "backward", "update") for e in trace["events"])
    query = urllib.parse.urlencode({"expr": EXPRESSION["source"], "values": "x=2,y=-1,z=3", "step": 2})
    frame = open_host(page, host_server, live_server, query)
    assert last_event(page) == {
        "source": "backprop-playground",
        "event": "step",
        "step": 2,
        "total": total,
        "phase": "forward",
    }
    frame.locator("g.node[data-node-id]").first.wait_for()

    page.evaluate("() => window.send({command: 'next'})")
    page.wait_for_function("() => window.events.at(-1).step === 3")
    page.evaluate("() => window.send({command: 'goto', step: 8})")
    page.wait_for_function("() => window.events.at(-1).step === 8")
    assert last_event(page)["phase"] == "backward"
    page.evaluate("() => window.send({command: 'prev'})")
    page.wait_for_function("() => window.events.at(-1).step === 7")
    assert frame.locator(".controls .count").inner_text() == f"7 / {total}"


def test_the_embed_plays_pauses_and_keeps_its_step_in_its_url(page, host_server, live_server):
    query = urllib.parse.urlencode({"expr": EXPRESSION["source"], "values": "x=2,y=-1,z=3", "speed": 4})
    frame = open_host(page, host_server, live_server, query)
    page.evaluate("() => window.send({command: 'play'})")
    page.wait_for_function("() => window.events.at(-1).step >= 2")
    page.evaluate("() => window.send({command: 'pause'})")
    frame.locator('[data-act="toggle"][aria-pressed="false"]').wait_for()  # paused: the step stays
    step = int(frame.locator(".controls .count").inner_text().split("/")[0])
    # the pause reports the step it stopped at, after every step before it
    page.wait_for_function("s => window.events.at(-1).step === s", arg=step)
    embed = next(f for f in page.frames if "/embed" in f.url)
    embed.wait_for_function("s => new URLSearchParams(location.search).get('step') === String(s)", arg=step)


def test_a_reloaded_embed_comes_back_at_its_step(page, host_server, live_server):
    """reveal.js unloads hidden iframes and later reloads them from their original src."""
    query = urllib.parse.urlencode({"expr": EXPRESSION["source"], "values": "x=2,y=-1,z=3", "step": 1})
    open_host(page, host_server, live_server, query)
    page.evaluate("() => window.send({command: 'goto', step: 9})")
    page.wait_for_function("() => window.events.at(-1).step === 9")
    page.evaluate(
        """() => {
            window.events = [];
            const f = document.getElementById('deck');
            const src = f.getAttribute('src');
            f.src = 'about:blank';
            setTimeout(() => { f.src = src; }, 50);
        }"""
    )
    page.wait_for_function("() => window.events.length > 0")
    assert page.evaluate("() => window.events[0].step") == 9


def test_messages_from_others_are_ignored(page, host_server, live_server):
    open_host(page, host_server, live_server, "expr=x*x&values=x=3")
    before = len(page.evaluate("() => window.events"))
    page.evaluate("() => document.getElementById('deck').contentWindow.postMessage({command: 'next'}, '*')")
    page.evaluate("() => window.send({command: 'goto', step: 1})")
    page.wait_for_function("() => window.events.at(-1).step === 1")
    assert len(page.evaluate("() => window.events")) == before + 1


def test_the_embed_page_has_only_the_graph_and_minimal_controls(page, live_server):
    page.goto(live_server + "/embed?expr=x*x&values=x=3&theme=dark")
    page.wait_for_selector("body[data-ready=true]")
    assert page.locator("#lesson-select").count() == 0
    assert page.locator(".scrubber").is_hidden()
    assert page.get_by_role("button", name="Step forward").is_visible()
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
