"""The exported stepper (`backprop-playground export`): file size per lesson, and first paint from disk
(a benchmark, not a test). Each load is cold: a new browser context, every request that is not file: or
data: refused.

    .venv/bin/python bench/bench_export.py [--lessons xor-relu,deep-chain] [--loads 5]

Prints, per file, its size, the median first-contentful-paint and the median time to the first drawn
graph node (performance.now() in the page, so both count from navigation start).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository, for tests.conftest

from backprop_playground.export import stepper_html  # noqa: E402
from backprop_playground.nets.lessons import list_lessons  # noqa: E402
from tests.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402


def cold_load(browser, path: Path) -> tuple[float, float]:
    """(first-contentful-paint ms, first graph node ms) of one load in a fresh context."""
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    local = ("file:", "data:")
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(local) else r.abort())
    page = context.new_page()
    page.goto(path.as_uri())
    page.wait_for_selector("g.node[data-node-id]", timeout=30_000)
    node_ms = page.evaluate("() => performance.now()")
    fcp = page.evaluate(
        "() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null")
    context.close()
    return fcp, node_ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lessons", default="", help="comma-separated ids (default: every lesson)")
    parser.add_argument("--loads", type=int, default=5)
    args = parser.parse_args()
    ids = [i for i in args.lessons.split(",") if i] or [item["id"] for item in list_lessons()]
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        print(f"{'lesson':28} {'size MB':>8} {'FCP ms':>8} {'graph ms':>9}  "
              f"(medians of {args.loads} cold loads)")
        for lesson in ids:
            path = Path(tmp) / f"{lesson}.html"
            path.write_text(stepper_html(lesson=lesson), encoding="utf-8")
            loads = [cold_load(browser, path) for _ in range(args.loads)]
            fcp = statistics.median(f for f, _ in loads if f is not None)
            node = statistics.median(n for _, n in loads)
            print(f"{lesson:28} {path.stat().st_size / 1e6:8.2f} {fcp:8.0f} {node:9.0f}", flush=True)
        browser.close()


if __name__ == "__main__":
    main()
