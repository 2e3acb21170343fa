"""The server, with thread-CPU timers around the parts of a stream frame: run by `bench_load.py --phases`.

The same code as `backprop-playground serve`, with wrappers that add up the thread CPU time (time.thread_time)
of a stream's step (`stream._step`: engine, recording, trace), its job (`StreamSession._locked`: the step,
the cost average, the save if due), the save (`ModelHub.save_if_due`), the encode (`StreamSession._encode`)
and the garbage collector. SIGUSR1 writes what was added up since the last SIGUSR1 to the file named by
BACKPROP_PHASES_OUT (JSON: phase -> [calls, seconds]) and starts again, so a bench reads exactly its
measured window. Compare with bench_frame_cpu.py, which times the same functions in a loop of their own.
"""

from __future__ import annotations

import gc
import json
import os
import signal
import sys
import threading
import time

from backprop_playground import stream
from backprop_playground.cli import main

lock = threading.Lock()
totals: dict[str, list] = {}


def timed(name: str, fn):
    def wrapper(*args, **kwargs):
        start = time.thread_time()
        try:
            return fn(*args, **kwargs)
        finally:
            spent = time.thread_time() - start
            with lock:
                entry = totals.setdefault(name, [0, 0.0])
                entry[0] += 1
                entry[1] += spent

    return wrapper


_gc_started = threading.local()


def on_gc(phase: str, info: dict) -> None:
    if phase == "start":
        _gc_started.at = time.thread_time()
        return
    spent = time.thread_time() - getattr(_gc_started, "at", time.thread_time())
    with lock:
        entry = totals.setdefault(f"gc generation {info['generation']}", [0, 0.0])
        entry[0] += 1
        entry[1] += spent


def dump(*_) -> None:
    with lock:
        taken = {name: list(entry) for name, entry in totals.items()}
        totals.clear()
    with open(os.environ["BACKPROP_PHASES_OUT"], "w") as out:
        json.dump(taken, out)


stream._step = timed("step (engine, recording, trace)", stream._step)  # looked up at each call
stream.StreamSession._locked = timed("job (_locked: step, cost, save if due)", stream.StreamSession._locked)
stream.StreamSession._encode = timed("encode (_encode: wire dicts, orjson)", stream.StreamSession._encode)
stream.ModelHub.save_if_due = timed("save_if_due (SQLite)", stream.ModelHub.save_if_due)
gc.callbacks.append(on_gc)
signal.signal(signal.SIGUSR1, dump)

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
