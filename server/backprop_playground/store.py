"""Durable models: one table of (id, token hash, state JSON), SQLite by default, PostgreSQL by URL.

Every save bumps the row's `revision`; a live copy saves only over the revision it loaded (compare-and-set),
so replicas sharing one database never interleave their writes to a model: the loser gets StaleRevision
and reloads instead of overwriting.

Models unused for `ttl_s` expire (deleted by `expire`, which the server runs now and then and whenever the
store is full); each model remembers a hash of the client that created it (`owner`), so one client can
keep at most `max_per_owner` of them."""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import secrets
from collections.abc import Callable
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
)
Index("models_owner", models.c.owner)
Index("models_updated_at", models.c.updated_at)
EXPIRE_BATCH = 1000  # rows one `expire` call deletes at most (short transactions)
# A stream saves its model every few seconds: built once, the statement costs ~0.1 ms a save instead of
# the ~1.5 ms of building and compiling its expression each time (bench/bench_frame_cpu.py).
_SAVE_OVER = (
    update(models)
    .where(models.c.id == bindparam("model_id"), models.c.revision == bindparam("expected"))
    .values(state=bindparam("state"), updated_at=bindparam("now"), revision=bindparam("next"))
)


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


def _sqlite_engine(url: str) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        # WAL: readers never block the writer; synchronous=NORMAL survives a process crash (kill -9).
        cursor.execute("PRAGMA journal_mode=WAL")
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


def owner_of(client: str) -> str:
    """What the store keeps of a client key: a hash, not the address."""
    return hashlib.sha256(b"owner:" + client.encode("utf-8")).hexdigest()[:32]


