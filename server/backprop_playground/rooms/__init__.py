"""Classroom rooms: a presenter's stepper drives the steppers of everyone who joined (docs/contracts.md §7).

Start here; a room, module by module:

- `protocol`: codes, client messages and their limits, close codes.
- `bus`: where rooms live and how their events travel: the `Bus` interface, and `LocalBus` in this
  process's memory.
- `redis_bus`: the same through Redis, for replicas: one Lua script per change, its event published to
  every replica.
- `durable`: every room also in the database, read back after a restart or when Redis lost it (wraps either
  bus).
- `registry`: the rooms this process serves: joining, a mirror of each room's state for late joiners, the
  fan-out (each bus event encoded once and handed to every connection) and the ticker.
- `connection`: one client's socket and what is sent to it: at once while it keeps up, else an outbox and
  a writer task (the outbox and receive loop are `backprop_playground/sockets.py`'s, shared with model
  streams).

In one process a presenter's message goes from its connection's reader (`registry`) to the bus, whose event
comes back to `registry` and out through every `connection` of the room. Across replicas the bus is
`redis_bus`: the event reaches the registry of every replica serving the room. `open_bus` picks the bus.
"""

from __future__ import annotations

from backprop_playground.rooms.bus import Bus, LocalBus
from backprop_playground.rooms.durable import DurableBus, Journal


def open_bus(settings, engine=None) -> Bus:
    """Redis when `redis_url` is set (replicas share rooms), else this process's memory; with a database
    `engine`, every room is kept there too (DurableBus)."""
    if settings.redis_url:
        from backprop_playground.rooms.redis_bus import RedisBus  # the redis package is an optional extra

        bus: Bus = RedisBus(settings.redis_url)
    else:
        bus = LocalBus()
    if engine is None:
        return bus
    return DurableBus(bus, Journal(engine), holds_all=not settings.redis_url)
