"""Rooms that outlive the process: every room written to the database the models use (SQLite by default,
PostgreSQL by URL), so a restart, a crash or another replica finds the class where it was.

`DurableBus` wraps the bus that serves the rooms (`LocalBus` in this process, or `RedisBus`) and keeps
a `rooms` table beside it. A room is written when it is created and deleted when it is ended, at once;
every other change only marks the room, and a flusher writes the marked rooms' snapshots in one
transaction every FLUSH_EVERY_S, off the fan-out's path. Without Redis every live room is read back at
start; with Redis, Redis stays the one authority and a room is read back only when Redis has lost it.

**`seq` never goes backwards.** Followers drop any state whose seq is not above the last they saw, and
batched writes plus `kill -9` can lose the newest seqs. So the table also keeps a *ceiling*: no seq above
it is given out before the ceiling is written (raised SEQ_BLOCK at a time, ahead of need), and a room read
back starts at its ceiling, above anything a follower may have seen. Question ids jump likewise.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Float,
    Index,
    MetaData,
    String,
    Table,
    Text,
    bindparam,
    case,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from backprop_playground.rooms.bus import Bus, Handler, Lifetime, Snapshot
from backprop_playground.store import StorageError, storage_error

log = logging.getLogger("backprop_playground.rooms")
FLUSH_EVERY_S = 0.5  # a room's changes reach the database within about this long
SEQ_BLOCK = 1024  # the ceiling is raised this far above the seq it covers
QSEQ_JUMP = 1000  # question ids of a room read back start this far above the last one written
EXPIRE_EVERY_S = 60.0  # how often rows of expired rooms are deleted

metadata = MetaData()
rooms_table = Table(
    "rooms",
    metadata,
    Column("code", String(16), primary_key=True),
    Column("title", Text, nullable=False),
    Column("token_hash", String(64), nullable=False),
    Column("owner", String(64), nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("seq_ceiling", BigInteger, nullable=False),  # no seq above it has been given out
    Column("qseq", BigInteger, nullable=False),
    Column("state", Text, nullable=True),
    Column("question", Text, nullable=True),  # the open question, with "revealed"
    Column("answers", Text, nullable=True),  # its answers: {follower: value}
    Column("ttl_s", Float, nullable=False),
    Column("presented_ttl_s", Float, nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)
Index("rooms_expires_at", rooms_table.c.expires_at)

_WRITE = (  # a snapshot over an older one (replicas may write the same room; the newest seq wins)
    update(rooms_table)
    .where(rooms_table.c.code == bindparam("key"), rooms_table.c.seq <= bindparam("seq"))
    .values(title=bindparam("title"), seq=bindparam("seq"), qseq=bindparam("qseq"), state=bindparam("state"),
            question=bindparam("question"), answers=bindparam("answers"), ttl_s=bindparam("ttl_s"),
            presented_ttl_s=bindparam("presented_ttl_s"), expires_at=bindparam("expires_at"))
)
_RAISE = (  # a ceiling only ever rises
    update(rooms_table)
    .where(rooms_table.c.code == bindparam("key"))
    .values(seq_ceiling=case((rooms_table.c.seq_ceiling < bindparam("ceiling"), bindparam("ceiling")),
                             else_=rooms_table.c.seq_ceiling))
)


def _row(room: Snapshot, now: datetime) -> dict[str, Any]:
    question = answers = None
    if room.question is not None:
        question = orjson.dumps(room.question).decode()
        answers = orjson.dumps(room.answers).decode()
    return {"key": room.code, "title": room.title, "seq": room.seq, "qseq": room.qseq,
            "state": None if room.state is None else orjson.dumps(room.state).decode(),
            "question": question, "answers": answers, "ttl_s": room.ttl_s,
            "presented_ttl_s": room.presented_ttl_s,
            "expires_at": now + timedelta(seconds=room.expires_in_s)}


@contextmanager
def _storage(what: str) -> Iterator[None]:
    """The database's failures as the store names them (StorageError: 507 full, 503 read-only or away)."""
    try:
        yield
    except DBAPIError as exc:
        error = storage_error(exc, what)
        if error is None:
            raise
        raise error from exc


