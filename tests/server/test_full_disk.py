"""A real server on a small full file system (a 40 MB tmpfs): creates answer 507, deletes answer 204 and give
the space back. `serve` refuses a data directory it cannot write, and writes why when a fatal signal
(SIGBUS) kills it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.conftest import _free_port
from tests.processes import Server
from tests.waiting import wait_until

pytestmark = pytest.mark.slow
# A max-size net: 4 × 512 units, 790,000 parameters, 16.6 MB stored.
LARGE = {"name": "large", "hidden": [{"units": 512, "activation": "tanh"}] * 4, "output": {"kind": "sigmoid"},
         "optimizer": {"name": "sgd", "lr": 0.01}, "data": {"dataset": "moons", "n": 200}}


def mounted(directory: Path, options: str) -> None:
    """Mount a tmpfs with `options` on `directory`, or skip the test saying why not."""
    directory.mkdir(exist_ok=True)
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(directory)],
                          capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        pytest.skip(f"this machine refuses to mount a tmpfs: {done.stderr.strip()}")


@pytest.fixture
def small_disk(tmp_path):
    directory = tmp_path / "disk"
    mounted(directory, "size=40m")
    yield directory
    subprocess.run(["umount", "-l", str(directory)], check=True, timeout=60)


def free_bytes(directory: Path) -> int:
    disk = os.statvfs(directory)
    return disk.f_bavail * disk.f_frsize


def test_on_a_full_disk_creates_answer_507_and_deletes_free_the_space(small_disk):
    server = Server(small_disk, BACKPROP_MODEL_CREATES_PER_MINUTE="0")
    try:
        made, refused = [], None
        for _ in range(6):
            response = httpx.post(f"{server.url}/api/v1/models", json=LARGE, timeout=120)
            if response.status_code != 201:
                refused = response
                break
            made.append(response.json())
        assert made and refused is not None and refused.status_code == 507, refused and refused.text[:300]
        assert "nothing was written" in refused.json()["detail"]
        assert (small_disk / "playground.db.reserve").exists()
        full = free_bytes(small_disk)
        for model in made:
            deleted = httpx.delete(f"{server.url}/api/v1/models/{model['id']}", timeout=120,
                                   headers={"Authorization": f"Bearer {model['edit_token']}"})
            assert deleted.status_code == 204, deleted.text
        assert free_bytes(small_disk) > full + 10_000_000  # the space went back to the file system
        again = httpx.post(f"{server.url}/api/v1/models", json=LARGE, timeout=120)
        assert again.status_code == 201, again.text[:300]
    finally:
        server.stop()
    lines = [line for line in server.log.read_text().splitlines() if "storing a new model" in line]
    assert len(lines) == 1, lines  # one line says why the create was refused


def serve(data_dir: Path) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "backprop_playground.cli", "serve", "--port", str(_free_port()),
               "--data-dir", str(data_dir)]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)  # refused before it serves


def test_serve_refuses_a_data_directory_it_cannot_write(tmp_path):
    a_file = tmp_path / "a-file"
    a_file.write_text("not a directory")
    refused = serve(a_file)
    assert refused.returncode == 2 and f"cannot write the data directory {a_file}" in refused.stderr
    read_only = tmp_path / "read-only"
    if os.geteuid() == 0:
        mounted(read_only, "ro,size=1m")  # root may write wherever permissions say no
    else:
        read_only.mkdir()
        read_only.chmod(0o555)
    try:
        refused = serve(read_only)
    finally:
        if os.geteuid() == 0:
            subprocess.run(["umount", "-l", str(read_only)], check=True, timeout=60)
        else:
            read_only.chmod(0o755)
    assert refused.returncode == 2, refused.stderr[-2000:]
    assert f"cannot write the data directory {read_only}" in refused.stderr and "--data-dir" in refused.stderr


def test_serve_writes_why_a_fatal_signal_killed_it(tmp_path):
    server = Server(tmp_path)
    server.process.send_signal(signal.SIGBUS)  # what a -shm file that cannot grow does to the process
    server.process.wait(timeout=60)
    log = wait_until(lambda: server.log.read_text(), "the server's log is written")
    assert "Fatal Python error: Bus error" in log, log[-2000:]
