"""Send one schemathesis case to a base URL and read the answer within bounds.

The request is prepared exactly as schemathesis would send it (its serializers, through
`requests`), then sent with httpx streaming so the body can be read, decoded and judged as it
arrives. Every request counts against the budget; a 429 is retried after its Retry-After while
the run's waiting allowance lasts.
"""

from __future__ import annotations

import base64
import email.utils
import json as json_module
import re
import shlex
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import requests

from contracts.checks.reader import Body, Limits, read_body
from contracts.checks.streams import StreamChecker
from contracts.safety import Budget, Redactor

_RETRIES = 3
_TRANSPORT_ONLY = ("timeout", "allow_redirects", "verify", "cert", "proxies", "stream")
_UNINTERESTING = {"user-agent", "connection", "content-length"}

CheckerFor = Callable[[int, str], "StreamChecker | None"]  # (status, content type) -> checker


class NoAnswer(Exception):
    """The server gave no HTTP answer to a request: refused, dropped or timed out. Carries the
    request (as a redacted curl) so the report can say which request did it."""

    def __init__(self, error: httpx.TransportError, curl: str) -> None:
        super().__init__(f"{type(error).__name__}: {error}")
        self.error = error
        self.curl = curl

    @property
    def refused(self) -> bool:
        """Nobody listens (as opposed to a server that took the request and then failed it)."""
        return isinstance(self.error, (httpx.ConnectError, httpx.ConnectTimeout))

    @property
    def rule(self) -> str:
        if self.refused:
            return "refused"
        return "timeout" if isinstance(self.error, httpx.TimeoutException) else "dropped"


@dataclass(frozen=True, slots=True)
class Call:
    """One request and its answer, as read."""

    request: requests.PreparedRequest
    status: int
    headers: httpx.Headers
    body: Body
    elapsed: float
    curl: str  # redacted
    waited: float  # seconds slept on Retry-After

    @property
    def content_type(self) -> str:
        return str(self.headers.get("content-type", ""))

    @property
    def media_type(self) -> str:
        return self.content_type.split(";")[0].strip().lower()

    def json(self) -> Any:
        """The body parsed as JSON; None when it is not JSON (the checks say what is wrong)."""
        try:
            return json_module.loads(self.body.content)
        except ValueError:
            return None


def retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait for a Retry-After header (delta-seconds or an HTTP date); None if absent."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def _headers(request: requests.PreparedRequest) -> dict[str, str]:
    return {k: v.decode("latin-1") if isinstance(v, bytes) else str(v) for k, v in request.headers.items()}


def _body(request: requests.PreparedRequest) -> bytes | None:
    body: Any = request.body  # requests builds str or bytes here (never a file: we pass no files objects)
    return body.encode() if isinstance(body, str) else body


def curl_command(request: requests.PreparedRequest, redact: Redactor) -> str:
    """A shell command that sends the same request (Authorization and the key redacted)."""
    parts = ["curl", "-X", str(request.method)]
    for name, value in _headers(request).items():
        lower = name.lower()
        if lower not in _UNINTERESTING and not (lower == "accept" and value.strip() == "*/*"):
            parts += ["-H", f"{name}: {value}"]
    body = _body(request)
    if body:
        try:
            parts += ["--data-binary", body.decode("utf-8")]
        except UnicodeDecodeError:
            encoded = base64.b64encode(body).decode()
            command = " ".join(shlex.quote(p) for p in [*parts, str(request.url)])
            return _expand_key(redact(f"echo {encoded} | base64 -d | {command} --data-binary @-"))
    parts.append(str(request.url))
    return _expand_key(redact(" ".join(shlex.quote(p) for p in parts)))


def _expand_key(command: str) -> str:
    """Double quotes around the header that names $VENICE_API_KEY, so the shell substitutes it
    (the only thing inside is the header name and the variable: nothing else expands)."""
    return re.sub(
        r"'((?i:authorization): (?i:bearer) \$VENICE_API_KEY)'", lambda m: f'"{m.group(1)}"', command
    )


class Transport:
    def __init__(
        self,
        base_url: str,
        limits: Limits,
        budget: Budget,
        redact: Redactor,
        max_wait: float,
        sleep: Callable[[float], None] = time.sleep,
        client: httpx.Client | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.limits = limits
        self.budget = budget
        self.redact = redact
        self.max_wait = max_wait
        self.waited = 0.0
        self._sleep = sleep
        # The read timeout bounds a silent server; the reader bounds one that trickles.
        timeout = httpx.Timeout(connect=10.0, read=limits.seconds, write=30.0, pool=10.0)
        self.client = client or httpx.Client(timeout=timeout, follow_redirects=False)

    def close(self) -> None:
        self.client.close()

    def prepare(self, case: Any, headers: Mapping[str, str | None] | None = None) -> requests.PreparedRequest:
        """The request schemathesis would send for `case`; `headers` overrides (None removes)."""
        kwargs = case.as_transport_kwargs(base_url=self.base_url)
        for name in _TRANSPORT_ONLY:
            kwargs.pop(name, None)
        prepared = requests.Request(**kwargs).prepare()
        for name, value in (headers or {}).items():
            if value is None:
                prepared.headers.pop(name, None)
            else:
                prepared.headers[name] = value
        return prepared

    def send(self, prepared: requests.PreparedRequest, checker_for: CheckerFor | None = None) -> Call:
        """Send, honouring 429 + Retry-After; read the body within the limits."""
        waited = 0.0
        attempt = 0
        while True:
            self.budget.take()
            started = time.monotonic()
            try:
                response = self._open(prepared)
            except httpx.TransportError as exc:
                raise NoAnswer(exc, curl_command(prepared, self.redact)) from exc
            pause = retry_after(response.headers.get("retry-after")) if response.status_code == 429 else None
            if pause is not None and attempt < _RETRIES and self.waited + pause <= self.max_wait:
                response.close()
                self._sleep(pause)
                self.waited += pause
                waited += pause
                attempt += 1
                continue
            checker = (
                checker_for(response.status_code, response.headers.get("content-type", ""))
                if checker_for
                else None
            )
            sent = {k.lower(): v for k, v in _headers(prepared).items()}
            body = read_body(response, self.limits, checker, sent.get("accept-encoding"))
            return Call(
                prepared,
                response.status_code,
                response.headers,
                body,
                time.monotonic() - started,
                curl_command(prepared, self.redact),
                waited,
            )

    def request(
        self,
        method: str,
        path: str,
        headers: Mapping[str, str],
        *,
        params: Mapping[str, str] | None = None,
        json: Any = None,
    ) -> Call:
        """A hand-made request (catalog look-ups, clean-up), sent like any case."""
        prepared = requests.Request(
            method, self.base_url + path, headers=dict(headers), params=params, json=json
        ).prepare()
        return self.send(prepared)

    def _open(self, prepared: requests.PreparedRequest) -> httpx.Response:
        request = self.client.build_request(
            str(prepared.method), str(prepared.url), headers=_headers(prepared), content=_body(prepared)
        )
        return self.client.send(request, stream=True)
