"""Classroom rooms: a presenter's stepper drives the steppers of everyone who joined (docs/contracts.md §7).

`protocol` (codes, client messages, limits, close codes), `bus` (where rooms live and how their events
travel: the interface and the in-process bus), `redis_bus` (the same through Redis, for replicas),
`registry` (this process's connections to rooms and the fan-out).
"""

from __future__ import annotations

from backprop_playground.rooms.bus import Bus, LocalBus


def open_bus(settings) -> Bus:
    """Redis when `redis_url` is set (replicas share rooms), else this process's memory."""
    if settings.redis_url:
        from backprop_playground.rooms.redis_bus import RedisBus  # the redis package is an optional extra

        return RedisBus(settings.redis_url)
    return LocalBus()
