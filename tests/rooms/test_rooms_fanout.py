"""A room connection's sending (rooms/connection.py `Connection`): a message goes out at once, in the
caller's task, while nothing waits for the client; under back-pressure a writer task takes over, ordered
messages keep their order and are never skipped, replaceable ones keep only the newest, and the direct path
resumes once the backlog is sent. The socket here is a fake whose send suspends only while it is "paused",
as uvicorn's does while its transport is paused; tests/rooms/test_rooms_live.py checks a real server."""

from __future__ import annotations

import asyncio
import json
import socket as sockets
import time
from pathlib import Path

import httpx
import pytest
from starlette.websockets import WebSocketDisconnect
from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.uri import parse_uri

from backprop_playground.rooms import protocol as p
from backprop_playground.rooms.connection import Connection
from backprop_playground.sockets import Resumed
from tests.processes import Server
from tests.waiting import DEADLINE_S, wait_until


class FakeSocket:
    """Starlette's WebSocket as the registry uses it: `send` suspends while `writable` is clear."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.writable = asyncio.Event()
        self.writable.set()
        self.fail: Exception | None = None
        self.cancelled = 0

    async def send(self, message: dict) -> None:
        try:
            await self.writable.wait()
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        if self.fail is not None:
            raise self.fail
        self.sent.append(message["text"])


async def _connection(socket: FakeSocket) -> Connection:
    conn = Connection(socket, presenter=False)
    conn.reader = asyncio.create_task(asyncio.sleep(3600))  # stands for the reader: cancelled when it ends
    return conn


async def _settle(conn: Connection) -> None:
    while conn.writer is not None:
        await asyncio.wait((conn.writer,))


def test_messages_go_out_at_once_without_a_task():
    async def main() -> None:
        socket = FakeSocket()
        conn = await _connection(socket)
        conn.put("hello")
        conn.latest("state", "s1")
        conn.latest("state", "s2")
        # sent before this task awaited anything: no writer task, no outbox
        assert socket.sent == ["hello", "s1", "s2"]
        assert conn.writer is None and conn.outbox.take() == (None, False)
        conn.reader.cancel()

    asyncio.run(main())


def test_under_back_pressure_ordered_messages_keep_their_order_and_states_skip_to_the_newest():
    async def main() -> None:
        socket = FakeSocket()
        conn = await _connection(socket)
        socket.writable.clear()  # the transport paused: the client reads slowly
        conn.latest("state", "s1")  # its send suspends: a writer takes it over
        assert conn.writer is not None and socket.sent == []
        conn.put("ask")
        conn.latest("state", "s2")
        conn.latest("audience", "a1")
        conn.latest("state", "s3")
        conn.put("reveal")
        await asyncio.sleep(0.01)
        assert socket.sent == []  # nothing overtakes the send under way
        socket.writable.set()
        await _settle(conn)
        # the send under way, then the ordered messages, then the newest of each replaceable kind
        assert socket.sent == ["s1", "ask", "reveal", "s3", "a1"]
        # the backlog sent, messages go out directly again
        conn.latest("state", "s4")
        assert socket.sent[-1] == "s4" and conn.writer is None
        assert not conn.done and not conn.reader.done()
        conn.reader.cancel()

    asyncio.run(main())


def test_a_client_too_far_behind_is_told_so_and_closed_4408():
    """OUTBOX_MESSAGES ordered messages wait: one more and what waits gives way to one last error saying
    so (the outbox model streams use too); the connection stops reading and closes with 4408 once it is
    sent."""

    async def main() -> None:
        socket = FakeSocket()
        conn = await _connection(socket)
        socket.writable.clear()
        conn.latest("state", "s1")
        for n in range(p.OUTBOX_MESSAGES):
            conn.put(f"q{n}")
        assert not conn.done and conn.close_code == 1000
        conn.put("one too many")
        assert conn.close_code == p.CLOSE_TOO_SLOW and conn.outbox.overflowed
        assert not conn.outbox.queue and not conn.outbox.slots  # nothing but the last error waits
        await asyncio.sleep(0)
        assert conn.reader.cancelled()  # nothing more is read
        conn.put("after")  # ignored
        conn.latest("state", "s2")  # ignored
        conn.end(1001, "a later end changes nothing")
        socket.writable.set()
        await _settle(conn)
        assert socket.sent[0] == "s1" and len(socket.sent) == 2  # the send under way, then the last error
        final = json.loads(socket.sent[-1])
        assert final["type"] == "error" and "too slowly" in final["message"] and "4408" in final["message"]
        assert conn.done and conn.close_code == p.CLOSE_TOO_SLOW

    asyncio.run(main())


@pytest.mark.parametrize("paused", [False, True])
def test_end_sends_its_error_before_anything_waiting_then_stops(paused):
    async def main() -> None:
        socket = FakeSocket()
        conn = await _connection(socket)
        if paused:
            socket.writable.clear()
            conn.latest("state", "s1")
            conn.put("ask")
        conn.end(p.CLOSE_UNKNOWN_ROOM, "the room has ended")
        conn.end(1001, "a second end changes nothing")
        socket.writable.set()
        await _settle(conn)
        final = json.loads(socket.sent[-1])
        assert final == {"type": "error", "message": "the room has ended"}
        assert socket.sent[:-1] == (["s1"] if paused else [])  # the send under way, not what waited
        assert conn.done and conn.close_code == p.CLOSE_UNKNOWN_ROOM
        await asyncio.sleep(0)
        assert conn.reader.cancelled()
        conn.latest("state", "s2")
        assert json.loads(socket.sent[-1]) == final

    asyncio.run(main())


@pytest.mark.parametrize("paused", [False, True])
def test_a_send_that_fails_ends_the_connection_not_the_sender(paused):
    async def main() -> None:
        socket = FakeSocket()
        socket.fail = WebSocketDisconnect(1006)
        conn = await _connection(socket)
        if paused:
            socket.writable.clear()
        conn.latest("state", "s1")  # raises nothing here: this is the presenter's (or the bus's) task
        socket.writable.set()
        await _settle(conn)
        assert isinstance(conn.failure, WebSocketDisconnect) and conn.done
        await asyncio.sleep(0)
        assert conn.reader.cancelled()

    asyncio.run(main())


def test_the_watchdog_cancels_a_send_that_hangs():
    async def main() -> None:
        socket = FakeSocket()
        conn = await _connection(socket)
        socket.writable.clear()
        conn.latest("state", "s1")
        assert conn.sending_since is not None
        await asyncio.sleep(0.01)
        conn.too_slow()
        await asyncio.wait((conn.writer,))
        assert socket.cancelled == 1  # the suspended send itself was cancelled
        assert conn.done and conn.close_code == p.CLOSE_TOO_SLOW and conn.writer is None
        await asyncio.sleep(0)
        assert conn.reader.cancelled()

    asyncio.run(main())


def test_resumed_passes_results_exceptions_and_cancellation_through():
    async def work(future: asyncio.Future, log: list) -> int:
        try:
            value = await future
        finally:
            log.append("finally")
        if value < 0:
            raise ValueError(value)
        await asyncio.sleep(0)  # a bare yield after the first suspension
        return value * 2

    def started(future, log):
        coro = work(future, log)
        return Resumed(coro, coro.send(None))

    async def main() -> None:
        loop = asyncio.get_running_loop()
        log: list = []
        future = loop.create_future()
        task = asyncio.create_task(_await(started(future, log)))
        await asyncio.sleep(0)
        future.set_result(21)
        assert await task == 42 and log == ["finally"]

        future = loop.create_future()
        task = asyncio.create_task(_await(started(future, log)))
        await asyncio.sleep(0)
        future.set_result(-1)
        with pytest.raises(ValueError):
            await task

        future = loop.create_future()
        task = asyncio.create_task(_await(started(future, log)))
        await asyncio.sleep(0)
        task.cancel()
        await asyncio.wait((task,))
        assert task.cancelled() and future.cancelled() and log == ["finally"] * 3

    async def _await(resumed):
        return await resumed

    asyncio.run(main())


# ---- on a real server ----

class SilentFollower:
    """A follower that joins, then reads nothing (a small receive buffer) until told to, as a stalled
    device does; websockets' sans-I/O client parses what it then reads."""

    def __init__(self, url: str, code: str) -> None:
        uri = parse_uri(url.replace("http", "ws") + f"/api/v1/rooms/{code}/stream")
        self.protocol = ClientProtocol(uri, max_size=None)
        self.sock = sockets.socket()
        self.sock.setsockopt(sockets.SOL_SOCKET, sockets.SO_RCVBUF, 4096)
        self.sock.connect((uri.host, uri.port))
        self.protocol.send_request(self.protocol.connect())
        self._flush()
        self.sock.settimeout(DEADLINE_S)
        while not any(isinstance(event, Response) for event in self._read()):
            pass
        self.protocol.send_text(b'{"type": "follow"}')
        self._flush()

    def _flush(self) -> None:
        self.sock.sendall(b"".join(self.protocol.data_to_send()))

    def _read(self) -> list:
        data = self.sock.recv(65536)
        self.protocol.receive_data(data)
        self._flush()  # pongs
        return self.protocol.events_received()

    def messages_until(self, done) -> list[dict]:
        """Read until `done(messages)`."""
        messages: list[dict] = []
        while not done(messages):
            for event in self._read():
                if isinstance(event, Frame) and event.opcode == Opcode.TEXT:
                    messages.append(json.loads(event.data))
        return messages


