"""The admission estimates bound what the work really takes, and the memory budget counts in bytes."""

from __future__ import annotations

import threading
import tracemalloc

import numpy as np
import pytest

from backprop_playground import wire
from backprop_playground.admission import budget
from backprop_playground.admission.budget import MemoryBudget, MemoryBusy, MemoryTooLarge
from backprop_playground.nets.limits import Limits
from backprop_playground.nets.model import Model

UNLIMITED = Limits(step_work=10**15, request_work=10**15)


def _spec(hidden, act="relu", out=None, dataset="moons", n=300, **extra):
    return {"hidden": [{"units": u, "activation": act} for u in hidden], "output": out or {"kind": "sigmoid"},
            "optimizer": {"name": "adam", "lr": 0.01}, "data": {"dataset": dataset, "n": n, "seed": 0},
            **extra}


SPECS = [
    _spec([8, 8], "tanh"),
    _spec([64, 32], "relu", weight_decay=0.01),
    _spec([16, 16], "maxout"),
    _spec([16], "prelu", {"kind": "softmax", "units": 3}, "spiral"),
    _spec([32], "tanh", {"kind": "mixture_density", "components": 5}, "sine"),
    _spec([64], "relu", batch_size=50),
]


def _numbers(trace: dict) -> int:
    return sum(np.asarray(event[key]).size for event in trace["events"]
               for key in ("value", "contribution", "total", "delta") if key in event)


@pytest.mark.parametrize("spec", SPECS)
def test_trace_numbers_bound_what_a_traced_step_records(spec):
    model = Model.create(spec, UNLIMITED)
    for shown in (1, 8):
        result = model.take_step(record=True, rows=list(range(shown)))
        assert _numbers(result.trace) <= budget.trace_numbers(model, shown) <= 3 * _numbers(result.trace)


@pytest.mark.parametrize("spec", SPECS)
def test_compute_bytes_bound_the_peak_of_a_traced_step(spec):
    model = Model.create(spec, UNLIMITED)
    rows = budget.step_rows(model)
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        result = model.take_step(record=True, rows=list(range(8)))
        wire.dumps(wire.trace(result.trace))
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    assert peak <= budget.compute_bytes(model, rows) + budget.encoded_bytes(budget.trace_numbers(model, 8))


def test_summaries_shrink_the_trace_estimate():
    model = Model.create(_spec([256, 256]), UNLIMITED)
    full = budget.trace_numbers(model, 8)
    assert full > 5 * 256 * 256
    assert budget.trace_numbers(model, 8, wire.Encoding(summary_over=64)) < full / 50


def test_the_budget_reserves_bytes_and_refuses_what_does_not_fit():
    memory = MemoryBudget(total_bytes=100, request_bytes=60, retry_after=3)
    with pytest.raises(MemoryTooLarge, match="request_memory_mb"):
        with memory.reserve(61):
            pass
    with memory.reserve(60):
        with memory.reserve(40):
            assert memory.used == 100
            with pytest.raises(MemoryBusy, match="memory_budget_mb") as info:
                with memory.reserve(1):
                    pass
            assert info.value.retry_after == 3
    assert memory.used == 0 and memory.peak == 100


def test_a_failing_request_gives_its_bytes_back():
    memory = MemoryBudget(total_bytes=100, request_bytes=100)
    with pytest.raises(RuntimeError):
        with memory.reserve(80):
            raise RuntimeError("the work failed")
    assert memory.used == 0


def test_reservations_from_many_threads_never_exceed_the_total():
    memory = MemoryBudget(total_bytes=10, request_bytes=3)
    seen, refused, lock = [], [0], threading.Lock()

    def work() -> None:
        for _ in range(200):
            try:
                with memory.reserve(3):
                    seen.append(memory.used)
            except MemoryBusy:
                with lock:
                    refused[0] += 1

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert max(seen) <= 10 and memory.used == 0 and memory.peak <= 9
