"""Request path + method -> Operation, or a miss that says what is close (404) or allowed (405)."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from mockserver.spec import Operation, Spec


@dataclass(frozen=True, slots=True)
class Match:
    operation: Operation
    path_params: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Miss:
    status: int  # 404: no such path; 405: path exists, method does not
    path: str  # relative to the base path
    allowed: tuple[str, ...] = ()  # for 405
    nearest: tuple[str, ...] = ()  # "METHOD /path" of the closest documented operations, for 404


def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"({[^}]+})", template)
    regex = "".join(f"(?P<{_group(p[1:-1])}>[^/]+)" if p.startswith("{") else re.escape(p) for p in parts)
    return re.compile(f"^{regex}$")


def _group(name: str) -> str:
    # Template names may contain characters a regex group name cannot; keep a reversible form.
    return "p_" + "".join(c if c.isalnum() else f"_{ord(c):x}_" for c in name)


def _ungroup(group: str) -> str:
    return re.sub(r"_([0-9a-f]+)_", lambda m: chr(int(m.group(1), 16)), group[2:])


@dataclass(frozen=True)
class Router:
    """Literal paths are a dict lookup; templated ones are tried in spec order after them,
    as OpenAPI requires concrete paths to win over templated ones."""

    base_path: str
    literal: Mapping[str, Mapping[str, Operation]]
    templated: tuple[tuple[re.Pattern[str], str, Mapping[str, Operation]], ...]
    labels: tuple[str, ...] = field(default=())

    @classmethod
    def build(cls, spec: Spec, base_path: str | None = None) -> Router:
        by_path: dict[str, dict[str, Operation]] = {}
        for op in spec.operations:
            by_path.setdefault(op.path, {})[op.method] = op
        literal = {p: MappingProxyType(m) for p, m in by_path.items() if "{" not in p}
        templated = tuple((_pattern(p), p, MappingProxyType(m)) for p, m in by_path.items() if "{" in p)
        base = spec.base_path if base_path is None else base_path.rstrip("/")
        return cls(base, MappingProxyType(literal), templated, tuple(op.label for op in spec.operations))

    def relative(self, path: str) -> str | None:
        """The path below the base path, or None when the request is outside it."""
        if not self.base_path:
            return path
        if path == self.base_path:
            return "/"
        if path.startswith(self.base_path) and path[len(self.base_path)] == "/":
            return path[len(self.base_path) :]
        return None

    def match(self, method: str, relative_path: str) -> Match | Miss:
        methods = self.literal.get(relative_path)
        params: Mapping[str, str] = MappingProxyType({})
        if methods is None:
            for pattern, _template, candidates in self.templated:
                found = pattern.match(relative_path)
                if found:
                    methods = candidates
                    params = MappingProxyType({_ungroup(k): v for k, v in found.groupdict().items()})
                    break
        if methods is None:
            return Miss(404, relative_path, nearest=self.nearest(method, relative_path))
        op = methods.get(method)
        if op is None:
            return Miss(405, relative_path, allowed=tuple(sorted(methods)))
        return Match(op, params)

    def nearest(self, method: str, relative_path: str, n: int = 3) -> tuple[str, ...]:
        paths = sorted({label.split(" ", 1)[1] for label in self.labels})
        close = difflib.get_close_matches(relative_path, paths, n=n, cutoff=0.4)
        if not close:  # fall back to sharing the first segment, then to anything
            head = relative_path.strip("/").split("/")[0]
            close = [p for p in paths if p.strip("/").split("/")[0] == head][:n] or paths[:n]
        return tuple(f"{self.base_path}{p}" for p in close)
