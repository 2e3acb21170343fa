"""The page headers (stepper and studio) at lecture-hall sizes: nothing is cut off, and what does not fit in
the row is one click away in the ⋯ menu, which the keyboard can open, walk and close."""

from __future__ import annotations

import contextlib

import pytest

from tests.browser.helpers import open_stepper

pytestmark = pytest.mark.browser

SIZES = [(1280, 720), (960, 540), (800, 600)]
PAGES = {
    "stepper": ("/", ".app-header"),
    "lesson": ("/?lesson=xor-relu", ".app-header"),
    "studio": ("/studio", ".topbar"),
}

# Every control the header shows, with where it is: in the window, drawn at all, in the ⋯ panel.
# Controls the page itself hides (`[hidden]`, e.g. Class for a follower) and the items of a closed <details>
# (the studio's Export list: its summary is the control) are not the header's to show.
CONTROLS_JS = """sel => {
  const header = document.querySelector(sel);
  const controls = [...header.querySelectorAll('button, select, a[href], input:not([type=file]), summary')]
    .filter(el => !el.closest('[hidden]'))
    .filter(el => !(el.closest('details:not([open])') && el.tagName !== 'SUMMARY'));
  return {
    scrollWidth: header.scrollWidth, clientWidth: header.clientWidth,
    pageWidth: document.documentElement.scrollWidth,
    controls: controls.map(el => {
      const r = el.getBoundingClientRect(), style = getComputedStyle(el);
      return {
        name: el.id || el.getAttribute('aria-label') || el.textContent.trim(),
        inMenu: Boolean(el.closest('.more-items')),
        shown: r.width > 0 && r.height > 0 && style.visibility !== 'hidden',
        inside: r.left >= 0 && r.top >= 0 && r.right <= innerWidth + 0.5 && r.bottom <= innerHeight + 0.5,
      };
    }),
  };
}"""


def _open(browser, base, name, size, theme):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    path, header = PAGES[name]
    if name == "studio":
        page.goto(base + path)
        page.wait_for_selector("#network svg, #network canvas", timeout=30_000)
    else:
        open_stepper(page, base + path + ("&" if "?" in path else "?") + f"theme={theme}")
    # The studio's views size themselves from their boxes, and again when a box changes (ResizeObserver):
    # on a loaded machine a first draw can come before the last layout, wider for a frame or two. Measure
    # once the page fits (a page that never fits still fails on pageWidth below).
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    with contextlib.suppress(PlaywrightTimeoutError):
        page.wait_for_function("w => document.documentElement.scrollWidth <= w", arg=size[0], timeout=30_000)
    return context, page, header, errors


# The stepper pages in the light and the projector theme; the studio has no projector theme.
THEMED = [(name, theme) for name in PAGES
          for theme in (("light",) if name == "studio" else ("light", "projector"))]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name,theme", THEMED)
def test_every_header_control_is_in_view_or_in_the_menu(browser, live_server, name, size, theme):
    context, page, header, errors = _open(browser, live_server, name, size, theme)
    try:
        state = page.evaluate(CONTROLS_JS, header)
        assert state["scrollWidth"] <= state["clientWidth"], f"header overflows: {state['scrollWidth']} px"
        assert state["pageWidth"] <= size[0]
        assert page.locator(header).bounding_box()["height"] < 70, "the header wrapped onto a second line"
        # the ⋯ button itself is drawn only while something is folded behind it
        folded = [c for c in state["controls"] if not c["shown"] and c["name"] != "More"]
        for control in state["controls"]:
            if control["shown"]:
                assert control["inside"], f"{control['name']} is cut off at {size}"
        assert all(c["inMenu"] for c in folded), f"hidden outside the menu: {folded}"
        primary = ["#class-start"] + (["#lesson-select", "#s2s-toggle"] if header == ".app-header" else [])
        for selector in primary:  # the main controls never fold away
            assert page.locator(selector).is_visible()
        if folded:
            page.locator(f"{header} .more-toggle").click()
            opened = {c["name"]: c for c in page.evaluate(CONTROLS_JS, header)["controls"]}
            for control in folded:
                again = opened[control["name"]]
                assert again["shown"] and again["inside"], f"{control['name']} not reachable through the menu"
        else:
            assert not page.locator(f"{header} .more-toggle").is_visible()
    finally:
        context.close()
    assert not errors


@pytest.mark.parametrize("name", ["lesson", "studio"])
def test_the_menu_opens_walks_and_closes_from_the_keyboard(browser, live_server, name):
    context, page, header, errors = _open(browser, live_server, name, (960, 540), "light")
    try:
        toggle = page.locator(f"{header} .more-toggle")
        panel = page.locator("#" + toggle.get_attribute("aria-controls"))
        assert toggle.get_attribute("aria-expanded") == "false" and not panel.is_visible()
        toggle.focus()
        page.keyboard.press("Enter")
        assert toggle.get_attribute("aria-expanded") == "true" and panel.is_visible()
        page.keyboard.press("Tab")  # the panel follows its button: Tab walks into it
        first = "theme-select" if header == ".app-header" else "theme"
        assert page.evaluate("document.activeElement.id") == first
        page.keyboard.press("Escape")
        assert toggle.get_attribute("aria-expanded") == "false" and not panel.is_visible()
        assert page.evaluate("document.activeElement.classList.contains('more-toggle')")

        toggle.click()
        assert panel.is_visible()
        box = page.locator(header).bounding_box()
        page.mouse.click(4, box["height"] - 3)  # a click elsewhere (the header's padding) closes it
        assert not panel.is_visible() and toggle.get_attribute("aria-expanded") == "false"

        if header == ".app-header":  # a control in the menu still works, and the menu gets out of its way
            toggle.click()
            page.locator("#copy-embed").click()
            page.locator("#embed-box").wait_for()
            assert not panel.is_visible()
            assert page.locator("#download-slides").is_visible()
    finally:
        context.close()
    assert not errors


def test_a_wide_window_shows_everything_in_the_row(browser, live_server):
    context, page, header, errors = _open(browser, live_server, "stepper", (1440, 810), "light")
    try:
        assert not page.locator(".more-toggle").is_visible()
        for selector in ("#theme-select", "#copy-embed", "#class-start"):
            assert page.locator(selector).is_visible()
        assert page.get_by_role("link", name="Studio").is_visible()
        state = page.evaluate(CONTROLS_JS, header)
        assert state["scrollWidth"] <= state["clientWidth"]
        assert all(c["shown"] and c["inside"] for c in state["controls"] if c["name"] != "More")
    finally:
        context.close()
    assert not errors
