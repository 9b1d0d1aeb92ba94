"""Settings: everything the CLI (or a test) can choose, as one frozen value."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from typing import Any

DEFAULT_MAX_BODY = 32 * 1024 * 1024


@dataclass(frozen=True)
class Settings:
    spec: str | None = None  # path of the OpenAPI document; None: the bundled swagger.yaml
    overlays: tuple[str, ...] = ()  # extra documents merged into the spec (see overlay.apply_overlay)
    default_overlay: bool = True  # merge the bundled fixtures/overlay.yaml first
    base_path: str | None = None  # None: the path of servers[0].url
    seed: int = 0
    api_keys: tuple[str, ...] = ()  # when given, only these bearer tokens are accepted
    check_responses: bool = False  # validate every outgoing response; a violation becomes a 500
    max_body_bytes: int = DEFAULT_MAX_BODY
    log_size: int = 1000  # request log entries kept
    log_body_bytes: int = 64 * 1024  # request body bytes kept per log entry
    strict_accept: bool = False  # answer 406 when Accept excludes the media type the request implies
    fixtures: str | None = None  # directory with models.yaml etc.; None: the bundled catalog
    state_file: str | None = None  # SQLite file for keys/usage; None: in memory (alias of `state`)
    state: str | None = None  # the store's URL: memory://, sqlite:///PATH, redis://HOST:PORT/DB
    any_model: bool = False  # accept model ids that are not in the catalog
    behaviors: bool = True  # Venice semantics on top of the generic engine
    stream_ttft_ms: float = 0.0  # streams: wait before the first event
    stream_delay_ms: float = 0.0  # streams: wait between events
    # Video jobs (later specs' /video/*): seconds a queued generation reports PROCESSING before
    # /video/retrieve answers the MP4 (each job draws its own within +-25%, from the seed).
    video_seconds: float = 2.0
    faults: tuple[str, ...] = ()  # contract violations to inject into every answer (see faults.py)
    scenarios: tuple[str, ...] = ()  # resilience scenarios, "NAME" or "NAME:PROBABILITY" (scenarios.py)
    # X-Mock-Fault may name security-weakening faults (auth-not-enforced) even with api_keys set.
    allow_fault_headers: bool = False
    admin_token: str | None = None  # guards /__mock/*; None: the first api key (open without keys)
    # Proxy, record, replay (proxy.py, cassettes.py): validate real traffic, then replay it offline.
    proxy: str | None = None  # upstream base URL, e.g. https://api.venice.ai/api/v1
    upstream_api_key: str | None = None  # sent upstream instead of the client's own Authorization
    forward_invalid: bool = False  # forward requests that break the contract (default: the mock's 400)
    upstream_connect_timeout: float = 5.0  # seconds to connect upstream before a 504
    upstream_read_timeout: float = 60.0  # seconds of upstream silence (head or between bytes): 504
    record: str | None = None  # directory cassettes are written to
    replay: str | None = None  # directory cassettes are answered from
    replay_pace: str = "recorded"  # "recorded": stream chunks at their recorded times; "none": at once
    replay_strict: bool = False  # an unmatched request gets a 404 naming the nearest cassette
    replay_ignore: tuple[str, ...] = ("user", "stream_options")  # body fields matching ignores

    @property
    def admin_credential(self) -> str | None:
        """The token /__mock/* requires, if any: without keys configured the routes stay open."""
        return self.admin_token or (self.api_keys[0] if self.api_keys else None)

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> Settings:
        raw = json.loads(text)
        known = {f.name for f in fields(cls)}
        values: dict[str, Any] = {
            k: tuple(v) if isinstance(v, list) else v for k, v in raw.items() if k in known
        }
        return cls(**values)
