"""The headless Chromium the browser tests and the front-end benchmarks launch: one executable, one flag list.

    from tests.chromium import CHROMIUM, CHROMIUM_ARGS
    pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
"""

from __future__ import annotations

import os
import re

CHROMIUM = os.environ.get("BACKPROP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# A busy server's 503 and a used client share's 429 come before any work, and the pages' API client waits
# Retry-After and asks again (web/js/shared/api.js); the browser still logs each such answer as a failed
# resource load, which is no error of the page (a retry that never succeeds fails the test's own checks).
_RETRIED = re.compile(r"Failed to load resource: the server responded with a status of (429|503) ")


def keep_console_error(errors: list[str], msg) -> None:
    """Append a Playwright console message to `errors` if it is an error of the page."""
    if msg.type == "error" and not _RETRIED.match(msg.text):
        errors.append(msg.text)
