"""Classroom rooms: one presenter publishing at 5 Hz to N followers on real uvicorn processes.

The presenter stamps each state with its send time (time.time()); each follower, on receiving it, takes
its own time on the same machine clock, so publish-to-follower latency is measured end to end (server
fan-out, the follower's socket and this client's event loop included). Followers connect from distinct
loopback addresses (127.1.x.y), as students' devices do, spread over --clients processes, each follower a
bare asyncio protocol on uvloop (the handshake and frames by hand) so that the measuring side costs little
of the machine's CPU. `--replicas 2` starts two servers sharing one redis-server (started here on a free
port, temp dir) and puts the presenter on the first and the followers on both, alternately. Each server is
left to finish its start-up work (every lesson's facts, computed in a thread) before the followers join.
Reports states sent, states received, states skipped (a follower that falls behind jumps to the newest
state by design), errors, latency p50/p99/max, the CPU the servers and the client processes used while the
presenter published (% of one core, and the servers' CPU per state delivered), the five slowest states
(their median and max latency: a single stall, e.g. a full garbage collection, shows there) and the load
average. `--root DIR` runs the server of another checkout (e.g. a git worktree of an older commit) for a
before/after comparison. Loopback only; bounded by --followers and --duration.
Run: .venv/bin/python bench/bench_rooms.py --followers 100 1000 [--replicas 2] [--duration 10] [--root DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import multiprocessing
import os
import resource
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
import psutil
import uvloop
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


class Follower(asyncio.Protocol):
    """One follower on a bare socket: the WebSocket handshake and frames by hand, no task and no WebSocket
    library per follower, so that the measuring side costs little CPU next to the server it measures (with
    the websockets library's client and a task each, 1,000 followers took more CPU than the server)."""

    def __init__(self, host: str, stream: str, stats: dict, joined: asyncio.Future) -> None:
        self.host, self.stream, self.stats, self.joined = host, stream, stats, joined
        self.buffer = bytearray()
        self.upgraded = False
        self.last = 0
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport) -> None:
        self.transport = transport
        key = base64.b64encode(os.urandom(16)).decode()
        transport.write(f"GET {self.stream} HTTP/1.1\r\nHost: {self.host}\r\nUpgrade: websocket\r\n"
                        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                        "Sec-WebSocket-Version: 13\r\n\r\n".encode())

    def send(self, opcode: int, payload: bytes) -> None:
        """A client frame: masked (RFC 6455 asks it of clients), with the all-zero key: payload unchanged."""
        assert len(payload) < 126
        self.transport.write(bytes((0x80 | opcode, 0x80 | len(payload))) + b"\0\0\0\0" + payload)

    def data_received(self, data: bytes) -> None:
        now = time.time()
        buffer = self.buffer
        buffer += data
        if not self.upgraded:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            if not buffer.startswith(b"HTTP/1.1 101"):
                return self.fail(f"no upgrade: {bytes(buffer[:80])!r}")
            del buffer[:end + 4]
            self.upgraded = True
            self.send(0x1, b'{"type": "follow"}')
        while len(buffer) >= 2:
            opcode, length, start = buffer[0] & 0x0F, buffer[1] & 0x7F, 2
            if length == 126:
                length, start = int.from_bytes(buffer[2:4], "big"), 4
            elif length == 127:
                length, start = int.from_bytes(buffer[2:10], "big"), 10
            if len(buffer) < start + length:
                return
            payload = bytes(buffer[start:start + length])
            del buffer[:start + length]
            if opcode == 0x1:
                self.message(payload, now)
            elif opcode == 0x9:
                self.send(0xA, payload)  # pong
            elif opcode == 0x8:
                self.fail(f"closed {int.from_bytes(payload[:2], 'big')}: {payload[2:80]!r}")

    def message(self, payload: bytes, now: float) -> None:
        stats = self.stats
        if not payload.startswith(b'{"type":"state"'):
            if payload.startswith(b'{"type":"hello"') and not self.joined.done():
                self.joined.set_result(True)
            elif payload.startswith(b'{"type":"error"'):
                stats["errors"].append(payload[:200].decode())
            return
        message = json.loads(payload)
        seq, sent = message["seq"], message["state"]["t"]
        if seq <= self.last:
            stats["errors"].append(f"seq {seq} after {self.last}")
        stats["skipped"] += max(0, seq - self.last - 1) if self.last else 0
        self.last = seq
        stats["received"] += 1
        stats["latency"].append(now - sent)
        stats["by_seq"].setdefault(seq, []).append(now - sent)
        stats["sent_at"][seq] = sent

    def fail(self, why: str) -> None:
        if not self.joined.done():
            self.joined.set_exception(RuntimeError(why))
        elif not self.stats.get("stopping"):
            self.stats["errors"].append(why)
        self.transport.close()

    def connection_lost(self, exc) -> None:
        if not self.joined.done():
            self.joined.set_exception(RuntimeError(f"connection lost: {exc}"))


