"""Real server processes for the tests that need them (live restarts, kill -9, a cluster behind nginx)."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from tests.conftest import _free_port
from tests.waiting import DEADLINE_S

ROOT = Path(__file__).resolve().parents[1]


class Server:
    """`backprop-playground serve` in a subprocess on a free port, over `data_dir`."""

    def __init__(self, data_dir: Path, log_level: str = "warning", port: int | None = None,
                 **env: str) -> None:
        self.port = port or _free_port()  # a port of its own, or the one a server before it used
        self.url = f"http://127.0.0.1:{self.port}"
        environment = {**os.environ, "BACKPROP_PERSIST_EVERY_S": "0.2", **env}
        command = [sys.executable, "-m", "backprop_playground.cli", "serve", "--port", str(self.port),
                   "--data-dir", str(data_dir), "--log-level", log_level]
        self.log = data_dir / f"server-{self.port}.log"
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=log, stderr=log)
        deadline = time.monotonic() + 90  # a loaded machine can take tens of seconds to import and start
        while True:
            try:
                if httpx.get(f"{self.url}/api/v1/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"server did not start: {self.log.read_text()[-2000:]}")
            time.sleep(0.1)

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)
        self.process.wait(timeout=20)

    def kill(self) -> None:
        self.process.kill()  # SIGKILL: no shutdown hook runs
        self.process.wait(timeout=10)


def wait_port(port: int, process: subprocess.Popen, what: str, log: Path) -> None:
    """Wait until `process` accepts connections on loopback `port`; RuntimeError with its log if not."""
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    process.kill()
    process.wait(timeout=10)
    raise RuntimeError(f"{what} did not start: {log.read_text()[-2000:] if log.exists() else ''}")


def spawn(command: list[str], log: Path) -> subprocess.Popen:
    """Start `command` with its output in `log` (the child keeps the file; this process closes its copy)."""
    with open(log, "wb") as out:
        return subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)


def nginx_config(listen: int, replica_a: str, replica_b: str, cache_dir: Path | None = None) -> str:
    """deploy/nginx.conf with its ${BACKPROP_*} placeholders filled (as envsubst does in the nginx image);
    nginx's cache of /dist/ in `cache_dir` (a new temporary directory by default)."""
    cache_dir = cache_dir or Path(tempfile.mkdtemp(prefix="bp-nginx-cache-"))
    values = {"BACKPROP_LISTEN": f"127.0.0.1:{listen}", "BACKPROP_REPLICA_A": replica_a,
              "BACKPROP_REPLICA_B": replica_b, "BACKPROP_NGINX_CACHE": str(cache_dir)}
    text = (ROOT / "deploy" / "nginx.conf").read_text()
    text = re.sub(r"\$\{(BACKPROP_[A-Z_]+)\}", lambda m: values[m.group(1)], text)
    assert not re.search(r"\$\{BACKPROP_[A-Z_]+\}", text)
    return text


def nginx_main_config(directory: Path, server_config: str) -> Path:
    """A main nginx.conf that keeps everything (pid, logs, temp files) in `directory` and includes
    `server_config` (what nginx_config filled); its path."""
    (directory / "backprop.conf").write_text(server_config)
    for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (directory / name).mkdir(exist_ok=True)
    user = "user root root;\n" if os.geteuid() == 0 else ""
    main = directory / "nginx.conf"
    main.write_text(
        f"{user}worker_processes 1;\npid {directory}/nginx.pid;\nerror_log {directory}/error.log warn;\n"
        "events { worker_connections 4096; }\n"
        f"http {{\n  access_log off;\n  client_body_temp_path {directory}/body;\n"
        f"  proxy_temp_path {directory}/proxy;\n  fastcgi_temp_path {directory}/fastcgi;\n"
        f"  uwsgi_temp_path {directory}/uwsgi;\n  scgi_temp_path {directory}/scgi;\n"
        f"  include {directory}/backprop.conf;\n}}\n"
    )
    return main
