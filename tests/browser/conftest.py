"""Fixtures of the phone, tablet and accessibility tests: a class in progress that they join."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.browser.helpers import counter, open_stepper, wait_step
from tests.chromium import keep_console_error

LESSON = "xor-relu"
BACKWARD_STEPS = 5  # the presenter's step: this many into the backward pass


@dataclass
class Class:
    """A class in progress: its code, the presenter's page and the step it shows."""

    code: str
    presenter: object
    step: int


@pytest.fixture(scope="session")
def lecture(browser, live_server):
    """A presenter at 1280×720 showing lesson xor-relu in the middle of its backward pass, with a class
    started; the session's phone and accessibility tests join it."""
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: keep_console_error(errors, msg))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    open_stepper(page, f"{live_server}/?lesson={LESSON}")
    page.get_by_role("button", name="Jump to the start of the backward pass").click()
    start = counter(page)[0]
    page.locator("#graph svg").focus()
    for _ in range(BACKWARD_STEPS):
        page.keyboard.press("ArrowRight")
    wait_step(page, start + BACKWARD_STEPS)
    page.click("#class-start")
    page.wait_for_selector(".class-panel:not([hidden]) .class-code")
    code = page.locator(".class-code").inner_text().strip()
    yield Class(code=code, presenter=page, step=start + BACKWARD_STEPS)
    context.close()
    assert not errors, f"console errors on the presenter's page: {errors}"

