"""Training speed of the nets layer against the same loop written directly in NumPy.

Three scenarios, 1,000 SGD steps each: `xor-relu` (2-2-1, ReLU, MSE, 4 points), moons 2-8-8-1 (ReLU, sigmoid
+ BCE, 200 points) and spiral 2-16-16-3 (ReLU, softmax + CE, 300 points). The two implementations start
from the same parameters and are interleaved in rounds inside one process, their order rotating each round;
every step is timed, and the report gives steps/s from the median step time and the median of per-round
median ratios (performance.md: only ratios mean anything on a shared machine). The final parameters of
both are compared, so the benchmark also checks that they computed the same thing.

    .venv/bin/python bench/bench_training.py [--steps 1000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from backprop_playground.nets.model import Model

SCENARIOS = {
    "xor-relu 2-2-1": {
        "hidden": [{"units": 2, "activation": "relu"}], "output": {"kind": "linear"}, "loss": "mse",
        "optimizer": {"name": "sgd", "lr": 0.1}, "seed": 1, "data": {"dataset": "xor"}},
    "moons 2-8-8-1": {
        "hidden": [{"units": 8, "activation": "relu"}] * 2, "output": {"kind": "sigmoid"},
        "optimizer": {"name": "sgd", "lr": 0.5}, "seed": 0, "data": {"dataset": "moons", "n": 200}},
    "spiral 2-16-16-3": {
        "hidden": [{"units": 16, "activation": "relu"}] * 2, "output": {"kind": "softmax", "units": 3},
        "optimizer": {"name": "sgd", "lr": 0.5}, "seed": 0, "data": {"dataset": "spiral", "n": 300}},
}


class HandNumpy:
    """The same net, loss and SGD update as plain NumPy forward and backward code, no graph."""

    def __init__(self, model: Model):
        self.kind = model.spec.output.kind
        self.lr = model.spec.optimizer.lr
        self.x = model.train_data.x
        self.y = model._trainer.y
        self.params = [(layer["W"].copy(), layer["b"].copy()) for layer in model.params]

    def step(self) -> float:
        hs, h = [self.x], self.x
        for W, b in self.params[:-1]:
            h = np.maximum(h @ W + b, 0.0)
            hs.append(h)
        W, b = self.params[-1]
        z = h @ W + b
        n = len(z)
        if self.kind == "linear":
            loss, g = np.mean((z - self.y) ** 2), 2.0 * (z - self.y) / z.size
        elif self.kind == "sigmoid":
            loss = np.mean(np.maximum(z, 0) - z * self.y + np.log1p(np.exp(-np.abs(z))))
            g = (1.0 / (1.0 + np.exp(-z)) - self.y) / z.size
        else:
            shifted = z - z.max(axis=1, keepdims=True)
            log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
            loss, g = -(self.y * log_p).sum() / n, (np.exp(log_p) - self.y) / n
        new = []
        for i in range(len(self.params) - 1, -1, -1):
            W, b = self.params[i]
            gW, gb = hs[i].T @ g, g.sum(axis=0)
            if i:
                g = (g @ W.T) * (hs[i] > 0)
            new.append((W - self.lr * gW, b - self.lr * gb))
        self.params = new[::-1]
        return float(loss)


def _timed(step, count: int) -> list[float]:
    times = []
    for _ in range(count):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return times


def run(name: str, spec: dict, steps: int, rounds: int) -> dict:
    """Interleaved rounds of the engine model and hand NumPy; steps/s, ratio and a correctness check."""
    model = Model.create({"name": name, **spec})
    hand = HandNumpy(model)
    per_round = steps // rounds
    engine_times, numpy_times, ratios = [], [], []
    for r in range(rounds):
        order = [("engine", model.take_step), ("numpy", hand.step)]
        results = {}
        for label, step in (order if r % 2 == 0 else order[::-1]):
            results[label] = _timed(step, per_round)
        engine_times += results["engine"]
        numpy_times += results["numpy"]
        ratios.append(statistics.median(results["engine"]) / statistics.median(results["numpy"]))
    gap = max(float(np.max(np.abs(layer["W"] - W))) for layer, (W, _) in zip(model.params, hand.params,
                                                                               strict=True))
    return {"scenario": name, "steps": model.step_count,
            "engine_steps_per_s": 1.0 / statistics.median(engine_times),
            "numpy_steps_per_s": 1.0 / statistics.median(numpy_times),
            "ratio": statistics.median(ratios), "max_param_difference": gap}


def blas() -> str:
    """Which BLAS kernel NumPy ran (threadpoolctl), when that package is installed."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "unknown (threadpoolctl not installed)"
    return ", ".join(f"{i.get('internal_api')} {i.get('version')} ({i.get('architecture')}, "
                     f"{i.get('num_threads')} threads)" for i in threadpool_info()) or "none found"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    print(f"NumPy {np.__version__}; BLAS: {blas()}")
    print(f"{'scenario':18} {'engine steps/s':>15} {'NumPy steps/s':>14} {'ratio':>6} {'max |ΔW|':>9}")
    for name, spec in SCENARIOS.items():
        r = run(name, spec, args.steps, args.rounds)
        print(f"{name:18} {r['engine_steps_per_s']:15.0f} {r['numpy_steps_per_s']:14.0f} "
              f"{r['ratio']:6.2f} {r['max_param_difference']:9.1e}")


if __name__ == "__main__":
    main()
