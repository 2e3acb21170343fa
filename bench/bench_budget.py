"""The admission estimates of budget.py next to what the work really takes: peak memory (tracemalloc)
of a training step, a traced step (encoded), a trace and a prediction, and the numbers a trace holds, for
nets from tiny to the largest the limits admit. Every ratio measured ÷ estimated should stay ≤ 1.

Run: .venv/bin/python bench/bench_budget.py
"""

from __future__ import annotations

import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "server"))

import numpy as np  # noqa: E402

from backprop_playground import wire  # noqa: E402
from backprop_playground.admission import budget  # noqa: E402
from backprop_playground.nets.limits import Limits  # noqa: E402
from backprop_playground.nets.model import Model  # noqa: E402
from backprop_playground.nets.net import count_parameters  # noqa: E402
from backprop_playground.nets.traces import trace_rows  # noqa: E402

UNLIMITED = Limits(step_work=10**15, request_work=10**15)


def spec(hidden, n, act="relu", out=None, dataset="moons", batch=None, classes=None):
    data = {"dataset": dataset, "n": n, "seed": 0}
    if classes:
        data["classes"] = classes
    return {"hidden": [{"units": u, "activation": act} for u in hidden], "output": out or {"kind": "sigmoid"},
            "optimizer": {"name": "adam", "lr": 0.01}, "data": data, "batch_size": batch}


CASES = [
    ("2-8-8-1 tanh, 200 rows", spec([8, 8], 200, "tanh")),
    ("3×512 relu, 2,000 rows", spec([512, 512, 512], 2000)),
    ("3×512 relu, batch 500 of 5,000", spec([512, 512, 512], 5000, batch=500)),
    ("1×512 relu, 5,000 rows", spec([512], 5000)),
    ("6×64 tanh, 2,000 rows", spec([64] * 6, 2000, "tanh")),
    ("2×256 maxout, 5,000 rows", spec([256, 256], 5000, "maxout")),
    ("2×128 prelu softmax, 5,000 rows", spec([128, 128], 5000, "prelu", {"kind": "softmax", "units": 3},
                                              "spiral")),
    ("1×64 tanh MDN K=20, 5,000 rows", spec([64], 5000, "tanh",
                                            {"kind": "mixture_density", "components": 20}, "sine")),
]


def peak(fn) -> tuple[int, float]:
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    started = time.perf_counter()
    fn()
    seconds = time.perf_counter() - started
    top = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return top, seconds


def numbers(trace: dict) -> int:
    return sum(np.asarray(event[key]).size for event in trace["events"]
               for key in ("value", "contribution", "total", "delta") if key in event)


def main() -> None:
    print(f"{'net':34} {'what':6} {'measured MB':>11} {'estimate MB':>11} {'ratio':>6} {'s':>6}")
    worst = 0.0
    for name, s in CASES:
        model = Model.create(s, UNLIMITED)
        rows, n = budget.step_rows(model), len(model.train_data.x)
        shown = trace_rows(model, 8)
        kept = {}

        def traced_step(model=model, shown=shown, kept=kept):
            result = model.take_step(record=True, rows=shown)
            kept["numbers"] = numbers(result.trace)
            wire.dumps(wire.trace(result.trace))

        def trace(model=model, shown=shown):
            wire.dumps(wire.trace(model.trace(rows=shown)))

        rows_x = model.train_data.x[:rows]
        runs = [
            ("train", lambda model=model: model.train(1), budget.compute_bytes(model, rows)),
            ("step", traced_step, budget.compute_bytes(model, rows)
             + budget.encoded_bytes(budget.trace_numbers(model, len(shown)))),
            ("trace", trace, budget.compute_bytes(model, n)
             + budget.encoded_bytes(budget.trace_numbers(model, len(shown)))),
            ("pred", lambda model=model, x=rows_x: model.predict(x), budget.forward_bytes(model, rows)),
        ]
        for what, fn, estimate in runs:
            measured, seconds = peak(fn)
            worst = max(worst, measured / estimate)
            print(f"{name:34} {what:6} {measured / 2**20:11.1f} {estimate / 2**20:11.1f} "
                  f"{measured / estimate:6.2f} {seconds:6.2f}")
        estimate = budget.trace_numbers(model, len(shown))
        print(f"{name:34} numbers in a step trace: {kept['numbers']:,} (estimate {estimate:,}, "
              f"ratio {kept['numbers'] / estimate:.2f}); parameters {count_parameters(model.shapes):,}")
    print(f"largest measured ÷ estimated: {worst:.2f}")


if __name__ == "__main__":
    main()
