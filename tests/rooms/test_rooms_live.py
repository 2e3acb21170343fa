"""Rooms on a real server process: a class survives kill -9 and a restart, a follower flood is shed, and a
forged X-Forwarded-For makes no new client."""

from __future__ import annotations

import asyncio
import json
import threading
import time

import httpx
import pytest
import websockets
from websockets.sync.client import connect as ws_connect

from tests.processes import Server
from tests.waiting import DEADLINE_S, wait_until


class Follower(threading.Thread):
    """A follower as the page is one: follows with its id, and after a dropped connection tries again every
    half second (the page backs off to at most 3 s); records every (seq, state) it is shown."""

    def __init__(self, url: str, code: str, name: str) -> None:
        super().__init__(daemon=True)
        self.url, self.code, self.id = url, code, f"follower-{name}-0123456789"
        self.seen: list[tuple[int, dict | None, float]] = []  # (seq, state, when)
        self.connections = 0
        self.stopping = False

    def run(self) -> None:
        stream = self.url.replace("http", "ws") + f"/api/v1/rooms/{self.code}/stream"
        while not self.stopping:
            try:
                with ws_connect(stream, open_timeout=2, close_timeout=1) as ws:
                    ws.send(json.dumps({"type": "follow", "id": self.id}))
                    self.connections += 1
                    while not self.stopping:
                        try:
                            message = json.loads(ws.recv(timeout=0.5))
                        except TimeoutError:
                            continue
                        if message["type"] in ("hello", "state"):
                            self.seen.append((message["seq"], message["state"], time.monotonic()))
            except (OSError, websockets.exceptions.WebSocketException):
                time.sleep(0.5)

    @property
    def seq(self) -> int:
        return max((seq for seq, _, _ in self.seen), default=-1)


def _present(url: str, code: str, token: str):
    ws = ws_connect(url.replace("http", "ws") + f"/api/v1/rooms/{code}/stream").__enter__()
    ws.send(json.dumps({"type": "auth", "token": token}))
    hello = json.loads(ws.recv(timeout=DEADLINE_S))
    assert hello["type"] == "hello" and hello["role"] == "presenter"
    return ws, hello


def test_a_class_survives_kill_9_and_a_restart(tmp_path):
    server = Server(tmp_path)
    try:
        created = httpx.post(f"{server.url}/api/v1/rooms", json={"title": "after the break"}).json()
        code, token = created["code"], created["presenter_token"]
        presenter, _ = _present(server.url, code, token)
        followers = [Follower(server.url, code, str(n)) for n in range(3)]
        for follower in followers:
            follower.start()
        wait_until(lambda: all(f.connections for f in followers), "the followers have joined")
        for step in range(1, 6):
            presenter.send(json.dumps({"type": "state", "state": {"query": f"step={step}"}}))
        wait_until(lambda: all(f.seq >= 5 for f in followers), "the followers are at step 5")
        before = {f.id: f.seq for f in followers}

        server.kill()  # SIGKILL: no shutdown hook, no last write
        presenter.close()
        server = Server(tmp_path, port=server.port)  # the same port and data directory
        back = time.monotonic()

        room = httpx.get(f"{server.url}/api/v1/rooms/{code}")
        assert room.status_code == 200 and room.json()["title"] == "after the break"
        presenter, hello = _present(server.url, code, token)  # the same token presents again
        assert hello["seq"] >= 5  # never backwards
        # the presenter's page sends its view on every hello
        presenter.send(json.dumps({"type": "state", "state": {"query": "step=5"}}))
        wait_until(lambda: all(f.seen[-1][1] == {"query": "step=5"} and f.seq > before[f.id]
                               for f in followers), "the followers are back at the presenter's state")
        latest = httpx.get(f"{server.url}/api/v1/rooms/{code}").json()["seq"]
        for follower in followers:
            assert follower.seq == latest
            shown = [seq for seq, _, when in follower.seen if when >= back]
            assert shown == sorted(shown) and min(shown) >= before[follower.id]  # seq never went backwards
            arrived = next(when for seq, _, when in follower.seen if seq == latest)
            print(f"follower {follower.id}: at seq {latest} {arrived - back:.2f} s after the server answered")
            assert arrived - back < 5.0, f"back {arrived - back:.2f} s after the server answered"
        presenter.close()
    finally:
        for follower in locals().get("followers", []):
            follower.stopping = True
        server.kill()


def test_a_follower_flood_is_shed_and_other_classes_go_on(tmp_path):
    """Floods of answers used to be parsed and answered one by one, stalling the loop: now over-rate
    messages are dropped unread and a flooding connection is closed with 4429."""
    server = Server(tmp_path, BACKPROP_ROOM_STREAMS_PER_CLIENT="1000", BACKPROP_ROOMS_PER_CLIENT="10")
    try:
        flooded = httpx.post(f"{server.url}/api/v1/rooms").json()
        calm = httpx.post(f"{server.url}/api/v1/rooms").json()
        stream = server.url.replace("http", "ws") + "/api/v1/rooms/{}/stream"

        async def flood(codes: list[int]) -> None:
            async with websockets.connect(stream.format(flooded["code"]), max_queue=None) as ws:
                await ws.send(json.dumps({"type": "follow"}))
                message = json.dumps({"type": "answer", "id": 7, "value": 1})
                try:
                    for _ in range(1000):  # as fast as it can: far over 5 a second
                        await ws.send(message)
                    async with asyncio.timeout(DEADLINE_S):
                        async for _ in ws:  # the answers to the burst, one notice, then the close
                            pass
                except websockets.exceptions.ConnectionClosed:
                    pass
                codes.append(ws.close_code)

        async def hall() -> list[int]:
            codes: list[int] = []
            await asyncio.gather(*(flood(codes) for _ in range(100)))
            return codes

        follower = Follower(server.url, calm["code"], "calm")
        follower.start()
        presenter, _ = _present(server.url, calm["code"], calm["presenter_token"])
        codes = asyncio.run(hall())
        assert codes == [4429] * 100  # every flooding connection was closed as such
        presenter.send(json.dumps({"type": "state", "state": {"query": "step=1"}}))
        wait_until(lambda: follower.seq >= 1, "the other class goes on")
        assert httpx.get(f"{server.url}/api/v1/health").status_code == 200
        follower.stopping = True
        presenter.close()
    finally:
        server.kill()
    assert "Traceback" not in server.log.read_text()


@pytest.mark.parametrize("trusted", [False, True])
def test_a_forged_x_forwarded_for_is_not_a_new_client(tmp_path, trusted):
    """Without a named proxy a header makes no new client (uvicorn's own default believed any connection
    from 127.0.0.1); with the proxy named, each forwarded address is a client of its own."""
    env = {"BACKPROP_ROOM_CREATES_PER_MINUTE": "1"}
    if trusted:
        env.update(BACKPROP_TRUSTED_PROXIES="127.0.0.1", BACKPROP_CLIENT_IP_HEADER="X-Forwarded-For")
    server = Server(tmp_path, **env)
    try:
        rooms = f"{server.url}/api/v1/rooms"
        codes = [httpx.post(rooms, headers={"X-Forwarded-For": f"10.9.0.{n}"}).status_code
                 for n in range(1, 6)]
        forwarded = httpx.post(rooms, headers={"Forwarded": "for=10.9.1.1"}).status_code
    finally:
        server.kill()
    if trusted:
        assert codes == [201] * 5
    else:
        assert codes == [201, 429, 429, 429, 429] and forwarded == 429
