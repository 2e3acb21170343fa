"""A hostile hall: well-behaved users share a real server with one hostile client, attack by attack.

Starts `backprop-playground serve` on a free loopback port. Each simulated user has its own loopback
address (127.0.0.x), as students have their own machines. The other users, in every phase: four REST
users (read a model, step their own model, a lesson, an expression, a dataset; 50 ms between calls)
and one stream (a tiny model, `step` round trips). The hostile client (127.0.0.66) runs one attack per
phase; the table shows what the other users saw meanwhile: status codes, p50/p99 REST latency, p99
and rate of the stream's steps, and the server's memory (VmRSS at the end of the phase, VmHWM so far).

Bounded: each phase runs --seconds (default 8); the whole run takes about two minutes.
Run: .venv/bin/python bench/bench_hostile.py [--seconds 8] [--only name,name]
To compare with an older version: `git worktree add /tmp/old <commit>`, then `--server-root /tmp/old
--token-in-url` (older servers took the edit token only as `?token=`).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import multiprocessing
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import websockets
from bench_load import start_server  # the same live-server start as the load bench

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = "127.0.0.66"
TINY = {"name": "tiny", "hidden": [{"units": 8, "activation": "tanh"}, {"units": 8, "activation": "tanh"}],
        "output": {"kind": "sigmoid"}, "optimizer": {"name": "sgd", "lr": 0.5},
        "data": {"dataset": "moons", "n": 200, "noise": 0.1, "seed": 1}}
LARGE = {**TINY, "name": "large", "hidden": [{"units": 256, "activation": "tanh"}] * 2,
         "data": {"dataset": "moons", "n": 6000, "noise": 0.1, "seed": 1}}
HUGE = {**TINY, "name": "huge", "hidden": [{"units": 512, "activation": "relu"}] * 3,
        "data": {"dataset": "moons", "n": 50000, "noise": 0.1, "seed": 1}}


# ---- the server ----
TOKEN_IN_URL = False  # set by --token-in-url, for servers older than the first-message auth


def memory_mb(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) of the server in MB."""
    values = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(("VmRSS", "VmHWM")):
                name, kb = line.split()[:2]
                values[name.rstrip(":")] = int(kb) / 1024
    return values.get("VmRSS", 0.0), values.get("VmHWM", 0.0)


def client(url: str, address: str, timeout: float = 30) -> httpx.AsyncClient:
    transport = httpx.AsyncHTTPTransport(local_address=address)
    return httpx.AsyncClient(base_url=f"{url}/api/v1", transport=transport, timeout=timeout)


async def create(api: httpx.AsyncClient, spec: dict) -> tuple[str, dict[str, str], str]:
    response = await api.post("/models", json=spec)
    response.raise_for_status()
    body = response.json()
    return body["id"], {"Authorization": f"Bearer {body['edit_token']}"}, body["edit_token"]


async def open_stream(url: str, address: str, model_id: str, token: str):
    ws_url = url.replace("http", "ws") + f"/api/v1/models/{model_id}/stream"
    if TOKEN_IN_URL:
        ws_url += f"?token={token}"
    ws = await websockets.connect(ws_url, local_addr=(address, 0), max_size=2**26, open_timeout=30)
    if not TOKEN_IN_URL:
        await ws.send(json.dumps({"type": "auth", "token": token}))
    return ws


# ---- the other users ----
class Seen:
    """What the other users saw in one phase."""

    def __init__(self) -> None:
        self.codes: Counter[int | str] = Counter()
        self.rest_ms: list[float] = []
        self.stream_ms: list[float] = []
        self.stream_steps = 0


EXPRESSION = {"source": "(x*y + x)*z", "values": {"x": 2, "y": -1, "z": 3}}


