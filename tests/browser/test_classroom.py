"""Classroom mode: a presenter's stepper and a follower's (/join/{code}) in separate browser contexts."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import time
import urllib.parse
from pathlib import Path

import pytest

from tests.browser.helpers import EXPRESSION, api, counter, final_totals, open_stepper, wait_step, wait_still
from tests.chromium import keep_console_error

pytestmark = pytest.mark.browser

QUERY = {"expr": EXPRESSION["source"], "values": "x=2,y=-1,z=3"}
# where the side-by-side picture goes besides the test's own directory (the README's is docs/classroom.png)
SHOT_ENV = "BACKPROP_CLASSROOM_PNG"


@pytest.fixture
def contexts(browser):
    """Makes pages, each in its own context (own sessionStorage and sockets); fails on console errors."""
    made = []

    def new_page(width=1280, height=720):
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        page.console_errors = []
        page.room_states = []  # the presenter's states as the page's room socket received them
        page.on("websocket", lambda ws: ws.on("framereceived", lambda frame: keep_state(page, frame)))
        page.on("console", lambda m: keep_console_error(page.console_errors, m))
        page.on("pageerror", lambda exc: page.console_errors.append(str(exc)))
        made.append((context, page))
        return page

    yield new_page
    errors = [e for _, page in made for e in page.console_errors]
    for context, _ in made:
        context.close()
    assert not errors, f"console errors: {errors}"


def keep_state(page, frame):
    message = json.loads(frame) if isinstance(frame, str) else {}
    if message.get("type") == "state":
        page.room_states.append(message["state"])


def start_class(page, base: str, query: dict = QUERY, **extra) -> str:
    open_stepper(page, f"{base}/?{urllib.parse.urlencode({**query, **extra})}")
    page.click("#class-start")
    page.wait_for_selector(".class-panel:not([hidden]) .class-code")
    code = page.locator(".class-code").inner_text().strip()
    assert len(code) == 6
    return code


def follow(page, base: str, code: str):
    page.goto(f"{base}/join/{code}")
    page.wait_for_selector("body[data-ready=true]", timeout=30_000)
    page.wait_for_selector(".class-banner[data-connected=true]")


def step_of(state: dict) -> int | None:
    step = urllib.parse.parse_qs(state.get("query", "")).get("step")
    return int(step[0]) if step else None


def poll(page, condition, timeout: float = 30):
    """Wait until `condition()` holds, letting the page's events (socket frames) come in meanwhile."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"not within {timeout} s"
        page.wait_for_timeout(50)


def wait_followers(page, n: int):
    page.wait_for_selector(f".class-audience[data-followers='{n}']")


def selected(page) -> list[str]:
    return page.eval_on_selector_all("g.node.selected", "gs => gs.map(g => g.dataset.nodeId)")


