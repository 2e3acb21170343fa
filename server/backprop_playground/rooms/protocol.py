"""The classroom protocol (docs/contracts.md §7): room codes, client messages, their limits, close codes.

Parsing only: a client message becomes a `RoomMessage` (its `type` and checked fields) or raises `Refused`
(answered with an error message, the connection stays) or `Malformed` (closed with 4400).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

import orjson

from backprop_playground import sockets
from backprop_playground.store import hash_token

# Six characters from an alphabet without look-alikes (no 0/O/Q, 1/I/L, 2/Z, 5/S, 6/G, 8/B, U/V), so a
# code projected on a wall or read aloud is typed right: 20**6 = 64 million codes.
ALPHABET = "ACDEFHJKMNPRTWXY3479"
CODE_LENGTH = 6

FIRST_MESSAGE_TIMEOUT_S = 10.0  # the first message, auth or follow, must come within this
MAX_STATE_BYTES = 16 * 1024  # a presenter's state object, encoded
MAX_PRESENTER_MESSAGE = 2 * MAX_STATE_BYTES  # characters of one presenter message (4413 beyond)
MAX_FOLLOWER_MESSAGE = 1024  # characters of one follower message, and of any first message (4413 beyond)
MAX_TEXT = {"node": 64, "label": 64, "prompt": 500}  # characters of an ask's fields
MAX_ANSWER = 1e12  # |value| of an answer or a reveal
MAX_ANSWER_VALUES = 1000  # values one answers message lists (count has them all)
MAX_ANSWERS = 50_000  # answers one question keeps (one per follower: its id, kept across reconnects)
MAX_DEPTH = 32  # nesting of a presenter's state (objects and arrays within each other)
FLOOD_DROPS = 50  # over-rate messages in a row after which a connection is closed as flooding
OUTBOX_MESSAGES = 64  # ordered messages waiting for one connection before it is closed as too slow

# Messages a connection may send per second, and in a burst.
PRESENTER_RATE, PRESENTER_BURST = 60.0, 120.0
FOLLOWER_RATE, FOLLOWER_BURST = 5.0, 10.0

CLOSE_BAD_MESSAGE = 4400
CLOSE_BAD_TOKEN = 4403
CLOSE_UNKNOWN_ROOM = 4404
CLOSE_TOO_SLOW = sockets.CLOSE_TOO_SLOW  # 4408, as a model stream's
CLOSE_TOO_LARGE = 4413
CLOSE_FULL = 4429

PRESENTER_ONLY = ("state", "ask", "reveal", "close_question")


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(raw: str) -> str | None:
    """The code as stored (upper case), or None when it cannot be a room code."""
    code = raw.strip().upper()
    if len(code) != CODE_LENGTH or any(c not in ALPHABET for c in code):
        return None
    return code


def token_matches(token: str, token_hash: str) -> bool:
    """Whether `token` is the presenter token whose hash is kept (constant-time comparison)."""
    return hmac.compare_digest(hash_token(token), token_hash)


_FOLLOWER_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")


def follower_key(code: str, follower_id: str | None) -> str:
    """Who a follower is to the room's questions: a hash of the id its page keeps for the class (so an
    answer survives a reconnect, and followers behind one address stay apart), or, without one, a fresh
    key per connection."""
    if follower_id is None:
        return secrets.token_hex(8)
    return hashlib.sha256(f"{code}:{follower_id}".encode()).hexdigest()[:16]


class Refused(ValueError):
    """A well-formed message the server does not carry out: answered with an error message."""


class Malformed(ValueError):
    """Not a JSON object with a type: the connection is closed with 4400."""


class _NonFinite(ValueError):
    pass


@dataclass(frozen=True)
class RoomMessage:
    """A client message, parsed: its `type` and its checked fields."""

    type: str
    fields: dict[str, Any] = field(default_factory=dict)


def _reject_constant(name: str) -> float:
    raise _NonFinite(name)


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NonFinite(text)
    return value


def load(text: str) -> dict[str, Any]:
    """A JSON object; NaN and Infinity (which JSON has not) are Refused by name, anything else Malformed."""
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        try:  # the standard parser knows NaN, Infinity and 1e999 and reports them
            value = json.loads(text, parse_constant=_reject_constant, parse_float=_float)
        except _NonFinite:
            raise Refused("numbers must be finite: NaN and Infinity are refused") from None
        except RecursionError:  # deeper than orjson's own limit (1024)
            raise Refused(f"messages nest at most {MAX_DEPTH} levels deep") from None
        except ValueError as exc:
            if "integer string conversion" in str(exc):  # Python's limit on an integer's digits
                raise Refused("numbers: an integer of more than 4,300 digits is refused") from None
            raise Malformed("messages are JSON objects") from None
    if not isinstance(value, dict) or not isinstance(value.get("type"), str):
        raise Malformed('messages are JSON objects with a "type"')
    return value


def first_message(text: str) -> RoomMessage:
    """{"type": "auth", "token"} (presenter) or {"type": "follow"} with an optional "id" (the follower's
    page's id for the class: 16–64 letters, digits, _ or -); Malformed otherwise."""
    try:
        value = load(text)
    except Refused as exc:
        raise Malformed(str(exc)) from None
    if value["type"] == "follow":
        follower_id = value.get("id")
        if follower_id is not None and not (isinstance(follower_id, str)
                                            and _FOLLOWER_ID.fullmatch(follower_id)):
            raise Malformed('a follower\'s "id" is 16 to 64 letters, digits, "_" or "-"')
        return RoomMessage("follow", {"id": follower_id})
    if value["type"] == "auth" and isinstance(value.get("token"), str):
        return RoomMessage("auth", {"token": value["token"]})
    raise Malformed('the first message is {"type": "auth", "token": "<presenter_token>"} or '
                    '{"type": "follow"}')


def parse(text: str, presenter: bool) -> RoomMessage:
    """One message after hello, checked for the sender's role."""
    value = load(text)
    kind = value["type"]
    if kind in PRESENTER_ONLY and not presenter:
        raise Refused(f"only the presenter can send {kind!r}")
    if kind == "state":
        state = value.get("state")
        if not isinstance(state, dict):
            raise Refused('"state" must be a JSON object')
        if _depth(state) > MAX_DEPTH:
            raise Refused(f"state: nests deeper than the limit of {MAX_DEPTH} levels")
        encoded = orjson.dumps(state)
        if len(encoded) > MAX_STATE_BYTES:
            raise Refused(f"state: {len(encoded)} bytes exceeds the limit of {MAX_STATE_BYTES}")
        return RoomMessage("state", {"state": state, "encoded": encoded})
    if kind == "ask":
        fields = {}
        for name, limit in MAX_TEXT.items():
            text_value = value.get(name, "")
            if not isinstance(text_value, str) or len(text_value) > limit:
                raise Refused(f"ask: {name!r} must be a string of at most {limit} characters")
            fields[name] = text_value
        if not fields["node"]:
            raise Refused('ask: "node" is required')
        return RoomMessage("ask", fields)
    if kind == "reveal":
        return RoomMessage("reveal", {"id": _question_id(value),
                                      "value": _number(value.get("value"), "reveal")})
    if kind == "close_question":
        return RoomMessage("close_question")
    if kind == "answer":
        if presenter:
            raise Refused("the presenter asks; followers answer")
        return RoomMessage("answer", {"id": _question_id(value),
                                      "value": _number(value.get("value"), "answer")})
    if kind in ("auth", "follow"):
        raise Refused(f"{kind!r} is only the first message")
    raise Refused(f"unknown message type {kind!r}")


def _depth(value: Any, limit: int = MAX_DEPTH) -> int:
    """How deep objects and arrays nest in `value`, counted up to just past `limit` (no recursion)."""
    deepest, level = 0, [(value, 1)]
    while level:
        item, depth = level.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            if depth > limit:
                return depth
            level.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def _question_id(value: dict[str, Any]) -> int:
    qid = value.get("id")
    if not isinstance(qid, int) or isinstance(qid, bool) or qid < 1:
        raise Refused('"id" must be the question\'s id, a positive integer')
    return qid


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Refused(f'{what}: "value" must be a number')
    if isinstance(value, int) and abs(value) > MAX_ANSWER:  # also beyond what a float can hold
        raise Refused(f"{what}: |value| exceeds the limit of {MAX_ANSWER:g}")
    return _finite(float(value), what)


def _finite(value: float, what: str) -> float:
    if not math.isfinite(value):
        raise Refused(f"{what}: numbers must be finite: NaN and Infinity are refused")
    if abs(value) > MAX_ANSWER:
        raise Refused(f"{what}: |value| exceeds the limit of {MAX_ANSWER:g}")
    return value


class Bucket:
    """A token bucket: `take()` is False when the sender is over its rate."""

    def __init__(self, rate: float, burst: float, now: float) -> None:
        self.rate, self.burst = rate, burst
        self.tokens, self.when = burst, now

    def take(self, now: float) -> bool:
        self.tokens = min(self.burst, self.tokens + (now - self.when) * self.rate)
        self.when = now
        if self.tokens < 1.0:
            return False
        self.tokens -= 1.0
        return True
