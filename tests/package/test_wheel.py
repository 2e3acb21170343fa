"""The wheel is the whole app: built from the sdist (python -m build), installed into a fresh venv and
started from an empty directory, it serves every page with its modules and npm packages, and Chromium
draws the stepper and the embed from it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tarfile
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest

from tests.browser.helpers import open_stepper

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
PAGES = ["/", "/embed", "/studio"]


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _clean_env() -> dict[str, str]:
    """The environment without anything that would point the installed app back at the checkout."""
    return {k: v for k, v in os.environ.items()
            if not k.startswith(("BACKPROP_", "PYTHON", "VIRTUAL_ENV"))}


@pytest.fixture(scope="module")
def locked(tmp_path_factory) -> dict[str, str]:
    """pip's environment for the build and the install: the versions of requirements/dev.lock as
    constraints, so that the wheel's own requirements are resolved (a missing one still fails) at the
    versions the suite was tested with, not at whatever was released since (make upgrade moves them)."""
    pins = [line.rstrip(" \\") for line in (ROOT / "requirements" / "dev.lock").read_text().splitlines()
            if line and not line.startswith((" ", "#"))]  # a constraint cannot carry hashes
    constraints = tmp_path_factory.mktemp("constraints") / "constraints.txt"
    constraints.write_text("\n".join(pins) + "\n")
    return {"PIP_CONSTRAINT": str(constraints)}


@pytest.fixture(scope="module")
def dist(tmp_path_factory, locked) -> dict[str, Path]:
    """`python -m build` of the checkout: an sdist, and the wheel built from that sdist."""
    out = tmp_path_factory.mktemp("dist")
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)], check=True,
                   capture_output=True, timeout=900, env={**os.environ, **locked})
    print(f"\nbuild (sdist + wheel from it): {time.monotonic() - started:.1f} s")
    (wheel,) = out.glob("*.whl")
    (sdist,) = out.glob("*.tar.gz")
    print(f"wheel: {wheel.stat().st_size / 1e6:.2f} MB, sdist: {sdist.stat().st_size / 1e6:.2f} MB")
    return {"wheel": wheel, "sdist": sdist}


@pytest.fixture(scope="module")
def server(dist, locked, tmp_path_factory):
    """The wheel installed into a fresh venv; `backprop-playground serve` from an empty directory."""
    venv = tmp_path_factory.mktemp("venv")
    env = _clean_env()
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", str(dist["wheel"])],
                   check=True, capture_output=True, timeout=900, env={**env, **locked})
    cwd = tmp_path_factory.mktemp("empty")
    port = _free_port()
    log = open(cwd.parent / f"serve-{port}.log", "wb")  # closed below
    process = subprocess.Popen([str(venv / "bin" / "backprop-playground"), "serve", "--port", str(port)],
                               cwd=cwd, env=env, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120  # a fresh venv's first start on a loaded machine: tens of seconds
        while True:
            try:
                if _get(url + "/api/v1/health")[0] == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                tail = Path(log.name).read_text()[-2000:]
                raise RuntimeError(f"the installed server did not start: {tail}")
            time.sleep(0.2)
        yield {"url": url, "cwd": cwd, "venv": venv}
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=20) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, b""


def test_the_wheel_carries_the_front_end_and_only_the_runtime_npm_packages(dist):
    names = zipfile.ZipFile(dist["wheel"]).namelist()
    web = "backprop_playground/web/"
    assert {web + "index.html", web + "embed.html", web + "studio.html", web + "importmap.json"} <= set(names)
    assert any(n.startswith(web + "js/") and n.endswith(".js") for n in names)
    # the build, fresh for the sources it ships with, with its precompressed copies
    assert {web + "dist/manifest.json", web + "dist/pages/index.html"} <= set(names)
    assert any(n.startswith(web + "dist/chunks/") and n.endswith(".js.br") for n in names)
    runtime = json.loads((ROOT / "web" / "package.json").read_text())
    packages = {n[len(web + "node_modules/"):].split("/dist/")[0].rsplit("/", 1)[0]
                for n in names if n.startswith(web + "node_modules/") and n.endswith("/package.json")}
    assert packages == set(runtime["dependencies"])  # no dev package (reveal.js), no bundled-in dependency
    assert not [n for n in names if n.endswith(".map") or "/tests/" in n[len(web):]]
    sdist = tarfile.open(dist["sdist"]).getnames()
    assert any(n.endswith("/web/package-lock.json") for n in sdist)
    # the built-in lessons are lesson files, package data of their own
    lessons = sorted(p.name for p in (ROOT / "server/backprop_playground/nets/lessons/builtin").glob("*.md"))
    assert len(lessons) == 16
    assert {f"backprop_playground/nets/lessons/builtin/{name}" for name in lessons} <= set(names)
    assert sum(n.endswith(".md") and "/nets/lessons/builtin/" in n for n in sdist) == 16
    assert not any("/node_modules/" in n for n in sdist)


def test_the_installed_app_serves_every_page_with_its_modules_and_packages(server):
    url = server["url"]
    assets: set[str] = set()
    for page in PAGES:
        status, body = _get(url + page)
        assert status == 200, page
        text = body.decode()
        assets |= set(re.findall(r'<script[^>]*\bsrc="(/[^"]+)"', text))
        assets |= set(re.findall(r'<link[^>]*\bhref="(/[^"]+)"', text))
        imports = re.search(r'<script type="importmap">(.*?)</script>', text, re.S)
        if imports:
            assets |= {u for u in json.loads(imports.group(1))["imports"].values() if u.startswith("/")}
    status, body = _get(url + "/importmap.json")
    if status == 200:
        assets |= {u for u in json.loads(body)["imports"].values() if u.startswith("/")}
    assert any(a.startswith("/vendor/") for a in assets)
    assert any(a.endswith(".js") and not a.startswith("/vendor/") for a in assets)
    missing = [a for a in sorted(assets) if _get(url + a)[0] != 200]
    assert not missing
    # the pages come from the build: hashed, immutable, brotli when asked
    built = sorted(a for a in assets if a.startswith("/dist/"))
    assert any(a.endswith(".js") for a in built) and any(a.endswith(".css") for a in built)
    request = urllib.request.Request(url + built[0], headers={"Accept-Encoding": "br, gzip"})
    with urllib.request.urlopen(request, timeout=20) as response:
        assert response.headers["Content-Encoding"] == "br"
        assert "immutable" in response.headers["Cache-Control"]
    # its database went to ./data under the directory it was started in, not next to the package
    assert (server["cwd"] / "data" / "playground.db").is_file()
    site = next((server["venv"] / "lib").glob("python3*/site-packages/backprop_playground/web"))
    assert (site / "node_modules" / "katex" / "dist" / "katex.mjs").is_file()


@pytest.mark.browser
@pytest.mark.parametrize("path", ["/", "/embed?lesson=xor-relu"])
def test_chromium_draws_the_stepper_from_the_installed_app(server, page, path):
    open_stepper(page, server["url"] + path, timeout=30_000)
    assert page.locator("g.node[data-node-id]").count() >= 3
    # the page fixture fails the test on any console error