def test_follower_mirrors_explores_and_answers(contexts, live_server, tmp_path):
    presenter, follower, other = contexts(), contexts(), contexts()
    code = start_class(presenter, live_server, theme="projector")
    room = api(live_server, "GET", f"/rooms/{code}")
    assert room["code"] == code
    # the code is case-insensitive: a follower typing it in lower case joins the same room
    follow(follower, live_server, code.lower())
    follow(other, live_server, code)
    wait_followers(presenter, 2)
    follower.wait_for_selector(".class-banner-audience[data-followers='2']")
    banner = follower.locator(".class-banner").inner_text()
    assert f"Following {code}" in banner and "2 watching" in banner
    assert follower.locator("#class-start").is_hidden()
    assert counter(follower) == counter(presenter) == (0, 12)

    # the presenter steps into the backward pass and selects y: the follower shows both, without a reload
    follower.evaluate("window.__sameDocument = true")
    presenter.locator("#graph svg").focus()
    for _ in range(8):
        presenter.keyboard.press("ArrowRight")
    wait_step(presenter, 8)
    presenter.locator('g.node[data-node-id="n1"]').click()
    wait_step(follower, 8)
    follower.wait_for_function("() => document.querySelector('g.node.selected')?.dataset.nodeId === 'n1'")
    assert follower.locator("#inspector").is_visible()
    assert follower.evaluate("window.__sameDocument") is True
    assert "step=8" in follower.url and "node=n1" in follower.url and f"/join/{code.lower()}" in follower.url

    # exploring: the presenter's steps no longer move the follower, who steps freely
    follower.click(".class-explore")
    assert "Exploring on your own" in follower.locator(".class-banner").inner_text()
    states = len(follower.room_states)
    presenter.keyboard.press("ArrowLeft")
    presenter.keyboard.press("ArrowLeft")
    wait_step(presenter, 6)
    follower.locator("#graph svg").focus()
    follower.keyboard.press("ArrowRight")
    wait_step(follower, 9)
    # the presenter's state at step 6 has reached the follower's socket, and a page still following has
    # moved to it: the follower, exploring, stays where it went
    poll(follower, lambda: any(step_of(state) == 6 for state in follower.room_states[states:]))
    wait_step(other, 6)
    assert counter(follower)[0] == 9
    # following again jumps to the presenter's current view at once
    follower.click(".class-follow")
    wait_step(follower, 6)
    assert follower.locator(".class-explore").is_visible()

    # ask the room about y at a backward step; the follower answers; the histogram counts it; reveal
    presenter.keyboard.press("ArrowRight")
    presenter.keyboard.press("ArrowRight")
    wait_step(follower, 8)
    ask = presenter.locator(".class-ask-button")
    ask.wait_for(state="visible")
    assert ask.is_enabled()
    ask.click()
    follower.wait_for_selector(".class-card:not([hidden])")
    assert follower.locator(".class-card-prompt").inner_text() == "What total will y receive?"
    follower.fill(".class-answer", "6")
    follower.click(".class-card button[type=submit]")
    other.wait_for_selector(".class-card:not([hidden])")
    other.fill(".class-answer", "\u22121")  # a typed minus sign reads as one
    other.press(".class-answer", "Enter")
    presenter.wait_for_selector(".class-tally[data-count='2']")
    bars = presenter.eval_on_selector_all(
        ".class-histogram .bars g",
        "gs => gs.map(g => [Number(g.dataset.x0), Number(g.dataset.x1), Number(g.dataset.count)])")
    assert sum(c for _, _, c in bars) == 2
    for answer in (6, -1):
        assert sum(c for x0, x1, c in bars if x0 <= answer <= x1) >= 1, f"{answer} in a bar: {bars}"
    truth = final_totals(api(live_server, "POST", "/expressions", EXPRESSION))["n1"][0]
    assert truth == 6
    presenter.click(".class-reveal")
    presenter.wait_for_selector(".class-histogram .truth:not([display=none])")
    assert "2 answers · 1 right" in presenter.locator(".class-tally").inner_text()
    follower.wait_for_selector(".class-card[data-result=right]")
    assert "Right" in follower.locator(".class-answer-note").inner_text()
    other.wait_for_selector(".class-card[data-result=wrong]")
    assert "you answered −1" in other.locator(".class-answer-note").inner_text()

    # both at 960×540, side by side: the presenter's histogram with the truth, the follower's verdict
    for page in (presenter, follower):
        page.set_viewport_size({"width": 960, "height": 540})
    for page in (presenter, follower):  # the graphs refit to the smaller window
        wait_still(page, "() => document.querySelector('g.viewport').getAttribute('transform')")
    side_by_side(presenter, follower, tmp_path / "classroom.png")

    # ending the class tells the follower, and the room is gone
    presenter.click(".class-end")
    follower.wait_for_selector(".class-banner[data-ended=true]")
    assert "no class with this code" in follower.locator(".class-banner").inner_text()
    with pytest.raises(Exception, match="404"):
        api(live_server, "GET", f"/rooms/{code}")


def side_by_side(left, right, path: Path):
    """One PNG of two pages' screenshots next to each other (composed by a third page, no image library)."""
    shots = [base64.b64encode(p.screenshot()).decode() for p in (left, right)]
    width = sum(p.viewport_size["width"] for p in (left, right)) + 12
    height = max(p.viewport_size["height"] for p in (left, right))
    host = left.context.new_page()
    host.set_viewport_size({"width": width, "height": height})
    host.set_content(
        '<body style="margin:0;background:#333;display:flex;gap:12px">'
        + "".join(f'<img src="data:image/png;base64,{s}" style="display:block">' for s in shots)
        + "</body>")
    host.wait_for_function("() => [...document.images].every(i => i.complete && i.naturalWidth)")
    host.screenshot(path=str(path))
    host.close()
    assert path.stat().st_size > 10_000
    if os.environ.get(SHOT_ENV):
        Path(os.environ[SHOT_ENV]).write_bytes(path.read_bytes())


