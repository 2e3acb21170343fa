"""Front-end speed (a benchmark, not a test): time to first drawn graph, dagre layout time of a 500-node
graph, and frames per second while the stepper animates a 300-node graph in headless Chromium.

    .venv/bin/python bench/bench_web.py [--url http://127.0.0.1:8000]

Without --url it starts the app on a free port. Targets: first graph < 1 s, layout < 200 ms, 60 fps.
Headless Chromium without a GPU paints in software, so fps here is a floor, not what a laptop shows.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import socket
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository, for tests.chromium

from tests.chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: E402


def synthetic_trace(n: int, seed: int = 0) -> dict:
    """A computation graph shaped like real ones: each op takes a recent op and either a fresh leaf
    (a parameter or input) or another recent op (fan-out), n nodes in all, scalar values, with forward
    and backward events as the engine records them."""
    rng = random.Random(seed)
    nodes, values, ops = [], {}, []

    def add(node, value):
        nodes.append(node)
        values[node["id"]] = value

    while len(nodes) < n:
        nid = f"n{len(nodes)}"
        if len(ops) < 2 or (len(nodes) < n - 1 and rng.random() < 0.35):
            add(
                {
                    "id": nid,
                    "op": "leaf",
                    "label": f"p{len(nodes)}",
                    "role": "param",
                    "shape": [],
                    "inputs": [],
                },
                rng.uniform(-1, 1),
            )
            ops.append(nid) if len(ops) < 2 else None
            continue
        a = rng.choice(ops[-3:])
        leaves = [m["id"] for m in nodes[-4:] if m["op"] == "leaf"]
        b = leaves[-1] if leaves and rng.random() < 0.7 else rng.choice(ops[-6:])
        op = rng.choice(["add", "mul"])
        raw = values[a] + values[b] if op == "add" else values[a] * values[b]
        add(
            {"id": nid, "op": op, "label": f"v{len(nodes)}", "role": "op", "shape": [], "inputs": [a, b]},
            math.tanh(raw),
        )  # keeps the synthetic numbers finite
        ops.append(nid)
    nodes[-1]["role"] = "loss"
    events = [
        {"seq": i, "type": "forward", "node": m["id"], "value": {"shape": [], "data": [values[m["id"]]]}}
        for i, m in enumerate(nodes)
    ]
    expected = {}
    for node in nodes:
        for inp in node["inputs"]:
            expected[inp] = expected.get(inp, 0) + 1
    totals, seen = {}, {}
    for node in reversed(nodes):
        for k, inp in enumerate(node["inputs"]):
            c = rng.uniform(-1, 1)
            totals[inp] = totals.get(inp, 0) + c
            seen[inp] = seen.get(inp, 0) + 1
            events.append(
                {
                    "seq": len(events),
                    "type": "backward",
                    "node": inp,
                    "from": node["id"],
                    "input_index": k,
                    "contribution": {"shape": [], "data": [c]},
                    "total": {"shape": [], "data": [totals[inp]]},
                    "pending": expected[inp] - seen[inp],
                }
            )
    return {"schema_version": 1, "graph": {"nodes": nodes}, "events": events}


def start_server() -> tuple[str, object]:
    import tempfile

    import uvicorn

    from backprop_playground.app import create_app
    from backprop_playground.settings import Settings

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app = create_app(Settings(data_dir=tempfile.mkdtemp(), database_url=None))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", server


def browser_parser(doc: str) -> argparse.ArgumentParser:
    """The arguments every browser benchmark takes: --url (else it starts a server) and --chromium."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="a running server (default: start one)")
    parser.add_argument("--chromium", default=CHROMIUM)
    return parser