def test_a_stalled_follower_skips_states_but_not_questions_and_delays_nobody(tmp_path):
    """On uvicorn: a follower that reads nothing fills its transport until sends to it suspend (the writer
    path); another follower meanwhile gets every state at once (the direct path); when the stalled one
    reads again it gets its states in seq order, skipping to the newest, and the question asked meanwhile."""
    from websockets.sync.client import connect as ws_connect

    try:
        send_buffer_max = int(Path("/proc/sys/net/ipv4/tcp_wmem").read_text().split()[2])
    except OSError:
        send_buffer_max = 4 * 2**20
    if send_buffer_max > 4 * 2**20:
        pytest.skip(f"a socket's send buffer may grow to {send_buffer_max} bytes here (tcp_wmem): more than "
                    "this test's 6 MB of states fills before the server's transport pauses")
    server, stalled = Server(tmp_path), None
    try:
        created = httpx.post(f"{server.url}/api/v1/rooms", json={}).json()
        code, token = created["code"], created["presenter_token"]
        stream = server.url.replace("http", "ws") + f"/api/v1/rooms/{code}/stream"
        # the reading follower buffers all it receives (max_queue None): it reads as fast as the server sends
        with ws_connect(stream) as presenter, ws_connect(stream, max_queue=None) as reader:
            presenter.send(json.dumps({"type": "auth", "token": token}))
            assert json.loads(presenter.recv(timeout=DEADLINE_S))["type"] == "hello"
            stalled = SilentFollower(server.url, code)
            reader.send(json.dumps({"type": "follow"}))
            assert json.loads(reader.recv(timeout=DEADLINE_S))["type"] == "hello"
            wait_until(lambda: httpx.get(f"{server.url}/api/v1/rooms/{code}").json()["followers"] == 2,
                       "both followers have joined")
            # 6 MB of states near the 16 KB limit: more than the kernel buffers (a send buffer grows to
            # net.ipv4.tcp_wmem's 4 MB) and the transport's 64 KB take before it pauses
            padding = "x" * 15_000
            states = 400
            seen: list[int] = []
            for step in range(1, states + 1):
                if step == 200:
                    presenter.send(json.dumps({"type": "ask", "node": "n1"}))
                presenter.send(json.dumps({"type": "state", "state": {"step": step, "pad": padding}}))
                if step > 100:
                    time.sleep(1 / 55)  # within the presenter's rate (a burst of 120, then 60 a second)
            deadline = time.monotonic() + DEADLINE_S
            while len(seen) < states and time.monotonic() < deadline:
                message = json.loads(reader.recv(timeout=DEADLINE_S))
                if message["type"] == "state":
                    seen.append(message["state"]["step"])
            assert seen == list(range(1, states + 1))  # the reading follower missed nothing

            got = stalled.messages_until(lambda messages: any(
                m["type"] == "state" and m["state"]["step"] == states for m in messages))
            kinds = [m["type"] for m in got]
            steps = [m["state"]["step"] for m in got if m["type"] == "state"]
            assert kinds[0] == "hello" and "ask" in kinds  # ordered messages are never skipped
            assert steps == sorted(steps) and steps[-1] == states
            assert len(steps) < states, "the stalled follower skipped no state: its sends never suspended"
            presenter.send(json.dumps({"type": "state", "state": {"step": states + 1}}))
            after = stalled.messages_until(lambda messages: any(m["type"] == "state" for m in messages))
            assert [m["state"]["step"] for m in after if m["type"] == "state"] == [states + 1]
    finally:
        if stalled is not None:
            stalled.sock.close()
        server.kill()
