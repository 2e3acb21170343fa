"""The store when its database cannot write: a full disk or database, a read-only or unreachable one, on
SQLite and PostgreSQL; the per-client byte quota; the reserve file and giving deleted models' space back."""

from __future__ import annotations

import os
import secrets
import sqlite3
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from sqlalchemy import event, inspect, text
from sqlalchemy.exc import DBAPIError

from backprop_playground.store import (
    NoSpace,
    OwnerBytesFull,
    OwnerFull,
    StorageUnavailable,
    Store,
    storage_error,
)
from tests.storage_faults import make_read_only, on_every_connection, page_count

SMALL = {"spec": {"name": "xor"}, "step": 0, "params": [[1.0, -2.0]]}


def big_state(megabytes: float) -> dict:
    """A state of about `megabytes` MB as stored."""
    return {"spec": {"name": "big"}, "step": 0, "params": [[0.123456789] * int(megabytes * 1e6 / 12)]}


@pytest.mark.parametrize(("orig", "kind", "reason"), [
    (psycopg.errors.DiskFull("could not extend file: No space left on device"), NoSpace, "full"),
    (psycopg.errors.ReadOnlySqlTransaction("cannot execute INSERT in a read-only transaction"),
     StorageUnavailable, "read-only"),
    (psycopg.errors.AdminShutdown("terminating connection"), StorageUnavailable, "cannot be reached"),
    (psycopg.OperationalError("connection refused"), StorageUnavailable, "cannot be reached"),
    (psycopg.errors.TooManyConnections("too many clients"), StorageUnavailable, "no free connection"),
])
def test_postgresql_failures_map_as_sqlite_ones_do(orig, kind, reason):
    wrapped = DBAPIError.instance("INSERT …", {}, orig, psycopg.Error)
    error = storage_error(wrapped, "storing a new model")
    assert type(error) is kind and reason in str(error) and str(error).startswith("storing a new model: ")


def test_other_database_errors_stay_errors():
    duplicate = psycopg.errors.UniqueViolation("duplicate key")
    unique = DBAPIError.instance("INSERT …", {}, duplicate, psycopg.Error)
    assert storage_error(unique, "storing a new model") is None
    assert storage_error(ValueError("not a database error"), "x") is None


def test_a_database_grown_to_max_page_count_is_full_and_a_delete_makes_room(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'models.db'}")
    first, _ = store.create(big_state(1))
    on_every_connection(store, f"PRAGMA max_page_count={page_count(store) + 16}")
    with pytest.raises(NoSpace, match="the database or its disk is full"):
        store.create(big_state(1))
    assert store.delete(first)
    second, _ = store.create(big_state(1))  # in the pages the delete freed
    assert store.get(second) is not None
    store.close()


def test_reads_work_on_a_read_only_database_and_writes_say_why(database_url):
    store = Store(database_url, ttl_s=1)
    model_id, _ = store.create(SMALL)
    make_read_only(store)
    assert store.get(model_id).state == SMALL
    store.touch(model_id)  # best effort: a read does not fail for it
    for write in (lambda: store.create(SMALL), lambda: store.save(model_id, SMALL),
                  lambda: store.delete(model_id)):
        with pytest.raises(StorageUnavailable, match="the database is read-only") as caught:
            write()
        assert caught.value.retry_after_s > 0
    later = datetime.now(UTC) + timedelta(days=1)
    assert store.expire(later) == 0 and store.get(model_id)  # the sweeper carries on
    store.close()


def test_an_unreachable_database_is_unavailable(database_url):
    store = Store(database_url)
    model_id, _ = store.create(SMALL)
    dbapi = store.engine.dialect.dbapi

    def refuse(*_args, **_kwargs):
        raise dbapi.OperationalError("connection refused")

    event.listen(store.engine, "do_connect", refuse)
    store.engine.dispose()
    with pytest.raises(StorageUnavailable, match="the database cannot be reached"):
        store.get(model_id)
    with pytest.raises(StorageUnavailable, match="the database cannot be reached"):
        store.create(SMALL)
    store.close()


def test_a_sqlite_database_opened_read_only(tmp_path):
    path = tmp_path / "models.db"
    writable = Store(f"sqlite:///{path}")
    model_id, _ = writable.create(SMALL)
    writable.close()
    store = Store(f"sqlite:///file:{path}?mode=ro&uri=true")
    assert store.get(model_id).state == SMALL
    with pytest.raises(StorageUnavailable, match="read-only"):
        store.create(SMALL)
    store.close()