async def follower(i: int, url: str, stream: str, stats: dict, ready: asyncio.Semaphore,
                   joined: list) -> asyncio.Transport | None:
    """A follower from its own loopback address, once it has its hello."""
    host, port = url.removeprefix("http://").split(":")
    try:
        async with ready:  # a bounded number of handshakes at once
            loop = asyncio.get_running_loop()
            hello = loop.create_future()
            transport, _ = await loop.create_connection(
                lambda: Follower(f"{host}:{port}", stream, stats, hello), host, int(port),
                local_addr=(client_address(i), 0))
            await asyncio.wait_for(hello, 60)
        joined.append(i)
        return transport
    except Exception as exc:  # noqa: BLE001 - a benchmark counts every failure
        stats["errors"].append(f"follower {i}: {type(exc).__name__}: {exc}")
        return None


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
    stats = {"received": 0, "skipped": 0, "latency": [], "errors": [], "by_seq": {}, "sent_at": {}}
    joined, ready = [], asyncio.Semaphore(32)
    tasks = [asyncio.create_task(follower(i, urls[i % len(urls)], stream, stats, ready, joined))
             for i in indices]
    started = time.monotonic()
    while len(joined) + len(stats["errors"]) < len(indices) and time.monotonic() - started < 150:
        await asyncio.sleep(0.1)
    joined_q.put(len(joined))
    while not stop.is_set():
        await asyncio.sleep(0.1)
    stats["stopping"] = True
    for transport in await asyncio.gather(*tasks):
        if transport is not None:
            transport.close()
    await asyncio.sleep(0.1)
    del stats["stopping"]
    return stats


def cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def client_process(urls, stream, indices, joined_q, stop, results, publishing) -> None:
    """Followers until `stop`; their process's CPU seconds while the presenter published are counted, so
    that the measuring side's share of the machine is known."""
    async def main() -> dict:
        task = asyncio.create_task(followers_here(urls, stream, indices, joined_q, stop))
        while not publishing.is_set() and not task.done():
            await asyncio.sleep(0.05)
        before = cpu_s()
        while not stop.is_set() and not task.done():
            await asyncio.sleep(0.05)
        cpu = cpu_s() - before
        stats = await task
        stats["client_cpu_s"] = cpu
        return stats

    results.put(uvloop.run(main()))


def run(urls: list[str], followers: int, duration: float, clients: int, servers: list[int]) -> dict:
    """Followers in `clients` processes (so that the measuring side is not one event loop), the presenter
    here; the CPU seconds of the servers (pids `servers`) and of the clients while the presenter publishes
    (and the last states arrive)."""
    room = httpx.post(f"{urls[0]}/api/v1/rooms", json={"title": "bench"}, timeout=30).json()
    stream = f"/api/v1/rooms/{room['code']}/stream"
    context = multiprocessing.get_context("spawn")
    joined_q, results, stop, publishing = (context.Queue(), context.Queue(), context.Event(),
                                           context.Event())
    processes = [context.Process(target=client_process, args=(urls, stream, range(k, followers, clients),
                                                               joined_q, stop, results, publishing))
                 for k in range(clients)]
    started = time.monotonic()
    for process in processes:
        process.start()
    joined = sum(joined_q.get(timeout=300) for _ in processes)
    join_s = time.monotonic() - started
    print(f"  {joined} of {followers} followers joined in {join_s:.1f} s", flush=True)
    time.sleep(1.0)  # the last audience counts settle
    stats = {"sent": 0}
    server_processes = [psutil.Process(pid) for pid in servers]
    server_before = sum(sum(process.cpu_times()[:2]) for process in server_processes)
    presenter_before = cpu_s()
    publishing.set()
    asyncio.run(presenter(urls[0], stream, room["presenter_token"], duration, stats))
    time.sleep(2.0)  # the last states arrive
    server_cpu = sum(sum(process.cpu_times()[:2]) for process in server_processes) - server_before
    presenter_cpu = cpu_s() - presenter_before
    stop.set()
    merged = {"sent": stats["sent"], "received": 0, "skipped": 0, "latency": [], "errors": [], "by_seq": {},
              "sent_at": {}, "joined": joined, "join_s": join_s, "server_cpu_s": server_cpu,
              "client_cpu_s": presenter_cpu, "window_s": duration + 2.0}
    for _ in processes:
        part = results.get(timeout=120)
        merged["client_cpu_s"] += part["client_cpu_s"]
        for key in ("received", "skipped"):
            merged[key] += part[key]
        merged["latency"] += part["latency"]
        merged["errors"] += part["errors"]
        merged["sent_at"].update(part["sent_at"])
        for seq, latencies in part["by_seq"].items():
            merged["by_seq"].setdefault(seq, []).extend(latencies)
    for process in processes:
        process.join(timeout=30)
    return merged


