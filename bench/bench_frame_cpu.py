"""CPU time of one stream frame, load-independent: thread CPU time per frame (medians of rounds), by phase.

A frame is the exact work a stream does per step (server/backprop_playground/stream.py): the runner's
job `StreamSession._locked(stream._step, view)` — the budget check, `model.take_step(record=True,
rows)` with its trace built by nets/traces.py, the model applying the step, and `hub.save_if_due` on a
real SQLite store (one save every `--save-every` frames: a 2 s save period at 5 Hz) — then the
writer's `StreamSession._encode` (wire.stream_trace → orjson → the text the socket sends). The 2-8-8-1
moons model of bench_load.py, 8 traced rows.

Thread CPU time (time.thread_time) does not count time spent waiting for a busy machine, so the numbers
hold while others load it; they still drift with cache and frequency effects, so quote medians of
rounds and compare trees in one run:

    .venv/bin/python bench/bench_frame_cpu.py                     # this checkout: total + phases
    .venv/bin/python bench/bench_frame_cpu.py --profile           # + cProfile, top functions
    .venv/bin/python bench/bench_frame_cpu.py --compare OLD_TREE  # old and this tree, rounds interleaved
    .venv/bin/python bench/bench_frame_cpu.py --transport         # + uvicorn's own CPU per frame sent
    .venv/bin/python bench/bench_frame_cpu.py --between code      # other work between frames (cold)

`OLD_TREE` is a directory holding an older `server/` (e.g. `git archive 74a23fc server | tar -x -C
/tmp/old`). Each tree runs in its own process (one package per process); rounds alternate between them.
`--transport` measures, in a real uvicorn process with the server's WebSocket settings, the CPU of
receiving a step command and sending a frame of the measured size (a bare endpoint: no model work), so
the whole server's CPU per frame (bench_load.py) splits into frame work + transport + the rest.
`--between data|code` runs other work between frames, uncounted: a live server's frame never runs twice in
a row with its caches hot, as it does here by default, so the same instructions cost more there. (Its
garbage is collected when it is: the garbage-collector phases then count collections between frames too.)
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import json
import math
import os
import pstats
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from bench_load import SPEC  # noqa: E402  (the 2-8-8-1 moons model the load bench steps)


class Phases:
    """Exclusive thread CPU time per named phase, from wrappers around the functions a frame calls."""

    def __init__(self) -> None:
        self.totals: dict[str, float] = defaultdict(float)
        self.stack: list[list] = []
        self.originals: list[tuple] = []

    def wrap(self, name: str, fn):
        clock, totals, stack = time.thread_time, self.totals, self.stack

        def timed(*args, **kwargs):
            now = clock()
            if stack:
                totals[stack[-1][0]] += now - stack[-1][1]
            stack.append([name, now])
            try:
                return fn(*args, **kwargs)
            finally:
                end = clock()
                done = stack.pop()
                totals[done[0]] += end - done[1]
                if stack:
                    stack[-1][1] = end

        return timed

    def patch(self, owner, attribute: str, name: str) -> None:
        """Time `owner.attribute` (a function, or a property's getter) as phase `name`, when it exists."""
        raw = owner.__dict__.get(attribute) if isinstance(owner, type) else getattr(owner, attribute, None)
        if raw is not None:
            self.originals.append((owner, attribute, raw))
        if isinstance(raw, property):
            setattr(owner, attribute, property(self.wrap(name, raw.fget)))
        elif isinstance(raw, staticmethod | classmethod):
            return
        elif callable(raw):
            setattr(owner, attribute, self.wrap(name, raw))

    def collector(self, phase: str, info: dict) -> None:
        """A gc.callbacks hook: the cyclic garbage collector's pauses are a phase of their own."""
        now = time.thread_time()
        if phase == "start":
            if self.stack:
                self.totals[self.stack[-1][0]] += now - self.stack[-1][1]
            self.stack.append([f"garbage collector (generation {info['generation']})", now])
        elif self.stack and self.stack[-1][0].startswith("garbage collector"):
            done = self.stack.pop()
            self.totals[done[0]] += now - done[1]
            if self.stack:
                self.stack[-1][1] = now

    def restore(self) -> None:
        while self.originals:
            owner, attribute, raw = self.originals.pop()
            if owner is gc:
                gc.callbacks.remove(self.collector)
            else:
                setattr(owner, attribute, raw)


def instrument(phases: Phases) -> None:
    """Phase wrappers on the functions of a frame (those this tree has; older trees lack some)."""
    from backprop_playground import hub, stream, wire
    from backprop_playground.admission import budget
    from backprop_playground.engine import record
    from backprop_playground.nets import model, optim

    try:
        from backprop_playground.nets import training
        trainer = training.Trainer
    except ImportError:  # an older tree: nets/stepping.py
        from backprop_playground.nets import stepping as training
        trainer = training.Stepper

    phases.patch(stream.StreamSession, "_locked", "runner job, rest (locks, cost average)")
    phases.patch(budget, "check_trace", "admission (budget.check_trace)")
    phases.patch(trainer, "compute", "engine: forward + backward")
    phases.patch(optim, "update", "engine: optimizer update")
    phases.patch(record.Recorder, "events", "recording: events (materialize)")
    phases.patch(record.Recorder, "graph", "recording: graph (labels, LaTeX)")
    phases.patch(training, "model_trace", "trace building (nets/traces.py)")
    phases.patch(model.Model, "_advance", "model applies the step")
    phases.patch(hub.ModelHub, "save_if_due", "persistence (save_if_due, SQLite)")
    phases.patch(stream.StreamSession, "_encode", "writer: _encode rest (graph check, decode)")
    phases.patch(wire, "stream_trace", "wire: message dicts")
    phases.patch(wire, "dumps", "wire: orjson.dumps")
    gc.callbacks.append(phases.collector)
    phases.originals.append((gc, "callbacks", None))


class Frames:
    """Stream sessions over a real hub and SQLite store, driven without a socket: `models` of them, stepped
    in turn (a live server steps many models, each with its own arrays and history, not one kept hot)."""

    def __init__(self, data_dir: str, save_every: int, models: int = 1) -> None:
        from backprop_playground import stream
        from backprop_playground.hub import ModelHub
        from backprop_playground.nets.limits import Limits
        from backprop_playground.nets.spec import ModelSpec
        from backprop_playground.store import Store

        self.stream = stream
        self.hub = ModelHub(Store(f"sqlite:///{data_dir}/models.sqlite3"), Limits(), capacity=max(10, models),
                            persist_every_s=2.0)
        self.sessions = []
        for _ in range(models):
            live, _ = self.hub.create(ModelSpec.model_validate(SPEC))
            self.sessions.append(stream.StreamSession(None, self.hub, None, live, rows=8, max_rate=60.0,
                                                      persist_every_s=math.inf))
        self.save_every = save_every
        self.count = 0
        self.text = ""

    def one(self) -> None:
        session = self.sessions[self.count % len(self.sessions)]
        turn = self.count // len(self.sessions)  # this session's own frame count: it saves every save_every
        self.count += 1
        session.persist_every_s = 0.0 if (turn + 1) % self.save_every == 0 else math.inf
        ran = session._locked(self.stream._step, session.view, wait_s=0.0)
        if isinstance(ran, tuple):  # (what ran, refused save) since saves report storage failures
            ran = ran[0]
        frame = getattr(ran, "frame", ran)  # a Ran since fast-forward, the frame itself before
        message_class = getattr(self.stream, "StreamMessage", None) or self.stream.Message  # older trees
        message = message_class(frame=frame, encoding=session.view.encoding)
        self.text = session._encode(message)

    def close(self) -> None:
        self.hub.close()
        self.hub.store.close()


def sweep_data(buffer) -> None:
    """Touch 16 MB, as other models' arrays and other connections' buffers do between two frames."""
    buffer[::64] += 1


def run_other_code(source: str, text: str) -> None:
    """Unrelated Python between two frames, as the event loop, the sockets and other requests run: the
    frame then finds its code and branches cold."""
    import ast
    import re

    json.loads(text)
    ast.parse(source)
    re.findall(r"\w+\(", source)


def worker(args) -> None:
    """Run in the process of one tree: read a round count per line on stdin, answer JSON per round."""
    sys.path.insert(0, str(Path(args.tree).resolve() / "server"))
    import numpy as np

    with tempfile.TemporaryDirectory(prefix="bp-frame-") as data_dir, np.errstate(all="ignore"):
        frames = Frames(data_dir, args.save_every, args.models)
        between = None
        if args.between == "data":
            buffer = np.zeros(16 * 2**20, dtype=np.uint8)
            between = lambda: sweep_data(buffer)  # noqa: E731
        elif args.between == "code":
            source = (Path(args.tree) / "server" / "backprop_playground" / "stream.py").read_text()
            between = lambda: run_other_code(source, frames.text)  # noqa: E731

        def timed(n: int) -> float:
            """Thread CPU per frame over n frames; what runs between them is not counted."""
            if between is None:
                start = time.thread_time()
                for _ in range(n):
                    frames.one()
                return (time.thread_time() - start) / n
            spent = 0.0
            for _ in range(n):
                between()
                start = time.thread_time()
                frames.one()
                spent += time.thread_time() - start
            return spent / n

        for _ in range(50 * args.models):  # warm up: caches, first save, lazy imports
            frames.one()
        phases = Phases()
        for line in sys.stdin:
            n = int(line)
            plain = timed(n)
            instrument(phases)
            phases.totals.clear()
            with_phases = timed(n)
            phases.restore()
            totals = {name: t / n for name, t in phases.totals.items()}
            print(json.dumps({"plain": plain, "with_phases": with_phases, "phases": totals,
                              "bytes": len(frames.text.encode())}), flush=True)
        if args.profile:
            profile = cProfile.Profile()
            profile.enable()
            for _ in range(args.frames):
                frames.one()
            profile.disable()
            stats = pstats.Stats(profile, stream=sys.stderr)
            stats.sort_stats("tottime").print_stats(30)
        frames.close()


def compare(args) -> None:
    trees = {"this": ROOT} if args.compare is None else {"old": Path(args.compare), "this": ROOT}
    procs = {}
    for name, tree in trees.items():
        command = [sys.executable, __file__, "--worker", "--tree", str(tree), "--save-every",
                   str(args.save_every), "--frames", str(args.frames), "--models", str(args.models),
                   "--between", args.between]
        command += ["--profile"] if args.profile else []
        procs[name] = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    results: dict[str, list[dict]] = {name: [] for name in trees}
    names = list(trees)
    for i in range(args.rounds):
        for name in names[i % len(names):] + names[:i % len(names)]:
            proc = procs[name]
            proc.stdin.write(f"{args.frames}\n")
            proc.stdin.flush()
            results[name].append(json.loads(proc.stdout.readline()))
    for proc in procs.values():
        proc.stdin.close()
        proc.wait()
    print(f"per-frame thread CPU, 2-8-8-1 moons, 8 rows, {args.models} model(s) in turn, a save every "
          f"{args.save_every} frames of each, between frames: {args.between}; "
          f"median of {args.rounds} rounds × {args.frames} frames; load average {os.getloadavg()[0]:.1f}")
    for name in names:
        rounds = results[name]
        plain = [r["plain"] for r in rounds]
        print(f"\n[{name}] {trees[name]}: {1e3 * statistics.median(plain):.3f} ms per frame "
              f"(rounds {1e3 * min(plain):.3f}–{1e3 * max(plain):.3f}), frame {rounds[0]['bytes']} bytes")
        timed = statistics.median(r["with_phases"] for r in rounds)
        print(f"  with phase timers {1e3 * timed:.3f} ms; exclusive CPU by phase (median µs):")
        phase_names = sorted({p for r in rounds for p in r["phases"]},
                             key=lambda p: -statistics.median(r["phases"].get(p, 0.0) for r in rounds))
        for phase in phase_names:
            value = statistics.median(r["phases"].get(phase, 0.0) for r in rounds)
            print(f"  {1e6 * value:8.1f}  {phase}")
    if args.compare is not None:
        ratios = [o["plain"] / t["plain"] for o, t in zip(results["old"], results["this"], strict=True)]
        print(f"\nold ÷ this per round: median {statistics.median(ratios):.2f} "
              f"(range {min(ratios):.2f}–{max(ratios):.2f})")


# ---- transport: uvicorn's CPU per frame, with no model work ----
def transport_app(size: int):
    """A bare ASGI WebSocket endpoint: after an auth message, each text message is answered with a
    `size`-byte text frame (the stream's message shape, JSON text)."""
    from starlette.applications import Starlette
    from starlette.routing import WebSocketRoute

    frame = '{"type":"trace","pad":"' + "x" * max(0, size - 26) + '"}'

    async def endpoint(websocket) -> None:
        await websocket.accept()
        await websocket.receive_text()
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            await websocket.send_text(frame)

    return Starlette(routes=[WebSocketRoute("/ws", endpoint)])


def transport_server(port: int, size: int) -> None:
    import uvicorn

    uvicorn.run(transport_app(size), host="127.0.0.1", port=port, log_level="warning",
                ws_max_size=64 * 1024, ws_per_message_deflate=False)


async def _transport_clients(url: str, sessions: int, frames: int) -> int:
    import websockets

    async def one() -> int:
        async with websockets.connect(url, compression=None, max_size=2**24) as ws:
            await ws.send('{"type": "auth", "token": "x"}')
            for _ in range(frames):
                await ws.send('{"type": "step"}')
                await ws.recv()
            return frames

    return sum(await asyncio.gather(*(one() for _ in range(sessions))))


def transport(args, size: int) -> None:
    from bench_load import cpu_seconds

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    command = [sys.executable, __file__, "--serve-transport", str(port), "--size", str(size)]
    server = subprocess.Popen(command)
    try:
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        url = f"ws://127.0.0.1:{port}/ws"
        asyncio.run(_transport_clients(url, 4, 20))  # warm up
        per_frame = []
        for _ in range(args.rounds):
            before = cpu_seconds(server.pid)
            sent = asyncio.run(_transport_clients(url, args.transport_sessions, args.frames))
            per_frame.append((cpu_seconds(server.pid) - before) / sent)
        print(f"\ntransport: uvicorn CPU per {size}-byte frame sent (+ one command received), "
              f"{args.transport_sessions} connections: median {1e3 * statistics.median(per_frame):.3f} ms "
              f"(rounds {1e3 * min(per_frame):.3f}–{1e3 * max(per_frame):.3f}; /proc clock ticks of 10 ms)")
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--frames", type=int, default=300, help="frames per round")
    parser.add_argument("--save-every", type=int, default=10, help="frames per save (2 s at 5 Hz: 10)")
    parser.add_argument("--models", type=int, default=1,
                        help="models stepped in turn (a live server's many: cold caches per frame)")
    parser.add_argument("--between", choices=["nothing", "data", "code"], default="nothing",
                        help="work between frames, not counted: data sweeps 16 MB, code runs other Python "
                        "(a live server's frame runs between others' work, its caches cold)")
    parser.add_argument("--compare", metavar="OLD_TREE", help="a tree with an older server/ to run beside")
    parser.add_argument("--profile", action="store_true", help="cProfile the frames (top 30, on stderr)")
    parser.add_argument("--transport", action="store_true", help="also measure uvicorn's CPU per frame")
    parser.add_argument("--transport-sessions", type=int, default=50)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--tree", default=str(ROOT), help=argparse.SUPPRESS)
    parser.add_argument("--serve-transport", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rounds > 100 or args.frames > 20_000:
        parser.error("bounded: at most 100 rounds of 20,000 frames")
    if args.worker:
        return worker(args)
    if args.serve_transport:
        return transport_server(args.serve_transport, args.size)
    compare(args)
    if args.transport:
        size = 0
        sys.path.insert(0, str(ROOT / "server"))
        with tempfile.TemporaryDirectory(prefix="bp-frame-") as data_dir:
            frames = Frames(data_dir, args.save_every)
            for _ in range(3):
                frames.one()
            size = len(frames.text.encode())
            frames.close()
        transport(args, size)


if __name__ == "__main__":
    main()