# the histogram of the answers as laid out on the page: the rendered size of each of its texts (font size ×
# the SVG's scale on screen), its box (the SVG's and any text's reaching past it) and what that box meets
HISTOGRAM_LAYOUT = """() => {
    const svg = document.querySelector('.class-panel .class-histogram');
    const shown = (el) => el.checkVisibility({ visibilityProperty: true, opacityProperty: true });
    const texts = [...svg.querySelectorAll('text')].filter((t) => shown(t) && t.textContent.trim());
    const px = (t) => {
        const m = t.getScreenCTM();
        return parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b);
    };
    const rects = [svg, ...texts].map((el) => el.getBoundingClientRect());
    const box = {
        left: Math.min(...rects.map((r) => r.left)), top: Math.min(...rects.map((r) => r.top)),
        right: Math.max(...rects.map((r) => r.right)), bottom: Math.max(...rects.map((r) => r.bottom)),
    };
    const meets = (el) => {
        const r = el.getBoundingClientRect();
        return r.width > 0 && r.height > 0 && r.left < box.right && box.left < r.right && r.top < box.bottom
            && box.top < r.bottom;
    };
    const lesson = document.querySelector('#lesson-panel');
    const lessonText = [lesson, ...lesson.querySelectorAll('*')].filter(shown);
    return {
        texts: texts.map((t) => [t.textContent, Math.round(px(t) * 10) / 10]),
        box,
        viewport: [innerWidth, innerHeight],
        lesson: lessonText.filter(meets).map((el) => el.textContent.trim().slice(0, 40)),
        nodes: [...document.querySelectorAll('g.node')].filter(meets).map((g) => g.dataset.nodeId),
        nodeCount: document.querySelectorAll('g.node').length,
        controls: meets(document.querySelector('#controls')),
    };
}"""
SETTLED = """() => [document.querySelector('g.viewport').getAttribute('transform'),
    document.querySelector('.class-histogram').getAttribute('viewBox')].join()"""
# the room's answers: a bulk near the truth, a spread and a few far off (the edge bars count them, "≤ n")
ANSWERS = [1.09, 1.09, 1.1, 1, 1.2, 0.9, 1.09, 2, 0.5, 1.09, 3, -1, 1.09, 1.5, 0.8, 1.09, 6, -4, 1.09, 1.1, 1]


def test_the_rooms_answers_at_projector_size_have_their_own_space(contexts, live_server):
    """Ask the room in the projector theme, at 960×540 and 1280×720: before and after the reveal every text of
    the histogram renders at 20 px or more, and the histogram lies in the window, clear of the lesson's text,
    the graph's nodes and the controls."""
    from websockets.sync.client import connect

    presenter = contexts(960, 540)
    code = start_class(presenter, live_server, {"lesson": "chain-rule"}, theme="projector")
    assert presenter.locator("#lesson-panel").is_visible()
    presenter.get_by_role("button", name="Jump to the start of the backward pass").click()
    presenter.locator("#graph svg").focus()
    presenter.keyboard.press("ArrowRight")
    presenter.locator('g.node[data-node-id="n0"]').click()
    ask = presenter.locator(".class-ask-button")
    presenter.wait_for_function("() => !document.querySelector('.class-ask-button').disabled")
    ask.click()
    presenter.wait_for_selector(".class-question:not([hidden])")
    stream = live_server.replace("http", "ws") + f"/api/v1/rooms/{code}/stream"
    with contextlib.ExitStack() as students:
        for value in ANSWERS:
            student = students.enter_context(connect(stream))
            student.send(json.dumps({"type": "follow"}))
            hello = json.loads(student.recv(timeout=30))
            assert hello["type"] == "hello" and hello["question"], hello
            student.send(json.dumps({"type": "answer", "id": hello["question"]["id"], "value": value}))
        presenter.wait_for_selector(f".class-tally[data-count='{len(ANSWERS)}']")
        for revealed in (False, True):
            if revealed:
                presenter.click(".class-reveal")
                presenter.wait_for_selector(".class-histogram .truth:not([display=none])")
            for width, height in ((960, 540), (1280, 720)) if not revealed else ((1280, 720), (960, 540)):
                presenter.set_viewport_size({"width": width, "height": height})
                wait_still(presenter, SETTLED)
                layout = presenter.evaluate(HISTOGRAM_LAYOUT)
                where = f"{width}×{height}, {'revealed' if revealed else 'asked'}: {layout}"
                assert len(layout["texts"]) >= 4, where  # counts and axis labels (and the truth's label)
                assert all(px >= 20 for _, px in layout["texts"]), where
                if revealed:
                    assert any(text.startswith("true") for text, _ in layout["texts"]), where
                box = layout["box"]
                assert box["left"] >= 0 and box["top"] >= 0, where
                assert box["right"] <= width and box["bottom"] <= height, where
                assert layout["lesson"] == [], where
                assert layout["nodeCount"] > 0 and layout["nodes"] == [], where
                assert not layout["controls"], where
    presenter.click(".class-end")