class Journal:
    """The `rooms` table: short transactions, called from a worker thread (never on the event loop); a
    failure of the database is a StorageError naming what was being done."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.engine = engine
        self.clock = clock
        try:
            metadata.create_all(engine)
        except DBAPIError:  # another replica made the table at the same moment: it is there now
            metadata.create_all(engine)

    def insert(self, room: Snapshot, ceiling: int) -> None:
        row = _row(room, self.clock())
        row["code"] = row.pop("key")
        with _storage("creating a room"), self.engine.begin() as conn:
            conn.execute(delete(rooms_table).where(rooms_table.c.code == room.code))  # an expired namesake
            conn.execute(insert(rooms_table).values(**row, token_hash=room.token_hash, owner=room.owner,
                                                    seq_ceiling=ceiling))

    def write(self, rooms: list[Snapshot], ceilings: dict[str, int]) -> None:
        """The rooms' snapshots and raised ceilings, in one transaction."""
        now = self.clock()
        with _storage("writing rooms"), self.engine.begin() as conn:
            if rooms:
                conn.execute(_WRITE, [_row(room, now) for room in rooms])
            if ceilings:
                conn.execute(_RAISE, [{"key": code, "ceiling": c} for code, c in ceilings.items()])

    def delete(self, code: str) -> None:
        with _storage("ending a room"), self.engine.begin() as conn:
            conn.execute(delete(rooms_table).where(rooms_table.c.code == code))

    def expire(self) -> int:
        with self.engine.begin() as conn:
            return conn.execute(delete(rooms_table).where(rooms_table.c.expires_at <= self.clock())).rowcount

    def read(self, code: str | None = None) -> list[tuple[Snapshot, int]]:
        """Live rooms (one, or all) as (snapshot, ceiling); the snapshot's seq is the one last written."""
        query = select(rooms_table).where(rooms_table.c.expires_at > self.clock())
        if code is not None:
            query = query.where(rooms_table.c.code == code)
        now = self.clock()
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        found = []
        for row in rows:
            expires_at = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=UTC)
            question = orjson.loads(row.question) if row.question else None
            room = Snapshot(
                code=row.code, title=row.title, token_hash=row.token_hash, seq=row.seq,
                state=orjson.loads(row.state) if row.state else None, question=question,
                answers=orjson.loads(row.answers) if question and row.answers else {}, qseq=row.qseq,
                owner=row.owner, ttl_s=row.ttl_s, presented_ttl_s=row.presented_ttl_s,
                expires_in_s=max(0.0, (expires_at - now).total_seconds()))
            found.append((room, row.seq_ceiling))
        return found