async def rest_user(url: str, address: str, seen: Seen, stop: asyncio.Event, model: tuple) -> None:
    model_id, auth, _ = model
    async with client(url, address, timeout=20) as api:
        calls = [
            lambda: api.get(f"/models/{model_id}"),
            lambda: api.post(f"/models/{model_id}/step", headers=auth),
            lambda: api.get("/lessons/xor-relu"),
            lambda: api.post("/expressions", json=EXPRESSION),
            lambda: api.get("/datasets/xor"),
        ]
        while not stop.is_set():
            started = time.perf_counter()
            try:
                response = await random.choice(calls)()
                seen.codes[response.status_code] += 1
            except httpx.HTTPError as exc:
                seen.codes[type(exc).__name__] += 1
            seen.rest_ms.append((time.perf_counter() - started) * 1000)
            await asyncio.sleep(0.05)


async def stream_user(url: str, address: str, seen: Seen, stop: asyncio.Event, model: tuple) -> None:
    model_id, _, token = model
    ws = await open_stream(url, address, model_id, token)
    try:
        while not stop.is_set():
            started = time.perf_counter()
            await ws.send('{"type": "step"}')
            try:
                while json.loads(await asyncio.wait_for(ws.recv(), 20))["type"] != "trace":
                    pass
            except TimeoutError:
                seen.codes["stream timeout"] += 1
                continue
            seen.stream_ms.append((time.perf_counter() - started) * 1000)
            seen.stream_steps += 1
            await asyncio.sleep(0.02)
    finally:
        await ws.close()


# ---- the attacks: each runs until `stop`, counting what the hostile client got ----
Attack = Callable[[str, asyncio.Event, Counter, dict], Awaitable[None]]


async def _loop(stop: asyncio.Event, got: Counter, request: Callable[[], Awaitable[httpx.Response]]) -> None:
    while not stop.is_set():
        try:
            got[(await request()).status_code] += 1
        except httpx.HTTPError as exc:
            got[type(exc).__name__] += 1
            await asyncio.sleep(0.05)


async def none(url, stop, got, shared) -> None:
    await stop.wait()


async def huge_work(url, stop, got, shared) -> None:
    """Findings 1, 2, 5: the largest model, a huge expression, the finest grid, deep nesting."""
    async with client(url, HOSTILE, timeout=60) as api:
        model_id, auth, _ = shared["hostile_large"]
        values = {"x": [[random.random() for _ in range(64)] for _ in range(64)]}
        requests = [
            lambda: api.post("/models", json=HUGE),
            lambda: api.get(f"/models/{model_id}/grid", params={"resolution": 1024}),
            lambda: api.post("/expressions", json={"source": "sum(" + "+".join(["x @ x"] * 40) + ")",
                                                   "values": values}),
            lambda: api.post("/expressions", json={"source": "(" * 60 + "x" + ")" * 60, "values": {"x": 1}}),
        ]
        await asyncio.gather(*(_loop(stop, got, requests[i % 4]) for i in range(8)))


async def streams_16(url, stop, got, shared) -> None:
    """Finding 3: sixteen streams playing at 60 steps/s."""
    sockets = []
    for model_id, _, token in shared["hostile_tiny"][:16]:
        try:
            ws = await open_stream(url, HOSTILE, model_id, token)
            await ws.send('{"type": "play", "rate": 60}')
            sockets.append(ws)
        except Exception as exc:  # noqa: BLE001 - counted
            got[type(exc).__name__] += 1

    async def drain(ws) -> None:
        try:
            async for message in ws:
                got["frame" if '"trace"' in message[:40] else "ws error msg"] += 1
        except websockets.ConnectionClosed as exc:
            got[f"closed {exc.rcvd.code if exc.rcvd else '?'}"] += 1

    drains = [asyncio.create_task(drain(ws)) for ws in sockets]
    await stop.wait()
    for ws in sockets:
        await ws.close()
    await asyncio.gather(*drains, return_exceptions=True)


async def long_trains(url, stop, got, shared) -> None:
    """Finding 3: four long /train calls at once, again and again."""
    async with client(url, HOSTILE, timeout=60) as api:
        models = shared["hostile_tiny"][16:20]
        await asyncio.gather(*(_loop(stop, got, lambda m=m: api.post(f"/models/{m[0]}/train",
                                                                     json={"steps": 100_000}, headers=m[1]))
                               for m in models))


