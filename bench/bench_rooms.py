"""Classroom rooms: one presenter publishing at 5 Hz to N followers on real uvicorn processes.

The presenter stamps each state with its send time (time.time()); each follower, on receiving it, takes
its own time on the same machine clock, so publish-to-follower latency is measured end to end (server
fan-out, the follower's socket and this client's event loop included). Followers connect from distinct
loopback addresses (127.1.x.y), as students' devices do. `--replicas 2` starts two servers sharing one
redis-server (started here on a free port, temp dir) and puts the presenter on the first and the
followers on both, alternately. Reports states sent, states received, states skipped (a follower that
falls behind jumps to the newest state by design), errors, latency p50/p99/max, and the load average.
Loopback only; bounded by --followers and --duration.
Run: .venv/bin/python bench/bench_rooms.py --followers 100 1000 [--replicas 2] [--duration 10]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import websockets

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_load import client_address, start_server  # noqa: E402

RATE_HZ = 5.0
SETTINGS = {"BACKPROP_ROOM_STREAMS_PER_CLIENT": "100000", "BACKPROP_ROOM_CREATES_PER_MINUTE": "0",
            "BACKPROP_ROOM_MAX_FOLLOWERS": "100000"}


def start_redis(directory: str) -> tuple[subprocess.Popen, str]:
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("--replicas 2 needs redis-server (apt-get install redis-server)")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", directory,
                                "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL)
    for _ in range(200):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process, f"redis://127.0.0.1:{port}/0"
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("redis-server did not start")


async def follower(i: int, url: str, stream: str, stats: dict, ready: asyncio.Semaphore,
                   joined: list) -> None:
    try:
        async with ready:  # a bounded number of handshakes at once
            ws = await websockets.connect(url.replace("http", "ws") + stream, compression=None,
                                          local_addr=(client_address(i), 0), open_timeout=60)
            await ws.send('{"type": "follow"}')
            hello = json.loads(await asyncio.wait_for(ws.recv(), 60))
            if hello.get("type") != "hello":
                raise RuntimeError(f"no hello: {hello}")
        joined.append(i)
        last = 0
        async with ws:
            async for text in ws:  # until the run cancels this task
                now = time.time()
                if not text.startswith('{"type":"state"'):
                    if text.startswith('{"type":"error"'):
                        stats["errors"].append(text[:200])
                    continue
                message = json.loads(text)
                seq = message["seq"]
                if seq <= last:
                    stats["errors"].append(f"seq {seq} after {last}")
                stats["skipped"] += max(0, seq - last - 1) if last else 0
                last = seq
                stats["received"] += 1
                stats["latency"].append(now - message["state"]["t"])
    except Exception as exc:  # noqa: BLE001 - a benchmark counts every failure
        stats["errors"].append(f"follower {i}: {type(exc).__name__}: {exc}")


async def presenter(url: str, stream: str, token: str, duration: float, stats: dict) -> None:
    async with websockets.connect(url.replace("http", "ws") + stream, compression=None) as ws:
        await ws.send(json.dumps({"type": "auth", "token": token}))
        assert json.loads(await ws.recv())["type"] == "hello"
        period = 1.0 / RATE_HZ
        next_at = time.monotonic()
        for step in range(1, int(duration * RATE_HZ) + 1):
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))
            state = {"page": "stepper", "query": f"lesson=xor-relu&step={step}&theme=projector",
                     "t": time.time()}
            await ws.send(json.dumps({"type": "state", "state": state}))
            stats["sent"] += 1
            next_at += period


async def followers_here(urls: list[str], stream: str, indices: range, joined_q, stop) -> dict:
    """This client process's followers, until `stop` (a multiprocessing Event) is set."""
    stats = {"received": 0, "skipped": 0, "latency": [], "errors": []}
    joined, ready = [], asyncio.Semaphore(32)
    tasks = [asyncio.create_task(follower(i, urls[i % len(urls)], stream, stats, ready, joined))
             for i in indices]
    started = time.monotonic()
    while len(joined) + len(stats["errors"]) < len(indices) and time.monotonic() - started < 150:
        await asyncio.sleep(0.1)
    joined_q.put(len(joined))
    while not stop.is_set():
        await asyncio.sleep(0.1)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return stats


def client_process(urls, stream, indices, joined_q, stop, results) -> None:
    results.put(asyncio.run(followers_here(urls, stream, indices, joined_q, stop)))


def run(urls: list[str], followers: int, duration: float, clients: int) -> dict:
    """Followers in `clients` processes (so that the measuring side is not one event loop), the presenter
    here."""
    room = httpx.post(f"{urls[0]}/api/v1/rooms", json={"title": "bench"}, timeout=30).json()
    stream = f"/api/v1/rooms/{room['code']}/stream"
    context = multiprocessing.get_context("spawn")
    joined_q, results, stop = context.Queue(), context.Queue(), context.Event()
    processes = [context.Process(target=client_process,
                                 args=(urls, stream, range(k, followers, clients), joined_q, stop, results))
                 for k in range(clients)]
    started = time.monotonic()
    for process in processes:
        process.start()
    joined = sum(joined_q.get(timeout=300) for _ in processes)
    join_s = time.monotonic() - started
    print(f"  {joined} of {followers} followers joined in {join_s:.1f} s", flush=True)
    time.sleep(1.0)  # the last audience counts settle
    stats = {"sent": 0}
    asyncio.run(presenter(urls[0], stream, room["presenter_token"], duration, stats))
    time.sleep(2.0)  # the last states arrive
    stop.set()
    merged = {"sent": stats["sent"], "received": 0, "skipped": 0, "latency": [], "errors": [],
              "joined": joined, "join_s": join_s}
    for _ in processes:
        part = results.get(timeout=120)
        for key in ("received", "skipped"):
            merged[key] += part[key]
        merged["latency"] += part["latency"]
        merged["errors"] += part["errors"]
    for process in processes:
        process.join(timeout=30)
    return merged


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--followers", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--replicas", type=int, choices=(1, 2), default=1)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds the presenter publishes")
    parser.add_argument("--clients", type=int, default=2, help="processes the followers are spread over")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stop the servers on the way out
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-rooms-") as directory:
        processes, env = [], dict(SETTINGS)
        try:
            if args.replicas == 2:
                redis, env["BACKPROP_REDIS_URL"] = start_redis(directory)
                processes.append(redis)
            urls = []
            for r in range(args.replicas):
                data = Path(directory) / f"data{r}"
                data.mkdir()
                process, url = start_server(str(data), env=env)
                processes.append(process)
                urls.append(url)
            for n in args.followers:
                stats = run(urls, n, args.duration, args.clients)
                latency = sorted(stats["latency"]) or [float("nan")]
                rows.append((n, args.replicas, stats["joined"], f"{stats['join_s']:.1f}", stats["sent"],
                             stats["received"], stats["skipped"], len(stats["errors"]),
                             f"{1000 * statistics.median(latency):.1f}",
                             f"{1000 * latency[int(0.99 * (len(latency) - 1))]:.1f}",
                             f"{1000 * latency[-1]:.1f}", " ".join(f"{x:.2f}" for x in os.getloadavg())))
                for error in stats["errors"][:5]:
                    print("  error:", error)
        finally:
            for process in reversed(processes):  # the servers first, then the redis-server they use
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
    header = ("followers", "replicas", "joined", "join s", "sent", "received", "skipped", "errors",
              "p50 ms", "p99 ms", "max ms", "load avg 1/5/15")
    print(" | ".join(header))
    for row in rows:
        print(" | ".join(str(cell) for cell in row))


if __name__ == "__main__":
    main()
