"""Rooms fixtures: an app whose room quotas tests can set, a created room, and message helpers."""

from __future__ import annotations

import time
from dataclasses import dataclass

import pytest


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
    for _ in range(200):
        if client.get(room.url).json()["seq"] >= seq:
            return
        time.sleep(0.01)
    raise AssertionError(f"the room never reached seq {seq}")


@pytest.fixture
def make_client(tmp_path):
    """A TestClient on an app with these settings (as the room fixtures need them)."""
    from fastapi.testclient import TestClient

    from backprop_playground.app import create_app
    from backprop_playground.settings import Settings

    clients = []

    def make(**overrides):
        overrides = {"room_creates_per_minute": 0, **overrides}
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