def test_a_client_keeps_at_most_its_share_of_bytes(database_url):
    store = Store(database_url, max_bytes_per_owner=300_000)
    owner, other = secrets.token_hex(8), secrets.token_hex(8)
    first, _ = store.create(big_state(0.1), owner)
    store.create(big_state(0.1), owner)
    with pytest.raises(OwnerBytesFull, match=r"exceed the limit of 300,000 \(max_model_bytes_per_client\)"):
        store.create(big_state(0.15), owner)
    assert isinstance(OwnerBytesFull("x"), OwnerFull)  # answered like the share of models: 429
    store.create(big_state(0.15), other)  # another client's share is its own
    store.delete(first)
    third, _ = store.create(big_state(0.15), owner)
    # A save is never refused for the share (the training it keeps was done); its size counts next time.
    store.save(third, big_state(0.3))
    assert store.stored_bytes(owner) > 300_000
    with pytest.raises(OwnerBytesFull):
        store.create(SMALL, owner)
    store.close()


def test_the_stored_size_is_kept_per_row(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'models.db'}")
    model_id, _ = store.create(big_state(0.05), "owner")
    with store.engine.connect() as conn:
        size, length = conn.execute(text("SELECT state_bytes, length(state) FROM models WHERE id = :i"),
                                    {"i": model_id}).one()
    assert size == length > 50_000 and store.stored_bytes("owner") == size
    store.close()


def test_a_table_from_before_sizes_gets_the_column_and_old_rows_count_their_length(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    with sqlite3.connect(tmp_path / "old.db") as old:
        old.execute("CREATE TABLE models (id VARCHAR(64) PRIMARY KEY, token_hash VARCHAR(64) NOT NULL, "
                    "state TEXT NOT NULL, created_at DATETIME NOT NULL, updated_at DATETIME NOT NULL, "
                    "owner VARCHAR(64), revision INTEGER NOT NULL DEFAULT 0)")
        old.execute("INSERT INTO models VALUES ('old', 'hash', :state, '2026-01-01', '2026-01-01', 'o', 0)",
                    {"state": "x" * 5000})
    store = Store(url, max_bytes_per_owner=6000)
    assert "state_bytes" in {c["name"] for c in inspect(store.engine).get_columns("models")}
    assert "models_owner_bytes" in {i["name"] for i in inspect(store.engine).get_indexes("models")}
    assert store.stored_bytes("o") == 5000
    with pytest.raises(OwnerBytesFull):
        store.create(big_state(0.01), "o")
    store.close()


def test_a_delete_on_a_full_disk_uses_the_reserve_and_makes_it_again(tmp_path, monkeypatch):
    store = Store(f"sqlite:///{tmp_path / 'models.db'}", reserve_bytes=1 << 20)
    reserve = tmp_path / "models.db.reserve"
    assert reserve.stat().st_size == 1 << 20
    model_id, _ = store.create(SMALL)
    real_delete = Store._delete
    calls = []

    def full_once(self, model_id, retried_if_full=False):  # the disk is full until the reserve goes
        calls.append(reserve.exists())
        if reserve.exists():
            raise NoSpace(f"deleting model {model_id}", "the database or its disk is full")
        return real_delete(self, model_id, retried_if_full)

    monkeypatch.setattr(Store, "_delete", full_once)
    assert store.delete(model_id)
    assert calls == [True, False]  # failed with the reserve in place, then ran without it
    assert reserve.stat().st_size == 1 << 20  # made again once the space came back
    store.close()


def test_a_delete_gives_the_space_back_to_the_file_system(tmp_path):
    path = tmp_path / "models.db"
    store = Store(f"sqlite:///{path}")
    kept, _ = store.create(SMALL)
    big = [store.create(big_state(1))[0] for _ in range(3)]
    grown = os.path.getsize(path) + os.path.getsize(f"{path}-wal")
    for model_id in big:
        assert store.delete(model_id)
    shrunk = os.path.getsize(path) + os.path.getsize(f"{path}-wal")
    assert shrunk < grown - 2_500_000 and store.get(kept).state == SMALL
    store.close()
