"""Durable models: one table of (id, token hash, state JSON), SQLite by default, PostgreSQL by URL.

Every save bumps the row's `revision`; a live copy saves only over the revision it loaded (compare-and-set),
so replicas sharing one database never interleave their writes to a model: the loser gets StaleRevision
and reloads instead of overwriting.

A state's metrics `history` (up to 5,000 rows, saved every 2 s while a model streams) is kept apart, in
`model_history` chunks (model_id, seq, a JSON array of entries), and the row's state says so
(HISTORY_APART). A save appends one chunk of the entries since the revision it saves over, when this store
wrote or read that revision itself and the history only grew since (same stride, its last saved entry
still there); anything else (a thinned or reset history, another replica's revision, MAX_CHUNKS chunks)
writes the chunks again as one. Either way in the same transaction as the row's compare-and-set update,
after it: a stale save writes nothing. Reading concatenates the chunks (read again if a save came between
the row and its chunks); rows saved before keep their history inline and load as they are, until their
next save moves it. `state_bytes` counts the chunks too, so quotas see the whole history.

Models unused for `ttl_s` expire (deleted by `expire`, which the server runs now and then and whenever the
store is full); each model remembers a hash of the client that created it (`owner`) and its stored size
(`state_bytes`), so one client can keep at most `max_per_owner` of them and `max_bytes_per_owner` bytes.

**When storage fails.** A write the database refuses raises a StorageError that says why, logged once:
NoSpace when the database or its disk is full (SQLite's SQLITE_FULL, PostgreSQL's disk_full 53100),
StorageUnavailable when it is read-only (SQLITE_READONLY, read_only_sql_transaction 25006), unreachable,
busy or failing to read or write. Reads of a read-only database still work; marking a model used (`touch`)
is best effort.

Space can always be freed. A SQLite write first checks that the disk has the room it needs (`_check_room`),
so a large one is refused before it commits into a WAL the database then has no room to take in. A SQLite
database keeps a reserve file of `reserve_bytes` beside it (`<database>.reserve`): a full disk leaves no
room even for a delete, which writes to the WAL too (a few pages: deleted content is zeroed only where that
costs no extra writes, secure_delete=FAST), so a delete that fails for lack of space removes the reserve and
runs again. After every delete the freed pages go back to the file system (`reclaim`: auto_vacuum=
incremental, in steps sized to the room on the disk, each followed by a WAL checkpoint), and the reserve is
made again once there is room (after a later delete or expiry when there is none yet). Creates and saves
never use the reserve. Databases made before auto_vacuum was set keep freed pages inside the file for reuse
(`VACUUM` once converts them)."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import math
import os
import secrets
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import orjson
from sqlalchemy import (
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    bindparam,
    create_engine,
    delete,
    event,
    func,
    insert,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

log = logging.getLogger("backprop_playground.store")
metadata = MetaData()
models = Table(
    "models",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("token_hash", String(64), nullable=False),
    Column("state", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),  # last saved or loaded: last used
    Column("owner", String(64), nullable=True),  # hash of the creating client (absent in older rows)
    Column("revision", Integer, nullable=False, server_default="0"),  # bumped by every save
    Column("state_bytes", Integer, nullable=True),  # the stored state's size (null: saved before it was kept)
)
# A model's metrics history apart from its state, in chunks appended by the saves (`Store.save_over`): a
# save writes only the entries since the last one instead of the whole history (up to thousands of rows).
model_history = Table(
    "model_history",
    metadata,
    Column("model_id", String(64), primary_key=True),
    Column("seq", Integer, primary_key=True, autoincrement=False),  # the chunks' order
    Column("entries", Text, nullable=False),  # a JSON array of history entries
)
Index("models_owner", models.c.owner)
Index("models_owner_bytes", models.c.owner, models.c.state_bytes)  # a client's stored bytes, from the index
Index("models_updated_at", models.c.updated_at)
EXPIRE_BATCH = 1000  # rows one `expire` call deletes at most (short transactions)
# A stream saves its model every few seconds: built once, the statement costs ~0.1 ms a save instead of
# the ~1.5 ms of building and compiling its expression each time (bench/bench_frame_cpu.py).
_SAVE_OVER = (
    update(models)
    .where(models.c.id == bindparam("model_id"), models.c.revision == bindparam("expected"))
    .values(state=bindparam("state"), state_bytes=bindparam("nbytes"), updated_at=bindparam("now"),
            revision=bindparam("next"))
)
_ADD_HISTORY = insert(model_history).values(model_id=bindparam("model_id"), seq=bindparam("seq"),
                                            entries=bindparam("entries"))
_DROP_HISTORY = delete(model_history).where(model_history.c.model_id == bindparam("model_id"))
HISTORY_APART = "history_apart"  # in a stored state: its "history" (this many entries) is in model_history
MAX_CHUNKS = 256  # a history in more chunks is written again as one
MAX_REMEMBERED = 10_000  # models whose last saved history a store remembers (beyond: the next save rewrites)
RECLAIM_MIN_PAGES = 32  # pages a step of giving freed space back moves at least (more when there is room)
WAL_SIZE_LIMIT = 4 << 20  # bytes a SQLite WAL is cut back to when it starts over (journal_size_limit)
ROOM_MARGIN = 256 << 10  # room a write needs beyond its pages (the WAL index, b-tree pages)


def new_id() -> str:
    """An unguessable model id (128 random bits, URL-safe)."""
    return secrets.token_urlsafe(16)


def new_token() -> str:
    """An edit token (256 random bits); only its hash is stored."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """SHA-256 of a token: tokens are random, so a fast hash cannot be brute-forced."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class StoredModel:
    """One row: the model's id, its token hash and its state as saved."""

    id: str
    token_hash: str
    state: dict[str, Any]
    updated_at: datetime
    revision: int = 0

    def accepts(self, token: str | None) -> bool:
        """Whether `token` is this model's edit token (constant-time comparison)."""
        if not token:
            return False
        return hmac.compare_digest(hash_token(token), self.token_hash)


