"""Classroom rooms: a presenter's stepper drives the steppers of everyone who joined (docs/contracts.md §7).

`protocol` (codes, client messages, limits, close codes), `bus` (where rooms live and how their events
travel: the interface and the in-process bus), `redis_bus` (the same through Redis, for replicas),
`durable` (every room also in the database, read back after a restart or when Redis lost it),
`registry` (this process's connections to rooms and the fan-out).
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