class DurableBus(Bus):
    """`inner` with every room also kept in the database; see the module's docstring."""

    def __init__(self, inner: Bus, journal: Journal, *, holds_all: bool,
                 flush_every_s: float = FLUSH_EVERY_S) -> None:
        self.inner = inner
        self.journal = journal
        self.holds_all = holds_all  # inner keeps only what this process put in it (LocalBus): read all back
        self.flush_every_s = flush_every_s
        self.dirty: set[str] = set()
        self.seqs: dict[str, int] = {}  # the newest seq this process gave out or saw, per room
        self.ceilings: dict[str, int] = {}  # the ceiling as written, per room this process wrote
        self.raise_to: dict[str, int] = {}  # ceilings to write with the next flush
        self.restoring: dict[str, asyncio.Future] = {}
        self.ended: set[str] = set()  # rooms ended whose rows could not be deleted yet
        self.failing = False  # the last flush failed (logged once until one succeeds)
        self.flusher: asyncio.Task | None = None
        self.closing = False

    async def start(self, handler: Handler) -> None:
        self.handler = handler
        await self.inner.start(handler)
        if self.holds_all:
            for room, ceiling in await asyncio.to_thread(self.journal.read):
                await self._put_back(room, ceiling)
        self.flusher = asyncio.create_task(self._flush_loop(), name="rooms-journal")

    async def close(self) -> None:
        self.closing = True
        if self.flusher is not None:
            self.flusher.cancel()
            await asyncio.wait((self.flusher,))
        try:
            await self.flush()
        except Exception:
            log.exception("rooms: the last changes could not be written")
        await self.inner.close()

    # ---- writing ----
    def _mark(self, code: str, seq: int | None = None) -> None:
        self.dirty.add(code)
        if seq is not None and seq > self.seqs.get(code, -1):
            self.seqs[code] = seq
            if seq + SEQ_BLOCK // 2 > self.ceilings.get(code, 0):
                self.raise_to[code] = seq + SEQ_BLOCK  # ahead of need, with the next flush

    async def flush(self) -> None:
        codes, self.dirty = self.dirty, set()
        raise_to, self.raise_to = self.raise_to, {}
        rooms = []
        for code in codes:
            room = await self.inner.load(code)
            if room is not None:
                rooms.append(room)
        try:
            await asyncio.to_thread(self.journal.write, rooms, raise_to)
        except BaseException:
            self.dirty |= codes  # written with the next flush
            for code, ceiling in raise_to.items():
                self.raise_to[code] = max(ceiling, self.raise_to.get(code, 0))
            raise
        for code, ceiling in raise_to.items():
            self.ceilings[code] = max(ceiling, self.ceilings.get(code, 0))

    async def _flush_loop(self) -> None:
        next_expiry = 0.0
        loop = asyncio.get_running_loop()
        while not self.closing:
            await asyncio.sleep(self.flush_every_s)
            try:
                if self.dirty or self.raise_to:
                    await self.flush()
                for code in list(self.ended):
                    await asyncio.to_thread(self.journal.delete, code)
                    self.ended.discard(code)
                if self.failing:
                    self.failing = False
                    log.warning("rooms: writing rooms to the database works again")
                if loop.time() >= next_expiry:
                    next_expiry = loop.time() + EXPIRE_EVERY_S
                    await asyncio.to_thread(self.journal.expire)
                    await self._forget_ended()
            except Exception as exc:  # the database is away for a moment: the rooms go on in memory
                if not self.failing:
                    self.failing = True
                    log.warning("rooms: writing rooms to the database failed (%s); the rooms go on in "
                                "memory and are written once it works again", exc)
                await asyncio.sleep(min(10.0, 4 * self.flush_every_s))

    async def _forget_ended(self) -> None:
        """Drop what this process remembers of rooms that have ended."""
        for code in list(self.seqs):
            if await self.inner.load(code) is None:
                self.seqs.pop(code, None)
                self.ceilings.pop(code, None)

    async def _cover(self, code: str) -> None:
        """Before a new seq is given out: the written ceiling must be above it (a write in the rare case it
        is not; normally the flusher has raised it long before)."""
        seq = self.seqs.get(code)
        if seq is None:
            room = await self.inner.load(code)
            if room is None:
                return
            seq = self.seqs[code] = room.seq
        if seq + 1 > self.ceilings.get(code, 0):
            ceiling = seq + SEQ_BLOCK
            await asyncio.to_thread(self.journal.write, [], {code: ceiling})
            self.ceilings[code] = max(ceiling, self.ceilings.get(code, 0))

    # ---- reading back ----
    async def _put_back(self, room: Snapshot, ceiling: int) -> bool:
        """Restore `room` into the inner bus from its row: its seq jumps to the ceiling, which is raised
        (and written) before any new seq is given out."""
        jumped = replace(room, seq=max(room.seq, ceiling), qseq=room.qseq + QSEQ_JUMP)
        new_ceiling = jumped.seq + SEQ_BLOCK
        await asyncio.to_thread(self.journal.write, [jumped], {room.code: new_ceiling})
        restored = await self.inner.restore(jumped)
        self.ceilings[room.code] = new_ceiling
        self.seqs[room.code] = jumped.seq
        if restored:
            log.info("rooms: room %s restored from the database at seq %d", room.code, jumped.seq)
        return restored

    async def _restore(self, code: str) -> Snapshot | None:
        """The room read back from the database when the inner bus has lost it (one read for all who ask at
        once); None when the database has no live room of that code either."""
        pending = self.restoring.get(code)
        if pending is None:
            pending = self.restoring[code] = asyncio.ensure_future(self._restore_once(code))
            pending.add_done_callback(lambda _: self.restoring.pop(code, None))
        return await asyncio.shield(pending)

    async def _restore_once(self, code: str) -> Snapshot | None:
        rows = await asyncio.to_thread(self.journal.read, code)
        if not rows:
            return None
        await self._put_back(*rows[0])
        return await self.inner.load(code)

    # ---- the bus ----
    async def create(self, code: str, title: str, token_hash: str, life: Lifetime, max_rooms: int, *,
                     owner: str = "", per_owner: int = 0) -> None:
        await self.inner.create(code, title, token_hash, life, max_rooms, owner=owner, per_owner=per_owner)
        room = await self.inner.load(code)
        try:
            await asyncio.to_thread(self.journal.insert, room, SEQ_BLOCK)
        except BaseException:
            await self.inner.delete(code)  # a room that would not survive a restart is not made
            raise
        self.ceilings[code], self.seqs[code] = SEQ_BLOCK, 0

    async def restore(self, room: Snapshot) -> bool:
        return await self.inner.restore(room)

    async def load(self, code: str) -> Snapshot | None:
        room = await self.inner.load(code)
        if room is None and not self.holds_all:
            room = await self._restore(code)
        return room

    async def delete(self, code: str) -> bool:
        try:
            await asyncio.to_thread(self.journal.delete, code)
        except StorageError as exc:  # ended all the same; its row is deleted once the database lets it
            log.warning("rooms: %s; deleted later", exc)
            self.ended.add(code)
        self.dirty.discard(code)
        self.raise_to.pop(code, None)
        self.seqs.pop(code, None)
        self.ceilings.pop(code, None)
        return await self.inner.delete(code)

    async def _lost(self, code: str) -> bool:
        """Whether a room the inner bus no longer has was read back from the database (Redis lost it)."""
        return not self.holds_all and await self._restore(code) is not None

    async def state(self, code: str, state: dict[str, Any], encoded: bytes) -> int | None:
        await self._cover(code)
        seq = await self.inner.state(code, state, encoded)
        if seq is None and await self._lost(code):
            await self._cover(code)
            seq = await self.inner.state(code, state, encoded)
        if seq is not None:
            self._mark(code, seq)
        return seq

    async def ask(self, code: str, fields: dict[str, str]) -> int | None:
        qid = await self.inner.ask(code, fields)
        if qid is None and await self._lost(code):
            qid = await self.inner.ask(code, fields)
        if qid is not None:
            self._mark(code)
        return qid

    async def answer(self, code: str, qid: int, who: str, value: float) -> bool:
        done = await self.inner.answer(code, qid, who, value)
        if done:
            self._mark(code)
        return done

    async def reveal(self, code: str, qid: int, value: float) -> bool:
        done = await self.inner.reveal(code, qid, value)
        if done:
            self._mark(code)
        return done

    async def close_question(self, code: str) -> int | None:
        qid = await self.inner.close_question(code)
        if qid is not None:
            self._mark(code)
        return qid

    async def audience(self, code: str, here: int) -> None:
        await self.inner.audience(code, here)

    async def touch(self, code: str) -> bool:
        alive = await self.inner.touch(code) or (await self._lost(code) and await self.inner.touch(code))
        if alive:
            self._mark(code)  # its new expiry
        return alive

    async def sweep(self, codes: list[str]) -> list[str]:
        gone = await self.inner.sweep(codes)
        if self.holds_all:
            return gone
        return [code for code in gone if await self._restore(code) is None]