@dataclass(frozen=True)
class _Saved:
    """What a store last wrote (or read) of a model's history: at `revision`, `count` entries of stride
    `stride` in `chunks` chunks of `nbytes` bytes, the last one `last` (the entry itself: a model appends
    new entry objects, so the same object there means the same entries before it)."""

    revision: int
    stride: Any
    count: int
    last: Any
    chunks: int
    nbytes: int


@dataclass(frozen=True)
class _Split:
    """A state as stored: `text` (the state without its history) and the `history` entries (None when the
    state has no history list) of `stride`."""

    text: str
    nbytes: int
    history: list | None
    stride: Any


def _sqlite_engine(url: str) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:" and not database.startswith("file:"):  # not a URI (mode=ro)
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        # Pages deletes free can go back to the file system (Store.reclaim): set as a database is made (an
        # existing one keeps its mode until a VACUUM; setting it there would write, refused read-only).
        if cursor.execute("PRAGMA page_count").fetchone()[0] == 0:
            cursor.execute("PRAGMA auto_vacuum=INCREMENTAL")
        # WAL: readers never block the writer; synchronous=NORMAL survives a process crash (kill -9).
        cursor.execute("PRAGMA journal_mode=WAL")
        # A WAL that grew for a large model is cut back when it starts over, not kept at its largest.
        cursor.execute(f"PRAGMA journal_size_limit={WAL_SIZE_LIMIT}")
        # Deleted content is zeroed only where that costs no extra writes: builds that zero every freed page
        # (secure_delete=ON, e.g. Debian's) make a delete write as much as the model it deletes, which a
        # full disk has no room for.
        cursor.execute("PRAGMA secure_delete=FAST")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return engine


class StaleRevision(RuntimeError):
    """The row was saved by someone else (another replica) since this copy was loaded."""

    def __init__(self, model_id: str, expected: int, found: int) -> None:
        self.found = found
        super().__init__(f"model {model_id} was saved elsewhere (revision {found}, this copy has {expected})")


class StoreFull(RuntimeError):
    """Creating a model would exceed the configured number of stored models."""


class OwnerFull(StoreFull):
    """The creating client already keeps its share of stored models (answered 429)."""


class OwnerBytesFull(OwnerFull):
    """The creating client's stored models with the new one would exceed its share of bytes (answered 429)."""


class StorageError(RuntimeError):
    """The database could not do what was asked: `what` was being done, `reason` says why, for a person;
    a client may retry after `retry_after_s`."""

    def __init__(self, what: str, reason: str, retry_after_s: int = 30) -> None:
        self.what, self.reason, self.retry_after_s = what, reason, retry_after_s
        super().__init__(f"{what}: {reason}")


class NoSpace(StorageError):
    """The database or its disk is full: nothing was written."""


class StorageUnavailable(StorageError):
    """The database is read-only, unreachable, busy or cannot read or write its disk: nothing was written."""


