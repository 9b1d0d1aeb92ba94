"""What the benchmark sends: one frozen dataclass per scenario, listed in SCENARIOS.

To add a request/response scenario, append a Scenario to SCENARIOS; `--scenarios NAME` picks it up.
Streaming scenarios (SSE chunks/s, time to first byte, paced concurrent streams) measure other
things than req/s and need their own runner in bench.py; they can still describe their request here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass


@dataclass(frozen=True)
class Scenario:
    name: str
    method: str
    path: str  # relative to the API base URL, e.g. "/models" under http://127.0.0.1:PORT/api/v1
    headers: tuple[tuple[str, str], ...] = ()  # a tuple, not a dict, so the dataclass stays hashable
    body: bytes = b""

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"


AUTH = (("Authorization", "Bearer test"),)

# The smallest body the spec accepts; a larger one would measure JSON parsing rather than the mock.
CHAT_BODY = json.dumps(
    {"model": "venice-uncensored", "messages": [{"role": "user", "content": "Say hi"}]},
    separators=(",", ":"),
).encode()

MODELS = Scenario("models", "GET", "/models", AUTH)
CHAT = Scenario("chat", "POST", "/chat/completions", (*AUTH, ("Content-Type", "application/json")), CHAT_BODY)

SCENARIOS: tuple[Scenario, ...] = (MODELS, CHAT)
DEFAULT_SCENARIOS: tuple[str, ...] = ("models", "chat")
MEMORY_SCENARIO = CHAT  # the memory-flatness run repeats this one


def by_name(name: str) -> Scenario:
    for scenario in SCENARIOS:
        if scenario.name == name:
            return scenario
    raise KeyError(name)
