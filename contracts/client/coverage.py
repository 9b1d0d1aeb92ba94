"""What the client was exercised on, per operation: requests sent, statuses and media types it
was answered with, stream shapes it read, scenarios it met; against what the spec documents."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from contracts.client.chatstreams import stream_kinds
from contracts.client.harness import Outcome
from mockserver import Operation


@dataclass
class OperationCoverage:
    operation: str
    documented_statuses: tuple[str, ...]
    documented_media_types: tuple[str, ...]
    requests: int = 0  # requests the client sent
    statuses: set[int] = field(default_factory=set)
    media_types: set[str] = field(default_factory=set)
    stream_kinds: set[str] = field(default_factory=set)
    scenarios: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, op: Operation) -> OperationCoverage:
        media = sorted({m for r in op.responses.values() for m in r.content})
        return cls(op.operation_id, tuple(sorted(op.responses)), tuple(media))

    def record(self, operation_id: str, outcome: Outcome, scripts: Sequence[Mapping[str, Any]] = ()) -> None:
        ours = [c for c in outcome.calls if c.operation_id == operation_id]
        self.requests += len(ours)
        for call in ours:
            self.statuses.add(call.status)
            if call.media_type:
                self.media_types.add(call.media_type)
        # Scripts are consumed in order, one per answered call.
        answered = sum(1 for c in ours if "scripted" in c.notes)
        for script in scripts[:answered]:
            if isinstance(script.get("stream"), list):
                self.stream_kinds |= stream_kinds(script["stream"])
                if script.get("scenario") == "cut-stream":
                    self.stream_kinds.add("cut")
            if script.get("scenario"):
                self.scenarios.add(str(script["scenario"]))
            elif script.get("delay"):
                self.scenarios.add("slow-first-byte")

    @property
    def status_ratio(self) -> str:
        documented = {s for s in self.documented_statuses if s.isdigit()}
        return f"{len({str(s) for s in self.statuses} & documented)}/{len(documented)}"

    @property
    def media_ratio(self) -> str:
        return (
            f"{len(self.media_types & set(self.documented_media_types))}/{len(self.documented_media_types)}"
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "operation": self.operation,
            "requests": self.requests,
            "statuses": sorted(self.statuses),
            "documented_statuses": list(self.documented_statuses),
            "media_types": sorted(self.media_types),
            "documented_media_types": list(self.documented_media_types),
            "stream_kinds": sorted(self.stream_kinds),
            "scenarios": sorted(self.scenarios),
        }
