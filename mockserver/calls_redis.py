"""The request log shared through the Redis store: every mock process sharing the Redis appends
to one capped stream, so GET /__mock/requests (and the inspector) on any process lists the calls
of all of them, numbered in one sequence.

Layout under the store's prefix: `log` (a stream capped at the log's size, each entry the call as
JSON), `logseq` (the sequence), `logreply:SEQ` (a stream's bytes once it has ended; it expires
after LOG_REPLY_TTL). Appending is one Lua script (number, then append), run in the pipeline's
thread; a stream's bytes are written without waiting. With Redis down, a call is answered (503)
and not logged.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

from mockserver.calls import Call, CallLog
from mockserver.errors import Violation
from mockserver.state import StoreUnavailable
from mockserver.state_redis import RedisState

LOG_REPLY_TTL = 3600  # seconds a finished stream's bytes stay readable

# KEYS: the stream, the sequence. ARGV: the cap, the call as JSON. Returns the call's number.
_APPEND = """
local seq = redis.call('INCR', KEYS[2])
redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[1], '*', 'seq', seq, 'call', ARGV[2])
return seq
"""


class SharedCallLog(CallLog):
    def __init__(self, store: RedisState, size: int, body_limit: int) -> None:
        super().__init__(size, body_limit)
        self._store = store
        self._stream = f"{store.prefix}:log"
        self._seq_key = f"{store.prefix}:logseq"
        self._reply = f"{store.prefix}:logreply:"
        self._append = store.client.register_script(_APPEND)

    def record(self, **fields: Any) -> Call:
        call = self.build(0, fields)
        try:
            seq = self._store.run(self._append([self._stream, self._seq_key], [self.size, _dumps(call)]))
        except StoreUnavailable:
            return call  # not logged: seq 0 is no entry (the answer says why: a 503)
        return call._replace(seq=int(seq))

    def _finish(self, seq: int, kept: bytes, size: int) -> None:
        if seq:
            reply = json.dumps({"body": base64.b64encode(kept).decode(), "size": size})
            self._store.submit(self._store.client.set(self._reply + str(seq), reply, ex=LOG_REPLY_TTL))

    def _calls_newest_first(self, count: int) -> list[Call]:
        entries = self._store.run(self._store.client.xrevrange(self._stream, count=count))
        calls = [_loads(int(fields["seq"]), fields["call"]) for _, fields in entries]
        streamed = [c.seq for c in calls if c.streamed]
        if streamed:
            replies = self._store.run(self._store.client.mget([self._reply + str(n) for n in streamed]))
            finished = {n: json.loads(r) for n, r in zip(streamed, replies, strict=True) if r}
            calls = [
                c._replace(
                    reply_body=base64.b64decode(finished[c.seq]["body"]), reply_size=finished[c.seq]["size"]
                )
                if c.seq in finished
                else c
                for c in calls
            ]
        return calls

    def __iter__(self) -> Iterator[Call]:
        return iter(list(reversed(self._calls_newest_first(self.size))))

    def __len__(self) -> int:
        return min(int(self._store.run(self._store.client.xlen(self._stream))), self.size)

    def clear(self) -> None:
        self._store.run(self._store.client.delete(self._stream))

    def last(self) -> Call | None:
        newest = self._calls_newest_first(1)
        return newest[0] if newest else None

    def get(self, seq: int) -> Call | None:
        return next((c for c in self._calls_newest_first(self.size) if c.seq == seq), None)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _dumps(call: Call) -> str:
    return json.dumps(
        {
            "time": call.time,
            "method": call.method,
            "path": call.path,
            "query": call.query,
            "operation_id": call.operation_id,
            "status": call.status,
            "violations": [[v.location, v.rule, v.message] for v in call.violations],
            "headers": [list(h) for h in call.headers],
            "body": _b64(call.body),
            "body_size": call.body_size,
            "media_type": call.media_type,
            "duration_ms": call.duration_ms,
            "nearest": list(call.nearest),
            "notes": list(call.notes),
            "reply_headers": [list(h) for h in call.reply_headers],
            "reply_body": _b64(call.reply_body),
            "reply_size": call.reply_size,
            "streamed": call.streamed,
            "response_violations": [[v.location, v.rule, v.message] for v in call.response_violations],
        }
    )


def _loads(seq: int, text: str) -> Call:
    raw = json.loads(text)
    return Call(
        seq=seq,
        time=raw["time"],
        method=raw["method"],
        path=raw["path"],
        query=raw["query"],
        operation_id=raw["operation_id"],
        status=raw["status"],
        violations=tuple(Violation(*v) for v in raw["violations"]),
        headers=tuple((str(k), str(v)) for k, v in raw["headers"]),
        body=base64.b64decode(raw["body"]),
        body_size=raw["body_size"],
        media_type=raw["media_type"],
        duration_ms=raw["duration_ms"],
        nearest=tuple(raw["nearest"]),
        notes=tuple(raw["notes"]),
        reply_headers=tuple((str(k), str(v)) for k, v in raw["reply_headers"]),
        reply_body=base64.b64decode(raw["reply_body"]),
        reply_size=raw["reply_size"],
        streamed=raw["streamed"],
        response_violations=tuple(Violation(*v) for v in raw.get("response_violations", ())),
    )
