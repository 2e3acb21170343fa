"""The WebSocket stream's commands (client → server, docs/contracts.md §5) and `parse_command`, which
the stream's reader calls on every text message."""

from __future__ import annotations

from typing import Annotated, Literal

import orjson
from pydantic import Field, TypeAdapter, ValidationError

from backprop_playground.schema.api import RequestModel

MAX_PENDING_STEPS = 64
MAX_COMMAND_CHARS = 4096


class _Command(RequestModel):
    """A stream command (client → server), JSON text."""


class Step(_Command):
    type: Literal["step"]
    count: int = Field(default=1, ge=1, le=MAX_PENDING_STEPS)


class Play(_Command):
    type: Literal["play"]
    rate: Annotated[float, Field(gt=0)] | Literal["max"] = Field(description=(
        "Steps per second. Up to max_stream_rate (60) every step is a traced frame; above it the stream "
        "fast-forwards (capped by max_play_rate, 2,000; \"max\": as fast as its fair share allows): "
        "untraced steps, whose losses come in `progress` messages, and a traced frame at most `fps` "
        "times a second."))


class Pause(_Command):
    type: Literal["pause"]


class Reset(_Command):
    type: Literal["reset"]
    seed: int | None = Field(default=None, ge=0, lt=2**32)


class Config(_Command):
    type: Literal["config"]
    lr: float | None = Field(default=None, gt=0, le=1e3)
    rows: int | None = Field(default=None, ge=1, le=10_000)
    encoding: Literal["json", "f32"] | None = None
    summary_over: int | None = Field(default=None, ge=0)
    fps: float | None = Field(default=None, gt=0, le=120, description=(
        "Traced frames per second the client wants while fast-forwarding (capped by max_stream_fps, 30)."))


Command = Annotated[Step | Play | Pause | Reset | Config, Field(discriminator="type")]
COMMANDS: TypeAdapter[Command] = TypeAdapter(Command)


def parse_command(text: str) -> Command:
    """A command from JSON text; ValueError with a readable message otherwise."""
    if len(text) > MAX_COMMAND_CHARS:
        raise ValueError(f"command longer than {MAX_COMMAND_CHARS} characters")
    try:
        return COMMANDS.validate_python(orjson.loads(text))
    except orjson.JSONDecodeError as exc:
        raise ValueError(f"not JSON: {exc}") from None
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'command'}: {e['msg']}" for e in exc.errors()
        )
        expected = "expected type step, play, pause, reset or config"
        raise ValueError(f"bad command ({problems}); {expected}") from None
