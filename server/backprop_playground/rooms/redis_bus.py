"""The rooms' bus through Redis (BACKPROP_REDIS_URL), so that replicas behind one address share rooms.

Each room is a hash `bp:room:{code}` (title, token hash, seq, state, the open question) with the room's
ttl, its answers `…:answers` (follower → value) and its audience `…:audience` (replica → "count:ms"), and
the live rooms are a sorted set by expiry (the `max_rooms` cap). Every change is one Lua script, so it is
atomic: the state script increments seq, keeps the state and publishes it in one step, which makes the
order of the published states the order of their seqs. Events go out on `bp:events:{code}`; every
replica listens to all of them (one pattern subscription) and its registry keeps those of the rooms it
serves.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from typing import Any

import orjson
import redis.asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from backprop_playground.rooms.bus import Bus, CodeTaken, Handler, Lifetime, OwnerFull, RoomsFull, Snapshot
from backprop_playground.rooms.protocol import MAX_ANSWERS

STOP_WAIT_S = 5.0  # how long closing waits for the listener to end, before and after closing its connection

log = logging.getLogger("backprop_playground.rooms")
PREFIX = "bp:"
EVENTS = PREFIX + "events:"
AUDIENCE_STALE_S = 200.0  # a replica's audience count not renewed for this long is dropped (it died)

# KEYS: room, answers, audience, rooms; ARGV: code, now (ms), …  `refresh` gives all three the room's ttl.
_COMMON = """
local room, answers, audience, rooms = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local code, now = ARGV[1], tonumber(ARGV[2])
local channel = '""" + EVENTS + """' .. code
local function refresh()
  local ttl = tonumber(redis.call('HGET', room, 'ttl'))
  redis.call('PEXPIRE', room, ttl)
  redis.call('PEXPIRE', answers, ttl)
  redis.call('PEXPIRE', audience, ttl)
  redis.call('ZADD', rooms, 'XX', now + ttl, code)
end
"""
# KEYS[5]: the owner's set of room codes; ARGV: …, title, token, ttl, max_rooms, owner, per_owner, pttl.
_CREATE = _COMMON + """
redis.call('ZREMRANGEBYSCORE', rooms, '-inf', now)
if redis.call('EXISTS', room) == 1 then return 'taken' end
if redis.call('ZCARD', rooms) >= tonumber(ARGV[6]) then return 'full' end
local owned, per_owner = KEYS[5], tonumber(ARGV[8])
if per_owner > 0 then
  for _, other in ipairs(redis.call('SMEMBERS', owned)) do
    if redis.call('EXISTS', '""" + PREFIX + """room:' .. other) == 0 then redis.call('SREM', owned, other) end
  end
  if redis.call('SCARD', owned) >= per_owner then return 'owned' end
end
redis.call('HSET', room, 'title', ARGV[3], 'token', ARGV[4], 'ttl', ARGV[5], 'seq', 0, 'qseq', 0, 'qopen', 0,
           'followers', 0, 'owner', ARGV[7], 'pttl', ARGV[9])
redis.call('PEXPIRE', room, ARGV[5])
redis.call('ZADD', rooms, now + tonumber(ARGV[5]), code)
redis.call('SADD', owned, code)
redis.call('PEXPIRE', owned, math.max(tonumber(ARGV[9]), redis.call('PTTL', owned)))
return 'ok'
"""
# ARGV: …, fields (a JSON object of the room hash), answers (a JSON object), expires in (ms), owner's set ttl
_RESTORE = _COMMON + """
if redis.call('EXISTS', room) == 1 then return 0 end
for name, value in pairs(cjson.decode(ARGV[3])) do redis.call('HSET', room, name, value) end
redis.call('DEL', answers, audience)
for who, value in pairs(cjson.decode(ARGV[4])) do redis.call('HSET', answers, who, value) end
local life = tonumber(ARGV[5])
redis.call('PEXPIRE', room, life)
if redis.call('EXISTS', answers) == 1 then redis.call('PEXPIRE', answers, life) end
redis.call('ZADD', rooms, now + life, code)
local owner = redis.call('HGET', room, 'owner')
if owner and owner ~= '' then
  redis.call('SADD', KEYS[5], code)
  redis.call('PEXPIRE', KEYS[5], math.max(life, redis.call('PTTL', KEYS[5])))
