"""A lesson switch in a lecture hall: N followers fetch the new lesson and its first panel's trace at once.

When the presenter of a classroom room switches lessons, every follower's stepper (web/js/stepper/source.js
`loadSource`) asks `GET /api/v1/lessons/{id}` and then POSTs its first panel's traced step: for a model panel
`POST /api/v1/specs/step` with `JSON.stringify(withWeights(panel.spec, panel.start ?? null))`, for an
expression panel `POST /api/v1/expressions` with `{source, values, mode}` (web/js/shared/api.js, no query,
`Content-Type: application/json`). The body is built once per lesson by node running the page's own
`withWeights` on the lesson as served, so the bytes are the browser's.

Each round starts a fresh server (cold trace cache, lessons warmed: a switch comes long after startup), opens
one keep-alive HTTP/1.1 connection per follower (each from its own loopback address, or all from one with
`--one-address`, a hall behind a NAT), then at time 0 every follower (within `--spread` s, as the room's
fan-out reaches them) sends both requests on its connection, retrying a 429 or 503 after its Retry-After
(clamped to 0.25–10 s as the page's `retryAfterSeconds`; the page itself retries only a 503). Prints, per
lesson, the median over the rounds of: time until every follower has the trace, per-follower p50/p99,
errors, retries; the load average and the BLAS kernel. The client is raw asyncio sockets (httpx is too
slow at this scale to measure the server).

Run: .venv/bin/python bench/bench_switch.py --lessons xor-relu,depth-vs-width [--one-address]
Against another checkout (e.g. a worktree before a change): --root /tmp/before-cache
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from bench_load import client_address, start_server  # noqa: E402

RETRY_MIN_S, RETRY_MAX_S = 0.25, 10.0  # web/js/shared/api.js retryAfterSeconds
MAX_ATTEMPTS = 30

_NODE_BODY = """
import { withWeights } from %s;
let text = "";
for await (const chunk of process.stdin) text += chunk;
const lesson = JSON.parse(text);
const panel = lesson.panels[0];
let path, body;
if (panel.expression) {
  const e = panel.expression;
  path = "/expressions";
  body = { source: e.source, values: e.values ?? {}, mode: e.mode ?? "numeric" };
} else {
  path = "/specs/step";
  body = withWeights(panel.spec, panel.start ?? null);
}
process.stdout.write(JSON.stringify({ path, body: JSON.stringify(body) }));
"""


def page_request(root: Path, lesson: bytes) -> tuple[str, bytes]:
    """(path, body) of the first panel's trace request, built by the page's own code (node)."""
    source = (root / "web" / "js" / "stepper" / "source.js").as_uri()
    done = subprocess.run(["node", "--input-type=module", "-e", _NODE_BODY % json.dumps(source)],
                          input=lesson, capture_output=True, check=True)
    made = json.loads(done.stdout)
    return "/api/v1" + made["path"], made["body"].encode()


def blas_kernel() -> str:
    """The BLAS NumPy uses (threadpoolctl when installed, else numpy's build config), or 'unknown'."""
    try:
        from threadpoolctl import threadpool_info

        blas = [f"{i.get('internal_api')} {i.get('version')} ({i.get('architecture')}, "
                f"{i.get('num_threads')} threads)" for i in threadpool_info() if i.get("user_api") == "blas"]
        if blas:
            return "; ".join(blas)
    except ImportError:
        pass
    try:
        import numpy as np

        config = np.show_config(mode="dicts")
        blas = config.get("Build Dependencies", {}).get("blas", {})
        return f"{blas.get('name', 'unknown')} {blas.get('version', '')}".strip()
    except Exception:  # noqa: BLE001 - any numpy without the dict mode
        return "unknown"


class Connection:
    """One HTTP/1.1 keep-alive connection: requests one after the other, answers read by Content-Length (or
    chunked)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str) -> None:
        self.reader, self.writer, self.host = reader, writer, host

    @classmethod
    async def open(cls, url: str, local: str) -> Connection:
        parts = urlsplit(url)
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port, local_addr=(local, 0),
                                                       limit=1 << 22)
        return cls(reader, writer, parts.netloc)

    async def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, dict, bytes]:
        head = [f"{method} {path} HTTP/1.1", f"Host: {self.host}", "Accept: application/json"]
        if body is not None:
            head += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + (body or b""))
        status_line = await self.reader.readuntil(b"\r\n")
        status = int(status_line.split()[1])
        headers: dict[str, str] = {}
        while (line := await self.reader.readuntil(b"\r\n")) != b"\r\n":
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        if "content-length" in headers:
            content = await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while size := int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16):
                chunks.append(await self.reader.readexactly(size))
                await self.reader.readexactly(2)
            await self.reader.readuntil(b"\r\n")
            content = b"".join(chunks)
        else:
            content = b""
        return status, headers, content

    def close(self) -> None:
        self.writer.close()


async def fetch(conn: Connection, method: str, path: str, body: bytes | None, stats: dict) -> bytes | None:
    """One request as the page makes it: a 429 or 503 waits its Retry-After and tries again."""
    for _ in range(MAX_ATTEMPTS):
        status, headers, content = await conn.request(method, path, body)
        if status in (429, 503):
            stats[f"retries_{status}"] += 1
            try:
                wait = float(headers.get("retry-after", "1"))
            except ValueError:
                wait = 1.0
            await asyncio.sleep(min(RETRY_MAX_S, max(RETRY_MIN_S, wait)))
            continue
        if status != 200:
            stats["errors"].append(f"{method} {path}: {status} {content[:120]!r}")
            return None
        return content
    stats["errors"].append(f"{method} {path}: still busy after {MAX_ATTEMPTS} tries")
    return None


async def follower(conn: Connection, lesson_path: str, trace: tuple[str, bytes], start_at: float,
                   stats: dict) -> None:
    await asyncio.sleep(max(0.0, start_at - time.monotonic()))
    began = time.monotonic()
    try:
        if await fetch(conn, "GET", lesson_path, None, stats) is None:
            return
        answer = await fetch(conn, "POST", trace[0], trace[1], stats)
    except (OSError, asyncio.IncompleteReadError) as exc:
        stats["errors"].append(f"transport: {type(exc).__name__}: {exc}")
        return
    if answer is not None:
        stats["bodies"].add(answer)
        stats["done"].append(time.monotonic())
        stats["latency"].append(time.monotonic() - began)


async def switch(url: str, lesson: str, trace: tuple[str, bytes], followers: int, one_address: bool,
                 spread: float) -> dict:
    conns = []
    for i in range(followers):  # the pages are open before the switch (idle keep-alive: 75 s)
        conns.append(await Connection.open(url, "127.0.0.1" if one_address else client_address(i)))
    stats: dict = {"errors": [], "latency": [], "done": [], "bodies": set(), "retries_429": 0,
                   "retries_503": 0}
    load_before = os.getloadavg()[0]
    zero = time.monotonic() + 0.05
    await asyncio.gather(*(follower(conn, f"/api/v1/lessons/{lesson}", trace, zero + spread * i / followers,
                                    stats) for i, conn in enumerate(conns)))
    for conn in conns:
        conn.close()
    latency = sorted(stats["latency"]) or [float("nan")]
    return {
        "all_have_it_s": (max(stats["done"]) - zero) if len(stats["done"]) == followers else float("nan"),
        "p50_ms": 1e3 * statistics.median(latency),
        "p99_ms": 1e3 * latency[min(len(latency) - 1, int(0.99 * len(latency)))],
        "errors": len(stats["errors"]),
        "first_errors": stats["errors"][:3],
        "retries_429": stats["retries_429"],
        "retries_503": stats["retries_503"],
        "distinct_answers": len(stats["bodies"]),
        "load_average_before": load_before,
        "load_average_after": os.getloadavg()[0],
    }


def run_round(root: Path, lesson: str, args: argparse.Namespace) -> dict:
    env = {"PYTHONPATH": str(root / "server")}
    with tempfile.TemporaryDirectory(prefix="bp-switch-") as data_dir:
        process, url = start_server(data_dir, root=root, env=env)
        try:
            import httpx

            deadline = time.monotonic() + 120  # warmed lessons: a switch comes long after startup
            while True:
                answer = httpx.get(f"{url}/api/v1/lessons/{lesson}", timeout=120)
                if answer.status_code == 200 or time.monotonic() > deadline:
                    break
                time.sleep(0.5)
            answer.raise_for_status()
            trace = page_request(root, answer.content)
            time.sleep(args.settle)
            return asyncio.run(switch(url, lesson, trace, args.followers, args.one_address, args.spread))
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--followers", type=int, default=300)
    parser.add_argument("--lessons", default="xor-relu,depth-vs-width")
    parser.add_argument("--one-address", action="store_true", help="every follower from 127.0.0.1 (a NAT)")
    parser.add_argument("--spread", type=float, default=0.0, help="seconds over which the followers start")
    parser.add_argument("--rounds", type=int, default=3, help="fresh servers per lesson; medians reported")
    parser.add_argument("--settle", type=float, default=1.0, help="idle seconds after startup before a round")
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout whose server runs")
    args = parser.parse_args()
    if not 1 <= args.followers <= 1000:
        parser.error("bounded: 1 to 1000 followers")
    summary = {"root": str(args.root), "followers": args.followers, "one_address": args.one_address,
               "blas": blas_kernel(), "cpus": os.cpu_count(), "lessons": {}}
    for lesson in args.lessons.split(","):
        rounds = [run_round(args.root, lesson, args) for _ in range(args.rounds)]
        median = {key: statistics.median(r[key] for r in rounds)
                  for key in ("all_have_it_s", "p50_ms", "p99_ms", "errors", "retries_429", "retries_503",
                              "load_average_before", "load_average_after")}
        summary["lessons"][lesson] = {"median": median, "rounds": rounds}
        print(json.dumps({lesson: median}), file=sys.stderr, flush=True)
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
