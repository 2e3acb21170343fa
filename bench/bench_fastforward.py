"""Fast-forward (a benchmark, not a test): steps/s and frames/s of studio streams playing at "max".

Each session opens a model's WebSocket stream like the studio (config fps, then play "max" or a rate),
reads everything and counts the steps whose loss arrived (`progress` runs and traced frames) and the
traced frames, per second. One session first, then N concurrent ones (each its own client: its own
loopback source address, as the students of a hall are). Prints, per run: the median over sessions of
steps/s and frames/s (and the lowest and highest), the median and p99 gap between one session's frames,
the total steps/s, the server's CPU seconds per second and the load average. Never asserts.

Run: .venv/bin/python bench/bench_fastforward.py [--sessions 1,10,100] [--duration 10] [--rate max]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

import websockets

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_load import client_address, cpu_seconds, create_models, start_server, wait_idle  # noqa: E402


async def session(url: str, model: tuple[str, str], args, i: int, stop_at: float, out: list) -> None:
    model_id, token = model
    ws_url = url.replace("http", "ws") + f"/api/v1/models/{model_id}/stream"
    steps = frames = 0
    frame_times: list[float] = []
    errors: list[str] = []
    rate = args.rate if args.rate == "max" else float(args.rate)
    try:
        async with websockets.connect(ws_url, max_size=2**24, compression=None,
                                      local_addr=(client_address(i), 0)) as ws:
            await ws.send(json.dumps({"type": "auth", "token": token}))
            await ws.send(json.dumps({"type": "config", "fps": args.fps}))
            await ws.send(json.dumps({"type": "play", "rate": rate}))
            started = None
            while (now := time.monotonic()) < stop_at:
                try:
                    message = json.loads(await asyncio.wait_for(ws.recv(), timeout=max(0.01, stop_at - now)))
                except TimeoutError:
                    break
                if started is None:
                    started = time.monotonic()
                if message["type"] == "progress":
                    steps += message["steps"][1] - message["steps"][0] + 1
                elif message["type"] == "trace":
                    frames += 1
                    frame_times.append(time.monotonic())
                    steps += any(e["type"] == "metrics" for e in message["events"])
                else:
                    errors.append(str(message)[:200])
            await ws.send(json.dumps({"type": "pause"}))
    except Exception as exc:  # noqa: BLE001 - a benchmark counts every failure
        errors.append(f"{type(exc).__name__}: {exc}")
        started = None
    seconds = (stop_at - started) if started else float("nan")
    gaps = [b - a for a, b in zip(frame_times, frame_times[1:], strict=False)]
    out.append({"steps": steps, "frames": frames, "seconds": seconds, "gaps": gaps, "errors": errors})


async def run(args, sessions: int, pids: list[int]) -> dict:
    models = await create_models(args.url, sessions)
    await wait_idle(pids)
    out: list[dict] = []
    stop_at = time.monotonic() + args.duration
    cpu_before = sum(map(cpu_seconds, pids))
    started = time.monotonic()
    await asyncio.gather(*(session(args.url, m, args, i, stop_at, out) for i, m in enumerate(models)))
    elapsed = time.monotonic() - started
    cpu = sum(map(cpu_seconds, pids)) - cpu_before
    steps_per_s = sorted(s["steps"] / s["seconds"] for s in out if s["seconds"] == s["seconds"])
    frames_per_s = sorted(s["frames"] / s["seconds"] for s in out if s["seconds"] == s["seconds"])
    gaps = sorted(g for s in out for g in s["gaps"]) or [float("nan")]
    errors = [e for s in out for e in s["errors"]]

    def summary(values: list[float]) -> dict:
        values = values or [float("nan")]
        return {"median": round(statistics.median(values), 1), "min": round(values[0], 1),
                "max": round(values[-1], 1)}

    return {
        "sessions": sessions,
        "rate": args.rate,
        "fps_asked": args.fps,
        "seconds": round(args.duration, 1),
        "steps_per_s_per_session": summary(steps_per_s),
        "frames_per_s_per_session": summary(frames_per_s),
        "frame_gap_ms": {"median": round(1e3 * statistics.median(gaps), 1),
                         "p99": round(1e3 * gaps[min(len(gaps) - 1, int(0.99 * len(gaps)))], 1)},
        "total_steps_per_s": round(sum(s["steps"] for s in out) / elapsed, 1),
        "total_frames_per_s": round(sum(s["frames"] for s in out) / elapsed, 1),
        "server_cpu_per_s": round(cpu / elapsed, 2) if pids else None,
        "load_average_1min": round(os.getloadavg()[0], 2),
        "errors": len(errors),
        "first_errors": errors[:3],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", default="1,10,100", help="comma-separated session counts, run in turn")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds each run plays")
    parser.add_argument("--rate", default="max", help='"max" or steps per second (above 60: fast-forward)')
    parser.add_argument("--fps", type=float, default=24.0, help="frames per second asked (config.fps)")
    parser.add_argument("--url", default=None, help="use this running server instead of starting one")
    args = parser.parse_args()
    counts = [int(n) for n in args.sessions.split(",")]
    if max(counts) > 1000 or args.duration > 300:
        parser.error("bounded: at most 1000 sessions for 300 s")
    process = None
    with tempfile.TemporaryDirectory(prefix="bp-ff-") as data_dir:
        if args.url is None:
            process, args.url = start_server(data_dir)
        if "127.0.0.1" not in args.url and "localhost" not in args.url:
            parser.error("loopback only")
        try:
            for count in counts:
                result = asyncio.run(run(args, count, [process.pid] if process else []))
                print(json.dumps(result), flush=True)
        finally:
            if process is not None:
                process.send_signal(signal.SIGINT)
                process.wait(timeout=30)


if __name__ == "__main__":
    main()
