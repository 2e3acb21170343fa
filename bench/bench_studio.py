"""Training studio speed (a benchmark, not a test): steps per second a browser sees while training live
over the WebSocket, redraws per second of the network and boundary views (and the cost of one redraw),
and the server process's CPU per training session.

    .venv/bin/python bench/bench_studio.py [--seconds 8] [--presets moons spiral]

It starts the server as its own process on a free port (so its CPU time can be read from /proc), opens
/studio in headless Chromium, plays each preset at each rate and samples the page's own read-outs.
Headless Chromium without a GPU paints in software, so redraws/s here is a floor, not what a laptop shows.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository, for tests.chromium

from tests.chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port: int, data_dir: str) -> subprocess.Popen:
    exe = ROOT / ".venv" / "bin" / "backprop-playground"
    cmd = [str(exe), "serve", "--port", str(port), "--data-dir", data_dir, "--log-level", "warning"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=1)
            return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("the server did not start")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its threads, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def play(page, pid: int, preset: str, rate: int, seconds: float) -> dict:
    page.select_option("select[name=preset]", preset)
    page.wait_for_function("() => document.querySelector('#data').dataset.redraws > 0", timeout=20_000)
    page.select_option("#speed", str(rate))
    page.click("#play")
    page.wait_for_timeout(1000)  # warm-up: first frames, graph message, JIT
    cpu0, wall0 = cpu_seconds(pid), time.monotonic()
    step0 = int(page.get_attribute("#step-count", "data-step"))
    redraws0 = int(page.get_attribute("#data", "data-redraws"))
    draw_ms = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        page.wait_for_timeout(250)
        draw_ms.append(float(page.evaluate("document.body.dataset.drawMs || 0")))
    wall = time.monotonic() - wall0
    cpu = cpu_seconds(pid) - cpu0
    steps = int(page.get_attribute("#step-count", "data-step")) - step0
    redraws = int(page.get_attribute("#data", "data-redraws")) - redraws0
    shown = page.text_content("#speedo")
    page.click("#play")
    return {
        "preset": preset,
        "rate": rate,
        "steps/s": steps / wall,
        "redraws/s": redraws / wall,
        "redraw ms": statistics.median(draw_ms),
        "server CPU %": 100 * cpu / wall,
        "CPU ms/step": 1000 * cpu / max(steps, 1),
        "shown": re.sub(r"\s+", " ", shown or ""),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--presets", nargs="+", default=["moons", "spiral"])
    parser.add_argument("--rates", nargs="+", type=int, default=[30, 60])
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    port = free_port()
    with tempfile.TemporaryDirectory() as data_dir:
        server = start_server(port, data_dir)
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1280, "height": 720})
                page.goto(f"http://127.0.0.1:{port}/studio")
                page.wait_for_selector(".network-view .links path", timeout=20_000)
                rows = [
                    play(page, server.pid, preset, rate, args.seconds)
                    for preset in args.presets
                    for rate in args.rates
                ]
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=10)
    print(f"studio, headless Chromium 1280×720, {args.seconds:.0f} s per row, server pid CPU from /proc")
    print(
        f"{'preset':8} {'rate':>4} {'steps/s':>8} {'redraws/s':>9} {'redraw ms':>9} {'srv CPU %':>9} "
        f"{'CPU ms/step':>11}  page shows"
    )
    for r in rows:
        print(
            f"{r['preset']:8} {r['rate']:>4} {r['steps/s']:>8.1f} {r['redraws/s']:>9.1f} "
            f"{r['redraw ms']:>9.1f} {r['server CPU %']:>9.1f} {r['CPU ms/step']:>11.2f}  {r['shown']}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