_SQLITE_REASONS: dict[int, tuple[type[StorageError], str, int]] = {  # primary result code →
    sqlite3.SQLITE_FULL: (NoSpace, "the database or its disk is full", 30),
    sqlite3.SQLITE_READONLY: (StorageUnavailable, "the database is read-only", 30),
    sqlite3.SQLITE_BUSY: (StorageUnavailable, "the database is busy", 1),
    sqlite3.SQLITE_LOCKED: (StorageUnavailable, "the database is busy", 1),
    sqlite3.SQLITE_IOERR: (StorageUnavailable, "the database's disk cannot be read or written", 30),
    sqlite3.SQLITE_CANTOPEN: (StorageUnavailable, "the database file cannot be opened", 30),
    sqlite3.SQLITE_PERM: (StorageUnavailable, "the database file may not be written", 30),
    sqlite3.SQLITE_CORRUPT: (StorageUnavailable, "the database file is damaged", 30),
    sqlite3.SQLITE_NOTADB: (StorageUnavailable, "the database file is damaged", 30),
}
_UNREACHABLE = (StorageUnavailable, "the database cannot be reached", 10)
_POSTGRES_REASONS: dict[str, tuple[type[StorageError], str, int]] = {  # SQLSTATE →
    "53100": (NoSpace, "the database or its disk is full", 30),  # disk_full
    "25006": (StorageUnavailable, "the database is read-only", 30),  # read_only_sql_transaction
    "53300": (StorageUnavailable, "the database has no free connection", 1),  # too_many_connections
    "57P01": _UNREACHABLE, "57P02": _UNREACHABLE, "57P03": _UNREACHABLE,  # shut down, starting up
}


def storage_error(exc: BaseException, what: str) -> StorageError | None:
    """The StorageError a database failure means (SQLite and PostgreSQL alike), or None for any other
    failure (a bug, which stays one)."""
    if isinstance(exc, PoolTimeout):
        return StorageUnavailable(what, "every database connection is in use", 1)
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    code = getattr(orig, "sqlite_errorcode", None)
    state = getattr(orig, "sqlstate", None)
    if isinstance(code, int) and code & 0xFF in _SQLITE_REASONS:
        kind, reason, retry = _SQLITE_REASONS[code & 0xFF]
    elif isinstance(state, str) and state in _POSTGRES_REASONS:
        kind, reason, retry = _POSTGRES_REASONS[state]
    elif isinstance(state, str) and state.startswith("08"):  # connection_exception and its kind
        kind, reason, retry = _UNREACHABLE
    elif isinstance(exc, DBAPIError) and (exc.connection_invalidated or (
            isinstance(exc, OperationalError) and code is None and state is None)):
        kind, reason, retry = _UNREACHABLE  # the driver lost or never got its connection
    else:
        return None
    return kind(what, reason, retry)


class Reserve:
    """A file of `size` bytes kept beside the SQLite database, so that a full disk still has room for a
    delete: `release` removes it (a delete that failed for lack of space then runs again), `ensure` makes it
    again when there is room."""

    def __init__(self, path: Path, size: int) -> None:
        self.path, self.size = path, size
        self._missing_said = False

    def ensure(self) -> bool:
        """Whether the reserve is in place, making it if it is not and the disk has room."""
        if self.size <= 0:
            return False
        try:
            if self.path.stat().st_size >= self.size:
                return True
        except FileNotFoundError:
            pass
        try:
            with open(self.path, "wb") as file:
                if hasattr(os, "posix_fallocate"):  # the blocks themselves, not a sparse file
                    os.posix_fallocate(file.fileno(), 0, self.size)
                else:
                    file.write(bytes(self.size))
                file.flush()
                os.fsync(file.fileno())
        except OSError as exc:
            self.path.unlink(missing_ok=True)
            if not self._missing_said:
                log.warning("no room for the disk reserve %s (%d bytes) yet: %s", self.path, self.size, exc)
                self._missing_said = True
            return False
        self._missing_said = False
        return True

    def release(self) -> bool:
        """Remove the reserve; whether there was one to give back."""
        try:
            self.path.unlink()
        except FileNotFoundError:
            return False
        log.warning("the disk reserve %s was given back so that a delete can run", self.path)
        return True


def owner_of(client: str) -> str:
    """What the store keeps of a client key: a hash, not the address."""
    return hashlib.sha256(b"owner:" + client.encode("utf-8")).hexdigest()[:32]


