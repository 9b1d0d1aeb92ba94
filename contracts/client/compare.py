"""Did the values arrive unchanged? Given arguments vs the request the mock recorded, and a
scripted answer vs what the client returned.

JSON numbers compare by value (1 and 1.0 are the same number; JSON has one number type), but
never against booleans or strings: "5" for 5 is a re-typed field. Which differences are no bug
(a spec default, null vs absent) is decided in equivalence.py.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from mockserver import Call, Operation


@dataclass(frozen=True, slots=True)
class Difference:
    kind: str  # "dropped", "added", "changed", "retyped", "renamed"
    location: str  # "body.messages[0].content", "query.limit", "header.x-trace"
    given: Any = None
    sent: Any = None

    def __str__(self) -> str:
        shown = {
            "dropped": f"given {_short(self.given)}, not sent",
            "added": f"not given, sent {_short(self.sent)}",
            "renamed": f"sent as {self.sent}",
            "retyped": f"given {_short(self.given)} ({json_type(self.given)}), "
            f"sent {_short(self.sent)} ({json_type(self.sent)})",
        }.get(self.kind, f"given {_short(self.given)}, got {_short(self.sent)}")
        return f"{self.location}: {self.kind} ({shown})"


def first_difference(d: Difference) -> str:
    """A difference as a reader needs it: the place and both values, and for two long strings
    the first character where they part (two identical cut-off prefixes say nothing)."""
    if d.kind == "changed" and isinstance(d.given, str) and isinstance(d.sent, str):
        at = next(
            (i for i, (a, b) in enumerate(zip(d.given, d.sent, strict=False)) if a != b),
            min(len(d.given), len(d.sent)),
        )
        start = max(0, at - 20)
        window = [json.dumps(v[start : at + 40], ensure_ascii=False) for v in (d.given, d.sent)]
        return (
            f"{d.location}: changed at character {at} (lengths {len(d.given)} and {len(d.sent)}): "
            f"given ...{window[0]}, got ...{window[1]}"
        )
    return str(d)


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=repr)
    return text if len(text) <= 80 else text[:77] + "..."


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "array"
    return "object"


def same(a: Any, b: Any) -> bool:
    """JSON equality: numbers by value, everything else structurally. A number that is a float
    on either side compares as the double it denotes: 3.846107012270858e+16 and
    38461070122708580 are two spellings of one double (JavaScript writes the second)."""
    if json_type(a) != json_type(b):
        return False
    if isinstance(a, float) or isinstance(b, float):
        return float(a) == float(b)
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _at(location: str, key: str | int) -> str:
    return f"{location}[{key}]" if isinstance(key, int) else f"{location}.{key}" if location else key


def diff(given: Any, got: Any, location: str) -> list[Difference]:
    """Every way `got` differs from `given` (empty: the same JSON)."""
    if isinstance(given, dict) and isinstance(got, dict):
        out: list[Difference] = []
        dropped = [k for k in given if k not in got]
        added = [k for k in got if k not in given]
        for key in given:
            if key in got:
                out.extend(diff(given[key], got[key], _at(location, key)))
        for key in dropped:
            twin = next((a for a in added if same(got[a], given[key])), None)
            if twin is not None:  # the same value under another name
                added.remove(twin)
                out.append(Difference("renamed", _at(location, key), key, twin))
            else:
                out.append(Difference("dropped", _at(location, key), given[key]))
        out.extend(Difference("added", _at(location, key), None, got[key]) for key in added)
        return out
    if isinstance(given, (list, tuple)) and isinstance(got, (list, tuple)):
        if len(given) != len(got):
            return [Difference("changed", location, list(given), list(got))]
        return [
            d for i, (g, s) in enumerate(zip(given, got, strict=True)) for d in diff(g, s, _at(location, i))
        ]
    if same(given, got):
        return []
    return [Difference("retyped" if json_type(given) != json_type(got) else "changed", location, given, got)]


# -- the recorded request ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Sent:
    """What the client put on the wire, read back from the request log."""

    path: Mapping[str, str]
    query: tuple[tuple[str, str], ...]
    headers: Mapping[str, str]
    body: Any
    has_body: bool
    body_readable: bool  # JSON (compared); other encodings are validated but not compared


def sent_request(call: Call, op: Operation, base_path: str) -> Sent:
    pattern = re.escape(base_path + op.path).replace(r"\{", "{").replace(r"\}", "}")
    pattern = re.sub(r"{([^}]+)}", lambda m: f"(?P<{_group(m.group(1))}>[^/]+)", pattern)
    match = re.fullmatch(pattern, call.path)
    names = {_group(p.name): p.name for p in op.parameters if p.location == "path"}
    path = {names.get(k, k): v for k, v in (match.groupdict() if match else {}).items()}
    headers = dict(call.headers)
    media_type = headers.get("content-type", "").split(";")[0].strip().lower()
    body: Any = None
    readable = True
    if call.body:
        try:
            body = json.loads(call.body) if media_type.endswith("json") else None
        except ValueError:
            body = None
        readable = media_type.endswith("json") and body is not None
    query = tuple(parse_qsl(call.query, keep_blank_values=True))
    return Sent(path, query, headers, body, bool(call.body), readable)


def _group(name: str) -> str:
    return re.sub(r"\W", "_", name) or "p"


def query_text(value: Any) -> str:
    """How a query value is written: booleans as true/false, numbers as JSON, strings as is."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value)


def _same_text(given: Any, text: str) -> bool:
    if query_text(given) == text:
        return True
    if isinstance(given, (int, float)) and not isinstance(given, bool):
        try:
            return float(text) == float(given)
        except ValueError:
            return False
    return False


def request_differences(arguments: Mapping[str, Any], sent: Sent) -> list[Difference]:
    """How the recorded request differs from the arguments the client was given."""
    out: list[Difference] = []
    for name, value in (arguments.get("path") or {}).items():
        if name not in sent.path:
            out.append(Difference("dropped", f"path.{name}", value))
        elif not _same_text(value, sent.path[name]):
            out.append(Difference("changed", f"path.{name}", value, sent.path[name]))
    given_query = arguments.get("query") or {}
    for name, value in given_query.items():
        values = [v for n, v in sent.query if n == name]
        wanted = value if isinstance(value, list) else [value]
        if not values:
            out.append(Difference("dropped", f"query.{name}", value))
        elif len(values) != len(wanted) or not all(
            _same_text(g, t) for g, t in zip(wanted, values, strict=True)
        ):
            out.append(
                Difference("changed", f"query.{name}", value, values if len(values) > 1 else values[0])
            )
    for name, text in sent.query:
        if name not in given_query:
            out.append(Difference("added", f"query.{name}", None, text))
    for name, value in (arguments.get("headers") or {}).items():
        got = sent.headers.get(name.lower())
        if got is None:
            out.append(Difference("dropped", f"header.{name.lower()}", value))
        elif got != value:
            out.append(Difference("changed", f"header.{name.lower()}", value, got))
    if "body" in arguments:
        if not sent.has_body:
            out.append(Difference("dropped", "body", arguments["body"]))
        elif sent.body_readable:
            out.extend(diff(arguments["body"], sent.body, "body"))
    return out
