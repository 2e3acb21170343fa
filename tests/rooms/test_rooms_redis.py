"""Rooms through a real Redis: two app instances (replicas) share rooms, states, questions and audience."""

from __future__ import annotations

import pytest

from tests.rooms.conftest import follow, leave, open_room, present, receive_until, wait_for_seq
from tests.waiting import wait_until


@pytest.fixture
def replicas(make_client, redis_url):
    """Two app instances sharing one Redis, as two replicas behind a load balancer."""
    return make_client(redis_url=redis_url), make_client(redis_url=redis_url)


def test_a_follower_on_b_sees_the_presenter_on_a_in_order(replicas):
    a, b = replicas
    room = open_room(a, "two replicas")
    assert b.get(room.url).json()["title"] == "two replicas"
    presenter, _ = present(a, room)
    followers = [follow(b, room)[0], follow(b, room)[0], follow(a, room)[0]]
    for step in range(1, 61):
        presenter.send_json({"type": "state", "state": {"query": f"step={step}"}})
    for follower in followers:
        seqs = []
        while not seqs or seqs[-1] < 60:
            message = receive_until(follower, "state")
            assert message["state"] == {"query": f"step={message['seq']}"}
            seqs.append(message["seq"])
        assert seqs == sorted(set(seqs))
    assert b.get(room.url).json()["seq"] == 60


def test_a_late_joiner_on_b_gets_the_current_state_and_question(replicas):
    a, b = replicas
    room = open_room(a)
    presenter, _ = present(a, room)
    presenter.send_json({"type": "state", "state": {"query": "step=5"}})
    presenter.send_json({"type": "ask", "node": "n2", "label": "h₁", "prompt": "What total?"})
    qid = receive_until(presenter, "ask")["id"]
    wait_for_seq(b, room, 1)
    follower, hello = follow(b, room)
    assert hello["seq"] == 1 and hello["state"] == {"query": "step=5"}
    assert hello["question"] == {"id": qid, "node": "n2", "label": "h₁", "prompt": "What total?",
                                 "revealed": None}


def test_questions_cross_replicas(replicas):
    a, b = replicas
    room = open_room(b)
    presenter, _ = present(a, room)
    on_b, _ = follow(b, room)
    on_a, _ = follow(a, room)
    presenter.send_json({"type": "ask", "node": "n3", "label": "h₁", "prompt": "?"})
    qid = receive_until(presenter, "ask")["id"]
    assert receive_until(on_b, "ask")["id"] == qid
    on_b.send_json({"type": "answer", "id": qid, "value": 0.25})
    on_a.send_json({"type": "answer", "id": qid, "value": 3})
    answers = receive_until(presenter, "answers")
    while answers["count"] < 2:
        answers = receive_until(presenter, "answers")
    assert sorted(answers["values"]) == [0.25, 3.0]
    on_b.send_json({"type": "answer", "id": qid + 1, "value": 1})
    assert "no open question" in receive_until(on_b, "error")["message"]
    presenter.send_json({"type": "reveal", "id": qid, "value": 3})
    assert receive_until(on_b, "reveal") == {"type": "reveal", "id": qid, "value": 3}
    assert b.get(room.url).json()["question"]["revealed"] == 3
    presenter.send_json({"type": "close_question"})
    assert receive_until(on_b, "close_question")["id"] == qid
    assert b.get(room.url).json()["question"] is None


def test_the_audience_adds_up_over_replicas(replicas):
    a, b = replicas
    room = open_room(a)
    presenter, _ = present(a, room)
    sessions = [follow(b, room)[0] for _ in range(2)] + [follow(a, room)[0]]
    followers = receive_until(presenter, "audience")["followers"]
    while followers < 3:
        followers = receive_until(presenter, "audience")["followers"]
    assert followers == 3 and a.get(room.url).json()["followers"] == 3
    for session in sessions[:2]:
        leave(session)
    while followers != 1:
        followers = receive_until(presenter, "audience")["followers"]


def test_the_presenter_token_and_deletion_hold_on_every_replica(replicas):
    a, b = replicas
    room = open_room(a)
    other = open_room(b)
    assert b.delete(room.url, headers=other.auth).status_code == 403
    follower, _ = follow(a, room)
    with b.websocket_connect(room.stream) as ws:
        ws.send_json({"type": "auth", "token": other.token})
        assert ws.receive_json()["type"] == "error"
        assert ws.receive()["code"] == 4403
    assert b.delete(room.url, headers=room.auth).status_code == 204
    assert a.get(room.url).status_code == 404
    error = receive_until(follower, "error")
    assert error["message"] == "the room has ended" and follower.receive()["code"] == 4404