def playwright_or_skip(chromium: str, ready: bool = True, missing: str = ""):
    """`sync_playwright`, or None after saying why the benchmark is skipped: no playwright package, no
    Chromium at `chromium`, or (`ready` false) what `missing` names."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("skipped: the Python package playwright is not installed")
        return None
    if not os.path.exists(chromium) or not ready:
        print(missing or f"skipped: no Chromium at {chromium}")
        return None
    return sync_playwright


LAYOUT_JS = """async (trace) => {
  const { readTrace } = await import('/js/stepper/trace.js');
  const { layoutGraph } = await import('/js/stepper/graph-layout.js');
  const dagre = (await import('dagre')).default;
  const t = readTrace(trace);
  const times = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    layoutGraph(dagre, t);
    times.push(performance.now() - t0);
  }
  return times;
}"""

FPS_JS = """async ({trace, seconds}) => {
  const { createStepper } = await import('/js/stepper/stepper.js');
  document.body.innerHTML = '<main class="stage" style="height:100vh">'
    + '<div id="g" class="graph"></div><div id="c"></div></main>';
  const $ = (id) => document.getElementById(id);
  const stepper = createStepper({ graphEl: $('g'), controlsEl: $('c') });
  stepper.load(trace, { step: trace.graph.nodes.length, speed: 8 });
  stepper.actions.setSpeed(8);
  await new Promise((r) => setTimeout(r, 600));  // first paint of the whole graph is not animation
  stepper.actions.play();
  let frames = 0, worst = 0, last = performance.now();
  const t0 = last;
  await new Promise((done) => {
    const tick = (now) => { frames++; worst = Math.max(worst, now - last); last = now;
      if (now - t0 < seconds * 1000) requestAnimationFrame(tick); else done(); };
    requestAnimationFrame(tick);
  });
  const state = stepper.state();
  stepper.actions.pause();
  const scripts = [];
  for (let i = 0; i < 30; i++) {
    const s0 = performance.now();
    stepper.actions.prev();
    scripts.push(performance.now() - s0);
  }
  scripts.sort((a, b) => a - b);
  return { fps: frames / ((last - t0) / 1000), worstFrameMs: worst,
           stepsPlayed: state.step - trace.graph.nodes.length, stepScriptMs: scripts[15] };
}"""


def summary(times_ms: list[float]) -> str:
    runs = ", ".join(f"{t:.0f}" for t in times_ms)
    return f"median {statistics.median(times_ms):.0f} ms (runs {runs})"


def main() -> None:
    parser = browser_parser(__doc__)
    parser.add_argument("--seconds", type=float, default=4.0)
    args = parser.parse_args()
    sync_playwright = playwright_or_skip(args.chromium)
    if sync_playwright is None:
        return

    base, server = (args.url, None) if args.url else start_server()
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            firsts = []
            for _ in range(3):
                page.goto(base + "/?expr=(x*y%20%2B%20x)*z&values=x%3D2,y%3D-1,z%3D3")
                page.wait_for_selector("body[data-ready=true]", timeout=20_000)
                firsts.append(float(page.evaluate("document.body.dataset.readyAt")))
            print(f"time to first drawn graph: {summary(firsts)}")
            layout = page.evaluate(LAYOUT_JS, synthetic_trace(100))
            print(f"layout of a 100-node graph (dagre, the largest it lays out): {summary(layout)}")
            layout = page.evaluate(LAYOUT_JS, synthetic_trace(500))
            print(f"layout of a 500-node graph (fast layered layout, above 100 nodes): {summary(layout)}")
            page.goto(base + "/embed?expr=x*x&values=x%3D3")
            page.wait_for_selector("body[data-ready=true]")
            trace = synthetic_trace(300)
            r = page.evaluate(FPS_JS, {"trace": trace, "seconds": args.seconds})
            print(
                f"animating a 300-node graph (backward, speed 8×): {r['fps']:.1f} fps, "
                f"worst frame {r['worstFrameMs']:.0f} ms, {r['stepsPlayed']} steps in {args.seconds:.0f} s; "
                f"script per step (median) {r['stepScriptMs']:.1f} ms"
            )
            browser.close()
    finally:
        if server is not None:
            server.should_exit = True


if __name__ == "__main__":
    main()
