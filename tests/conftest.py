"""Fixtures shared by all tests: an app on a temporary data directory, a live server, a headless Chromium."""

from __future__ import annotations

import logging
import os
import shutil
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.chromium import CHROMIUM, CHROMIUM_ARGS, keep_console_error
from tests.waiting import wait_until


@pytest.fixture(autouse=True)
def _no_unexpected_server_error(caplog):
    """A request that fails on an unexpected exception answers a bare 500; in a test run, the test fails
    with the exception itself (a warning the strict filter turned into one included)."""
    yield
    failures = [record for record in caplog.get_records("call")
                if record.name.startswith("backprop_playground") and record.levelno >= logging.ERROR
                and record.exc_info]
    if failures:
        formatter = logging.Formatter()
        pytest.fail("the server failed unexpectedly:\n" + "\n".join(
            f"{record.getMessage()}\n{formatter.formatException(record.exc_info)}" for record in failures))


@pytest.fixture
def settings(tmp_path: Path):
    """Settings of a fresh server whose SQLite database lives in a temporary directory."""
    from backprop_playground.settings import Settings

    return Settings(data_dir=tmp_path, database_url=None)


@pytest.fixture
def app(settings):
    from backprop_playground.app import create_app

    return create_app(settings)


@pytest.fixture
def client(app):
    from fastapi.testclient import TestClient

    with TestClient(app) as test_client:
        yield test_client


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> Iterator[str]:
    """A real uvicorn server in a thread, on a free port; yields its base URL. Every browser test is the same
    client to it, so the per-client rate of model creation is off (the API tests check that limit)."""
    import uvicorn

    from backprop_playground.app import create_app
    from backprop_playground.settings import Settings

    data_dir = tmp_path_factory.mktemp("live-data")
    app = create_app(Settings(data_dir=data_dir, database_url=None, model_creates_per_minute=0))
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_until(lambda: server.started, "the live server starts")
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=30)


def _chromium_missing_reason() -> str | None:
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium, or set BACKPROP_CHROMIUM)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "the Python package playwright is not installed"
    return None


@pytest.fixture(scope="session")
def browser():
    """A headless Debian Chromium driven by Playwright; skipped (never in CI) when none is installed."""
    reason = _chromium_missing_reason()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests must run in CI: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        chromium.devices = pw.devices  # Playwright's device descriptors ("iPhone 13", "Pixel 7", …)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh page (1280×720) that fails the test on any console error or uncaught exception."""
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: keep_console_error(errors, msg))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.console_errors = errors
    yield page
    context.close()
    assert not errors, f"console errors: {errors}"


def pytest_collection_modifyitems(config, items):
    """Run browser tests last: Playwright's sync API keeps an event loop running in the main thread for the
    rest of the session, which would break later tests that call asyncio.run()."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