def test_max_rooms_counts_every_replica(make_client, redis_url):
    a, b = make_client(redis_url=redis_url, max_rooms=2), make_client(redis_url=redis_url, max_rooms=2)
    open_room(a)
    open_room(b)
    response = a.post("/api/v1/rooms")
    assert response.status_code == 503 and "max_rooms" in response.json()["detail"]


def test_rooms_expire_in_redis_unless_a_presenter_stays(make_client, redis_url):
    a = make_client(redis_url=redis_url, room_ttl_s=3.0)
    b = make_client(redis_url=redis_url, room_ttl_s=3.0)
    kept = open_room(a)
    present(b, kept)
    dropped = open_room(a)
    # Once the room opened after `kept` has expired, more than room_ttl_s has passed for `kept` too, and
    # only its presenter (on the other replica) kept it.
    wait_until(lambda: a.get(dropped.url).status_code == 404, "the room without a presenter expires")
    assert a.get(kept.url).status_code == 200


def test_closing_ends_when_the_client_library_swallows_the_listeners_cancellation(redis_url, monkeypatch):
    """redis-py's reads can swallow a cancellation that lands inside them; a shutdown that waited for the
    listener to take it hung for ever (a TestClient's exit, a server's stop). Closing the subscription's
    connection ends the read."""
    import asyncio

    from backprop_playground.rooms import redis_bus
    from tests.waiting import DEADLINE_S

    monkeypatch.setattr(redis_bus, "STOP_WAIT_S", 0.2)

    async def main():
        bus = redis_bus.RedisBus(redis_url)
        await bus.start(lambda code, event: None)
        read = bus.pubsub.parse_response

        async def swallowing(*args, **kwargs):  # the listener's reads, from its first one on
            while True:
                try:
                    return await read(*args, **kwargs)
                except asyncio.CancelledError:
                    continue

        bus.pubsub.parse_response = swallowing
        await asyncio.sleep(0.2)  # the listener waits inside a read
        await asyncio.wait_for(bus.close(), DEADLINE_S)
        listener = bus.listener
        return listener.done() and (listener.cancelled() or listener.exception() is None)

    assert asyncio.run(main())


def _flush_redis(url: str) -> None:
    import socket

    host, port = url.rsplit("/", 1)[0].rsplit(":", 1)
    with socket.create_connection((host.rsplit("/", 1)[-1], int(port)), timeout=5) as sock:
        sock.sendall(b"FLUSHALL\r\n")
        assert sock.recv(16).startswith(b"+OK")


def test_a_room_redis_lost_is_read_back_from_the_database(replicas, redis_url, tmp_path):
    """Redis stays the authority while it has the room; when it loses it (restarted without persistence,
    flushed), the database the replicas share has it, and the class goes on with seq still rising."""
    from sqlalchemy import create_engine, text

    a, b = replicas
    room = open_room(a, "kept twice")
    presenter, _ = present(a, room)
    follower, _ = follow(b, room)
    for step in range(1, 4):
        presenter.send_json({"type": "state", "state": {"query": f"step={step}"}})
    wait_for_seq(b, room, 3)
    engine = create_engine(f"sqlite:///{tmp_path / 'playground.db'}")

    def written() -> int:
        with engine.connect() as conn:
            return conn.execute(text("SELECT seq FROM rooms WHERE code = :c"), {"c": room.code}).scalar() or 0

    wait_until(lambda: written() >= 3, "the room's state is written to the database")
    engine.dispose()
    _flush_redis(redis_url)

    found = b.get(room.url)
    assert found.status_code == 200
    assert found.json()["title"] == "kept twice" and found.json()["state"] == {"query": "step=3"}
    presenter.send_json({"type": "state", "state": {"query": "step=4"}})
    message = receive_until(follower, "state")
    while message["state"] != {"query": "step=4"}:
        message = receive_until(follower, "state")
    assert message["seq"] > 3
    again, hello = present(b, room)  # the token still presents, on the other replica too
    assert hello["state"] == {"query": "step=4"}
    for session in (again, follower, presenter):
        leave(session)
