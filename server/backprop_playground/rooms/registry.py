"""The rooms this process serves: their connections, a mirror of each room's state, and the fan-out.

The bus (bus.py) keeps the rooms and carries their events; the registry keeps, per room it serves, the
presenter and follower connections and a mirror of what a late joiner needs (seq, state, open question,
answers, audience), and turns each bus event into one encoded message that it hands to every connection.
A connection (connection.py) whose client keeps up gets it at once, written in the task that handles the
event (one pass over the room, no task woken per connection); one whose socket pushes back waits in its
outbox, so a slow follower skips states and never delays the others. A ticker reports the audience and the
answers at most 1/TICK_S times a second, keeps rooms with a connected presenter alive, closes connections
whose client read nothing for send_timeout_s and those of rooms that ended.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from contextlib import aclosing
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from backprop_playground.admission.fair import OverShare, RateQuota, client_group
from backprop_playground.rooms import protocol as p
from backprop_playground.rooms.bus import Bus, Snapshot
from backprop_playground.rooms.connection import NOTICE_EVERY_S, Connection, dumps, error, refuse
from backprop_playground.sockets import CLOSE_TIMEOUT_S, close, texts

log = logging.getLogger("backprop_playground.rooms")
TICK_S = 0.2  # audience and answers reach the presenter at most this often
STOP_WAIT_S = 5.0  # how long closing waits for the ticker (its loop ends within a tick once `closing` is set)


class LocalRoom:
    """The mirror of one room that this process serves, fed by the bus's events."""

    def __init__(self, code: str) -> None:
        self.code = code
        self.title = ""
        self.token_hash = ""
        self.seq = 0
        self.state: dict[str, Any] | None = None
        self.qid = 0  # the newest question seen, open or closed
        self.question: dict[str, Any] | None = None
        self.answers: dict[str, float] = {}
        self.followers_total = 0
        self.presenters: set[Connection] = set()
        self.followers: set[Connection] = set()
        self.audience_dirty = False
        self.answers_dirty = False
        self.ended = False
        self.ready = asyncio.Event()

    @property
    def connections(self) -> list[Connection]:
        return [*self.presenters, *self.followers]

    def merge(self, snapshot: Snapshot) -> None:
        """What the bus had, under the events already received while it was read (newer ones win)."""
        self.title, self.token_hash = snapshot.title, snapshot.token_hash
        if snapshot.seq > self.seq:
            self.seq, self.state = snapshot.seq, snapshot.state
        if not self.audience_dirty:
            self.followers_total = snapshot.followers
        question = snapshot.question
        if question is not None and question["id"] > self.qid:
            self.qid, self.question, self.answers = question["id"], question, dict(snapshot.answers)
        elif question is not None and question["id"] == self.qid and self.question is not None:
            self.answers = {**snapshot.answers, **self.answers}

    def hello(self, presenter: bool) -> str:
        return dumps({"type": "hello", "role": "presenter" if presenter else "follower", "code": self.code,
                      "seq": self.seq, "state": self.state, "followers": self.followers_total,
                      "question": public_question(self.question)})

    def answers_message(self) -> str:
        values = list(self.answers.values())[: p.MAX_ANSWER_VALUES]
        return dumps({"type": "answers", "id": self.qid, "values": values, "count": len(self.answers)})


def public_question(question: dict[str, Any] | None) -> dict[str, Any] | None:
    if question is None:
        return None
    return {key: question.get(key) for key in ("id", "node", "label", "prompt", "revealed")}


