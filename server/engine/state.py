"""Process-wide switches of the engine: gradient recording on/off (`no_grad`) and the active recorder."""

from __future__ import annotations


class _State:
    """Process-wide switches: gradient recording on/off and the active recorder (or None)."""

    __slots__ = ("grad_enabled", "recorder")

    def __init__(self):
        self.grad_enabled = True
        self.recorder = None


state = _State()


class no_grad:
    """Context manager: ops inside build no graph (results are constants) and nothing is recorded."""

    def __enter__(self):
        self._prev = state.grad_enabled
        state.grad_enabled = False
        return self

    def __exit__(self, *exc):
        state.grad_enabled = self._prev
        return False
