"""Accessibility, checked by axe-core (npm, web/node_modules) in Chromium: the pages a class uses have no
serious or critical violation, on a phone and at 1280×720. /docs is Swagger UI's own page: its colours are
ours to theme (no contrast violation), its markup is not (operation summaries are buttons holding buttons)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.helpers import open_device, open_page

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / "web" / "node_modules" / "axe-core" / "axe.min.js"
PAGES = ["stepper", "embed", "studio", "join"]  # /, /embed, /studio, /join/{code}
RUN = """async () => (await axe.run(document)).violations.map((v) => ({
  id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }))"""


def violations(page) -> list[dict]:
    """axe-core's violations on the page as it stands (the page's CSP allows no inline script: the test's
    context bypasses it to inject the file)."""
    page.add_script_tag(path=str(AXE))
    return page.evaluate(RUN)


@pytest.mark.parametrize("device_name", ["iPhone 13", "laptop"])
@pytest.mark.parametrize("name", PAGES)
def test_no_serious_or_critical_violation(browser, live_server, lecture, name, device_name):
    assert AXE.exists(), "axe-core is a devDependency: npm ci in web/"
    context, page = open_device(browser, device_name, bypass_csp=True)
    try:
        open_page(page, live_server, name, lecture)
        found = [v for v in violations(page) if v["impact"] in ("serious", "critical")]
    finally:
        context.close()
    assert found == []
    assert page.console_errors == []


def test_the_api_manual_is_themed_where_swagger_ui_lets_it(browser, live_server):
    context, page = open_device(browser, "laptop", bypass_csp=True)
    try:
        page.goto(f"{live_server}/docs")
        page.wait_for_selector(".opblock-summary-method", timeout=30_000)
        found = {v["id"] for v in violations(page) if v["impact"] in ("serious", "critical")}
    finally:
        context.close()
    # what is left is Swagger UI's markup, not its colours
    assert "color-contrast" not in found
    assert found <= {"nested-interactive"}, found
