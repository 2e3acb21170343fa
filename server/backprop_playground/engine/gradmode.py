"""Grad mode: the engine's per-thread switches, gradient recording on/off (`no_grad`) and the active recorder.

Thread-local, as in PyTorch: the server runs steps of different models in worker threads, and one
thread's `no_grad()` or `Recorder` must not leak into another's step.
"""

from __future__ import annotations

import threading


class _State(threading.local):
    """This thread's switches: gradient recording on/off and the active recorder (or None)."""

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
