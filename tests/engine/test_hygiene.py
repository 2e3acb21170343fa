"""The engine imports no web library and its graphs are free of reference cycles."""

from __future__ import annotations

import gc
import subprocess
import sys
import types
import weakref

import numpy as np

from backprop_playground.engine import Recorder, Tensor
from backprop_playground.engine import functional as F

WEB = ["fastapi", "starlette", "pydantic", "uvicorn", "orjson", "asyncio", "httpx", "websockets",
       "sqlalchemy"]


def test_importing_the_engine_loads_no_web_library():
    code = (
        "import sys, backprop_playground.engine; "
        f"print(','.join(m for m in {WEB!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def training_step(params, x, y, rec=None):
    W1, b1, W2, b2 = params
    h = (x @ W1 + b1).relu()
    loss = F.binary_cross_entropy_with_logits(h @ W2 + b2, y)
    loss.backward()
    for p in params:
        p.data -= 0.1 * p.grad
        p.zero_grad()
    return loss


def make_net():
    rng = np.random.default_rng(0)
    params = [Tensor(rng.standard_normal(s), requires_grad=True) for s in [(2, 8), (8,), (8, 1), (1,)]]
    return params, Tensor(rng.standard_normal((20, 2))), (rng.standard_normal((20, 1)) > 0).astype(float)


def _of_the_engine(thing) -> bool:
    """Whether a garbage object is the engine's: an instance of one of its classes, or a function or frame
    of its code."""
    kind = type(thing)  # not thing.__class__: a proxy to a collected object raises on every attribute
    if kind in weakref.ProxyTypes:  # another thread's proxy
        return False
    if kind.__module__.startswith("backprop_playground.engine"):
        return True
    if kind not in (types.FunctionType, types.FrameType):
        return False
    code = thing.__code__ if kind is types.FunctionType else thing.f_code
    return "backprop_playground/engine/" in code.co_filename


def test_training_steps_create_no_reference_cycles():
    """No cyclic garbage of the engine's (other threads of the test process, such as a live server's, may
    leave garbage of their own meanwhile: only the engine's objects are counted)."""
    params, x, y = make_net()
    training_step(params, x, y)
    gc.collect()
    gc.disable()
    try:
        before = gc.get_count()[0]
        for _ in range(50):
            training_step(params, x, y)
            with Recorder() as rec:
                training_step(params, x, y, rec)
            del rec
        grown = gc.get_count()[0] - before
        gc.set_debug(gc.DEBUG_SAVEALL)
        try:
            gc.collect()
            ours = [thing for thing in gc.garbage if _of_the_engine(thing)]
        finally:
            gc.set_debug(0)
            gc.garbage.clear()
        assert ours == []
        assert grown < 50  # net container allocations do not pile up
    finally:
        gc.enable()


def test_graph_is_freed_by_reference_counting_alone():
    params, x, y = make_net()
    gc.disable()
    try:
        loss = training_step(params, x, y)
        probe = weakref.ref(loss.inputs[0])
        del loss
        assert probe() is None
    finally:
        gc.enable()
