"""Rooms fixtures: an app whose room quotas tests can set, a created room, and message helpers."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass

import pytest

from tests.waiting import DEADLINE_S, wait_until


@dataclass
class Room:
    code: str
    token: str

    @property
    def url(self) -> str:
        return f"/api/v1/rooms/{self.code}"

    @property
    def stream(self) -> str:
        return f"/api/v1/rooms/{self.code}/stream"

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def open_room(client, title: str = "") -> Room:
    response = client.post("/api/v1/rooms", json={"title": title})
    assert response.status_code == 201, response.text
    body = response.json()
    return Room(body["code"], body["presenter_token"])


def receive_until(ws, kind: str, limit: int = 50) -> dict:
    """The next message of type `kind`, skipping others (audience counts come whenever they change)."""
    for _ in range(limit):
        message = ws.receive_json()
        if message["type"] == kind:
            return message
    raise AssertionError(f"no {kind!r} message among {limit}")


OPEN: list = []  # sessions a test opened and has not left (left on teardown, even after a failure)


def connect(client, room: Room, first: dict):
    session = client.websocket_connect(room.stream).__enter__()
    OPEN.append(session)
    session.send_json(first)
    return session


def present(client, room: Room):
    session = connect(client, room, {"type": "auth", "token": room.token})
    hello = session.receive_json()
    assert hello["type"] == "hello" and hello["role"] == "presenter", hello
    return session, hello


def follow(client, room: Room):
    session = connect(client, room, {"type": "follow"})
    hello = session.receive_json()
    assert hello["type"] == "hello" and hello["role"] == "follower", hello
    return session, hello


def leave(session) -> None:
    OPEN.remove(session)
    session.__exit__(None, None, None)


def wait_for_seq(client, room: Room, seq: int) -> None:
    """Until the room's current state has `seq` (messages sent through TestClient arrive a moment later)."""
    wait_until(lambda: client.get(room.url).json()["seq"] >= seq, f"the room reaches seq {seq}")


@pytest.fixture
def make_client(tmp_path):
    """A TestClient on an app with these settings (as the room fixtures need them)."""
    from fastapi.testclient import TestClient

    from backprop_playground.app import create_app
    from backprop_playground.settings import Settings

    clients = []

    def make(**overrides):
        # the per-client shares are tested on their own; the other tests open many rooms from one client
        overrides = {"room_creates_per_minute": 0, "rooms_per_client": 1000, "room_misses_per_minute": 0,
                     **overrides}
        settings = Settings(data_dir=tmp_path, database_url=None, **overrides)
        client = TestClient(create_app(settings))
        clients.append(client.__enter__())
        return client

    yield make
    while OPEN:
        try:
            leave(OPEN[-1])
        except Exception:  # already closed by the server
            pass
    for client in reversed(clients):
        client.__exit__(None, None, None)


@pytest.fixture
def rooms_client(make_client):
    return make_client()


@pytest.fixture
def room(rooms_client) -> Room:
    return open_room(rooms_client, "XOR with ReLU")


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """A real redis-server on a free loopback port, in a temporary directory, for the session; its URL.
    Skipped with the reason when the binary is missing, except in CI, where it must run."""
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is missing in CI (.ci/run installs it)")
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    directory = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(directory), "--save", "",
         "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + DEADLINE_S
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                if sock.recv(16).startswith(b"+PONG"):
                    break
        except OSError:
            pass
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            raise RuntimeError("redis-server did not start")
        time.sleep(0.05)
    try:
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def redis_url(redis_server):
    """The session's Redis, emptied for this test."""
    host, port = redis_server.rsplit("/", 1)[0].rsplit(":", 1)
    with socket.create_connection((host.rsplit("/", 1)[-1], int(port)), timeout=5) as sock:
        sock.sendall(b"FLUSHALL\r\n")
        assert sock.recv(16).startswith(b"+OK")
    return redis_server
