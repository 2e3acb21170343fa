"""Load: N concurrent WebSocket sessions on a real uvicorn, each stepping a traced 2-8-8-1 moons model.

Each session sends {"type": "step"} at `--rate` Hz (closed loop: the next step waits for the last trace)
and times each round trip. Reports frames/s, p50/p99 latency, errors and the servers' CPU per frame.
Every session is its own client (its own loopback source address, 127.1.x.y), as the students of a
hall are. `--replicas 2` starts two servers over one database behind nginx
(deploy/nginx.conf), so both cores serve. Loopback only; bounded by --sessions and --duration.
Run: .venv/bin/python bench/bench_load.py --sessions 300 --duration 20 [--replicas 2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
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

ROOT = Path(__file__).resolve().parent.parent
SPEC = {
    "name": "moons",
    "hidden": [{"units": 8, "activation": "tanh"}, {"units": 8, "activation": "tanh"}],
    "output": {"kind": "sigmoid"},
    "optimizer": {"name": "sgd", "lr": 0.5},
    "data": {"dataset": "moons", "n": 200},
}


def client_address(i: int) -> str:
    """The loopback source address of simulated client `i` (Linux routes all of 127/8 to loopback)."""
    return f"127.1.{i // 250}.{i % 250 + 1}"


def start_server(data_dir: str, jobs: int | None = None, root: Path = ROOT, env: dict[str, str] | None = None,
                 launcher: str | None = None) -> tuple[subprocess.Popen, str]:
    """A real server process (the checkout at `root`) on a free loopback port, once it answers /health;
    `jobs` sets BACKPROP_MAX_CPU_JOBS, `env` more settings, `launcher` a script run in place of the CLI
    module (bench/phased_server.py). Shared by the benches that measure a live server."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, **(env or {})}
    # the tree's own package, ahead of the checkout's that the venv's .pth file puts on sys.path
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root / "server"), env.get("PYTHONPATH")]))
    if jobs is not None:
        env["BACKPROP_MAX_CPU_JOBS"] = str(jobs)
    start = [launcher] if launcher else ["-m", "backprop_playground.cli"]
    command = [sys.executable, *start, "serve", "--port", str(port), "--data-dir", data_dir,
               "--log-level", "warning"]
    process = subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=1).status_code == 200:
                return process, url
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("server did not start")


def start_proxy(directory: Path, ports: list[str]) -> tuple[subprocess.Popen, str]:
    """nginx with deploy/nginx.conf (filled as the cluster test fills it) in front of the servers."""
    sys.path.insert(0, str(ROOT))
    from tests.processes import nginx_config, nginx_main_config, spawn, wait_port

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    main = nginx_main_config(directory, nginx_config(port, *(f"127.0.0.1:{p}" for p in ports)))
    process = spawn(["/usr/sbin/nginx", "-p", str(directory), "-c", str(main), "-g", "daemon off;"],
                    directory / "nginx.out")
    wait_port(port, process, "nginx", directory / "error.log")
    return process, f"http://127.0.0.1:{port}"


async def create_models(url: str, n: int) -> list[tuple[str, str]]:
    sem = asyncio.Semaphore(16)

    async def one(i: int) -> tuple[str, str]:
        transport = httpx.AsyncHTTPTransport(local_address=client_address(i))
        async with sem, httpx.AsyncClient(base_url=url, timeout=60, transport=transport) as client:
            while (response := await client.post("/api/v1/models", json=SPEC)).status_code in (429, 503):
                await asyncio.sleep(float(response.headers.get("retry-after", 1)) * random.random())
            body = response.json()
            return body["id"], body["edit_token"]

    return await asyncio.gather(*(one(i) for i in range(n)))


