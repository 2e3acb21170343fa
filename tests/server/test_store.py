import math
import threading

import pytest
from sqlalchemy import text

from backprop_playground.store import Store, hash_token

STATE = {"spec": {"name": "xor"}, "step": 3, "params": [[1.0, -2.0]]}


def test_created_model_reads_back_with_its_state(store):
    model_id, _ = store.create(STATE)
    assert store.get(model_id).state == STATE


def test_ids_and_tokens_are_long_random_and_distinct(store):
    pairs = [store.create(STATE) for _ in range(20)]
    ids, tokens = zip(*pairs, strict=True)
    assert len(set(ids)) == 20 and len(set(tokens)) == 20
    assert all(len(i) >= 22 and len(t) >= 43 for i, t in pairs)
    assert not set(ids) & set(tokens)


def test_only_the_token_hash_is_stored(store):
    model_id, token = store.create(STATE)
    with store.engine.connect() as conn:
        stored = conn.execute(text("SELECT token_hash FROM models WHERE id = :i"), {"i": model_id}).scalar()
    assert stored == hash_token(token) and token not in stored


def test_token_accepted_only_for_its_own_model(store):
    first, first_token = store.create(STATE)
    second, second_token = store.create(STATE)
    assert store.get(first).accepts(first_token)
    assert not store.get(first).accepts(second_token)
    assert not store.get(second).accepts(first_token)
    assert not store.get(first).accepts("")
    assert not store.get(first).accepts(None)


def test_save_replaces_state(store):
    model_id, _ = store.create(STATE)
    assert store.save(model_id, {**STATE, "step": 10})
    assert store.get(model_id).state["step"] == 10


def test_non_finite_numbers_survive_a_save(store):
    model_id, _ = store.create(STATE)
    store.save(model_id, {"params": [math.nan, math.inf, -math.inf]})
    nan, inf, neg = store.get(model_id).state["params"]
    assert math.isnan(nan) and inf == math.inf and neg == -math.inf


def test_delete_removes_and_later_saves_report_it(store):
    model_id, _ = store.create(STATE)
    assert store.delete(model_id)
    assert store.get(model_id) is None
    assert not store.save(model_id, STATE)
    assert not store.delete(model_id)


def test_unknown_id_is_none(store):
    assert store.get("no-such-model") is None


def test_state_survives_reopening_the_database(database_url):
    first = Store(database_url)
    model_id, token = first.create(STATE)
    first.close()
    again = Store(database_url)
    try:
        assert again.get(model_id).state == STATE and again.get(model_id).accepts(token)
    finally:
        again.close()


def test_sqlite_runs_in_wal_mode(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'sub' / 'models.db'}")
    with store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    store.close()


def test_concurrent_saves_leave_one_whole_state(store):
    model_id, _ = store.create(STATE)

    def writer(k: int) -> None:
        for i in range(10):
            store.save(model_id, {"writer": k, "i": i, "params": [k] * 100})

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    state = store.get(model_id).state
    assert state["params"] == [state["writer"]] * 100 and state["i"] == 9


def test_unused_models_expire_and_touched_ones_stay(database_url):
    from datetime import UTC, datetime, timedelta

    store = Store(database_url, ttl_s=3600)
    try:
        unused, _ = store.create(STATE)
        used, _ = store.create(STATE)
        later = datetime.now(UTC) + timedelta(seconds=1800)
        store.expire(later)  # the database may hold older models of other tests (or of earlier runs)
        assert store.get(unused) is not None and store.get(used) is not None  # both younger than the TTL
        with store.engine.begin() as conn:
            conn.execute(text("UPDATE models SET updated_at = :t WHERE id IN (:a, :b)"),
                         {"t": datetime.now(UTC) - timedelta(seconds=7200), "a": unused, "b": used})
        store.touch(used)
        assert store.expire() >= 1
        assert store.get(unused) is None and store.get(used) is not None
    finally:
        store.close()


def test_a_full_store_makes_room_from_expired_models_first(tmp_path):
    from datetime import UTC, datetime, timedelta

    from backprop_playground.store import StoreFull

    store = Store(f"sqlite:///{tmp_path / 'full.db'}", max_models=2, ttl_s=3600)
    try:
        old, _ = store.create(STATE)
        store.create(STATE)
        with pytest.raises(StoreFull):
            store.create(STATE)
        with store.engine.begin() as conn:
            conn.execute(text("UPDATE models SET updated_at = :t WHERE id = :i"),
                         {"t": datetime.now(UTC) - timedelta(days=1), "i": old})
        new, _ = store.create(STATE)
    finally:
        store.close()
    assert new != old


def test_a_client_keeps_at_most_its_share_of_models(database_url):
    import secrets

    from backprop_playground.store import OwnerFull, owner_of

    store = Store(database_url, max_per_owner=2)
    greedy, modest = owner_of(secrets.token_hex(4)), owner_of(secrets.token_hex(4))
    try:
        first, _ = store.create(STATE, greedy)
        store.create(STATE, greedy)
        with pytest.raises(OwnerFull, match="max_models_per_client"):
            store.create(STATE, greedy)
        assert store.create(STATE, modest)
        store.delete(first)
        assert store.create(STATE, greedy)  # deleting one frees its place
    finally:
        store.close()


def test_a_table_from_before_owners_gets_the_column(tmp_path):
    import sqlite3

    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE models (id VARCHAR(64) PRIMARY KEY, token_hash VARCHAR(64) NOT NULL, "
                     "state TEXT NOT NULL, created_at DATETIME NOT NULL, updated_at DATETIME NOT NULL)")
        conn.execute("INSERT INTO models VALUES ('old', 'h', '{}', '2026-01-01 00:00:00', "
                     "'2026-01-01 00:00:00')")
    store = Store(f"sqlite:///{path}", max_per_owner=5)
    try:
        assert store.get("old").state == {}
        assert store.create(STATE, "someone")
    finally:
        store.close()
