"""Durable rooms: a room outlives its process in the database, and its seq never goes backwards."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import create_engine

from backprop_playground.rooms.bus import Lifetime, LocalBus
from backprop_playground.rooms.durable import SEQ_BLOCK, DurableBus, Journal
from backprop_playground.rooms.protocol import new_code
from backprop_playground.store import hash_token
from tests.rooms.conftest import follow, leave, open_room, present, receive_until, wait_for_seq
from tests.waiting import wait_until

LIFE = Lifetime(first_s=600, presented_s=7200)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request, tmp_path):
    """The database of each supported kind (PostgreSQL's is shared: each test uses a fresh room code)."""
    from tests.server.conftest import _postgres_url

    url = f"sqlite:///{tmp_path / 'rooms.db'}" if request.param == "sqlite" else _postgres_url()
    engine = create_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture
def code() -> str:
    return new_code()


def test_a_room_comes_back_after_a_restart_with_its_state_question_and_presenter(make_client, tmp_path):
    first = make_client()
    room = open_room(first, "Backprop on a graph")
    presenter, _ = present(first, room)
    for step in range(1, 4):
        presenter.send_json({"type": "state", "state": {"page": "stepper", "query": f"step={step}"}})
    wait_for_seq(first, room, 3)
    presenter.send_json({"type": "ask", "node": "w", "label": "w", "prompt": "What total will w receive?"})
    wait_until(lambda: first.get(room.url).json()["question"] is not None, "the question is open")
    follower, hello = follow(first, room)
    question = hello["question"]
    follower.send_json({"type": "answer", "id": question["id"], "value": 0.5})
    receive_until(presenter, "answers")
    leave(follower)
    leave(presenter)
    first.__exit__(None, None, None)  # the server stops; a new one opens the same data directory

    second = make_client()
    found = second.get(room.url)
    assert found.status_code == 200, found.text
    body = found.json()
    assert body["title"] == "Backprop on a graph"
    assert body["state"] == {"page": "stepper", "query": "step=3"}
    assert body["seq"] >= 3
    assert body["question"]["id"] == question["id"] and body["question"]["prompt"].startswith("What total")
    again, hello = present(second, room)  # the same presenter token presents again
    assert hello["state"] == {"page": "stepper", "query": "step=3"}
    assert receive_until(again, "answers")["values"] == [0.5]  # the answer given before the restart
    again.send_json({"type": "state", "state": {"page": "stepper", "query": "step=4"}})
    late, hello = follow(second, room)
    if hello["state"]["query"] != "step=4":
        hello = receive_until(late, "state")
    assert hello["seq"] > body["seq"] and hello["state"]["query"] == "step=4"
    leave(late)
    leave(again)


def test_an_ended_room_stays_ended_after_a_restart(make_client):
    first = make_client()
    room = open_room(first)
    assert first.delete(room.url, headers=room.auth).status_code == 204
    first.__exit__(None, None, None)
    assert make_client().get(room.url).status_code == 404


def _run(coroutine):
    return asyncio.run(coroutine)


def _durable(engine, flush_every_s: float = 3600.0) -> DurableBus:
    return DurableBus(LocalBus(), Journal(engine), holds_all=True, flush_every_s=flush_every_s)


@pytest.mark.parametrize("states", [5, SEQ_BLOCK + 100, 3 * SEQ_BLOCK])
def test_a_crash_before_any_flush_never_gives_a_seq_a_follower_has_seen(engine, code, states):
    """kill -9 between two flushes: the newest seqs were never written, yet the room read back starts above
    every seq that was given out, so followers (which drop states at or below the last seq they saw) take
    its next state."""

    async def before_the_crash() -> int:
        bus = _durable(engine)  # a flusher that never runs: only what must be written is
        await bus.start(lambda code, event: None)
        await bus.create(code, "t", hash_token("tok"), LIFE, 10)
        seq = 0
        for step in range(states):
            seq = await bus.state(code, {"step": step}, b"{}")
        bus.flusher.cancel()  # dies here: no close(), no last flush
        return seq

    async def after_the_restart() -> tuple[int, int]:
        bus = _durable(engine)
        await bus.start(lambda code, event: None)
        room = await bus.load(code)
        following = await bus.state(code, {"step": "next"}, b"{}")
        await bus.close()
        return room.seq, following

    seen = _run(before_the_crash())
    assert seen == states
    restored, following = _run(after_the_restart())
    assert restored >= seen and following > seen


def test_a_flushed_room_keeps_its_newest_state_and_restarts_are_repeatable(engine, code):

    async def life(step: str) -> tuple[int, dict | None]:
        bus = _durable(engine, flush_every_s=0.01)
        await bus.start(lambda code, event: None)
        if await bus.load(code) is None:
            await bus.create(code, "t", hash_token("tok"), LIFE, 10)
        before = await bus.load(code)
        seq = await bus.state(code, {"step": step}, b"{}")
        while bus.dirty:  # the flusher writes it
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)
        bus.flusher.cancel()  # a crash after the flush
        return before.seq, seq

    seqs = [_run(life(str(n))) for n in range(4)]
    for (_, given), (restored, _) in zip(seqs, seqs[1:], strict=False):
        assert restored >= given  # never backwards, restart after restart
    last = _run(_read(engine, code))
    assert last.state == {"step": "3"}


async def _read(engine, code):
    bus = _durable(engine)
    await bus.start(lambda code, event: None)
    room = await bus.load(code)
    await bus.close()
    return room


def test_expired_rooms_are_not_read_back(engine, code):

    async def create() -> None:
        bus = _durable(engine)
        await bus.start(lambda code, event: None)
        await bus.create(code, "t", hash_token("tok"), Lifetime(first_s=0.05, presented_s=0.05), 10)
        await bus.close()

    _run(create())
    import time

    time.sleep(0.1)
    assert _run(_read(engine, code)) is None


def test_a_database_that_refuses_writes_answers_503_and_ending_a_class_still_works(make_client):
    """Rooms write through the models' database: a read-only one refuses a new room with the store's 503
    and its reason (never a bare 500); a class can still be ended, its row deleted once writes work."""
    from tests.storage_faults import make_read_only

    client = make_client()
    room = open_room(client)
    lift = make_read_only(client.app.state.hub.store)
    try:
        refused = client.post("/api/v1/rooms")
        assert refused.status_code == 503 and "read-only" in refused.json()["detail"]
        assert refused.headers["retry-after"]
        assert client.delete(room.url, headers=room.auth).status_code == 204
        assert client.get(room.url).status_code == 404
    finally:
        lift()
    bus = client.app.state.room_registry.bus
    wait_until(lambda: not bus.ended, "the ended room's row is deleted once the database takes writes")
    assert client.post("/api/v1/rooms").status_code == 201
