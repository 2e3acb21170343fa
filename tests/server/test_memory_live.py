"""A real server limited to 2 GiB of address space answers the hostile requests with 4xx or 503, keeps
answering /health and a normal request afterwards, and its peak resident memory stays well below the cap."""

from __future__ import annotations

import os
import resource
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import numpy as np
import pytest

from tests.api.conftest import MOONS

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
ADDRESS_SPACE = 2 * 2**30
API = "/api/v1"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _cap_address_space() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


def _status(pid: int, field: str) -> int:
    """A /proc/<pid>/status field in bytes (VmHWM: peak resident memory)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise KeyError(field)


@pytest.fixture
def server(tmp_path):
    port = _free_port()
    env = {**os.environ, "BACKPROP_MEMORY_BUDGET_MB": "250", "BACKPROP_REQUEST_MEMORY_MB": "200",
           "BACKPROP_MAX_CPU_JOBS": "4", "BACKPROP_MAX_CPU_JOBS_PER_CLIENT": "4", "MALLOC_ARENA_MAX": "2",
           "OPENBLAS_NUM_THREADS": "1", "BACKPROP_CLIENT_IP_HEADER": "X-Forwarded-For",
           "BACKPROP_TRUSTED_PROXIES": "127.0.0.1"}
    log = tmp_path / "server.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "backprop_playground.cli", "serve", "--port", str(port),
             "--data-dir", str(tmp_path), "--log-level", "warning"],
            cwd=ROOT, env=env, stdout=out, stderr=out, preexec_fn=_cap_address_space,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90  # a loaded machine starts it slowly
    while True:
        try:
            if httpx.get(url + API + "/health", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"server did not start: {log.read_text()[-2000:]}")
        time.sleep(0.1)
    yield url, process
    process.kill()
    process.wait(timeout=10)


def _net(hidden: list[int], n: int) -> dict:
    return {**MOONS, "hidden": [{"units": u, "activation": "relu"} for u in hidden],
            "data": {"dataset": "moons", "n": n, "seed": 0}}


def test_hostile_requests_get_4xx_and_the_server_stays_well(server):
    url, process = server
    with httpx.Client(base_url=url + API, timeout=60) as api:
        _attack(api, url, process)


def _attack(api: httpx.Client, url: str, process: subprocess.Popen) -> None:
    bomb = {"source": "x+y+z", "values": {"x": np.zeros((1000, 1, 1)).tolist(),
                                          "y": np.zeros((1, 1000, 1)).tolist(),
                                          "z": np.zeros((1, 1, 1000)).tolist()}}
    assert api.post("/expressions", json=bomb).status_code == 422
    assert api.post("/models", json=_net([512], 50_000)).status_code == 413
    assert api.post("/models", json=_net([512, 512, 512], 50_000)).status_code == 422

    # ≈ 100 MB a training step: two at once fit the memory budget, a third does not
    created = [api.post("/models", json=_net([512], 4_000)).json() for _ in range(4)]

    def train(client: int, body: dict) -> tuple[int, str]:
        headers = {"Authorization": f"Bearer {body['edit_token']}", "X-Forwarded-For": f"10.0.0.{client}"}
        response = httpx.post(f"{url}{API}/models/{body['id']}/train", json={"steps": 10}, headers=headers,
                              timeout=120)
        return response.status_code, response.text

    with ThreadPoolExecutor(4) as pool:  # four clients, each within its share of the CPU jobs
        answers = list(pool.map(train, range(4), created))
    codes = [code for code, _ in answers]
    assert set(codes) <= {200, 503} and 200 in codes, answers
    assert any("memory_budget_mb" in text for code, text in answers if code == 503), answers
    first = created[0]["id"]
    assert api.get(f"/models/{first}/trace", params={"rows": 10_000}).status_code == 422

    assert api.get("/health").status_code == 200
    normal = api.post("/models", json=MOONS).json()
    auth = {"Authorization": f"Bearer {normal['edit_token']}"}
    assert api.post(f"/models/{normal['id']}/train", json={"steps": 20}, headers=auth).status_code == 200
    assert api.get(f"/models/{normal['id']}/grid", params={"resolution": 512}).status_code == 200
    assert process.poll() is None
    peak = _status(process.pid, "VmHWM")
    print(f"peak resident memory of the server: {peak / 2**20:.0f} MB")
    assert peak < 1.5 * 2**30, f"peak resident memory {peak / 2**20:.0f} MB"
