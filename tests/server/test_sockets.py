"""sockets.py: the outbox and receive loop model streams and rooms share."""

import asyncio

from backprop_playground.sockets import Outbox, texts


def _box(limit: int = 3) -> Outbox[str]:
    return Outbox(limit, lambda n: f"too slow after {n}")


def test_final_goes_first_then_ordered_then_slots_in_their_first_order():
    box = _box()
    box.latest("state", "s1")
    box.latest("audience", "a1")
    box.put("q1")
    assert box.latest("state", "s2") == "s1"  # replaced unsent, and keeps its place
    assert [box.take() for _ in range(4)] == [("q1", False), ("s2", False), ("a1", False), (None, False)]
    box.put("q2")
    assert box.end("bye") and not box.end("second")
    assert box.take() == ("bye", True) and box.take() == ("bye", True)  # the final message stays
    assert not box.put("q3") and box.latest("state", "s3") is None and list(box.queue) == ["q2"]


def test_one_too_many_ordered_messages_leave_only_the_last_word():
    box = _box(limit=2)
    box.latest("state", "s")
    assert box.put("a") and box.put("b") and not box.overflowed
    assert not box.put("c")
    assert box.overflowed and not box.queue and not box.slots
    assert box.take() == ("too slow after 2", True)


def test_get_waits_for_a_message():
    async def main():
        box = _box()
        waiting = asyncio.ensure_future(box.get())
        await asyncio.sleep(0)
        assert not waiting.done()
        box.latest("frame", "f")
        return await waiting

    assert asyncio.run(main()) == ("f", False)


class Socket:
    def __init__(self, messages):
        self.messages = list(messages)

    async def receive(self):
        return self.messages.pop(0)


def test_texts_gives_each_text_none_for_binary_and_ends_when_the_client_leaves():
    async def main():
        socket = Socket([{"type": "websocket.receive", "text": "a"},
                         {"type": "websocket.receive", "bytes": b"b"},
                         {"type": "websocket.receive", "text": "c"},
                         {"type": "websocket.disconnect", "code": 1000},
                         {"type": "websocket.receive", "text": "never"}])
        return [text async for text in texts(socket)]

    assert asyncio.run(main()) == ["a", None, "c"]
