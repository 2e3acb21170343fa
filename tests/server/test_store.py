import json
import math
import threading

import pytest
from sqlalchemy import text

from backprop_playground.store import StaleRevision, Store, hash_token

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


# ---- the history apart: appended by saves, read back whole ----
def _entries(first: int, last: int, stride: int = 1) -> list[dict]:
    return [{"step": s, "loss": 1.0 / s, "accuracy": None} for s in range(first, last + 1) if s % stride == 0]


def _chunks(store, model_id: str) -> list[str]:
    with store.engine.connect() as conn:
        return list(conn.execute(text("SELECT entries FROM model_history WHERE model_id = :i ORDER BY seq"),
                                 {"i": model_id}).scalars())


def _row(store, model_id: str):
    with store.engine.connect() as conn:
        return conn.execute(text("SELECT state, state_bytes FROM models WHERE id = :i"),
                            {"i": model_id}).one()


def test_a_save_appends_only_the_history_since_the_last_one(store):
    history = _entries(1, 3)
    state = {**STATE, "history": history, "history_stride": 1}
    model_id, _ = store.create(state)
    history = history + _entries(4, 5)  # the same entries, then new ones (as a model's to_state gives)
    assert store.save_over(model_id, {**state, "history": history}, 0) == 1
    history = history + _entries(6, 6)
    assert store.save_over(model_id, {**state, "history": history}, 1) == 2
    chunks = _chunks(store, model_id)
    assert [len(json.loads(c)) for c in chunks] == [3, 2, 1]
    row = _row(store, model_id)
    assert "history" not in json.loads(row.state)  # the row holds the rest of the state
    assert row.state_bytes == len(row.state) + sum(len(c) for c in chunks)  # quotas count the history
    assert store.save_over(model_id, {**state, "history": history}, 2) == 3  # nothing new: no chunk
    assert len(_chunks(store, model_id)) == 3
    assert store.get(model_id).state == {**state, "history": _entries(1, 6)}


def test_a_thinned_reset_or_unknown_history_is_written_again(store):
    state = {**STATE, "history": _entries(1, 4), "history_stride": 1}
    model_id, _ = store.create(state)
    thinned = {**state, "history": _entries(1, 8, 2), "history_stride": 2}
    assert store.save_over(model_id, thinned, 0) == 1
    assert [len(json.loads(c)) for c in _chunks(store, model_id)] == [4]
    reset = {**state, "history": _entries(1, 6), "history_stride": 1}  # new entries, longer than before
    assert store.save_over(model_id, reset, 1) == 2
    assert [len(json.loads(c)) for c in _chunks(store, model_id)] == [6]
    other = Store(str(store.engine.url.render_as_string(hide_password=False)))  # remembers nothing
    try:
        assert other.save_over(model_id, {**state, "history": _entries(1, 7)}, 2) == 3
        assert [len(json.loads(c)) for c in _chunks(store, model_id)] == [7]
        assert store.get(model_id).state["history"] == _entries(1, 7)
    finally:
        other.close()


def test_a_history_in_many_chunks_is_written_again_as_one(store, monkeypatch):
    from backprop_playground import store as store_module

    monkeypatch.setattr(store_module, "MAX_CHUNKS", 3)
    history: list[dict] = []
    model_id, _ = store.create({**STATE, "history": history})
    for revision in range(5):
        history = history + _entries(revision + 1, revision + 1)
        store.save_over(model_id, {**STATE, "history": history}, revision)
    assert [len(json.loads(c)) for c in _chunks(store, model_id)] == [4, 1]
    assert store.get(model_id).state["history"] == _entries(1, 5)


