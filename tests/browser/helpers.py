"""Helpers for the stepper's browser tests: API calls from Python, waiting for the page, reading nodes."""

from __future__ import annotations

import itertools
import json
import urllib.request

from tests.chromium import keep_console_error

EXPRESSION = {"source": "(x*y + x)*z", "values": {"x": 2, "y": -1, "z": 3}, "mode": "numeric"}


def api(base: str, method: str, path: str, body=None, token: str | None = None):
    """Call the live API and decode its JSON answer."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + "/api/v1" + path, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=20) as response:
        return json.loads(response.read())


def open_stepper(page, url: str, timeout: float = 30_000):
    """Open a stepper page and wait until its graph is drawn (a loaded machine can take many seconds)."""
    page.goto(url)
    page.wait_for_selector("body[data-ready=true]", timeout=timeout)
    page.wait_for_selector("g.node[data-node-id]")


_still = itertools.count()


def wait_still(page, value: str, frames: int = 5, timeout: float = 15_000):
    """Wait until `value` (a JS function's source, e.g. the graph's transform) answers the same over `frames`
    animation frames in a row: what was animating it (a fit, a pan) has ended. An animation changes its
    value every frame, and one just started does so within two."""
    page.wait_for_function(
        f"""([key, frames]) => {{
            const now = String(({value})());
            const seen = window[key] ??= {{ value: now, count: 0 }};
            seen.count = seen.value === now ? seen.count + 1 : 0;
            seen.value = now;
            return seen.count >= frames;
        }}""",
        arg=[f"__still{next(_still)}", frames], polling="raf", timeout=timeout,
    )


def header_control(page, control):
    """A header control (a selector or a locator) ready to use: when the header has folded it into its ⋯ menu
    (a narrow window), the menu is opened first."""
    control = page.locator(control) if isinstance(control, str) else control
    toggle = page.locator(".header-more .more-toggle")
    if not control.is_visible() and toggle.is_visible() and toggle.get_attribute("aria-expanded") != "true":
        toggle.click()
    return control


def counter(page) -> tuple[int, int]:
    """The step counter "k / n" as numbers."""
    text = page.locator(".controls .count").inner_text()
    step, total = (int(s) for s in text.split("/"))
    return step, total


def wait_step(page, step: int):
    page.wait_for_function(
        "s => document.querySelector('.controls .count').textContent.startsWith(s + ' /')", arg=step
    )


def shown_grads(page) -> dict[str, list[float] | None]:
    """Every node's gradient as drawn (its data-grad attribute), by node id."""
    return page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('g.node')].map(
            g => [g.dataset.nodeId, g.dataset.grad ? JSON.parse(g.dataset.grad) : null]))"""
    )


def final_totals(trace: dict) -> dict[str, list[float]]:
    """The last backward total of each node in an API trace."""
    out = {}
    for event in trace["events"]:
        if event["type"] == "backward":
            out[event["node"]] = event["total"]["data"]
    return out


def device(browser, name: str, **options) -> dict:
    """The context options of one of Playwright's device descriptors (a touch screen, a mobile viewport;
    tests/conftest.py puts them on the browser), or a 1280×720 laptop for "laptop"."""
    if name == "laptop":
        return {"viewport": {"width": 1280, "height": 720}, **options}
    descriptor = {k: v for k, v in browser.devices[name].items() if k != "default_browser_type"}
    return {**descriptor, **options}


def open_device(browser, name: str, **options):
    """A new context and page on a device; the page collects its console errors in `console_errors`."""
    context = browser.new_context(**device(browser, name, **options))
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda msg: keep_console_error(page.console_errors, msg))
    page.on("pageerror", lambda exc: page.console_errors.append(str(exc)))
    return context, page


TRANSFORM = "() => document.querySelector('g.viewport').getAttribute('transform')"


def open_page(page, base: str, name: str, lecture=None):
    """Open a page as a student would: "join" (the class `lecture`, tests/browser/conftest.py), "stepper" or
    "embed" at the lecture's step of xor-relu, "studio"; return once it is drawn and the camera is still."""
    if name == "studio":
        page.goto(f"{base}/studio")
        page.wait_for_selector(".network-view .links path", state="attached", timeout=60_000)
        page.wait_for_function("() => document.querySelector('#data').dataset.redraws > 0", timeout=60_000)
        return
    path = {"join": f"/join/{lecture.code}", "stepper": f"/?lesson=xor-relu&step={lecture.step}",
            "embed": f"/embed?lesson=xor-relu&step={lecture.step}"}[name]
    page.goto(base + path)
    page.wait_for_selector("body[data-ready=true]", timeout=30_000)
    if name == "join":
        page.wait_for_selector(".class-banner[data-connected=true]")
    wait_step(page, lecture.step)
    wait_still(page, TRANSFORM)  # the camera has framed the current node