def settle(servers: list[int], timeout_s: float = 60.0) -> None:
    """Wait until the servers are idle: a server computes every lesson's facts in a thread after it starts
    (a few CPU-seconds), which would otherwise compete with the first run's fan-out."""
    processes = [psutil.Process(pid) for pid in servers]
    started = time.monotonic()
    before = sum(sum(process.cpu_times()[:2]) for process in processes)
    while time.monotonic() - started < timeout_s:
        time.sleep(1.0)
        now = sum(sum(process.cpu_times()[:2]) for process in processes)
        if now - before < 0.05 * len(processes):
            break
        before = now
    print(f"  servers idle after {time.monotonic() - started:.1f} s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--followers", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--replicas", type=int, choices=(1, 2), default=1)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds the presenter publishes")
    parser.add_argument("--clients", type=int, default=2, help="processes the followers are spread over")
    parser.add_argument("--root", type=Path, default=None,
                        help="the checkout whose server runs (default: this one), e.g. a worktree of an "
                        "older commit for a before/after comparison")
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
                if args.root is not None:
                    env["PYTHONPATH"] = os.pathsep.join(filter(None, (str(args.root.resolve() / "server"),
                                                                      os.environ.get("PYTHONPATH"))))
                    process, url = start_server(str(data), env=env, root=args.root.resolve())
                else:
                    process, url = start_server(str(data), env=env)
                processes.append(process)
                urls.append(url)
            servers = [process.pid for process in processes if process.args[0] == sys.executable]
            print(f"  server pids: {' '.join(map(str, servers))}", flush=True)
            settle(servers)
            for n in args.followers:
                stats = run(urls, n, args.duration, args.clients, servers)
                latency = sorted(stats["latency"]) or [float("nan")]
                rows.append((n, args.replicas, stats["joined"], f"{stats['join_s']:.1f}", stats["sent"],
                             stats["received"], stats["skipped"], len(stats["errors"]),
                             f"{1000 * statistics.median(latency):.1f}",
                             f"{1000 * latency[int(0.99 * (len(latency) - 1))]:.1f}",
                             f"{1000 * latency[-1]:.1f}",
                             f"{100 * stats['server_cpu_s'] / stats['window_s']:.0f}",
                             f"{100 * stats['client_cpu_s'] / stats['window_s']:.0f}",
                             f"{1e6 * stats['server_cpu_s'] / max(1, stats['received']):.0f}",
                             " ".join(f"{x:.2f}" for x in os.getloadavg())))
                worst = sorted(stats["by_seq"].items(), key=lambda item: -max(item[1]))[:5]
                print("  slowest states (seq: median/max ms):", ", ".join(
                    f"{seq} (at {stats['sent_at'][seq] % 1000:.3f}): "
                    f"{1000 * statistics.median(values):.0f}/{1000 * max(values):.0f}"
                    for seq, values in worst), flush=True)
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
              "p50 ms", "p99 ms", "max ms", "server CPU %", "clients CPU %", "server µs/state",
              "load avg 1/5/15")
    print(" | ".join(header))
    for row in rows:
        print(" | ".join(str(cell) for cell in row))


if __name__ == "__main__":
    main()