async def session(url: str, model: tuple[str, str], args, stats: dict, stop_at: float, i: int = 0) -> None:
    model_id, token = model
    ws_url = url.replace("http", "ws") + f"/api/v1/models/{model_id}/stream"
    period = 1.0 / args.rate
    try:
        async with websockets.connect(ws_url, max_size=2**24, compression=None,
                                      local_addr=(client_address(i), 0)) as ws:
            await ws.send(json.dumps({"type": "auth", "token": token}))
            await ws.send(json.dumps({"type": "config", "rows": args.rows, "encoding": args.encoding}))
            next_at = time.monotonic() + random.random() * period  # staggered start
            while True:
                await asyncio.sleep(max(0.0, next_at - time.monotonic()))
                if time.monotonic() >= stop_at:
                    return
                sent = time.monotonic()
                await ws.send('{"type": "step"}')
                while True:
                    message = await asyncio.wait_for(ws.recv(), timeout=10)
                    if message.startswith('{"type":"trace"'):
                        break
                    stats["errors"].append(message[:200])
                stats["latency"].append(time.monotonic() - sent)
                stats["bytes"] += len(message)
                next_at = max(next_at + period, time.monotonic())
    except Exception as exc:  # noqa: BLE001 - a benchmark counts every failure
        stats["errors"].append(f"{type(exc).__name__}: {exc}")