end
return 1
"""
_STATE = _COMMON + """
if redis.call('EXISTS', room) == 0 then return -1 end
local seq = redis.call('HINCRBY', room, 'seq', 1)
redis.call('HSET', room, 'state', ARGV[3])
refresh()
redis.call('PUBLISH', channel, '{"k":"state","seq":' .. seq .. ',"state":' .. ARGV[3] .. '}')
return seq
"""
_ASK = _COMMON + """
if redis.call('EXISTS', room) == 0 then return -1 end
local q = redis.call('HINCRBY', room, 'qseq', 1)
local question = '{"id":' .. q .. ',' .. string.sub(ARGV[3], 2)
redis.call('HSET', room, 'question', question, 'qopen', q)
redis.call('HDEL', room, 'revealed')
redis.call('DEL', answers)
refresh()
redis.call('PUBLISH', channel, '{"k":"ask","q":' .. question .. '}')
return q
"""
_ANSWER = _COMMON + """
if redis.call('HGET', room, 'qopen') ~= ARGV[3] then return 0 end
if redis.call('HLEN', answers) >= tonumber(ARGV[6]) and redis.call('HEXISTS', answers, ARGV[4]) == 0 then
  return 0
end
redis.call('HSET', answers, ARGV[4], ARGV[5])
redis.call('PEXPIRE', answers, redis.call('PTTL', room))
redis.call('PUBLISH', channel, '{"k":"answer","id":' .. ARGV[3] .. ',"who":"' .. ARGV[4] .. '","value":' ..
           ARGV[5] .. '}')
return 1
"""
_REVEAL = _COMMON + """
if redis.call('HGET', room, 'qopen') ~= ARGV[3] then return 0 end
redis.call('HSET', room, 'revealed', ARGV[4])
refresh()
redis.call('PUBLISH', channel, '{"k":"reveal","id":' .. ARGV[3] .. ',"value":' .. ARGV[4] .. '}')
return 1
"""
_CLOSE = _COMMON + """
local q = redis.call('HGET', room, 'qopen')
if not q or q == '0' then return 0 end
redis.call('HSET', room, 'qopen', 0)
redis.call('HDEL', room, 'question', 'revealed')
redis.call('DEL', answers)
refresh()
redis.call('PUBLISH', channel, '{"k":"close","id":' .. q .. '}')
return tonumber(q)
"""
_AUDIENCE = _COMMON + """
if redis.call('EXISTS', room) == 0 then return -1 end
if tonumber(ARGV[4]) > 0 then
  redis.call('HSET', audience, ARGV[3], ARGV[4] .. ':' .. now)
else
  redis.call('HDEL', audience, ARGV[3])
end
redis.call('PEXPIRE', audience, redis.call('PTTL', room))
local total = 0
local entries = redis.call('HGETALL', audience)
for i = 1, #entries, 2 do
  local count, at = string.match(entries[i + 1], '(%d+):(%d+)')
  if now - tonumber(at) > tonumber(ARGV[5]) then
    redis.call('HDEL', audience, entries[i])
  else
    total = total + tonumber(count)
  end
end
if tonumber(redis.call('HGET', room, 'followers')) ~= total then
  redis.call('HSET', room, 'followers', total)
  redis.call('PUBLISH', channel, '{"k":"audience","followers":' .. total .. '}')
