"""Which response to send: status (Prefer, violations, success) and media type (implied vs Accept).

Prism-compatible `Prefer` header: `Prefer: code=429`, `Prefer: example=NAME`,
`Prefer: dynamic=true|false`; tokens may be combined with commas or semicolons.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from mockserver.exceptions import SelectionError
from mockserver.spec import Operation, Response


@dataclass(frozen=True, slots=True)
class Prefer:
    code: int | None = None
    example: str | None = None
    dynamic: bool | None = None


def parse_prefer(header: str) -> Prefer:
    code: int | None = None
    example: str | None = None
    dynamic: bool | None = None
    for token in header.replace(";", ",").split(","):
        key, _, value = token.strip().partition("=")
        key, value = key.strip().lower(), value.strip().strip('"')
        if key == "code":
            # Three ASCII digits: `isdigit` admits "²", and 5,000 digits are no status either.
            if len(value) != 3 or not value.isascii() or not value.isdigit():
                raise SelectionError(f"Prefer: code={value[:40]!r} is not a status code")
            code = int(value)
        elif key == "example":
            example = value
        elif key == "dynamic":
            if value not in ("true", "false"):
                raise SelectionError(f"Prefer: dynamic={value!r} must be true or false")
            dynamic = value == "true"
    return Prefer(code, example, dynamic)


def weighted(header: str) -> list[tuple[str, float]]:
    """The items of an Accept-style header with their q-values: 'a;q=0.5, b' -> [(a, 0.5), (b, 1.0)]."""
    items: list[tuple[str, float]] = []
    for item in header.split(","):
        name, *params = (p.strip() for p in item.split(";"))
        if not name:
            continue
        q = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        items.append((name, q))
    return items


@dataclass(frozen=True, slots=True)
class Accept:
    """Parsed Accept header: media ranges with q-values, best first."""

    ranges: tuple[tuple[str, float], ...]

    @classmethod
    def parse(cls, header: str) -> Accept:
        ranges = [(media.lower(), q) for media, q in weighted(header)]
        return cls(tuple(sorted(ranges, key=lambda r: -r[1])))

    def quality(self, media_type: str) -> float:
        """How much the client wants `media_type` (0: not acceptable). No header accepts anything."""
        if not self.ranges:
            return 1.0
        major = media_type.split("/", 1)[0]
        best = -1.0
        specificity = -1
        for media, q in self.ranges:
            if media == media_type:
                score = 2
            elif media == f"{major}/*":
                score = 1
            elif media == "*/*":
                score = 0
            else:
                continue
            if score > specificity:
                specificity, best = score, q
        return max(best, 0.0)

    def names(self, media_type: str) -> bool:
        """Does the header list this exact media type (not only a wildcard)?"""
        return any(media == media_type and q > 0 for media, q in self.ranges)


def negotiate(documented: Iterable[str], accept: Accept, implied: str | None) -> tuple[str | None, bool]:
    """(media type to send, whether Accept allows it).

    `implied` is what the request itself asks for (e.g. `return_binary` -> image/png); it wins over
    a mere preference. Without one, the best match for Accept, else the first JSON, else the first.
    """
    names = list(documented)
    if not names:
        return None, True
    if implied is not None and implied in names:
        return implied, accept.quality(implied) > 0
    scored = [(accept.quality(n), -i, n) for i, n in enumerate(names)]
    best_q, _, best = max(scored)
    if best_q > 0 and accept.ranges and any(accept.names(n) for n in names):
        return best, True
    fallback = next((n for n in names if n == "application/json" or n.endswith("+json")), names[0])
    return fallback, accept.quality(fallback) > 0


def success_response(op: Operation) -> tuple[int, Response | None]:
    """The lowest documented 2xx; else `default`; else 200 with nothing documented."""
    statuses = op.success_statuses
    if statuses:
        return statuses[0], op.responses[str(statuses[0])]
    if "2XX" in op.responses:
        return 200, op.responses["2XX"]
    return 200, op.responses.get("default")


def response_for(op: Operation, status: int) -> Response:
    """The documented response for an explicitly requested status, or SelectionError."""
    documented = sorted(op.responses)
    if not op.documents(status):
        raise SelectionError(
            f"status {status} is not documented for {op.operation_id} ({op.label}); "
            f"documented: {', '.join(documented)}",
            documented,
        )
    found = op.response(status)
    assert found is not None
    return found