def cpu_seconds(pid: int | None) -> float:
    """CPU time (user + system) of a process so far, from /proc; this process when pid is None."""
    if pid is None:
        return time.process_time()
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def kernel_counts(pid: int) -> tuple[float, int, int, int]:
    """(system CPU seconds, minor page faults, voluntary and involuntary context switches of its threads)
    of a process so far: what a frame costs the kernel (on a virtual machine a page fault or a wake-up
    from idle costs several times what it does on bare metal), within the CPU seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    system, faults = int(fields[12]) / os.sysconf("SC_CLK_TCK"), int(fields[7])
    voluntary = involuntary = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            status = (task / "status").read_text()
        except OSError:  # a thread that ended meanwhile
            continue
        for line in status.splitlines():
            if line.startswith("voluntary_ctxt_switches:"):
                voluntary += int(line.split()[1])
            elif line.startswith("nonvoluntary_ctxt_switches:"):
                involuntary += int(line.split()[1])
    return system, faults, voluntary, involuntary


async def wait_idle(pids: list[int], below: float = 0.05, timeout_s: float = 120.0) -> None:
    """Wait until the servers use less than `below` CPU seconds per second: a server computes every
    lesson's facts in a thread as it starts (seconds of CPU), which is not the streams' cost."""
    deadline = time.monotonic() + timeout_s
    while pids and time.monotonic() < deadline:
        before = sum(map(cpu_seconds, pids))
        await asyncio.sleep(1.0)
        if sum(map(cpu_seconds, pids)) - before < below:
            return


async def run(args, server_pids: list[int]) -> dict:
    models = await create_models(args.url, args.sessions)
    await wait_idle(server_pids)
    stats: dict = {"latency": [], "errors": [], "bytes": 0}
    start = time.monotonic()
    stop_at = start + args.ramp + args.duration
    tasks = []
    for i, model in enumerate(models):
        tasks.append(asyncio.create_task(session(args.url, model, args, stats, stop_at, i)))
        await asyncio.sleep(args.ramp / len(models))
    measure_from = time.monotonic()
    count_before = len(stats["latency"])
    cpu_before = sum(map(cpu_seconds, server_pids)), cpu_seconds(None)
    kernel_before = [kernel_counts(pid) for pid in server_pids]
    if args.phases:
        os.kill(server_pids[0], signal.SIGUSR1)  # the phases' totals start again here
    await asyncio.gather(*tasks)
    if args.phases:
        os.kill(server_pids[0], signal.SIGUSR1)
        await asyncio.sleep(0.5)
    elapsed = time.monotonic() - measure_from
    server_cpu = sum(map(cpu_seconds, server_pids)) - cpu_before[0]
    kernel = [0.0, 0, 0, 0]
    for pid, was in zip(server_pids, kernel_before, strict=True):
        now = kernel_counts(pid)
        kernel = [k + after - before for k, after, before in zip(kernel, now, was, strict=True)]
    client_cpu = cpu_seconds(None) - cpu_before[1]
    latencies = sorted(stats["latency"][count_before:]) or [float("nan")]
    phases = None
    if args.phases:
        taken = json.loads(Path(os.environ["BACKPROP_PHASES_OUT"]).read_text())
        phases = {name: {"calls": calls, "us_per_call": round(1e6 * seconds / max(1, calls), 1),
                         "us_per_frame": round(1e6 * seconds / len(latencies), 1)}
                  for name, (calls, seconds) in taken.items()}
    return {
        "sessions": args.sessions,
        "replicas": args.replicas,
        "rate_hz": args.rate,
        "rows": args.rows,
        "encoding": args.encoding,
        "frames": len(latencies),
        "frames_per_s": len(latencies) / elapsed,
        "target_frames_per_s": args.sessions * args.rate,
        "p50_ms": 1e3 * statistics.median(latencies),
        "p99_ms": 1e3 * latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))],
        "max_ms": 1e3 * latencies[-1],
        "mean_frame_kb": stats["bytes"] / max(1, len(stats["latency"])) / 1e3,
        "server_cpu_per_s": server_cpu / elapsed if server_pids else None,
        "server_cpu_ms_per_frame": 1e3 * server_cpu / len(latencies) if server_pids else None,
        "server_system_cpu_ms_per_frame": 1e3 * kernel[0] / len(latencies),
        "server_faults_per_frame": kernel[1] / len(latencies),
        "server_switches_per_frame": [kernel[2] / len(latencies), kernel[3] / len(latencies)],
        "client_cpu_per_s": client_cpu / elapsed,
        "load_average": os.getloadavg()[0],
        "phases_thread_cpu": phases,
        "errors": len(stats["errors"]),
        "first_errors": stats["errors"][:3],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=300)
    parser.add_argument("--rate", type=float, default=5.0, help="steps per second per session")
    parser.add_argument("--rows", type=int, default=8)
    parser.add_argument("--encoding", choices=["json", "f32"], default="json")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds measured after the ramp")
    parser.add_argument("--ramp", type=float, default=5.0, help="seconds over which sessions connect")
    parser.add_argument("--jobs", type=int, default=4, help="BACKPROP_MAX_CPU_JOBS of the started server")
    parser.add_argument("--url", default=None, help="use this running server instead of starting one")
    parser.add_argument("--replicas", type=int, default=1, choices=[1, 2],
                        help="2: two servers over one database behind nginx (deploy/nginx.conf)")
    parser.add_argument("--phases", action="store_true",
                        help="time a frame's parts in the live server (bench/phased_server.py), 1 process")
    parser.add_argument("--server-root", type=Path, default=ROOT,
                        help="start the server from this source tree (e.g. an older commit, to compare)")
    args = parser.parse_args()
    if args.sessions > 1000 or args.duration > 300:
        parser.error("bounded: at most 1000 sessions for 300 s")
    if args.phases and (args.replicas > 1 or args.url is not None):
        parser.error("--phases starts one server of its own")
    processes: list[subprocess.Popen] = []
    with tempfile.TemporaryDirectory(prefix="bp-load-") as data_dir:
        if args.url is None:
            # Behind nginx, the client is the address nginx appends to X-Forwarded-For.
            env = ({"BACKPROP_CLIENT_IP_HEADER": "x-forwarded-for", "BACKPROP_TRUSTED_PROXIES": "127.0.0.1"}
                   if args.replicas > 1 else {})
            if args.phases:
                env = {"BACKPROP_PHASES_OUT": os.environ.setdefault("BACKPROP_PHASES_OUT",
                                                                     f"{data_dir}/phases.json")}
            launcher = str(ROOT / "bench" / "phased_server.py") if args.phases else None
            for _ in range(args.replicas):  # several replicas share the data dir's SQLite file
                process, args.url = start_server(data_dir, args.jobs, args.server_root, env, launcher)
                processes.append(process)
            if args.replicas > 1:
                proxy, args.url = start_proxy(Path(data_dir), [p.args[p.args.index("--port") + 1]
                                                               for p in processes])
        if "127.0.0.1" not in args.url and "localhost" not in args.url:
            parser.error("loopback only")
        try:
            result = asyncio.run(run(args, [p.pid for p in processes]))
        finally:
            for process in processes:
                process.send_signal(signal.SIGINT)
                process.wait(timeout=30)
            if args.replicas > 1 and args.url is not None:
                proxy.terminate()
                proxy.wait(timeout=30)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