async def large_stream(url, stop, got, shared) -> None:
    """Finding 4: one stream playing a large net."""
    model_id, _, token = shared["hostile_large"]
    ws = await open_stream(url, HOSTILE, model_id, token)
    await ws.send('{"type": "play", "rate": 60}')

    async def drain() -> None:
        async for _ in ws:
            got["frame"] += 1

    task = asyncio.create_task(drain())
    await stop.wait()
    await ws.close()
    task.cancel()


def _frame(text: str) -> bytes:
    """One masked WebSocket text frame (client → server)."""
    payload = text.encode()
    mask = os.urandom(4)
    n = len(payload)
    header = bytes([0x81]) + (bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + n.to_bytes(2, "big"))
    return header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


async def raw_stream(url: str, model: tuple, commands: list[str]) -> asyncio.StreamWriter:
    """A WebSocket opened by hand that sends `commands` and never reads a byte."""
    port = int(url.rsplit(":", 1)[1])
    model_id, _, token = model
    _, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(HOSTILE, 0))
    key = base64.b64encode(os.urandom(16)).decode()
    query = f"?token={token}" if TOKEN_IN_URL else ""
    writer.write((f"GET /api/v1/models/{model_id}/stream{query} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                  f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                  "Sec-WebSocket-Version: 13\r\n\r\n").encode())
    if not TOKEN_IN_URL:
        writer.write(_frame(json.dumps({"type": "auth", "token": token})))
    writer.write(b"".join(_frame(command) for command in commands))
    await writer.drain()
    return writer


async def never_reads(url, stop, got, shared) -> None:
    """Finding 6: clients that play with many rows and never read a byte."""
    writers = []
    for model in shared["hostile_tiny"][20:24]:
        writers.append(await raw_stream(url, model, ['{"type": "config", "rows": 200}',
                                                     '{"type": "play", "rate": 60}']))
        got["opened"] += 1
    await stop.wait()
    for writer in writers:
        writer.close()


async def reset_flood(url, stop, got, shared) -> None:
    """Finding 6: 20,000 reset commands, then pause (a client that reads nothing back)."""
    writer = await raw_stream(url, shared["hostile_tiny"][24], ['{"type": "reset"}'] * 20_000
                              + ['{"type": "pause"}'])
    got["sent"] += 20_001
    await stop.wait()
    writer.close()


async def create_flood(url, stop, got, shared) -> None:
    """Finding 8: creating models as fast as possible."""
    async with client(url, HOSTILE) as api:
        await asyncio.gather(*(_loop(stop, got, lambda: api.post("/models", json=TINY)) for _ in range(8)))


async def share_reads(url, stop, got, shared) -> None:
    """Finding 9: read loops on the share link of the other user's streamed model."""
    async with client(url, HOSTILE) as api:
        model_id = shared["stream_model"][0]
        await asyncio.gather(*(_loop(stop, got, lambda: api.get(f"/models/{model_id}")) for _ in range(8)))


ATTACKS: dict[str, Attack] = {
    "none": none, "huge work (1,2,5)": huge_work, "16 streams (3)": streams_16,
    "4 long trains (3)": long_trains, "large stream (4)": large_stream, "never reads (6)": never_reads,
    "20k resets (6)": reset_flood, "create flood (8)": create_flood, "share reads (9)": share_reads,
}


def hostile_process(name: str, url: str, shared: dict, seconds: float, results, token_in_url: bool) -> None:
    """The hostile client in a process of its own, so its work does not slow the other users' loop."""
    global TOKEN_IN_URL
    TOKEN_IN_URL = token_in_url

    async def main() -> Counter:
        got: Counter = Counter()
        stop = asyncio.Event()
        asyncio.get_running_loop().call_later(seconds, stop.set)
        try:
            await ATTACKS[name](url, stop, got, shared)
        except Exception as exc:  # noqa: BLE001 - reported in the table
            got[f"client {type(exc).__name__}"] += 1
        return got

    results.put(dict(asyncio.run(main())))


def cpu_s(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def phase(url: str, pid: int, name: str, shared: dict, seconds: float) -> dict:
    seen = Seen()
    stop = asyncio.Event()
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    hostile = context.Process(target=hostile_process,
                              args=(name, url, shared, seconds, results, TOKEN_IN_URL))
    hostile.start()
    cpu_before = cpu_s(pid)
    users = [asyncio.create_task(rest_user(url, f"127.0.0.{10 + i}", seen, stop, shared["rest_models"][i]))
             for i in range(4)]
    users.append(asyncio.create_task(stream_user(url, "127.0.0.20", seen, stop, shared["stream_model"])))
    await asyncio.sleep(seconds)
    rss, hwm = memory_mb(pid)
    cpu = cpu_s(pid) - cpu_before
    stop.set()
    for task in users:
        try:
            await asyncio.wait_for(task, 30)
        except Exception as exc:  # noqa: BLE001 - a phase that failed on the client side is reported
            seen.codes[f"client {type(exc).__name__}"] += 1
    got = await asyncio.to_thread(results.get, True, 60)
    hostile.join(30)
    await asyncio.sleep(1.0)  # let the server settle before the next phase
    after, _ = memory_mb(pid)
    return {"name": name, "codes": dict(seen.codes), "hostile": dict(Counter(got).most_common(4)),
            "rest": _pcts(seen.rest_ms), "stream": _pcts(seen.stream_ms), "cpu": cpu / seconds,
            "steps_s": seen.stream_steps / seconds, "rss": rss, "after": after, "hwm": hwm}


def _pcts(values: list[float]) -> tuple[float, float]:
    if len(values) < 2:
        return (float("nan"), float("nan"))
    cuts = statistics.quantiles(values, n=100)
    return statistics.median(values), cuts[98]


async def run(args) -> list[dict]:
    with tempfile.TemporaryDirectory(prefix="bp-hostile-") as data_dir:
        process, url = start_server(data_dir, root=Path(args.server_root))
        try:
            shared: dict = {}
            async with client(url, HOSTILE, timeout=60) as api:
                shared["hostile_tiny"] = [await create(api, TINY) for _ in range(25)]
                shared["hostile_large"] = await create(api, LARGE)
            async with client(url, "127.0.0.20") as api:
                shared["stream_model"] = await create(api, TINY)
            shared["rest_models"] = []
            for i in range(4):
                async with client(url, f"127.0.0.{10 + i}") as api:
                    shared["rest_models"].append(await create(api, TINY))
            chosen = [n for n in ATTACKS if not args.only or any(o in n for o in args.only.split(","))]
            results = []
            for name in chosen:
                results.append(await phase(url, process.pid, name, shared, args.seconds))
                print(f"  done: {name}", file=sys.stderr, flush=True)
            return results
        finally:
            process.terminate()
            process.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=8.0, help="length of each phase")
    parser.add_argument("--only", default="", help="comma-separated parts of attack names to run")
    parser.add_argument("--server-root", default=str(ROOT), help="the checkout whose server runs")
    parser.add_argument("--token-in-url", action="store_true", help="stream token as ?token= (older servers)")
    args = parser.parse_args()
    global TOKEN_IN_URL
    TOKEN_IN_URL = args.token_in_url
    started = time.monotonic()
    results = asyncio.run(run(args))
    print(f"\nserver: {args.server_root}; other users: 4 REST + 1 stream; {args.seconds:g} s per phase; "
          f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f} at the end")
    print(f"{'attack':<19} {'others: status codes':<22} {'REST p50/p99 ms':>15} {'stream p50/p99':>15} "
          f"{'steps/s':>7} {'server CPU':>10} {'RSS/after/HWM MB':>17}  hostile got")
    for r in results:
        codes = " ".join(f"{k}:{v}" for k, v in sorted(r["codes"].items(), key=lambda kv: str(kv[0])))
        print(f"{r['name']:<19} {codes:<22} {r['rest'][0]:>6.0f}/{r['rest'][1]:<8.0f} "
              f"{r['stream'][0]:>6.0f}/{r['stream'][1]:<8.0f} {r['steps_s']:>7.1f} {r['cpu']:>9.0%} "
              f"{r['rss']:>6.0f}/{r['after']:>4.0f}/{r['hwm']:<5.0f}  {r['hostile']}")
    print(f"total {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
