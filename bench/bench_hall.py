"""First load of a hall: N students open the same lesson within one second of a cold start.

1. A throwaway server and headless Chromium record every same-origin request the page makes
   (/embed?lesson=…: the HTML, modules, styles, fonts, npm packages, API calls).
2. A fresh server starts cold (empty data dir, nothing warmed); as soon as /health answers, N clients,
   each from its own loopback address, start within `--spread` seconds and fetch that list as a browser
   does (the page first, then up to 6 requests at a time).
Prints the errors (any non-2xx/304 or transport failure) and the time each client took to load the whole
page, p50/p99. Loopback only. Run: .venv/bin/python bench/bench_hall.py --clients 300
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
from urllib.parse import urlsplit

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from bench_load import client_address, start_server  # noqa: E402

from tests.chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: E402


def page_requests(url: str, path: str) -> list[tuple[str, str]]:
    """(method, path?query) of every same-origin request a browser makes opening `path`, in order."""
    from playwright.sync_api import sync_playwright

    seen: list[tuple[str, str]] = []
    origin = urlsplit(url).netloc
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()

        def record(request) -> None:
            parts = urlsplit(request.url)
            if parts.netloc == origin and request.method == "GET":
                seen.append((request.method, parts.path + (f"?{parts.query}" if parts.query else "")))

        page.on("request", record)
        page.goto(url + path, wait_until="networkidle")
        browser.close()
    return list(dict.fromkeys(seen))


async def student(i: int, url: str, requests: list[tuple[str, str]], start_at: float, stats: dict) -> None:
    await asyncio.sleep(max(0.0, start_at - time.monotonic()))
    began = time.monotonic()
    transport = httpx.AsyncHTTPTransport(local_address=client_address(i))
    limit = asyncio.Semaphore(6)  # a browser's connections per host

    async def fetch(client: httpx.AsyncClient, path: str) -> None:
        async with limit:
            dropped = 0
            for _attempt in range(6):
                try:
                    response = await client.get(path)
                except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
                    # A kept-alive connection the server closed as this request went out: a browser
                    # resends an idempotent request once on a new connection, and so does a student here.
                    dropped += 1
                    if dropped > 1:
                        stats["errors"].append(f"{path}: {type(exc).__name__} twice")
                        return
                    stats["resent"] += 1
                    continue
                except httpx.TransportError as exc:
                    stats["errors"].append(f"{path}: {type(exc).__name__}")
                    return
                if response.status_code == 503 and "retry-after" in response.headers:
                    stats["retries"] += 1  # the pages wait Retry-After and try again
                    await asyncio.sleep(float(response.headers["retry-after"]))
                    continue
                if response.status_code >= 400:
                    stats["errors"].append(f"{path}: {response.status_code} {response.text[:120]}")
                stats["bytes"] += len(response.content)
                return
            stats["errors"].append(f"{path}: no answer after 6 tries")

    async with httpx.AsyncClient(base_url=url, timeout=60, transport=transport) as client:
        await fetch(client, requests[0][1])
        await asyncio.gather(*(fetch(client, path) for _, path in requests[1:]))
    stats["load_s"].append(time.monotonic() - began)


async def hall(url: str, requests, clients: int, spread: float) -> dict:
    stats: dict = {"errors": [], "load_s": [], "bytes": 0, "retries": 0, "resent": 0}
    now = time.monotonic()
    starts = [now + spread * i / clients for i in range(clients)]
    await asyncio.gather(*(student(i, url, requests, starts[i], stats) for i in range(clients)))
    loads = sorted(stats["load_s"]) or [float("nan")]
    return {
        "clients": clients,
        "requests_per_client": len(requests),
        "errors": len(stats["errors"]),
        "first_errors": stats["errors"][:5],
        "retries_after_503": stats["retries"],
        "resent_after_a_dropped_keepalive": stats["resent"],
        "page_load_p50_ms": 1e3 * statistics.median(loads),
        "page_load_p99_ms": 1e3 * loads[min(len(loads) - 1, int(0.99 * len(loads)))],
        "page_load_max_ms": 1e3 * loads[-1],
        "mb_served": stats["bytes"] / 1e6,
        "load_average": os.getloadavg()[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=300)
    parser.add_argument("--spread", type=float, default=1.0, help="seconds over which the clients start")
    parser.add_argument("--path", default="/embed?lesson=xor-relu&theme=projector")
    args = parser.parse_args()
    if args.clients > 1000:
        parser.error("bounded: at most 1000 clients")
    with tempfile.TemporaryDirectory(prefix="bp-hall-") as scratch:
        process, url = start_server(scratch)
        try:
            requests = page_requests(url, args.path)
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=30)
    with tempfile.TemporaryDirectory(prefix="bp-hall-") as data_dir:
        started = time.monotonic()
        process, url = start_server(data_dir)  # cold: a new process over an empty data dir
        ready_s = time.monotonic() - started
        try:
            result = asyncio.run(hall(url, requests, args.clients, args.spread))
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=30)
    result["server_start_s"] = ready_s
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
