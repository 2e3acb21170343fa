"""Where rooms live and how their events travel: the `Bus` interface and its in-process implementation.

A bus keeps each room's record (title, presenter token hash, current state and its seq, the open question
and its answers, the audience) and delivers the room's events, in seq order, to the handler of every
process serving the room. `LocalBus` does both in this process; `RedisBus` (redis_bus.py) in Redis, so a
follower on one replica sees a presenter on another.

Events are dicts with a kind `k`: `state` (`seq`, `state`), `ask` (`q`: the question), `answer` (`id`,
`who`, `value`), `reveal` (`id`, `value`), `close` (`id`), `audience` (`followers`), `ended`.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from backprop_playground.rooms.protocol import MAX_ANSWERS

Handler = Callable[[str, dict[str, Any]], None]


class RoomsFull(Exception):
    """The bus already keeps `max_rooms` live rooms."""


class CodeTaken(Exception):
    """A live room has this code (the caller draws another)."""


class OwnerFull(Exception):
    """The creating client already keeps `per_owner` live rooms."""


@dataclass
class Snapshot:
    """A room as the bus keeps it."""

    code: str
    title: str
    token_hash: str
    seq: int = 0
    state: dict[str, Any] | None = None
    question: dict[str, Any] | None = None  # {"id", "node", "label", "prompt", "revealed"}
    answers: dict[str, float] = field(default_factory=dict)  # follower → value, for the open question
    followers: int = 0
    qseq: int = 0  # the newest question id given out (open or closed)
    owner: str = ""  # the creating client's group (fair.client_group), for the per-client cap
    ttl_s: float = 0.0  # the room lives this long after its last presenter activity…
    presented_ttl_s: float = 0.0  # …which becomes this once a presenter has connected
    expires_in_s: float = 0.0  # left of its life when it was read


@dataclass(frozen=True)
class Lifetime:
    """How long a room lives: `first_s` until a presenter connects, then `presented_s` after the last
    presenter activity (so a room nobody presents to is gone in minutes, a class lasts its lecture)."""

    first_s: float
    presented_s: float


class Bus(ABC):
    """A small interface with two implementations: LocalBus (one process) and RedisBus (replicas)."""

    handler: Handler

    async def start(self, handler: Handler) -> None:
        """Deliver every room's events to `handler(code, event)` from now on."""
        self.handler = handler

    async def close(self) -> None:  # noqa: B027 (nothing to release in memory)
        """Release connections and tasks."""

    @abstractmethod
    async def create(self, code: str, title: str, token_hash: str, life: Lifetime, max_rooms: int, *,
                     owner: str = "", per_owner: int = 0) -> None:
        """A new room; RoomsFull, CodeTaken, or OwnerFull when `owner` keeps `per_owner` live rooms (0: no
        cap)."""

    @abstractmethod
    async def restore(self, room: Snapshot) -> bool:
        """Put back a room this bus lost (a restart, a Redis that lost its data) as `room` says, with its
        remaining life; False when a live room has the code already."""

    @abstractmethod
    async def load(self, code: str) -> Snapshot | None:
        """The room, or None when it is unknown or expired."""

    @abstractmethod
    async def delete(self, code: str) -> bool:
        """End the room (its connections get `ended`); False if it did not exist."""

    @abstractmethod
    async def state(self, code: str, state: dict[str, Any], encoded: bytes) -> int | None:
        """Keep `state` as the room's current one under the next seq and send it; the seq, None if gone."""

    @abstractmethod
    async def ask(self, code: str, fields: dict[str, str]) -> int | None:
        """Open a question (closing the one before); its id, None if the room is gone."""

    @abstractmethod
    async def answer(self, code: str, qid: int, who: str, value: float) -> bool:
        """A follower's answer to the open question `qid` (its last one wins); False if not open."""

    @abstractmethod
    async def reveal(self, code: str, qid: int, value: float) -> bool:
        """Show the answer of the open question `qid`; False if not open."""

    @abstractmethod
    async def close_question(self, code: str) -> int | None:
        """Close the open question; its id, None if none was open."""

    @abstractmethod
    async def audience(self, code: str, here: int) -> None:
        """This process serves `here` followers of the room; sends the total."""

    @abstractmethod
    async def touch(self, code: str) -> bool:
        """A presenter is connected: the room lives its presented ttl from now; False if it is gone."""

    async def sweep(self, codes: list[str]) -> list[str]:
        """Of `codes` (the rooms this process serves), the ones that have ended."""
        return [code for code in codes if await self.load(code) is None]


