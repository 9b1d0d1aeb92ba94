"""Scripted answers shared through the Redis store: a script set on one mock process (POST
/__mock/scripts, or `Mock.scripts.respond`) answers the next calls on any process sharing the
Redis, and `times=N` counts calls across all of them.

Layout under the store's prefix: `scripts:OPERATION` (a list of script ids, in order),
`scriptdata` (hash id -> the script as JSON), `scriptleft` (hash id -> calls left, -1: every
call) and `scriptops` (the operations with a queue). Taking a script is one Lua script (read the
head, count it, drop it when used up), so two processes never both take the last call of one.
"""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

from mockserver.scripts import Scripted, Scripts
from mockserver.state_redis import RedisState
from mockserver.types import JSON

# KEYS: the operation's list, scriptdata, scriptleft, scriptops. ARGV: the operation id.
_TAKE = """
local id = redis.call('LINDEX', KEYS[1], 0)
if not id then return false end
local data = redis.call('HGET', KEYS[2], id)
local left = tonumber(redis.call('HGET', KEYS[3], id))
if left > 0 then
  left = left - 1
  if left == 0 then
    redis.call('LPOP', KEYS[1])
    redis.call('HDEL', KEYS[2], id)
    redis.call('HDEL', KEYS[3], id)
    if redis.call('LLEN', KEYS[1]) == 0 then redis.call('SREM', KEYS[4], ARGV[1]) end
  else
    redis.call('HSET', KEYS[3], id, left)
  end
end
return data
"""
# KEYS: scriptdata, scriptleft, scriptops. ARGV: the key prefix for lists, then operation ids
# (none: every operation with a queue).
_CLEAR = """
local ops = {}
for i = 2, #ARGV do ops[#ops + 1] = ARGV[i] end
if #ops == 0 then ops = redis.call('SMEMBERS', KEYS[3]) end
for _, op in ipairs(ops) do
  local list = ARGV[1] .. op
  for _, id in ipairs(redis.call('LRANGE', list, 0, -1)) do
    redis.call('HDEL', KEYS[1], id)
    redis.call('HDEL', KEYS[2], id)
  end
  redis.call('DEL', list)
  redis.call('SREM', KEYS[3], op)
end
return 0
"""
# KEYS: scriptdata, scriptleft, scriptops. ARGV: the key prefix for lists. Returns a flat list
# (data, left) of every pending script, queue by queue.
_PENDING = """
local out = {}
for _, op in ipairs(redis.call('SORT', KEYS[3], 'ALPHA')) do
  for _, id in ipairs(redis.call('LRANGE', ARGV[1] .. op, 0, -1)) do
    out[#out + 1] = redis.call('HGET', KEYS[1], id)
    out[#out + 1] = redis.call('HGET', KEYS[2], id)
  end
end
return out
"""


class SharedScripts(Scripts):
    """Scripts kept in the Redis store (the interface of `Scripts`, its checks unchanged)."""

    def __init__(self, store: RedisState) -> None:
        super().__init__()
        self._store = store
        prefix = store.prefix
        self._list = f"{prefix}:scripts:"
        self._keys = [f"{prefix}:scriptdata", f"{prefix}:scriptleft", f"{prefix}:scriptops"]
        redis = store.client
        self._take = redis.register_script(_TAKE)
        self._clear = redis.register_script(_CLEAR)
        self._pending = redis.register_script(_PENDING)

    def _push(self, scripted: Scripted, times: int | None) -> None:
        op = scripted.operation_id
        data, left, ops = self._keys
        script_id = uuid.uuid4().hex

        async def push() -> None:
            async with self._store.client.pipeline(transaction=True) as pipe:
                pipe.hset(data, script_id, _dumps(scripted))
                pipe.hset(left, script_id, -1 if times is None else times)
                pipe.rpush(self._list + op, script_id)
                pipe.sadd(ops, op)
                await pipe.execute()

        self._store.run(push())

    def take(self, operation_id: str) -> Scripted | None:
        data, left, ops = self._keys
        keys = [self._list + operation_id, data, left, ops]
        found = self._store.run(self._take(keys, [operation_id]))
        return _loads(found) if found else None

    def active(self) -> bool:
        return bool(self._store.run(self._store.client.scard(self._keys[2])))

    def pending(self) -> list[tuple[Scripted, int | None]]:
        flat = self._store.run(self._pending(self._keys, [self._list]))
        pairs = zip(flat[::2], flat[1::2], strict=True)
        return [(_loads(d), None if int(n) < 0 else int(n)) for d, n in pairs if d]

    def clear(self, operation_id: str | None = None) -> None:
        ops = [] if operation_id is None else [operation_id]
        self._store.run(self._clear(self._keys, [self._list, *ops]))


# Scripts as JSON: bytes (binary bodies, raw stream chunks) are tagged, so that a str chunk, a
# bytes chunk and a JSON event each come back as what they were.


def _item(value: JSON | bytes | str) -> dict[str, Any]:
    if isinstance(value, bytes):
        return {"b": base64.b64encode(value).decode()}
    if isinstance(value, str):
        return {"s": value}
    return {"j": value}


def _unitem(tagged: dict[str, Any]) -> JSON | bytes | str:
    if "b" in tagged:
        return base64.b64decode(tagged["b"])
    if "s" in tagged:
        return str(tagged["s"])
    value: JSON = tagged["j"]
    return value


def _dumps(s: Scripted) -> str:
    return json.dumps(
        {
            "operation_id": s.operation_id,
            "status": s.status,
            "body": _item(s.body),
            "has_body": s.has_body,
            "headers": [list(h) for h in s.headers],
            "stream": None if s.stream is None else [_item(i) for i in s.stream],
            "done": s.done,
            "media_type": s.media_type,
            "delay": s.delay,
            "scenarios": list(s.scenarios),
            "validate": s.validate,
            "validated": s.validated,
        }
    )


def _loads(text: str) -> Scripted:
    raw = json.loads(text)
    body = _unitem(raw["body"])
    return Scripted(
        operation_id=raw["operation_id"],
        status=raw["status"],
        body=body,
        has_body=raw["has_body"],
        headers=tuple((str(k), str(v)) for k, v in raw["headers"]),
        stream=None if raw["stream"] is None else tuple(_unitem(i) for i in raw["stream"]),
        done=raw["done"],
        media_type=raw["media_type"],
        delay=raw["delay"],
        scenarios=tuple(raw["scenarios"]),
        validate=raw["validate"],
        validated=raw["validated"],
    )