class Store:
    """Create, read, save and delete model rows; each call is one short transaction."""

    def __init__(self, url: str, max_models: int | None = None, *, ttl_s: float | None = None,
                 max_per_owner: int | None = None) -> None:
        self.max_models = max_models
        self.ttl_s = ttl_s
        self.max_per_owner = max_per_owner
        self.on_expire: Callable[[list[str]], None] | None = None  # told which ids `expire` deleted
        if make_url(url).get_backend_name() == "sqlite":
            self.engine = _sqlite_engine(url)
        else:
            self.engine = create_engine(url, pool_pre_ping=True)
        self._migrate()
        metadata.create_all(self.engine)
        for index in models.indexes:  # a table made before an index existed gets it now
            index.create(self.engine, checkfirst=True)

    def _migrate(self) -> None:
        """Add the columns a table made before them lacks (create_all adds no columns)."""
        inspector = inspect(self.engine)
        if not inspector.has_table("models"):
            return
        have = {column["name"] for column in inspector.get_columns("models")}
        added = {"owner": "VARCHAR(64)", "revision": "INTEGER NOT NULL DEFAULT 0"}
        for name, kind in added.items():
            if name not in have:
                with self.engine.begin() as conn:
                    conn.execute(text(f"ALTER TABLE models ADD COLUMN {name} {kind}"))

    def close(self) -> None:
        self.engine.dispose()

    def create(self, state: dict[str, Any], owner: str | None = None) -> tuple[str, str]:
        """Store a new model; returns its (id, edit_token). When the store is full, expired models go
        first; StoreFull if it stays full, OwnerFull if `owner` already keeps its share."""
        try:
            return self._create(state, owner)
        except OwnerFull:
            raise
        except StoreFull:
            if not self.expire():
                raise
            return self._create(state, owner)

    def _create(self, state: dict[str, Any], owner: str | None) -> tuple[str, str]:
        model_id, token = new_id(), new_token()
        now = datetime.now(UTC)
        with self.engine.begin() as conn:
            if self.max_per_owner is not None and owner is not None:
                kept = conn.execute(
                    select(func.count()).select_from(models).where(models.c.owner == owner)
                ).scalar_one()
                if kept >= self.max_per_owner:
                    raise OwnerFull(
                        f"stored models of this client: the limit of {self.max_per_owner} is reached "
                        "(max_models_per_client); delete models that are no longer needed"
                    )
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
                    state=_dumps(state),
                    created_at=now,
                    updated_at=now,
                    owner=owner,
                )
            )
        return model_id, token

    def expire(self, now: datetime | None = None) -> int:
        """Delete up to EXPIRE_BATCH models unused for `ttl_s`; returns how many went."""
        if self.ttl_s is None:
            return 0
        cutoff = (now or datetime.now(UTC)) - timedelta(seconds=self.ttl_s)
        with self.engine.begin() as conn:
            old = select(models.c.id).where(models.c.updated_at < cutoff).limit(EXPIRE_BATCH)
            ids = list(conn.execute(old).scalars())
            if ids:
                conn.execute(delete(models).where(models.c.id.in_(ids)))
        if ids and self.on_expire is not None:
            self.on_expire(ids)
        return len(ids)

    def touch(self, model_id: str) -> None:
        """Mark the model used now (it was loaded), so it does not expire while in use."""
        with self.engine.begin() as conn:
            conn.execute(update(models).where(models.c.id == model_id).values(updated_at=datetime.now(UTC)))

    def get(self, model_id: str) -> StoredModel | None:
        """The stored row of `model_id`, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(models.c.id, models.c.token_hash, models.c.state, models.c.updated_at,
                       models.c.revision).where(models.c.id == model_id)
            ).first()
        if row is None:
            return None
        return StoredModel(row.id, row.token_hash, json.loads(row.state), row.updated_at, row.revision)

    def revision(self, model_id: str) -> int | None:
        """The row's current revision (one indexed read), or None when the model is gone."""
        with self.engine.connect() as conn:
            return conn.execute(select(models.c.revision).where(models.c.id == model_id)).scalar_one_or_none()

    def save(self, model_id: str, state: dict[str, Any]) -> bool:
        """Replace the state atomically whatever its revision (bumped); False when the model no longer
        exists (deleted meanwhile). Live models save with `save_over` instead."""
        with self.engine.begin() as conn:
            result = conn.execute(
                update(models)
                .where(models.c.id == model_id)
                .values(state=_dumps(state), updated_at=datetime.now(UTC), revision=models.c.revision + 1)
            )
        return result.rowcount == 1

    def save_over(self, model_id: str, state: dict[str, Any], revision: int) -> int | None:
        """Replace the state if the row is still at `revision` (compare-and-set); returns the new revision,
        None when the model no longer exists, StaleRevision when another writer saved it meanwhile."""
        with self.engine.begin() as conn:
            result = conn.execute(_SAVE_OVER, {"model_id": model_id, "expected": revision,
                                               "state": _dumps(state), "now": datetime.now(UTC),
                                               "next": revision + 1})
            if result.rowcount == 1:
                return revision + 1
            found = conn.execute(select(models.c.revision).where(models.c.id == model_id)).scalar()
        if found is None:
            return None
        raise StaleRevision(model_id, revision, found)

    def delete(self, model_id: str) -> bool:
        """Remove the model; False when there was none."""
        with self.engine.begin() as conn:
            result = conn.execute(delete(models).where(models.c.id == model_id))
        return result.rowcount == 1


def _dumps(state: dict[str, Any]) -> str:
    # orjson writes a state ~9x faster (a stream saves its model, history included, every few seconds);
    # but it writes NaN and Infinity as null, so a state with any null is checked for them and, if it
    # has one, written by the standard library, which keeps them as JSON extensions: a diverged model
    # reloads exactly as it was. Both write floats as the shortest text that reads back to the same double.
    raw = orjson.dumps(state, option=orjson.OPT_SERIALIZE_NUMPY, default=_plain)
    if b"null" in raw and _has_non_finite(state):
        return json.dumps(state, separators=(",", ":"), default=_plain)
    return raw.decode()


def _has_non_finite(value: Any) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, dict):
        return any(_has_non_finite(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_has_non_finite(v) for v in value)
    if hasattr(value, "dtype") and value.dtype.kind == "f":
        return not bool(np.isfinite(value).all())
    return False


def _plain(value: Any) -> Any:
    if hasattr(value, "tolist"):  # NumPy arrays and scalars that slipped into a state
        return value.tolist()
    raise TypeError(f"cannot store a {type(value).__name__} in a model state")
