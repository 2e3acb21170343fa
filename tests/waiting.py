"""Waiting in tests, on any machine: wait for the condition itself, with a deadline that only a failure
reaches (README, "Tests that read a clock").

A fixed sleep before an assertion assumes how fast this machine is; `wait_until` returns as soon as the
condition holds, so a faster machine passes sooner and a slower or loaded one still passes.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

# Deadlines are upper bounds that only a failing test reaches: wide enough for a loaded 2-core machine
# three times slower than the one the tests were written on.
DEADLINE_S = 30.0


def wait_until(condition: Callable[[], T], what: str, timeout: float = DEADLINE_S,
               interval: float = 0.02) -> T:
    """Poll `condition` until it returns something truthy, and return that; AssertionError naming `what`
    after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not (value := _check(condition, what, deadline, timeout)):
        time.sleep(interval)
    return value


async def until(condition: Callable[[], T], what: str, timeout: float = DEADLINE_S,
                interval: float = 0.01) -> T:
    """`wait_until` for a coroutine: polls without blocking the event loop."""
    deadline = time.monotonic() + timeout
    while not (value := _check(condition, what, deadline, timeout)):
        await asyncio.sleep(interval)
    return value


def _check(condition: Callable[[], T], what: str, deadline: float, timeout: float) -> T:
    value = condition()
    if not value and time.monotonic() > deadline:
        raise AssertionError(f"not within {timeout:g} s: {what}")
    return value
