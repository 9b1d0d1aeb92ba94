"""The mock's request pipeline, framework-free: Incoming -> Reply, and the call recorded.

route -> validate -> select (Prefer, violations, success; media type) -> synthesize -> behaviors
refine -> optional self-check -> render -> record.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from mockserver import behaviors, media
from mockserver.calls import CallLog, redact
from mockserver.errors import Violation, error_body
from mockserver.exchange import Exchange, Reply, request_seed
from mockserver.rendering import JSON_TYPE, documented_headers, dump_json, json_reply, violation_reply
from mockserver.routing import Miss, Router
from mockserver.selection import (
    Accept,
    Prefer,
    SelectionError,
    negotiate,
    parse_prefer,
    response_for,
    success_response,
)
from mockserver.selfcheck import check_reply
from mockserver.settings import Settings
from mockserver.spec import Operation, Response, Spec, load_spec
from mockserver.synthesis import SynthesisError, Synthesizer
from mockserver.types import JSON, Incoming
from mockserver.validation import Verdict, validate_request

_NO_PREFER = Prefer()


@dataclass
class Services:
    """What behaviors may use besides the exchange: the spec, the synthesizer, the settings."""

    spec: Spec
    synthesizer: Synthesizer
    settings: Settings


class Mock:
    """One mock server's state: the compiled spec, the router, the request log."""

    def __init__(self, settings: Settings | None = None, spec: Spec | None = None) -> None:
        self.settings = settings or Settings()
        self.spec = spec or load_spec(self.settings.spec, self.settings.overlays)
        self.router = Router.build(self.spec, self.settings.base_path)
        self.synthesizer = Synthesizer(self.spec.openapi)
        self.calls = CallLog(self.settings.log_size, self.settings.log_body_bytes)
        self.services = Services(self.spec, self.synthesizer, self.settings)
        self._api_keys = frozenset(self.settings.api_keys)

    @property
    def base_path(self) -> str:
        return self.router.base_path

    def authorize(self, credential: str) -> bool:
        return not self._api_keys or credential in self._api_keys

    def handle(self, incoming: Incoming) -> Reply:
        """Answer one request and record it."""
        started = time.perf_counter()
        operation: Operation | None = None
        verdict: Verdict | None = None
        nearest: tuple[str, ...] = ()
        relative = self.router.relative(incoming.path)
        match = self.router.match(incoming.method, relative) if relative is not None else None
        if match is None or isinstance(match, Miss):
            reply, nearest = self._miss(incoming, match)
        else:
            operation = match.operation
            verdict = validate_request(operation, incoming, match.path_params, self.authorize)
            try:
                reply = self._respond(operation, incoming, verdict)
            except SelectionError as exc:
                reply = json_reply(
                    400, error_body(str(exc), documented=list(exc.documented)), notes=("mock control error",)
                )
            except SynthesisError as exc:
                reply = json_reply(
                    500,
                    error_body(
                        f"the mock could not synthesize a valid response for {operation.operation_id}: {exc}"
                    ),
                )
        self.calls.record(
            time=time.time(),
            method=incoming.method,
            path=incoming.path,
            query=incoming.query_string,
            operation_id=operation.operation_id if operation else None,
            status=reply.status,
            violations=verdict.violations if verdict else (),
            headers=redact(incoming.headers),
            body=incoming.body,
            media_type=reply.media_type,
            duration_ms=(time.perf_counter() - started) * 1000,
            nearest=nearest,
            notes=reply.notes,
        )
        return reply

    def record_rejected(
        self, method: str, path: str, query: str, headers: dict[str, str], reply: Reply, violation: Violation
    ) -> None:
        """Record a request refused before its body was read (too large)."""
        relative = self.router.relative(path)
        match = self.router.match(method, relative) if relative is not None else None
        self.calls.record(
            time=time.time(),
            method=method,
            path=path,
            query=query,
            operation_id=None if match is None or isinstance(match, Miss) else match.operation.operation_id,
            status=reply.status,
            violations=(violation,),
            headers=redact(headers),
            body=b"",
            media_type=reply.media_type,
            duration_ms=0.0,
        )

    def _miss(self, incoming: Incoming, match: Miss | None) -> tuple[Reply, tuple[str, ...]]:
        if match is not None and match.status == 405:
            allowed = ", ".join(match.allowed)
            body = error_body(
                f"method {incoming.method} is not allowed on {incoming.path}; allowed: {allowed}"
            )
            return json_reply(405, body, [("allow", allowed)]), ()
        relative = match.path if match is not None else incoming.path
        nearest = match.nearest if match is not None else self.router.nearest(incoming.method, relative)
        where = f" under {self.base_path}" if match is None and self.base_path else ""
        message = f"no documented operation at {incoming.path}{where}; nearest: {', '.join(nearest)}"
        return json_reply(404, error_body(message, nearest=list(nearest))), nearest

    def _respond(self, op: Operation, incoming: Incoming, verdict: Verdict) -> Reply:
        if verdict.violations:
            return violation_reply(verdict.status, verdict.violations)
        behavior = behaviors.lookup(op.operation_id)
        if behavior is not None and behavior.check is not None:
            problems = behavior.check(op, verdict.data, self.services)
            if problems:
                return violation_reply(400, problems)
        prefer = parse_prefer(incoming.header("prefer")) if "prefer" in incoming.headers else _NO_PREFER
        response: Response | None
        if prefer.code is not None:
            status, response = prefer.code, response_for(op, prefer.code)
        else:
            status, response = success_response(op)
        implied = (
            behavior.implied(op, verdict.data) if behavior and behavior.implied and status < 300 else None
        )
        accept = Accept.parse(incoming.header("accept"))
        documented = list(response.content) if response else []
        media_type, acceptable = negotiate(documented, accept, implied)
        if not acceptable and self.settings.strict_accept:
            wanted = incoming.header("accept")
            return json_reply(
                406,
                error_body(f"Accept {wanted!r} excludes {media_type}, the media type this request implies"),
            )
        exchange = Exchange(
            op,
            incoming,
            verdict.data,
            status,
            response,
            media_type,
            request_seed(self.settings.seed, op.operation_id, incoming),
            static=prefer.dynamic is False,
            example=prefer.example,
        )
        reply = self._render(exchange, behavior)
        if self.settings.check_responses:
            problems = check_reply(op, reply)
            if problems:
                return self._invalid_reply(op, problems)
        return reply

    def _render(self, ex: Exchange, behavior: behaviors.Behavior | None) -> Reply:
        notes = (f"Prefer: code={ex.status}",) if ex.incoming.header("prefer") else ()
        media_type = ex.media_type
        if ex.response is None or media_type is None:
            headers = documented_headers(ex.response, self.synthesizer, ex.rng("headers"))
            return Reply(ex.status, tuple(headers), b"", notes=notes)
        spec_media = ex.response.content[media_type]
        value: JSON = None
        if media_type == JSON_TYPE or media_type.endswith("+json") or media.renderer(media_type) is None:
            value = self._value(ex)
            if behavior is not None and behavior.refine is not None and ex.status < 300:
                value = behavior.refine(ex, value, self.services)
            body = dump_json(value) if _is_json(media_type) else media.as_text(value)
        else:
            body = media.render(ex, spec_media, self.services)
        given = behavior.headers(ex, value, self.services) if behavior and behavior.headers else {}
        headers = [
            ("content-type", media.content_type(media_type)),
            *documented_headers(ex.response, self.synthesizer, ex.rng("headers"), given),
        ]
        return Reply(ex.status, tuple(headers), body, media_type=media_type, notes=notes)

    def _value(self, ex: Exchange) -> JSON:
        assert ex.response is not None
        assert ex.media_type is not None
        spec_media = ex.response.content[ex.media_type]
        if ex.example is not None:
            if ex.example not in spec_media.examples:
                names = ", ".join(repr(n) for n in spec_media.examples if n) or "none"
                raise SelectionError(
                    f"no valid example named {ex.example!r} for {ex.operation.operation_id} "
                    f"{ex.status} {ex.media_type}; named examples: {names}"
                )
            return spec_media.examples[ex.example]
        if ex.static and spec_media.examples:
            return next(iter(spec_media.examples.values()))
        if spec_media.schema is None:
            return None
        return self.synthesizer.valid_value(spec_media.schema, ex.rng("body"), examples=True)

    def _invalid_reply(self, op: Operation, problems: list[Violation]) -> Reply:
        message = f"the mock produced a response that violates the spec for {op.operation_id}"
        return json_reply(500, error_body(message, problems), notes=("self-check failed",))


def _is_json(media_type: str) -> bool:
    return media_type == JSON_TYPE or media_type.endswith("+json")
