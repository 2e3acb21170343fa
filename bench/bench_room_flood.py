"""A follower flood against one room, and what the rest of the server feels: /health latency and the
state latency of another class, on a real server process.

`--flooders` connections (each from its own loopback address, 127.1.x.y) follow one room and send
`{"type": "answer", "id": 7, "value": 1}` as fast as they can for `--duration` seconds, reading every
answer (so the server cannot close them as too slow), (with
`--reconnect`, connecting again whenever the server closes them). Meanwhile a calm class publishes at
5 Hz to one follower, and /health is asked every 100 ms. Reports, for /health and for the calm class's
states, p50/p99/max latency, and the flood's messages sent and connections the server closed.
`--root DIR` runs another checkout's server (e.g. an older commit in a git worktree) for a before/after
comparison on the same machine.
Run: .venv/bin/python bench/bench_room_flood.py --flooders 500 --duration 10 [--root DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
import websockets

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_load import ROOT, client_address, start_server  # noqa: E402

SETTINGS = {"BACKPROP_ROOM_STREAMS_PER_CLIENT": "100000", "BACKPROP_ROOM_CREATES_PER_MINUTE": "0",
            "BACKPROP_ROOM_MAX_FOLLOWERS": "100000", "BACKPROP_ROOMS_PER_CLIENT": "100",
            "BACKPROP_ROOM_MISSES_PER_MINUTE": "0"}


async def _flooder(stream: str, address: str, until: float, counts: dict[str, int], reconnect: bool) -> None:
    message = json.dumps({"type": "answer", "id": 7, "value": 1})
    connections = 0
    while time.monotonic() < until and (reconnect or not connections):
        connections += 1
        try:
            async with websockets.connect(stream, local_addr=(address, 0), max_queue=None) as ws:
                await ws.send(json.dumps({"type": "follow"}))
                reader = asyncio.create_task(_drain(ws))  # it reads every answer, so it is never too slow
                try:
                    while time.monotonic() < until:
                        for _ in range(50):
                            await ws.send(message)
                        counts["sent"] += 50
                        await asyncio.sleep(0)
                finally:
                    reader.cancel()
        except (OSError, websockets.exceptions.WebSocketException):
            counts["closed"] += 1
            await asyncio.sleep(0.05)


async def _drain(ws) -> None:
    async for _ in ws:
        pass


def _flood(stream: str, flooders: int, duration: float, reconnect: bool, out) -> None:
    counts = {"sent": 0, "closed": 0}
    until = time.monotonic() + duration

    async def main() -> None:
        await asyncio.gather(*(_flooder(stream, client_address(i + 10), until, counts, reconnect)
                               for i in range(flooders)))

    asyncio.run(main())
    out.put(counts)


async def _measure(url: str, calm: dict, duration: float) -> tuple[list[float], list[float]]:
    health: list[float] = []
    states: list[float] = []
    stream = url.replace("http", "ws") + f"/api/v1/rooms/{calm['code']}/stream"
    until = time.monotonic() + duration

    async def ask_health(client: httpx.AsyncClient) -> None:
        while time.monotonic() < until:
            start = time.monotonic()
            try:
                await client.get(f"{url}/api/v1/health", timeout=30)
                health.append(time.monotonic() - start)
            except httpx.TransportError:
                health.append(float("inf"))
            await asyncio.sleep(0.1)

    async def follow() -> None:
        async with websockets.connect(stream) as ws:
            await ws.send(json.dumps({"type": "follow"}))
            while time.monotonic() < until:
                try:
                    message = json.loads(await asyncio.wait_for(ws.recv(), 1.0))
                except TimeoutError:
                    continue
                if message["type"] == "state":
                    states.append(time.time() - message["state"]["sent"])

    async def present() -> None:
        async with websockets.connect(stream) as ws:
            await ws.send(json.dumps({"type": "auth", "token": calm["presenter_token"]}))
            while time.monotonic() < until:
                await ws.send(json.dumps({"type": "state", "state": {"sent": time.time()}}))
                await asyncio.sleep(0.2)

    async with httpx.AsyncClient() as client:
        await asyncio.gather(ask_health(client), follow(), present())
    return health, states


def _summary(name: str, values: list[float]) -> str:
    if not values:
        return f"{name}: no samples"
    values = sorted(values)
    p99 = values[min(len(values) - 1, int(0.99 * len(values)))]
    return (f"{name}: n={len(values)} p50 {1000 * statistics.median(values):.1f} ms  "
            f"p99 {1000 * p99:.1f} ms  max {1000 * values[-1]:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flooders", type=int, default=500)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout whose server runs")
    parser.add_argument("--reconnect", action="store_true", help="flooders connect again when closed")
    args = parser.parse_args()
    env = {**SETTINGS, "PYTHONPATH": str(args.root / "server")}
    with tempfile.TemporaryDirectory() as data:
        process, url = start_server(data, root=args.root, env=env)
        try:
            flooded = httpx.post(f"{url}/api/v1/rooms").json()
            calm = httpx.post(f"{url}/api/v1/rooms").json()
            quiet_health, quiet_states = asyncio.run(_measure(url, calm, 3.0))
            out = multiprocessing.Queue()
            stream = url.replace("http", "ws") + f"/api/v1/rooms/{flooded['code']}/stream"
            flood = multiprocessing.Process(target=_flood, args=(stream, args.flooders, args.duration,
                                                                        args.reconnect, out))
            flood.start()
            time.sleep(1.0)  # the flood under way
            health, states = asyncio.run(_measure(url, calm, args.duration - 1.5))
            counts = out.get(timeout=args.duration + 60)
            flood.join()
        finally:
            process.kill()
    print(f"server: {args.root}  flooders: {args.flooders}{' (reconnecting)' if args.reconnect else ''}  "
          f"duration: {args.duration:g} s  "
          f"load average: {os.getloadavg()[0]:.2f}")
    print("quiet   " + _summary("/health", quiet_health) + "   " + _summary("calm class state", quiet_states))
    print("flooded " + _summary("/health", health) + "   " + _summary("calm class state", states))
    print(f"flood: {counts['sent']} messages sent, {counts['closed']} connections ended by the server")


if __name__ == "__main__":
    main()