class Store:
    """Create, read, save and delete model rows; each call is one short transaction. Failures of the
    database itself raise StorageError (NoSpace, StorageUnavailable), each logged once."""

    def __init__(self, url: str, max_models: int | None = None, *, ttl_s: float | None = None,
                 max_per_owner: int | None = None, max_bytes_per_owner: int | None = None,
                 reserve_bytes: int = 0) -> None:
        self.max_models = max_models
        self.ttl_s = ttl_s
        self.max_per_owner = max_per_owner
        self.max_bytes_per_owner = max_bytes_per_owner
        self.on_expire: Callable[[list[str]], None] | None = None  # told which ids `expire` deleted
        self._saved: OrderedDict[str, _Saved] = OrderedDict()  # per model: its history as last saved here
        self._saved_lock = threading.Lock()
        self.reserve: Reserve | None = None
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite":
            self.engine = _sqlite_engine(url)
            if parsed.database and parsed.database != ":memory:" and not parsed.database.startswith("file:"):
                database = Path(parsed.database)
                self.reserve = Reserve(database.with_name(database.name + ".reserve"), reserve_bytes)
        else:
            self.engine = create_engine(url, pool_pre_ping=True)
        self._migrate()
        metadata.create_all(self.engine)
        for index in models.indexes:  # a table made before an index existed gets it now
            index.create(self.engine, checkfirst=True)
        if self.reserve is not None:
            self.reserve.ensure()

    @contextmanager
    def _storage(self, what: str, *, retried_if_full: bool = False) -> Iterator[None]:
        """Turn the database's failures into StorageError, logged once (a lack of space not, when the caller
        tries again with more room); after a lack of space, give the WAL's space back (a failed write may
        have grown it)."""
        try:
            yield
        except (DBAPIError, PoolTimeout, sqlite3.Error) as exc:
            error = storage_error(exc, what)
            if error is None:
                raise
            if not (retried_if_full and isinstance(error, NoSpace)):
                log.warning("%s (%s)", error, getattr(exc, "orig", exc))
            if isinstance(error, NoSpace):
                self._checkpoint()
            raise error from exc

    def _checkpoint(self, conn=None) -> bool:
        """(SQLite) Checkpoint the WAL and truncate it to nothing; whether it finished. Best effort: a
        checkpoint that cannot finish now (readers, or no room for the database to grow) leaves the WAL."""
        if self.engine.dialect.name != "sqlite":
            return True
        try:
            if conn is not None:
                return not conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").first()[0]
            with self.engine.connect() as own:
                return not own.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").first()[0]
        except (DBAPIError, PoolTimeout):
            return False

    def reclaim(self) -> None:
        """(SQLite) Give the pages deletes freed back to the file system, then make the reserve again if it
        is missing. With auto_vacuum=incremental, in steps, one transaction each followed by a checkpoint,
        each moving at most a quarter of the pages the disk has room for (a moved page also rewrites its
        pointer-map and parent pages), so a step fits in the room a delete's reserve left; a checkpoint
        writes only the pages the smaller database keeps, and the last one truncates the WAL. Without it
        (a database made before), the WAL alone is checkpointed."""
        if self.engine.dialect.name != "sqlite":
            return
        try:
            with self._storage("giving the space of deleted models back"), self.engine.connect() as conn:
                incremental = conn.exec_driver_sql("PRAGMA auto_vacuum").scalar() == 2
                page_size = conn.exec_driver_sql("PRAGMA page_size").scalar()
                while incremental and (free := conn.exec_driver_sql("PRAGMA freelist_count").scalar()):
                    step = max(RECLAIM_MIN_PAGES, self._room() // page_size // 4)
                    conn.exec_driver_sql("BEGIN IMMEDIATE")
                    try:
                        # One page a statement: the pragma yields a row per page freed, and the driver
                        # resets the statement after the first.
                        for _ in range(min(free, step)):
                            conn.exec_driver_sql("PRAGMA incremental_vacuum(1)")
                    except BaseException:
                        conn.exec_driver_sql("ROLLBACK")
                        raise
                    conn.exec_driver_sql("COMMIT")
                    self._checkpoint(conn)
        except StorageError:
            pass  # logged; the next delete or expiry tries again
        self._checkpoint()
        if self.reserve is not None:
            self.reserve.ensure()

    def _migrate(self) -> None:
        """Add the columns a table made before them lacks (create_all adds no columns)."""
        inspector = inspect(self.engine)
        if not inspector.has_table("models"):
            return
        have = {column["name"] for column in inspector.get_columns("models")}
        # state_bytes stays null in the rows already there: their size is their state's length (`_kept`).
        added = {"owner": "VARCHAR(64)", "revision": "INTEGER NOT NULL DEFAULT 0", "state_bytes": "INTEGER"}
        for name, kind in added.items():
            if name not in have:
                with self.engine.begin() as conn:
                    conn.execute(text(f"ALTER TABLE models ADD COLUMN {name} {kind}"))

    def close(self) -> None:
        self.engine.dispose()

    def create(self, state: dict[str, Any], owner: str | None = None) -> tuple[str, str]:
        """Store a new model; returns its (id, edit_token). When the store is full, expired models go
        first; StoreFull if it stays full, OwnerFull if `owner` already keeps its share of models,
        OwnerBytesFull if its stored bytes with this model would exceed `max_bytes_per_owner`; NoSpace or
        StorageUnavailable if the database cannot take it."""
        split = _split(state)
        chunk = _encoded_entries(split.history) if split.history else None
        try:
            return self._create(split, chunk, owner)
        except OwnerFull:
            raise
        except StoreFull:
            if not self.expire():
                raise
            return self._create(split, chunk, owner)

    def _create(self, split: _Split, chunk: tuple[str, int] | None, owner: str | None) -> tuple[str, str]:
        encoded, nbytes = split.text, split.nbytes + (chunk[1] if chunk else 0)
        model_id, token = new_id(), new_token()
        now = datetime.now(UTC)
        what = "storing a new model"
        with self._storage(what), self.engine.begin() as conn:
            if owner is not None:
                self._check_share(conn, owner, nbytes)
            self._check_room(conn, nbytes, what, grows=True)
            if self.max_models is not None:
                stored = conn.execute(select(func.count()).select_from(models)).scalar_one()
                if stored >= self.max_models:
                    raise StoreFull(
                        f"stored models: the limit of {self.max_models} is reached; "
                        "delete models that are no longer needed"
                    )
            conn.execute(
                insert(models).values(
                    id=model_id,
                    token_hash=hash_token(token),
                    state=encoded,
                    state_bytes=nbytes,
                    created_at=now,
                    updated_at=now,
                    owner=owner,
                )
            )
            if chunk is not None:
                conn.execute(_ADD_HISTORY, {"model_id": model_id, "seq": 0, "entries": chunk[0]})
        self._remember(model_id, split, 0, chunk, None)
        return model_id, token

    def _check_share(self, conn, owner: str, nbytes: int) -> None:
        """(In the create's transaction, before its write.) OwnerFull when `owner` keeps `max_per_owner`
        models, OwnerBytesFull when its stored bytes plus `nbytes` would exceed `max_bytes_per_owner`."""
        if self.max_per_owner is None and self.max_bytes_per_owner is None:
            return
        kept, stored = self._kept(conn, owner)
        if self.max_per_owner is not None and kept >= self.max_per_owner:
            raise OwnerFull(
                f"stored models of this client: the limit of {self.max_per_owner} is reached "
                "(max_models_per_client); delete models that are no longer needed"
            )
        if self.max_bytes_per_owner is not None and stored + nbytes > self.max_bytes_per_owner:
            raise OwnerBytesFull(
                f"stored bytes of this client: {stored:,} stored and {nbytes:,} for this model exceed the "
                f"limit of {self.max_bytes_per_owner:,} (max_model_bytes_per_client); delete models that "
                "are no longer needed"
            )

    def _check_room(self, conn, nbytes: int, what: str, *, grows: bool = False) -> None:
        """(SQLite in a file; before the write.) NoSpace when the disk lacks the room a write of `nbytes`
        needs: the WAL takes its pages once, and a new row (`grows`) may grow the database file by as much
        again, less the pages it has free. Refused here, a large write never commits into a WAL whose
        checkpoint then has no room to grow the database, which would leave even deletes unable to give
        space back."""
        if self.reserve is None:
            return
        need = nbytes + ROOM_MARGIN
        if grows:
            free_pages = conn.exec_driver_sql("PRAGMA freelist_count").scalar()
            need += max(0, nbytes - free_pages * conn.exec_driver_sql("PRAGMA page_size").scalar())
        room = self._room()
        if room < need:
            error = NoSpace(what, f"the disk has {room / 1e6:.1f} MB free and this write needs about "
                                  f"{need / 1e6:.1f} MB")
            log.warning("%s", error)
            raise error

    def _room(self) -> int:
        """Bytes free on the disk of the SQLite database (in a file: where its reserve is kept)."""
        if self.reserve is None:
            return 1 << 40
        disk = os.statvfs(self.reserve.path.parent)
        return disk.f_bavail * disk.f_frsize

    def _kept(self, conn, owner: str) -> tuple[int, int]:
        """How many models `owner` keeps and their stored bytes (from the owner-bytes index; rows stored
        before sizes were kept count their state's length)."""
        sizes = models.c.state_bytes
        count, sized, total = conn.execute(
            select(func.count(), func.count(sizes), func.coalesce(func.sum(sizes), 0))
            .where(models.c.owner == owner)
        ).one()
        if sized < count:
            total += conn.execute(
                select(func.coalesce(func.sum(func.length(models.c.state)), 0))
                .where(models.c.owner == owner, models.c.state_bytes.is_(None))
            ).scalar_one()
        return count, total

    def stored_bytes(self, owner: str) -> int:
        """The bytes of the models `owner` keeps, as the quota counts them."""
        with self._storage("reading a client's stored models"), self.engine.connect() as conn:
            return self._kept(conn, owner)[1]

    def expire(self, now: datetime | None = None) -> int:
        """Delete up to EXPIRE_BATCH models unused for `ttl_s`; returns how many went (0, logged, when the
        database cannot take the delete now: the next run tries again)."""
        if self.ttl_s is None:
            return 0
        cutoff = (now or datetime.now(UTC)) - timedelta(seconds=self.ttl_s)
        try:
            with self._storage("deleting unused models"), self.engine.begin() as conn:
                old = select(models.c.id).where(models.c.updated_at < cutoff).limit(EXPIRE_BATCH)
                ids = list(conn.execute(old).scalars())
                if ids:
                    conn.execute(delete(model_history).where(model_history.c.model_id.in_(ids)))
                    conn.execute(delete(models).where(models.c.id.in_(ids)))
        except StorageError:
            return 0
        if ids:
            for model_id in ids:
                self._forget(model_id)
            self.reclaim()
            if self.on_expire is not None:
                self.on_expire(ids)
        elif self.reserve is not None:
            self.reserve.ensure()
        return len(ids)

    def touch(self, model_id: str) -> None:
        """Mark the model used now (it was loaded), so it does not expire while in use. Best effort: a
        database that takes no write now (logged) does not stop a read."""
        try:
            with self._storage(f"marking model {model_id} used"), self.engine.begin() as conn:
                conn.execute(update(models).where(models.c.id == model_id)
                             .values(updated_at=datetime.now(UTC)))
        except StorageError:
            pass

    def get(self, model_id: str) -> StoredModel | None:
        """The stored row of `model_id`, or None; a history kept apart (model_history) is read back into the
        state's "history", consistent with the row: read again if a save came between the two reads."""
        what = f"reading model {model_id}"
        with self._storage(what), self.engine.connect() as conn:
            for _attempt in range(10):
                row = conn.execute(
                    select(models.c.id, models.c.token_hash, models.c.state, models.c.updated_at,
                           models.c.revision).where(models.c.id == model_id)
                ).first()
                if row is None:
                    self._forget(model_id)
                    return None
                state = json.loads(row.state)
                if not isinstance(state, dict) or HISTORY_APART not in state:
                    self._forget(model_id)  # a row from before (its history inline): its next save rewrites
                    return StoredModel(row.id, row.token_hash, state, row.updated_at, row.revision)
                chunks = conn.execute(
                    select(model_history.c.seq, model_history.c.entries)
                    .where(model_history.c.model_id == model_id).order_by(model_history.c.seq)
                ).all()
                again = conn.execute(select(models.c.revision).where(models.c.id == model_id)).scalar()
                if again == row.revision:
                    break  # no save came between: the chunks are the row's
            else:
                raise StorageUnavailable(what, "the model is being saved too often to read it", 1)
        state.pop(HISTORY_APART)
        texts = [chunk.entries for chunk in chunks]
        history = json.loads("[" + ",".join(t[1:-1] for t in texts if len(t) > 2) + "]")
        state["history"] = history
        nbytes = sum(len(t.encode()) for t in texts)
        self._keep(model_id, _Saved(row.revision, state.get("history_stride"), len(history),
                                    history[-1] if history else None,
                                    chunks[-1].seq + 1 if chunks else 0, nbytes))
        return StoredModel(row.id, row.token_hash, state, row.updated_at, row.revision)

    def revision(self, model_id: str) -> int | None:
        """The row's current revision (one indexed read), or None when the model is gone."""
        with self._storage(f"reading model {model_id}"), self.engine.connect() as conn:
            return conn.execute(select(models.c.revision).where(models.c.id == model_id)).scalar_one_or_none()

    def save(self, model_id: str, state: dict[str, Any]) -> bool:
        """Replace the state atomically whatever its revision (bumped); False when the model no longer
        exists (deleted meanwhile). Live models save with `save_over` instead. Saves are not held to
        `max_bytes_per_owner` (the size they store counts for the owner's next create)."""
        split = _split(state)
        chunk = _encoded_entries(split.history) if split.history else None
        written = split.nbytes + (chunk[1] if chunk else 0)
        what = f"saving model {model_id}"
        self._forget(model_id)  # its new revision is not known here: the next save_over rewrites
        with self._storage(what), self.engine.begin() as conn:
            self._check_room(conn, written, what)
            result = conn.execute(
                update(models)
                .where(models.c.id == model_id)
                .values(state=split.text, state_bytes=written, updated_at=datetime.now(UTC),
                        revision=models.c.revision + 1)
            )
            if result.rowcount == 1:
                conn.execute(_DROP_HISTORY, {"model_id": model_id})
                if chunk is not None:
                    conn.execute(_ADD_HISTORY, {"model_id": model_id, "seq": 0, "entries": chunk[0]})
        return result.rowcount == 1

    def save_over(self, model_id: str, state: dict[str, Any], revision: int) -> int | None:
        """Replace the state if the row is still at `revision` (compare-and-set); returns the new revision,
        None when the model no longer exists, StaleRevision (nothing written) when another writer saved it
        meanwhile.

        The history is written apart, in the same transaction: when this store saved (or read) `revision`
        itself, with the same stride, and the history still holds the last entry it saved, only the entries
        after it are appended as a new chunk; otherwise (thinned, reset, another writer's revision, too many
        chunks) the chunks are written again as one. Only what is written is checked for NaN and Infinity."""
        split = _split(state)
        history = split.history
        saved = self._recall(model_id)
        append = (history is not None and saved is not None and saved.revision == revision
                  and saved.stride == split.stride and saved.chunks < MAX_CHUNKS
                  and len(history) >= saved.count
                  and (saved.count == 0 or history[saved.count - 1] is saved.last))
        new = history[saved.count:] if append else history
        chunk = _encoded_entries(new) if new else None
        written = split.nbytes + (chunk[1] if chunk else 0)
        history_bytes = (saved.nbytes if append else 0) + (chunk[1] if chunk else 0)
        what = f"saving model {model_id}"
        try:
            with self._storage(what), self.engine.begin() as conn:
                self._check_room(conn, written, what)
                result = conn.execute(_SAVE_OVER, {
                    "model_id": model_id, "expected": revision, "state": split.text,
                    "nbytes": split.nbytes + history_bytes, "now": datetime.now(UTC), "next": revision + 1})
                saved_over = result.rowcount == 1
                if saved_over:
                    if not append:
                        conn.execute(_DROP_HISTORY, {"model_id": model_id})
                    if chunk is not None:
                        seq = saved.chunks if append else 0
                        conn.execute(_ADD_HISTORY, {"model_id": model_id, "seq": seq, "entries": chunk[0]})
                else:
                    found = conn.execute(select(models.c.revision).where(models.c.id == model_id)).scalar()
        except BaseException:
            self._forget(model_id)  # nothing was written; the next save rewrites
            raise
        if saved_over:
            self._remember(model_id, split, revision + 1, chunk, saved if append else None)
            return revision + 1
        self._forget(model_id)
        if found is None:
            return None
        raise StaleRevision(model_id, revision, found)

    def delete(self, model_id: str) -> bool:
        """Remove the model; False when there was none. On a full disk the reserve is given back for it;
        the freed space then goes back to the file system (`reclaim`)."""
        has_reserve = self.reserve is not None and self.reserve.path.exists()
        try:
            deleted = self._delete(model_id, retried_if_full=has_reserve)
        except NoSpace:
            if self.reserve is None or not self.reserve.release():
                raise
            deleted = self._delete(model_id)
        if deleted:
            self.reclaim()
        return deleted

    def _delete(self, model_id: str, retried_if_full: bool = False) -> bool:
        what = f"deleting model {model_id}"
        with self._storage(what, retried_if_full=retried_if_full), self.engine.begin() as conn:
            conn.execute(_DROP_HISTORY, {"model_id": model_id})
            result = conn.execute(delete(models).where(models.c.id == model_id))
        self._forget(model_id)
        return result.rowcount == 1

    # ---- what this store last saved of each model's history ----
    def _recall(self, model_id: str) -> _Saved | None:
        with self._saved_lock:
            return self._saved.get(model_id)

    def _keep(self, model_id: str, saved: _Saved) -> None:
        with self._saved_lock:
            self._saved[model_id] = saved
            self._saved.move_to_end(model_id)
            while len(self._saved) > MAX_REMEMBERED:
                self._saved.popitem(last=False)

    def _forget(self, model_id: str) -> None:
        with self._saved_lock:
            self._saved.pop(model_id, None)

    def _remember(self, model_id: str, split: _Split, revision: int, chunk: tuple[str, int] | None,
                  before: _Saved | None) -> None:
        """After a write of `revision`: its history is the chunks `before` (if appended to) plus `chunk`."""
        history = split.history
        if history is None:
            self._forget(model_id)
            return
        chunks = (before.chunks if before else 0) + (chunk is not None)
        nbytes = (before.nbytes if before else 0) + (chunk[1] if chunk else 0)
        self._keep(model_id, _Saved(revision, split.stride, len(history), history[-1] if history else None,
                                    chunks, nbytes))


def _split(state: dict[str, Any]) -> _Split:
    """The state to store in its row (its history list, if any, replaced by HISTORY_APART: the entry count),
    encoded, and the history to store apart."""
    history = state.get("history")
    if not isinstance(history, list):
        text, nbytes = _encoded(state)
        return _Split(text, nbytes, None, None)
    rest = {key: value for key, value in state.items() if key != "history"}
    rest[HISTORY_APART] = len(history)
    text, nbytes = _encoded(rest)
    return _Split(text, nbytes, history, state.get("history_stride"))


def _encoded_entries(entries: list) -> tuple[str, int]:
    """A chunk of history entries as stored (a JSON array) and its size in bytes."""
    return _encoded(entries)


def _encoded(state: Any) -> tuple[str, int]:
    """The state as stored (JSON text) and its size in bytes."""
    # orjson writes a state ~9x faster (a stream saves its model, history included, every few seconds);
    # but it writes NaN and Infinity as null, so a state with any null is checked for them and, if it
    # has one, written by the standard library, which keeps them as JSON extensions: a diverged model
    # reloads exactly as it was. Both write floats as the shortest text that reads back to the same double.
    # The standard library also writes what orjson refuses (an integer beyond 64 bits); its text is ASCII.
    try:
        raw: bytes | None = orjson.dumps(state, option=orjson.OPT_SERIALIZE_NUMPY, default=_plain)
    except orjson.JSONEncodeError:
        raw = None
    if raw is None or (b"null" in raw and _has_non_finite(state)):
        written = json.dumps(state, separators=(",", ":"), default=_plain)
        return written, len(written)
    return raw.decode(), len(raw)


def _has_non_finite(value: Any) -> bool:
    """Whether a NaN or an Infinity is anywhere in `value` (JSON-able data, NumPy arrays in it)."""
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, dict):
        values: Any = value.values()
    elif isinstance(value, list | tuple):
        if len(value) > 64 and type(value[0]) in (float, list):  # many numbers: checked in C
            try:
                array = np.array(value, dtype=np.float64)
            except (ValueError, TypeError):  # ragged or not numbers: one by one
                pass
            else:
                if np.isfinite(array).all():
                    return False  # (a None reads as NaN there: then the loop below decides)
        values = value
    elif hasattr(value, "dtype") and value.dtype.kind == "f":
        return not bool(np.isfinite(value).all())
    else:
        return False
    for item in values:
        kind = type(item)
        if kind is float:
            if item - item != 0.0:  # NaN or ±Infinity (x - x is 0.0 for every finite x)
                return True
        elif kind not in _SCALARS and _has_non_finite(item):
            return True
    return False


_SCALARS = frozenset({int, str, bool, type(None)})


def _plain(value: Any) -> Any:
    if hasattr(value, "tolist"):  # NumPy arrays and scalars that slipped into a state
        return value.tolist()
    raise TypeError(f"cannot store a {type(value).__name__} in a model state")