def test_late_joiner_reload_and_unknown_room(contexts, live_server):
    presenter = contexts()
    code = start_class(presenter, live_server)
    presenter.locator("#graph svg").focus()
    for _ in range(3):
        presenter.keyboard.press("ArrowRight")
    presenter.locator('g.node[data-node-id="n2"]').click()
    wait_step(presenter, 3)
    # a late joiner sees the current view at once
    late = contexts()
    follow(late, live_server, code)
    wait_step(late, 3)
    late.wait_for_function("() => document.querySelector('g.node.selected')?.dataset.nodeId === 'n2'")
    # the presenter reloads: the same tab presents the same room again and goes on publishing
    presenter.reload()
    presenter.wait_for_selector("body[data-ready=true]")
    presenter.wait_for_selector(".class-panel:not([hidden])")
    assert presenter.locator(".class-code-small").inner_text() == code
    wait_followers(presenter, 1)
    presenter.locator("#graph svg").focus()
    presenter.keyboard.press("ArrowRight")
    wait_step(late, 4)
    # another lesson: the follower loads it
    presenter.select_option("#lesson-select", "chain-rule")
    late.wait_for_function("() => new URLSearchParams(location.search).get('lesson') === 'chain-rule'")
    late.wait_for_function("() => document.querySelector('#lesson-select').value === 'chain-rule'")
    count = "document.querySelector('.controls .count').textContent"
    presenter.wait_for_function(f"() => !{count}.endsWith('/ 12')")
    late.wait_for_function(f"s => {count} === s", arg=presenter.locator(".controls .count").inner_text())
    # a room that does not exist: said plainly, and the page still works on its own
    lost = contexts()
    lost.goto(f"{live_server}/join/XXXXXX")
    lost.wait_for_selector(".class-banner[data-ended=true]")
    assert "no class with this code" in lost.locator(".class-banner").inner_text()
    lost.wait_for_selector("body[data-ready=true]")
    assert counter(lost) == (0, 12)


def test_a_presenter_in_the_studio_takes_the_followers_there(contexts, live_server):
    from tests.browser.test_studio import open_studio

    presenter, follower = contexts(), contexts()
    open_studio(presenter, f"{live_server}/studio")
    presenter.wait_for_function("() => location.hash.startsWith('#s=')")
    presenter.click("#class-start")
    presenter.wait_for_selector(".class-panel:not([hidden]) .class-code")
    code = presenter.locator(".class-code").inner_text().strip()
    assert presenter.locator(".class-ask").is_hidden()  # questions are about the stepper's nodes
    # a follower who joins at /join/{code} is taken to the studio, following, on the presenter's net
    follower.goto(f"{live_server}/join/{code}")
    follower.wait_for_url(f"**/studio?follow={code}#s=*")
    follower.wait_for_selector(".class-banner[data-connected=true]")
    wait_followers(presenter, 1)
    # the presenter picks another net: the follower's studio builds it
    preset = "sine"
    presenter.select_option("select[name=preset]", preset)
    follower.wait_for_function("p => document.querySelector('select[name=preset]')?.value === p", arg=preset,
                               timeout=30_000)
    assert "Following" in follower.locator(".class-banner").inner_text()


