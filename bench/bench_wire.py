"""Per-step encode time of a full trace (2-8-8-1 moons, all 200 rows): stdlib json vs wire plain vs f32;
and of the 8-row trace a stream sends each step (with the graph, and without it as after the first frame).

Interleaved rounds with rotating order inside one process; medians. Run: .venv/bin/python bench/bench_wire.py
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "server"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
from bench_load import SPEC  # noqa: E402  (the 2-8-8-1 moons model the load bench steps)

from backprop_playground import wire  # noqa: E402
from backprop_playground.nets.model import Model  # noqa: E402
from backprop_playground.wire import Encoding  # noqa: E402


def _stdlib(raw: dict) -> bytes:
    def plain(value):
        return value.tolist() if isinstance(value, np.ndarray) else value

    events = [{k: plain(v) for k, v in e.items()} for e in raw["events"]]
    return json.dumps({"schema_version": 1, "graph": raw["graph"], "events": events}).encode()


def main(rounds: int = 200) -> None:
    model = Model.create(SPEC)
    full = model.take_step(record=True).trace
    few = model.take_step(record=True, rows=list(range(8))).trace
    encoders = {
        "stdlib json, 200 rows": lambda: _stdlib(full),
        "wire plain JSON, 200 rows": lambda: wire.dumps(wire.trace(full)),
        "wire f32 base64, 200 rows": lambda: wire.dumps(wire.trace(full, Encoding(tensors="f32"))),
        "wire plain JSON, 8 rows": lambda: wire.dumps(wire.trace(few)),
        "wire f32 base64, 8 rows": lambda: wire.dumps(wire.trace(few, Encoding(tensors="f32"))),
        # What a stream sends after its first frame: the graph only when it changed.
        "stream frame plain, 8 rows": lambda: wire.dumps(wire.trace(few, step=1, with_graph=False)),
        "stream frame f32, 8 rows": lambda: wire.dumps(wire.trace(few, Encoding(tensors="f32"), step=1,
                                                                  with_graph=False)),
    }
    times: dict[str, list[float]] = {name: [] for name in encoders}
    names = list(encoders)
    for i in range(rounds):
        for name in names[i % len(names):] + names[: i % len(names)]:
            start = time.perf_counter()
            encoders[name]()
            times[name].append(time.perf_counter() - start)
    floats = sum(v.size for e in full["events"] for v in e.values() if isinstance(v, np.ndarray))
    print(f"trace: {len(full['graph'])} nodes, {len(full['events'])} events, {floats} floats (200 rows)")
    for name in names:
        size = len(encoders[name]())
        print(f"{name:<30} {statistics.median(times[name]) * 1e3:7.3f} ms  {size / 1e3:8.1f} KB")
    try:
        from threadpoolctl import threadpool_info

        kernels = [f"{i['internal_api']} {i.get('architecture', '')}" for i in threadpool_info()]
        print("BLAS:", ", ".join(kernels))
    except ImportError:
        pass


if __name__ == "__main__":
    main()