def test_a_stale_revision_writes_no_history_and_a_reader_appends_after_it(database_url):
    first, second = Store(database_url), Store(database_url)
    try:
        history = _entries(1, 2)
        model_id, _ = first.create({**STATE, "history": history})
        loaded = second.get(model_id)
        assert loaded.state["history"] == history
        history = history + _entries(3, 4)
        assert first.save_over(model_id, {**STATE, "history": history}, 0) == 1
        theirs = loaded.state["history"] + _entries(3, 3)
        with pytest.raises(StaleRevision):
            second.save_over(model_id, {**STATE, "history": theirs}, 0)
        assert [len(json.loads(c)) for c in _chunks(first, model_id)] == [2, 2]  # nothing written
        again = second.get(model_id)  # the replica reloads, then appends to what it read
        mine = again.state["history"] + _entries(5, 5)
        assert second.save_over(model_id, {**STATE, "history": mine}, again.revision) == 2
        assert [len(json.loads(c)) for c in _chunks(first, model_id)] == [2, 2, 1]
        with pytest.raises(StaleRevision):  # and the first store's copy is stale now
            first.save_over(model_id, {**STATE, "history": history + _entries(5, 6)}, 1)
        assert first.get(model_id).state["history"] == _entries(1, 5)
    finally:
        first.close()
        second.close()


def test_non_finite_history_entries_round_trip(store):
    history = [{"step": 1, "loss": 0.5, "accuracy": None}]
    model_id, _ = store.create({**STATE, "history": history})
    history = history + [{"step": 2, "loss": math.nan, "accuracy": math.inf},
                         {"step": 3, "loss": -math.inf, "accuracy": None}]
    store.save_over(model_id, {**STATE, "history": history}, 0)
    back = store.get(model_id).state["history"]
    assert math.isnan(back[1]["loss"]) and back[1]["accuracy"] == math.inf and back[2]["loss"] == -math.inf
    assert back[0] == history[0] and back[2]["accuracy"] is None


def test_an_old_row_with_its_history_inline_loads_and_is_converted_at_its_next_save(store):
    model_id, _ = store.create(STATE)
    old = {**STATE, "history": _entries(1, 3), "history_stride": 1}
    with store.engine.begin() as conn:  # as saved before the history was kept apart
        conn.execute(text("UPDATE models SET state = :s, state_bytes = NULL, revision = 4 WHERE id = :i"),
                     {"s": json.dumps(old), "i": model_id})
    loaded = store.get(model_id)
    assert loaded.state == old and loaded.revision == 4
    history = loaded.state["history"] + _entries(4, 4)
    assert store.save_over(model_id, {**old, "history": history}, 4) == 5
    assert [len(json.loads(c)) for c in _chunks(store, model_id)] == [4]
    assert store.get(model_id).state["history"] == _entries(1, 4)


def test_deleting_or_expiring_a_model_deletes_its_history(database_url):
    from datetime import UTC, datetime, timedelta

    store = Store(database_url, ttl_s=3600)
    try:
        deleted, _ = store.create({**STATE, "history": _entries(1, 3)})
        expired, _ = store.create({**STATE, "history": _entries(1, 3)})
        assert store.delete(deleted)
        with store.engine.begin() as conn:
            conn.execute(text("UPDATE models SET updated_at = :t WHERE id = :i"),
                         {"t": datetime.now(UTC) - timedelta(days=1), "i": expired})
        assert store.expire() >= 1
        assert _chunks(store, deleted) == [] and _chunks(store, expired) == []
    finally:
        store.close()


def test_a_client_s_stored_bytes_count_the_history(tmp_path):
    from backprop_playground.store import OwnerBytesFull

    store = Store(f"sqlite:///{tmp_path / 'models.db'}", max_bytes_per_owner=20_000)
    try:
        history = _entries(1, 10)
        model_id, _ = store.create({**STATE, "history": history}, "owner")
        history = history + _entries(11, 400)
        store.save_over(model_id, {**STATE, "history": history}, 0)
        assert store.stored_bytes("owner") == _row(store, model_id).state_bytes > 10_000
        with pytest.raises(OwnerBytesFull):
            store.create({**STATE, "history": _entries(1, 200)}, "owner")
    finally:
        store.close()