def test_a_class_survives_its_server_killed_and_started_again(contexts, tmp_path):
    """kill -9 of the server mid-class: the follower's page says the class is reconnecting (never that it
    does not exist), and once the server is back on the same data directory it follows again; a reload of
    the presenter's tab resumes the class."""
    from tests.processes import Server

    data = tmp_path / "data"
    data.mkdir()
    server = Server(data)
    try:
        presenter, follower = contexts(), contexts()
        code = start_class(presenter, server.url)
        follow(follower, server.url, code)
        presenter.locator("#graph svg").focus()
        for _ in range(5):
            presenter.keyboard.press("ArrowRight")
        wait_step(follower, 5)

        server.kill()
        follower.wait_for_selector(".class-banner[data-connected=false]")
        assert "reconnecting" in follower.locator(".class-banner").inner_text()
        presenter.wait_for_function(
            "() => document.querySelector('.class-conn').textContent.includes('reconnecting')")
        server = Server(data, port=server.port)  # the same address and data directory
        follower.wait_for_selector(".class-banner[data-connected=true]", timeout=30_000)
        assert follower.locator(".class-banner[data-ended=true]").count() == 0
        assert f"Following {code}" in follower.locator(".class-banner").inner_text()
        presenter.locator("#graph svg").focus()
        presenter.keyboard.press("ArrowRight")
        wait_step(follower, 6)

        presenter.reload()  # the presenter's tab, reloaded: the class resumes from sessionStorage
        presenter.wait_for_selector("body[data-ready=true]", timeout=30_000)
        presenter.wait_for_selector(".class-panel:not([hidden])")
        assert presenter.locator(".class-code-small").inner_text().strip() == code
        presenter.wait_for_function("() => document.querySelector('.class-conn').textContent === ''")
        presenter.locator("#graph svg").focus()
        presenter.keyboard.press("ArrowRight")
        wait_step(follower, 7)
    finally:
        server.kill()
    # what the browser logs while the server is away: refused connections, and a request the kill cut off
    away = ("ERR_CONNECTION_REFUSED", "ERR_CONNECTION_RESET", "ERR_EMPTY_RESPONSE", "WebSocket connection")
    for page in (presenter, follower):
        page.console_errors[:] = [e for e in page.console_errors if not any(a in e for a in away)]


def test_a_follower_sees_the_page_loading_and_the_class_waiting_never_a_blank_graph(contexts, live_server):
    """The join page says "Loading…" before its scripts ran, "Waiting for the lecturer…" in a room that shows
    nothing yet, and nothing once the lecturer's lesson is drawn."""
    room = api(live_server, "POST", "/rooms", {})
    phone = contexts(390, 844)
    held = []
    phone.route("**/*.js", lambda route: held.append(route))  # the scripts held back: only the HTML and CSS
    phone.goto(f"{live_server}/join/{room['code']}", wait_until="commit")
    phone.wait_for_selector("#graph-note:not([hidden])")
    assert phone.locator("#graph-note").inner_text().strip() == "Loading…"
    box = phone.locator("#graph-note .graph-note-text").bounding_box()
    assert 0 < box["y"] < 844 / 2  # above the side sheet that covers a phone's lower half
    phone.route("**/*.js", lambda route: route.continue_())  # the newest handler runs first
    for route in held:
        route.continue_()
    phone.wait_for_function("() => document.querySelector('#graph-note').innerText.includes('Waiting for')")
    assert phone.locator("#graph-note").is_visible()
    from websockets.sync.client import connect

    with connect(live_server.replace("http", "ws") + f"/api/v1/rooms/{room['code']}/stream") as presenter:
        presenter.send(json.dumps({"type": "auth", "token": room["presenter_token"]}))
        assert json.loads(presenter.recv(timeout=30))["role"] == "presenter"
        presenter.send(json.dumps({"type": "state", "state": {"query": "lesson=xor-relu&step=2"}}))
        phone.wait_for_selector("body[data-ready=true]", timeout=30_000)
        assert phone.locator("#graph-note").is_hidden()
        assert phone.locator("g.node").count() > 0