class Registry:
    """The rooms of this process; `serve` runs one WebSocket connection (docs/contracts.md §7)."""

    def __init__(self, bus: Bus, *, ttl_s: float, max_followers: int, streams_per_client: int,
                 send_timeout_s: float, misses: RateQuota | None = None) -> None:
        self.bus = bus
        self.ttl_s = ttl_s
        self.misses = misses  # lookups of codes that do not exist, per client
        self.max_followers = max_followers
        self.streams_per_client = streams_per_client
        self.send_timeout_s = send_timeout_s
        self.rooms: dict[str, LocalRoom] = {}
        self.clients: Counter[str] = Counter()
        self.sweep_every_s = min(60.0, max(0.05, ttl_s / 4))
        self._ticker: asyncio.Task | None = None
        self.closing = False

    async def start(self) -> None:
        await self.bus.start(self._on_event)
        self._ticker = asyncio.create_task(self._tick(), name="rooms-ticker")

    async def close(self) -> None:
        self.closing = True  # ends the ticker's loop even if a cancellation was swallowed in a bus call
        ticker = self._ticker
        if ticker is not None and ticker.get_loop() is asyncio.get_running_loop():
            ticker.cancel()
            await asyncio.wait((ticker,), timeout=STOP_WAIT_S)
            if not ticker.done():
                log.warning("rooms: the ticker did not stop within %g s", STOP_WAIT_S)
        elif ticker is not None:  # started under another event loop (a test harness's own lifespan)
            try:
                ticker.get_loop().call_soon_threadsafe(ticker.cancel)
            except RuntimeError:  # that loop is closed, and the ticker with it
                pass
        for room in self.rooms.values():
            for conn in room.connections:
                conn.end(1001, "the server is shutting down")
        # bounded: a shutdown never waits forever on a bus whose connection hangs (the bus bounds its own
        # waits; this bounds what it awaits of its client library)
        closing = asyncio.ensure_future(self.bus.close())
        await asyncio.wait((closing,), timeout=3 * STOP_WAIT_S)
        if not closing.done():
            log.warning("rooms: the bus did not close within %g s", 3 * STOP_WAIT_S)

    # ---- rooms ----
    async def room(self, code: str) -> LocalRoom | None:
        """The local mirror of a live room (loaded on first use); None when the room does not exist. The
        caller may add a connection to it before its next await."""
        while True:
            room = self.rooms.get(code)
            if room is None:
                room = self.rooms[code] = LocalRoom(code)
                try:
                    snapshot = await self.bus.load(code)
                except BaseException:
                    self._drop(room)
                    raise
                if snapshot is None:
                    self._drop(room)
                else:
                    room.merge(snapshot)
                room.ready.set()
            elif not room.ready.is_set():
                await room.ready.wait()
            if room.ended:
                return None
            if self.rooms.get(code) is room:
                return room

    def _drop(self, room: LocalRoom) -> None:
        room.ended = True
        room.ready.set()
        if self.rooms.get(room.code) is room:
            del self.rooms[room.code]

    def _on_event(self, code: str, event: dict[str, Any]) -> None:
        """One bus event → the mirror and the connections' outboxes (encoded once for all)."""
        room = self.rooms.get(code)
        if room is None:
            return
        kind = event["k"]
        if kind == "state":
            if event["seq"] > room.seq:
                room.seq, room.state = event["seq"], event["state"]
                text = dumps({"type": "state", "seq": room.seq, "state": room.state})
                for conn in room.followers:
                    conn.latest("state", text)
        elif kind == "ask":
            question = event["q"]
            if question["id"] > room.qid:
                room.qid, room.question, room.answers = question["id"], question, {}
                self._to_all(room, {"type": "ask", **public_question(question)})
                room.answers_dirty = True
        elif kind == "answer":
            if room.question is not None and room.question["id"] == event["id"]:
                room.answers[event["who"]] = event["value"]
                room.answers_dirty = True
        elif kind == "reveal":
            if room.question is not None and room.question["id"] == event["id"]:
                room.question["revealed"] = event["value"]
                self._to_all(room, {"type": "reveal", "id": event["id"], "value": event["value"]})
        elif kind == "close":
            if room.question is not None and room.question["id"] == event["id"]:
                room.question, room.answers = None, {}
                self._to_all(room, {"type": "close_question", "id": event["id"]})
        elif kind == "audience":
            room.followers_total = event["followers"]
            text = dumps({"type": "audience", "followers": room.followers_total})
            for conn in room.connections:
                conn.latest("audience", text)
        elif kind == "ended":
            self._drop(room)
            for conn in room.connections:
                conn.end(p.CLOSE_UNKNOWN_ROOM, "the room has ended")

    @staticmethod
    def _to_all(room: LocalRoom, message: dict[str, Any]) -> None:
        text = dumps(message)
        for conn in room.connections:
            conn.put(text)

    async def _tick(self) -> None:
        next_sweep = time.monotonic() + self.sweep_every_s
        while not self.closing:
            await asyncio.sleep(min(TICK_S, self.sweep_every_s))
            try:
                await self._report()
                if time.monotonic() >= next_sweep:
                    next_sweep = time.monotonic() + self.sweep_every_s
                    await self._sweep()
            except Exception:  # the bus is unreachable for a moment: try again next tick
                log.exception("rooms: tick failed")

    async def _report(self) -> None:
        stuck_before = asyncio.get_running_loop().time() - self.send_timeout_s
        for room in list(self.rooms.values()):
            for conn in room.connections:
                if conn.sending_since is not None and conn.sending_since < stuck_before and conn.writer:
                    conn.too_slow()  # its client has read nothing for send_timeout_s
            if room.answers_dirty:
                room.answers_dirty = False
                if room.question is not None:
                    text = room.answers_message()
                    for conn in room.presenters:
                        conn.latest("answers", text)
            if room.audience_dirty:
                room.audience_dirty = False
                await self.bus.audience(room.code, len(room.followers))
            elif not room.presenters and not room.followers and room.ready.is_set():
                self._drop(room)  # serves nobody here any more; reloaded on the next join

    async def _sweep(self) -> None:
        for room in list(self.rooms.values()):
            if room.presenters and not room.ended:
                await self.bus.touch(room.code)
            if room.followers:
                room.audience_dirty = True  # renews this process's count (a replica that died stops doing so)
        for code in await self.bus.sweep(list(self.rooms)):
            self._on_event(code, {"k": "ended"})

    # ---- one connection ----
    async def serve(self, socket: WebSocket, raw_code: str, client: str) -> None:
        """An accepted WebSocket until it closes: count it against its client's share, then run it."""
        if self.clients[client] >= self.streams_per_client:
            return await refuse(socket, p.CLOSE_FULL, f"this client already has {self.clients[client]} room "
                                f"streams open (room_streams_per_client = {self.streams_per_client})")
        self.clients[client] += 1
        try:
            await self._serve(socket, raw_code, client)
        finally:
            self.clients[client] -= 1
            if not self.clients[client]:
                del self.clients[client]

    async def _serve(self, socket: WebSocket, raw_code: str, client: str) -> None:
        if self.misses is not None:
            try:
                self.misses.check(client_group(client))
            except OverShare as exc:
                return await refuse(socket, p.CLOSE_FULL, str(exc))
        code = p.normalize_code(raw_code)
        if code is None or await self.room(code) is None:
            self.missed(client)
            return await refuse(socket, p.CLOSE_UNKNOWN_ROOM, "no such room (or it has ended)")
        try:
            async with asyncio.timeout(p.FIRST_MESSAGE_TIMEOUT_S):
                message = await socket.receive()
        except TimeoutError:
            return await refuse(socket, p.CLOSE_BAD_MESSAGE, 'no first message: send {"type": "follow"} or '
                                '{"type": "auth", "token": "<presenter_token>"}')
        if message["type"] == "websocket.disconnect":
            return
        text = message.get("text")
        if text is not None and len(text) > p.MAX_FOLLOWER_MESSAGE:
            limit = p.MAX_FOLLOWER_MESSAGE
            return await refuse(socket, p.CLOSE_TOO_LARGE,
                                f"message: {len(text)} characters exceeds the limit of {limit}")
        try:
            if text is None:
                raise p.Malformed("messages are JSON text")
            first = p.first_message(text)
        except p.Malformed as exc:
            return await refuse(socket, p.CLOSE_BAD_MESSAGE, str(exc))
        room = await self.room(code)
        if room is None:
            return await refuse(socket, p.CLOSE_UNKNOWN_ROOM, "the room has ended")
        presenter = first.type == "auth"
        if presenter and not p.token_matches(first.fields["token"], room.token_hash):
            return await refuse(socket, p.CLOSE_BAD_TOKEN, "this is not the room's presenter token")
        if not presenter and max(room.followers_total, len(room.followers)) >= self.max_followers:
            return await refuse(socket, p.CLOSE_FULL, f"the room is full (room_max_followers = "
                                f"{self.max_followers})")
        who = None if presenter else p.follower_key(code, first.fields["id"])
        conn = Connection(socket, presenter, who)
        conn.put(room.hello(presenter))
        if presenter:
            await self.bus.touch(code)  # presented: the room now lives room_ttl_s after its presenter
            room.presenters.add(conn)
            if room.question is not None and room.answers:
                conn.latest("answers", room.answers_message())
        else:
            room.followers.add(conn)
            room.audience_dirty = True
        try:
            await self._run(room, conn)
        finally:
            room.presenters.discard(conn)
            if conn in room.followers:
                room.followers.discard(conn)
                room.audience_dirty = True
        await close(socket, conn.close_code)

    def missed(self, client: str) -> None:
        """Count a lookup of a code that does not exist (the check before it let it through)."""
        if self.misses is not None:
            try:
                self.misses.take(client_group(client))
            except OverShare:  # others of this client used the last one meanwhile
                pass

    async def _run(self, room: LocalRoom, conn: Connection) -> None:
        """Read until the client goes or the connection ends (`conn` then cancels the reader)."""
        reader = conn.reader = asyncio.create_task(self._reader(room, conn), name="room-reader")
        if conn.done:  # the hello could not be sent
            reader.cancel()
        try:
            await asyncio.wait((reader,))
            writer = conn.writer
            if writer is not None and conn.outbox.final is not None and not conn.done:
                await asyncio.wait((writer,), timeout=CLOSE_TIMEOUT_S)  # let the last error go out
            failure = conn.failure if reader.cancelled() else reader.exception() or conn.failure
            if failure is not None and not isinstance(failure, WebSocketDisconnect):
                log.error("room connection failed", exc_info=failure)
                conn.close_code = 1011
        finally:
            conn.done = True
            tasks = [task for task in (reader, conn.writer) if task is not None]
            for task in tasks:
                task.cancel()
            # asyncio.wait, not gather: if this task is being cancelled, the CancelledError it raises is that
            # cancellation's own (a server's cancel scope recognises it), not one of the children's.
            await asyncio.wait(tasks)
            for task in tasks:
                if not task.cancelled():
                    task.exception()  # retrieved: a failure was logged above

    async def _reader(self, room: LocalRoom, conn: Connection) -> None:
        limit = p.MAX_PRESENTER_MESSAGE if conn.presenter else p.MAX_FOLLOWER_MESSAGE
        async with aclosing(texts(conn.socket)) as messages:
            async for text in messages:
                if text is None:
                    return conn.end(p.CLOSE_BAD_MESSAGE, "messages are JSON text")
                if len(text) > limit:
                    return conn.end(p.CLOSE_TOO_LARGE,
                                    f"message: {len(text)} characters exceeds the limit of {limit}")
                if not conn.bucket.take(time.monotonic()):
                    # Dropped unread and unanswered (one notice), so a flood costs the loop next to nothing;
                    # a client that keeps on is closed.
                    conn.dropped += 1
                    rate = p.PRESENTER_RATE if conn.presenter else p.FOLLOWER_RATE
                    now = time.monotonic()
                    if conn.dropped == 1 and now - conn.noticed_at >= NOTICE_EVERY_S:
                        conn.noticed_at = now
                        conn.put(error(f"too many messages: at most {rate:g} a second; the next ones are "
                                       "dropped until the rate is kept"))
                    elif conn.dropped >= p.FLOOD_DROPS:
                        return conn.end(p.CLOSE_FULL, f"too many messages: {conn.dropped} in a row over the "
                                        f"rate of {rate:g} a second")
                    continue
                conn.dropped = 0
                try:
                    await self._apply(room, conn, p.parse(text, conn.presenter))
                except p.Refused as exc:  # answered; the connection stays (a bad stream command is too)
                    conn.put(error(str(exc)))
                except p.Malformed as exc:  # ends the connection (a bad stream command would be answered)
                    return conn.end(p.CLOSE_BAD_MESSAGE, str(exc))
                if room.ended:
                    return

    async def _apply(self, room: LocalRoom, conn: Connection, message: p.RoomMessage) -> None:
        bus, code, fields = self.bus, room.code, message.fields
        if message.type == "state":
            if await bus.state(code, fields["state"], fields["encoded"]) is None:
                conn.end(p.CLOSE_UNKNOWN_ROOM, "the room has ended")
        elif message.type == "ask":
            if await bus.ask(code, fields) is None:
                conn.end(p.CLOSE_UNKNOWN_ROOM, "the room has ended")
        elif message.type == "reveal":
            if not await bus.reveal(code, fields["id"], fields["value"]):
                raise p.Refused(f"no open question with id {fields['id']}")
        elif message.type == "close_question":
            if await bus.close_question(code) is None:
                raise p.Refused("no question is open")
        elif message.type == "answer":
            question = room.question
            if question is None or question["id"] != fields["id"] \
                    or not await bus.answer(code, fields["id"], conn.who, fields["value"]):
                raise p.Refused(f"no open question with id {fields['id']}")
