"""A browser page with no network: every request that is not file: or data: is refused and recorded, and the
page fails its test on console errors, as a lecture hall with no network (or a mailed file) would show."""

from __future__ import annotations

import contextlib


@contextlib.contextmanager
def offline_page(browser, *, host_may_ask: bool = False, size=(1280, 720)):
    """A page (`size`) whose context refuses every request but file: and data:. At the end, no request
    may have been refused and no console error logged; with `host_may_ask`, the top page's own requests
    (a notebook exported to HTML asks a CDN for its scripts) are refused quietly and only those of the
    frames inside it count."""
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    attempted: list[tuple[str, str]] = []

    def refuse(route):
        request = route.request
        if request.url.startswith(("file:", "data:")):
            route.continue_()
            return
        frame = request.frame
        by_host = frame.parent_frame is None if frame else True
        attempted.append((request.url, "host" if by_host else frame.url))
        route.abort()

    context.route("**/*", refuse)
    page = context.new_page()
    errors: list[str] = []

    def console(msg):
        if msg.type != "error":
            return
        refused_host = {url for url, by in attempted if by == "host"}
        if host_may_ask and msg.location.get("url") in refused_host:
            return  # the host page's own refused script, not ours
        errors.append(msg.text)

    page.on("console", console)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        yield page
    finally:
        context.close()
    ours = [(url, by) for url, by in attempted if not (host_may_ask and by == "host")]
    assert not ours, f"the page asked the network for {ours}"
    assert not errors, f"console errors: {errors}"
