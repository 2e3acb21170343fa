"""Engine speed: one training step (forward + loss + backward + SGD) against hand-written NumPy and PyTorch.

    .venv/bin/python bench/bench_engine.py [--rounds 15] [--steps 40] [--blas-threads N]

Implementations run interleaved in rounds inside one process, in a rotated order each round; each round
times `steps` steps per implementation and takes the median; the table shows the median over rounds of the
per-round ratios (absolute times on a shared machine drift, ratios do not). All nets are float64 with ReLU
hidden layers; the hand-written NumPy versions use the same formulas as the engine's ops (stable BCE from
logits, log-sum-exp cross-entropy with the targets' one-hot rows precomputed on both sides). Columns:
engine ÷ hand with layers written `h @ W + b` and with `F.linear`; engine ÷ PyTorch eager (one thread,
skipped when torch is not importable); what recording the full trace (forward values, every backward
edge, updates, metrics) adds to a step, with in-place SGD (the recorder copies parameters) and with a
functional update and `Recorder(copy_params=False)`; garbage collections per engine step (0 means no
reference cycles for the cycle collector to chase).
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "server"))

from backprop_playground.engine import Recorder, Tensor  # noqa: E402
from backprop_playground.engine import functional as F  # noqa: E402

try:
    import torch
except ImportError:  # the PyTorch column is skipped
    torch = None

LR = 0.01
TASKS = [  # name, layer sizes, loss, rows
    ("2-8-8-1 BCE, 200 pts", [2, 8, 8, 1], "bce", 200),
    ("2-16-16-3 CE, 300 pts", [2, 16, 16, 3], "ce", 300),
    ("64-64-10 CE, batch 64", [64, 64, 10], "ce", 64),
    ("784-128-10 CE, batch 64", [784, 128, 10], "ce", 64),
]


def make_data(sizes, loss, rows, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((rows, sizes[0]))
    if loss == "bce":
        y = (rng.random((rows, 1)) > 0.5).astype(np.float64)
    else:
        y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], rows)]
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:], strict=True):
        params += [rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_in), np.zeros(fan_out)]
    return x, y, params


# ---- hand-written NumPy: the same formulas, no graph ----
def hand_step(x, y, params, loss):
    hs, h = [x], x
    n_layers = len(params) // 2
    for i in range(n_layers):
        z = h @ params[2 * i] + params[2 * i + 1]
        h = np.maximum(z, 0.0) if i < n_layers - 1 else z
        hs.append(h)
    z = hs[-1]
    if loss == "bce":
        per_entry = np.maximum(z, 0.0) - z * y + np.log1p(np.exp(-np.abs(z)))
        value = per_entry.sum() / per_entry.size
        g = (1.0 / (1.0 + np.exp(-np.maximum(z, -700.0))) - y) / z.size
    else:
        m = z.max(axis=-1, keepdims=True)
        logp = z - (np.log(np.exp(z - m).sum(axis=-1, keepdims=True)) + m)
        value = -(y * logp).sum() / z.shape[0]
        g = (np.exp(logp) - y) / z.shape[0]
    for i in reversed(range(n_layers)):
        W, b, h = params[2 * i], params[2 * i + 1], hs[i]
        gW, gb = h.T @ g, g.sum(axis=0)
        if i:
            g = (g @ W.T) * (h > 0)
        W -= LR * gW
        b -= LR * gb
    return value


# ---- the engine ----
def engine_forward(x, y, params, loss, fused=False):
    """Layers as `h @ W + b` (matmul and add nodes) or, fused, as F.linear (one node per layer)."""
    h = x
    n_layers = len(params) // 2
    for i in range(n_layers):
        if fused:
            h = F.linear(h, params[2 * i], params[2 * i + 1])
        else:
            h = h @ params[2 * i] + params[2 * i + 1]
        if i < n_layers - 1:
            h = h.relu()
    if loss == "bce":
        return F.binary_cross_entropy_with_logits(h, y)
    return F.softmax_cross_entropy(h, y, rows_sum_to_one=True)  # y: one-hot rows, as in the hand net


def engine_step(x, y, params, loss, fused=False, functional=False):
    value = engine_forward(x, y, params, loss, fused)
    value.backward()
    for p in params:
        if functional:
            p.data = p.data - LR * p.grad
        else:
            p.data -= LR * p.grad
        p.grad = None
    return value


def engine_recorded_step(x, y, params, loss, functional=False):
    """The same step, recorded in full: forward values, backward edges, updates and metrics. In-place
    SGD makes the recorder copy every parameter twice (before and after); a functional update
    (`p.data = p.data + delta`, as the server's optimizers do) lets it keep references instead."""
    with Recorder(copy_params=not functional) as rec:
        value = engine_forward(x, y, params, loss)
        value.backward()
        for p in params:
            delta = p.grad * -LR
            if functional:
                p.data = p.data + delta
            else:
                p.data += delta
            rec.add_update(p, p.data, delta)
            p.grad = None
        rec.add_metrics(0, float(value.data))
    return value


# ---- PyTorch eager, one thread ----
def torch_step(x, y, params, loss):
    h = x
    n_layers = len(params) // 2
    for i in range(n_layers):
        h = h @ params[2 * i] + params[2 * i + 1]
        if i < n_layers - 1:
            h = torch.relu(h)
    if loss == "bce":
        value = torch.nn.functional.binary_cross_entropy_with_logits(h, y)
    else:
        value = -(y * torch.log_softmax(h, dim=-1)).sum() / h.shape[0]
    value.backward()
    with torch.no_grad():
        for p in params:
            p -= LR * p.grad
            p.grad = None
    return value


def implementations(sizes, loss, rows):
    x, y, params = make_data(sizes, loss, rows)
    hand = [p.copy() for p in params]
    eng = [Tensor(p, requires_grad=True) for p in params]
    rec = [Tensor(p, requires_grad=True) for p in params]
    rec_f = [Tensor(p, requires_grad=True) for p in params]
    eng_f = [Tensor(p, requires_grad=True) for p in params]
    lin = [Tensor(p, requires_grad=True) for p in params]
    ex, ey = Tensor(x, batched=True), Tensor(y)
    impls = {
        "hand": lambda: hand_step(x, y, hand, loss),
        "engine": lambda: engine_step(ex, ey, eng, loss),
        "linear": lambda: engine_step(ex, ey, lin, loss, fused=True),
        "recorded": lambda: engine_recorded_step(ex, ey, rec, loss),
        "engine_f": lambda: engine_step(ex, ey, eng_f, loss, functional=True),
        "recorded_f": lambda: engine_recorded_step(ex, ey, rec_f, loss, functional=True),
    }
    if torch is not None:
        tx, ty = torch.tensor(x), torch.tensor(y)
        tp = [torch.tensor(p, requires_grad=True) for p in params]
        impls["torch"] = lambda: torch_step(tx, ty, tp, loss)
    return impls


def time_steps(fn, steps):
    times = []
    for _ in range(steps):
        t0 = time.perf_counter_ns()
        fn()
        times.append(time.perf_counter_ns() - t0)
    return statistics.median(times)


def collections():
    return sum(s["collections"] for s in gc.get_stats())


def paired(per_round, a, b):
    """Median over rounds of the ratio of a's to b's per-round median step time."""
    return statistics.median(x / y for x, y in zip(per_round[a], per_round[b], strict=True))


def bench_task(sizes, loss, rows, rounds, steps):
    impls = implementations(sizes, loss, rows)
    names = list(impls)
    for fn in impls.values():  # warm up
        for _ in range(5):
            fn()
    per_round = {name: [] for name in names}
    for r in range(rounds):
        order = names[r % len(names):] + names[: r % len(names)]
        for name in order:
            per_round[name].append(time_steps(impls[name], steps))
    gc.collect()
    before = collections()
    for _ in range(200):
        impls["engine"]()
    return {
        "hand_us": statistics.median(per_round["hand"]) / 1000,
        "engine": paired(per_round, "engine", "hand"),
        "linear": paired(per_round, "linear", "hand"),
        "torch": paired(per_round, "engine", "torch") if "torch" in impls else None,
        "rec": paired(per_round, "recorded", "engine") - 1,
        "rec_f": paired(per_round, "recorded_f", "engine_f") - 1,
        "gc": (collections() - before) / 200,
    }


def blas_info():
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "threadpoolctl not installed"
    return "; ".join(f"{i.get('internal_api')} {i.get('version')} {i.get('architecture')} "
                     f"threads={i.get('num_threads')}" for i in threadpool_info())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--blas-threads", type=int, default=None,
                        help="limit BLAS threads with threadpoolctl (default: the environment's setting)")
    args = parser.parse_args(argv)
    if args.blas_threads is not None:
        from threadpoolctl import threadpool_limits

        threadpool_limits(args.blas_threads)
    if torch is not None:
        torch.set_num_threads(1)
    print(f"numpy {np.__version__}; BLAS: {blas_info()}")
    print(f"torch {torch.__version__ if torch else 'not installed (column skipped)'}; "
          f"rounds={args.rounds} steps/round={args.steps}")
    header = (f"{'task':25} {'hand µs':>7} {'eng/hand':>8} {'linear/hand':>11} {'eng/torch':>9} "
              f"{'rec +%':>7} {'rec(fn) +%':>10} {'gc/step':>7}")
    print(header)
    print("-" * len(header))
    for name, sizes, loss, rows in TASKS:
        r = bench_task(sizes, loss, rows, args.rounds, args.steps)
        torch_col = f"{r['torch']:9.2f}" if r["torch"] is not None else f"{'skipped':>9}"
        print(f"{name:25} {r['hand_us']:7.0f} {r['engine']:8.2f} {r['linear']:11.2f} {torch_col} "
              f"{100 * r['rec']:6.1f}% {100 * r['rec_f']:9.1f}% {r['gc']:7.3f}")
    print("eng/hand: x @ W + b per layer; linear/hand: F.linear; rec: in-place SGD, recorder copies "
          "parameters; rec(fn): functional SGD, Recorder(copy_params=False) vs the same step unrecorded")


if __name__ == "__main__":
    main()
