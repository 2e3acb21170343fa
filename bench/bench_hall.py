"""First load of a hall: N students open the join page of a room whose lecturer shows a lesson, at once.

1. A server starts (the checkout at `--root`, this one by default: point it at a worktree of an older commit
   for a before run); a room is created and presented (the lesson of `--lesson`, as a presenter's page
   sends it); headless Chromium opens `/join/{code}` and records every same-origin GET the page makes (the
   page, its scripts, styles and fonts, the API's GETs) and the bytes each took on the wire, compressed as
   a browser asks for it (`Accept-Encoding: gzip, deflate, br`).
2. h2load (Debian's nghttp2-client, a lean C client: a Python client is itself the bottleneck at this
   scale) opens N connections and fetches that list N times, as N browsers would, against
   - the app itself (`make run`: one process),
   - `--floor`: nginx serving the very same bytes from disk (gzip_static), the floor on this machine,
   - `--cluster`: two app processes behind deploy/nginx.conf (the cluster profile), which caches /dist/.
Prints, per target: the time for the whole hall, requests per second, failures and status codes, MB
transferred; and for the page: requests, KB on the wire (and decoded), the load average and the BLAS
kernel. Loopback only (h2load's connections share one address). Bounded by --clients.

Run: .venv/bin/python bench/bench_hall.py --clients 300 [--floor] [--cluster] [--root /tmp/before]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from bench_load import start_proxy, start_server  # noqa: E402

from tests.chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

ACCEPT = "gzip, deflate, br"


def present(url: str, lesson: str) -> tuple[str, object]:
    """A room whose presenter shows `lesson` at its first backward step; (code, the presenter's socket)."""
    from websockets.sync.client import connect

    room = httpx.post(f"{url}/api/v1/rooms", json={}).json()
    ws = connect(url.replace("http", "ws") + f"/api/v1/rooms/{room['code']}/stream")
    ws.send(json.dumps({"type": "auth", "token": room["presenter_token"]}))
    ws.recv(timeout=10)
    ws.send(json.dumps({"type": "state", "state": {"query": f"lesson={lesson}&step=3"}}))
    return room["code"], ws


def page_requests(url: str, path: str) -> list[dict]:
    """Every same-origin GET a browser makes opening `path`, in order, with its bytes on the wire."""
    from playwright.sync_api import sync_playwright

    seen: dict[str, dict] = {}
    origin = urlsplit(url).netloc
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(extra_http_headers={"Accept-Encoding": ACCEPT})

        def record(response) -> None:
            request = response.request
            parts = urlsplit(request.url)
            if parts.netloc != origin or request.method != "GET":
                return
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            try:
                decoded = len(response.body())
            except Exception:  # noqa: BLE001 - a redirect or a body Chromium did not keep
                decoded = 0
            sizes = request.sizes()
            seen.setdefault(target, {"path": target, "status": response.status, "decoded": decoded,
                                     "wire": sizes["responseBodySize"],
                                     "encoding": response.headers.get("content-encoding")})

        page.on("response", record)
        page.goto(url + path, wait_until="networkidle")
        page.wait_for_timeout(1000)
        browser.close()
    return list(seen.values())


def h2load(url: str, paths: list[str], clients: int) -> dict:
    """h2load over HTTP/1.1: `clients` connections, each fetching the page's list once (as many browsers)."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as urls:
        urls.write("".join(f"{url}{p}\n" for p in paths))
    try:
        done = subprocess.run(
            ["h2load", "--h1", "-c", str(clients), "-n", str(clients * len(paths)), "-i", urls.name,
             "-H", f"Accept-Encoding: {ACCEPT}", "-T", "60"],
            capture_output=True, text=True, timeout=600, check=False)
    finally:
        os.unlink(urls.name)
    out = done.stdout
    finished = re.search(r"finished in ([\d.]+)(m?s), ([\d.]+) req/s, ([\d.]+)(\w+)/s", out)
    requests = re.search(r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed",
                         out)
    codes = re.search(r"status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", out)
    traffic = re.search(r"traffic: ([\d.]+)(\w+) \((\d+)\) total", out)
    if not (finished and requests and codes and traffic):
        return {"error": (out + done.stderr)[-1500:]}
    seconds = float(finished[1]) / (1000 if finished[2] == "ms" else 1)
    return {"hall_s": round(seconds, 2), "requests_per_s": round(float(finished[3])),
            "succeeded": int(requests[4]), "failed": int(requests[5]),
            "status_2xx_3xx_4xx_5xx": [int(c) for c in codes.groups()],
            "mb_transferred": round(int(traffic[3]) / 1e6, 1)}


def floor(directory: Path, url: str, requests: list[dict], clients: int) -> dict:
    """nginx serving the same bodies from disk (identity + a .gz beside each: gzip_static)."""
    root = directory / "root"
    paths = []
    for i, item in enumerate(requests):
        body = httpx.get(url + item["path"], headers={"Accept-Encoding": "identity"}).content
        name = f"/f{i}{Path(urlsplit(item['path']).path).suffix or '.json'}"
        (root / name[1:]).parent.mkdir(parents=True, exist_ok=True)
        (root / name[1:]).write_bytes(body)
        (root / (name[1:] + ".gz")).write_bytes(gzip.compress(body, 9))
        paths.append(name)
    port = free_port()
    conf = directory / "floor.conf"
    user = "user root root;\n" if os.geteuid() == 0 else ""
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (directory / sub).mkdir(exist_ok=True)
    conf.write_text(
        f"{user}worker_processes 1;\npid {directory}/floor.pid;\n"
        f"error_log {directory}/floor-error.log warn;\n"
        "events { worker_connections 4096; }\nhttp {\n  access_log off;\n  include /etc/nginx/mime.types;\n"
        f"  client_body_temp_path {directory}/body; proxy_temp_path {directory}/proxy;\n"
        f"  fastcgi_temp_path {directory}/fastcgi; uwsgi_temp_path {directory}/uwsgi;\n"
        f"  scgi_temp_path {directory}/scgi;\n"
        f"  server {{ listen 127.0.0.1:{port}; root {root}; gzip_static on; etag on; }}\n}}\n")
    process = subprocess.Popen(["/usr/sbin/nginx", "-p", str(directory), "-c", str(conf),
                                "-g", "daemon off;"])
    try:
        wait(f"http://127.0.0.1:{port}{paths[0]}")
        return h2load(f"http://127.0.0.1:{port}", paths, clients)
    finally:
        process.terminate()
        process.wait(timeout=30)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait(url: str) -> None:
    import time

    for _ in range(100):
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)


def blas() -> str:
    try:
        import numpy  # noqa: F401 - loads OpenBLAS, which threadpool_info then reports
        from threadpoolctl import threadpool_info

        pools = threadpool_info()
        return ", ".join(f"{i.get('internal_api')} {i.get('architecture')}" for i in pools) or "none"
    except ImportError:
        return "unknown (threadpoolctl not installed)"


def stop(process) -> None:
    process.send_signal(signal.SIGINT)
    process.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=300)
    parser.add_argument("--lesson", default="xor-relu")
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout whose server is measured")
    parser.add_argument("--floor", action="store_true", help="also nginx serving the same bytes from disk")
    parser.add_argument("--cluster", action="store_true", help="also 2 replicas behind deploy/nginx.conf")
    args = parser.parse_args()
    if not 1 <= args.clients <= 1000:
        parser.error("bounded: 1 to 1000 clients")
    if not shutil.which("h2load"):
        parser.error("h2load is missing: apt-get install nghttp2-client")
    env = {"PYTHONPATH": str(args.root / "server"), "BACKPROP_ROOM_STREAMS_PER_CLIENT": "100000"}
    result: dict = {"clients": args.clients, "root": str(args.root)}
    with tempfile.TemporaryDirectory(prefix="bp-hall-") as scratch:
        work = Path(scratch)
        process, url = start_server(str(work / "data"), root=args.root, env=env)
        try:
            code, presenter = present(url, args.lesson)
            requests = page_requests(url, f"/join/{code}")
            paths = [r["path"] for r in requests]
            result["page"] = {
                "requests": len(requests),
                "kb_on_the_wire": round(sum(r["wire"] for r in requests) / 1024, 1),
                "kb_decoded": round(sum(r["decoded"] for r in requests) / 1024, 1),
                "largest": sorted(((r["wire"], r["path"]) for r in requests), reverse=True)[:4],
            }
            result["app"] = h2load(url, paths, args.clients)
            if args.floor:
                result["nginx_floor"] = floor(work, url, requests, args.clients)
            presenter.close()
        finally:
            stop(process)
        if args.cluster:
            replicas = [start_server(str(work / f"data-{i}"), root=args.root, env=env) for i in range(2)]
            try:
                (work / "cluster").mkdir()
                proxy, proxy_url = start_proxy(work / "cluster", [u.rsplit(":", 1)[1] for _, u in replicas])
                try:
                    h2load(proxy_url, paths, 10)  # nginx's cache filled, as after the first students
                    result["cluster"] = h2load(proxy_url, paths, args.clients)
                finally:
                    proxy.terminate()
                    proxy.wait(timeout=30)
            finally:
                for process, _ in replicas:
                    stop(process)
    result["load_average"] = os.getloadavg()[0]
    result["blas"] = blas()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