@dataclass
class _Record:
    room: Snapshot
    expires_at: float


class LocalBus(Bus):
    """Rooms in this process's memory; events go to the handler at once, in order."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.records: dict[str, _Record] = {}
        self.clock = clock
        self.handler = lambda code, event: None

    def _live(self, code: str, *, refresh: bool = False) -> _Record | None:
        record = self.records.get(code)
        now = self.clock()
        if record is not None and record.expires_at <= now:
            self._end(code)
            return None
        if record is not None and refresh:
            record.expires_at = now + record.room.ttl_s
        return record

    def _end(self, code: str) -> None:
        if self.records.pop(code, None) is not None:
            self.handler(code, {"k": "ended"})

    async def create(self, code: str, title: str, token_hash: str, life: Lifetime, max_rooms: int, *,
                     owner: str = "", per_owner: int = 0) -> None:
        for other in list(self.records):
            self._live(other)  # expire what is due
        if code in self.records:
            raise CodeTaken(code)
        if len(self.records) >= max_rooms:
            raise RoomsFull(max_rooms)
        if per_owner and sum(r.room.owner == owner for r in self.records.values()) >= per_owner:
            raise OwnerFull(per_owner)
        room = Snapshot(code, title, token_hash, owner=owner, ttl_s=life.first_s,
                        presented_ttl_s=life.presented_s)
        self.records[code] = _Record(room, self.clock() + life.first_s)

    async def restore(self, room: Snapshot) -> bool:
        if self._live(room.code) is not None:
            return False
        kept = replace(room, question=dict(room.question) if room.question else None,
                       answers=dict(room.answers), followers=0)
        self.records[room.code] = _Record(kept, self.clock() + room.expires_in_s)
        return True

    async def load(self, code: str) -> Snapshot | None:
        record = self._live(code)
        if record is None:
            return None
        room = record.room
        return replace(room, question=dict(room.question) if room.question else None,
                       answers=dict(room.answers), expires_in_s=max(0.0, record.expires_at - self.clock()))

    async def delete(self, code: str) -> bool:
        if self._live(code) is None:
            return False
        self._end(code)
        return True

    async def state(self, code: str, state: dict[str, Any], encoded: bytes) -> int | None:
        record = self._live(code, refresh=True)
        if record is None:
            return None
        room = record.room
        room.seq += 1
        room.state = state
        self.handler(code, {"k": "state", "seq": room.seq, "state": state})
        return room.seq

    async def ask(self, code: str, fields: dict[str, str]) -> int | None:
        record = self._live(code, refresh=True)
        if record is None:
            return None
        record.room.qseq += 1
        question = {"id": record.room.qseq, **fields, "revealed": None}
        record.room.question, record.room.answers = question, {}
        self.handler(code, {"k": "ask", "q": dict(question)})
        return record.room.qseq

    def _open(self, code: str, qid: int) -> _Record | None:
        record = self._live(code)
        if record is None or record.room.question is None or record.room.question["id"] != qid:
            return None
        return record

    async def answer(self, code: str, qid: int, who: str, value: float) -> bool:
        record = self._open(code, qid)
        if record is None or (len(record.room.answers) >= MAX_ANSWERS and who not in record.room.answers):
            return False
        record.room.answers[who] = value
        self.handler(code, {"k": "answer", "id": qid, "who": who, "value": value})
        return True

    async def reveal(self, code: str, qid: int, value: float) -> bool:
        record = self._open(code, qid)
        if record is None:
            return False
        record.room.question["revealed"] = value
        record.expires_at = self.clock() + record.room.ttl_s
        self.handler(code, {"k": "reveal", "id": qid, "value": value})
        return True

    async def close_question(self, code: str) -> int | None:
        record = self._live(code, refresh=True)
        if record is None or record.room.question is None:
            return None
        qid = record.room.question["id"]
        record.room.question, record.room.answers = None, {}
        self.handler(code, {"k": "close", "id": qid})
        return qid

    async def audience(self, code: str, here: int) -> None:
        record = self._live(code)
        if record is not None and record.room.followers != here:
            record.room.followers = here
            self.handler(code, {"k": "audience", "followers": here})

    async def touch(self, code: str) -> bool:
        record = self._live(code)
        if record is None:
            return False
        record.room.ttl_s = record.room.presented_ttl_s
        self._live(code, refresh=True)
        return True

    async def sweep(self, codes: list[str]) -> list[str]:
        for code in list(self.records):
            self._live(code)
        return [code for code in codes if code not in self.records]
