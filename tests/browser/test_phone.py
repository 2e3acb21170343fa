"""Phones and tablets: Chromium emulating them with Playwright's device descriptors (a touch screen, a mobile
viewport; WebKit's own quirks are not emulated). Every page fits the screen, the graph takes its width, the
current node reads at 14 px or more; taps, swipes and pinches go where they belong; a follower answers a
question on a phone, keeps the screen on, and catches up at once after a sleep or a network change."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.browser.helpers import TRANSFORM, counter, open_device, open_page, wait_step, wait_still

pytestmark = pytest.mark.browser

PHONES = ["iPhone 13", "Pixel 7"]  # held upright
DEVICES = ["iPhone 13", "iPhone 13 landscape", "Pixel 7", "iPad Mini"]
PAGES = ["join", "stepper", "embed", "studio"]
SHOTS_ENV = "BACKPROP_PHONE_SHOTS"  # a directory: the screenshots are copied there too, to be looked at

# What a page shows on a device, measured in it: its width, the graph's, the current node's text (label,
# op and shape, value and gradient) and the current contribution's label, each with its rendered size.
MEASURE = """() => {
  const root = document.documentElement;
  const graph = document.getElementById('graph') ?? document.getElementById('network');
  const area = graph.getBoundingClientRect();
  const view = { left: Math.max(0, area.left), top: Math.max(0, area.top),
                 right: Math.min(innerWidth, area.right), bottom: Math.min(innerHeight, area.bottom) };
  const inside = (r) => r.left >= view.left - 0.5 && r.top >= view.top - 0.5 && r.right <= view.right + 0.5
    && r.bottom <= view.bottom + 0.5;
  const rendered = (t) => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a;
  const node = document.querySelector('g.node.receiving') ?? document.querySelector('g.node.active');
  const texts = node ? [...node.querySelectorAll('text.label, text.meta, .value text.num, .grad text.num')]
    .filter((t) => t.textContent.trim() && t.getBBox().width > 0) : [];
  const label = document.querySelector('.edge-label.current text');
  return {
    pageWidth: Math.max(root.scrollWidth, innerWidth),
    graphWidth: area.width,
    node: node?.dataset.nodeId ?? null,
    text: texts.map((t) => [t.textContent, rendered(t), inside(t.getBoundingClientRect())]),
    contribution: label ? rendered(label) : null,
  };
}"""

# The controls a finger uses: every one drawn on the page (not the graph's nodes, which pinch-zoom).
TARGETS = """() => [...document.querySelectorAll(
    'button, select, summary, a[href], label.switch, label.toggle, label.file-button, '
    + 'input:not([type=checkbox]):not([type=file]):not([type=hidden])')]
  .filter((el) => !el.closest('svg') && !el.classList.contains('skip-link'))
  .map((el) => [el, el.getBoundingClientRect()])
  .filter(([el, r]) => r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden')
  .filter(([, r]) => r.width < 44 - 0.5 || r.height < 44 - 0.5)
  .map(([el, r]) => `${el.tagName.toLowerCase()}#${el.id}.${el.className} `
    + `${Math.round(r.width)}×${Math.round(r.height)}`)"""


def shot(page, tmp_path: Path, name: str, full_page: bool = False):
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    if os.environ.get(SHOTS_ENV):
        Path(os.environ[SHOTS_ENV]).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(os.environ[SHOTS_ENV]) / path.name)


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("device_name", DEVICES)
def test_every_page_fits_the_screen_with_the_current_node_legible(browser, live_server, lecture, tmp_path,
                                                                  device_name, name):
    context, page = open_device(browser, device_name)
    try:
        open_page(page, live_server, name, lecture)
        width = page.viewport_size["width"]
        seen = page.evaluate(MEASURE)
        assert seen["pageWidth"] <= width, f"the page is {seen['pageWidth'] - width} px wider than the screen"
        if device_name in PHONES:
            assert seen["graphWidth"] >= 0.9 * width, f"the graph is {seen['graphWidth']} px of {width}"
        assert page.evaluate(TARGETS) == [], "controls smaller than 44 px"
        if name != "studio":
            assert seen["node"], "no current node"
            small = [(text, round(px, 1)) for text, px, _ in seen["text"] if px < 14]
            assert seen["text"] and not small, f"the current node's text under 14 px: {small}"
            outside = [text for text, _, inside in seen["text"] if not inside]
            assert not outside, f"the current node's text outside the graph's view: {outside}"
            if seen["contribution"] is not None:
                assert seen["contribution"] >= 14, seen["contribution"]
        if name == "join":
            code = page.locator(".class-banner-code")
            assert code.inner_text() == lecture.code
            whole = code.evaluate(
                """el => { const r = el.getBoundingClientRect(), b = el.closest('.class-banner-text');
                           return el.scrollWidth <= el.clientWidth + 0.5
                             && b.scrollWidth <= b.clientWidth + 0.5 && r.left >= 0 && r.right <= innerWidth
                             && r.top >= 0 && r.bottom <= innerHeight; }""")
            assert whole, "the room code is cut off"
            assert page.locator(".class-banner-audience").is_visible()
            assert "watching" in page.locator(".class-banner-audience").inner_text()
        shot(page, tmp_path, f"{name}-{device_name.replace(' ', '-')}", full_page=name == "studio")
        if name == "join":  # the longest thing the connection says fits as well
            fits = page.evaluate(
                """() => { const banner = document.querySelector('.class-banner');
                           const conn = banner.querySelector('.class-banner-conn');
                           banner.dataset.connected = 'false';
                           conn.textContent = 'There is no class with this code (it may have ended).';
                           const r = conn.getBoundingClientRect();
                           return conn.scrollWidth <= conn.clientWidth + 0.5
                             && conn.scrollHeight <= conn.clientHeight + 0.5
                             && r.left >= 0 && r.right <= innerWidth && r.top >= 0 && r.bottom <= innerHeight
                             && document.documentElement.scrollWidth <= innerWidth; }""")
            assert fits, "a connection message does not fit the banner"
    finally:
        context.close()
    assert page.console_errors == []


def touch(cdp, kind: str, points):
    points = [{"x": x, "y": y, "id": i} for i, (x, y) in enumerate(points)]
    cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})


def drag(cdp, start, end, steps: int = 8):
    """One finger from `start` to `end` (CSS px), through the browser's own touch input."""
    touch(cdp, "touchStart", [start])
    for i in range(1, steps + 1):
        f = i / steps
        touch(cdp, "touchMove", [(start[0] + (end[0] - start[0]) * f, start[1] + (end[1] - start[1]) * f)])
    touch(cdp, "touchEnd", [])


def pinch(cdp, centre, apart_from: float, apart_to: float, steps: int = 8):
    """Two fingers moving apart (or together) around `centre`."""
    x, y = centre
    for i in range(steps + 1):
        d = apart_from + (apart_to - apart_from) * i / steps
        touch(cdp, "touchStart" if i == 0 else "touchMove", [(x - d / 2, y), (x + d / 2, y)])
    touch(cdp, "touchEnd", [])


def centre(page, selector: str):
    box = page.locator(selector).bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def test_taps_swipes_and_pinches_on_a_phone(browser, live_server, lecture, tmp_path):
    context, page = open_device(browser, "iPhone 13")
    cdp = context.new_cdp_session(page)
    try:
        open_page(page, live_server, "stepper", lecture)
        # the lesson text is a sheet the ☰ button opens, over the graph, not a column beside it
        assert page.locator("#side").is_hidden()
        page.locator("#toggle-side").tap()
        page.locator("#side .lesson-title").wait_for()
        assert page.locator("#toggle-side").get_attribute("aria-expanded") == "true"
        side = page.locator("#side").bounding_box()
        assert side["width"] >= page.viewport_size["width"] - 1 and side["y"] > 0
        page.locator("#side .sheet-close").tap()
        page.locator("#side").wait_for(state="hidden")
        # what the header has no room for is in ⋯, as large as a finger
        page.locator(".app-header .more-toggle").tap()
        switch = page.locator(".more-items .switch")
        switch.wait_for()
        assert switch.bounding_box()["height"] >= 44
        page.locator(".app-header .more-toggle").tap()

        # a tap on a node opens its inspector, a sheet over the bottom of the graph; the graph fits above it
        page.locator("g.node.receiving").tap()
        page.wait_for_selector("#inspector:not([hidden])")
        page.wait_for_function("() => new URLSearchParams(location.search).get('node') !== null")
        wait_still(page, TRANSFORM)
        sheet = page.locator("#inspector").bounding_box()
        assert sheet["width"] >= page.viewport_size["width"] - 1
        node = page.locator("g.node.receiving rect.box").bounding_box()
        assert node["y"] + node["height"] <= sheet["y"] + 0.5, "the current node is under the inspector"
        shot(page, tmp_path, "inspector-iPhone-13")
        page.locator("#inspector .close").tap()
        page.wait_for_selector("#inspector[hidden]", state="attached")

        # a swipe along the narration steps: to the left forward, to the right back
        step = counter(page)[0]
        x, y = centre(page, ".controls .narration")
        drag(cdp, (x + 120, y), (x - 120, y))
        wait_step(page, step + 1)
        drag(cdp, (x - 120, y), (x + 120, y))
        wait_step(page, step)
        wait_still(page, TRANSFORM)

        # on the graph the same gesture pans it and steps nothing; two fingers zoom it
        before = page.evaluate(TRANSFORM)
        gx, gy = centre(page, "#graph")
        drag(cdp, (gx + 100, gy), (gx - 100, gy))
        page.wait_for_function(f"before => ({TRANSFORM})() !== before", arg=before)
        assert counter(page)[0] == step
        scale = """() => Number(/scale\\(([^,)]+)/
          .exec(document.querySelector('g.viewport').getAttribute('transform'))[1])"""
        k = page.evaluate(scale)
        pinch(cdp, (gx, gy), 60, 220)
        page.wait_for_function(f"k => ({scale})() > k * 1.5", arg=k)
        assert counter(page)[0] == step
        # the whole graph is one tap away
        follow = page.locator('.controls [data-act="follow"]')
        assert follow.get_attribute("aria-pressed") == "true", "a phone follows the current node"
        follow.tap()
        page.wait_for_selector('.controls [data-act="follow"][aria-pressed="false"]')
        wait_still(page, TRANSFORM)
        inside = page.evaluate(
            """() => { const a = document.getElementById('graph').getBoundingClientRect();
                       return [...document.querySelectorAll('g.node rect.box')].every((b) => {
                         const r = b.getBoundingClientRect();
                         return r.left >= a.left - 0.5 && r.right <= a.right + 0.5
                           && r.top >= a.top - 0.5 && r.bottom <= a.bottom + 0.5; }); }""")
        assert inside, "the overview shows the whole graph"
        # the gradient table rises from the bottom too
        page.locator(".grad-table-toggle").tap()
        table = page.locator(".grad-table")
        table.wait_for()
        assert table.bounding_box()["width"] >= page.viewport_size["width"] - 1
        page.locator(".grad-table .close").tap()
        table.wait_for(state="hidden")
    finally:
        context.close()
    assert page.console_errors == []


def test_a_follower_answers_on_a_phone_and_catches_up_after_a_sleep(browser, live_server, lecture, tmp_path):
    presenter = lecture.presenter
    context, page = open_device(browser, "iPhone 13")
    sockets = []  # the follower's room connections, each forwarded to the server unless it sleeps

    def route(ws):
        server = ws.connect_to_server()
        conn = {"asleep": False}
        sockets.append(conn)
        ws.on_message(lambda message: server.send(message))
        server.on_message(lambda message: None if conn["asleep"] else ws.send(message))

    page.route_web_socket("**/rooms/*/stream", route)
    try:
        open_page(page, live_server, "join", lecture)
        # the banner is at the bottom, in a thumb's reach; the page keeps the screen on, and says so
        banner = page.locator(".class-banner").bounding_box()
        assert banner["y"] + banner["height"] >= page.viewport_size["height"] - 1
        page.wait_for_selector(".class-banner[data-wake=on]")
        wake = page.locator(".class-wake")
        assert wake.get_attribute("aria-pressed") == "true"
        wake.tap()
        page.wait_for_selector(".class-banner[data-wake=off]")
        assert wake.get_attribute("aria-pressed") == "false"
        wake.tap()
        page.wait_for_selector(".class-banner[data-wake=on]")

        # the presenter asks about b₂, which holds one number
        presenter.locator('g.node[data-node-id="n3"]').click()
        ask = presenter.locator(".class-ask-button")
        ask.wait_for()
        presenter.wait_for_function("() => !document.querySelector('.class-ask-button').disabled")
        ask.click()
        page.wait_for_selector(".class-card:not([hidden])")
        card = page.locator(".class-card").bounding_box()
        width = page.viewport_size["width"]
        assert card["x"] <= 0.5 and card["width"] >= width - 1, "the question is a sheet"
        assert card["y"] + card["height"] >= page.viewport_size["height"] - 1
        field = page.locator(".class-answer")
        assert field.get_attribute("inputmode") == "decimal"
        page.locator(".class-sign").tap()  # a numeric keypad may have no minus sign
        field.tap()
        page.keyboard.type("1.5")
        assert field.input_value() == "\u22121.5"
        page.locator(".class-card button[type=submit]").tap()
        presenter.wait_for_selector(".class-tally[data-count='1']")
        presenter.click(".class-reveal")
        page.wait_for_selector(".class-card[data-result=right]")
        verdict = page.locator(".class-answer-note")
        assert "Right" in verdict.inner_text()
        assert page.locator(".class-card button[type=submit]").is_disabled()
        assert verdict.evaluate("el => parseFloat(getComputedStyle(el).fontSize)") >= 20
        assert verdict.evaluate(
            "el => { const r = el.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; }")
        shot(page, tmp_path, "answer-iPhone-13")
        presenter.click(".class-close-question")
        page.wait_for_selector(".class-card[hidden]", state="attached")

        # the phone sleeps: its socket stays open but hears nothing, while the presenter moves on
        sockets[-1]["asleep"] = True
        presenter.locator("#graph svg").focus()
        presenter.keyboard.press("ArrowRight")
        wait_step(presenter, lecture.step + 1)
        opened = len(sockets)
        # it wakes: the tab is visible again, and the page rejoins at the presenter's view at once
        page.evaluate("() => document.dispatchEvent(new Event('visibilitychange'))")
        wait_step(page, lecture.step + 1)
        assert len(sockets) == opened + 1
        page.wait_for_selector(".class-banner[data-connected=true]")
        # the network changes (offline, then online again): the same
        sockets[-1]["asleep"] = True
        context.set_offline(True)
        presenter.keyboard.press("ArrowLeft")
        wait_step(presenter, lecture.step)
        context.set_offline(False)
        wait_step(page, lecture.step)
        assert len(sockets) == opened + 2
    finally:
        context.close()
    assert page.console_errors == []


def test_the_studio_trains_on_a_phone(browser, live_server, tmp_path):
    context, page = open_device(browser, "iPhone 13")
    try:
        open_page(page, live_server, "studio", None)
        # the builder folds into a sheet behind "Build"
        assert page.locator("#builder").is_hidden()
        page.locator("#toggle-builder").tap()
        page.locator("#builder select[name=preset]").wait_for()
        page.locator("#builder .sheet-close").tap()
        page.locator("#builder").wait_for(state="hidden")
        # train, see the boundary and the loss, pause
        page.locator("#play").tap()
        page.wait_for_function("() => Number(document.querySelector('#step-count').dataset.step) > 20",
                               timeout=60_000)
        page.locator("#play").tap()
        page.wait_for_function("() => document.querySelector('#play').textContent.includes('Train')")
        for view in ("#data", "#loss", "#network"):
            box = page.locator(view).bounding_box()
            assert box["width"] >= 0.8 * page.viewport_size["width"] and box["x"] >= 0
            assert box["x"] + box["width"] <= page.viewport_size["width"]
        assert page.locator("#loss .metric-loss .value").inner_text().strip() not in ("", "—")
        shot(page, tmp_path, "studio-trained-iPhone-13", full_page=True)
    finally:
        context.close()
    assert page.console_errors == []