end
return total
"""
_TOUCH = _COMMON + """
if redis.call('EXISTS', room) == 0 then return 0 end
local presented = redis.call('HGET', room, 'pttl')
if presented then redis.call('HSET', room, 'ttl', presented) end
refresh()
return 1
"""
_DELETE = _COMMON + """
if redis.call('EXISTS', room) == 0 then return 0 end
redis.call('DEL', room, answers, audience)
redis.call('ZREM', rooms, code)
redis.call('PUBLISH', channel, '{"k":"ended"}')
return 1
"""


def _keys(code: str) -> list[str]:
    room = f"{PREFIX}room:{code}"
    return [room, room + ":answers", room + ":audience", PREFIX + "rooms"]


def _owned(owner: str) -> str:
    return f"{PREFIX}owner:{owner}"


def _now_ms() -> int:
    return int(time.time() * 1000)


def _ms(seconds: float) -> int:
    return max(1, int(seconds * 1000))


class RedisBus(Bus):
    """Rooms in Redis; events through its pub/sub. One client (a connection pool) per process."""

    def __init__(self, url: str) -> None:
        self.redis = aioredis.Redis.from_url(url, decode_responses=True)
        self.replica = secrets.token_hex(6)
        self.scripts = {name: self.redis.register_script(source) for name, source in (
            ("create", _CREATE), ("state", _STATE), ("ask", _ASK), ("answer", _ANSWER), ("reveal", _REVEAL),
            ("close", _CLOSE), ("audience", _AUDIENCE), ("touch", _TOUCH), ("delete", _DELETE),
            ("restore", _RESTORE))}
        self.pubsub = None
        self.listener: asyncio.Task | None = None
        self.closing = False

    async def start(self, handler: Handler) -> None:
        self.handler = handler
        self.pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
        await self.pubsub.psubscribe(EVENTS + "*")
        self.listener = asyncio.create_task(self._listen(), name="rooms-redis-listener")

    async def close(self) -> None:
        """Stop listening and close the connections, in bounded time. A cancellation that lands inside a
        Redis read can be swallowed by the client library (its reads catch and retry), which would leave
        the listener reading forever and a shutdown waiting for it; so the subscription's connection is
        closed too, which ends any read, and `closing` ends the loop."""
        self.closing = True
        listener = self.listener
        if listener is not None:
            listener.cancel()
            await asyncio.wait((listener,), timeout=STOP_WAIT_S)
        if self.pubsub is not None:
            await self.pubsub.aclose()
        if listener is not None and not listener.done():
            listener.cancel()
            await asyncio.wait((listener,), timeout=STOP_WAIT_S)
            if not listener.done():
                log.warning("rooms: the Redis listener did not stop within %g s", 2 * STOP_WAIT_S)
        await self.redis.aclose()

    async def _listen(self) -> None:
        while not self.closing:
            try:
                async for message in self.pubsub.listen():
                    if message["type"] != "pmessage":
                        continue
                    code = message["channel"][len(EVENTS):]
                    try:
                        self.handler(code, orjson.loads(message["data"]))
                    except Exception:
                        log.exception("rooms: event of room %s not delivered", code)
            except Exception as exc:
                if self.closing:  # close() closed the subscription under a read
                    return
                if not isinstance(exc, RedisConnectionError | RedisTimeoutError | OSError):
                    raise
                # The connection to Redis broke: reconnect (the pattern is subscribed again). Events sent
                # meanwhile are lost; the next state carries the whole state again.
                log.warning("rooms: Redis subscription lost (%s: %s); reconnecting", type(exc).__name__, exc)
                await asyncio.sleep(1.0)

    async def _run(self, name: str, code: str, *args: Any, keys: tuple[str, ...] = ()) -> Any:
        return await self.scripts[name](keys=[*_keys(code), *keys], args=[code, _now_ms(), *args])

    async def create(self, code: str, title: str, token_hash: str, life: Lifetime, max_rooms: int, *,
                     owner: str = "", per_owner: int = 0) -> None:
        outcome = await self._run("create", code, title, token_hash, _ms(life.first_s), max_rooms, owner,
                                  per_owner, _ms(life.presented_s), keys=(_owned(owner),))
        if outcome == "taken":
            raise CodeTaken(code)
        if outcome == "full":
            raise RoomsFull(max_rooms)
        if outcome == "owned":
            raise OwnerFull(per_owner)

    async def restore(self, room: Snapshot) -> bool:
        fields = {"title": room.title, "token": room.token_hash, "ttl": _ms(room.ttl_s),
                  "pttl": _ms(room.presented_ttl_s), "seq": room.seq, "qseq": room.qseq, "qopen": 0,
                  "followers": 0, "owner": room.owner}
        if room.state is not None:
            fields["state"] = orjson.dumps(room.state).decode()
        answers = {}
        if room.question is not None:
            question = {k: v for k, v in room.question.items() if k != "revealed"}
            fields.update(question=orjson.dumps(question).decode(), qopen=question["id"])
            if room.question.get("revealed") is not None:
                fields["revealed"] = repr(float(room.question["revealed"]))
            answers = {who: repr(value) for who, value in room.answers.items()}
        fields = {name: str(value) for name, value in fields.items()}
        return bool(await self._run("restore", room.code, orjson.dumps(fields).decode(),
                                    orjson.dumps(answers).decode(), _ms(room.expires_in_s),
                                    keys=(_owned(room.owner),)))

    async def load(self, code: str) -> Snapshot | None:
        room_key, answers_key, _, _ = _keys(code)
        async with self.redis.pipeline(transaction=True) as pipe:
            room, answers, life = await pipe.hgetall(room_key).hgetall(answers_key).pttl(room_key).execute()
        if not room:
            return None
        question = None
        if room.get("qopen", "0") != "0" and room.get("question"):
            question = orjson.loads(room["question"])
            question["revealed"] = float(room["revealed"]) if "revealed" in room else None
        return Snapshot(
            code=code, title=room.get("title", ""), token_hash=room.get("token", ""),
            seq=int(room.get("seq", 0)),
            state=orjson.loads(room["state"]) if room.get("state") else None, question=question,
            answers={who: float(value) for who, value in answers.items()} if question else {},
            followers=int(room.get("followers", 0)), qseq=int(room.get("qseq", 0)),
            owner=room.get("owner", ""), ttl_s=int(room.get("ttl", 0)) / 1000,
            presented_ttl_s=int(room.get("pttl", room.get("ttl", 0))) / 1000,
            expires_in_s=max(0, life) / 1000)

    async def delete(self, code: str) -> bool:
        return bool(await self._run("delete", code))

    async def state(self, code: str, state: dict[str, Any], encoded: bytes) -> int | None:
        seq = await self._run("state", code, encoded.decode())
        return None if seq < 0 else seq

    async def ask(self, code: str, fields: dict[str, str]) -> int | None:
        qid = await self._run("ask", code, orjson.dumps(fields).decode())
        return None if qid < 0 else qid

    async def answer(self, code: str, qid: int, who: str, value: float) -> bool:
        return bool(await self._run("answer", code, str(qid), who, repr(value), MAX_ANSWERS))

    async def reveal(self, code: str, qid: int, value: float) -> bool:
        return bool(await self._run("reveal", code, str(qid), repr(value)))

    async def close_question(self, code: str) -> int | None:
        return await self._run("close", code) or None

    async def audience(self, code: str, here: int) -> None:
        await self._run("audience", code, self.replica, here, int(AUDIENCE_STALE_S * 1000))

    async def touch(self, code: str) -> bool:
        return bool(await self._run("touch", code))

    async def sweep(self, codes: list[str]) -> list[str]:
        if not codes:
            return []
        async with self.redis.pipeline(transaction=False) as pipe:
            for code in codes:
                pipe.exists(_keys(code)[0])
            alive = await pipe.execute()
        return [code for code, exists in zip(codes, alive, strict=True) if not exists]
